//! Weights for `pallet_datasets`.
//!
//! Provisional: written by hand from the storage each call touches, until
//! `verity-node benchmark pallet --pallet pallet_datasets` regenerates this file.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_datasets`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn set_price() -> Weight;
	fn set_uri() -> Weight;
	fn set_visibility() -> Weight;
	fn allow() -> Weight;
	fn disallow() -> Weight;
	fn retire() -> Weight;
	fn flag() -> Weight;
	fn resolve_flag() -> Weight;
}

/// Weights for `pallet_datasets` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 5_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn set_price() -> Weight {
		Weight::from_parts(20_000_000, 5_000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn set_uri() -> Weight {
		Weight::from_parts(40_000_000, 5_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn set_visibility() -> Weight {
		Weight::from_parts(20_000_000, 5_000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn allow() -> Weight {
		Weight::from_parts(45_000_000, 7_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn disallow() -> Weight {
		Weight::from_parts(45_000_000, 7_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn retire() -> Weight {
		Weight::from_parts(40_000_000, 5_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn flag() -> Weight {
		Weight::from_parts(40_000_000, 5_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn resolve_flag() -> Weight {
		Weight::from_parts(90_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(8))
	}
}

// For tests: the same weights against the reference database.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 5_000)
			.saturating_add(RocksDbWeight::get().reads_writes(4, 6))
	}
	fn set_price() -> Weight {
		Weight::from_parts(20_000_000, 5_000)
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn set_uri() -> Weight {
		Weight::from_parts(40_000_000, 5_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn set_visibility() -> Weight {
		Weight::from_parts(20_000_000, 5_000)
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn allow() -> Weight {
		Weight::from_parts(45_000_000, 7_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn disallow() -> Weight {
		Weight::from_parts(45_000_000, 7_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn retire() -> Weight {
		Weight::from_parts(40_000_000, 5_000)
			.saturating_add(RocksDbWeight::get().reads_writes(4, 3))
	}
	fn flag() -> Weight {
		Weight::from_parts(40_000_000, 5_000)
			.saturating_add(RocksDbWeight::get().reads_writes(4, 3))
	}
	fn resolve_flag() -> Weight {
		Weight::from_parts(90_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(8, 8))
	}
}
