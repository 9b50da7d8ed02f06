//! What the runtime's integration tests share: the `development` genesis as the node
//! builds it.

use verity_runtime::{genesis_config_presets, RuntimeGenesisConfig};

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
pub fn development_genesis() -> sp_io::TestExternalities {
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
