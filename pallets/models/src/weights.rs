//! Weights for `pallet_models`.
//!
//! Provisional: written by hand from the storage each call touches, until
//! `verity-node benchmark pallet --pallet pallet_models` regenerates this file.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_models`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn publish_version() -> Weight;
	fn set_price() -> Weight;
	fn set_uri() -> Weight;
	fn retire() -> Weight;
}

/// Weights for `pallet_models` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(70_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn publish_version() -> Weight {
		Weight::from_parts(90_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(7))
	}
	fn set_price() -> Weight {
		Weight::from_parts(20_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn set_uri() -> Weight {
		Weight::from_parts(40_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn retire() -> Weight {
		Weight::from_parts(40_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
}

// For tests: the same weights against the reference database.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(70_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads_writes(4, 5))
	}
	fn publish_version() -> Weight {
		Weight::from_parts(90_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 7))
	}
	fn set_price() -> Weight {
		Weight::from_parts(20_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn set_uri() -> Weight {
		Weight::from_parts(40_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn retire() -> Weight {
		Weight::from_parts(40_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
}
