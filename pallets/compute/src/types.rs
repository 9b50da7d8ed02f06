//! The records the compute pallet stores: workers, jobs, audits, disputes and the protocol
//! parameters. Status enums carry the data of their state.

use super::*;

/// Index of a dispute.
pub type DisputeId = u64;

/// The sibling hashes proving a checkpoint hash is a leaf under a run's checkpoint root
/// (`verity_primitives::merkle_proof`); 32 levels cover any number of checkpoints.
pub type MerkleProof = BoundedVec<Hash256, ConstU32<32>>;

/// A determinism class: workers that declare the same class promise bitwise-identical
/// results for the same job (same backend, kernels and `verity-ml` version). Within a class
/// an audit is an exact hash comparison checked on chain; across classes it falls back to
/// the tolerance ε and a jury. `verity-ml` names the class it runs in.
pub type DeterminismClass = u32;

/// The hardware a worker trains on. Informational: the tolerance ε lets honest runs on
/// different backends agree.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Backend {
	/// burn's pure-Rust CPU backend.
	Cpu,
	/// A GPU backend (wgpu/CUDA).
	Gpu,
}

/// What a worker declares it can run.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxDeviceLen))]
pub struct Capabilities<MaxDeviceLen: Get<u32>> {
	/// CPU or GPU.
	pub backend: Backend,
	/// The device's name, e.g. `AMD EPYC 7B13` or `NVIDIA H100`.
	pub device: BoundedVec<u8, MaxDeviceLen>,
	/// Memory available to jobs, in MiB.
	pub memory_mib: u32,
	/// The largest model (in parameters) the worker accepts; the assignment draw skips
	/// workers whose limit is below a job's model.
	pub max_parameters: u64,
	/// The class of runs this worker reproduces bit for bit.
	pub determinism: DeterminismClass,
}

/// A registered worker.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Worker<T: Config> {
	/// Active stake, held under [`HoldReason::WorkerStake`].
	pub stake: BalanceOf<T>,
	/// The part of `stake` committed as bonds to open duties (assignments, audits,
	/// challenges, juries). Bonds are taken from stake so every duty is slashable.
	pub bonded: BalanceOf<T>,
	/// Stake leaving: still held and slashable until `unlock_at`.
	pub unlocking: BalanceOf<T>,
	/// When `unlocking` may be withdrawn.
	pub unlock_at: BlockNumberFor<T>,
	/// What the worker can run.
	pub capabilities: Capabilities<T::MaxDeviceNameLen>,
	/// Where the worker serves checkpoints, weights and outputs.
	pub endpoint: Uri,
	/// Whether the worker is in the assignment draw.
	pub online: bool,
	/// Jobs it completed and was paid for.
	pub jobs_done: u32,
	/// Verifications on the winning side: audits, jury seats with the majority, challenges
	/// won.
	pub verifications_done: u32,
	/// Faults: disputes lost and deadlines missed (every slash of the worker).
	pub faults: u32,
	/// Block of registration.
	pub registered_at: BlockNumberFor<T>,
}

impl<T: Config> Worker<T> {
	/// Stake not committed to any duty: what new bonds may come from.
	pub fn free_stake(&self) -> BalanceOf<T> {
		self.stake.saturating_sub(self.bonded)
	}

	/// Everything held from the worker under [`HoldReason::WorkerStake`].
	pub fn held(&self) -> BalanceOf<T> {
		self.stake.saturating_add(self.unlocking)
	}

	/// Reputation as a factor on stake: `(10 + done) / (10 + done + 10 × faults)`, where
	/// `done` counts jobs and verifications. A new worker counts fully; one fault halves a
	/// newcomer's weight, and a long record of good work dilutes an old one.
	pub fn reputation(&self) -> Perbill {
		let done = self.jobs_done.saturating_add(self.verifications_done).saturating_add(10);
		let lost = self.faults.saturating_mul(10);
		Perbill::from_rational(done, done.saturating_add(lost))
	}

	/// The worker's weight in the assignment draw.
	pub fn draw_weight(&self) -> BalanceOf<T> {
		self.reputation().mul_floor(self.free_stake())
	}
}

/// One online worker, as the assignment draw sees it: everything eligibility and weight
/// need, so a draw reads one storage value instead of every worker record.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Candidate<AccountId, Balance> {
	/// The worker.
	pub who: AccountId,
	/// Its declared model-size limit.
	pub max_parameters: u64,
	/// Its determinism class.
	pub determinism: DeterminismClass,
	/// Its stake not committed to duties.
	pub free_stake: Balance,
	/// Free stake times reputation.
	pub weight: Balance,
}

/// The optimizer a training job uses and its hyper-parameters, in fixed point. Adam's ε is
/// the ML crate's fixed 1e-8.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Optimizer {
	/// SGD with momentum.
	Sgd {
		/// Learning rate.
		learning_rate: Perbill,
		/// Momentum (0 for plain SGD).
		momentum: Perbill,
	},
	/// Adam.
	Adam {
		/// Learning rate.
		learning_rate: Perbill,
		/// Decay of the first moment.
		beta1: Perbill,
		/// Decay of the second moment.
		beta2: Perbill,
	},
}

/// Where a training run starts.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum TrainBase {
	/// Fresh weights of this architecture, initialised from the job's seed.
	Fresh(ArchitectureSpec),
	/// The weights of a registered model (a fine-tune; its owner earns a royalty).
	FineTune(ModelId),
}

/// Everything that decides the result of a training run.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct TrainSpec<T: Config> {
	/// Fresh architecture or base model.
	pub base: TrainBase,
	/// Training datasets, read in order.
	pub datasets: BoundedVec<DatasetId, T::MaxDatasetsPerJob>,
	/// A dataset for the reported validation metrics.
	pub validation: Option<DatasetId>,
	/// Optimizer and hyper-parameters.
	pub optimizer: Optimizer,
	/// Samples per step.
	pub batch_size: u32,
	/// Optimizer steps.
	pub steps: u32,
	/// Seeds the initial weights and the data order.
	pub seed: u64,
	/// Steps between checkpoints (K). Segment `s` runs steps `s·K .. min((s+1)·K, steps)`.
	pub checkpoint_interval: u32,
	/// The licence of the trained model.
	pub licence: Licence,
	/// The inference price of the trained model.
	pub inference_price: BalanceOf<T>,
}

impl<T: Config> TrainSpec<T> {
	/// Segments of the run: `⌈steps / K⌉`; checkpoints are one more (step 0 included).
	pub fn segments(&self) -> u32 {
		if self.checkpoint_interval == 0 {
			return 0;
		}
		self.steps.div_ceil(self.checkpoint_interval)
	}

	/// The steps segment `segment` covers, `[start, end)`.
	pub fn segment_steps(&self, segment: u32) -> (u32, u32) {
		let start = segment.saturating_mul(self.checkpoint_interval);
		(start, start.saturating_add(self.checkpoint_interval).min(self.steps))
	}
}

/// What a job asks for.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub enum JobSpec<T: Config> {
	/// Train a model; the result is registered in the models pallet with its lineage.
	Train(TrainSpec<T>),
	/// Label an input file with a model.
	Infer {
		/// The model.
		model: ModelId,
		/// Content hash of the input file.
		input: ContentHash,
		/// Where the input file is.
		input_uri: Uri,
	},
	/// Count a model's correct labels on a labelled dataset.
	Evaluate {
		/// The model.
		model: ModelId,
		/// The labelled dataset.
		dataset: DatasetId,
	},
}

impl<T: Config> JobSpec<T> {
	/// Whether this is a training job.
	pub fn is_train(&self) -> bool {
		matches!(self, JobSpec::Train(_))
	}
}

/// How much checking a job buys.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Verification {
	/// Training: the fraction of segments audited (at least one segment always is).
	pub audit_rate: Perbill,
	/// Inference and evaluation: how many workers run the job independently (≥ 2).
	pub replicas: u8,
}

/// One payment fixed when a job is posted.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Payment<AccountId, Balance> {
	/// Who is paid.
	pub to: AccountId,
	/// How much.
	pub amount: Balance,
}

/// The price of a job as the poster sees it before posting, and what the escrow holds.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Quote<T: Config> {
	/// What the worker(s) earn, as offered by the poster.
	pub reward: BalanceOf<T>,
	/// What the auditors of a training job share.
	pub audit_fee: BalanceOf<T>,
	/// Use fees of each dataset, to its owner.
	pub data_fees: BoundedVec<Payment<T::AccountId, BalanceOf<T>>, T::MaxDatasetsPerJob>,
	/// The model owner's royalty (inference, evaluation and fine-tunes), less what flows
	/// up the model's lineage.
	pub royalty: Option<Payment<T::AccountId, BalanceOf<T>>>,
	/// The part of the royalty that flows up the model's lineage, one payment per
	/// recipient (the parent models' owners and their training data's owners).
	pub lineage: BoundedVec<Payment<T::AccountId, BalanceOf<T>>, T::MaxLineagePayments>,
	/// The treasury's protocol fee.
	pub protocol_fee: BalanceOf<T>,
	/// The storage deposit for the job's record, returned when the job ends.
	pub deposit: BalanceOf<T>,
	/// The sum of all the above: what is held from the poster.
	pub total: BalanceOf<T>,
}

/// A worker's output for an inference or evaluation job.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum JobOutput {
	/// Inference: the content hash of the predicted labels file.
	Predictions(ContentHash),
	/// Evaluation: correct labels out of samples.
	Score {
		/// Samples labelled correctly.
		correct: u32,
		/// Samples evaluated.
		total: u32,
	},
}

/// A payment to an account in this runtime's balance.
pub type PaymentOf<T> = Payment<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// The workers assigned to a job.
pub type AssigneesOf<T> = BoundedVec<
	Assignee<<T as frame_system::Config>::AccountId, BalanceOf<T>>,
	<T as Config>::MaxReplicas,
>;

/// A worker assigned to run a job.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Assignee<AccountId, Balance> {
	/// The worker.
	pub worker: AccountId,
	/// The bond committed from its stake.
	pub bond: Balance,
	/// Inference/evaluation: `blake2_256(job, worker, output, salt)`.
	pub commitment: Option<Hash256>,
	/// Inference/evaluation: the revealed output.
	pub output: Option<JobOutput>,
}

/// Claimed training metrics; the audits check the steps, not these numbers.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Metrics {
	/// Mean loss of the last segment, in millionths.
	pub final_loss_micros: u32,
	/// Validation samples labelled correctly (0 without a validation set).
	pub validation_correct: u32,
	/// Validation samples (0 without a validation set).
	pub validation_total: u32,
}

/// What a trainer submits.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct TrainResult {
	/// Content hash of the final weights (safetensors).
	pub weights: ContentHash,
	/// Where the trainer serves the weights.
	pub weights_uri: Uri,
	/// Merkle root over the checkpoint hashes, step 0 first.
	pub checkpoint_root: Hash256,
	/// Number of checkpoints: must be the job's segments + 1.
	pub checkpoints: u32,
	/// Claimed metrics.
	pub metrics: Metrics,
}

/// What an auditor commits to and later reveals: the hash of the checkpoint its replay of
/// the segment ended with, and its verdict. Committed before the trainer's end-of-segment
/// leaf is public, so a "pass" costs the replay it claims.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct AuditReport {
	/// The hash of the checkpoint the auditor's replay ended with.
	pub end_state: Hash256,
	/// Whether the auditor found the trainer's end checkpoint right (within ε across
	/// determinism classes; an exact audit passes only if `end_state` is the trainer's leaf).
	pub passed: bool,
}

/// An audit of one segment of a training run.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Audit<AccountId, Balance> {
	/// The segment replayed.
	pub segment: u32,
	/// The auditor.
	pub auditor: AccountId,
	/// The bond committed from its stake; zero once it backs a dispute or was settled.
	pub bond: Balance,
	/// Whether the auditor is in the trainer's determinism class: its pass is then checked
	/// on chain by hash equality with the trainer's end-of-segment leaf.
	pub exact: bool,
	/// [`Pallet::commitment_of`] the auditor's [`AuditReport`].
	pub commitment: Option<Hash256>,
	/// The revealed report.
	pub report: Option<AuditReport>,
	/// The outcome: passed (for an exact audit: the end state is the trainer's leaf).
	pub passed: Option<bool>,
	/// Settled after the challenge window: bond freed and fee paid, or slashed as a
	/// no-show (see [`Config::MaxBondsSettledPerCall`]).
	pub settled: bool,
}

/// Where a job is.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum JobStatus<BlockNumber> {
	/// Assigned: a trainer must submit, replicas must commit, by `until`.
	Assigned { until: BlockNumber },
	/// Inference/evaluation: every replica committed; they reveal by `until`.
	Revealing { until: BlockNumber },
	/// Training result submitted at `at`; its audits are drawn from randomness of block
	/// `draw_at` or later, which nobody could know when the result was committed. Challenges
	/// are already open.
	AwaitingAudits {
		/// When the result was submitted.
		at: BlockNumber,
		/// The first block whose randomness may draw the audits.
		draw_at: BlockNumber,
	},
	/// Audits drawn: auditors commit by `audit_commit_until` and reveal by
	/// `audit_reveal_until`; anyone staked may challenge until `challenge_until`.
	Auditing {
		/// When the audits were drawn.
		at: BlockNumber,
		/// Auditors' commit deadline.
		audit_commit_until: BlockNumber,
		/// Auditors' reveal deadline.
		audit_reveal_until: BlockNumber,
		/// End of the challenge window.
		challenge_until: BlockNumber,
	},
	/// Inference/evaluation replicas disagreed; a jury decides.
	Arbitration,
	/// The job ended without a result to pay for: its bonds are freed and its disputes
	/// dropped a bounded batch per `process_job` call, then the poster is refunded. Every
	/// call on the job or its disputes but `process_job` is refused meanwhile.
	Refunding {
		/// Whether the job failed (its trainer lost a dispute) rather than expired.
		failed: bool,
	},
}

/// An open job. Ended jobs are removed: their outcome is in the events, and a trained
/// model's lineage in the models pallet.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Job<T: Config> {
	/// Who posted and pays.
	pub poster: T::AccountId,
	/// What is asked.
	pub spec: JobSpec<T>,
	/// How much checking was bought.
	pub verification: Verification,
	/// The architecture the job runs (the fresh spec or the model's).
	pub architecture: ArchitectureSpec,
	/// The tolerance ε of that architecture when the job was posted.
	pub tolerance: Perbill,
	/// The trainer's determinism class, fixed at assignment: auditors of the same class
	/// are preferred and checked by hash equality.
	pub determinism: DeterminismClass,
	/// The price, held from the poster.
	pub quote: Quote<T>,
	/// Blocks a worker has to do the work once assigned.
	pub work_blocks: BlockNumberFor<T>,
	/// Where the job is.
	pub status: JobStatus<BlockNumberFor<T>>,
	/// The trainer, or the replicas.
	pub assignees: BoundedVec<Assignee<T::AccountId, BalanceOf<T>>, T::MaxReplicas>,
	/// Assignments made so far (no-shows count).
	pub attempts: u8,
	/// Training: the submitted result.
	pub result: Option<TrainResult>,
	/// Training: the audits drawn after submission.
	pub audits: BoundedVec<Audit<T::AccountId, BalanceOf<T>>, T::MaxAuditsPerJob>,
	/// Open disputes over this job.
	pub disputes: BoundedVec<DisputeId, MaxOpenDisputes<T>>,
	/// Block of posting.
	pub posted_at: BlockNumberFor<T>,
}

/// What a dispute is about.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum DisputeSubject {
	/// A training segment, narrowed by bisection to steps `[start, end)`, with the state
	/// hashes the defender revealed at each end (known once the endpoints are revealed).
	Segment {
		/// The disputed segment.
		segment: u32,
		/// First step of the disputed range.
		start: u32,
		/// One past its last step.
		end: u32,
		/// The defender's state hash at `start`.
		start_state: Option<Hash256>,
		/// The defender's state hash at `end`.
		end_state: Option<Hash256>,
	},
	/// Whether one end of a training run is bound to the job: the first checkpoint to the
	/// job's seed (fresh weights) or base model, or the delivered weights to the last
	/// checkpoint's parameters. The defender reveals the leaf with its Merkle proof; a jury
	/// checks the rest off chain.
	Binding {
		/// Which end.
		end: RunEnd,
		/// The defender's leaf at that end, once revealed.
		leaf: Option<Hash256>,
	},
	/// Replicas of an inference or evaluation job revealed different outputs.
	Outputs {
		/// The defender's output.
		defender: JobOutput,
		/// The challenger's output.
		challenger: JobOutput,
	},
}

/// An end of a training run that must be bound to the job.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum RunEnd {
	/// Checkpoint 0 must be the initial weights of the job's seed (a fresh architecture) or
	/// the base model's weights (a fine-tune), with a fresh optimizer.
	Start,
	/// The delivered weights must be the parameters of the last checkpoint.
	Weights,
}

/// Who opened a dispute, which decides where the loser's slash goes.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum DisputeOpener {
	/// A staked worker's challenge.
	Challenge,
	/// A failing audit; `state` is the end state the auditor's replay reached. Should the
	/// defender's end-of-segment leaf turn out to equal it, the audit was a pass after all.
	Audit {
		/// Whether the auditor is in the trainer's determinism class.
		exact: bool,
		/// The auditor's replayed end state.
		state: Hash256,
	},
	/// Replicas that revealed different outputs.
	Replicas,
}

/// Where a dispute is. Every phase has a deadline in the dispute record.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum DisputePhase {
	/// The defender must reveal the segment's two checkpoint hashes with Merkle proofs.
	AwaitingEndpoints,
	/// The defender must reveal the state hash at the midpoint of the range.
	AwaitingMidpoint,
	/// The challenger must say whether it accepts the defender's state at `step`.
	AwaitingChoice {
		/// The midpoint step.
		step: u32,
		/// The defender's state hash there.
		state: Hash256,
	},
	/// The jury is drawn from the randomness of the block at the dispute's deadline, fixed
	/// when bisection ended, so neither party can time the draw.
	AwaitingJury,
	/// Jurors commit their verdicts.
	JuryCommit,
	/// Jurors reveal their verdicts.
	JuryReveal,
	/// No jury could be drawn, or it tied: the appeal origin rules by the deadline, or the
	/// job is refunded with nobody slashed (see [`Pallet::process_dispute`]).
	Escalated,
	/// Decided; enforced when the appeal window ends unless the appeal origin rules first.
	Decided {
		/// Whether the defender was right.
		defender_correct: bool,
	},
	/// The verdict is being enforced: the jurors' bonds are freed or slashed a bounded
	/// batch per `process_dispute` call, then the parties are settled.
	Settling {
		/// Whether the defender was right.
		defender_correct: bool,
	},
}

/// A juror and its vote.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Juror<AccountId, Balance> {
	/// The juror.
	pub who: AccountId,
	/// The bond committed from its stake.
	pub bond: Balance,
	/// `blake2_256(dispute, juror, defender_correct, salt)`.
	pub commitment: Option<Hash256>,
	/// The revealed vote: whether the defender's computation was right.
	pub vote: Option<bool>,
	/// Whether its bond was freed or slashed by the verdict.
	pub settled: bool,
}

/// An open dispute.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Dispute<T: Config> {
	/// The job disputed.
	pub job: JobId,
	/// What is disputed.
	pub subject: DisputeSubject,
	/// Who stands by the computation (the trainer, or the first replica).
	pub defender: T::AccountId,
	/// Who disputes it.
	pub challenger: T::AccountId,
	/// Who opened it.
	pub opened_by: DisputeOpener,
	/// The challenger's bond, committed from its stake.
	pub challenger_bond: BalanceOf<T>,
	/// Where the dispute is.
	pub phase: DisputePhase,
	/// When the current phase ends (the appeal window's end once decided).
	pub deadline: BlockNumberFor<T>,
	/// Moves played: the endpoints, then a midpoint and a choice per bisection round
	/// (`1 + 2⌈log2 K⌉` at most).
	pub rounds: u8,
	/// The jury, once drawn.
	pub jurors: BoundedVec<Juror<T::AccountId, BalanceOf<T>>, T::MaxJurySize>,
}

/// A worker's duty, indexed per worker so a worker (or the runtime API) finds its work
/// without scanning storage.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Duty {
	/// Run a job (train, or a replica of inference/evaluation).
	Work(JobId),
	/// Audit a segment of a job.
	Audit(JobId, u32),
	/// Defend a computation in a dispute.
	Defend(DisputeId),
	/// Pursue a challenge.
	Challenge(DisputeId),
	/// Sit on a dispute's jury.
	Jury(DisputeId),
}

/// Every protocol parameter; changed only by `Config::ParamsOrigin`.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ProtocolParams<Balance, BlockNumber> {
	/// The least stake a worker registers or stays online with.
	pub min_stake: Balance,
	/// Blocks unbonded stake stays held (and slashable).
	pub unbonding_period: BlockNumber,
	/// An assignee's bond as a multiple of the job's value (reward + fees)... Above one, so
	/// that a trainer caught falsifying loses several times what skipping the work saved
	/// (see the strategy table in the pallet docs).
	pub bond_ratio: FixedU128,
	/// ...but never less than this.
	pub min_bond: Balance,
	/// An auditor's bond per segment.
	pub audit_bond: Balance,
	/// A challenger's bond.
	pub challenge_bond: Balance,
	/// A juror's bond.
	pub juror_bond: Balance,
	/// The least audit rate a training job may buy.
	pub min_audit_rate: Perbill,
	/// The auditors' share of a training job's reward, added to the price.
	pub audit_fee: Perbill,
	/// The treasury's fee on every job's reward, added to the price.
	pub protocol_fee: Perbill,
	/// The part of a model's royalty that flows up its lineage, at each generation: to the
	/// owners of the datasets it was trained on and of the model it was fine-tuned from.
	pub lineage_share: Perbill,
	/// The storage deposit of a job record.
	pub job_deposit: Balance,
	/// The longest a poster may give a worker, in blocks.
	pub max_work_blocks: BlockNumber,
	/// The shortest a poster may give a worker, in blocks: a job nobody can do in time
	/// would only slash honest workers as no-shows.
	pub min_work_blocks: BlockNumber,
	/// The least reward per assigned worker (the trainer, or each replica).
	pub min_reward: Balance,
	/// Blocks after an assignment during which the worker may decline it at no cost
	/// (a job it cannot do, data it cannot verify, a price below its own).
	pub decline_window: BlockNumber,
	/// Blocks to commit a verdict (auditors, jurors).
	pub commit_window: BlockNumber,
	/// Blocks to reveal it.
	pub reveal_window: BlockNumber,
	/// Blocks between a training result and the draw of its audits, so the draw uses
	/// randomness the trainer could not know when it submitted (on a parachain: at least
	/// the lag of the relay parent, so the draw's relay block did not exist yet).
	pub audit_draw_delay: BlockNumber,
	/// Blocks after the audits are drawn during which anyone staked may challenge (at
	/// least the audit commit and reveal windows).
	pub challenge_window: BlockNumber,
	/// Blocks for each bisection move.
	pub round_window: BlockNumber,
	/// Blocks during which the appeal origin may overturn a verdict.
	pub appeal_window: BlockNumber,
	/// Jurors per dispute (odd, at most `Config::MaxJurySize`).
	pub jury_size: u32,
	/// Assignments of one job before it is refunded (no-shows).
	pub max_attempts: u8,
	/// The fraction of a losing party's remaining stake slashed on top of its bond.
	pub stake_slash: Perbill,
	/// The fraction of its bond a no-show (trainer, replica, auditor, juror) loses.
	pub no_show_slash: Perbill,
	/// The winner's share of a loser's slash.
	pub winner_share: Perbill,
	/// The majority jurors' share of a loser's slash; the rest goes to the treasury.
	pub jurors_share: Perbill,
}

impl<Balance, BlockNumber> ProtocolParams<Balance, BlockNumber>
where
	Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy,
	BlockNumber: sp_runtime::traits::AtLeast32BitUnsigned + Copy,
{
	/// The parameters a network starts with, given its token `unit`, the blocks in an
	/// `hour` and a job record's storage deposit. The runtime uses them, and the strategy
	/// simulation (`tests/strategies.rs`) proves cheating does not pay under them.
	pub fn recommended(unit: Balance, hour: BlockNumber, job_deposit: Balance) -> Self {
		let units = |n: u32| unit.saturating_mul(n.into());
		let minutes = |n: u32| {
			hour.saturating_mul(n.into()).checked_div(&60u32.into()).unwrap_or_else(Zero::zero)
		};
		let day = hour.saturating_mul(24u32.into());
		Self {
			min_stake: units(1_000),
			unbonding_period: day.saturating_mul(7u32.into()),
			// Five times the job's value: a trainer caught falsifying loses far more than
			// skipping the work saved, even when only one segment is audited.
			bond_ratio: FixedU128::from_u32(5),
			min_bond: units(10),
			audit_bond: units(10),
			challenge_bond: units(50),
			juror_bond: units(10),
			min_audit_rate: Perbill::from_percent(5),
			audit_fee: Perbill::from_percent(10),
			protocol_fee: Perbill::from_percent(2),
			// A fifth of a fine-tune's royalty goes to what it was built on, a fifth of that
			// to the generation before: the data that made a model keeps earning from it.
			lineage_share: Perbill::from_percent(20),
			job_deposit,
			max_work_blocks: day.saturating_mul(7u32.into()),
			// Enough to fetch the data and start: a deadline nobody can meet would only
			// slash honest workers as no-shows.
			min_work_blocks: minutes(10),
			min_reward: unit,
			// A minute to check the data and the price, and decline for free.
			decline_window: minutes(1),
			commit_window: minutes(10),
			reveal_window: minutes(10),
			// Past the relay parent a submission could have seen (two relay blocks).
			audit_draw_delay: 5u32.into(),
			challenge_window: hour.saturating_mul(2u32.into()),
			round_window: minutes(10),
			appeal_window: day,
			jury_size: 5,
			max_attempts: 3,
			stake_slash: Perbill::from_percent(10),
			no_show_slash: Perbill::from_percent(20),
			winner_share: Perbill::from_percent(50),
			jurors_share: Perbill::from_percent(30),
		}
	}
}

/// The randomness a future draw will use: recorded at the end of block `at` (the first
/// block whose randomness nobody could know when the draw was scheduled), and kept until
/// every draw waiting on it has been made.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SeedRecord {
	/// The seed, once block `at` has been finalized.
	pub seed: Option<Hash256>,
	/// Draws still waiting on it.
	pub waiting: u32,
}
