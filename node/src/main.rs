//! # verity-node
//!
//! The Verity node: [`polkadot_omni_node_lib`] with Verity's chain specs built in.
//!
//! - `verity-node --dev` runs a one-machine chain with no relay chain (manual seal, blocks
//!   every `--dev-block-time` milliseconds, default 3000), RPC on port 9944, Alice funded.
//! - `verity-node --chain local -- <relay chain args>` runs a collator of a relay-chain network.
//! - `verity-node --chain <file.json>` runs any chain spec from disk.
//! - `verity-node export-chain-spec --chain dev` and `verity-node benchmark pallet ...` work
//!   on the built-in specs.
//!
//! Everything but the chain specs is omni-node's: the node knows Verity's runtime only
//! through its WASM blob and runtime APIs.

mod chain_spec;

use polkadot_omni_node_lib::{
	run, runtime::DefaultRuntimeResolver, CliConfig as CliConfigT, RunConfig, NODE_VERSION,
};

struct CliConfig;

impl CliConfigT for CliConfig {
	fn impl_version() -> String {
		format!("{}-omni-node-{NODE_VERSION}", env!("CARGO_PKG_VERSION"))
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/verity-ml/verity/issues/new".into()
	}

	fn copyright_start_year() -> u16 {
		2026
	}
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
	let config = RunConfig::new(
		Box::new(DefaultRuntimeResolver),
		Box::new(chain_spec::VerityChainSpecLoader),
	);
	run::<CliConfig>(config)?;
	Ok(())
}
