//! Jobs: pricing, posting and assignment, training submissions and their audits,
//! replicated outputs, deadlines, and paying out or refunding the escrow.

use super::*;
use crate::{
	draw::{Eligibility, RandomStream},
	lineage::Royalty,
	workers::GoodWork,
};
use frame_support::traits::{
	fungible::BalancedHold,
	tokens::{imbalance::Imbalance, Precision},
};
use sp_runtime::traits::CheckedDiv;
use verity_primitives::{verify_merkle_proof, Lineage, TrainedModel};

/// What validating a spec yields besides its price.
pub(crate) struct Checked<T: Config> {
	pub architecture: ArchitectureSpec,
	pub parameters: u64,
	pub data_fees: BoundedVec<Payment<T::AccountId, BalanceOf<T>>, T::MaxDatasetsPerJob>,
	pub royalty: Option<Royalty<T>>,
}

impl<T: Config> Pallet<T> {
	/// The price of a job before it is posted: what [`post_job`](Pallet::post_job) would
	/// hold from `poster`, every share named. Fails as `post_job` would for a bad spec.
	pub fn quote(
		poster: &T::AccountId,
		spec: &JobSpec<T>,
		verification: &Verification,
		reward: BalanceOf<T>,
	) -> Result<Quote<T>, DispatchError> {
		let params = Self::params();
		let checked = Self::check_spec(poster, spec, verification, &params)?;
		Ok(Self::price(spec, reward, checked.data_fees, checked.royalty, &params))
	}

	fn price(
		spec: &JobSpec<T>,
		reward: BalanceOf<T>,
		data_fees: BoundedVec<Payment<T::AccountId, BalanceOf<T>>, T::MaxDatasetsPerJob>,
		royalty: Option<Royalty<T>>,
		params: &ParamsOf<T>,
	) -> Quote<T> {
		let audit_fee =
			if spec.is_train() { params.audit_fee.mul_floor(reward) } else { Zero::zero() };
		let protocol_fee = params.protocol_fee.mul_floor(reward);
		let (royalty, lineage) = match royalty {
			Some(Royalty { owner, lineage }) => (Some(owner), lineage),
			None => (None, BoundedVec::new()),
		};
		let fees = data_fees
			.iter()
			.chain(royalty.iter())
			.chain(lineage.iter())
			.fold(BalanceOf::<T>::zero(), |sum, p| sum.saturating_add(p.amount));
		let total = reward
			.saturating_add(audit_fee)
			.saturating_add(protocol_fee)
			.saturating_add(fees)
			.saturating_add(params.job_deposit);
		Quote {
			reward,
			audit_fee,
			data_fees,
			royalty,
			lineage,
			protocol_fee,
			deposit: params.job_deposit,
			total,
		}
	}

	fn check_uri(uri: &Uri) -> Result<(), Error<T>> {
		Uri::parse(uri.as_bytes()).map(|_| ()).map_err(Error::<T>::InvalidUri)
	}

	fn data_fee(
		poster: &T::AccountId,
		dataset: DatasetId,
	) -> Result<Payment<T::AccountId, BalanceOf<T>>, Error<T>> {
		ensure!(T::Datasets::can_use(poster, dataset), Error::<T>::DatasetUnavailable);
		let to = T::Datasets::owner(dataset).ok_or(Error::<T>::DatasetUnavailable)?;
		let amount = T::Datasets::price_per_use(dataset).ok_or(Error::<T>::DatasetUnavailable)?;
		Ok(Payment { to, amount })
	}

	/// A job's verified work, in units of one forward pass of one sample through one
	/// parameter: a training sample counts three (forward and backward), and an inference
	/// or evaluation input counts one pass per sample, its file's bytes ÷ the
	/// architecture's input features (one byte per value, as in IDX images).
	pub(crate) fn work_units(job: &Job<T>) -> u128 {
		let parameters = u128::from(job.architecture.parameter_count().unwrap_or_default());
		let per_sample = u128::from(job.architecture.input_features().max(1));
		let passes_over = |bytes: u64| u128::from(bytes).div_ceil(per_sample).max(1);
		let passes = match &job.spec {
			JobSpec::Train(train) => u128::from(train.steps)
				.saturating_mul(u128::from(train.batch_size))
				.saturating_mul(3),
			JobSpec::Infer { input, .. } => passes_over(input.size),
			JobSpec::Evaluate { dataset, .. } => {
				passes_over(T::Datasets::content(*dataset).map(|c| c.size).unwrap_or_default())
			}
		};
		parameters.saturating_mul(passes)
	}

	/// Every dataset a job reads.
	pub(crate) fn datasets_of(spec: &JobSpec<T>) -> Vec<DatasetId> {
		match spec {
			JobSpec::Train(train) => {
				train.datasets.iter().copied().chain(train.validation).collect()
			}
			JobSpec::Evaluate { dataset, .. } => alloc::vec![*dataset],
			JobSpec::Infer { .. } => Vec::new(),
		}
	}

	pub(crate) fn check_spec(
		poster: &T::AccountId,
		spec: &JobSpec<T>,
		verification: &Verification,
		params: &ParamsOf<T>,
	) -> Result<Checked<T>, DispatchError> {
		let datasets = Self::datasets_of(spec);
		ensure!(
			datasets.len() <= T::MaxDatasetsPerJob::get() as usize,
			Error::<T>::TooManyDatasets
		);
		let mut fees = Vec::with_capacity(datasets.len());
		for (i, dataset) in datasets.iter().enumerate() {
			ensure!(!datasets.iter().take(i).any(|d| d == dataset), Error::<T>::DuplicateDataset);
			fees.push(Self::data_fee(poster, *dataset)?);
		}
		let data_fees = BoundedVec::try_from(fees).map_err(|_| Error::<T>::TooManyDatasets)?;
		let (architecture, royalty) = match spec {
			JobSpec::Train(train) => {
				ensure!(!train.datasets.is_empty(), Error::<T>::NoDataset);
				let learning_rate = match train.optimizer {
					Optimizer::Sgd { learning_rate, .. }
					| Optimizer::Adam { learning_rate, .. } => learning_rate,
				};
				ensure!(
					train.steps > 0
						&& train.batch_size > 0
						&& train.checkpoint_interval > 0
						&& train.checkpoint_interval <= train.steps
						&& !learning_rate.is_zero(),
					Error::<T>::InvalidTrainingPlan
				);
				ensure!(train.segments() <= T::MaxSegments::get(), Error::<T>::TooManySegments);
				ensure!(train.licence.is_valid(), Error::<T>::InvalidLicence);
				ensure!(
					verification.audit_rate >= params.min_audit_rate,
					Error::<T>::AuditRateTooLow
				);
				// What is paid for is audited: never silently fewer segments than the rate.
				ensure!(
					verification.audit_rate.mul_ceil(train.segments()) <= T::MaxAuditsPerJob::get(),
					Error::<T>::AuditRateUnachievable
				);
				match &train.base {
					TrainBase::Fresh(architecture) => (architecture.clone(), None),
					TrainBase::FineTune(model) => {
						let (architecture, royalty) = Self::royalty(*model, params)?;
						(architecture, Some(royalty))
					}
				}
			}
			JobSpec::Infer { model, input_uri, .. } => {
				Self::check_uri(input_uri)?;
				let (architecture, royalty) = Self::royalty(*model, params)?;
				(architecture, Some(royalty))
			}
			JobSpec::Evaluate { model, .. } => {
				let (architecture, royalty) = Self::royalty(*model, params)?;
				(architecture, Some(royalty))
			}
		};
		if !spec.is_train() {
			ensure!(
				verification.replicas >= 2
					&& u32::from(verification.replicas) <= T::MaxReplicas::get(),
				Error::<T>::InvalidReplicas
			);
		}
		let parameters =
			architecture.parameter_count().map_err(|_| Error::<T>::InvalidArchitecture)?;
		Ok(Checked { architecture, parameters, data_fees, royalty })
	}

	/// Who may read every dataset of `spec`: read once per draw, checked in memory.
	pub(crate) fn readers_of(spec: &JobSpec<T>) -> Vec<Readers<T::AccountId>> {
		Self::datasets_of(spec)
			.into_iter()
			// A dataset retired since posting is read by nobody.
			.map(|d| T::Datasets::readers(d).unwrap_or(Readers::Only(Vec::new())))
			.collect()
	}

	/// Whether `worker` is among the readers of every dataset.
	pub(crate) fn can_read(worker: &T::AccountId, readers: &[Readers<T::AccountId>]) -> bool {
		readers.iter().all(|r| r.allows(worker))
	}

	pub(crate) fn do_post_job(
		poster: T::AccountId,
		spec: JobSpec<T>,
		verification: Verification,
		reward: BalanceOf<T>,
		work_blocks: BlockNumberFor<T>,
		max_price: BalanceOf<T>,
	) -> DispatchResult {
		let params = Self::params();
		ensure!(
			work_blocks >= params.min_work_blocks && work_blocks <= params.max_work_blocks,
			Error::<T>::InvalidDeadline
		);
		let checked = Self::check_spec(&poster, &spec, &verification, &params)?;
		let count = if spec.is_train() { 1 } else { u32::from(verification.replicas) };
		ensure!(
			reward >= params.min_reward.saturating_mul(BalanceOf::<T>::from(count)),
			Error::<T>::RewardTooLow
		);
		let quote = Self::price(&spec, reward, checked.data_fees, checked.royalty, &params);
		ensure!(quote.total <= max_price, Error::<T>::PriceAboveLimit);

		let id = NextJobId::<T>::get();
		let bond = Self::assignment_bond(&quote, &params);
		let readers = Self::readers_of(&spec);
		let workers = Self::draw_workers(
			&mut RandomStream::new::<T>(b"verity/compute/assign", id),
			count,
			&Eligibility {
				bond,
				parameters: checked.parameters,
				exclude: core::slice::from_ref(&poster),
				class: None,
			},
			|w| Self::can_read(w, &readers),
		);
		ensure!(workers.len() as u32 == count, Error::<T>::NoEligibleWorker);

		T::Currency::hold(&HoldReason::JobEscrow.into(), &poster, quote.total)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let assignees = Self::assign(id, &workers, bond)?;
		for dataset in Self::datasets_of(&spec) {
			T::Datasets::freeze(dataset);
		}
		let determinism = Self::class_of(&workers);
		let until = Self::now().saturating_add(work_blocks);
		let tolerance = Tolerances::<T>::get(checked.architecture.family());
		let total = quote.total;
		Jobs::<T>::insert(
			id,
			Job {
				poster: poster.clone(),
				spec,
				verification,
				architecture: checked.architecture,
				tolerance,
				determinism,
				quote,
				work_blocks,
				status: JobStatus::Assigned { until },
				assignees,
				attempts: 1,
				result: None,
				audits: BoundedVec::new(),
				disputes: BoundedVec::new(),
				posted_at: Self::now(),
			},
		);
		NextJobId::<T>::put(id.saturating_add(1));
		Self::deposit_event(Event::JobPosted { job: id, poster, total });
		Self::deposit_event(Event::JobAssigned { job: id, workers, until });
		Ok(())
	}

	/// An assignee's bond: the bond ratio of the job's value, at least the minimum bond.
	pub(crate) fn assignment_bond(quote: &Quote<T>, params: &ParamsOf<T>) -> BalanceOf<T> {
		params
			.bond_ratio
			.saturating_mul_int(quote.total.saturating_sub(quote.deposit))
			.max(params.min_bond)
	}

	fn assign(
		job: JobId,
		workers: &[T::AccountId],
		bond: BalanceOf<T>,
	) -> Result<AssigneesOf<T>, DispatchError> {
		let mut assignees = BoundedVec::new();
		for worker in workers {
			Self::commit_bond(worker, bond, Duty::Work(job))?;
			assignees
				.try_push(Assignee { worker: worker.clone(), bond, commitment: None, output: None })
				.map_err(|_| Error::<T>::InvalidReplicas)?;
		}
		Ok(assignees)
	}

	/// The determinism class of the first of `workers` (the trainer); 0 if it has none.
	fn class_of(workers: &[T::AccountId]) -> DeterminismClass {
		workers
			.first()
			.and_then(Workers::<T>::get)
			.map(|w| w.capabilities.determinism)
			.unwrap_or_default()
	}

	/// The parameters of a job's model, as the draws compare with workers' limits. The
	/// architecture was validated at posting, so the fallback never applies.
	pub(crate) fn model_size(job: &Job<T>) -> u64 {
		job.architecture.parameter_count().unwrap_or(u64::MAX)
	}

	pub(crate) fn job(id: JobId) -> Result<Job<T>, Error<T>> {
		Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)
	}

	pub(crate) fn train_spec(job: &Job<T>) -> Result<&TrainSpec<T>, Error<T>> {
		match &job.spec {
			JobSpec::Train(train) => Ok(train),
			_ => Err(Error::<T>::WrongJobState),
		}
	}

	pub(crate) fn do_submit_result(
		who: T::AccountId,
		id: JobId,
		result: TrainResult,
	) -> DispatchResult {
		let params = Self::params();
		let mut job = Self::job(id)?;
		let train = Self::train_spec(&job)?;
		let JobStatus::Assigned { until } = job.status else {
			return Err(Error::<T>::WrongJobState.into());
		};
		ensure!(job.assignees.first().is_some_and(|a| a.worker == who), Error::<T>::NotAssigned);
		ensure!(Self::now() <= until, Error::<T>::DeadlinePassed);
		ensure!(
			result.checkpoints == train.segments().saturating_add(1),
			Error::<T>::WrongCheckpointCount
		);
		Self::check_uri(&result.weights_uri)?;
		// Nobody may register these weights first and own the model (and its royalties).
		T::Models::reserve_weights(&result.weights, id)?;

		let now = Self::now();
		let draw_at = now.saturating_add(params.audit_draw_delay);
		Self::schedule_draw(draw_at);
		job.status = JobStatus::AwaitingAudits { at: now, draw_at };
		let (weights, checkpoint_root) = (result.weights, result.checkpoint_root);
		job.result = Some(result);
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::ResultSubmitted { job: id, weights, checkpoint_root, draw_at });
		Ok(())
	}

	pub(crate) fn do_draw_audits(id: JobId) -> DispatchResult {
		let params = Self::params();
		let mut job = Self::job(id)?;
		let JobStatus::AwaitingAudits { draw_at, .. } = job.status else {
			return Err(Error::<T>::WrongJobState.into());
		};
		// The seed of block `draw_at` is recorded when that block is finalized.
		ensure!(Self::now() > draw_at, Error::<T>::TooEarly);
		let segments = Self::train_spec(&job)?.segments();
		let trainer =
			job.assignees.first().map(|a| a.worker.clone()).ok_or(Error::<T>::NotAssigned)?;
		let mut stream = Self::scheduled_stream(draw_at, b"verity/compute/audit", id);
		let count = audit::audited_segments(
			segments,
			job.verification.audit_rate,
			T::MaxAuditsPerJob::get(),
		);
		let parameters = Self::model_size(&job);
		let readers = Self::readers_of(&job.spec);
		let segments_drawn = audit::draw_segments(&mut stream, segments, count);
		// Distinct auditors, of the trainer's determinism class first (their passes are
		// checked on chain); only if too few of those are eligible, of other classes. With
		// fewer eligible workers than audits, the segments left unaudited are left to
		// challengers.
		let mut exclude = alloc::vec![job.poster.clone(), trainer];
		let mut auditors: Vec<(T::AccountId, bool)> = Vec::new();
		for class in [Some(job.determinism), None] {
			let missing = count.saturating_sub(auditors.len() as u32);
			if missing == 0 {
				break;
			}
			let drawn = Self::draw_workers(
				&mut stream,
				missing,
				&Eligibility { bond: params.audit_bond, parameters, exclude: &exclude, class },
				|w| Self::can_read(w, &readers),
			);
			exclude.extend(drawn.iter().cloned());
			auditors.extend(drawn.into_iter().map(|w| {
				let exact = Workers::<T>::get(&w)
					.is_some_and(|r| r.capabilities.determinism == job.determinism);
				(w, exact)
			}));
		}
		let mut drawn = Vec::new();
		for (segment, (auditor, exact)) in segments_drawn.into_iter().zip(auditors) {
			Self::commit_bond(&auditor, params.audit_bond, Duty::Audit(id, segment))?;
			job.audits
				.try_push(Audit {
					segment,
					auditor: auditor.clone(),
					bond: params.audit_bond,
					exact,
					commitment: None,
					report: None,
					passed: None,
					settled: false,
				})
				.map_err(|_| Error::<T>::TooManySegments)?;
			drawn.push((segment, auditor));
		}

		let now = Self::now();
		let audit_commit_until = now.saturating_add(params.commit_window);
		job.status = JobStatus::Auditing {
			at: now,
			audit_commit_until,
			audit_reveal_until: audit_commit_until.saturating_add(params.reveal_window),
			challenge_until: now.saturating_add(params.challenge_window),
		};
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::AuditsDrawn { job: id, audits: drawn });
		Ok(())
	}

	pub(crate) fn do_commit_audit(
		who: T::AccountId,
		id: JobId,
		segment: u32,
		commitment: Hash256,
	) -> DispatchResult {
		let mut job = Self::job(id)?;
		let JobStatus::Auditing { audit_commit_until, .. } = job.status else {
			return Err(Error::<T>::WrongJobState.into());
		};
		ensure!(Self::now() <= audit_commit_until, Error::<T>::DeadlinePassed);
		let audit = job
			.audits
			.iter_mut()
			.find(|a| a.segment == segment && a.auditor == who)
			.ok_or(Error::<T>::UnknownSegment)?;
		ensure!(audit.commitment.is_none(), Error::<T>::AlreadyCommitted);
		audit.commitment = Some(commitment);
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::AuditCommitted { job: id, segment });
		Ok(())
	}

	pub(crate) fn do_reveal_audit(
		who: T::AccountId,
		id: JobId,
		segment: u32,
		report: AuditReport,
		end_proof: MerkleProof,
		salt: Hash256,
	) -> DispatchResult {
		let mut job = Self::job(id)?;
		let JobStatus::Auditing { audit_commit_until, audit_reveal_until, .. } = job.status else {
			return Err(Error::<T>::WrongJobState.into());
		};
		let now = Self::now();
		let all_committed = job.audits.iter().all(|a| a.commitment.is_some());
		ensure!(all_committed || now > audit_commit_until, Error::<T>::RevealNotOpen);
		ensure!(now <= audit_reveal_until, Error::<T>::DeadlinePassed);
		let index = job
			.audits
			.iter()
			.position(|a| a.segment == segment && a.auditor == who)
			.ok_or(Error::<T>::UnknownSegment)?;
		let audit = job.audits.get(index).cloned().ok_or(Error::<T>::UnknownSegment)?;
		let commitment = audit.commitment.ok_or(Error::<T>::NotCommitted)?;
		ensure!(audit.passed.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(
			Self::commitment_of(CommitKind::Audit, id, &who, (segment, report), &salt)
				== commitment,
			Error::<T>::CommitmentMismatch
		);
		let passed = if audit.exact {
			// Within a determinism class the replay must reproduce the trainer's leaf bit
			// for bit: the chain checks it, whatever the auditor says.
			let result = job.result.as_ref().ok_or(Error::<T>::WrongJobState)?;
			verify_merkle_proof(
				&result.checkpoint_root,
				u64::from(result.checkpoints),
				u64::from(segment).saturating_add(1),
				report.end_state,
				&end_proof,
			)
		} else {
			report.passed
		};

		let bond = if passed {
			// Held until the job ends: slashed should the trainer lose this segment later.
			audit.bond
		} else {
			// A failing audit always opens a dispute of its own; challengers cannot crowd
			// it out, and the job cannot finalize until it is settled.
			Duties::<T>::remove(&who, Duty::Audit(id, segment));
			let opener = DisputeOpener::Audit { exact: audit.exact, state: report.end_state };
			Self::open_segment_dispute(id, &mut job, segment, who.clone(), audit.bond, opener)?;
			Zero::zero()
		};
		if let Some(entry) = job.audits.get_mut(index) {
			entry.report = Some(report);
			entry.passed = Some(passed);
			entry.bond = bond;
		}
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::AuditRevealed {
			job: id,
			segment,
			end_state: report.end_state,
			passed,
		});
		Ok(())
	}

	pub(crate) fn do_commit_output(
		who: T::AccountId,
		id: JobId,
		commitment: Hash256,
	) -> DispatchResult {
		let params = Self::params();
		let mut job = Self::job(id)?;
		ensure!(!job.spec.is_train(), Error::<T>::WrongJobState);
		let JobStatus::Assigned { until } = job.status else {
			return Err(Error::<T>::WrongJobState.into());
		};
		ensure!(Self::now() <= until, Error::<T>::DeadlinePassed);
		let assignee =
			job.assignees.iter_mut().find(|a| a.worker == who).ok_or(Error::<T>::NotAssigned)?;
		ensure!(assignee.commitment.is_none(), Error::<T>::AlreadyCommitted);
		assignee.commitment = Some(commitment);
		if job.assignees.iter().all(|a| a.commitment.is_some()) {
			job.status =
				JobStatus::Revealing { until: Self::now().saturating_add(params.reveal_window) };
		}
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::OutputCommitted { job: id, worker: who });
		Ok(())
	}

	pub(crate) fn do_reveal_output(
		who: T::AccountId,
		id: JobId,
		output: JobOutput,
		salt: Hash256,
	) -> DispatchResult {
		let mut job = Self::job(id)?;
		let until = match job.status {
			JobStatus::Revealing { until } => until,
			JobStatus::Assigned { .. } if !job.spec.is_train() => {
				return Err(Error::<T>::RevealNotOpen.into())
			}
			_ => return Err(Error::<T>::WrongJobState.into()),
		};
		ensure!(Self::now() <= until, Error::<T>::DeadlinePassed);
		let fits = match (&job.spec, output) {
			(JobSpec::Infer { .. }, JobOutput::Predictions(_)) => true,
			(JobSpec::Evaluate { .. }, JobOutput::Score { correct, total }) => {
				total > 0 && correct <= total
			}
			_ => false,
		};
		ensure!(fits, Error::<T>::InvalidOutput);
		let assignee =
			job.assignees.iter_mut().find(|a| a.worker == who).ok_or(Error::<T>::NotAssigned)?;
		let commitment = assignee.commitment.ok_or(Error::<T>::NotCommitted)?;
		ensure!(assignee.output.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(
			Self::commitment_of(CommitKind::Output, id, &who, output, &salt) == commitment,
			Error::<T>::CommitmentMismatch
		);
		assignee.output = Some(output);
		Self::deposit_event(Event::OutputRevealed { job: id, worker: who, output });
		if job.assignees.iter().all(|a| a.output.is_some()) {
			Self::settle_outputs(id, job)
		} else {
			Jobs::<T>::insert(id, job);
			Ok(())
		}
	}

	/// Every remaining replica revealed: agreement finalizes, disagreement goes to a jury.
	fn settle_outputs(id: JobId, mut job: Job<T>) -> DispatchResult {
		let outputs: Vec<(T::AccountId, JobOutput)> =
			job.assignees.iter().filter_map(|a| a.output.map(|o| (a.worker.clone(), o))).collect();
		let Some((defender, first)) = outputs.first().cloned() else {
			return Self::refund(id, job, false);
		};
		match outputs.iter().find(|(_, output)| *output != first) {
			None => Self::finalize_outputs(id, job, first),
			Some((challenger, other)) => {
				job.status = JobStatus::Arbitration;
				Self::open_outputs_dispute(
					id,
					&mut job,
					defender,
					challenger.clone(),
					first,
					*other,
				)?;
				Jobs::<T>::insert(id, job);
				Ok(())
			}
		}
	}

	pub(crate) fn do_process_job(id: JobId) -> DispatchResult {
		let params = Self::params();
		let job = Self::job(id)?;
		let now = Self::now();
		match job.status {
			JobStatus::Assigned { until } => {
				ensure!(now > until, Error::<T>::TooEarly);
				if job.spec.is_train() {
					Self::replace_trainer(id, job, &params)
				} else {
					Self::drop_silent_replicas(id, job, &params, |a| a.commitment.is_some())
				}
			}
			JobStatus::Revealing { until } => {
				ensure!(now > until, Error::<T>::TooEarly);
				Self::drop_silent_replicas(id, job, &params, |a| a.output.is_some())
			}
			JobStatus::AwaitingAudits { .. } => Err(Error::<T>::WrongJobState.into()),
			JobStatus::Auditing { challenge_until, .. } => {
				ensure!(now > challenge_until, Error::<T>::TooEarly);
				ensure!(job.disputes.is_empty(), Error::<T>::DisputesOpen);
				Self::finalize_training(id, job, &params)
			}
			JobStatus::Arbitration => Err(Error::<T>::DisputesOpen.into()),
			JobStatus::Refunding { .. } => Self::refund_step(id, job),
		}
	}

	pub(crate) fn do_decline(who: T::AccountId, id: JobId) -> DispatchResult {
		let params = Self::params();
		let mut job = Self::job(id)?;
		let JobStatus::Assigned { until } = job.status else {
			return Err(Error::<T>::WrongJobState.into());
		};
		let index =
			job.assignees.iter().position(|a| a.worker == who).ok_or(Error::<T>::NotAssigned)?;
		let assignee = job.assignees.remove(index);
		let assigned_at = until.saturating_sub(job.work_blocks);
		ensure!(
			assignee.commitment.is_none()
				&& Self::now() <= assigned_at.saturating_add(params.decline_window),
			Error::<T>::DeclineWindowClosed
		);
		Self::release_bond(&who, assignee.bond, Duty::Work(id), None);
		Self::deposit_event(Event::Declined { job: id, worker: who.clone() });
		if job.attempts >= params.max_attempts {
			return Self::refund(id, job, false);
		}
		// Anyone but the poster, the workers on the job and the one that declined.
		let mut exclude: Vec<T::AccountId> =
			job.assignees.iter().map(|a| a.worker.clone()).collect();
		exclude.extend([job.poster.clone(), who]);
		let readers = Self::readers_of(&job.spec);
		let workers = Self::draw_workers(
			&mut RandomStream::new::<T>(b"verity/compute/assign", id),
			1,
			&Eligibility {
				bond: assignee.bond,
				parameters: Self::model_size(&job),
				exclude: &exclude,
				class: None,
			},
			|w| Self::can_read(w, &readers),
		);
		if workers.is_empty() {
			return Self::refund(id, job, false);
		}
		for replacement in Self::assign(id, &workers, assignee.bond)? {
			job.assignees
				.try_insert(index, replacement)
				.map_err(|_| Error::<T>::InvalidReplicas)?;
		}
		if index == 0 {
			job.determinism = Self::class_of(&workers);
		}
		job.attempts = job.attempts.saturating_add(1);
		// The newcomer gets the whole time; the others keep theirs, extended alike.
		let until = Self::now().saturating_add(job.work_blocks);
		job.status = JobStatus::Assigned { until };
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::JobAssigned { job: id, workers, until });
		Ok(())
	}

	/// The trainer missed its deadline: slash it and draw another, or refund.
	fn replace_trainer(id: JobId, mut job: Job<T>, params: &ParamsOf<T>) -> DispatchResult {
		let Some(no_show) = job.assignees.first().cloned() else {
			return Self::refund(id, job, false);
		};
		Self::punish_no_show(id, &no_show.worker, no_show.bond, Duty::Work(id), params);
		job.assignees.clear();
		if job.attempts >= params.max_attempts {
			return Self::refund(id, job, false);
		}
		let bond = Self::assignment_bond(&job.quote, params);
		let readers = Self::readers_of(&job.spec);
		let parameters = Self::model_size(&job);
		let workers = Self::draw_workers(
			&mut RandomStream::new::<T>(b"verity/compute/assign", id),
			1,
			&Eligibility {
				bond,
				parameters,
				exclude: &[job.poster.clone(), no_show.worker.clone()],
				class: None,
			},
			|w| Self::can_read(w, &readers),
		);
		if workers.is_empty() {
			return Self::refund(id, job, false);
		}
		job.assignees = Self::assign(id, &workers, bond)?;
		job.determinism = Self::class_of(&workers);
		job.attempts = job.attempts.saturating_add(1);
		let until = Self::now().saturating_add(job.work_blocks);
		job.status = JobStatus::Assigned { until };
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::JobAssigned { job: id, workers, until });
		Ok(())
	}

	/// Replicas that missed the commit or reveal deadline (`done` is false for them) are
	/// slashed and dropped, their slashes paid to the replicas that kept to the deadline
	/// (who did the work and now may not be paid for it). Two or more left continue; fewer
	/// end the job with a refund, an unverified single output being worth nothing.
	fn drop_silent_replicas(
		id: JobId,
		mut job: Job<T>,
		params: &ParamsOf<T>,
		done: impl Fn(&Assignee<T::AccountId, BalanceOf<T>>) -> bool,
	) -> DispatchResult {
		let (kept, silent): (Vec<_>, Vec<_>) = job.assignees.iter().cloned().partition(|a| done(a));
		let mut slashed = CreditOf::<T>::zero();
		for assignee in &silent {
			slashed = slashed.merge(Self::slash_bond(
				&assignee.worker,
				assignee.bond,
				Duty::Work(id),
				params.no_show_slash,
				Perbill::zero(),
			));
			Self::deposit_event(Event::DeadlineMissed { job: id, worker: assignee.worker.clone() });
		}
		let diligent: Vec<T::AccountId> = kept.iter().map(|a| a.worker.clone()).collect();
		Self::share_slash(id, slashed, &diligent, &[], Perbill::one(), Perbill::zero());
		job.assignees = BoundedVec::truncate_from(kept);
		if job.assignees.len() < 2 {
			return Self::refund(id, job, false);
		}
		match job.status {
			JobStatus::Assigned { .. } => {
				job.status = JobStatus::Revealing {
					until: Self::now().saturating_add(params.reveal_window),
				};
				Jobs::<T>::insert(id, job);
				Ok(())
			}
			_ => Self::settle_outputs(id, job),
		}
	}

	/// Slashes the no-show share of a missed duty's bond to the treasury.
	pub(crate) fn punish_no_show(
		id: JobId,
		worker: &T::AccountId,
		bond: BalanceOf<T>,
		duty: Duty,
		params: &ParamsOf<T>,
	) {
		let credit = Self::slash_bond(worker, bond, duty, params.no_show_slash, Perbill::zero());
		T::Rewards::route(id, Share::Treasury, &T::Treasury::get(), credit);
		Self::deposit_event(Event::DeadlineMissed { job: id, worker: worker.clone() });
	}

	/// The challenge window closed with no dispute open. The audits are settled first, a
	/// bounded batch per call; the call that settles the last of them registers the model
	/// and pays everyone else.
	fn finalize_training(id: JobId, mut job: Job<T>, params: &ParamsOf<T>) -> DispatchResult {
		let train = Self::train_spec(&job)?.clone();
		let result = job.result.clone().ok_or(Error::<T>::WrongJobState)?;
		if !Self::settle_audits(id, &mut job, params) {
			Jobs::<T>::insert(id, job);
			return Ok(());
		}
		let trainers: Vec<T::AccountId> = job.assignees.iter().map(|a| a.worker.clone()).collect();
		let units = Self::work_units(&job);
		for assignee in &job.assignees {
			Self::release_bond(
				&assignee.worker,
				assignee.bond,
				Duty::Work(id),
				Some(GoodWork::Job),
			);
			T::Rewards::work_verified(id, &assignee.worker, units);
		}
		Self::pay_out(id, &job, &trainers, Self::audit_fees(&job).1)?;

		let lineage = match train.base {
			TrainBase::Fresh(_) => Lineage::TrainedBy { job: id },
			TrainBase::FineTune(model) => Lineage::FineTunedFrom { model, job: id },
		};
		let model = match T::Models::register_trained(TrainedModel {
			owner: job.poster.clone(),
			architecture: job.architecture.clone(),
			weights: result.weights,
			uri: result.weights_uri,
			licence: train.licence.clone(),
			inference_price: train.inference_price,
			lineage,
			// Never truncated: `integrity_test` keeps `MaxDatasetsPerJob` within the bound.
			datasets: BoundedVec::truncate_from(train.datasets.to_vec()),
		}) {
			Ok(model) => Some(model),
			Err(error) => {
				T::Models::release_weights(&result.weights, id);
				Self::deposit_event(Event::ModelNotRegistered { job: id, error });
				None
			}
		};
		Self::close(id, &job);
		Self::deposit_event(Event::JobFinalized { job: id, model, output: None });
		Ok(())
	}

	/// The replicas left agree on `output` (after a jury, if needed): record it, pay them.
	pub(crate) fn finalize_outputs(id: JobId, job: Job<T>, output: JobOutput) -> DispatchResult {
		let workers: Vec<T::AccountId> = job.assignees.iter().map(|a| a.worker.clone()).collect();
		let units = Self::work_units(&job);
		for assignee in &job.assignees {
			Self::release_bond(
				&assignee.worker,
				assignee.bond,
				Duty::Work(id),
				Some(GoodWork::Job),
			);
			T::Rewards::work_verified(id, &assignee.worker, units);
		}
		Self::pay_out(id, &job, &workers, Zero::zero())?;
		if let (JobSpec::Evaluate { model, dataset }, JobOutput::Score { correct, total }) =
			(&job.spec, output)
		{
			// Models are never deleted and the score was checked on reveal: this cannot fail,
			// and the workers are paid regardless.
			if T::Models::record_evaluation(*model, *dataset, correct, total, id).is_err() {
				defensive!("an evaluation of an existing model was refused");
			}
		}
		Self::close(id, &job);
		Self::deposit_event(Event::JobFinalized { job: id, model: None, output: Some(output) });
		Ok(())
	}

	/// Settles up to `MaxBondsSettledPerCall` audits not settled yet: a passing auditor
	/// gets its bond back and its share of the audit fee (from the escrow), a silent one is
	/// slashed as a no-show (a failing one's bond already backs its dispute). Whether every
	/// audit is settled.
	fn settle_audits(id: JobId, job: &mut Job<T>, params: &ParamsOf<T>) -> bool {
		let (fee_each, _) = Self::audit_fees(job);
		let poster = job.poster.clone();
		let mut budget = T::MaxBondsSettledPerCall::get();
		for audit in job.audits.iter_mut().filter(|a| !a.settled) {
			let duty = Duty::Audit(id, audit.segment);
			match audit.passed {
				Some(false) => {}
				_ if budget == 0 => break,
				Some(true) => {
					budget.saturating_dec();
					Self::release_bond(
						&audit.auditor,
						audit.bond,
						duty,
						Some(GoodWork::Verification),
					);
					Self::pay_from_escrow(id, &poster, Share::Auditor, &audit.auditor, fee_each);
				}
				None => {
					budget.saturating_dec();
					Self::punish_no_show(id, &audit.auditor, audit.bond, duty, params);
				}
			}
			audit.bond = Zero::zero();
			audit.settled = true;
		}
		let remaining = job.audits.iter().filter(|a| !a.settled).count() as u32;
		if remaining > 0 {
			Self::deposit_event(Event::AuditsSettled { job: id, remaining });
		}
		remaining == 0
	}

	/// Each passing auditor's share of the audit fee, and what all of them are paid (the
	/// rest, all of it without a passing auditor, goes to the treasury).
	fn audit_fees(job: &Job<T>) -> (BalanceOf<T>, BalanceOf<T>) {
		let passed = job.audits.iter().filter(|a| a.passed == Some(true)).count() as u32;
		let count = BalanceOf::<T>::from(passed);
		let each = job.quote.audit_fee.checked_div(&count).unwrap_or_else(Zero::zero);
		(each, each.saturating_mul(count))
	}

	/// Pays `amount` of the escrow held from `poster` to `to` as `share`.
	fn pay_from_escrow(
		id: JobId,
		poster: &T::AccountId,
		share: Share,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) {
		let (credit, missing) =
			<T::Currency as BalancedHold<_>>::slash(&HoldReason::JobEscrow.into(), poster, amount);
		if !missing.is_zero() {
			defensive!("a job's escrow hold was smaller than its quote");
		}
		T::Rewards::route(id, share, to, credit);
	}

	/// Pays the rest of the escrow out, `paid` of it having gone to auditors already: fees
	/// to data and model owners, the lineage and the treasury, the reward split among
	/// `workers`, rounding dust (and an audit fee without auditors) to the treasury; the
	/// record deposit goes back to the poster.
	fn pay_out(
		id: JobId,
		job: &Job<T>,
		workers: &[T::AccountId],
		paid: BalanceOf<T>,
	) -> DispatchResult {
		let quote = &job.quote;
		let escrow: BalanceOf<T> = quote.total.saturating_sub(quote.deposit).saturating_sub(paid);
		let released = T::Currency::release(
			&HoldReason::JobEscrow.into(),
			&job.poster,
			quote.deposit,
			Precision::BestEffort,
		)?;
		let (mut credit, missing) = <T::Currency as BalancedHold<_>>::slash(
			&HoldReason::JobEscrow.into(),
			&job.poster,
			escrow,
		);
		if released != quote.deposit || !missing.is_zero() {
			defensive!("a job's escrow hold was smaller than its quote");
		}
		let mut pay = |share: Share, to: &T::AccountId, amount: BalanceOf<T>| {
			let (part, rest) = core::mem::replace(&mut credit, CreditOf::<T>::zero()).split(amount);
			credit = rest;
			T::Rewards::route(id, share, to, part);
		};
		for fee in &quote.data_fees {
			pay(Share::DataOwner, &fee.to, fee.amount);
		}
		if let Some(royalty) = &quote.royalty {
			pay(Share::ModelOwner, &royalty.to, royalty.amount);
		}
		for payment in &quote.lineage {
			pay(Share::Lineage, &payment.to, payment.amount);
		}
		pay(Share::Treasury, &T::Treasury::get(), quote.protocol_fee);
		let each = quote
			.reward
			.checked_div(&BalanceOf::<T>::from(workers.len() as u32))
			.unwrap_or_else(Zero::zero);
		for worker in workers {
			pay(Share::Worker, worker, each);
		}
		T::Rewards::route(id, Share::Treasury, &T::Treasury::get(), credit);
		Ok(())
	}

	/// Ends a job without a result to pay for (`failed`: its trainer lost a dispute): the
	/// draw it waited on is cancelled and its weights released at once; its bonds are freed
	/// and its disputes dropped by [`Self::refund_step`], a bounded batch per call, the last
	/// of which refunds the poster.
	pub(crate) fn refund(id: JobId, mut job: Job<T>, failed: bool) -> DispatchResult {
		if let JobStatus::AwaitingAudits { draw_at, .. } = job.status {
			Self::cancel_draw(draw_at);
		}
		if let Some(result) = job.result.take() {
			T::Models::release_weights(&result.weights, id);
		}
		job.status = JobStatus::Refunding { failed };
		Self::refund_step(id, job)
	}

	/// Frees up to `MaxBondsSettledPerCall` bonds of a refunding job: its workers', its
	/// auditors', then its disputes' (the jurors', then the challenger's, which drops the
	/// dispute). Once none is left the escrow goes back to the poster and the job ends.
	pub(crate) fn refund_step(id: JobId, mut job: Job<T>) -> DispatchResult {
		let mut budget = T::MaxBondsSettledPerCall::get();
		while budget > 0 {
			if let Some(assignee) = job.assignees.pop() {
				Self::release_bond(&assignee.worker, assignee.bond, Duty::Work(id), None);
			} else if let Some(audit) = job.audits.iter_mut().find(|a| !a.bond.is_zero()) {
				let duty = Duty::Audit(id, audit.segment);
				Self::release_bond(&audit.auditor, audit.bond, duty, None);
				audit.bond = Zero::zero();
			} else if let Some(&dispute) = job.disputes.first() {
				if Self::drop_dispute_step(dispute) {
					job.disputes.remove(0);
				}
			} else {
				break;
			}
			budget.saturating_dec();
		}
		let remaining = job
			.assignees
			.len()
			.saturating_add(job.audits.iter().filter(|a| !a.bond.is_zero()).count())
			.saturating_add(job.disputes.len()) as u32;
		if remaining > 0 {
			Jobs::<T>::insert(id, job);
			Self::deposit_event(Event::BondsFreed { job: id, remaining });
			return Ok(());
		}
		let released = T::Currency::release(
			&HoldReason::JobEscrow.into(),
			&job.poster,
			job.quote.total,
			Precision::BestEffort,
		)?;
		if released != job.quote.total {
			defensive!("a job's escrow hold was smaller than its quote");
		}
		Self::close(id, &job);
		Self::deposit_event(match job.status {
			JobStatus::Refunding { failed: true } => Event::JobFailed { job: id },
			_ => Event::JobExpired { job: id },
		});
		Ok(())
	}

	/// Removes an ended job's record and thaws the datasets it froze.
	fn close(id: JobId, job: &Job<T>) {
		for dataset in Self::datasets_of(&job.spec) {
			T::Datasets::thaw(dataset);
		}
		Jobs::<T>::remove(id);
	}

	/// Whether a challenge already disputes `segment` (audits open disputes regardless).
	pub(crate) fn segment_challenged(job: &Job<T>, segment: u32) -> bool {
		job.disputes.iter().any(|d| {
			Disputes::<T>::get(d).is_some_and(|dispute| {
				dispute.opened_by == DisputeOpener::Challenge
					&& matches!(dispute.subject, DisputeSubject::Segment { segment: s, .. } if s == segment)
			})
		})
	}
}
