//! A test runtime: System, Balances and Datasets.

use crate as pallet_datasets;
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Datasets: pallet_datasets,
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
pub const CHARLIE: AccountId = 3;
/// Has too little for any deposit.
pub const PAUPER: AccountId = 4;
pub const TREASURY: AccountId = 99;

pub const DEPOSIT_BASE: Balance = 100;
pub const DEPOSIT_PER_BYTE: Balance = 1;
pub const FLAG_BOND: Balance = 500;
pub const MAX_DESCRIPTION: u32 = 128;
pub const MAX_ALLOW_LIST: u32 = 3;

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	pub const FlagSlash: Perbill = Perbill::from_percent(50);
	pub const FlaggerReward: Perbill = Perbill::from_percent(20);
}

impl pallet_datasets::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = frame_support::traits::ConstU64<DEPOSIT_BASE>;
	type DepositPerByte = frame_support::traits::ConstU64<DEPOSIT_PER_BYTE>;
	type FlagBond = frame_support::traits::ConstU64<FLAG_BOND>;
	type FlagSlash = FlagSlash;
	type FlaggerReward = FlaggerReward;
	type Treasury = TreasuryAccount;
	type FlagOrigin = EnsureRoot<AccountId>;
	type MaxDescriptionLen = ConstU32<MAX_DESCRIPTION>;
	type MaxAllowList = ConstU32<MAX_ALLOW_LIST>;
	type MaxReasonLen = ConstU32<64>;
	type WeightInfo = ();
}

/// Builds the genesis state of a test and checks the pallet's invariants after it.
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build() -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![
				(ALICE, 100_000),
				(BOB, 100_000),
				(CHARLIE, 100_000),
				(PAUPER, 150),
				(TREASURY, 1),
			],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test`, then the pallet's `try_state` invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		Self::build().execute_with(|| {
			test();
			Datasets::do_try_state().expect("invariants hold after the test");
		});
	}
}
