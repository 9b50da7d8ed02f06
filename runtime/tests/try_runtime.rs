//! The try-runtime checks on the `development` genesis: every pallet's runtime-upgrade
//! hooks with their pre/post checks, the storage version each pallet declares against the
//! one on chain, and every pallet's `try_state` invariants. A migration added to the
//! runtime's `Migrations` runs here first. `scripts/try-runtime.sh` runs it (the feature
//! set differs from the dev build's, so it is not part of `scripts/test.sh`).
#![cfg(feature = "try-runtime")]

use frame_support::traits::{GetStorageVersion, TryState, TryStateSelect};
use frame_try_runtime::UpgradeCheckSelect;
use verity_runtime::{AllPalletsWithSystem, Executive, Runtime};

mod common;
use common::development_genesis;

#[test]
fn runtime_upgrade_checks_pass_on_the_development_genesis() {
	development_genesis().execute_with(|| {
		frame_system::Pallet::<Runtime>::set_block_number(1);
		let weight = Executive::try_runtime_upgrade(UpgradeCheckSelect::All)
			.expect("every pallet's upgrade checks and try_state pass");
		println!("try_runtime_upgrade: {weight:?}");
	});
}

#[test]
fn every_verity_pallet_stores_the_version_it_declares() {
	development_genesis().execute_with(|| {
		macro_rules! check {
			($($pallet:ty),+) => {$(
				assert_eq!(
					<$pallet>::on_chain_storage_version(),
					<$pallet>::in_code_storage_version(),
					"{}",
					stringify!($pallet)
				);
			)+};
		}
		check!(
			pallet_datasets::Pallet<Runtime>,
			pallet_models::Pallet<Runtime>,
			pallet_compute::Pallet<Runtime>,
			pallet_rewards::Pallet<Runtime>
		);
	});
}

#[test]
fn every_pallet_invariant_holds_on_the_development_genesis() {
	development_genesis().execute_with(|| {
		AllPalletsWithSystem::try_state(1, TryStateSelect::All)
			.expect("every pallet's try_state passes");
	});
}
