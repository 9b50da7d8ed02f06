//! # Compute pallet
//!
//! The compute market of Verity: staked workers run training, inference and evaluation
//! jobs off-chain, are paid from the poster's escrow, and are kept honest by random
//! audits and on-chain dispute resolution.
//!
//! ## Overview
//!
//! **Workers** register with a stake held under [`HoldReason::WorkerStake`] (at least
//! [`ProtocolParams::min_stake`]), their [`Capabilities`] and an endpoint where they serve
//! checkpoints. Every duty a worker takes (a job, an audit, a challenge, a jury seat)
//! commits a bond from its free stake, so misbehaving in any role is slashable. Unbonded
//! stake stays held and slashable for [`ProtocolParams::unbonding_period`].
//!
//! **Jobs** ([`JobSpec`]) are posted with a [`Quote`] held in escrow from the poster:
//! the worker reward, the auditors' fee, every dataset's use fee and the model's royalty
//! (to their owners; `lineage_share` of the royalty flows up the model's lineage to its
//! parent's owner and the owners of the data it was trained on, see `lineage.rs`), the
//! protocol fee and a record deposit. Workers are drawn at random
//! from the online set, weighted by free stake × reputation, among those whose declared
//! model size fits and who may read the datasets (never the poster).
//!
//! **Training** (`Assigned → AwaitingAudits → Auditing → finalized`): the trainer submits
//! the final weights hash and the Merkle root over its checkpoint hashes. Only
//! `audit_draw_delay` blocks later does the chain draw which segments are audited and by
//! whom ([`draw_audits`](Pallet::draw_audits)), from randomness that did not exist when the
//! trainer committed, so it cannot know which steps will be replayed (nor time its
//! submission to a favourable draw). Auditors commit, then reveal, a verdict. A failing verdict opens a dispute;
//! any staked worker may also [`challenge`](Pallet::challenge) a segment during the
//! challenge window. With no dispute left when the window ends, the job finalizes: the
//! model is registered with its lineage in the models pallet and the escrow is paid out
//! through [`RouteRewards`] (in the runtime, `pallet-rewards`: each share accrues and its
//! earner claims it), which also learns each worker's verified work for emission.
//!
//! **Inference and evaluation** run on [`Verification::replicas`] workers who commit, then
//! reveal, their output. Agreement finalizes (an evaluation's score is written to the model
//! registry); disagreement goes to a jury.
//!
//! **Disputes** bisect a training segment: the defender reveals the segment's checkpoint
//! hashes (with Merkle proofs against its root), then the state hash at each midpoint; the
//! challenger says which half it disputes, until one step remains (`⌈log2 K⌉` rounds). A
//! jury of staked workers (not the parties) re-executes that step and commits, then
//! reveals, whether the defender was right. The loser's bond and a part of its stake are
//! slashed to the winner, the majority jurors and the treasury, after an appeal window in
//! which `Config::AppealOrigin` may overturn the verdict. A party that misses a deadline
//! loses; a defender that does not serve a requested state is voted wrong by the jury.
//!
//! Every deadline is enforced by a permissionless, weighed call —
//! [`process_job`](Pallet::process_job) and [`process_dispute`](Pallet::process_dispute) —
//! never by scanning storage in a hook. Settlement touches at most
//! `Config::MaxBondsSettledPerCall` bonds per call: a job's audits, a verdict's jurors and a
//! refunded job's bonds and disputes are settled in bounded batches, each call saying how
//! many are left (`AuditsSettled`, `JurorsSettled`, `BondsFreed`); the call that settles the
//! last one pays out, settles the parties or refunds.
//!
//! ## Security of the audit
//!
//! A trainer that falsifies `f` of `n` segments, with `a` segments audited (drawn uniformly
//! without replacement after it committed), escapes every audit with probability
//! `C(n−f, a) / C(n, a)` ≤ `(1 − a/n)^f` — see [`audit::escape_probability`]. Audits that
//! fall to the cheater's own sybils (a share `s` of the stake) do not count, so detection
//! is about `1 − (1 − (1 − s)·a/n)^f`. A rate the per-job cap cannot honour is refused.
//!
//! **A pass costs the replay it claims.** Workers declare a *determinism class*
//! ([`DeterminismClass`]: backend, kernels, CPU features); auditors of the trainer's class
//! are drawn first, and such an *exact* audit commits to the hash of the checkpoint its
//! replay ended with before the trainer's leaf is public, then reveals it with the leaf's
//! Merkle proof: the chain passes it only on equality, and any mismatch opens a dispute of
//! its own (should the trainer's leaf turn out to be the auditor's state after all, the
//! audit is vindicated). Cross-class audits fall back to the ε verdict. Every auditor that
//! passed a segment its trainer later loses is slashed like the trainer. A failing audit
//! always opens a dispute, whatever challengers hold; a defender that beats an audit earns
//! nothing from the auditor's slash, so withholding checkpoints from auditors cannot pay.
//!
//! **Draws cannot be timed.** Audit and jury draws are scheduled for a block when they
//! become possible; that block's randomness is recorded when it is finalized ([`Seeds`])
//! and used whoever calls the draw, whenever.
//!
//! **Prices.** Bonds are a multiple ([`ProtocolParams::bond_ratio`], 5 by default) of the
//! job's value; jurors who vote against the verdict or not at all lose their bond to the
//! majority; slashes reach stake that is unbonding; an escalation the appeal origin leaves
//! unruled refunds the job.
//!
//! The strategy simulation (`src/tests/strategies.rs`) plays each strategy against this
//! pallet under [`ProtocolParams::recommended`] (the runtime's defaults: a 100 UNIT job of
//! 20 segments audited at the minimum 5%, workers staking 2 000 UNIT, compute costing half
//! the reward), weighting the worlds where the cheat is caught and where it escapes by
//! their exact probabilities:
//!
//! | strategy | caught | mean net gain | what cheating saved | loss ÷ saved |
//! |---|---|---|---|---|
//! | trainer falsifies 1 segment of 20 | 5.0% | −37.70 UNIT | 2.50 UNIT | 16× |
//! | trainer falsifies 10% of segments | 10.0% | −75.40 UNIT | 5.00 UNIT | 16× |
//! | trainer falsifies every segment | 100% | −754.00 UNIT | 50.00 UNIT | 16× |
//! | trainer with 20% of the stake falsifies 1 segment | 4.0% | −30.13 UNIT | 2.50 UNIT | 13× |
//! | trainer's sybils fill the dispute slots, it falsifies 1 | 5.0% | −271.71 UNIT | 2.50 UNIT | 110× |
//! | trainer withholds checkpoints from auditors | — | ±0 | 0 | — |
//! | lazy auditor (passes without replaying) | 100% | −216.50 UNIT | 2.50 UNIT | 88× |
//! | auditor copies a falsifying trainer's leaked leaves | 100% | −339.50 UNIT | 2.50 UNIT | 137× |
//! | random juror | 50% | −25.81 UNIT | 0.31 UNIT | 84× |
//! | silent juror | 100% | −51.93 UNIT | 0.31 UNIT | 167× |
//! | frivolous challenger | 100% | −245.00 UNIT | 0 | — |
//! | two of three replicas collude on a wrong output | 100% | −1 284.67 UNIT | 33.33 UNIT | 40× |
//! | poster forces no-shows | refused or declined | ±0 | 0 | — |
//! | trainer starts from other weights than the seed's | 100% | −754.00 UNIT | 50.00 UNIT | 16× |
//! | trainer delivers weights that are not its last checkpoint | 100% | −804.00 UNIT | 0 | — |
//!
//! For a single faked segment the loss ÷ saved ratio is about `16 · a · (1 − s)`: at the
//! minimum rate (one audit in 20 segments) it stays above 10× while the cheater holds less
//! than about 37% of the stake; each further audited segment adds 16×.
//!
//! **Both ends of a run are bound.** Any staked worker (every auditor checks both, cheaply)
//! may [`challenge_binding`](Pallet::challenge_binding): that checkpoint 0 is the seed's
//! initial weights or the base model's, or that the delivered weights are the last
//! checkpoint's parameters. The defender reveals that leaf with its proof and a jury
//! decides; a lost binding fails the job like a lost segment. The weights hash itself is
//! reserved for the job from submission on, so nobody can register it first.
//!
//! Still open, by design of private data: a poster that owns a private dataset chooses its
//! readers (hence the auditors and jurors) before posting. They are public on chain and
//! frozen while the job is open, and such a poster only pays itself.
//!
//! ## Randomness
//!
//! Draws mix `Config::Randomness` with the job or dispute id and a purpose tag. On a relay
//! network the runtime passes the relay chain's VRF randomness; the dev chain falls back to
//! the parent block hash, which a block author can bias (see the runtime's
//! `configs/verity.rs`).
//!
//! ## Pallet API
//!
//! Workers: [`register_worker`](Pallet::register_worker), [`add_stake`](Pallet::add_stake),
//! [`unbond`](Pallet::unbond), [`withdraw_unbonded`](Pallet::withdraw_unbonded),
//! [`set_capabilities`](Pallet::set_capabilities), [`go_offline`](Pallet::go_offline),
//! [`go_online`](Pallet::go_online).
//! Jobs: [`post_job`](Pallet::post_job), [`submit_result`](Pallet::submit_result),
//! [`draw_audits`](Pallet::draw_audits),
//! [`commit_audit`](Pallet::commit_audit), [`reveal_audit`](Pallet::reveal_audit),
//! [`commit_output`](Pallet::commit_output), [`reveal_output`](Pallet::reveal_output),
//! [`decline`](Pallet::decline), [`process_job`](Pallet::process_job).
//! Disputes: [`challenge`](Pallet::challenge), [`challenge_binding`](Pallet::challenge_binding),
//! [`reveal_leaf`](Pallet::reveal_leaf), [`reveal_endpoints`](Pallet::reveal_endpoints),
//! [`reveal_midpoint`](Pallet::reveal_midpoint), [`choose_half`](Pallet::choose_half),
//! [`commit_vote`](Pallet::commit_vote), [`reveal_vote`](Pallet::reveal_vote),
//! [`process_dispute`](Pallet::process_dispute), [`rule`](Pallet::rule).
//! Governance: [`set_params`](Pallet::set_params), [`set_tolerance`](Pallet::set_tolerance).
//!
//! A worker learns its work from the [`runtime_api::ComputeApi`] (`duties`, `job`,
//! `dispute`, `quote`), backed by the [`Duties`] index.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

pub mod audit;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod disputes;
mod draw;
mod invariants;
mod jobs;
mod lineage;
#[cfg(test)]
mod mock;
pub mod rewards;
pub mod runtime_api;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;
mod workers;

pub use rewards::PayNow;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	defensive,
	pallet_prelude::*,
	traits::{
		fungible::{self, Inspect, MutateHold},
		Randomness,
	},
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Saturating, Zero},
	FixedPointNumber, FixedU128, Perbill,
};
pub use verity_primitives::{
	ArchitectureFamily, ArchitectureSpec, ContentHash, DatasetId, DatasetInspect, Hash256, JobId,
	Licence, ModelId, ModelRegistry, Readers, RouteRewards, Share, Uri, UriError,
};

/// Balance type of the currency stakes and escrows are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Funds taken out of a hold, on their way to whoever earned them.
pub type CreditOf<T> =
	fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// The protocol parameters with this runtime's types.
pub type ParamsOf<T> = ProtocolParams<BalanceOf<T>, BlockNumberFor<T>>;

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

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A worker's stake, including bonds committed from it and stake unbonding.
		WorkerStake,
		/// A job's escrow (its whole quote) held from the poster.
		JobEscrow,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The currency stakes and escrows are held in; slashes leave a hold as a credit.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The source of the assignment, audit and jury draws.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// The dataset listings: access, owners and use fees.
		type Datasets: DatasetInspect<Self::AccountId, BalanceOf<Self>>;

		/// The model registry: architectures, royalties, and where results are written.
		type Models: ModelRegistry<Self::AccountId, BalanceOf<Self>>;

		/// Where payments and slashes go (the rewards pallet, or [`PayNow`]).
		type Rewards: RouteRewards<Self::AccountId, CreditOf<Self>>;

		/// The treasury's account.
		type Treasury: Get<Self::AccountId>;

		/// The protocol parameters until governance sets others.
		type DefaultParams: Get<ParamsOf<Self>>;

		/// Who may change the protocol parameters.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Who may overturn a jury's verdict or rule on an escalated dispute.
		type AppealOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The most workers online at once (the assignment draw reads them all).
		#[pallet::constant]
		type MaxWorkers: Get<u32>;

		/// The most datasets a training job reads, validation included.
		#[pallet::constant]
		type MaxDatasetsPerJob: Get<u32>;

		/// Generations of a model's lineage its royalty flows up (0: the owner keeps it).
		#[pallet::constant]
		type MaxLineageDepth: Get<u32>;

		/// The most recipients of a royalty's lineage share in one quote; past it, the rest
		/// stays with the model's owner.
		#[pallet::constant]
		type MaxLineagePayments: Get<u32>;

		/// The most segments a training job may have.
		#[pallet::constant]
		type MaxSegments: Get<u32>;

		/// The most segments audited per training job.
		#[pallet::constant]
		type MaxAuditsPerJob: Get<u32>;

		/// The most bonds one settlement call frees or slashes: the audits `process_job`
		/// settles (each with its fee) once the challenge window closed, the bonds and
		/// disputes a refunding job frees per `process_job` call, the jurors
		/// `process_dispute` (or `rule`) settles per call. More take several calls, so no
		/// call settles every auditor or juror at once.
		#[pallet::constant]
		type MaxBondsSettledPerCall: Get<u32>;

		/// The most replicas of an inference or evaluation job.
		#[pallet::constant]
		type MaxReplicas: Get<u32>;

		/// The largest jury.
		#[pallet::constant]
		type MaxJurySize: Get<u32>;

		/// The most disputes open at once over one job.
		#[pallet::constant]
		type MaxDisputesPerJob: Get<u32>;

		/// The longest device name, in bytes.
		#[pallet::constant]
		type MaxDeviceNameLen: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The protocol parameters, once governance changed them from `Config::DefaultParams`.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, ParamsOf<T>, ValueQuery, T::DefaultParams>;

	/// The tolerance ε per architecture family: the largest relative L2 distance (max over
	/// tensors) between a replayed and a claimed state that still counts as honest.
	#[pallet::storage]
	pub type Tolerances<T> = StorageMap<_, Twox64Concat, ArchitectureFamily, Perbill, ValueQuery>;

	/// Registered workers.
	#[pallet::storage]
	pub type Workers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Worker<T>>;

	/// The online workers as the draw sees them.
	#[pallet::storage]
	pub type Candidates<T: Config> = StorageValue<
		_,
		BoundedVec<Candidate<T::AccountId, BalanceOf<T>>, T::MaxWorkers>,
		ValueQuery,
	>;

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T> = StorageValue<_, JobId, ValueQuery>;

	/// Open jobs.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, Job<T>>;

	/// The id the next dispute gets.
	#[pallet::storage]
	pub type NextDisputeId<T> = StorageValue<_, DisputeId, ValueQuery>;

	/// Open disputes.
	#[pallet::storage]
	pub type Disputes<T: Config> = StorageMap<_, Twox64Concat, DisputeId, Dispute<T>>;

	/// Randomness recorded for draws scheduled at a block (audit and jury draws), written
	/// when that block is finalized and removed once every waiting draw used it.
	#[pallet::storage]
	pub type Seeds<T: Config> = StorageMap<_, Twox64Concat, BlockNumberFor<T>, SeedRecord>;

	/// Each worker's open duties.
	#[pallet::storage]
	pub type Duties<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, Duty, ()>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial tolerance ε of each architecture family.
		pub tolerances: Vec<(ArchitectureFamily, Perbill)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (family, epsilon) in &self.tolerances {
				Tolerances::<T>::insert(family, epsilon);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A worker registered and is online.
		WorkerRegistered { worker: T::AccountId, stake: BalanceOf<T> },
		/// A worker added stake.
		StakeAdded { worker: T::AccountId, amount: BalanceOf<T> },
		/// A worker started unbonding stake.
		UnbondingStarted {
			worker: T::AccountId,
			amount: BalanceOf<T>,
			unlock_at: BlockNumberFor<T>,
		},
		/// Unbonded stake was released to the worker.
		Withdrawn { worker: T::AccountId, amount: BalanceOf<T> },
		/// A worker with no stake left was removed.
		WorkerDeregistered { worker: T::AccountId },
		/// A worker changed its capabilities or endpoint.
		CapabilitiesSet { worker: T::AccountId },
		/// A worker left the assignment draw.
		WentOffline { worker: T::AccountId },
		/// A worker joined the assignment draw.
		WentOnline { worker: T::AccountId },
		/// The online set was full: the candidate with the least draw weight left it for a
		/// better-staked newcomer.
		Evicted { worker: T::AccountId, by: T::AccountId },
		/// Part of a worker's stake was slashed.
		Slashed { worker: T::AccountId, amount: BalanceOf<T> },
		/// A job was posted and its price held.
		JobPosted { job: JobId, poster: T::AccountId, total: BalanceOf<T> },
		/// Workers were assigned to a job.
		JobAssigned { job: JobId, workers: Vec<T::AccountId>, until: BlockNumberFor<T> },
		/// A trainer submitted its result; its audits may be drawn from block `draw_at`.
		ResultSubmitted {
			job: JobId,
			weights: ContentHash,
			checkpoint_root: Hash256,
			draw_at: BlockNumberFor<T>,
		},
		/// Segments of a training run were drawn for audit.
		AuditsDrawn { job: JobId, audits: Vec<(u32, T::AccountId)> },
		/// An auditor committed its verdict.
		AuditCommitted { job: JobId, segment: u32 },
		/// An auditor revealed its report; `passed` is the audit's outcome (for an exact
		/// audit: whether `end_state` is the trainer's end-of-segment leaf).
		AuditRevealed { job: JobId, segment: u32, end_state: Hash256, passed: bool },
		/// A batch of a finished job's audits was settled; `remaining` are left for the next
		/// `process_job` calls, the last of which finalizes the job.
		AuditsSettled { job: JobId, remaining: u32 },
		/// A batch of a refunding job's bonds was freed (its disputes' included); `remaining`
		/// bonds are left for the next `process_job` calls, the last of which refunds.
		BondsFreed { job: JobId, remaining: u32 },
		/// A batch of a verdict's jurors was settled; `remaining` are left for the next
		/// `process_dispute` calls, the last of which settles the parties.
		JurorsSettled { dispute: DisputeId, remaining: u32 },
		/// A replica committed its output.
		OutputCommitted { job: JobId, worker: T::AccountId },
		/// A replica revealed its output.
		OutputRevealed { job: JobId, worker: T::AccountId, output: JobOutput },
		/// A worker missed a deadline of a job.
		DeadlineMissed { job: JobId, worker: T::AccountId },
		/// An assigned worker declined the job within the decline window, at no cost.
		Declined { job: JobId, worker: T::AccountId },
		/// A job ended successfully and its escrow was paid out.
		JobFinalized { job: JobId, model: Option<ModelId>, output: Option<JobOutput> },
		/// A finalized training job's model could not be registered (e.g. the weights are
		/// already registered); the workers were still paid.
		ModelNotRegistered { job: JobId, error: DispatchError },
		/// A job's trainer lost a dispute; the escrow went back to the poster.
		JobFailed { job: JobId },
		/// No worker could (or would) do a job; the escrow went back to the poster.
		JobExpired { job: JobId },
		/// A dispute was opened.
		DisputeOpened {
			dispute: DisputeId,
			job: JobId,
			defender: T::AccountId,
			challenger: T::AccountId,
		},
		/// The defender revealed a state; the disputed range is now `[start, end)`.
		RangeNarrowed { dispute: DisputeId, start: u32, end: u32 },
		/// The defender revealed the leaf at an end of its run that a binding dispute is about.
		LeafRevealed { dispute: DisputeId, end: RunEnd, leaf: Hash256 },
		/// The defender revealed the state at a midpoint.
		MidpointRevealed { dispute: DisputeId, step: u32, state: Hash256 },
		/// A jury was drawn.
		JuryDrawn { dispute: DisputeId, jurors: Vec<T::AccountId> },
		/// A juror committed its vote.
		VoteCommitted { dispute: DisputeId, juror: T::AccountId },
		/// A juror revealed its vote.
		VoteRevealed { dispute: DisputeId, juror: T::AccountId, defender_correct: bool },
		/// No jury could decide; the appeal origin must rule by `until`.
		DisputeEscalated { dispute: DisputeId, until: BlockNumberFor<T> },
		/// An escalated dispute was not ruled in time: its job was refunded, nobody slashed.
		DisputeTimedOut { dispute: DisputeId },
		/// A failing exact audit's replayed end state turned out to be the trainer's leaf:
		/// the audit passed after all, and the dispute it opened ended without a loser.
		AuditVindicated { dispute: DisputeId, job: JobId, segment: u32 },
		/// The jury of a dispute will be drawn from the randomness of block `at`.
		JuryScheduled { dispute: DisputeId, at: BlockNumberFor<T> },
		/// A verdict was reached; it is enforced after the appeal window.
		DisputeDecided { dispute: DisputeId, defender_correct: bool, enforce_at: BlockNumberFor<T> },
		/// The appeal origin ruled.
		DisputeRuled { dispute: DisputeId, defender_correct: bool },
		/// A verdict was enforced.
		DisputeSettled { dispute: DisputeId, loser: T::AccountId, slashed: BalanceOf<T> },
		/// A dispute ended without a verdict because its job ended.
		DisputeDropped { dispute: DisputeId },
		/// The protocol parameters changed.
		ParamsSet,
		/// An architecture family's tolerance changed.
		ToleranceSet { family: ArchitectureFamily, epsilon: Perbill },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The protocol parameters are inconsistent (see `set_params`).
		InvalidParams,
		/// The account is already a registered worker.
		AlreadyRegistered,
		/// The account is not a registered worker.
		NotWorker,
		/// The stake would be below the minimum.
		StakeTooLow,
		/// The account cannot afford the stake or the escrow.
		InsufficientBalance,
		/// The online set is full and every candidate in it weighs at least as much.
		TooManyWorkers,
		/// The URI was refused; the reason says why.
		InvalidUri(UriError),
		/// The stake is committed to open duties; finish them first.
		StakeBonded,
		/// Nothing is unbonding, or it is not yet unlocked.
		NothingToWithdraw,
		/// The worker is already online.
		AlreadyOnline,
		/// The worker is already offline.
		AlreadyOffline,
		/// A dataset does not exist, is retired, or the poster may not use it.
		DatasetUnavailable,
		/// A dataset is listed twice.
		DuplicateDataset,
		/// More datasets than a job may read.
		TooManyDatasets,
		/// A training job needs at least one dataset.
		NoDataset,
		/// The model does not exist or is retired.
		ModelUnavailable,
		/// The architecture spec is not one the ML crate runs.
		InvalidArchitecture,
		/// The licence is a custom one whose name is empty or not printable ASCII.
		InvalidLicence,
		/// Steps, batch size, checkpoint interval or learning rate is zero, or the interval
		/// exceeds the steps.
		InvalidTrainingPlan,
		/// The run would have more segments than allowed.
		TooManySegments,
		/// The audit rate is below the protocol minimum.
		AuditRateTooLow,
		/// The audit rate asks for more audited segments than a job may have
		/// (`MaxAuditsPerJob`); use longer segments or a lower rate.
		AuditRateUnachievable,
		/// Replicas must be at least 2 and at most `MaxReplicas`.
		InvalidReplicas,
		/// The work deadline is shorter or longer than the protocol allows.
		InvalidDeadline,
		/// The reward per assigned worker is below the protocol minimum.
		RewardTooLow,
		/// The decline window of this assignment has passed, or the worker already
		/// committed to it.
		DeclineWindowClosed,
		/// The price exceeds the poster's limit (prices changed since the quote).
		PriceAboveLimit,
		/// No eligible worker is online with enough free stake.
		NoEligibleWorker,
		/// The job does not exist (or has ended).
		UnknownJob,
		/// The caller is not assigned to this job.
		NotAssigned,
		/// The job is not in the state this call needs.
		WrongJobState,
		/// The deadline of this step has passed.
		DeadlinePassed,
		/// The deadline this call enforces has not passed yet.
		TooEarly,
		/// The number of checkpoints does not match the job's segments.
		WrongCheckpointCount,
		/// The segment is not one of the run's, or not audited by the caller.
		UnknownSegment,
		/// Already committed.
		AlreadyCommitted,
		/// Nothing committed to reveal.
		NotCommitted,
		/// Already revealed.
		AlreadyRevealed,
		/// The revealed value and salt do not match the commitment.
		CommitmentMismatch,
		/// The output kind does not fit the job (predictions for inference, a score for
		/// evaluation), or the score counts more correct labels than samples.
		InvalidOutput,
		/// Some replicas have not committed yet; outputs stay hidden until all have.
		RevealNotOpen,
		/// The trainer cannot challenge itself.
		OwnComputation,
		/// This segment is already disputed.
		AlreadyDisputed,
		/// Too many disputes are open over this job.
		TooManyDisputes,
		/// The challenge window has ended.
		ChallengeWindowClosed,
		/// The dispute does not exist (or has ended).
		UnknownDispute,
		/// The dispute is not in the phase this call needs.
		WrongDisputePhase,
		/// Only the defender may make this move.
		NotDefender,
		/// Only the challenger may make this move.
		NotChallenger,
		/// The caller is not on this dispute's jury.
		NotJuror,
		/// A Merkle proof does not lead to the committed checkpoint root.
		InvalidProof,
		/// Open disputes must end before the job can finalize.
		DisputesOpen,
		/// The job is being refunded: its disputes are dropped, nothing more can be played.
		JobRefunding,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			// `on_finalize` reads this block's seed request and may record the seed.
			T::DbWeight::get().reads_writes(1, 1)
		}

		fn on_finalize(n: BlockNumberFor<T>) {
			Self::record_seed(n);
		}

		fn integrity_test() {
			assert!(T::MaxBondsSettledPerCall::get() > 0, "settlement calls must settle bonds");
			assert!(
				T::MaxDatasetsPerJob::get() <= verity_primitives::MAX_TRAINING_DATASETS,
				"a trained model must record every dataset its job read"
			);
			assert!(
				Pallet::<T>::validate_params(&T::DefaultParams::get()).is_ok(),
				"Config::DefaultParams are inconsistent"
			);
			assert!(
				T::DefaultParams::get().min_audit_rate.mul_ceil(T::MaxSegments::get())
					<= T::MaxAuditsPerJob::get(),
				"a run of MaxSegments cannot be audited at the minimum rate within MaxAuditsPerJob"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a worker with `stake` held, and puts it online.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_worker())]
		pub fn register_worker(
			origin: OriginFor<T>,
			stake: BalanceOf<T>,
			capabilities: Capabilities<T::MaxDeviceNameLen>,
			endpoint: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_worker(who, stake, capabilities, endpoint)
		}

		/// Holds `amount` more stake.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::add_stake())]
		pub fn add_stake(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_stake(who, amount)
		}

		/// Starts unbonding `amount` of free stake. The rest must stay at or above the
		/// minimum, or be zero (leaving; the worker goes offline).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who, amount)
		}

		/// Releases unlocked stake; removes the worker once nothing is left.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(who)
		}

		/// Replaces the caller's capabilities and endpoint.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_capabilities())]
		pub fn set_capabilities(
			origin: OriginFor<T>,
			capabilities: Capabilities<T::MaxDeviceNameLen>,
			endpoint: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_capabilities(who, capabilities, endpoint)
		}

		/// Leaves the assignment draw; open duties continue.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::go_offline())]
		pub fn go_offline(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_go_offline(who)
		}

		/// Rejoins the assignment draw.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::go_online())]
		pub fn go_online(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_go_online(who)
		}

		/// Posts a job, holds its [`Quote`] (refused above `max_price`) and assigns workers.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::post_job())]
		pub fn post_job(
			origin: OriginFor<T>,
			spec: JobSpec<T>,
			verification: Verification,
			reward: BalanceOf<T>,
			work_blocks: BlockNumberFor<T>,
			max_price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_post_job(who, spec, verification, reward, work_blocks, max_price)
		}

		/// The trainer submits its result; the audits are drawn `audit_draw_delay` blocks
		/// later by [`draw_audits`](Pallet::draw_audits).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::submit_result())]
		pub fn submit_result(
			origin: OriginFor<T>,
			job: JobId,
			result: TrainResult,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_result(who, job, result)
		}

		/// An auditor commits [`Pallet::commitment_of`] `(segment, report)` ([`AuditReport`]),
		/// before the trainer's end-of-segment leaf is public.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::commit_audit())]
		pub fn commit_audit(
			origin: OriginFor<T>,
			job: JobId,
			segment: u32,
			commitment: Hash256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit_audit(who, job, segment, commitment)
		}

		/// An auditor reveals its report. An exact audit (same determinism class as the
		/// trainer) passes only if `end_proof` proves `report.end_state` to be the trainer's
		/// leaf at the segment's end; any failing audit opens a dispute of its own.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::reveal_audit())]
		pub fn reveal_audit(
			origin: OriginFor<T>,
			job: JobId,
			segment: u32,
			report: AuditReport,
			end_proof: MerkleProof,
			salt: Hash256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal_audit(who, job, segment, report, end_proof, salt)
		}

		/// A replica commits [`Pallet::commitment_of`] its output.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::commit_output())]
		pub fn commit_output(
			origin: OriginFor<T>,
			job: JobId,
			commitment: Hash256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit_output(who, job, commitment)
		}

		/// A replica reveals its output; the last reveal settles the job or opens a dispute.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::reveal_output())]
		pub fn reveal_output(
			origin: OriginFor<T>,
			job: JobId,
			output: JobOutput,
			salt: Hash256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal_output(who, job, output, salt)
		}

		/// Does what the job's deadlines allow: slashes and replaces a no-show trainer (or
		/// refunds), drops no-show replicas, or finalizes a training job whose challenge
		/// window ended; or frees the next batch of a refunding job's bonds. Anyone may call
		/// it.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::process_job())]
		pub fn process_job(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_process_job(job)
		}

		/// A staked worker challenges a segment of a submitted training run, bonding
		/// `challenge_bond` from its stake.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::challenge())]
		pub fn challenge(origin: OriginFor<T>, job: JobId, segment: u32) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_challenge(who, job, segment)
		}

		/// The defender reveals the checkpoint hashes at both ends of the disputed segment,
		/// each with its Merkle proof against the submitted root.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::reveal_endpoints())]
		pub fn reveal_endpoints(
			origin: OriginFor<T>,
			dispute: DisputeId,
			start_state: Hash256,
			start_proof: MerkleProof,
			end_state: Hash256,
			end_proof: MerkleProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal_endpoints(who, dispute, start_state, start_proof, end_state, end_proof)
		}

		/// The defender reveals the state hash at the midpoint of the disputed range.
		#[pallet::call_index(16)]
		#[pallet::weight(T::WeightInfo::reveal_midpoint())]
		pub fn reveal_midpoint(
			origin: OriginFor<T>,
			dispute: DisputeId,
			state: Hash256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal_midpoint(who, dispute, state)
		}

		/// The challenger accepts (`true`: the error is after the midpoint) or rejects
		/// (`false`: before it) the defender's midpoint state.
		#[pallet::call_index(17)]
		#[pallet::weight(T::WeightInfo::choose_half())]
		pub fn choose_half(
			origin: OriginFor<T>,
			dispute: DisputeId,
			midpoint_accepted: bool,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_choose_half(who, dispute, midpoint_accepted)
		}

		/// A juror commits [`Pallet::commitment_of`] its vote (`defender_correct`).
		#[pallet::call_index(18)]
		#[pallet::weight(T::WeightInfo::commit_vote())]
		pub fn commit_vote(
			origin: OriginFor<T>,
			dispute: DisputeId,
			commitment: Hash256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit_vote(who, dispute, commitment)
		}

		/// A juror reveals its vote; the last reveal decides the dispute.
		#[pallet::call_index(19)]
		#[pallet::weight(T::WeightInfo::reveal_vote())]
		pub fn reveal_vote(
			origin: OriginFor<T>,
			dispute: DisputeId,
			defender_correct: bool,
			salt: Hash256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal_vote(who, dispute, defender_correct, salt)
		}

		/// Does what the dispute's deadline allows: a party that missed its move loses, a
		/// jury whose time is up is tallied, a verdict past its appeal window is enforced;
		/// or settles the next batch of jurors of a verdict being enforced. Anyone may call
		/// it.
		#[pallet::call_index(20)]
		#[pallet::weight(T::WeightInfo::process_dispute())]
		pub fn process_dispute(origin: OriginFor<T>, dispute: DisputeId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_process_dispute(dispute)
		}

		/// The appeal origin rules on a dispute that is decided (within its appeal window)
		/// or escalated; the ruling is enforced at once.
		#[pallet::call_index(21)]
		#[pallet::weight(T::WeightInfo::rule())]
		pub fn rule(
			origin: OriginFor<T>,
			dispute: DisputeId,
			defender_correct: bool,
		) -> DispatchResult {
			T::AppealOrigin::ensure_origin(origin)?;
			Self::do_rule(dispute, defender_correct)
		}

		/// Replaces the protocol parameters. Running jobs keep the bonds and fees they
		/// were posted with; new deadlines use the new windows.
		#[pallet::call_index(22)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: ParamsOf<T>) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			Self::validate_params(&params)?;
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet);
			Ok(())
		}

		/// Draws the audited segments and their auditors of a submitted training result, once
		/// its draw delay has passed, and opens the audit and challenge windows. Anyone may
		/// call it.
		#[pallet::call_index(24)]
		#[pallet::weight(T::WeightInfo::draw_audits())]
		pub fn draw_audits(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_draw_audits(job)
		}

		/// An assigned worker declines the job within `decline_window` blocks of its
		/// assignment, before committing anything: its bond is freed and another worker is
		/// drawn (the job counts an attempt; past `max_attempts` it is refunded).
		#[pallet::call_index(25)]
		#[pallet::weight(T::WeightInfo::decline())]
		pub fn decline(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_decline(who, job)
		}

		/// A staked worker disputes that an end of a submitted run is bound to the job (the
		/// first checkpoint to the seed or base model, the weights to the last checkpoint),
		/// bonding `challenge_bond` from its stake.
		#[pallet::call_index(26)]
		#[pallet::weight(T::WeightInfo::challenge_binding())]
		pub fn challenge_binding(origin: OriginFor<T>, job: JobId, end: RunEnd) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_challenge_binding(who, job, end)
		}

		/// The defender of a binding dispute reveals its leaf at that end with its Merkle
		/// proof; the jury is scheduled.
		#[pallet::call_index(27)]
		#[pallet::weight(T::WeightInfo::reveal_leaf())]
		pub fn reveal_leaf(
			origin: OriginFor<T>,
			dispute: DisputeId,
			leaf: Hash256,
			proof: MerkleProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal_leaf(who, dispute, leaf, proof)
		}

		/// Sets the tolerance ε of an architecture family for jobs posted from now on.
		#[pallet::call_index(23)]
		#[pallet::weight(T::WeightInfo::set_tolerance())]
		pub fn set_tolerance(
			origin: OriginFor<T>,
			family: ArchitectureFamily,
			epsilon: Perbill,
		) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			Tolerances::<T>::insert(family, epsilon);
			Self::deposit_event(Event::ToleranceSet { family, epsilon });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The parameters in force.
	pub fn params() -> ParamsOf<T> {
		Params::<T>::get()
	}

	/// Checks that parameters are consistent: windows non-zero, the challenge window
	/// covering the audit windows, an odd jury that fits `MaxJurySize`, slash shares that
	/// do not exceed the whole, and at least one attempt.
	pub fn validate_params(params: &ParamsOf<T>) -> DispatchResult {
		let windows = [
			params.unbonding_period,
			params.max_work_blocks,
			params.min_work_blocks,
			params.audit_draw_delay,
			params.commit_window,
			params.reveal_window,
			params.round_window,
			params.appeal_window,
		];
		let audit_windows = params.commit_window.saturating_add(params.reveal_window);
		let shares =
			params.winner_share.deconstruct().saturating_add(params.jurors_share.deconstruct());
		ensure!(
			windows.iter().all(|w| !w.is_zero())
				&& params.challenge_window >= audit_windows
				&& params.jury_size >= 1
				&& params.jury_size % 2 == 1
				&& params.jury_size <= T::MaxJurySize::get()
				&& shares <= Perbill::one().deconstruct()
				&& params.max_attempts >= 1
				&& params.min_work_blocks <= params.max_work_blocks
				&& params.decline_window < params.min_work_blocks
				&& !params.min_stake.is_zero()
				&& !params.min_bond.is_zero()
				&& !params.audit_bond.is_zero()
				&& !params.challenge_bond.is_zero()
				&& !params.juror_bond.is_zero(),
			Error::<T>::InvalidParams
		);
		Ok(())
	}

	/// The commitment a party publishes before revealing `value`:
	/// `blake2_256((kind, subject, who, value, salt))`. Binding the kind of commitment (a
	/// domain tag), the job or dispute and the party's account, so a commitment can neither
	/// be copied by another party nor replayed as a different kind of reveal.
	pub fn commitment_of(
		kind: CommitKind,
		subject: u64,
		who: &T::AccountId,
		value: impl Encode,
		salt: &Hash256,
	) -> Hash256 {
		sp_io::hashing::blake2_256(&(kind.tag(), subject, who, value, salt).encode())
	}

	pub(crate) fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}
}

/// What a commitment commits to; its tag keeps the three kinds apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CommitKind {
	/// An auditor's `(segment, AuditReport)`.
	Audit,
	/// A replica's `JobOutput`.
	Output,
	/// A juror's `defender_correct`.
	Vote,
}

impl CommitKind {
	/// The domain tag hashed first.
	pub fn tag(self) -> &'static [u8] {
		match self {
			CommitKind::Audit => b"verity/compute/audit",
			CommitKind::Output => b"verity/compute/output",
			CommitKind::Vote => b"verity/compute/vote",
		}
	}
}

/// The most disputes open at once over one job: `MaxDisputesPerJob` challenges plus one per
/// audit, so a failing audit always finds room (challengers cannot crowd it out).
pub struct MaxOpenDisputes<T>(core::marker::PhantomData<T>);

impl<T: Config> Get<u32> for MaxOpenDisputes<T> {
	fn get() -> u32 {
		T::MaxDisputesPerJob::get().saturating_add(T::MaxAuditsPerJob::get())
	}
}
