//! Royalties up a model's lineage: who a model's price pays, computed at posting so the
//! quote names every recipient.
//!
//! The price of using a model (an inference, an evaluation, a fine-tune) is its owner's
//! royalty. `lineage_share` of it flows up to what the model was made from, split evenly
//! between the datasets it was trained on (to their owners) and the model it was fine-tuned
//! from, whose part is split again the same way, for at most `MaxLineageDepth`
//! generations. Division dust, parts owed to retired datasets, and recipients past
//! `MaxLineagePayments` stay with the model's owner. Payments to one account are merged.

use super::*;
use sp_runtime::traits::CheckedDiv;

/// What using a model pays: its owner, and the lineage above it.
pub(crate) struct Royalty<T: Config> {
	pub owner: PaymentOf<T>,
	pub lineage: BoundedVec<PaymentOf<T>, T::MaxLineagePayments>,
}

impl<T: Config> Pallet<T> {
	/// The architecture of an active `model` and what using it pays, up its lineage.
	pub(crate) fn royalty(
		model: ModelId,
		params: &ParamsOf<T>,
	) -> Result<(ArchitectureSpec, Royalty<T>), Error<T>> {
		let price = T::Models::inference_price(model).ok_or(Error::<T>::ModelUnavailable)?;
		let owner = T::Models::owner(model).ok_or(Error::<T>::ModelUnavailable)?;
		let architecture = T::Models::architecture(model).ok_or(Error::<T>::ModelUnavailable)?;
		let mut royalty =
			Royalty { owner: Payment { to: owner, amount: price }, lineage: BoundedVec::new() };
		Self::split_up_lineage(model, price, params.lineage_share, &mut royalty);
		Ok((architecture, royalty))
	}

	/// Moves `share` of what each generation's owner gets up to that generation's sources.
	fn split_up_lineage(
		model: ModelId,
		price: BalanceOf<T>,
		share: Perbill,
		royalty: &mut Royalty<T>,
	) {
		let mut generation = model;
		let mut payer = royalty.owner.to.clone();
		let mut amount = price;
		for _ in 0..T::MaxLineageDepth::get() {
			let Some(sources) = T::Models::sources(generation) else { break };
			let count =
				sources.datasets.len().saturating_add(usize::from(sources.parent.is_some()));
			let each = share
				.mul_floor(amount)
				.checked_div(&BalanceOf::<T>::from(count as u32))
				.unwrap_or_else(Zero::zero);
			if each.is_zero() {
				break;
			}
			for dataset in &sources.datasets {
				// A retired dataset keeps its owner: only a removed listing has none.
				if let Some(owner) = T::Datasets::owner(*dataset) {
					royalty.transfer(&payer, owner, each);
				}
			}
			let Some(parent) = sources.parent else { break };
			let Some(parent_owner) = T::Models::owner(parent) else { break };
			if !royalty.transfer(&payer, parent_owner.clone(), each) {
				break;
			}
			generation = parent;
			payer = parent_owner;
			amount = each;
		}
	}
}

impl<T: Config> Royalty<T> {
	fn paid_to(&mut self, who: &T::AccountId) -> Option<&mut BalanceOf<T>> {
		if *who == self.owner.to {
			return Some(&mut self.owner.amount);
		}
		self.lineage.iter_mut().find(|p| p.to == *who).map(|p| &mut p.amount)
	}

	/// Moves `amount` of `from`'s payment to `to`'s (a new one if there is room). Whether
	/// `to` is paid it.
	fn transfer(&mut self, from: &T::AccountId, to: T::AccountId, amount: BalanceOf<T>) -> bool {
		if *from == to {
			return true;
		}
		if self.paid_to(from).is_none_or(|paid| *paid < amount) {
			return false;
		}
		match self.paid_to(&to) {
			Some(paid) => paid.saturating_accrue(amount),
			None => {
				if self.lineage.try_push(Payment { to, amount }).is_err() {
					return false;
				}
			}
		}
		if let Some(paid) = self.paid_to(from) {
			paid.saturating_reduce(amount);
		}
		true
	}
}
