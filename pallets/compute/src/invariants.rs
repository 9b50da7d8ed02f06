//! The pallet's invariants, checked by `try_state` after every test and on try-runtime.

use super::*;
#[cfg(any(feature = "try-runtime", test))]
use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
#[cfg(any(feature = "try-runtime", test))]
use frame_support::traits::fungible::InspectHold;

impl<T: Config> Pallet<T> {
	/// Checks that
	/// - every worker's held stake is exactly its active plus unlocking stake, and its
	///   `bonded` is exactly the bonds of its open duties (assignments, audits, challenges,
	///   jury seats), never more than its stake;
	/// - every poster's escrow hold is exactly the quotes of its open jobs;
	/// - the candidate set is exactly the online workers, with current figures;
	/// - the duty index is exactly the open duties;
	/// - jobs and disputes point at each other, and job states are consistent;
	/// - every recorded seed is waited on by exactly the audit and jury draws scheduled at
	///   its block.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut escrow: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut duties: BTreeSet<(T::AccountId, Duty)> = BTreeSet::new();
		let mut waiting: BTreeMap<BlockNumberFor<T>, u32> = BTreeMap::new();
		let mut frozen: BTreeMap<DatasetId, u32> = BTreeMap::new();
		let mut wait_on = |at: BlockNumberFor<T>| {
			let entry = waiting.entry(at).or_insert(0);
			*entry = entry.saturating_add(1);
		};
		let mut add_bond = |who: &T::AccountId, amount: BalanceOf<T>| {
			let entry = bonds.entry(who.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(amount);
		};

		let next_job = NextJobId::<T>::get();
		for (id, job) in Jobs::<T>::iter() {
			ensure!(id < next_job, "job id at or above NextJobId");
			let entry = escrow.entry(job.poster.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(job.quote.total);
			for dataset in Self::datasets_of(&job.spec) {
				let entry = frozen.entry(dataset).or_insert(0);
				*entry = entry.saturating_add(1);
			}
			for assignee in &job.assignees {
				add_bond(&assignee.worker, assignee.bond);
				duties.insert((assignee.worker.clone(), Duty::Work(id)));
			}
			for audit in &job.audits {
				ensure!(job.spec.is_train(), "audits on a job that is not training");
				if !audit.bond.is_zero() {
					ensure!(audit.passed != Some(false), "a failing audit still holds its bond");
					add_bond(&audit.auditor, audit.bond);
					duties.insert((audit.auditor.clone(), Duty::Audit(id, audit.segment)));
				}
			}
			match job.status {
				JobStatus::Assigned { .. } => {
					ensure!(job.result.is_none(), "assigned job with a result");
					ensure!(!job.assignees.is_empty(), "assigned job without assignees");
				}
				JobStatus::Revealing { .. } => {
					ensure!(!job.spec.is_train(), "training job revealing outputs");
					ensure!(
						job.assignees.iter().all(|a| a.commitment.is_some()),
						"revealing before every replica committed"
					);
				}
				JobStatus::AwaitingAudits { draw_at, .. } => {
					wait_on(draw_at);
					ensure!(job.spec.is_train(), "non-training job awaiting audits");
					ensure!(job.result.is_some(), "awaiting audits without a result");
					ensure!(job.audits.is_empty(), "audits drawn before their draw");
				}
				JobStatus::Auditing { .. } => {
					ensure!(job.spec.is_train(), "non-training job submitted");
					ensure!(job.result.is_some(), "submitted job without a result");
					ensure!(job.assignees.len() == 1, "training job without exactly one trainer");
				}
				JobStatus::Refunding { .. } => {
					ensure!(job.result.is_none(), "a refunding job still reserves its weights");
				}
				JobStatus::Arbitration => {
					ensure!(!job.spec.is_train(), "training job in arbitration");
					ensure!(job.disputes.len() == 1, "arbitration without exactly one dispute");
				}
			}
			if let Some(result) = &job.result {
				ensure!(
					T::Models::reserved_for(&result.weights) == Some(id),
					"a submitted job's weights are not reserved for it"
				);
			}
			for dispute in &job.disputes {
				ensure!(
					Disputes::<T>::get(dispute).is_some_and(|d| d.job == id),
					"job lists a dispute that does not point back"
				);
			}
		}

		let next_dispute = NextDisputeId::<T>::get();
		for (id, dispute) in Disputes::<T>::iter() {
			ensure!(id < next_dispute, "dispute id at or above NextDisputeId");
			let job = Jobs::<T>::get(dispute.job).ok_or("dispute of an ended job")?;
			ensure!(job.disputes.contains(&id), "dispute missing from its job");
			add_bond(&dispute.challenger, dispute.challenger_bond);
			duties.insert((dispute.challenger.clone(), Duty::Challenge(id)));
			duties.insert((dispute.defender.clone(), Duty::Defend(id)));
			for juror in &dispute.jurors {
				if juror.settled {
					ensure!(juror.bond.is_zero(), "a settled juror still holds its bond");
					ensure!(
						matches!(dispute.phase, DisputePhase::Settling { .. }),
						"a settled juror outside a verdict being enforced"
					);
				} else {
					add_bond(&juror.who, juror.bond);
					duties.insert((juror.who.clone(), Duty::Jury(id)));
				}
			}
			if let DisputeSubject::Segment { start, end, .. } = dispute.subject {
				ensure!(start < end, "empty disputed range");
			}
			if dispute.phase == DisputePhase::AwaitingJury {
				ensure!(dispute.jurors.is_empty(), "a jury drawn before its draw");
				wait_on(dispute.deadline);
			}
		}

		let min_stake = Self::params().min_stake;
		let candidates = Candidates::<T>::get();
		let mut online = 0usize;
		for (who, worker) in Workers::<T>::iter() {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::WorkerStake.into(), &who)
					== worker.held(),
				"held stake differs from the worker record"
			);
			ensure!(
				worker.bonded == bonds.remove(&who).unwrap_or_else(Zero::zero),
				"bonded stake differs from the bonds of open duties"
			);
			ensure!(worker.bonded <= worker.stake, "more bonded than staked");
			if worker.online {
				online = online.saturating_add(1);
				ensure!(worker.stake >= min_stake, "online below the minimum stake");
				ensure!(
					candidates
						.iter()
						.filter(|c| c.who == who)
						.eq([&Self::candidate_of(&who, &worker)]),
					"candidate entry missing or stale"
				);
			}
		}
		ensure!(bonds.values().all(|b| b.is_zero()), "bonds of accounts that are not workers");
		ensure!(candidates.len() == online, "candidates that are not online workers");

		for (who, expected) in escrow {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::JobEscrow.into(), &who) == expected,
				"escrow hold differs from the poster's open quotes"
			);
		}
		for (dataset, jobs) in frozen {
			ensure!(
				T::Datasets::jobs_using(dataset) == jobs,
				"a dataset's freeze count differs from its open jobs"
			);
		}
		let seeds: BTreeMap<BlockNumberFor<T>, u32> =
			Seeds::<T>::iter().map(|(at, record)| (at, record.waiting)).collect();
		ensure!(seeds == waiting, "seed records differ from the scheduled draws");
		let indexed: BTreeSet<(T::AccountId, Duty)> =
			Duties::<T>::iter().map(|(who, duty, ())| (who, duty)).collect();
		ensure!(indexed == duties, "duty index differs from the open duties");
		Ok(())
	}
}
