//! Workers: stake, capabilities, the online set, bonds committed to duties, and slashing.

use super::*;
use frame_support::traits::{
	fungible::BalancedHold,
	tokens::{imbalance::Imbalance, Precision},
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_register_worker(
		who: T::AccountId,
		stake: BalanceOf<T>,
		capabilities: Capabilities<T::MaxDeviceNameLen>,
		endpoint: Vec<u8>,
	) -> DispatchResult {
		let params = Self::params();
		ensure!(!Workers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(stake >= params.min_stake, Error::<T>::StakeTooLow);
		let endpoint = Uri::parse(&endpoint).map_err(Error::<T>::InvalidUri)?;
		let worker = Worker::<T> {
			stake,
			bonded: Zero::zero(),
			unlocking: Zero::zero(),
			unlock_at: Zero::zero(),
			capabilities,
			endpoint,
			online: true,
			jobs_done: 0,
			verifications_done: 0,
			faults: 0,
			registered_at: Self::now(),
		};
		let mut candidates = Candidates::<T>::get();
		let evicted = Self::admit(&mut candidates, Self::candidate_of(&who, &worker))?;
		T::Currency::hold(&HoldReason::WorkerStake.into(), &who, stake)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Candidates::<T>::put(candidates);
		Workers::<T>::insert(&who, worker);
		Self::note_eviction(evicted, &who);
		Self::deposit_event(Event::WorkerRegistered { worker: who, stake });
		Ok(())
	}

	pub(crate) fn do_add_stake(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(Workers::<T>::contains_key(&who), Error::<T>::NotWorker);
		T::Currency::hold(&HoldReason::WorkerStake.into(), &who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Self::mutate_worker(&who, |worker| {
			worker.stake = worker.stake.saturating_add(amount);
			Ok(())
		})?;
		Self::deposit_event(Event::StakeAdded { worker: who, amount });
		Ok(())
	}

	pub(crate) fn do_unbond(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let params = Self::params();
		let unlock_at = Self::now().saturating_add(params.unbonding_period);
		Self::mutate_worker(&who, |worker| {
			ensure!(amount <= worker.free_stake(), Error::<T>::StakeBonded);
			let remaining = worker.stake.saturating_sub(amount);
			ensure!(remaining.is_zero() || remaining >= params.min_stake, Error::<T>::StakeTooLow);
			worker.stake = remaining;
			worker.unlocking = worker.unlocking.saturating_add(amount);
			worker.unlock_at = unlock_at;
			if remaining.is_zero() {
				worker.online = false;
			}
			Ok(())
		})?;
		Self::deposit_event(Event::UnbondingStarted { worker: who, amount, unlock_at });
		Ok(())
	}

	pub(crate) fn do_withdraw_unbonded(who: T::AccountId) -> DispatchResult {
		let mut worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotWorker)?;
		ensure!(
			!worker.unlocking.is_zero() && Self::now() >= worker.unlock_at,
			Error::<T>::NothingToWithdraw
		);
		let amount = T::Currency::release(
			&HoldReason::WorkerStake.into(),
			&who,
			worker.unlocking,
			Precision::BestEffort,
		)?;
		worker.unlocking = Zero::zero();
		Self::deposit_event(Event::Withdrawn { worker: who.clone(), amount });
		if worker.stake.is_zero() && worker.bonded.is_zero() {
			Workers::<T>::remove(&who);
			Self::remove_candidate(&who);
			Self::deposit_event(Event::WorkerDeregistered { worker: who });
		} else {
			Workers::<T>::insert(&who, worker);
		}
		Ok(())
	}

	pub(crate) fn do_set_capabilities(
		who: T::AccountId,
		capabilities: Capabilities<T::MaxDeviceNameLen>,
		endpoint: Vec<u8>,
	) -> DispatchResult {
		let endpoint = Uri::parse(&endpoint).map_err(Error::<T>::InvalidUri)?;
		Self::mutate_worker(&who, |worker| {
			worker.capabilities = capabilities;
			worker.endpoint = endpoint;
			Ok(())
		})?;
		Self::deposit_event(Event::CapabilitiesSet { worker: who });
		Ok(())
	}

	pub(crate) fn do_go_offline(who: T::AccountId) -> DispatchResult {
		Self::mutate_worker(&who, |worker| {
			ensure!(worker.online, Error::<T>::AlreadyOffline);
			worker.online = false;
			Ok(())
		})?;
		Self::deposit_event(Event::WentOffline { worker: who });
		Ok(())
	}

	pub(crate) fn do_go_online(who: T::AccountId) -> DispatchResult {
		let params = Self::params();
		Self::mutate_worker(&who, |worker| {
			ensure!(!worker.online, Error::<T>::AlreadyOnline);
			ensure!(worker.stake >= params.min_stake, Error::<T>::StakeTooLow);
			worker.online = true;
			Ok(())
		})?;
		Self::deposit_event(Event::WentOnline { worker: who });
		Ok(())
	}

	/// Applies `change` to a worker's record and brings its entry in [`Candidates`] up to
	/// date: present with current figures while online with the minimum stake, absent
	/// otherwise. Nothing is written if `change` or the candidate update fails.
	pub(crate) fn mutate_worker<R>(
		who: &T::AccountId,
		change: impl FnOnce(&mut Worker<T>) -> Result<R, DispatchError>,
	) -> Result<R, DispatchError> {
		let mut worker = Workers::<T>::get(who).ok_or(Error::<T>::NotWorker)?;
		let result = change(&mut worker)?;
		let min_stake = Self::params().min_stake;
		if worker.online && worker.stake < min_stake {
			worker.online = false;
			Self::deposit_event(Event::WentOffline { worker: who.clone() });
		}
		let mut candidates = Candidates::<T>::get();
		let position = candidates.iter().position(|c| &c.who == who);
		let mut evicted = None;
		match (worker.online, position) {
			(true, Some(index)) => {
				if let Some(entry) = candidates.get_mut(index) {
					*entry = Self::candidate_of(who, &worker);
				}
			}
			(true, None) => {
				evicted = Self::admit(&mut candidates, Self::candidate_of(who, &worker))?;
			}
			(false, Some(index)) => {
				candidates.remove(index);
			}
			(false, None) => {}
		}
		Candidates::<T>::put(candidates);
		Workers::<T>::insert(who, worker);
		Self::note_eviction(evicted, who);
		Ok(result)
	}

	/// Adds `newcomer` to the online set. A full set admits it only in place of the
	/// candidate with the least draw weight, and only if the newcomer weighs more: a few
	/// early whales cannot hold every seat. Returns whom it evicted.
	fn admit(
		candidates: &mut BoundedVec<Candidate<T::AccountId, BalanceOf<T>>, T::MaxWorkers>,
		newcomer: Candidate<T::AccountId, BalanceOf<T>>,
	) -> Result<Option<T::AccountId>, DispatchError> {
		let mut evicted = None;
		if candidates.is_full() {
			let (index, weakest) = candidates
				.iter()
				.enumerate()
				.min_by_key(|(_, c)| c.weight)
				.ok_or(Error::<T>::TooManyWorkers)?;
			ensure!(weakest.weight < newcomer.weight, Error::<T>::TooManyWorkers);
			evicted = Some(candidates.remove(index).who);
		}
		candidates.try_push(newcomer).map_err(|_| Error::<T>::TooManyWorkers)?;
		Ok(evicted)
	}

	/// Takes an evicted worker offline (its candidate entry is already gone).
	fn note_eviction(evicted: Option<T::AccountId>, by: &T::AccountId) {
		let Some(worker) = evicted else { return };
		Workers::<T>::mutate(&worker, |record| match record {
			Some(record) => record.online = false,
			None => {
				defensive!("an evicted candidate has no worker record");
			}
		});
		Self::deposit_event(Event::Evicted { worker, by: by.clone() });
	}

	fn remove_candidate(who: &T::AccountId) {
		Candidates::<T>::mutate(|candidates| candidates.retain(|c| &c.who != who));
	}

	pub(crate) fn candidate_of(
		who: &T::AccountId,
		worker: &Worker<T>,
	) -> Candidate<T::AccountId, BalanceOf<T>> {
		Candidate {
			who: who.clone(),
			max_parameters: worker.capabilities.max_parameters,
			determinism: worker.capabilities.determinism,
			free_stake: worker.free_stake(),
			weight: worker.draw_weight(),
		}
	}

	/// Commits `bond` of a worker's free stake to `duty`.
	pub(crate) fn commit_bond(
		who: &T::AccountId,
		bond: BalanceOf<T>,
		duty: Duty,
	) -> DispatchResult {
		Self::mutate_worker(who, |worker| {
			ensure!(worker.free_stake() >= bond, Error::<T>::StakeBonded);
			worker.bonded = worker.bonded.saturating_add(bond);
			Ok(())
		})?;
		Duties::<T>::insert(who, duty, ());
		Ok(())
	}

	/// Ends `duty` and frees its bond; `counts_as` adds it to the worker's record of good
	/// work (its reputation).
	pub(crate) fn release_bond(
		who: &T::AccountId,
		bond: BalanceOf<T>,
		duty: Duty,
		counts_as: Option<GoodWork>,
	) {
		Duties::<T>::remove(who, duty);
		let released = Self::mutate_worker(who, |worker| {
			ensure!(worker.bonded >= bond, Error::<T>::StakeBonded);
			worker.bonded = worker.bonded.saturating_sub(bond);
			match counts_as {
				Some(GoodWork::Job) => worker.jobs_done = worker.jobs_done.saturating_add(1),
				Some(GoodWork::Verification) => {
					worker.verifications_done = worker.verifications_done.saturating_add(1)
				}
				None => {}
			}
			Ok(())
		});
		if released.is_err() {
			defensive!("a released bond was not committed by its worker");
		}
	}

	/// Ends `duty` by slashing: the bond times `bond_part`, plus `stake_part` of the stake
	/// not bonded to other duties *including stake unbonding* (as pallet-staking slashes
	/// unlocking chunks: leaving does not escape a slash), taken from active stake first.
	/// Counts a fault. Returns the slashed funds for the caller to route.
	pub(crate) fn slash_bond(
		who: &T::AccountId,
		bond: BalanceOf<T>,
		duty: Duty,
		bond_part: Perbill,
		stake_part: Perbill,
	) -> CreditOf<T> {
		Duties::<T>::remove(who, duty);
		let mut amount = Zero::zero();
		let slashed = Self::mutate_worker(who, |worker| {
			ensure!(worker.bonded >= bond, Error::<T>::StakeBonded);
			worker.bonded = worker.bonded.saturating_sub(bond);
			let from_bond = bond_part.mul_floor(bond);
			let exposed =
				worker.free_stake().saturating_sub(from_bond).saturating_add(worker.unlocking);
			let from_rest = stake_part.mul_floor(exposed);
			amount = from_bond.saturating_add(from_rest).min(worker.held());
			// Active stake first, never the bonds of other duties, then unlocking stake.
			let from_stake = amount.min(worker.free_stake());
			worker.stake = worker.stake.saturating_sub(from_stake);
			worker.unlocking = worker.unlocking.saturating_sub(amount.saturating_sub(from_stake));
			worker.faults = worker.faults.saturating_add(1);
			Ok(())
		});
		if slashed.is_err() {
			defensive!("a slashed bond was not committed by its worker");
		}
		let (credit, _) = T::Currency::slash(&HoldReason::WorkerStake.into(), who, amount);
		Self::deposit_event(Event::Slashed { worker: who.clone(), amount: credit.peek() });
		credit
	}
}

/// Which count of good work a completed duty adds to, in the worker's reputation.
#[derive(Clone, Copy)]
pub(crate) enum GoodWork {
	/// A job done and paid for.
	Job,
	/// A verification: an audit on the winning side, a jury seat with the majority, a
	/// challenge won.
	Verification,
}
