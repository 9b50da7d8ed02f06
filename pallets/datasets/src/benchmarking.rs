//! Benchmarks for every call, each in its worst case: the longest URI and description, a
//! full allow-list, and a flag whose slash moves funds to two accounts.

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use verity_primitives::listing::MAX_URI_LEN;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account(name, index, 0);
	let amount = T::DepositBase::get()
		.saturating_add(T::FlagBond::get())
		.saturating_add(T::DepositPerByte::get().saturating_mul(100_000u32.into()))
		.saturating_mul(10u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

fn longest_uri() -> Vec<u8> {
	let mut uri = b"https://".to_vec();
	uri.resize(MAX_URI_LEN as usize, b'a');
	uri
}

fn content(seed: u32) -> ContentHash {
	let mut root = [0u8; 32];
	root.iter_mut().zip(seed.to_le_bytes()).for_each(|(byte, seed)| *byte = seed);
	ContentHash { root, size: 1 << 30 }
}

fn longest_licence() -> Licence {
	let name = vec![b'L'; verity_primitives::listing::MAX_CUSTOM_LICENCE_LEN as usize];
	Licence::Custom(BoundedVec::truncate_from(name))
}

fn listed<T: Config>(owner: &T::AccountId, seed: u32) -> Result<DatasetId, BenchmarkError>
where
	T::Currency: Mutate<T::AccountId>,
{
	let id = NextDatasetId::<T>::get();
	Pallet::<T>::register(
		RawOrigin::Signed(owner.clone()).into(),
		content(seed),
		longest_uri(),
		DatasetFormat::IdxArchive,
		longest_licence(),
		1_000u32.into(),
		Visibility::AllowList,
		vec![b'd'; T::MaxDescriptionLen::get() as usize],
	)
	.map_err(|_| BenchmarkError::Stop("register failed"))?;
	Ok(id)
}

fn fill_allow_list<T: Config>(
	owner: &T::AccountId,
	id: DatasetId,
	leave_free: u32,
) -> Result<(), BenchmarkError>
where
	T::Currency: Mutate<T::AccountId>,
{
	for i in 0..T::MaxAllowList::get().saturating_sub(leave_free) {
		Pallet::<T>::allow(RawOrigin::Signed(owner.clone()).into(), id, account("allowed", i, 0))
			.map_err(|_| BenchmarkError::Stop("allow failed"))?;
	}
	Ok(())
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		let owner = funded::<T>("owner", 0);
		let licence = longest_licence();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			content(1),
			longest_uri(),
			DatasetFormat::IdxArchive,
			licence,
			1_000u32.into(),
			Visibility::AllowList,
			vec![b'd'; T::MaxDescriptionLen::get() as usize],
		);
		assert!(DatasetsByOwner::<T>::contains_key(&owner, 0));
	}

	#[benchmark]
	fn set_price() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = listed::<T>(&owner, 1)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, 7u32.into());
		assert_eq!(Datasets::<T>::get(id).map(|d| d.price_per_use), Some(7u32.into()));
		Ok(())
	}

	#[benchmark]
	fn set_uri() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = listed::<T>(&owner, 1)?;
		fill_allow_list::<T>(&owner, id, 0)?;
		// A shorter URI: the deposit changes too.
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, b"ipfs://bafy".to_vec());
		Ok(())
	}

	#[benchmark]
	fn set_visibility() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = listed::<T>(&owner, 1)?;
		fill_allow_list::<T>(&owner, id, 0)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, Visibility::Public);
		Ok(())
	}

	#[benchmark]
	fn allow() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = listed::<T>(&owner, 1)?;
		fill_allow_list::<T>(&owner, id, 1)?;
		let last: T::AccountId = account("last", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, last.clone());
		assert!(Pallet::<T>::can_use(&last, id));
		Ok(())
	}

	#[benchmark]
	fn disallow() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = listed::<T>(&owner, 1)?;
		fill_allow_list::<T>(&owner, id, 0)?;
		let last: T::AccountId = account("allowed", T::MaxAllowList::get().saturating_sub(1), 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, last.clone());
		assert!(!Pallet::<T>::can_use(&last, id));
		Ok(())
	}

	#[benchmark]
	fn retire() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = listed::<T>(&owner, 1)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert_eq!(Datasets::<T>::get(id).map(|d| d.status), Some(ListingStatus::Retired));
		Ok(())
	}

	#[benchmark]
	fn flag() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let flagger = funded::<T>("flagger", 0);
		let id = listed::<T>(&owner, 1)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(flagger), id, vec![b'r'; T::MaxReasonLen::get() as usize]);
		assert!(Flags::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn resolve_flag() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let flagger = funded::<T>("flagger", 0);
		let id = listed::<T>(&owner, 1)?;
		Pallet::<T>::flag(
			RawOrigin::Signed(flagger).into(),
			id,
			vec![b'r'; T::MaxReasonLen::get() as usize],
		)
		.map_err(|_| BenchmarkError::Stop("flag failed"))?;
		let origin =
			T::FlagOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, true);
		assert_eq!(Datasets::<T>::get(id).map(|d| d.status), Some(ListingStatus::Removed));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
