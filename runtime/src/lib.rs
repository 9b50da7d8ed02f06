//! # Verity runtime
//!
//! The runtime of the Verity parachain: an open market where people list datasets, register
//! models and post training, inference and evaluation jobs with escrowed payment.
//!
//! This file only names the types of the chain and composes its pallets; each pallet's
//! configuration lives in [`configs`], the runtime APIs in [`apis`] and the genesis presets
//! in [`genesis_config_presets`].
//!
//! Pallet indices are grouped by concern and leave room to grow:
//! `0..=9` system, `10..=19` monetary, `20..=29` collators, `30..=39` XCM,
//! `40..=49` account utilities, `50..=59` governance (OpenGov), `60..=69` Verity's own pallets
//! (datasets, models, compute, rewards).
#![cfg_attr(not(feature = "std"), no_std)]
// `#[frame_support::runtime]` expands deeply nested types.
#![recursion_limit = "256"]

// The WASM blob built by `build.rs` with this build's features (the node's include
// `runtime-benchmarks`): for `verity-node benchmark pallet --runtime` only.
#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// The runtime's WASM blob without `runtime-benchmarks`, whatever this build enables: the
/// runtime of the node's built-in chain specs (`dev`, `local`) and so of every network
/// Verity ships (zombienet, docker). `build.rs` builds it beside [`WASM_BINARY`].
#[cfg(feature = "std")]
pub mod production {
	#[cfg(feature = "runtime-benchmarks")]
	include!(concat!(env!("OUT_DIR"), "/verity_runtime_production"));
	#[cfg(not(feature = "runtime-benchmarks"))]
	pub use super::{WASM_BINARY, WASM_BINARY_BLOATY, WASM_BINARY_PATH};
}

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use sp_consensus_aura::sr25519::AuthorityId as AuraId;
pub use verity_primitives::{Balance, BlockNumber, MICROUNIT, MILLIUNIT, UNIT};

/// Signature of a transaction: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;

/// An account on the chain: the public key of the transaction signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Transaction counter of an account.
pub type Nonce = u32;

/// Hash of blocks, extrinsics and tries.
pub type Hash = sp_core::H256;

/// How an account is addressed in calls.
pub type Address = MultiAddress<AccountId, ()>;

/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;

/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// Checks every signed transaction passes before it dispatches. The outer
/// `StorageWeightReclaim` refunds the proof size a transaction did not use.
pub type TxExtension = cumulus_pallet_weight_reclaim::StorageWeightReclaim<
	Runtime,
	(
		frame_system::AuthorizeCall<Runtime>,
		frame_system::CheckNonZeroSender<Runtime>,
		frame_system::CheckSpecVersion<Runtime>,
		frame_system::CheckTxVersion<Runtime>,
		frame_system::CheckGenesis<Runtime>,
		frame_system::CheckEra<Runtime>,
		frame_system::CheckNonce<Runtime>,
		frame_system::CheckWeight<Runtime>,
		pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	),
>;

/// Extrinsic as it arrives from outside.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// Storage migrations run on the next runtime upgrade.
pub type Migrations = ();

/// Dispatches calls to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// Types the node handles without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	/// Keys a collator registers for a session.
	pub struct SessionKeys {
		/// Block authoring.
		pub aura: Aura,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("verity"),
	impl_name: alloc::borrow::Cow::Borrowed("verity"),
	authoring_version: 1,
	spec_version: 1,
	impl_version: 0,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time on a relay chain. Every deadline in Verity is a block count, so the
/// dev chain's faster manual-seal blocks only shorten wall-clock time, not the protocol.
pub const MILLISECS_PER_BLOCK: u64 = 6000;

/// Aura slot duration. It cannot change once the chain has started.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// Blocks per minute at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// Smallest balance an account may hold: a thousandth of a VRTY.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLIUNIT;

/// Deposit for storing `items` entries of `bytes` bytes in total.
pub const fn deposit(items: u32, bytes: u32) -> Balance {
	const PER_ITEM: Balance = UNIT / 5;
	const PER_BYTE: Balance = MICROUNIT * 100;
	(items as Balance)
		.saturating_mul(PER_ITEM)
		.saturating_add((bytes as Balance).saturating_mul(PER_BYTE))
}

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	// System.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type ParachainSystem = cumulus_pallet_parachain_system;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(3)]
	pub type ParachainInfo = parachain_info;
	#[runtime::pallet_index(4)]
	pub type WeightReclaim = cumulus_pallet_weight_reclaim;

	// Monetary.
	#[runtime::pallet_index(10)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(11)]
	pub type TransactionPayment = pallet_transaction_payment;

	// Sudo has a key only in the development and local presets; the production preset
	// has none, and OpenGov (50..=55) decides instead.
	#[runtime::pallet_index(15)]
	pub type Sudo = pallet_sudo;

	// Collators. Authorship must come before session, session before Aura.
	#[runtime::pallet_index(20)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(21)]
	pub type CollatorSelection = pallet_collator_selection;
	#[runtime::pallet_index(22)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(23)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(24)]
	pub type AuraExt = cumulus_pallet_aura_ext;

	// XCM.
	#[runtime::pallet_index(30)]
	pub type XcmpQueue = cumulus_pallet_xcmp_queue;
	#[runtime::pallet_index(31)]
	pub type PolkadotXcm = pallet_xcm;
	#[runtime::pallet_index(32)]
	pub type CumulusXcm = cumulus_pallet_xcm;
	#[runtime::pallet_index(33)]
	pub type MessageQueue = pallet_message_queue;

	// Account utilities.
	#[runtime::pallet_index(40)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(41)]
	pub type Proxy = pallet_proxy;
	#[runtime::pallet_index(42)]
	pub type Multisig = pallet_multisig;

	// Governance: OpenGov. Token holders decide by referendum on the tracks of
	// `configs::governance::tracks`; the treasury is spent the same way.
	#[runtime::pallet_index(50)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(51)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(52)]
	pub type Treasury = pallet_treasury;
	#[runtime::pallet_index(53)]
	pub type ConvictionVoting = pallet_conviction_voting;
	#[runtime::pallet_index(54)]
	pub type Referenda = pallet_referenda;
	#[runtime::pallet_index(55)]
	pub type Origins = crate::configs::governance::origins::pallet_verity_origins;

	// Verity: the machine-learning market.
	#[runtime::pallet_index(60)]
	pub type Datasets = pallet_datasets;
	#[runtime::pallet_index(61)]
	pub type Models = pallet_models;
	#[runtime::pallet_index(62)]
	pub type Compute = pallet_compute;
	#[runtime::pallet_index(63)]
	pub type Rewards = pallet_rewards;
}

cumulus_pallet_parachain_system::register_validate_block! {
	Runtime = Runtime,
	BlockExecutor = cumulus_pallet_aura_ext::BlockExecutor::<Runtime, Executive>,
}

#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
