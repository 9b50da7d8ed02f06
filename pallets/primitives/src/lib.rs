//! # Verity primitives
//!
//! `no_std` definitions shared by the runtime, the pallets, the worker and the ML crate, so
//! that both sides of the wire agree on one definition:
//!
//! - [`content`]: the content hash of a file (a blake2-256 binary Merkle tree over 1 MiB
//!   chunks, with the byte length) and the Merkle tree it is built on.
//! - [`architecture`]: the closed set of model architectures the ML crate can run.
//! - [`listing`]: dataset formats, licences and URIs of listings.
//! - [`rewards`]: the shares the compute pallet routes to the rewards pallet.
//! - `registry` (feature `frame`, for the pallets): what the pallets ask of each other
//!   about datasets and models (`DatasetInspect`, `ModelRegistry`) and the types they
//!   speak in.
//! - `deposit` (feature `frame`): the storage deposits the catalogue pallets hold for the
//!   records users cause.
//! - chain-wide units: [`Balance`], [`BlockNumber`], the VRTY token.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

extern crate alloc;

pub mod architecture;
pub mod content;
#[cfg(feature = "frame")]
pub mod deposit;
pub mod listing;
#[cfg(feature = "frame")]
pub mod registry;
pub mod rewards;

pub use architecture::{
	Activation, ArchitectureError, ArchitectureFamily, ArchitectureSpec, LeNetSpec, MlpSpec,
};
pub use content::{
	merkle_proof, verify_merkle_proof, ContentHash, ContentHasher, Hash256, MerkleAccumulator,
	CHUNK_SIZE,
};
pub use listing::{DatasetFormat, Licence, Uri, UriError};
#[cfg(feature = "frame")]
pub use registry::{
	DatasetInspect, Lineage, ModelRegistry, Readers, Sources, TrainedModel, TrainingData,
	MAX_TRAINING_DATASETS,
};
pub use rewards::{RouteRewards, Share};

/// Index of a dataset listing.
pub type DatasetId = u64;
/// Index of a registered model (each version has its own).
pub type ModelId = u64;
/// Index of a compute job.
pub type JobId = u64;

/// Balance of an account, in the smallest unit (planck).
pub type Balance = u128;

/// Block number type of the chain. Every deadline in Verity is counted in blocks.
pub type BlockNumber = u32;

/// Decimal places of the VRTY token.
pub const TOKEN_DECIMALS: u8 = 12;

/// Symbol of the native token.
pub const TOKEN_SYMBOL: &str = "VRTY";

/// One VRTY in planck.
pub const UNIT: Balance = 1_000_000_000_000;
/// One thousandth of a VRTY.
pub const MILLIUNIT: Balance = UNIT / 1_000;
/// One millionth of a VRTY.
pub const MICROUNIT: Balance = UNIT / 1_000_000;

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn unit_matches_declared_decimals() {
		assert_eq!(Some(UNIT), 10u128.checked_pow(u32::from(TOKEN_DECIMALS)));
		assert_eq!(MILLIUNIT.checked_mul(1_000), Some(UNIT));
		assert_eq!(MICROUNIT.checked_mul(1_000_000), Some(UNIT));
	}
}
