//! # Rewards pallet
//!
//! The books of the Verity market: every share of a job's payment and of a slash accrues
//! here, and each earner pulls it out with a claim.
//!
//! ## Overview
//!
//! The compute pallet decides who earned what (workers, auditors, data owners, model owners
//! and the lineage above them, dispute winners, majority jurors, the treasury) and hands
//! each share over as a credit through [`RouteRewards`]. This pallet resolves the credit
//! into its own account and adds it to the earner's [`Accrued`] balance: one storage write
//! per share and no transfer, so settling a job costs the same whether its earners' accounts
//! exist or not, and no share is ever lost for being below the existential deposit.
//!
//! [`claim`](Pallet::claim) pays an account everything it has accrued (one transfer,
//! bounded); [`claim_for`](Pallet::claim_for) does it for someone else, which is how the
//! treasury and other keyless accounts are paid. A claim that would create an account below
//! the existential deposit fails with [`Error::BelowExistentialDeposit`] and keeps the
//! accrual, so it can grow until it is claimable.
//!
//! ## Emission
//!
//! Governance may set an emission per era ([`set_emission`](Pallet::set_emission), zero by
//! default). An era is [`Config::EraLength`] blocks; its emission is fixed when it starts.
//! While an era's emission is non-zero, every verified job records its workers' *work
//! units*: the model's parameter count × the samples the job processed (training: steps ×
//! batch size; inference and evaluation: one forward pass per input sample), as the
//! compute pallet reports them. Once the era ends, each worker
//! [`claim_emission`](Pallet::claim_emission)s `emission × its units ÷ the era's units`,
//! minted at claim (so rounding never creates tokens). An era's bookkeeping is claimable
//! for [`Config::HistoryDepth`] eras, then pruned by `on_idle` in bounded steps.
//!
//! ## Invariants (`try_state`)
//!
//! What the pallet owes (the sum of [`Accrued`]) is what its account holds above the
//! existential deposit (at least: anyone may transfer more in). Total issuance
//! changes only by emission claimed; accruals and claims move funds, they never mint or
//! burn.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	defensive,
	pallet_prelude::*,
	traits::{
		fungible::{self, Balanced, Inspect, Mutate},
		tokens::{Fortitude, Preservation},
		Imbalance,
	},
	PalletId,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AccountIdConversion, SaturatedConversion, Saturating, Zero},
	Rounding, TokenError,
};
pub use verity_primitives::{JobId, RouteRewards, Share};

/// Balance type of the currency rewards are paid in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Funds on their way to this pallet's account.
pub type CreditOf<T> =
	fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// Index of an emission era.
pub type EraIndex = u32;

/// One era's emission and the verified work it is shared by.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct EraRecord<Balance> {
	/// What the era mints, shared pro rata to work; fixed when the era starts.
	pub emission: Balance,
	/// Work units recorded in the era.
	pub work: u128,
}

// FRAME's macro expansion calls `expect` on values it constructed itself.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The layout of this pallet's storage. Bump it, with a migration in `migrations/`,
	/// whenever a stored type's encoding changes; `scripts/try-runtime.sh` checks it.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The currency rewards are paid in.
		type Currency: Balanced<Self::AccountId> + Mutate<Self::AccountId>;

		/// Derives the account that holds what is owed.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Blocks per emission era.
		#[pallet::constant]
		type EraLength: Get<BlockNumberFor<Self>>;

		/// Ended eras whose emission can still be claimed; older ones are pruned.
		#[pallet::constant]
		type HistoryDepth: Get<EraIndex>;

		/// Sets the emission per era (governance).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// What each account has earned and not yet claimed.
	#[pallet::storage]
	pub type Accrued<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	/// What the next era will mint (governance; zero by default).
	#[pallet::storage]
	pub type EmissionPerEra<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// The era under way.
	#[pallet::storage]
	pub type CurrentEra<T> = StorageValue<_, EraIndex, ValueQuery>;

	/// Each era's emission and total work, kept for [`Config::HistoryDepth`] eras after it.
	#[pallet::storage]
	pub type Eras<T: Config> = StorageMap<_, Twox64Concat, EraIndex, EraRecord<BalanceOf<T>>>;

	/// Work units each worker did in an era with emission, until claimed or pruned.
	#[pallet::storage]
	pub type WorkDone<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EraIndex,
		Blake2_128Concat,
		T::AccountId,
		u128,
		ValueQuery,
	>;

	/// The oldest era whose bookkeeping may still be in storage.
	#[pallet::storage]
	pub type OldestEra<T> = StorageValue<_, EraIndex, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The emission per era from genesis.
		pub emission_per_era: BalanceOf<T>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// The account must exist before a share below the existential deposit arrives.
			let account = Pallet::<T>::account_id();
			let minimum = T::Currency::minimum_balance();
			if T::Currency::balance(&account) < minimum
				&& T::Currency::mint_into(&account, minimum).is_err()
			{
				defensive!("the rewards account could not be endowed at genesis");
			}
			EmissionPerEra::<T>::put(self.emission_per_era);
			Eras::<T>::insert(0, EraRecord { emission: self.emission_per_era, work: 0 });
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` earned `amount` as `share` in `job`; it is claimable.
		Accrued { who: T::AccountId, job: JobId, share: Share, amount: BalanceOf<T> },
		/// `who` was paid everything it had accrued.
		Claimed { who: T::AccountId, amount: BalanceOf<T> },
		/// `worker` did `units` of verified work in `job`, counted in `era`'s emission.
		WorkRecorded { era: EraIndex, worker: T::AccountId, job: JobId, units: u128 },
		/// An era started; it mints `emission` for its work.
		EraStarted { era: EraIndex, emission: BalanceOf<T> },
		/// `who` was paid its part of `era`'s emission (newly minted).
		EmissionClaimed { who: T::AccountId, era: EraIndex, amount: BalanceOf<T> },
		/// The emission of every era from the next one on changed.
		EmissionSet { per_era: BalanceOf<T> },
		/// An expired era's bookkeeping was removed.
		EraPruned { era: EraIndex },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account has accrued nothing (or did no work in that era).
		NothingToClaim,
		/// The amount would create an account below the existential deposit: it stays
		/// accrued until it is enough, or until the account exists.
		BelowExistentialDeposit,
		/// The era has not ended yet.
		EraNotEnded,
		/// The era ended more than `HistoryDepth` eras ago; its emission is gone.
		EraExpired,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		// The remainder is taken only after the zero-length check: it cannot panic.
		#[allow(clippy::arithmetic_side_effects)]
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let length = T::EraLength::get();
			if length.is_zero() || !(now % length).is_zero() || now.is_zero() {
				return Weight::zero();
			}
			Self::start_era();
			T::WeightInfo::on_initialize_new_era()
		}

		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let step = T::WeightInfo::on_idle_prune();
			if remaining.any_lt(step) {
				return Weight::zero();
			}
			Self::prune_step();
			step
		}

		fn integrity_test() {
			assert!(T::HistoryDepth::get() > 0, "an era's emission must be claimable once it ends");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Pays the caller everything it has accrued.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(&who)
		}

		/// Pays `who` everything it has accrued. Anyone may call it: the funds only ever go
		/// to their earner (this is how the treasury's share reaches the treasury).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim_for(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_claim(&who)
		}

		/// Pays the caller its part of an ended era's emission.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::claim_emission())]
		pub fn claim_emission(origin: OriginFor<T>, era: EraIndex) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let current = CurrentEra::<T>::get();
			ensure!(era < current, Error::<T>::EraNotEnded);
			ensure!(era.saturating_add(T::HistoryDepth::get()) >= current, Error::<T>::EraExpired);
			let units = WorkDone::<T>::get(era, &who);
			ensure!(units > 0, Error::<T>::NothingToClaim);
			let record = Eras::<T>::get(era).ok_or(Error::<T>::EraExpired)?;
			let emission: u128 = record.emission.saturated_into();
			let amount: BalanceOf<T> = multiply_by_rational_with_rounding(
				emission,
				units,
				record.work.max(units),
				Rounding::Down,
			)
			.unwrap_or_default()
			.saturated_into();
			// Minted to the earner if its account can take it, else into the books.
			if T::Currency::mint_into(&who, amount).is_err() {
				T::Currency::mint_into(&Self::account_id(), amount)?;
				Self::accrue(&who, amount);
			}
			WorkDone::<T>::remove(era, &who);
			Self::deposit_event(Event::EmissionClaimed { who, era, amount });
			Ok(())
		}

		/// Sets what every era from the next one on mints for verified work.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_emission())]
		pub fn set_emission(origin: OriginFor<T>, per_era: BalanceOf<T>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			EmissionPerEra::<T>::put(per_era);
			Self::deposit_event(Event::EmissionSet { per_era });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The account holding everything owed.
	pub fn account_id() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	fn accrue(who: &T::AccountId, amount: BalanceOf<T>) {
		Accrued::<T>::mutate(who, |owed| owed.saturating_accrue(amount));
	}

	fn do_claim(who: &T::AccountId) -> DispatchResult {
		let amount = Accrued::<T>::get(who);
		ensure!(!amount.is_zero(), Error::<T>::NothingToClaim);
		T::Currency::transfer(&Self::account_id(), who, amount, Preservation::Preserve).map_err(
			|error| match error {
				DispatchError::Token(TokenError::BelowMinimum) => {
					Error::<T>::BelowExistentialDeposit.into()
				}
				other => other,
			},
		)?;
		Accrued::<T>::remove(who);
		Self::deposit_event(Event::Claimed { who: who.clone(), amount });
		Ok(())
	}

	fn start_era() {
		let era = CurrentEra::<T>::mutate(|era| {
			era.saturating_inc();
			*era
		});
		let emission = EmissionPerEra::<T>::get();
		Eras::<T>::insert(era, EraRecord { emission, work: 0 });
		Self::deposit_event(Event::EraStarted { era, emission });
	}

	/// Entries removed per pruning step.
	pub const PRUNE_BATCH: u32 = 64;

	/// Removes up to [`Self::PRUNE_BATCH`] work entries of the oldest expired era, and the era
	/// itself once none are left.
	fn prune_step() {
		let oldest = OldestEra::<T>::get();
		if oldest.saturating_add(T::HistoryDepth::get()) >= CurrentEra::<T>::get() {
			return;
		}
		let result = WorkDone::<T>::clear_prefix(oldest, Self::PRUNE_BATCH, None);
		if result.maybe_cursor.is_none() {
			Eras::<T>::remove(oldest);
			OldestEra::<T>::put(oldest.saturating_add(1));
			Self::deposit_event(Event::EraPruned { era: oldest });
		}
	}

	/// What the pallet owes: the sum of every accrual (a scan: for tests, try-runtime and
	/// off-chain readers, never for a call).
	pub fn total_owed() -> BalanceOf<T> {
		Accrued::<T>::iter_values()
			.fold(BalanceOf::<T>::zero(), |sum, owed| sum.saturating_add(owed))
	}

	/// Checks the books: the account holds at least everything owed.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let sum = Self::total_owed();
		let held = T::Currency::reducible_balance(
			&Self::account_id(),
			Preservation::Preserve,
			Fortitude::Polite,
		);
		ensure!(held >= sum, "the rewards account holds less than it owes");
		for (era, record) in Eras::<T>::iter() {
			let recorded = WorkDone::<T>::iter_prefix_values(era).fold(0u128, u128::saturating_add);
			ensure!(recorded <= record.work, "an era's workers did more work than the era");
		}
		ensure!(OldestEra::<T>::get() <= CurrentEra::<T>::get(), "pruning ran ahead of the eras");
		Ok(())
	}
}

impl<T: Config> RouteRewards<T::AccountId, CreditOf<T>> for Pallet<T> {
	fn route(job: JobId, share: Share, to: &T::AccountId, amount: CreditOf<T>) {
		let value = amount.peek();
		if value.is_zero() {
			return;
		}
		if let Err(unpaid) = T::Currency::resolve(&Self::account_id(), amount) {
			// Only if the account was never endowed (genesis does it): pay the earner now.
			defensive!("the rewards account refused a share");
			if T::Currency::resolve(to, unpaid).is_err() {
				defensive!("the earner refused a share the rewards account refused; it is burned");
			}
			return;
		}
		Self::accrue(to, value);
		Self::deposit_event(Event::Accrued { who: to.clone(), job, share, amount: value });
	}

	fn work_verified(job: JobId, worker: &T::AccountId, units: u128) {
		let era = CurrentEra::<T>::get();
		// Without emission the work earns nothing: keep no books for it.
		let counted = Eras::<T>::mutate(era, |record| match record {
			Some(record) if !record.emission.is_zero() && units > 0 => {
				record.work = record.work.saturating_add(units);
				true
			}
			_ => false,
		});
		if counted {
			WorkDone::<T>::mutate(era, worker, |done| *done = done.saturating_add(units));
			Self::deposit_event(Event::WorkRecorded { era, worker: worker.clone(), job, units });
		}
	}
}
