//! The try-runtime checks on the `development` genesis: every pallet's runtime-upgrade
//! hooks with their pre/post checks, the storage version each pallet declares against the
//! one on chain, and every pallet's `try_state` invariants. A migration added to the
//! runtime's `Migrations` runs here first. `scripts/try-runtime.sh` runs it (the feature
//! set differs from the dev build's, so it is not part of `scripts/test.sh`).
#![cfg(feature = "try-runtime")]

use frame_support::traits::{GetStorageVersion, TryState, TryStateSelect};
use frame_try_runtime::UpgradeCheckSelect;
use verity_runtime::{
	genesis_config_presets, AllPalletsWithSystem, Executive, Runtime, RuntimeGenesisConfig,
};

/// Writes `patch` over `base`: objects merge key by key, anything else replaces.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// The state the `development` chain spec starts from: the preset is a patch over the
/// default genesis config, as the node's chain-spec builder applies it.
fn development_genesis() -> sp_io::TestExternalities {
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		let preset = genesis_config_presets::get_preset(&"development".into())
			.expect("the runtime has a development preset");
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default())
			.expect("the default genesis config serializes");
		merge(&mut config, serde_json::from_slice(&preset).expect("the preset is JSON"));
		let config = serde_json::to_vec(&config).expect("the genesis config serializes");
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(config)
			.expect("the development preset builds");
	});
	ext
}

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
