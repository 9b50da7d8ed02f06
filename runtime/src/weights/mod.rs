//! Weights of the runtime's base operations.
//!
//! These are Substrate's reference values (measured on its reference hardware). Pallet call
//! weights come from each pallet's own `weights.rs`, generated with
//! `verity-node benchmark pallet`.

pub use frame_support::weights::constants::{
	BlockExecutionWeight, ExtrinsicBaseWeight, RocksDbWeight,
};
