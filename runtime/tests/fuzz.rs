//! The runtime fuzzer: blocks of the real `verity-runtime` (every pallet, the `development`
//! genesis) built from fuzzer bytes, with the chain's invariants checked after every block.
//!
//! Each block: `Executive::initialize_block` with an Aura slot digest, the timestamp
//! inherent, then signed extrinsics (real signatures, nonces, fees, every transaction
//! extension) of random calls from random dev accounts, some wrapped in utility batches,
//! proxies and multisig, some through sudo; then every pallet's `on_idle`/`on_finalize`
//! but parachain-system's (which needs the relay-chain inherent a collator provides).
//! Arguments are drawn from what the chain holds (listed datasets, posted jobs and their
//! assignees, open disputes), so runs reach deep states; empty blocks jump past deadlines.
//!
//! After every block: no panic, no `defensive!` failure, every pallet's `try_state`,
//! Σ (free + reserved) over all accounts = total issuance, the block's weight within the
//! maximum, and no extrinsic taking longer than `SLOWER_THAN_WEIGHT` × its declared weight
//! (an under-weighted call is a denial of service).
//!
//! Driver: a seeded deterministic loop (std only, stable Rust, reproducible from the seed
//! it prints), so the test command runs it for a fixed time. The harness reads its choices
//! from a byte slice (`Input`), so a coverage-guided driver (cargo-fuzz) can feed it later.
//!
//!   scripts/fuzz.sh [SECONDS] [SEED]
#![cfg(feature = "try-runtime")]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use codec::Encode;
use frame_support::{
	dispatch::GetDispatchInfo,
	traits::{OnFinalize, OnIdle, TryState, TryStateSelect},
	weights::Weight,
};
use pallet_compute::{
	Capabilities, JobSpec, Metrics, Optimizer, TrainBase, TrainResult, TrainSpec, Verification,
};
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::{Era, SignedPayload},
	traits::Header as _,
	BoundedVec, Digest, DigestItem, MultiAddress, MultiSignature, Perbill,
};
use verity_primitives::{
	Activation, ArchitectureSpec, ContentHash, DatasetFormat, Licence, MlpSpec, Uri,
};
use verity_runtime::{
	AccountId, AllPalletsWithSystem, Balance, Executive, Header, Runtime, RuntimeCall,
	RuntimeOrigin, TxExtension, UncheckedExtrinsic, UNIT,
};

/// How much slower than its declared weight an extrinsic may run before it counts as
/// under-weighted. Native code and an in-memory trie run faster than the WASM and RocksDB
/// the weights were measured on, so a call over this is under-weighted for real.
const SLOWER_THAN_WEIGHT: f64 = 2.0;
/// Extrinsics not timed at the start of the process.
const WARM_UP: u64 = 200;

/// The dev accounts the `development` preset funds.
const ACCOUNTS: [Sr25519Keyring; 12] = [
	Sr25519Keyring::Alice,
	Sr25519Keyring::Bob,
	Sr25519Keyring::Charlie,
	Sr25519Keyring::Dave,
	Sr25519Keyring::Eve,
	Sr25519Keyring::Ferdie,
	Sr25519Keyring::AliceStash,
	Sr25519Keyring::BobStash,
	Sr25519Keyring::CharlieStash,
	Sr25519Keyring::DaveStash,
	Sr25519Keyring::EveStash,
	Sr25519Keyring::FerdieStash,
];

/// The fuzzer's choices, read from bytes; zeros once they run out, so every input is a
/// valid program.
struct Input<'a> {
	data: &'a [u8],
}

impl Input<'_> {
	fn byte(&mut self) -> u8 {
		match self.data.split_first() {
			Some((first, rest)) => {
				self.data = rest;
				*first
			}
			None => 0,
		}
	}
	fn u32(&mut self) -> u32 {
		u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
	}
	fn u64(&mut self) -> u64 {
		(u64::from(self.u32()) << 32) | u64::from(self.u32())
	}
	/// A number in `[0, bound)`; 0 when `bound` is 0.
	fn below(&mut self, bound: u32) -> u32 {
		self.u32().checked_rem(bound).unwrap_or(0)
	}
	fn bool(&mut self) -> bool {
		self.byte() & 1 == 1
	}
	/// One of `items`, `None` when there are none.
	fn pick<'t, T>(&mut self, items: &'t [T]) -> Option<&'t T> {
		items.get(self.below(u32::try_from(items.len()).unwrap_or(u32::MAX)) as usize)
	}
	fn hash(&mut self) -> [u8; 32] {
		let mut out = [0u8; 32];
		out.iter_mut().for_each(|b| *b = self.byte());
		out
	}
	fn account(&mut self) -> Sr25519Keyring {
		ACCOUNTS[self.below(ACCOUNTS.len() as u32) as usize]
	}
	/// Amounts at the scales that matter: zero, dust, the existential deposit's order,
	/// stakes, and more than anyone holds.
	fn amount(&mut self) -> Balance {
		match self.below(6) {
			0 => 0,
			1 => Balance::from(self.below(1_000)),
			2 => UNIT / 1_000 * Balance::from(self.below(10) + 1),
			3 => UNIT * Balance::from(self.below(100) + 1),
			4 => UNIT * Balance::from(self.below(5_000) + 1_000),
			_ => UNIT * 2_000_000,
		}
	}
	fn uri(&mut self) -> Vec<u8> {
		match self.below(8) {
			0 => b"ftp://not.a.scheme".to_vec(),
			1 => vec![b'x'; 300],
			_ => format!("https://data.example.org/{}", self.below(1_000)).into_bytes(),
		}
	}
}

/// What the fuzzer saw, for the report and the regression record.
#[derive(Default)]
struct Tally {
	blocks: u64,
	extrinsics: u64,
	succeeded: u64,
	failed: u64,
	invalid: u64,
	calls: BTreeMap<String, u64>,
	worst_ratio: (f64, String),
	deepest: BTreeMap<String, u64>,
	/// Per call: (timed samples, samples slower than `SLOWER_THAN_WEIGHT` × weight).
	timing: BTreeMap<String, (u64, u64)>,
	/// Where the time went: building and applying extrinsics, closing blocks, invariants.
	spent: [Duration; 3],
}

impl Tally {
	/// Calls slower than their weight in at least 3 samples and a tenth of them: one slow
	/// sample is the machine (another process, a page fault), a pattern is the weight.
	fn under_weighted(&self) -> Vec<String> {
		self.timing
			.iter()
			.filter(|(_, (samples, slow))| *slow >= 3 && slow * 10 >= *samples)
			.map(|(name, (samples, slow))| format!("{name}: {slow} of {samples} samples"))
			.collect()
	}
}

static DEFENSIVE_FAILURES: AtomicU64 = AtomicU64::new(0);

/// Counts `defensive!` failures (logged at error level on target `runtime::defensive`;
/// they only panic in debug builds).
struct DefensiveLogger;
impl log::Log for DefensiveLogger {
	fn enabled(&self, metadata: &log::Metadata) -> bool {
		metadata.level() == log::Level::Error
	}
	fn log(&self, record: &log::Record) {
		if record.level() == log::Level::Error && record.target().contains("defensive") {
			DEFENSIVE_FAILURES.fetch_add(1, Ordering::Relaxed);
			eprintln!("defensive failure: {}", record.args());
		}
	}
	fn flush(&self) {}
}

/// The dev accounts' key pairs and ids, derived once: each derivation runs the dev
/// phrase's PBKDF2 (milliseconds), which would otherwise dominate the run.
fn keys() -> &'static [(Sr25519Keyring, sp_core::sr25519::Pair, AccountId)] {
	static KEYS: std::sync::OnceLock<Vec<(Sr25519Keyring, sp_core::sr25519::Pair, AccountId)>> =
		std::sync::OnceLock::new();
	KEYS.get_or_init(|| ACCOUNTS.iter().map(|k| (*k, k.pair(), k.to_account_id())).collect())
}

fn account(key: Sr25519Keyring) -> AccountId {
	keys()
		.iter()
		.find(|(k, _, _)| *k == key)
		.map(|(_, _, id)| id.clone())
		.unwrap_or_else(|| key.to_account_id())
}

fn content(input: &mut Input) -> ContentHash {
	ContentHash { root: input.hash(), size: u64::from(input.below(100_000_000)) }
}

fn mlp(input: &mut Input) -> ArchitectureSpec {
	let hidden: Vec<u32> = (0..input.below(3)).map(|_| input.below(256) + 1).collect();
	ArchitectureSpec::Mlp(MlpSpec {
		inputs: if input.below(8) == 0 { input.u32() } else { 784 },
		hidden: BoundedVec::truncate_from(hidden),
		outputs: 10,
		activation: Activation::Relu,
	})
}

fn capabilities(input: &mut Input) -> Capabilities<frame_support::traits::ConstU32<64>> {
	Capabilities {
		backend: if input.bool() {
			pallet_compute::Backend::Cpu
		} else {
			pallet_compute::Backend::Gpu
		},
		device: BoundedVec::truncate_from(b"fuzz cpu".to_vec()),
		memory_mib: 8_192,
		max_parameters: if input.below(8) == 0 { 10 } else { 10_000_000 },
		determinism: input.below(2),
	}
}

/// An id among those the chain has handed out (and one past), mostly the recent ones.
fn recent(input: &mut Input, next: u64) -> u64 {
	if next == 0 || input.below(16) == 0 {
		return next;
	}
	next.saturating_sub(1 + u64::from(input.below(4)).min(next - 1))
}

// The counters are read where a call needs an id, not for every call (a long run makes
// a million calls, most of them transfers).
fn recent_job(input: &mut Input) -> u64 {
	recent(input, pallet_compute::NextJobId::<Runtime>::get())
}
fn recent_dispute(input: &mut Input) -> u64 {
	recent(input, pallet_compute::NextDisputeId::<Runtime>::get())
}
fn recent_dataset(input: &mut Input) -> u64 {
	recent(input, pallet_datasets::NextDatasetId::<Runtime>::get())
}
fn recent_model(input: &mut Input) -> u64 {
	recent(input, pallet_models::NextModelId::<Runtime>::get())
}

/// Most job calls are signed by whoever the job names (its assignees or auditors), the
/// rest by `signer`.
fn job_party(input: &mut Input, job: u64, signer: Sr25519Keyring) -> Sr25519Keyring {
	let Some(job) = pallet_compute::Jobs::<Runtime>::get(job) else { return signer };
	let parties: Vec<AccountId> = job
		.assignees
		.iter()
		.map(|a| a.worker.clone())
		.chain(job.audits.iter().map(|a| a.auditor.clone()))
		.collect();
	if parties.is_empty() || input.below(8) == 0 {
		return signer;
	}
	input.pick(&parties).and_then(keyring_of).unwrap_or(signer)
}

/// The checkpoint hashes a fuzzed trainer commits to for `job`: known to every party of
/// the run, so audits, bisection and leaf reveals can prove against the committed root.
fn checkpoint_leaf(job: u64, index: u32) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"verity/fuzz/checkpoint", job, index).encode())
}

fn checkpoint_leaves(job: u64, count: u32) -> Vec<[u8; 32]> {
	(0..count).map(|i| checkpoint_leaf(job, i)).collect()
}

fn proof(job: u64, count: u32, index: u32) -> pallet_compute::MerkleProof {
	let proof =
		verity_primitives::content::merkle_proof(&checkpoint_leaves(job, count), index as usize)
			.unwrap_or_default();
	BoundedVec::truncate_from(proof)
}

/// The salt a party uses for `subject`: derived, so its reveal finds it again.
fn salt(subject: u64, who: &AccountId) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"verity/fuzz/salt", subject, who).encode())
}

/// An auditor's report on a segment: mostly honest (the committed next checkpoint).
fn audit_report(job: u64, segment: u32) -> pallet_compute::AuditReport {
	let honest = (job + u64::from(segment)) % 4 != 0;
	pallet_compute::AuditReport {
		end_state: if honest { checkpoint_leaf(job, segment + 1) } else { [7u8; 32] },
		passed: honest,
	}
}

fn checkpoints_of(job: &pallet_compute::Job<Runtime>) -> u32 {
	match &job.spec {
		JobSpec::Train(spec) => spec.segments() + 1,
		_ => 0,
	}
}

fn keyring_of(who: &AccountId) -> Option<Sr25519Keyring> {
	keys().iter().find(|(_, _, id)| id == who).map(|(k, _, _)| *k)
}

/// Calls that need a party's knowledge (commitments, reveals, bisection moves), signed by
/// that party; `None` when the chain holds nothing to act on.
fn party_call(
	input: &mut Input,
	job_id: u64,
	dispute_id: u64,
) -> Option<(Sr25519Keyring, RuntimeCall)> {
	use pallet_compute::{Call as Compute, CommitKind, Pallet as ComputePallet};
	let job = pallet_compute::Jobs::<Runtime>::get(job_id);
	let dispute = pallet_compute::Disputes::<Runtime>::get(dispute_id);
	Some(match input.below(9) {
		0 | 1 => {
			let job = job?;
			let audit = input.pick(&job.audits)?;
			let who = audit.auditor.clone();
			let report = audit_report(job_id, audit.segment);
			let salt = salt(job_id, &who);
			let call = if audit.commitment.is_none() || input.below(4) == 0 {
				let commitment = ComputePallet::<Runtime>::commitment_of(
					CommitKind::Audit,
					job_id,
					&who,
					(audit.segment, report.clone()),
					&salt,
				);
				Compute::commit_audit { job: job_id, segment: audit.segment, commitment }
			} else {
				Compute::reveal_audit {
					job: job_id,
					segment: audit.segment,
					report,
					end_proof: proof(job_id, checkpoints_of(&job), audit.segment + 1),
					salt,
				}
			};
			(keyring_of(&who)?, call.into())
		}
		2 => {
			let job = job?;
			let assignee = input.pick(&job.assignees)?;
			let who = assignee.worker.clone();
			let output =
				pallet_compute::JobOutput::Score { correct: (job_id % 7) as u32, total: 10 };
			let salt = salt(job_id, &who);
			let call = if assignee.commitment.is_none() {
				let commitment = ComputePallet::<Runtime>::commitment_of(
					CommitKind::Output,
					job_id,
					&who,
					output,
					&salt,
				);
				Compute::commit_output { job: job_id, commitment }
			} else {
				Compute::reveal_output { job: job_id, output, salt }
			};
			(keyring_of(&who)?, call.into())
		}
		3 | 4 => {
			let dispute = dispute?;
			let juror = input.pick(&dispute.jurors)?;
			let who = juror.who.clone();
			let vote = dispute_id % 3 != 0;
			let salt = salt(dispute_id, &who);
			let call = if juror.commitment.is_none() {
				let commitment = ComputePallet::<Runtime>::commitment_of(
					CommitKind::Vote,
					dispute_id,
					&who,
					vote,
					&salt,
				);
				Compute::commit_vote { dispute: dispute_id, commitment }
			} else {
				Compute::reveal_vote { dispute: dispute_id, defender_correct: vote, salt }
			};
			(keyring_of(&who)?, call.into())
		}
		5 => {
			let dispute = dispute?;
			let job = pallet_compute::Jobs::<Runtime>::get(dispute.job)?;
			let count = checkpoints_of(&job);
			let pallet_compute::DisputeSubject::Segment { segment, .. } = dispute.subject else {
				return None;
			};
			let call = Compute::reveal_endpoints {
				dispute: dispute_id,
				start_state: checkpoint_leaf(dispute.job, segment),
				start_proof: proof(dispute.job, count, segment),
				end_state: checkpoint_leaf(dispute.job, segment + 1),
				end_proof: proof(dispute.job, count, segment + 1),
			};
			(keyring_of(&dispute.defender)?, call.into())
		}
		6 => {
			let dispute = dispute?;
			let call = Compute::reveal_midpoint { dispute: dispute_id, state: input.hash() };
			(keyring_of(&dispute.defender)?, call.into())
		}
		7 => {
			let dispute = dispute?;
			let call =
				Compute::choose_half { dispute: dispute_id, midpoint_accepted: input.bool() };
			(keyring_of(&dispute.challenger)?, call.into())
		}
		_ => {
			let dispute = dispute?;
			let job = pallet_compute::Jobs::<Runtime>::get(dispute.job)?;
			let count = checkpoints_of(&job);
			let index = input.below(count.max(1));
			let call = Compute::reveal_leaf {
				dispute: dispute_id,
				leaf: checkpoint_leaf(dispute.job, index),
				proof: proof(dispute.job, count, index),
			};
			let party = if input.bool() { &dispute.defender } else { &dispute.challenger };
			(keyring_of(party)?, call.into())
		}
	})
}

/// A call and the account that signs it, shaped by the chain's state.
fn call(input: &mut Input, depth: u32) -> (Sr25519Keyring, RuntimeCall) {
	use pallet_compute::Call as Compute;
	use pallet_datasets::Call as Datasets;
	let signer = input.account();
	let choice = input.below(if depth == 0 { 40 } else { 34 });
	let call: RuntimeCall = match choice {
		0 => pallet_balances::Call::transfer_keep_alive {
			dest: MultiAddress::Id(account(input.account())),
			value: input.amount(),
		}
		.into(),
		1 => pallet_balances::Call::transfer_allow_death {
			dest: MultiAddress::Id(account(input.account())),
			value: input.amount(),
		}
		.into(),
		2 if input.below(8) == 0 => pallet_balances::Call::transfer_all {
			dest: MultiAddress::Id(account(input.account())),
			keep_alive: input.bool(),
		}
		.into(),
		2 | 3 => Datasets::register {
			content: content(input),
			uri: input.uri(),
			format: DatasetFormat::IdxArchive,
			licence: Licence::Cc0,
			price_per_use: input.amount() / 1_000,
			visibility: if input.below(4) == 0 {
				pallet_datasets::Visibility::AllowList
			} else {
				pallet_datasets::Visibility::Public
			},
			description: vec![b'd'; input.below(600) as usize],
		}
		.into(),
		4 => {
			Datasets::set_price { id: recent_dataset(input), price_per_use: input.amount() }.into()
		}
		5 => Datasets::allow { id: recent_dataset(input), who: account(input.account()) }.into(),
		6 => Datasets::retire { id: recent_dataset(input) }.into(),
		7 => Datasets::flag { id: recent_dataset(input), reason: b"fuzz".to_vec() }.into(),
		8 => pallet_models::Call::register {
			architecture: mlp(input),
			weights: content(input),
			uri: input.uri(),
			licence: Licence::CcBy4,
			inference_price: input.amount() / 1_000,
			description: Vec::new(),
		}
		.into(),
		9 => pallet_models::Call::publish_version {
			model: recent_model(input),
			weights: content(input),
			uri: input.uri(),
		}
		.into(),
		10 => pallet_models::Call::retire { model: recent_model(input) }.into(),
		11 | 12 => Compute::register_worker {
			stake: UNIT * u128::from(input.below(3_000) + 500),
			capabilities: capabilities(input),
			endpoint: input.uri(),
		}
		.into(),
		13 => Compute::add_stake { amount: input.amount() }.into(),
		14 => Compute::unbond { amount: input.amount() }.into(),
		15 => Compute::withdraw_unbonded {}.into(),
		16 => {
			if input.bool() {
				Compute::go_offline {}.into()
			} else {
				Compute::go_online {}.into()
			}
		}
		17 if input.below(3) == 0 => Compute::post_job {
			spec: JobSpec::Evaluate { model: recent_model(input), dataset: recent_dataset(input) },
			verification: Verification {
				audit_rate: Perbill::zero(),
				replicas: input.below(4) as u8,
			},
			reward: UNIT * u128::from(input.below(500) + 1),
			work_blocks: input.below(200),
			max_price: UNIT * 10_000,
		}
		.into(),
		17..=19 => {
			let steps = input.below(64) + 1;
			let spec = JobSpec::Train(TrainSpec {
				base: if input.below(4) == 0 && pallet_models::NextModelId::<Runtime>::get() > 0 {
					TrainBase::FineTune(recent_model(input))
				} else {
					TrainBase::Fresh(mlp(input))
				},
				datasets: BoundedVec::truncate_from(vec![recent_dataset(input)]),
				validation: input.bool().then(|| recent_dataset(input)),
				optimizer: Optimizer::Sgd {
					learning_rate: Perbill::from_parts(10_000_000),
					momentum: Perbill::from_parts(input.below(1_000_000_000)),
				},
				batch_size: input.below(256) + 1,
				steps,
				seed: input.u64(),
				checkpoint_interval: input.below(steps + 1),
				licence: Licence::Cc0,
				inference_price: UNIT,
			});
			Compute::post_job {
				spec,
				verification: Verification {
					audit_rate: Perbill::from_parts(input.below(1_000_000_001)),
					replicas: input.below(3) as u8,
				},
				reward: UNIT * u128::from(input.below(500) + 1),
				work_blocks: input.below(200),
				max_price: UNIT * 10_000,
			}
			.into()
		}
		20 | 21 => {
			let job = recent_job(input);
			let signer = job_party(input, job, signer);
			let checkpoints = pallet_compute::Jobs::<Runtime>::get(job)
				.and_then(|j| match j.spec {
					JobSpec::Train(spec) => Some(spec.segments() + 1),
					_ => None,
				})
				.unwrap_or(2);
			// Mostly the root over the known checkpoints; sometimes garbage, or a wrong count.
			let checkpoint_root = if input.below(8) == 0 {
				input.hash()
			} else {
				verity_primitives::content::merkle_root(checkpoint_leaves(job, checkpoints))
					.unwrap_or_default()
			};
			let result = TrainResult {
				weights: content(input),
				weights_uri: Uri::parse(b"https://worker.example/weights").expect("a valid URI"),
				checkpoint_root,
				checkpoints: if input.below(8) == 0 { input.below(400) } else { checkpoints },
				metrics: Metrics {
					final_loss_micros: input.u32(),
					validation_correct: 0,
					validation_total: 0,
				},
			};
			return (signer, Compute::submit_result { job, result }.into());
		}
		22 => Compute::process_job { job: recent_job(input) }.into(),
		23 => Compute::draw_audits { job: recent_job(input) }.into(),
		24 => {
			let job = recent_job(input);
			return (job_party(input, job, signer), Compute::decline { job }.into());
		}
		25 => Compute::challenge { job: recent_job(input), segment: input.below(8) }.into(),
		26 | 28 | 29 | 30 => {
			let job = recent_job(input);
			let dispute = recent_dispute(input);
			if let Some(party_call) = party_call(input, job, dispute) {
				return party_call;
			}
			Compute::commit_audit { job, segment: input.below(8), commitment: input.hash() }.into()
		}
		27 => Compute::process_dispute { dispute: recent_dispute(input) }.into(),
		31 => match input.below(15) {
			0 => Compute::set_capabilities {
				capabilities: capabilities(input),
				endpoint: input.uri(),
			}
			.into(),
			1 => Compute::challenge_binding {
				job: recent_job(input),
				end: if input.bool() {
					pallet_compute::RunEnd::Start
				} else {
					pallet_compute::RunEnd::Weights
				},
			}
			.into(),
			2 => Datasets::set_uri { id: recent_dataset(input), uri: input.uri() }.into(),
			3 => Datasets::set_visibility {
				id: recent_dataset(input),
				visibility: if input.bool() {
					pallet_datasets::Visibility::AllowList
				} else {
					pallet_datasets::Visibility::Public
				},
			}
			.into(),
			4 => Datasets::disallow { id: recent_dataset(input), who: account(input.account()) }
				.into(),
			5 => pallet_models::Call::set_price {
				model: recent_model(input),
				inference_price: input.amount(),
			}
			.into(),
			6 => {
				pallet_models::Call::set_uri { model: recent_model(input), uri: input.uri() }.into()
			}
			7 => pallet_rewards::Call::claim_emission { era: input.below(4) }.into(),
			// Governance's calls: root (or a track) only; signed directly they must be refused.
			8 => Compute::set_tolerance {
				family: if input.bool() {
					verity_primitives::ArchitectureFamily::Mlp
				} else {
					verity_primitives::ArchitectureFamily::LeNet
				},
				epsilon: Perbill::from_parts(input.below(1_000_000_001)),
			}
			.into(),
			9 => Compute::rule { dispute: recent_dispute(input), defender_correct: input.bool() }
				.into(),
			10 => Datasets::resolve_flag { id: recent_dataset(input), uphold: input.bool() }.into(),
			11 => pallet_rewards::Call::set_emission { per_era: input.amount() }.into(),
			12 => {
				let mut params = pallet_compute::Pallet::<Runtime>::params();
				params.challenge_window = input.below(30);
				params.commit_window = input.below(10);
				params.reveal_window = input.below(10);
				params.jury_size = input.below(8);
				params.audit_fee = Perbill::from_parts(input.below(1_000_000_001));
				Compute::set_params { params }.into()
			}
			_ => pallet_rewards::Call::claim {}.into(),
		},
		32 => pallet_rewards::Call::claim_for { who: account(input.account()) }.into(),
		33 => pallet_proxy::Call::add_proxy {
			delegate: MultiAddress::Id(account(input.account())),
			proxy_type: Default::default(), // ProxyType::Any
			delay: 0,
		}
		.into(),
		// Wrappers: only at the top, so nesting stays shallow.
		34 | 35 => {
			let calls = (0..input.below(4) + 1).map(|_| call(input, depth + 1).1).collect();
			match input.below(3) {
				0 => pallet_utility::Call::batch { calls }.into(),
				1 => pallet_utility::Call::batch_all { calls }.into(),
				_ => pallet_utility::Call::force_batch { calls }.into(),
			}
		}
		36 => {
			let (real, inner) = call(input, depth + 1);
			pallet_proxy::Call::proxy {
				real: MultiAddress::Id(account(real)),
				force_proxy_type: None,
				call: Box::new(inner),
			}
			.into()
		}
		37 => {
			let others = vec![account(input.account())];
			let (_, inner) = call(input, depth + 1);
			pallet_multisig::Call::as_multi_threshold_1 {
				other_signatories: others,
				call: Box::new(inner),
			}
			.into()
		}
		// Root: through sudo (Alice holds the key; anyone else is refused).
		_ => {
			let (_, inner) = call(input, depth + 1);
			return (
				if input.below(4) == 0 { signer } else { Sr25519Keyring::Alice },
				pallet_sudo::Call::sudo { call: Box::new(inner) }.into(),
			);
		}
	};
	(signer, call)
}

fn tx_extension(nonce: u32) -> TxExtension {
	cumulus_pallet_weight_reclaim::StorageWeightReclaim::new((
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
	))
}

fn signed(signer: Sr25519Keyring, call: RuntimeCall) -> UncheckedExtrinsic {
	let (_, pair, who) = keys().iter().find(|(k, _, _)| *k == signer).expect("a dev account");
	let who = who.clone();
	let nonce = frame_system::Pallet::<Runtime>::account_nonce(&who);
	let extension = tx_extension(nonce);
	let payload =
		SignedPayload::new(call.clone(), extension.clone()).expect("the extensions' implicit data");
	let signature = payload.using_encoded(|bytes| sp_core::Pair::sign(pair, bytes));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(who),
		MultiSignature::Sr25519(signature),
		extension,
	)
}

fn call_name(call: &RuntimeCall) -> String {
	use frame_support::traits::GetCallMetadata;
	let meta = call.get_call_metadata();
	format!("{}.{}", meta.pallet_name, meta.function_name)
}

/// Starts block `number` in Aura slot `number` (the timestamp must match the slot).
fn open_block(number: u32, parent: sp_core::H256) {
	let slot = Slot::from(u64::from(number));
	let digest = Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode())] };
	let header = Header::new(number, Default::default(), Default::default(), parent, digest);
	Executive::initialize_block(&header);
	let now = u64::from(number) * verity_runtime::SLOT_DURATION;
	pallet_timestamp::Pallet::<Runtime>::set(RuntimeOrigin::none(), now)
		.expect("the timestamp inherent");
}

/// Ends the current block: every pallet's `on_idle` and `on_finalize` but
/// parachain-system's, then the header (its hash is the next block's parent).
fn close_block(number: u32) -> sp_core::H256 {
	use verity_runtime::*;
	frame_system::Pallet::<Runtime>::note_finished_extrinsics();
	let remaining = <Runtime as frame_system::Config>::BlockWeights::get()
		.max_block
		.saturating_sub(frame_system::Pallet::<Runtime>::block_weight().total());
	type Finalized = (
		(System, Timestamp, ParachainInfo, WeightReclaim, Balances, TransactionPayment, Sudo),
		(Authorship, CollatorSelection, Session, Aura, AuraExt),
		(XcmpQueue, PolkadotXcm, CumulusXcm, MessageQueue, Utility, Proxy, Multisig),
		(Preimage, Scheduler, Treasury, ConvictionVoting, Referenda, Origins),
		(Datasets, Models, Compute, Rewards),
	);
	<Finalized as OnIdle<u32>>::on_idle(number, remaining);
	<Finalized as OnFinalize<u32>>::on_finalize(number);
	frame_system::Pallet::<Runtime>::finalize().hash()
}

/// The invariants every block must keep.
fn check_block(number: u32) -> Result<(), String> {
	AllPalletsWithSystem::try_state(number, TryStateSelect::All)
		.map_err(|e| format!("try_state: {e:?}"))?;
	let (mut sum, issuance) = (0u128, pallet_balances::TotalIssuance::<Runtime>::get());
	for (_, info) in frame_system::Account::<Runtime>::iter() {
		sum = sum.saturating_add(info.data.free).saturating_add(info.data.reserved);
	}
	if sum != issuance {
		return Err(format!("Σ (free + reserved) = {sum} but the total issuance is {issuance}"));
	}
	let max = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
	let used = frame_system::Pallet::<Runtime>::block_weight().total();
	if used.any_gt(max) {
		return Err(format!("block weight {used:?} exceeds the maximum {max:?}"));
	}
	let defensive = DEFENSIVE_FAILURES.load(Ordering::Relaxed);
	if defensive > 0 {
		return Err(format!("{defensive} defensive failure(s) (logged above)"));
	}
	Ok(())
}

/// Runs one block from `input`; the block number and parent carry over between calls.
fn run_block(
	input: &mut Input,
	number: &mut u32,
	parent: &mut sp_core::H256,
	tally: &mut Tally,
) -> Result<(), String> {
	// Sometimes jump past deadlines with empty blocks.
	if input.below(6) == 0 {
		for _ in 0..input.below(40) {
			*number += 1;
			open_block(*number, *parent);
			*parent = close_block(*number);
		}
	}
	*number += 1;
	let building = Instant::now();
	open_block(*number, *parent);
	for _ in 0..input.below(12) + 1 {
		let (signer, call) = call(input, 0);
		let name = call_name(&call);
		let xt = signed(signer, call);
		let declared: Weight = xt.get_dispatch_info().total_weight();
		let started = Instant::now();
		let outcome = Executive::apply_extrinsic(xt);
		let took = started.elapsed();
		tally.extrinsics += 1;
		*tally.calls.entry(name.clone()).or_default() += 1;
		match outcome {
			Ok(Ok(())) => {
				tally.succeeded += 1;
				*tally.deepest.entry(name.clone()).or_default() += 1;
			}
			Ok(Err(_)) => tally.failed += 1,
			Err(_) => tally.invalid += 1,
		}
		// ref_time is in picoseconds. The first extrinsics of the process warm caches and
		// lazy tables; below 100 µs the clock and the allocator dominate.
		if tally.extrinsics > WARM_UP && took > Duration::from_micros(100) {
			let ratio = took.as_nanos() as f64 / (declared.ref_time() as f64 / 1_000.0).max(1.0);
			let timing = tally.timing.entry(name.clone()).or_default();
			timing.0 += 1;
			if ratio > SLOWER_THAN_WEIGHT {
				timing.1 += 1;
			}
			if ratio > tally.worst_ratio.0 {
				tally.worst_ratio = (
					ratio,
					format!(
						"{name}: {took:?} for {} µs of weight",
						declared.ref_time() / 1_000_000
					),
				);
			}
		}
	}
	tally.spent[0] += building.elapsed();
	let closing = Instant::now();
	*parent = close_block(*number);
	tally.blocks += 1;
	let checking = Instant::now();
	let checked = check_block(*number);
	tally.spent[1] += checking - closing;
	tally.spent[2] += checking.elapsed();
	checked
}

/// SplitMix64: the seeded driver's source of bytes.
struct SplitMix(u64);
impl SplitMix {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}
	fn bytes(&mut self, len: usize) -> Vec<u8> {
		(0..len.div_ceil(8)).flat_map(|_| self.next().to_le_bytes()).take(len).collect()
	}
}

/// Shortens the market's windows so a run reaches audits, challenges and disputes within
/// tens of blocks, as the dev chain's e2e tests do.
fn shape_parameters() {
	let mut params = pallet_compute::Pallet::<Runtime>::params();
	params.decline_window = 3;
	params.commit_window = 4;
	params.reveal_window = 4;
	params.audit_draw_delay = 1;
	params.challenge_window = 8;
	params.round_window = 4;
	params.appeal_window = 12;
	params.jury_size = 3;
	params.min_work_blocks = 5;
	params.unbonding_period = 6;
	pallet_compute::Pallet::<Runtime>::set_params(RuntimeOrigin::root(), params)
		.expect("root sets the shortened parameters");
}

#[test]
fn fuzz_the_runtime() {
	let seconds: u64 =
		std::env::var("VERITY_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
	// A long run may stop at a number of extrinsics instead (or whichever comes first).
	let target: u64 = std::env::var("VERITY_FUZZ_EXTRINSICS")
		.ok()
		.and_then(|s| s.parse().ok())
		.unwrap_or(u64::MAX);
	let seed: u64 =
		std::env::var("VERITY_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
			std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_secs())
				.unwrap_or(0)
		});
	let _ = log::set_logger(&DefensiveLogger).map(|()| log::set_max_level(log::LevelFilter::Error));
	println!("fuzz: seed {seed}, {seconds} s (VERITY_FUZZ_SEED={seed} reproduces this run)");

	let mut rng = SplitMix(seed);
	let mut tally = Tally::default();
	let deadline = Instant::now() + Duration::from_secs(seconds);
	let mut runs = 0u64;
	let mut last_report = Instant::now();
	// Each run: a fresh genesis and a sequence of blocks from one input.
	while Instant::now() < deadline && tally.extrinsics < target {
		runs += 1;
		let input_bytes = rng.bytes(64 * 1024);
		let mut ext = common::development_genesis();
		let mut number = 1u32;
		let mut parent = ext.execute_with(|| {
			open_block(number, frame_system::Pallet::<Runtime>::block_hash(0));
			shape_parameters();
			close_block(number)
		});
		let mut input = Input { data: &input_bytes };
		while !input.data.is_empty() && Instant::now() < deadline && tally.extrinsics < target {
			ext.execute_with(|| run_block(&mut input, &mut number, &mut parent, &mut tally))
				.unwrap_or_else(|e| panic!("fuzz: seed {seed}: run {runs}, block #{number}: {e}"));
			// Into the trie: the next block's storage root then costs its own changes only.
			ext.commit_all().expect("the block's changes commit");
		}
		if last_report.elapsed() > Duration::from_secs(60) {
			last_report = Instant::now();
			println!(
				"fuzz: {} runs, {} blocks, {} extrinsics ({} ok, {} failed, {} invalid)",
				runs, tally.blocks, tally.extrinsics, tally.succeeded, tally.failed, tally.invalid
			);
		}
	}
	println!(
		"fuzz: done: seed {seed}, {runs} runs, {} blocks, {} extrinsics ({} succeeded, {} failed, {} invalid), {} call kinds tried, {} succeeded at least once",
		tally.blocks,
		tally.extrinsics,
		tally.succeeded,
		tally.failed,
		tally.invalid,
		tally.calls.len(),
		tally.deepest.len()
	);
	println!(
		"fuzz: time in blocks and extrinsics {:?}, closing blocks {:?}, invariants {:?}",
		tally.spent[0], tally.spent[1], tally.spent[2]
	);
	println!(
		"fuzz: slowest against its weight: {:.2}× ({})",
		tally.worst_ratio.0, tally.worst_ratio.1
	);
	let under_weighted = tally.under_weighted();
	for (name, count) in &tally.calls {
		println!(
			"fuzz:   {name}: {count} tried, {} succeeded",
			tally.deepest.get(name).copied().unwrap_or(0)
		);
	}
	assert!(
		under_weighted.is_empty(),
		"fuzz: seed {seed}: under-weighted calls: {under_weighted:?}"
	);
}
