//! Verity's own pallets: dataset listings and the model registry.

use frame_support::{parameter_types, traits::ConstU32, PalletId};
use frame_system::EnsureRoot;
use sp_runtime::{traits::AccountIdConversion, Perbill};

use crate::{
	deposit, AccountId, Balance, Balances, Runtime, RuntimeEvent, RuntimeHoldReason, UNIT,
};

parameter_types! {
	/// The treasury's account: the one pallet-treasury derives from this id, so slashes
	/// already land where OpenGov will spend them.
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	pub TreasuryAccount: AccountId = TreasuryPalletId::get().into_account_truncating();
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
	// Root until OpenGov lands; then a referendum track.
	type FlagOrigin = EnsureRoot<AccountId>;
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
