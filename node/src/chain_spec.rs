//! Verity's built-in chain specs, built from the runtime's WASM blob and genesis presets.

use polkadot_omni_node_lib::chain_spec::{
	ChainSpec, DiskChainSpecLoader, Extensions, GenericChainSpec, LoadSpec,
};
use sc_service::ChainType;
use verity_runtime::genesis_config_presets::{
	DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET, PARACHAIN_ID,
};

/// Loads `dev` and `local` from the runtime, anything else from a JSON file on disk.
pub struct VerityChainSpecLoader;

impl LoadSpec for VerityChainSpecLoader {
	fn load_spec(&self, id: &str) -> Result<Box<dyn ChainSpec>, String> {
		match id {
			// A single-collator chain for `--dev`; the node seals blocks itself.
			"" | "dev" | "development" => Ok(Box::new(built_in(
				"Verity Development",
				"verity_dev",
				ChainType::Development,
				DEV_RUNTIME_PRESET,
			)?)),
			// Alice and Bob collate for a local relay chain, as zombienet runs it.
			"local" | "local_testnet" => Ok(Box::new(built_in(
				"Verity Local Testnet",
				"verity_local",
				ChainType::Local,
				LOCAL_TESTNET_RUNTIME_PRESET,
			)?)),
			path => DiskChainSpecLoader.load_spec(path),
		}
	}
}

fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), verity_primitives::TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), verity_primitives::TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// The runtime built without `runtime-benchmarks`, as a live network runs it, for both
/// built-in specs; the blob with the benchmarks (the node's default build enables them) is
/// only for `verity-node benchmark pallet --runtime` (`scripts/benchmark.sh`).
fn wasm_binary() -> Result<&'static [u8], String> {
	verity_runtime::production::WASM_BINARY.ok_or_else(|| {
		"verity-node was built without the runtime's WASM blob (SKIP_WASM_BUILD was set); \
		 rebuild it without SKIP_WASM_BUILD"
			.to_string()
	})
}

/// A chain spec for one of the runtime's genesis presets, as a parachain (id
/// [`PARACHAIN_ID`]) of a local `rococo-local` relay chain.
fn built_in(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<GenericChainSpec, String> {
	Ok(GenericChainSpec::builder(
		wasm_binary()?,
		Extensions::new("rococo-local".into(), PARACHAIN_ID),
	)
	.with_name(name)
	.with_id(id)
	.with_chain_type(chain_type)
	.with_genesis_config_preset_name(preset)
	.with_properties(properties())
	.build())
}
