//! Benchmarks for every call and hook, each in its worst case: claims that create the
//! earner's account, an era boundary, a full pruning step.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

/// Books `amount` (at least the existential deposit) for a fresh account.
fn accrued<T: Config>(name: &'static str) -> (T::AccountId, BalanceOf<T>) {
	let who: T::AccountId = account(name, 0, 0);
	let amount = T::Currency::minimum_balance().saturating_mul(10u32.into());
	let account = Pallet::<T>::account_id();
	let _ = T::Currency::mint_into(&account, amount.saturating_add(T::Currency::minimum_balance()));
	Accrued::<T>::insert(&who, amount);
	(who, amount)
}

/// Ends era 0 with `workers` workers' units recorded and an emission to share.
fn worked_era<T: Config>(workers: u32) -> T::AccountId {
	let emission = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
	CurrentEra::<T>::put(0);
	Eras::<T>::insert(0, EraRecord { emission, work: 0 });
	let mut last = account("worker", 0, 0);
	for i in 0..workers {
		last = account("worker", i, 0);
		<Pallet<T> as RouteRewards<_, _>>::work_verified(0, &last, 1_000);
	}
	Pallet::<T>::start_era();
	last
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The earner's account does not exist yet: the transfer creates it.
	#[benchmark]
	fn claim() {
		let (who, amount) = accrued::<T>("earner");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert_eq!(T::Currency::balance(&who), amount);
	}

	/// Mints into a fresh account.
	#[benchmark]
	fn claim_emission() {
		let who = worked_era::<T>(2);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 0);
		assert!(!T::Currency::balance(&who).is_zero());
	}

	#[benchmark]
	fn set_emission() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let per_era = T::Currency::minimum_balance();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, per_era);
		assert_eq!(EmissionPerEra::<T>::get(), per_era);
		Ok(())
	}

	#[benchmark]
	fn on_initialize_new_era() {
		let era = CurrentEra::<T>::get();
		#[block]
		{
			Pallet::<T>::start_era();
		}
		assert_eq!(CurrentEra::<T>::get(), era.saturating_add(1));
	}

	/// A whole batch of an expired era's work entries.
	#[benchmark]
	fn on_idle_prune() {
		worked_era::<T>(Pallet::<T>::PRUNE_BATCH);
		OldestEra::<T>::put(0);
		CurrentEra::<T>::put(T::HistoryDepth::get().saturating_add(1));
		#[block]
		{
			Pallet::<T>::prune_step();
		}
		assert_eq!(WorkDone::<T>::iter_prefix(0).count(), 0);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
