//! OpenGov: token holders decide by referendum on tracks (see [`tracks`]), voting with
//! conviction; a passed referendum's call is dispatched by the scheduler with its track's
//! origin (see [`origins`]). Proposals are stored as preimages, paid for by a hold. The
//! treasury is fed by the market (protocol fees, slash shares, referendum slashes) and
//! spent by referendum.
//!
//! `pallet-whitelist` is left out: it lets a technical collective fast-track calls that
//! token holders then approve, and Verity has no such collective yet.

pub mod origins;
pub mod tracks;

use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration,
		tokens::{pay::PayFromAccount, UnityAssetBalanceConversion},
		EitherOf, EitherOfDiverse, EqualPrivilegeOnly, LinearStoragePrice, MapSuccess,
	},
	weights::Weight,
	PalletId,
};
use frame_system::{EnsureRoot, EnsureRootWithSuccess, EnsureSigned};
use sp_runtime::{
	traits::{AccountIdConversion, Replace},
	Perbill, Permill,
};

pub use origins::{Arbitration, MarketAdmin, Pace, Treasurer};

use super::RuntimeBlockWeights;
use crate::{
	deposit, AccountId, Balance, Balances, BlockNumber, OriginCaller, Preimage, Referenda, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, System, Treasury, DAYS,
	UNIT,
};

impl origins::Config for Runtime {}

parameter_types! {
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	pub const PreimageBaseDeposit: Balance = deposit(2, 64);
	pub const PreimageByteDeposit: Balance = deposit(0, 1);
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// Enacted referenda and other scheduled calls may fill most of a block, never all.
	pub MaximumSchedulerWeight: Weight =
		Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type MaxScheduledPerBlock = frame_support::traits::ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

parameter_types! {
	/// The account the market's fees and slash shares accrue to; the same `py/trsry`
	/// address the compute and dataset pallets paid into before the treasury pallet.
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	pub TreasuryAccount: AccountId = TreasuryPalletId::get().into_account_truncating();
	pub const SpendPeriod: BlockNumber = 6 * DAYS;
	/// Nothing is burned: unspent funds stay for later spends.
	pub const Burn: Permill = Permill::zero();
	pub const PayoutPeriod: BlockNumber = 30 * DAYS;
	/// The most one `treasurer` referendum may spend; root may spend any amount.
	pub const TreasurerSpendLimit: Balance = 100_000 * UNIT;
	pub const MaxBalance: Balance = Balance::MAX;
}

/// Root spends any amount; the `treasurer` track up to [`TreasurerSpendLimit`] a spend.
pub type TreasurySpender = EitherOf<
	EnsureRootWithSuccess<AccountId, MaxBalance>,
	MapSuccess<Treasurer, Replace<TreasurerSpendLimit>>,
>;

impl pallet_treasury::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type PalletId = TreasuryPalletId;
	type Currency = Balances;
	type RejectOrigin = EitherOfDiverse<EnsureRoot<AccountId>, Treasurer>;
	type SpendPeriod = SpendPeriod;
	type Burn = Burn;
	type BurnDestination = ();
	type SpendFunds = ();
	type MaxApprovals = frame_support::traits::ConstU32<100>;
	type SpendOrigin = TreasurySpender;
	// VRTY only, paid from the treasury's own account to an account on this chain.
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = <Runtime as frame_system::Config>::Lookup;
	type Paymaster = PayFromAccount<Balances, TreasuryAccount>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutPeriod;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TreasuryBenchmarkHelper;
	type BlockNumberProvider = System;
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
}

/// Spends of VRTY to accounts made from the benchmark's seeds.
#[cfg(feature = "runtime-benchmarks")]
pub struct TreasuryBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_treasury::ArgumentsFactory<(), AccountId> for TreasuryBenchmarkHelper {
	fn create_asset_kind(_seed: u32) {}
	fn create_beneficiary(seed: [u8; 32]) -> AccountId {
		use frame_support::traits::fungible::Mutate;
		let beneficiary = AccountId::new(seed);
		// The benchmarks pay out 100 planck, below the existential deposit: the payment
		// could not create the account, so the account exists already.
		let _ = Balances::mint_into(&beneficiary, crate::EXISTENTIAL_DEPOSIT);
		beneficiary
	}
}

impl pallet_conviction_voting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_conviction_voting::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type Polls = Referenda;
	// Support is measured against the issuance that is not deactivated (the treasury's
	// idle funds are), so the dev accounts' balances can carry a referendum.
	type MaxTurnout =
		frame_support::traits::tokens::currency::ActiveIssuanceOf<Balances, AccountId>;
	type MaxVotes = frame_support::traits::ConstU32<512>;
	type VoteLockingPeriod = tracks::VoteLockingPeriod;
	type BlockNumberProvider = System;
	type VotingHooks = ();
}

parameter_types! {
	pub const SubmissionDeposit: Balance = 10 * UNIT;
}

impl pallet_referenda::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type RuntimeCall = RuntimeCall;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = EnsureSigned<AccountId>;
	type CancelOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	// The deposits of killed referenda go to the treasury.
	type Slash = Treasury;
	type Votes = pallet_conviction_voting::VotesOf<Runtime>;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = frame_support::traits::ConstU32<100>;
	type UndecidingTimeout = tracks::UndecidingTimeout;
	type AlarmInterval = frame_support::traits::ConstU32<1>;
	type Tracks = tracks::TracksInfo;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}
