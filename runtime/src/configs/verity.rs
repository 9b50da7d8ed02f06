//! Verity's own pallets: dataset listings, the model registry, the compute market and its
//! rewards.

use frame_support::{
	parameter_types,
	traits::{ConstU32, EitherOf, Get, Randomness},
	PalletId,
};
use frame_system::{pallet_prelude::BlockNumberFor, EnsureRoot};
use sp_runtime::{
	traits::{BlakeTwo256, Hash as _},
	Perbill,
};

use super::governance::{Arbitration, MarketAdmin, TreasuryAccount};
use crate::{
	deposit, AccountId, Balance, Balances, BlockNumber, Datasets, Hash, Models, ParachainInfo,
	Rewards, Runtime, RuntimeEvent, RuntimeHoldReason, System, UNIT,
};

/// Root, or a passed `market_admin` referendum.
pub type MarketAdminOrRoot = EitherOf<EnsureRoot<AccountId>, MarketAdmin>;
/// Root, or a passed `arbitration` referendum.
pub type ArbitrationOrRoot = EitherOf<EnsureRoot<AccountId>, Arbitration>;

parameter_types! {
	/// A listing's record and its two index entries.
	pub const ListingDepositBase: Balance = deposit(3, 0);
	pub const ListingDepositPerByte: Balance = deposit(0, 1);
	/// Large enough that flagging is not free spam, small next to a listing's deposit.
	pub const FlagBond: Balance = 5 * UNIT;
	pub const FlagSlash: Perbill = Perbill::from_percent(50);
	pub const FlaggerReward: Perbill = Perbill::from_percent(20);
}

impl pallet_datasets::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = ListingDepositBase;
	type DepositPerByte = ListingDepositPerByte;
	type FlagBond = FlagBond;
	type FlagSlash = FlagSlash;
	type FlaggerReward = FlaggerReward;
	type Treasury = TreasuryAccount;
	type FlagOrigin = MarketAdminOrRoot;
	type MaxDescriptionLen = ConstU32<512>;
	type MaxAllowList = ConstU32<64>;
	type MaxReasonLen = ConstU32<256>;
	type WeightInfo = pallet_datasets::weights::SubstrateWeight<Runtime>;
}

impl pallet_models::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = ListingDepositBase;
	type DepositPerByte = ListingDepositPerByte;
	type MaxDescriptionLen = ConstU32<512>;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
}

/// Blocks per hour at 6-second blocks.
const HOURS: BlockNumber = 600;

parameter_types! {
	/// The compute market's starting parameters; governance (`ParamsOrigin`) tunes them.
	/// One definition, shared with the pallet's strategy simulation, which proves that no
	/// cheating strategy pays under them.
	pub ComputeParams: pallet_compute::ParamsOf<Runtime> =
		pallet_compute::ProtocolParams::recommended(UNIT, HOURS, deposit(1, 4_096));
}

/// The randomness the compute market draws workers, audits and juries from.
///
/// On a relay-chain network: the VRF output of the relay-chain block this parachain block
/// builds on (BABE's `AuthorVrfRandomness`, which every collator includes in the relay
/// state proof), hashed with the subject and the parachain block number. A collator cannot
/// grind it; it can only choose among the few recent relay parents it may build on.
///
/// Without a relay chain (the `--dev` chain: its relay state is mocked and carries no
/// randomness) it falls back to the parent block hash, which the previous block's author
/// could bias by choosing what it includes. Good enough for development only.
pub struct RelayChainRandomness;

impl RelayChainRandomness {
	fn relay_vrf_output() -> Option<[u8; 32]> {
		let proof = cumulus_pallet_parachain_system::RelayStateProof::<Runtime>::get()?;
		let validation = cumulus_pallet_parachain_system::ValidationData::<Runtime>::get()?;
		let state = cumulus_pallet_parachain_system::RelayChainStateProof::new(
			ParachainInfo::get(),
			validation.relay_parent_storage_root,
			proof,
		)
		.ok()?;
		state
			.read_optional_entry::<Option<[u8; 32]>>(
				cumulus_primitives_core::relay_chain::well_known_keys::CURRENT_BLOCK_RANDOMNESS,
			)
			.ok()
			.flatten()
			.flatten()
	}
}

impl Randomness<Hash, BlockNumberFor<Runtime>> for RelayChainRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumberFor<Runtime>) {
		let block = System::block_number();
		let seed = match Self::relay_vrf_output() {
			Some(relay) => BlakeTwo256::hash_of(&(subject, b"relay", relay, block)),
			None => BlakeTwo256::hash_of(&(subject, System::parent_hash(), block)),
		};
		(seed, block)
	}
}

impl pallet_compute::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Randomness = RelayChainRandomness;
	type Datasets = Datasets;
	type Models = Models;
	// Every share accrues in the rewards pallet and is claimed from it.
	type Rewards = Rewards;
	type Treasury = TreasuryAccount;
	type DefaultParams = ComputeParams;
	type ParamsOrigin = MarketAdminOrRoot;
	type AppealOrigin = ArbitrationOrRoot;
	type MaxWorkers = ConstU32<128>;
	type MaxDatasetsPerJob = ConstU32<4>;
	type MaxLineageDepth = ConstU32<2>;
	type MaxLineagePayments = ConstU32<12>;
	// Every run this long can still be audited at the minimum rate (5% of 320 = 16 audits):
	// a job must never pay for audits the per-job cap would silently drop.
	type MaxSegments = ConstU32<320>;
	type MaxAuditsPerJob = ConstU32<16>;
	// Four bonds per settlement call: a fully audited job finalizes in four calls, a full
	// jury is settled in two.
	type MaxBondsSettledPerCall = ConstU32<4>;
	type MaxReplicas = ConstU32<5>;
	type MaxJurySize = ConstU32<7>;
	type MaxDisputesPerJob = ConstU32<3>;
	type MaxDeviceNameLen = ConstU32<64>;
	type WeightInfo = pallet_compute::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Holds every accrued, unclaimed share.
	pub const RewardsPalletId: PalletId = PalletId(*b"vrty/rwd");
}

impl pallet_rewards::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type PalletId = RewardsPalletId;
	// A day per emission era; a worker has four weeks to claim an era's emission.
	type EraLength = ConstU32<{ 24 * HOURS }>;
	type HistoryDepth = ConstU32<28>;
	// Emission changes the supply every holder bears: the root track's bar, not a
	// market track's.
	type AdminOrigin = EnsureRoot<AccountId>;
	type WeightInfo = pallet_rewards::weights::SubstrateWeight<Runtime>;
}
