//! # Verity primitives
//!
//! `no_std` definitions shared by the runtime, the pallets, the worker and the ML crate,
//! so that both sides of the wire agree on one definition.
//!
//! This crate starts with the chain-wide units; content hashing, Merkle trees,
//! architecture specs and the job types land here as the pallets that need them do.
#![cfg_attr(not(feature = "std"), no_std)]

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
		assert_eq!(UNIT, 10u128.pow(u32::from(TOKEN_DECIMALS)));
		assert_eq!(MILLIUNIT * 1_000, UNIT);
		assert_eq!(MICROUNIT * 1_000_000, UNIT);
	}
}
