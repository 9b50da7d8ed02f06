//! Weights of the runtime's base operations.
//!
//! The base operations are Substrate's reference values (measured on its reference
//! hardware). Verity's pallets keep their weights in their own `weights.rs`; the weights of
//! polkadot-sdk pallets this runtime measured itself live here (`scripts/benchmark.sh`).

pub mod pallet_balances;

pub use frame_support::weights::constants::{
	BlockExecutionWeight, ExtrinsicBaseWeight, RocksDbWeight,
};
