//! A test runtime: System, Balances, Datasets, Models and Compute, and helpers that drive a
//! job through its life.

use crate as pallet_compute;
use crate::*;
use core::cell::Cell;
use frame_support::{
	assert_ok, derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use pallet_datasets::Visibility;
use sp_runtime::BuildStorage;
use verity_primitives::{content::merkle_root, merkle_proof, Activation, DatasetFormat, MlpSpec};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Datasets: pallet_datasets,
		Models: pallet_models,
		Compute: pallet_compute,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type Balance = Balance;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// Has too little for any stake or escrow.
pub const PAUPER: AccountId = 4;
pub const TREASURY: AccountId = 99;
/// Ten workers, funded, not registered.
pub const WORKERS: [AccountId; 10] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
pub const FUNDS: Balance = 1_000_000;
pub const STAKE: Balance = 10_000;

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	pub const FlagSlash: Perbill = Perbill::from_percent(50);
	pub const FlaggerReward: Perbill = Perbill::from_percent(20);
}

impl pallet_datasets::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = ConstU64<100>;
	type DepositPerByte = ConstU64<1>;
	type FlagBond = ConstU64<500>;
	type FlagSlash = FlagSlash;
	type FlaggerReward = FlaggerReward;
	type Treasury = TreasuryAccount;
	type FlagOrigin = EnsureRoot<AccountId>;
	type MaxDescriptionLen = ConstU32<64>;
	type MaxAllowList = ConstU32<8>;
	type MaxReasonLen = ConstU32<64>;
	type WeightInfo = ();
}

impl pallet_models::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = ConstU64<100>;
	type DepositPerByte = ConstU64<1>;
	type MaxDescriptionLen = ConstU32<64>;
	type WeightInfo = ();
}

thread_local! {
	static SEED: Cell<u64> = const { Cell::new(0) };
}

/// Randomness for tests: the subject, the block number and a seed tests may change.
pub struct TestRandomness;
impl frame_support::traits::Randomness<sp_core::H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (sp_core::H256, u64) {
		let block = System::block_number();
		let seed = SEED.with(|s| s.get());
		(sp_io::hashing::blake2_256(&(subject, block, seed).encode()).into(), block)
	}
}

/// Changes what the draws see.
pub fn set_seed(seed: u64) {
	SEED.with(|s| s.set(seed));
}

pub const MAX_WORKERS: u32 = 16;
pub const MAX_AUDITS: u32 = 4;

frame_support::parameter_types! {
	/// Every bond of a job or a jury in one call unless a test lowers it.
	pub static BondsSettledPerCall: u32 = 64;
}
pub const MAX_SEGMENTS: u32 = 64;

impl pallet_compute::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Randomness = TestRandomness;
	type Datasets = Datasets;
	type Models = Models;
	type Rewards = PayNow<Balances, TreasuryAccount>;
	type Treasury = TreasuryAccount;
	type DefaultParams = TestParams;
	type ParamsOrigin = EnsureRoot<AccountId>;
	type AppealOrigin = EnsureRoot<AccountId>;
	type MaxWorkers = ConstU32<MAX_WORKERS>;
	type MaxDatasetsPerJob = ConstU32<3>;
	type MaxBondsSettledPerCall = BondsSettledPerCall;
	type MaxLineageDepth = ConstU32<2>;
	type MaxLineagePayments = ConstU32<8>;
	type MaxSegments = ConstU32<MAX_SEGMENTS>;
	type MaxAuditsPerJob = ConstU32<MAX_AUDITS>;
	type MaxReplicas = ConstU32<3>;
	type MaxJurySize = ConstU32<5>;
	type MaxDisputesPerJob = ConstU32<2>;
	type MaxDeviceNameLen = ConstU32<32>;
	type WeightInfo = ();
}

/// Windows of the test parameters, in blocks.
pub const COMMIT: u64 = 10;
pub const REVEAL: u64 = 10;
pub const CHALLENGE: u64 = 30;
pub const DRAW_DELAY: u64 = 2;
/// Blocks from a submission to the first block its audits can be drawn in (the seed of
/// block `draw_at` exists once that block is finalized).
pub const DRAWN: u64 = DRAW_DELAY + 1;
pub const ROUND: u64 = 5;
pub const APPEAL: u64 = 20;
pub const WORK: u64 = 50;
pub const MIN_WORK: u64 = 10;
pub const DECLINE: u64 = 3;

parameter_types! {
	pub TestParams: ParamsOf<Test> = ProtocolParams {
		min_stake: 1_000,
		unbonding_period: 100,
		bond_ratio: FixedU128::from_rational(1, 2),
		min_bond: 100,
		audit_bond: 200,
		challenge_bond: 500,
		juror_bond: 100,
		min_audit_rate: Perbill::from_percent(5),
		audit_fee: Perbill::from_percent(10),
		protocol_fee: Perbill::from_percent(2),
		lineage_share: Perbill::from_percent(20),
		job_deposit: 10,
		max_work_blocks: 1_000,
		min_work_blocks: MIN_WORK,
		min_reward: 1_000,
		decline_window: DECLINE,
		commit_window: COMMIT,
		reveal_window: REVEAL,
		audit_draw_delay: DRAW_DELAY,
		challenge_window: CHALLENGE,
		round_window: ROUND,
		appeal_window: APPEAL,
		jury_size: 3,
		max_attempts: 2,
		stake_slash: Perbill::from_percent(10),
		no_show_slash: Perbill::from_percent(20),
		winner_share: Perbill::from_percent(50),
		jurors_share: Perbill::from_percent(30),
	};
}

pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build() -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances = vec![(ALICE, FUNDS), (BOB, FUNDS), (PAUPER, 150), (TREASURY, 1)];
		balances.extend(WORKERS.iter().map(|w| (*w, FUNDS)));
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_compute::GenesisConfig::<Test> {
			tolerances: vec![(ArchitectureFamily::Mlp, Perbill::from_parts(1_000))],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			set_seed(0);
		});
		ext
	}

	/// Runs `test`, then the pallet's `try_state` invariants.
	pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
		Self::build().execute_with(|| {
			let result = test();
			Compute::do_try_state().expect("invariants hold after the test");
			result
		})
	}
}

/// Finalizes every block before `block` (recording the seeds draws wait on), then starts it.
/// Going back in time (to retry a call within a window) just sets the number.
pub fn run_to(block: u64) {
	use frame_support::traits::Hooks;
	if block < System::block_number() {
		System::set_block_number(block);
	}
	while System::block_number() < block {
		let now = System::block_number();
		Compute::on_finalize(now);
		System::set_block_number(now + 1);
	}
}

pub fn advance(blocks: u64) {
	run_to(System::block_number() + blocks);
}

pub fn capabilities() -> Capabilities<ConstU32<32>> {
	Capabilities {
		backend: Backend::Cpu,
		device: BoundedVec::truncate_from(b"test cpu".to_vec()),
		memory_mib: 16_384,
		max_parameters: 10_000_000,
		determinism: CPU_CLASS,
	}
}

/// The determinism class every mock worker declares unless a test changes it.
pub const CPU_CLASS: DeterminismClass = 1;

pub fn endpoint(who: AccountId) -> Vec<u8> {
	format!("https://worker-{who}.example").into_bytes()
}

pub fn register(workers: &[AccountId]) {
	for w in workers {
		assert_ok!(Compute::register_worker(
			RuntimeOrigin::signed(*w),
			STAKE,
			capabilities(),
			endpoint(*w)
		));
	}
}

pub fn mlp() -> ArchitectureSpec {
	ArchitectureSpec::Mlp(MlpSpec {
		inputs: 784,
		hidden: BoundedVec::truncate_from(vec![32]),
		outputs: 10,
		activation: Activation::Relu,
	})
}

pub fn content(tag: u8) -> ContentHash {
	ContentHash { root: [tag; 32], size: 1_000 }
}

/// A public dataset owned by BOB with a use fee of 1_000.
pub fn dataset(tag: u8) -> DatasetId {
	let id = pallet_datasets::NextDatasetId::<Test>::get();
	assert_ok!(Datasets::register(
		RuntimeOrigin::signed(BOB),
		content(tag),
		b"ipfs://data".to_vec(),
		DatasetFormat::IdxArchive,
		Licence::Cc0,
		1_000,
		Visibility::Public,
		vec![],
	));
	id
}

/// A model owned by BOB with an inference price of 500.
pub fn model(tag: u8) -> ModelId {
	let id = pallet_models::NextModelId::<Test>::get();
	assert_ok!(Models::register(
		RuntimeOrigin::signed(BOB),
		mlp(),
		content(tag),
		b"ipfs://model".to_vec(),
		Licence::Cc0,
		500,
		vec![],
	));
	id
}

pub const STEPS: u32 = 40;
pub const INTERVAL: u32 = 8;
pub const SEGMENTS: u32 = STEPS / INTERVAL;
pub const REWARD: Balance = 10_000;

pub fn train_spec(datasets: Vec<DatasetId>) -> JobSpec<Test> {
	JobSpec::Train(TrainSpec {
		base: TrainBase::Fresh(mlp()),
		datasets: BoundedVec::truncate_from(datasets),
		validation: None,
		optimizer: Optimizer::Sgd {
			learning_rate: Perbill::from_percent(1),
			momentum: Perbill::from_percent(90),
		},
		batch_size: 64,
		steps: STEPS,
		seed: 7,
		checkpoint_interval: INTERVAL,
		licence: Licence::Cc0,
		inference_price: 50,
	})
}

/// Audits MAX_AUDITS (4) of the SEGMENTS (5): as many as a job may have.
pub fn full_audit() -> Verification {
	Verification { audit_rate: Perbill::from_percent(80), replicas: 0 }
}

pub fn replicas(n: u8) -> Verification {
	Verification { audit_rate: Perbill::zero(), replicas: n }
}

/// Posts `spec` from ALICE and returns its id.
pub fn post(spec: JobSpec<Test>, verification: Verification) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(Compute::post_job(
		RuntimeOrigin::signed(ALICE),
		spec,
		verification,
		REWARD,
		WORK,
		Balance::MAX
	));
	id
}

pub fn job(id: JobId) -> Job<Test> {
	Jobs::<Test>::get(id).expect("job is open")
}

pub fn dispute(id: DisputeId) -> Dispute<Test> {
	Disputes::<Test>::get(id).expect("dispute is open")
}

pub fn trainer(id: JobId) -> AccountId {
	job(id).assignees[0].worker
}

/// The checkpoint hashes of an honest run of `segments` segments.
pub fn checkpoints(segments: u32) -> Vec<Hash256> {
	(0..=segments).map(|i| sp_io::hashing::blake2_256(&(b"checkpoint", i).encode())).collect()
}

/// The hash a bisection reveals for the state at `step`.
pub fn state_at(step: u32) -> Hash256 {
	sp_io::hashing::blake2_256(&(b"state", step).encode())
}

pub fn proof(leaves: &[Hash256], index: u32) -> MerkleProof {
	BoundedVec::truncate_from(merkle_proof(leaves, index as usize).unwrap())
}

pub fn result_for(segments: u32) -> TrainResult {
	TrainResult {
		weights: content(200),
		weights_uri: Uri::parse(b"https://worker.example/weights").unwrap(),
		checkpoint_root: merkle_root(checkpoints(segments)).unwrap(),
		checkpoints: segments + 1,
		metrics: Metrics { final_loss_micros: 350_000, validation_correct: 0, validation_total: 0 },
	}
}

/// The trainer submits an honest-looking result; after the draw delay the audits are drawn.
pub fn submit_and_draw(id: JobId) {
	assert_ok!(Compute::submit_result(
		RuntimeOrigin::signed(trainer(id)),
		id,
		result_for(SEGMENTS)
	));
	advance(DRAWN);
	assert_ok!(Compute::draw_audits(RuntimeOrigin::signed(BOB), id));
}

pub fn salt(who: AccountId) -> Hash256 {
	[who as u8; 32]
}

/// An auditor's report on `segment` of the honest run and the proof it reveals with: a
/// replay that reproduced the trainer's leaf (`matches`), or one that ended elsewhere.
pub fn audit_report(segment: u32, matches: bool) -> (AuditReport, MerkleProof) {
	let leaves = checkpoints(SEGMENTS);
	if matches {
		(
			AuditReport { end_state: leaves[segment as usize + 1], passed: true },
			proof(&leaves, segment + 1),
		)
	} else {
		(AuditReport { end_state: diverged(segment), passed: false }, BoundedVec::new())
	}
}

/// A replayed end state that is not the honest run's.
pub fn diverged(segment: u32) -> Hash256 {
	sp_io::hashing::blake2_256(&(b"diverged", segment).encode())
}

pub fn audit_commitment(id: JobId, who: AccountId, segment: u32, report: AuditReport) -> Hash256 {
	Compute::commitment_of(CommitKind::Audit, id, &who, (segment, report), &salt(who))
}

/// `audit`'s auditor commits `report`.
pub fn commit_report(id: JobId, audit: &Audit<AccountId, Balance>, report: AuditReport) {
	assert_ok!(Compute::commit_audit(
		RuntimeOrigin::signed(audit.auditor),
		id,
		audit.segment,
		audit_commitment(id, audit.auditor, audit.segment, report)
	));
}

/// `audit`'s auditor reveals `report` with `end_proof`.
pub fn reveal_report(
	id: JobId,
	audit: &Audit<AccountId, Balance>,
	report: AuditReport,
	end_proof: MerkleProof,
) {
	assert_ok!(Compute::reveal_audit(
		RuntimeOrigin::signed(audit.auditor),
		id,
		audit.segment,
		report,
		end_proof,
		salt(audit.auditor)
	));
}

pub fn commit_and_reveal_audits(id: JobId, verdict: impl Fn(u32) -> bool) {
	let audits = job(id).audits;
	for audit in &audits {
		commit_report(id, audit, audit_report(audit.segment, verdict(audit.segment)).0);
	}
	for audit in &audits {
		let (report, end_proof) = audit_report(audit.segment, verdict(audit.segment));
		reveal_report(id, audit, report, end_proof);
	}
}

/// Commits then reveals `vote` for every juror of `id`.
pub fn jury_votes(id: DisputeId, vote: impl Fn(AccountId) -> bool) {
	let jurors = dispute(id).jurors;
	for juror in &jurors {
		let commitment = Compute::commitment_of(
			CommitKind::Vote,
			id,
			&juror.who,
			vote(juror.who),
			&salt(juror.who),
		);
		assert_ok!(Compute::commit_vote(RuntimeOrigin::signed(juror.who), id, commitment));
	}
	for juror in &jurors {
		assert_ok!(Compute::reveal_vote(
			RuntimeOrigin::signed(juror.who),
			id,
			vote(juror.who),
			salt(juror.who)
		));
	}
}

pub fn events() -> Vec<pallet_compute::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Compute(e) = r.event { Some(e) } else { None })
		.collect()
}

pub fn held_stake(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&HoldReason::WorkerStake.into(), &who)
}

pub fn escrow(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&HoldReason::JobEscrow.into(), &who)
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}
