//! Storage deposits: how Verity's pallets charge for the records a user causes.
//!
//! A record's deposit is `base + per_byte × its encoded size`, held from the account that
//! caused it under the pallet's own hold reason, adjusted whenever the record's size changes
//! and released when the record goes. One hold reason per kind of record lets each pallet's
//! `try_state` check that an account's held total equals the sum its records carry.
//!
//! A hold rather than a `frame_support::traits::Consideration` ticket (as pallet-preimage
//! uses): a dataset's listing deposit can be partly slashed and paid to the flagger and the
//! treasury (`pallet-datasets`' `resolve_flag`), and a ticket can only be dropped or
//! burned whole. Both catalogue pallets use this module, so there is one way to do it.

use frame_support::sp_runtime::{traits::Saturating, DispatchError};
use frame_support::traits::{fungible::MutateHold, tokens::Precision};

/// The deposit a record of `encoded_len` bytes requires.
pub fn required<B: From<u32> + Saturating>(base: B, per_byte: B, encoded_len: usize) -> B {
	// Records are bounded far below 4 GiB; saturating keeps the impossible case expensive.
	let bytes = B::from(u32::try_from(encoded_len).unwrap_or(u32::MAX));
	base.saturating_add(per_byte.saturating_mul(bytes))
}

/// Holds more of `who`'s funds under `reason`, or releases some, so that the `held` deposit
/// becomes `required`. Returns whether anything moved; when `who` cannot afford the
/// difference, fails with `cannot_afford` and holds nothing.
pub fn settle<AccountId, Currency: MutateHold<AccountId>>(
	reason: &Currency::Reason,
	who: &AccountId,
	held: Currency::Balance,
	required: Currency::Balance,
	cannot_afford: impl Into<DispatchError>,
) -> Result<bool, DispatchError> {
	if required > held {
		Currency::hold(reason, who, required.saturating_sub(held))
			.map_err(|_| cannot_afford.into())?;
	} else if required < held {
		Currency::release(reason, who, held.saturating_sub(required), Precision::BestEffort)?;
	} else {
		return Ok(false);
	}
	Ok(true)
}

#[cfg(test)]
mod tests {
	use super::required;

	#[test]
	fn required_is_base_plus_per_byte_and_saturates() {
		assert_eq!(required(10u128, 2, 7), 24);
		assert_eq!(required(10u128, 2, 0), 10);
		assert_eq!(required(u128::MAX - 1, 2, 7), u128::MAX);
	}
}
