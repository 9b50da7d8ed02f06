//! A test runtime: System, Balances and Rewards.

use crate as pallet_rewards;
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		tokens::{Fortitude, Precision, Preservation},
		ConstU32, ConstU64,
	},
	PalletId,
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Rewards: pallet_rewards,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

pub const ED: Balance = 10;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type Balance = Balance;
	type ExistentialDeposit = ConstU64<ED>;
}

/// Pays every job.
pub const POSTER: AccountId = 1;
pub const WORKER: AccountId = 2;
pub const AUDITOR: AccountId = 3;
pub const TREASURY: AccountId = 4;
/// Has no account until paid.
pub const NEWCOMER: AccountId = 9;

pub const ERA: u64 = 10;
pub const HISTORY: u32 = 2;

parameter_types! {
	pub const RewardsPalletId: PalletId = PalletId(*b"vrty/rwd");
}

impl pallet_rewards::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type PalletId = RewardsPalletId;
	type EraLength = ConstU64<ERA>;
	type HistoryDepth = ConstU32<HISTORY>;
	type AdminOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}

/// Takes `amount` from the poster, as the compute pallet takes an escrow.
pub fn escrow(amount: Balance) -> Credit<AccountId, Balances> {
	<Balances as Balanced<AccountId>>::withdraw(
		&POSTER,
		amount,
		Precision::Exact,
		Preservation::Preserve,
		Fortitude::Polite,
	)
	.expect("the poster can pay")
}

/// Moves to block `n`, running the hooks a block runs.
pub fn run_to(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Rewards::on_initialize(next);
		Rewards::on_idle(next, frame_support::weights::Weight::MAX);
	}
}

#[derive(Default)]
pub struct ExtBuilder {
	emission: Balance,
}

impl ExtBuilder {
	pub fn emission(mut self, per_era: Balance) -> Self {
		self.emission = per_era;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(POSTER, 1_000_000), (WORKER, 100), (AUDITOR, 100), (TREASURY, 100)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_rewards::GenesisConfig::<Test> {
			emission_per_era: self.emission,
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test`, then the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Rewards::do_try_state().expect("invariants hold after the test");
		});
	}
}
