//! Benchmarks for every call, each in its worst case: the longest URI and description
//! and the largest architecture encoding.

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use verity_primitives::{
	architecture::MAX_HIDDEN_LAYERS,
	listing::{MAX_CUSTOM_LICENCE_LEN, MAX_URI_LEN},
	Activation, MlpSpec,
};

fn funded<T: Config>(name: &'static str) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account(name, 0, 0);
	let amount = T::DepositBase::get()
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

fn largest_architecture() -> ArchitectureSpec {
	ArchitectureSpec::Mlp(MlpSpec {
		inputs: 784,
		hidden: BoundedVec::truncate_from(vec![64; MAX_HIDDEN_LAYERS as usize]),
		outputs: 10,
		activation: Activation::Relu,
	})
}

fn weights(seed: u8) -> ContentHash {
	ContentHash { root: [seed; 32], size: 1 << 20 }
}

fn registered<T: Config>(owner: &T::AccountId) -> Result<ModelId, BenchmarkError>
where
	T::Currency: Mutate<T::AccountId>,
{
	let id = NextModelId::<T>::get();
	Pallet::<T>::register(
		RawOrigin::Signed(owner.clone()).into(),
		largest_architecture(),
		weights(1),
		longest_uri(),
		Licence::Custom(BoundedVec::truncate_from(vec![b'L'; MAX_CUSTOM_LICENCE_LEN as usize])),
		10u32.into(),
		vec![b'd'; T::MaxDescriptionLen::get() as usize],
	)
	.map_err(|_| BenchmarkError::Stop("register failed"))?;
	Ok(id)
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		let owner = funded::<T>("owner");
		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			largest_architecture(),
			weights(1),
			longest_uri(),
			Licence::Custom(BoundedVec::truncate_from(vec![b'L'; MAX_CUSTOM_LICENCE_LEN as usize])),
			10u32.into(),
			vec![b'd'; T::MaxDescriptionLen::get() as usize],
		);
		assert!(ModelsByOwner::<T>::contains_key(&owner, 0));
	}

	#[benchmark]
	fn publish_version() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner");
		let id = registered::<T>(&owner)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, weights(2), longest_uri());
		assert!(Models::<T>::get(id).and_then(|m| m.next).is_some());
		Ok(())
	}

	#[benchmark]
	fn set_price() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner");
		let id = registered::<T>(&owner)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, 1u32.into());
		Ok(())
	}

	#[benchmark]
	fn set_uri() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner");
		let id = registered::<T>(&owner)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, b"ipfs://bafy".to_vec());
		Ok(())
	}

	#[benchmark]
	fn retire() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner");
		let id = registered::<T>(&owner)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert_eq!(Models::<T>::get(id).map(|m| m.status), Some(ModelStatus::Retired));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
