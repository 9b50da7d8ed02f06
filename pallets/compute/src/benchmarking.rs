//! Benchmarks for every call, each in its worst case.
//!
//! The worst cases share one world: `MaxWorkers` online workers (so every draw and every
//! rewrite of [`Candidates`] handles the full set), a training job reading
//! `MaxDatasetsPerJob` datasets of which the last is private, fine-tuning a registered model
//! of the largest architecture, with `MaxSegments` segments (the deepest Merkle proofs) and
//! the largest odd jury. Only a few workers are on the private dataset's (full) allow-list,
//! and they have the least draw weight, so every draw first draws and refuses every other
//! worker, reading every dataset for each: a draw's longest path.
//!
//! Randomness comes from the runtime, so who is drawn is read back from storage, never
//! assumed.
//!
//! The benchmarks create datasets and models through `pallet_datasets` and `pallet_models`,
//! so they need the runtime's `Config::Datasets` and `Config::Models` to be those pallets.

use super::*;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use pallet_datasets::Visibility;
use sp_runtime::traits::Bounded;
use verity_primitives::{
	architecture::MAX_HIDDEN_LAYERS,
	content::merkle_root,
	listing::{MAX_CUSTOM_LICENCE_LEN, MAX_URI_LEN},
	merkle_proof, Activation, DatasetFormat, MlpSpec,
};

/// The salt of every commitment (commitments also bind the account, so one salt is enough).
const SALT: Hash256 = [7u8; 32];

/// The sum of the minimum stake, every bond and the job deposit: what the benchmarks'
/// amounts are multiples of.
fn unit<T: Config>() -> BalanceOf<T> {
	let params = Pallet::<T>::params();
	params
		.min_stake
		.saturating_add(params.min_bond)
		.saturating_add(params.audit_bond)
		.saturating_add(params.challenge_bond)
		.saturating_add(params.juror_bond)
		.saturating_add(params.job_deposit)
}

/// Every worker's stake: enough for many bonds at once.
fn stake<T: Config>() -> BalanceOf<T> {
	unit::<T>().saturating_mul(100u32.into())
}

/// What a job offers: the least it may offer the most replicas.
fn reward<T: Config>() -> BalanceOf<T> {
	let params = Pallet::<T>::params();
	params.min_reward.saturating_mul(T::MaxReplicas::get().into()).max(params.min_bond)
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId
where
	<T as Config>::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account(name, index, 0);
	<T as Config>::Currency::set_balance(&who, unit::<T>().saturating_mul(100_000u32.into()));
	who
}

fn longest_uri() -> Vec<u8> {
	let mut uri = b"https://".to_vec();
	uri.resize(MAX_URI_LEN as usize, b'a');
	uri
}

fn longest_licence() -> Licence {
	Licence::Custom(BoundedVec::truncate_from(vec![b'L'; MAX_CUSTOM_LICENCE_LEN as usize]))
}

fn largest_architecture() -> ArchitectureSpec {
	ArchitectureSpec::Mlp(MlpSpec {
		inputs: 784,
		hidden: BoundedVec::truncate_from(vec![64; MAX_HIDDEN_LAYERS as usize]),
		outputs: 10,
		activation: Activation::Relu,
	})
}

fn content(seed: u32) -> ContentHash {
	let mut root = [0xd5u8; 32];
	root.iter_mut().zip(seed.to_le_bytes()).for_each(|(byte, seed)| *byte = seed);
	ContentHash { root, size: 1 << 30 }
}

fn capabilities<T: Config>() -> Capabilities<T::MaxDeviceNameLen> {
	Capabilities {
		backend: Backend::Gpu,
		device: BoundedVec::truncate_from(vec![b'd'; T::MaxDeviceNameLen::get() as usize]),
		memory_mib: u32::MAX,
		max_parameters: u64::MAX,
		determinism: 1,
	}
}

/// Registers a funded worker with [`stake`]; it goes online at the end of [`Candidates`].
fn worker<T: Config>(name: &'static str, index: u32) -> Result<T::AccountId, BenchmarkError>
where
	<T as Config>::Currency: Mutate<T::AccountId>,
{
	let who = funded::<T>(name, index);
	Pallet::<T>::register_worker(
		RawOrigin::Signed(who.clone()).into(),
		stake::<T>(),
		capabilities::<T>(),
		longest_uri(),
	)
	.map_err(|_| BenchmarkError::Stop("register_worker failed"))?;
	Ok(who)
}

/// Registers `count` workers.
fn workers<T: Config>(name: &'static str, count: u32) -> Result<Vec<T::AccountId>, BenchmarkError>
where
	<T as Config>::Currency: Mutate<T::AccountId>,
{
	(0..count).map(|i| worker::<T>(name, i)).collect()
}

/// Puts the parameters' worst case in force (the largest odd jury) and returns them.
fn worst_params<T: Config>() -> ParamsOf<T> {
	let mut params = Pallet::<T>::params();
	let max = T::MaxJurySize::get();
	params.jury_size = if max & 1 == 0 { max.saturating_sub(1) } else { max }.max(1);
	Params::<T>::put(params.clone());
	params
}

/// Moves past a deadline `blocks` from now, finalizing each block passed (which records
/// the seeds scheduled draws wait on).
fn advance<T: Config>(blocks: BlockNumberFor<T>) {
	use frame_support::traits::Hooks;
	let target = frame_system::Pallet::<T>::block_number()
		.saturating_add(blocks)
		.saturating_add(1u32.into());
	while frame_system::Pallet::<T>::block_number() < target {
		let now = frame_system::Pallet::<T>::block_number();
		Pallet::<T>::on_finalize(now);
		frame_system::Pallet::<T>::set_block_number(now.saturating_add(1u32.into()));
	}
}

/// Draws a dispute's scheduled jury once the seed of its block exists.
fn draw_scheduled_jury<T: Config>(dispute: DisputeId) -> Result<(), BenchmarkError> {
	advance::<T>(Pallet::<T>::params().audit_draw_delay);
	let keeper = dispute_of::<T>(dispute)?.defender;
	Pallet::<T>::process_dispute(RawOrigin::Signed(keeper).into(), dispute)
		.map_err(|_| BenchmarkError::Stop("jury draw failed"))
}

fn job_of<T: Config>(id: JobId) -> Result<Job<T>, BenchmarkError> {
	Jobs::<T>::get(id).ok_or(BenchmarkError::Stop("job missing"))
}

fn dispute_of<T: Config>(id: DisputeId) -> Result<Dispute<T>, BenchmarkError> {
	Disputes::<T>::get(id).ok_or(BenchmarkError::Stop("dispute missing"))
}

fn trainer_of<T: Config>(job: JobId) -> Result<T::AccountId, BenchmarkError> {
	job_of::<T>(job)?
		.assignees
		.first()
		.map(|a| a.worker.clone())
		.ok_or(BenchmarkError::Stop("no trainer"))
}

fn jurors_of<T: Config>(dispute: DisputeId) -> Result<Vec<T::AccountId>, BenchmarkError> {
	Ok(dispute_of::<T>(dispute)?.jurors.iter().map(|j| j.who.clone()).collect())
}

/// The pallet's invariants hold (checked where `do_try_state` exists: tests, try-runtime).
#[cfg_attr(not(any(test, feature = "try-runtime")), allow(clippy::extra_unused_type_parameters))]
fn invariants<T: Config>() -> Result<(), BenchmarkError> {
	#[cfg(any(test, feature = "try-runtime"))]
	Pallet::<T>::do_try_state().map_err(|_| BenchmarkError::Stop("invariants broken"))?;
	Ok(())
}

/// Everything the job and dispute benchmarks start from.
struct World<T: Config> {
	/// Posts every job; on the private dataset's allow-list.
	poster: T::AccountId,
	/// The model fine-tuned and evaluated (largest architecture).
	model: ModelId,
	/// Every dataset a training job reads, in the order it reads them; the last is private.
	datasets: Vec<DatasetId>,
	/// Workers on the private dataset's allow-list, with the least draw weight.
	allowed: Vec<T::AccountId>,
	/// Workers that may not read the private dataset.
	others: Vec<T::AccountId>,
}

/// Builds the [`World`]: `MaxWorkers` online workers, of whom enough for a trainer, every
/// audit, a full jury and every replica may read the private dataset.
fn world<T>() -> Result<World<T>, BenchmarkError>
where
	T: Config<Datasets = pallet_datasets::Pallet<T>, Models = pallet_models::Pallet<T>>
		+ pallet_datasets::Config<Currency = <T as Config>::Currency>
		+ pallet_models::Config<Currency = <T as Config>::Currency>,
	<T as Config>::Currency: Mutate<T::AccountId>,
{
	let params = worst_params::<T>();
	let listings = <T as pallet_datasets::Config>::DepositBase::get()
		.saturating_add(
			<T as pallet_datasets::Config>::DepositPerByte::get().saturating_mul(100_000u32.into()),
		)
		.saturating_add(<T as pallet_models::Config>::DepositBase::get())
		.saturating_add(
			<T as pallet_models::Config>::DepositPerByte::get().saturating_mul(100_000u32.into()),
		)
		.saturating_mul(20u32.into());
	// Every dataset and the model have their own owner: each is paid into its own account.
	let rich = |name: &'static str, index: u32| {
		let who = funded::<T>(name, index);
		let funds = unit::<T>().saturating_mul(100_000u32.into()).saturating_add(listings);
		<T as Config>::Currency::set_balance(&who, funds);
		who
	};
	let poster = rich("poster", 0);

	let price = params.min_bond;
	let count = T::MaxDatasetsPerJob::get().max(1);
	let mut datasets = Vec::new();
	let mut owners = Vec::new();
	for i in 0..count {
		let id = pallet_datasets::NextDatasetId::<T>::get();
		let owner = rich("owner", i);
		let visibility =
			if i == count.saturating_sub(1) { Visibility::AllowList } else { Visibility::Public };
		pallet_datasets::Pallet::<T>::register(
			RawOrigin::Signed(owner.clone()).into(),
			content(i),
			longest_uri(),
			DatasetFormat::IdxArchive,
			longest_licence(),
			price,
			visibility,
			vec![b'd'; <T as pallet_datasets::Config>::MaxDescriptionLen::get() as usize],
		)
		.map_err(|_| BenchmarkError::Stop("dataset register failed"))?;
		datasets.push(id);
		owners.push(owner);
	}
	// The model has a full lineage: a fine-tune of a fine-tune of an upload, each trained
	// on every dataset, each with its own owner, so its royalty flows up every generation.
	let mut model = pallet_models::NextModelId::<T>::get();
	pallet_models::Pallet::<T>::register(
		RawOrigin::Signed(rich("owner", count)).into(),
		largest_architecture(),
		content(u32::MAX),
		longest_uri(),
		longest_licence(),
		price,
		vec![b'd'; <T as pallet_models::Config>::MaxDescriptionLen::get() as usize],
	)
	.map_err(|_| BenchmarkError::Stop("model register failed"))?;
	for generation in 1..=T::MaxLineageDepth::get() {
		model = <pallet_models::Pallet<T> as pallet_models::ModelRegistry<_, _>>::register_trained(
			pallet_models::TrainedModel {
				owner: rich("owner", count.saturating_add(generation)),
				architecture: largest_architecture(),
				weights: content((u32::MAX / 2).saturating_add(generation)),
				uri: Uri::parse(&longest_uri()).map_err(|_| BenchmarkError::Stop("uri"))?,
				licence: longest_licence(),
				inference_price: price,
				lineage: pallet_models::Lineage::FineTunedFrom {
					model,
					job: u64::from(generation),
				},
				datasets: BoundedVec::truncate_from(datasets.clone()),
			},
		)
		.map_err(|_| BenchmarkError::Stop("register_trained failed"))?;
	}

	let max_workers = T::MaxWorkers::get();
	let capacity = <T as pallet_datasets::Config>::MaxAllowList::get();
	let wanted = T::MaxAuditsPerJob::get()
		.saturating_add(1)
		.max(params.jury_size.saturating_add(2))
		.max(T::MaxReplicas::get());
	let allowed_count = wanted.min(capacity.saturating_sub(1)).min(max_workers);
	let others = workers::<T>("worker", max_workers.saturating_sub(allowed_count))?;
	let allowed = workers::<T>("allowed", allowed_count)?;
	for who in &allowed {
		// The worst reputation: drawn only once every other worker was drawn and refused.
		Pallet::<T>::mutate_worker(who, |worker| {
			worker.faults = u32::MAX;
			Ok(())
		})
		.map_err(|_| BenchmarkError::Stop("mutate_worker failed"))?;
	}

	// A full allow-list, the workers that may read last, so every check scans it all.
	let private = *datasets.last().ok_or(BenchmarkError::Stop("no dataset"))?;
	let owner = owners.last().ok_or(BenchmarkError::Stop("no dataset"))?;
	let fillers = capacity.saturating_sub(allowed_count).saturating_sub(1);
	let listed = (0..fillers)
		.map(|i| account::<T::AccountId>("filler", i, 0))
		.chain([poster.clone()])
		.chain(allowed.iter().cloned());
	for who in listed {
		pallet_datasets::Pallet::<T>::allow(RawOrigin::Signed(owner.clone()).into(), private, who)
			.map_err(|_| BenchmarkError::Stop("allow failed"))?;
	}
	Ok(World { poster, model, datasets, allowed, others })
}

/// A fine-tune of the world's model on every dataset, `MaxSegments` segments of
/// `interval` steps.
fn train_spec<T: Config>(world: &World<T>, interval: u32) -> JobSpec<T> {
	let (train, validation) = match world.datasets.split_last() {
		Some((last, rest)) if !rest.is_empty() => (rest.to_vec(), Some(*last)),
		_ => (world.datasets.clone(), None),
	};
	JobSpec::Train(TrainSpec {
		base: TrainBase::FineTune(world.model),
		datasets: BoundedVec::truncate_from(train),
		validation,
		optimizer: Optimizer::Adam {
			learning_rate: Perbill::from_parts(1_000_000),
			beta1: Perbill::from_percent(90),
			beta2: Perbill::from_parts(999_000_000),
		},
		batch_size: 64,
		steps: T::MaxSegments::get().saturating_mul(interval),
		seed: 7,
		checkpoint_interval: interval,
		licence: longest_licence(),
		inference_price: reward::<T>(),
	})
}

/// As many audits as a job of `MaxSegments` segments may have: `MaxAuditsPerJob`.
fn full_audit<T: Config>() -> Verification {
	let audits = T::MaxAuditsPerJob::get().min(T::MaxSegments::get());
	let rate = Perbill::from_rational(audits, T::MaxSegments::get().max(1));
	Verification { audit_rate: rate.max(Pallet::<T>::params().min_audit_rate), replicas: 0 }
}

fn post<T: Config>(
	world: &World<T>,
	spec: JobSpec<T>,
	verification: Verification,
) -> Result<JobId, BenchmarkError> {
	let id = NextJobId::<T>::get();
	Pallet::<T>::post_job(
		RawOrigin::Signed(world.poster.clone()).into(),
		spec,
		verification,
		reward::<T>(),
		Pallet::<T>::params().max_work_blocks,
		BalanceOf::<T>::max_value(),
	)
	.map_err(|_| BenchmarkError::Stop("post_job failed"))?;
	Ok(id)
}

fn post_train<T: Config>(world: &World<T>, interval: u32) -> Result<JobId, BenchmarkError> {
	post::<T>(world, train_spec::<T>(world, interval), full_audit::<T>())
}

/// An evaluation of the world's model on the private dataset by `MaxReplicas` replicas.
fn post_evaluate<T: Config>(world: &World<T>) -> Result<JobId, BenchmarkError> {
	let dataset = *world.datasets.last().ok_or(BenchmarkError::Stop("no dataset"))?;
	let replicas = u8::try_from(T::MaxReplicas::get()).unwrap_or(u8::MAX);
	post::<T>(
		world,
		JobSpec::Evaluate { model: world.model, dataset },
		Verification { audit_rate: Perbill::zero(), replicas },
	)
}

/// The checkpoint hashes of a run of `MaxSegments` segments.
fn checkpoints<T: Config>() -> Vec<Hash256> {
	(0..=T::MaxSegments::get())
		.map(|i| sp_io::hashing::blake2_256(&(b"checkpoint", i).encode()))
		.collect()
}

fn proof(leaves: &[Hash256], index: u32) -> Result<MerkleProof, BenchmarkError> {
	let proof = merkle_proof(leaves, index as usize).ok_or(BenchmarkError::Stop("no proof"))?;
	Ok(BoundedVec::truncate_from(proof))
}

fn train_result(leaves: &[Hash256]) -> Result<TrainResult, BenchmarkError> {
	Ok(TrainResult {
		weights: content(u32::MAX.saturating_sub(1)),
		weights_uri: Uri::parse(&longest_uri()).map_err(|_| BenchmarkError::Stop("bad uri"))?,
		checkpoint_root: merkle_root(leaves.iter().copied())
			.ok_or(BenchmarkError::Stop("no root"))?,
		checkpoints: leaves.len() as u32,
		metrics: Metrics {
			final_loss_micros: 350_000,
			validation_correct: 9_000,
			validation_total: 10_000,
		},
	})
}

/// The trainer of `job` submits a result over `leaves`; after the draw delay the audits
/// are drawn.
fn submit<T: Config>(job: JobId, leaves: &[Hash256]) -> Result<T::AccountId, BenchmarkError> {
	let trainer = trainer_of::<T>(job)?;
	Pallet::<T>::submit_result(
		RawOrigin::Signed(trainer.clone()).into(),
		job,
		train_result(leaves)?,
	)
	.map_err(|_| BenchmarkError::Stop("submit_result failed"))?;
	advance::<T>(Pallet::<T>::params().audit_draw_delay);
	Pallet::<T>::draw_audits(RawOrigin::Signed(trainer.clone()).into(), job)
		.map_err(|_| BenchmarkError::Stop("draw_audits failed"))?;
	Ok(trainer)
}

fn open_challenge<T: Config>(
	job: JobId,
	challenger: &T::AccountId,
	segment: u32,
) -> Result<DisputeId, BenchmarkError> {
	let id = NextDisputeId::<T>::get();
	Pallet::<T>::challenge(RawOrigin::Signed(challenger.clone()).into(), job, segment)
		.map_err(|_| BenchmarkError::Stop("challenge failed"))?;
	Ok(id)
}

/// The defender's `reveal_endpoints` arguments: the disputed segment's two checkpoint
/// hashes with their proofs.
fn endpoints<T: Config>(
	dispute: DisputeId,
	leaves: &[Hash256],
) -> Result<(T::AccountId, Hash256, MerkleProof, Hash256, MerkleProof), BenchmarkError> {
	let dispute = dispute_of::<T>(dispute)?;
	let DisputeSubject::Segment { segment, .. } = dispute.subject else {
		return Err(BenchmarkError::Stop("not a segment dispute"));
	};
	let end = segment.saturating_add(1);
	let leaf = |index: u32| {
		leaves.get(index as usize).copied().ok_or(BenchmarkError::Stop("no such checkpoint"))
	};
	Ok((dispute.defender, leaf(segment)?, proof(leaves, segment)?, leaf(end)?, proof(leaves, end)?))
}

fn reveal_ends<T: Config>(dispute: DisputeId, leaves: &[Hash256]) -> Result<(), BenchmarkError> {
	let (defender, start, start_proof, end, end_proof) = endpoints::<T>(dispute, leaves)?;
	Pallet::<T>::reveal_endpoints(
		RawOrigin::Signed(defender).into(),
		dispute,
		start,
		start_proof,
		end,
		end_proof,
	)
	.map_err(|_| BenchmarkError::Stop("reveal_endpoints failed"))
}

fn vote_commit<T: Config>(
	dispute: DisputeId,
	juror: &T::AccountId,
	vote: bool,
) -> Result<(), BenchmarkError> {
	let commitment = Pallet::<T>::commitment_of(CommitKind::Vote, dispute, juror, vote, &SALT);
	Pallet::<T>::commit_vote(RawOrigin::Signed(juror.clone()).into(), dispute, commitment)
		.map_err(|_| BenchmarkError::Stop("commit_vote failed"))
}

fn vote_reveal<T: Config>(
	dispute: DisputeId,
	juror: &T::AccountId,
	vote: bool,
) -> Result<(), BenchmarkError> {
	Pallet::<T>::reveal_vote(RawOrigin::Signed(juror.clone()).into(), dispute, vote, SALT)
		.map_err(|_| BenchmarkError::Stop("reveal_vote failed"))
}

/// The report of a replay that reproduced the leaf after `segment` (`passed`) or did not.
fn audit_report(leaves: &[Hash256], segment: u32, passed: bool) -> AuditReport {
	let leaf = leaves.get((segment as usize).saturating_add(1)).copied().unwrap_or_default();
	let end_state = if passed { leaf } else { sp_io::hashing::blake2_256(&leaf) };
	AuditReport { end_state, passed }
}

fn audit_commit<T: Config>(
	job: JobId,
	audit: &Audit<T::AccountId, BalanceOf<T>>,
	report: AuditReport,
) -> Result<(), BenchmarkError> {
	let commitment = Pallet::<T>::commitment_of(
		CommitKind::Audit,
		job,
		&audit.auditor,
		(audit.segment, report),
		&SALT,
	);
	Pallet::<T>::commit_audit(
		RawOrigin::Signed(audit.auditor.clone()).into(),
		job,
		audit.segment,
		commitment,
	)
	.map_err(|_| BenchmarkError::Stop("commit_audit failed"))
}

fn evaluation_output(correct: u32) -> JobOutput {
	JobOutput::Score { correct, total: 10_000 }
}

fn output_commit<T: Config>(
	job: JobId,
	worker: &T::AccountId,
	output: JobOutput,
) -> Result<(), BenchmarkError> {
	let commitment = Pallet::<T>::commitment_of(CommitKind::Output, job, worker, output, &SALT);
	Pallet::<T>::commit_output(RawOrigin::Signed(worker.clone()).into(), job, commitment)
		.map_err(|_| BenchmarkError::Stop("commit_output failed"))
}

/// A training job (one step per segment) under `MaxDisputesPerJob` disputes, each with a
/// jury of `jury_size` drawn; the first is decided against the trainer by one juror's vote while the rest
/// of its jury never voted. Returns the job and that dispute.
fn decided_against_trainer<T>(jury_size: u32) -> Result<(JobId, DisputeId), BenchmarkError>
where
	T: Config<Datasets = pallet_datasets::Pallet<T>, Models = pallet_models::Pallet<T>>
		+ pallet_datasets::Config<Currency = <T as Config>::Currency>
		+ pallet_models::Config<Currency = <T as Config>::Currency>,
	<T as Config>::Currency: Mutate<T::AccountId>,
{
	let world = world::<T>()?;
	let mut params = Pallet::<T>::params();
	params.jury_size = jury_size;
	Params::<T>::put(params.clone());
	let job = post_train::<T>(&world, 1)?;
	let leaves = checkpoints::<T>();
	submit::<T>(job, &leaves)?;
	let mut disputes = Vec::new();
	let mut segment = 0u32;
	for challenger in world.others.iter().take(T::MaxDisputesPerJob::get() as usize) {
		let dispute = open_challenge::<T>(job, challenger, segment)?;
		reveal_ends::<T>(dispute, &leaves)?;
		draw_scheduled_jury::<T>(dispute)?;
		disputes.push(dispute);
		segment = segment.saturating_add(1);
	}
	let target = *disputes.first().ok_or(BenchmarkError::Stop("no dispute"))?;
	let jurors = jurors_of::<T>(target)?;
	let juror = jurors.first().ok_or(BenchmarkError::Stop("no jury"))?;
	vote_commit::<T>(target, juror, false)?;
	advance::<T>(params.commit_window);
	Pallet::<T>::process_dispute(RawOrigin::Signed(world.poster.clone()).into(), target)
		.map_err(|_| BenchmarkError::Stop("process_dispute failed"))?;
	vote_reveal::<T>(target, juror, false)?;
	if dispute_of::<T>(target)?.phase != (DisputePhase::Decided { defender_correct: false }) {
		return Err(BenchmarkError::Stop("dispute not decided"));
	}
	Ok((job, target))
}

/// Whether `job` failed and is freeing its bonds (or has ended already).
fn refunding<T: Config>(job: JobId) -> bool {
	Jobs::<T>::get(job).is_none_or(|job| matches!(job.status, JobStatus::Refunding { .. }))
}

/// A training job (`interval` steps per segment) with one dispute over its first segment.
fn disputed<T>(interval: u32) -> Result<(DisputeId, Vec<Hash256>), BenchmarkError>
where
	T: Config<Datasets = pallet_datasets::Pallet<T>, Models = pallet_models::Pallet<T>>
		+ pallet_datasets::Config<Currency = <T as Config>::Currency>
		+ pallet_models::Config<Currency = <T as Config>::Currency>,
	<T as Config>::Currency: Mutate<T::AccountId>,
{
	let world = world::<T>()?;
	let job = post_train::<T>(&world, interval)?;
	let leaves = checkpoints::<T>();
	submit::<T>(job, &leaves)?;
	let challenger = world.others.first().ok_or(BenchmarkError::Stop("no challenger"))?;
	let dispute = open_challenge::<T>(job, challenger, 0)?;
	Ok((dispute, leaves))
}

#[benchmarks(where
	T: Config<Datasets = pallet_datasets::Pallet<T>, Models = pallet_models::Pallet<T>>
		+ pallet_datasets::Config<Currency = <T as Config>::Currency>
		+ pallet_models::Config<Currency = <T as Config>::Currency>,
	<T as Config>::Currency: Mutate<T::AccountId>,
)]
mod benchmarks {
	use super::*;

	/// The last worker to fit the online set.
	#[benchmark]
	fn register_worker() -> Result<(), BenchmarkError> {
		workers::<T>("worker", T::MaxWorkers::get().saturating_sub(1))?;
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), stake::<T>(), capabilities::<T>(), longest_uri());
		assert!(Workers::<T>::contains_key(&caller));
		assert_eq!(Candidates::<T>::get().len() as u32, T::MaxWorkers::get());
		invariants::<T>()
	}

	/// The last of a full online set.
	#[benchmark]
	fn add_stake() -> Result<(), BenchmarkError> {
		workers::<T>("worker", T::MaxWorkers::get().saturating_sub(1))?;
		let caller = worker::<T>("caller", 0)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), unit::<T>());
		assert_eq!(
			Workers::<T>::get(&caller).map(|w| w.stake),
			Some(stake::<T>().saturating_add(unit::<T>()))
		);
		invariants::<T>()
	}

	/// The last of a full online set unbonds down to the minimum and stays online.
	#[benchmark]
	fn unbond() -> Result<(), BenchmarkError> {
		workers::<T>("worker", T::MaxWorkers::get().saturating_sub(1))?;
		let caller = worker::<T>("caller", 0)?;
		let amount = stake::<T>().saturating_sub(Pallet::<T>::params().min_stake);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), amount);
		assert_eq!(Workers::<T>::get(&caller).map(|w| w.unlocking), Some(amount));
		assert_eq!(Candidates::<T>::get().len() as u32, T::MaxWorkers::get());
		invariants::<T>()
	}

	/// A worker that unbonded everything leaves: its record and hold go, and the online set
	/// of every other worker is rewritten.
	#[benchmark]
	fn withdraw_unbonded() -> Result<(), BenchmarkError> {
		workers::<T>("worker", T::MaxWorkers::get().saturating_sub(1))?;
		let caller = worker::<T>("caller", 0)?;
		Pallet::<T>::unbond(RawOrigin::Signed(caller.clone()).into(), stake::<T>())
			.map_err(|_| BenchmarkError::Stop("unbond failed"))?;
		advance::<T>(Pallet::<T>::params().unbonding_period);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));
		assert!(!Workers::<T>::contains_key(&caller));
		invariants::<T>()
	}

	/// The last of a full online set, with the longest device name and endpoint.
	#[benchmark]
	fn set_capabilities() -> Result<(), BenchmarkError> {
		workers::<T>("worker", T::MaxWorkers::get().saturating_sub(1))?;
		let caller = worker::<T>("caller", 0)?;
		let mut endpoint = longest_uri();
		if let Some(last) = endpoint.last_mut() {
			*last = b'b';
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), capabilities::<T>(), endpoint.clone());
		assert_eq!(
			Workers::<T>::get(&caller).map(|w| w.endpoint.as_bytes().to_vec()),
			Some(endpoint)
		);
		invariants::<T>()
	}

	/// The last of a full online set leaves it.
	#[benchmark]
	fn go_offline() -> Result<(), BenchmarkError> {
		workers::<T>("worker", T::MaxWorkers::get().saturating_sub(1))?;
		let caller = worker::<T>("caller", 0)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));
		assert_eq!(Workers::<T>::get(&caller).map(|w| w.online), Some(false));
		invariants::<T>()
	}

	/// A worker rejoins and fills the online set.
	#[benchmark]
	fn go_online() -> Result<(), BenchmarkError> {
		workers::<T>("worker", T::MaxWorkers::get().saturating_sub(1))?;
		let caller = worker::<T>("caller", 0)?;
		Pallet::<T>::go_offline(RawOrigin::Signed(caller.clone()).into())
			.map_err(|_| BenchmarkError::Stop("go_offline failed"))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));
		assert_eq!(Candidates::<T>::get().len() as u32, T::MaxWorkers::get());
		invariants::<T>()
	}

	/// A fine-tune reading `MaxDatasetsPerJob` datasets with a royalty, drawn from the full
	/// online set where every worker but the few allowed is drawn and refused first.
	#[benchmark]
	fn post_job() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let id = NextJobId::<T>::get();
		let spec = train_spec::<T>(&world, 1);
		let work_blocks = Pallet::<T>::params().max_work_blocks;
		#[extrinsic_call]
		_(
			RawOrigin::Signed(world.poster.clone()),
			spec,
			full_audit::<T>(),
			reward::<T>(),
			work_blocks,
			BalanceOf::<T>::max_value(),
		);
		let trainer = trainer_of::<T>(id)?;
		assert!(world.allowed.contains(&trainer));
		invariants::<T>()
	}

	/// A result over `MaxSegments` segments: checked and stored; nothing is drawn yet.
	#[benchmark]
	fn submit_result() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		let trainer = trainer_of::<T>(job)?;
		let result = train_result(&checkpoints::<T>())?;
		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), job, result);
		assert!(matches!(job_of::<T>(job)?.status, JobStatus::AwaitingAudits { .. }));
		invariants::<T>()
	}

	/// `MaxAuditsPerJob` audits drawn in one draw that refuses every worker that may not
	/// read the data.
	#[benchmark]
	fn draw_audits() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		let trainer = trainer_of::<T>(job)?;
		Pallet::<T>::submit_result(
			RawOrigin::Signed(trainer.clone()).into(),
			job,
			train_result(&checkpoints::<T>())?,
		)
		.map_err(|_| BenchmarkError::Stop("submit_result failed"))?;
		advance::<T>(Pallet::<T>::params().audit_draw_delay);
		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), job);
		let audits = job_of::<T>(job)?.audits.len() as u32;
		let auditors = (world.allowed.len() as u32).saturating_sub(1);
		assert_eq!(audits, T::MaxAuditsPerJob::get().min(T::MaxSegments::get()).min(auditors));
		invariants::<T>()
	}

	/// The last of `MaxAuditsPerJob` auditors commits.
	#[benchmark]
	fn commit_audit() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		submit::<T>(job, &checkpoints::<T>())?;
		let leaves = checkpoints::<T>();
		let audits = job_of::<T>(job)?.audits;
		let (last, rest) = audits.split_last().ok_or(BenchmarkError::Stop("no audit"))?;
		for audit in rest {
			audit_commit::<T>(job, audit, audit_report(&leaves, audit.segment, true))?;
		}
		let report = audit_report(&leaves, last.segment, false);
		let commitment = Pallet::<T>::commitment_of(
			CommitKind::Audit,
			job,
			&last.auditor,
			(last.segment, report),
			&SALT,
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(last.auditor.clone()), job, last.segment, commitment);
		assert!(job_of::<T>(job)?.audits.iter().all(|a| a.commitment.is_some()));
		invariants::<T>()
	}

	/// The last auditor, exact, reveals an end state whose full-depth proof fails to verify:
	/// the audit fails and opens a dispute beside `MaxDisputesPerJob - 1` challenges.
	#[benchmark]
	fn reveal_audit() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		let leaves = checkpoints::<T>();
		submit::<T>(job, &leaves)?;
		let audits = job_of::<T>(job)?.audits;
		let audited: Vec<u32> = audits.iter().map(|a| a.segment).collect();
		let free_segments = (0..T::MaxSegments::get()).filter(|s| !audited.contains(s));
		let others = T::MaxDisputesPerJob::get().saturating_sub(1) as usize;
		for (challenger, segment) in world.others.iter().take(others).zip(free_segments) {
			open_challenge::<T>(job, challenger, segment)?;
		}
		let (last, rest) = audits.split_last().ok_or(BenchmarkError::Stop("no audit"))?;
		for audit in rest {
			audit_commit::<T>(job, audit, audit_report(&leaves, audit.segment, true))?;
		}
		let report = AuditReport { passed: true, ..audit_report(&leaves, last.segment, false) };
		audit_commit::<T>(job, last, report)?;
		let end_proof = proof(&leaves, last.segment.saturating_add(1))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(last.auditor.clone()), job, last.segment, report, end_proof, SALT);
		assert!(last.exact);
		assert_eq!(job_of::<T>(job)?.disputes.len() as u32, T::MaxDisputesPerJob::get());
		invariants::<T>()
	}

	/// The last of `MaxReplicas` replicas commits; the outputs may be revealed.
	#[benchmark]
	fn commit_output() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_evaluate::<T>(&world)?;
		let replicas: Vec<T::AccountId> =
			job_of::<T>(job)?.assignees.iter().map(|a| a.worker.clone()).collect();
		let (last, rest) = replicas.split_last().ok_or(BenchmarkError::Stop("no replica"))?;
		for replica in rest {
			output_commit::<T>(job, replica, evaluation_output(9_000))?;
		}
		let commitment = Pallet::<T>::commitment_of(
			CommitKind::Output,
			job,
			last,
			evaluation_output(9_000),
			&SALT,
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(last.clone()), job, commitment);
		assert!(matches!(job_of::<T>(job)?.status, JobStatus::Revealing { .. }));
		invariants::<T>()
	}

	/// The last of `MaxReplicas` replicas reveals; the outputs disagree, so a dispute opens
	/// and its jury is scheduled.
	#[benchmark]
	fn reveal_output() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_evaluate::<T>(&world)?;
		let replicas: Vec<T::AccountId> =
			job_of::<T>(job)?.assignees.iter().map(|a| a.worker.clone()).collect();
		// The first replica disagrees with every other.
		let output = |i: usize| evaluation_output(if i == 0 { 8_000 } else { 9_000 });
		for (i, replica) in replicas.iter().enumerate() {
			output_commit::<T>(job, replica, output(i))?;
		}
		let (last, rest) = replicas.split_last().ok_or(BenchmarkError::Stop("no replica"))?;
		for (i, replica) in rest.iter().enumerate() {
			Pallet::<T>::reveal_output(
				RawOrigin::Signed(replica.clone()).into(),
				job,
				output(i),
				SALT,
			)
			.map_err(|_| BenchmarkError::Stop("reveal_output failed"))?;
		}
		let last_output = output(rest.len());
		#[extrinsic_call]
		_(RawOrigin::Signed(last.clone()), job, last_output, SALT);
		let job = job_of::<T>(job)?;
		assert_eq!(job.status, JobStatus::Arbitration);
		let dispute = *job.disputes.first().ok_or(BenchmarkError::Stop("no dispute"))?;
		assert_eq!(dispute_of::<T>(dispute)?.phase, DisputePhase::AwaitingJury);
		invariants::<T>()
	}

	/// The last call finalizing a training job after its challenge window: it settles a
	/// full batch (`MaxBondsSettledPerCall`) of audits that were never revealed (each
	/// auditor slashed, heavier than paying it; earlier calls settled the others), pays
	/// every dataset owner, the model owner and its lineage, and registers the model.
	#[benchmark]
	fn process_job() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		submit::<T>(job, &checkpoints::<T>())?;
		let audits = job_of::<T>(job)?.audits.len() as u32;
		let auditors = (world.allowed.len() as u32).saturating_sub(1);
		assert_eq!(audits, T::MaxAuditsPerJob::get().min(T::MaxSegments::get()).min(auditors));
		advance::<T>(Pallet::<T>::params().challenge_window);
		let caller = funded::<T>("caller", 0);
		let unsettled = |job| -> Result<u32, BenchmarkError> {
			Ok(job_of::<T>(job)?.audits.iter().filter(|a| !a.settled).count() as u32)
		};
		while unsettled(job)? > T::MaxBondsSettledPerCall::get() {
			Pallet::<T>::process_job(RawOrigin::Signed(caller.clone()).into(), job)
				.map_err(|_| BenchmarkError::Stop("process_job failed"))?;
		}
		let model = pallet_models::NextModelId::<T>::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job);
		assert!(!Jobs::<T>::contains_key(job));
		assert!(pallet_models::Models::<T>::contains_key(model));
		invariants::<T>()
	}

	/// A challenge of a job already under every dispute but one.
	#[benchmark]
	fn challenge() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		submit::<T>(job, &checkpoints::<T>())?;
		let others = T::MaxDisputesPerJob::get().saturating_sub(1);
		let mut challengers = world.others.iter();
		for segment in 0..others {
			let challenger = challengers.next().ok_or(BenchmarkError::Stop("no challenger"))?;
			open_challenge::<T>(job, challenger, segment.saturating_add(1))?;
		}
		let caller = challengers.next().ok_or(BenchmarkError::Stop("no challenger"))?.clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job, 0);
		assert_eq!(job_of::<T>(job)?.disputes.len() as u32, T::MaxDisputesPerJob::get());
		invariants::<T>()
	}

	/// The endpoints of a one-step segment, with the deepest proofs: the jury is scheduled.
	#[benchmark]
	fn reveal_endpoints() -> Result<(), BenchmarkError> {
		let (dispute, leaves) = disputed::<T>(1)?;
		let (defender, start, start_proof, end, end_proof) = endpoints::<T>(dispute, &leaves)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(defender), dispute, start, start_proof, end, end_proof);
		assert_eq!(dispute_of::<T>(dispute)?.phase, DisputePhase::AwaitingJury);
		invariants::<T>()
	}

	/// A midpoint of a two-step segment (a midpoint never draws the jury).
	#[benchmark]
	fn reveal_midpoint() -> Result<(), BenchmarkError> {
		let (dispute, leaves) = disputed::<T>(2)?;
		reveal_ends::<T>(dispute, &leaves)?;
		let defender = dispute_of::<T>(dispute)?.defender;
		let state = sp_io::hashing::blake2_256(b"midpoint");
		#[extrinsic_call]
		_(RawOrigin::Signed(defender), dispute, state);
		assert!(matches!(dispute_of::<T>(dispute)?.phase, DisputePhase::AwaitingChoice { .. }));
		invariants::<T>()
	}

	/// The choice that narrows the dispute to one step: the jury is scheduled.
	#[benchmark]
	fn choose_half() -> Result<(), BenchmarkError> {
		let (dispute, leaves) = disputed::<T>(2)?;
		reveal_ends::<T>(dispute, &leaves)?;
		let record = dispute_of::<T>(dispute)?;
		Pallet::<T>::reveal_midpoint(
			RawOrigin::Signed(record.defender).into(),
			dispute,
			sp_io::hashing::blake2_256(b"midpoint"),
		)
		.map_err(|_| BenchmarkError::Stop("reveal_midpoint failed"))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(record.challenger), dispute, true);
		assert_eq!(dispute_of::<T>(dispute)?.phase, DisputePhase::AwaitingJury);
		invariants::<T>()
	}

	/// The last juror of a full jury commits; the reveal opens.
	#[benchmark]
	fn commit_vote() -> Result<(), BenchmarkError> {
		let (dispute, leaves) = disputed::<T>(1)?;
		reveal_ends::<T>(dispute, &leaves)?;
		draw_scheduled_jury::<T>(dispute)?;
		let jurors = jurors_of::<T>(dispute)?;
		let (last, rest) = jurors.split_last().ok_or(BenchmarkError::Stop("no jury"))?;
		for juror in rest {
			vote_commit::<T>(dispute, juror, true)?;
		}
		let commitment = Pallet::<T>::commitment_of(CommitKind::Vote, dispute, last, true, &SALT);
		#[extrinsic_call]
		_(RawOrigin::Signed(last.clone()), dispute, commitment);
		assert_eq!(dispute_of::<T>(dispute)?.phase, DisputePhase::JuryReveal);
		invariants::<T>()
	}

	/// The last juror of a full jury reveals; the votes are tallied.
	#[benchmark]
	fn reveal_vote() -> Result<(), BenchmarkError> {
		let (dispute, leaves) = disputed::<T>(1)?;
		reveal_ends::<T>(dispute, &leaves)?;
		draw_scheduled_jury::<T>(dispute)?;
		let jurors = jurors_of::<T>(dispute)?;
		for juror in &jurors {
			vote_commit::<T>(dispute, juror, true)?;
		}
		let (last, rest) = jurors.split_last().ok_or(BenchmarkError::Stop("no jury"))?;
		for juror in rest {
			vote_reveal::<T>(dispute, juror, true)?;
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(last.clone()), dispute, true, SALT);
		assert_eq!(
			dispute_of::<T>(dispute)?.phase,
			DisputePhase::Decided { defender_correct: true }
		);
		invariants::<T>()
	}

	/// The last call enforcing a verdict against the trainer (earlier calls settled all
	/// but a batch of a full jury): the batch of silent jurors is slashed to the one that
	/// voted, the trainer is slashed and the job fails, and a first batch of its bonds is
	/// freed (a later `process_job` frees the rest and drops the other disputes).
	#[benchmark]
	fn process_dispute() -> Result<(), BenchmarkError> {
		let (job, dispute) = decided_against_trainer::<T>(worst_params::<T>().jury_size)?;
		advance::<T>(Pallet::<T>::params().appeal_window);
		let caller = funded::<T>("caller", 0);
		let unsettled = |dispute| -> Result<u32, BenchmarkError> {
			Ok(dispute_of::<T>(dispute)?.jurors.iter().filter(|j| !j.settled).count() as u32)
		};
		while unsettled(dispute)? > T::MaxBondsSettledPerCall::get() {
			Pallet::<T>::process_dispute(RawOrigin::Signed(caller.clone()).into(), dispute)
				.map_err(|_| BenchmarkError::Stop("process_dispute failed"))?;
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), dispute);
		assert!(!Disputes::<T>::contains_key(dispute));
		assert!(refunding::<T>(job));
		invariants::<T>()
	}

	/// The appeal origin confirms a verdict within the appeal window, a jury no larger than
	/// one batch: every juror, the parties and a first batch of the job's bonds are settled
	/// in the call (a larger jury settles only a batch of jurors).
	#[benchmark]
	fn rule() -> Result<(), BenchmarkError> {
		let budget = T::MaxBondsSettledPerCall::get().min(T::MaxJurySize::get());
		let jury_size = if budget & 1 == 0 { budget.saturating_sub(1) } else { budget }.max(1);
		let (job, dispute) = decided_against_trainer::<T>(jury_size)?;
		let origin =
			T::AppealOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, dispute, false);
		assert!(!Disputes::<T>::contains_key(dispute));
		assert!(refunding::<T>(job));
		invariants::<T>()
	}

	/// The trainer of a training job declines; a replacement is drawn in a draw that
	/// refuses every worker that may not read the data first.
	#[benchmark]
	fn decline() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		let trainer = trainer_of::<T>(job)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(trainer.clone()), job);
		assert_ne!(trainer_of::<T>(job)?, trainer);
		invariants::<T>()
	}

	/// A binding challenge of a job already under every challenge slot but one.
	#[benchmark]
	fn challenge_binding() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		submit::<T>(job, &checkpoints::<T>())?;
		let others = T::MaxDisputesPerJob::get().saturating_sub(1);
		let mut challengers = world.others.iter();
		for segment in 0..others {
			let challenger = challengers.next().ok_or(BenchmarkError::Stop("no challenger"))?;
			open_challenge::<T>(job, challenger, segment)?;
		}
		let caller = challengers.next().ok_or(BenchmarkError::Stop("no challenger"))?.clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job, RunEnd::Weights);
		assert_eq!(job_of::<T>(job)?.disputes.len() as u32, T::MaxDisputesPerJob::get());
		invariants::<T>()
	}

	/// The last leaf of a `MaxSegments` run, with the deepest proof: the jury is scheduled.
	#[benchmark]
	fn reveal_leaf() -> Result<(), BenchmarkError> {
		let world = world::<T>()?;
		let job = post_train::<T>(&world, 1)?;
		let leaves = checkpoints::<T>();
		submit::<T>(job, &leaves)?;
		let challenger = world.others.first().ok_or(BenchmarkError::Stop("no challenger"))?;
		let dispute = NextDisputeId::<T>::get();
		Pallet::<T>::challenge_binding(
			RawOrigin::Signed(challenger.clone()).into(),
			job,
			RunEnd::Weights,
		)
		.map_err(|_| BenchmarkError::Stop("challenge_binding failed"))?;
		let last = (leaves.len() as u32).saturating_sub(1);
		let leaf = leaves.last().copied().ok_or(BenchmarkError::Stop("no leaf"))?;
		let defender = dispute_of::<T>(dispute)?.defender;
		#[extrinsic_call]
		_(RawOrigin::Signed(defender), dispute, leaf, proof(&leaves, last)?);
		assert_eq!(dispute_of::<T>(dispute)?.phase, DisputePhase::AwaitingJury);
		invariants::<T>()
	}

	/// Valid parameters replace the defaults.
	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let mut params = Pallet::<T>::params();
		params.unbonding_period = params.unbonding_period.saturating_add(1u32.into());
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());
		assert_eq!(Params::<T>::get(), params);
		invariants::<T>()
	}

	/// Sets a family's tolerance (one write whatever was there).
	#[benchmark]
	fn set_tolerance() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, ArchitectureFamily::LeNet, Perbill::from_percent(1));
		assert_eq!(Tolerances::<T>::get(ArchitectureFamily::LeNet), Perbill::from_percent(1));
		invariants::<T>()
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
