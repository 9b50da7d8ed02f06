//! How payments and slashes leave the compute pallet.
//!
//! Compute decides *who* earned *what*; it takes the funds out of the poster's escrow or
//! the loser's stake as a [`Credit`](frame_support::traits::fungible::Credit) and hands each
//! share to [`RouteRewards`]. `pallet-rewards` implements it with pull-based claims and its
//! own books (the runtime's choice); [`PayNow`] deposits each share at once (the tests').

use super::*;
use core::marker::PhantomData;
use frame_support::traits::{fungible::Balanced, tokens::imbalance::Imbalance};

/// Pays each share straight into the earner's free balance. A share the earner's account
/// cannot take (below the existential deposit of a new account) goes to `Treasury`; if
/// the treasury cannot take it either, it is burned.
pub struct PayNow<Currency, Treasury>(PhantomData<(Currency, Treasury)>);

impl<AccountId, Currency, Treasury> RouteRewards<AccountId, fungible::Credit<AccountId, Currency>>
	for PayNow<Currency, Treasury>
where
	Currency: Balanced<AccountId>,
	Treasury: Get<AccountId>,
{
	fn route(
		_job: JobId,
		_share: Share,
		to: &AccountId,
		amount: fungible::Credit<AccountId, Currency>,
	) {
		if amount.peek().is_zero() {
			return;
		}
		if let Err(unpaid) = Currency::resolve(to, amount) {
			// A share below the existential deposit of an account that does not exist goes
			// to the treasury, which exists from genesis.
			if Currency::resolve(&Treasury::get(), unpaid).is_err() {
				frame_support::defensive!("the treasury refused a share; it is burned");
			}
		}
	}
}
