//! # Datasets pallet
//!
//! Content-addressed dataset listings for the Verity machine-learning market.
//!
//! ## Overview
//!
//! A data provider lists a dataset by its [`ContentHash`] (a Merkle root over 1 MiB chunks
//! and the byte length, see [`verity_primitives::content`]), where to fetch it (a [`Uri`]),
//! how it is laid out ([`DatasetFormat`]), its [`Licence`], a price per use and who may use
//! it ([`Visibility`]). Workers verify every download against the content hash, so the URI
//! can move while the listing stays the same data.
//!
//! Listing stores bytes on chain, so a deposit proportional to the stored record is held
//! from the owner (a fungible hold with [`HoldReason::ListingDeposit`]) and released when
//! the listing is retired. Two listings never share a content hash.
//!
//! Anyone may flag a listing (illegal content, licence violation, a wrong description) by
//! holding a [`Config::FlagBond`]. [`Config::FlagOrigin`] (governance) resolves the flag:
//! upheld, the listing is removed and [`Config::FlagSlash`] of its deposit is slashed, the
//! flagger receiving [`Config::FlaggerReward`] of it and the treasury the rest; rejected, the
//! flagger's bond goes to the treasury. Retired and removed listings stay readable, because
//! models trained on them name them in their lineage.
//!
//! Other pallets (compute, rewards) read listings only through [`DatasetInspect`].
//!
//! ## Pallet API
//!
//! Owner calls: [`register`](Pallet::register), [`set_price`](Pallet::set_price),
//! [`set_uri`](Pallet::set_uri), [`set_visibility`](Pallet::set_visibility),
//! [`allow`](Pallet::allow), [`disallow`](Pallet::disallow), [`retire`](Pallet::retire).
//! Anyone: [`flag`](Pallet::flag). Governance: [`resolve_flag`](Pallet::resolve_flag).
//!
//! A user's listings are found without scanning all storage by a prefix query on
//! [`DatasetsByOwner`] (`api.query.datasets.datasetsByOwner.keys(owner)` in Polkadot.js),
//! and a listing by its content hash through [`DatasetByContent`].
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
	},
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};
use verity_primitives::deposit;
pub use verity_primitives::{
	ContentHash, DatasetFormat, DatasetId, DatasetInspect, Licence, Readers, Uri, UriError,
};

/// Balance type of the currency that holds deposits.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Who may use a dataset in a job.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Visibility {
	/// Anyone.
	Public,
	/// The owner and the accounts on the listing's allow-list.
	AllowList,
}

/// Where a listing is in its life.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum ListingStatus {
	/// Usable in jobs.
	Active,
	/// Retired by its owner; the deposit was released.
	Retired,
	/// Removed by governance after an upheld flag.
	Removed,
}

/// A dataset listing.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Dataset<T: Config> {
	/// Who listed it and receives its use fees.
	pub owner: T::AccountId,
	/// Merkle root over the file's chunks and its length.
	pub content: ContentHash,
	/// Where the file can be fetched.
	pub uri: Uri,
	/// How the file is laid out.
	pub format: DatasetFormat,
	/// The licence it is offered under.
	pub licence: Licence,
	/// What a job pays the owner for each use of the dataset.
	pub price_per_use: BalanceOf<T>,
	/// Who may use it.
	pub visibility: Visibility,
	/// Accounts allowed to use it when `visibility` is [`Visibility::AllowList`].
	pub allow_list: BoundedVec<T::AccountId, T::MaxAllowList>,
	/// A short human description.
	pub description: BoundedVec<u8, T::MaxDescriptionLen>,
	/// The deposit held from the owner for this record (zero once retired or removed).
	pub deposit: BalanceOf<T>,
	/// Active, retired or removed.
	pub status: ListingStatus,
	/// Block of registration.
	pub registered_at: BlockNumberFor<T>,
}

/// An open flag against a listing.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Flag<T: Config> {
	/// Who raised it.
	pub flagger: T::AccountId,
	/// The bond held from the flagger.
	pub bond: BalanceOf<T>,
	/// Why.
	pub reason: BoundedVec<u8, T::MaxReasonLen>,
}

// FRAME's macro expansion calls `expect` on values it constructed itself, and gives the
// generated call constructor every argument of `register`.
#[allow(clippy::expect_used, clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The layout of this pallet's storage. Bump it, with a migration in `migrations/`,
	/// whenever a stored type's encoding changes; `scripts/try-runtime.sh` checks it.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a listing's on-chain record.
		ListingDeposit,
		/// The bond of an open flag.
		FlagBond,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The currency deposits and bonds are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Deposit held for every listing, covering its index entries.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// Deposit held per byte of a listing's encoded record.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// Bond held from whoever flags a listing.
		#[pallet::constant]
		type FlagBond: Get<BalanceOf<Self>>;

		/// Share of a removed listing's deposit that is slashed.
		#[pallet::constant]
		type FlagSlash: Get<Perbill>;

		/// Share of the slashed deposit paid to the flagger; the rest goes to the treasury.
		#[pallet::constant]
		type FlaggerReward: Get<Perbill>;

		/// Account that receives slashed deposits and rejected flags' bonds.
		type Treasury: Get<Self::AccountId>;

		/// Origin that resolves flags (governance; root in tests).
		type FlagOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The longest description, in bytes.
		#[pallet::constant]
		type MaxDescriptionLen: Get<u32>;

		/// The most accounts on one listing's allow-list.
		#[pallet::constant]
		type MaxAllowList: Get<u32>;

		/// The longest flag reason, in bytes.
		#[pallet::constant]
		type MaxReasonLen: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The id the next listing gets.
	#[pallet::storage]
	pub type NextDatasetId<T> = StorageValue<_, DatasetId, ValueQuery>;

	/// Every listing ever made, active or not.
	#[pallet::storage]
	pub type Datasets<T: Config> = StorageMap<_, Twox64Concat, DatasetId, Dataset<T>>;

	/// The listing of each content root; a root is never listed twice.
	#[pallet::storage]
	pub type DatasetByContent<T> = StorageMap<_, Blake2_128Concat, [u8; 32], DatasetId>;

	/// Listings by owner, for prefix queries.
	#[pallet::storage]
	pub type DatasetsByOwner<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, DatasetId, ()>;

	/// How many open compute jobs use each listing; its readers are frozen while any does.
	#[pallet::storage]
	pub type JobsUsing<T: Config> = StorageMap<_, Twox64Concat, DatasetId, u32, ValueQuery>;

	/// Open flags, at most one per listing.
	#[pallet::storage]
	pub type Flags<T: Config> = StorageMap<_, Twox64Concat, DatasetId, Flag<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A dataset was listed and its deposit held.
		Registered {
			id: DatasetId,
			owner: T::AccountId,
			content: ContentHash,
			deposit: BalanceOf<T>,
		},
		/// The price per use changed.
		PriceChanged { id: DatasetId, price_per_use: BalanceOf<T> },
		/// The URI changed (the content did not).
		UriChanged { id: DatasetId, uri: Uri },
		/// Who may use the listing changed.
		VisibilityChanged { id: DatasetId, visibility: Visibility },
		/// An account was added to the allow-list.
		Allowed { id: DatasetId, who: T::AccountId },
		/// An account was removed from the allow-list.
		Disallowed { id: DatasetId, who: T::AccountId },
		/// The held deposit was adjusted to the record's new size.
		DepositChanged { id: DatasetId, deposit: BalanceOf<T> },
		/// The owner retired the listing and got the deposit back.
		Retired { id: DatasetId, released: BalanceOf<T> },
		/// A listing was flagged.
		Flagged { id: DatasetId, flagger: T::AccountId, bond: BalanceOf<T> },
		/// A flag was upheld: the listing is removed and part of its deposit slashed.
		FlagUpheld {
			id: DatasetId,
			flagger: T::AccountId,
			to_flagger: BalanceOf<T>,
			to_treasury: BalanceOf<T>,
			released_to_owner: BalanceOf<T>,
		},
		/// A flag was rejected: the flagger's bond went to the treasury.
		FlagRejected { id: DatasetId, flagger: T::AccountId, slashed_bond: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No listing has this id.
		UnknownDataset,
		/// Open jobs use this listing: who may read it cannot change until they end.
		InUseByJobs,
		/// Only the listing's owner may do this.
		NotOwner,
		/// A listing with this content root already exists.
		DuplicateContentHash,
		/// The content hash claims an empty file.
		EmptyContent,
		/// The URI was refused; the reason says why.
		InvalidUri(UriError),
		/// The description is longer than `MaxDescriptionLen`.
		DescriptionTooLong,
		/// A custom licence name is empty or not printable ASCII.
		InvalidLicence,
		/// The account cannot afford the deposit or bond.
		InsufficientBalance,
		/// The listing was retired or removed.
		NotActive,
		/// The allow-list is full.
		AllowListFull,
		/// The account is already on the allow-list.
		AlreadyAllowed,
		/// The account is not on the allow-list.
		NotAllowed,
		/// The listing already has an open flag.
		AlreadyFlagged,
		/// The listing has no open flag.
		NotFlagged,
		/// The flag reason is empty or longer than `MaxReasonLen`.
		InvalidReason,
		/// The owner cannot flag their own listing.
		OwnListing,
		/// The listing cannot be retired while a flag is open.
		FlagPending,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// List a dataset. Holds a deposit of `DepositBase + DepositPerByte × record size`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			content: ContentHash,
			uri: Vec<u8>,
			format: DatasetFormat,
			licence: Licence,
			price_per_use: BalanceOf<T>,
			visibility: Visibility,
			description: Vec<u8>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			ensure!(content.size > 0, Error::<T>::EmptyContent);
			ensure!(
				!DatasetByContent::<T>::contains_key(content.root),
				Error::<T>::DuplicateContentHash
			);
			let uri = Uri::parse(&uri).map_err(Error::<T>::InvalidUri)?;
			ensure!(licence.is_valid(), Error::<T>::InvalidLicence);
			let description: BoundedVec<u8, T::MaxDescriptionLen> =
				description.try_into().map_err(|_| Error::<T>::DescriptionTooLong)?;

			let mut dataset = Dataset::<T> {
				owner: owner.clone(),
				content,
				uri,
				format,
				licence,
				price_per_use,
				visibility,
				allow_list: BoundedVec::new(),
				description,
				deposit: Zero::zero(),
				status: ListingStatus::Active,
				registered_at: frame_system::Pallet::<T>::block_number(),
			};
			let deposit = Self::required_deposit(&dataset);
			deposit::settle::<_, T::Currency>(
				&HoldReason::ListingDeposit.into(),
				&owner,
				Zero::zero(),
				deposit,
				Error::<T>::InsufficientBalance,
			)?;
			dataset.deposit = deposit;

			let id = NextDatasetId::<T>::get();
			NextDatasetId::<T>::put(id.saturating_add(1));
			DatasetByContent::<T>::insert(content.root, id);
			DatasetsByOwner::<T>::insert(&owner, id, ());
			Datasets::<T>::insert(id, dataset);
			Self::deposit_event(Event::Registered { id, owner, content, deposit });
			Ok(())
		}

		/// Change what one use of the dataset costs. Jobs already posted keep their price.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(
			origin: OriginFor<T>,
			id: DatasetId,
			price_per_use: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut dataset = Self::owned_active(&who, id)?;
			dataset.price_per_use = price_per_use;
			Datasets::<T>::insert(id, dataset);
			Self::deposit_event(Event::PriceChanged { id, price_per_use });
			Ok(())
		}

		/// Point the listing at a new location of the same content. The deposit follows the
		/// record's new size.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_uri())]
		pub fn set_uri(origin: OriginFor<T>, id: DatasetId, uri: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut dataset = Self::owned_active(&who, id)?;
			let uri = Uri::parse(&uri).map_err(Error::<T>::InvalidUri)?;
			dataset.uri = uri.clone();
			Self::settle_deposit(id, &mut dataset)?;
			Datasets::<T>::insert(id, dataset);
			Self::deposit_event(Event::UriChanged { id, uri });
			Ok(())
		}

		/// Make the listing public or restrict it to its allow-list.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_visibility())]
		pub fn set_visibility(
			origin: OriginFor<T>,
			id: DatasetId,
			visibility: Visibility,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut dataset = Self::owned_active(&who, id)?;
			Self::ensure_unused(id)?;
			dataset.visibility = visibility;
			Datasets::<T>::insert(id, dataset);
			Self::deposit_event(Event::VisibilityChanged { id, visibility });
			Ok(())
		}

		/// Let `who` use an allow-list listing. The deposit grows with the list.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::allow())]
		pub fn allow(origin: OriginFor<T>, id: DatasetId, who: T::AccountId) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let mut dataset = Self::owned_active(&owner, id)?;
			Self::ensure_unused(id)?;
			ensure!(!dataset.allow_list.contains(&who), Error::<T>::AlreadyAllowed);
			dataset.allow_list.try_push(who.clone()).map_err(|_| Error::<T>::AllowListFull)?;
			Self::settle_deposit(id, &mut dataset)?;
			Datasets::<T>::insert(id, dataset);
			Self::deposit_event(Event::Allowed { id, who });
			Ok(())
		}

		/// Take `who` off the allow-list. The deposit shrinks with the list.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::disallow())]
		pub fn disallow(origin: OriginFor<T>, id: DatasetId, who: T::AccountId) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let mut dataset = Self::owned_active(&owner, id)?;
			Self::ensure_unused(id)?;
			let position =
				dataset.allow_list.iter().position(|a| a == &who).ok_or(Error::<T>::NotAllowed)?;
			dataset.allow_list.remove(position);
			Self::settle_deposit(id, &mut dataset)?;
			Datasets::<T>::insert(id, dataset);
			Self::deposit_event(Event::Disallowed { id, who });
			Ok(())
		}

		/// Retire the listing: no new job may use it, the deposit is released, the record
		/// stays for lineage. Not while a flag is open.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::retire())]
		pub fn retire(origin: OriginFor<T>, id: DatasetId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut dataset = Self::owned_active(&who, id)?;
			ensure!(!Flags::<T>::contains_key(id), Error::<T>::FlagPending);
			Self::ensure_unused(id)?;
			let released = T::Currency::release(
				&HoldReason::ListingDeposit.into(),
				&who,
				dataset.deposit,
				Precision::BestEffort,
			)?;
			dataset.deposit = Zero::zero();
			dataset.status = ListingStatus::Retired;
			Datasets::<T>::insert(id, dataset);
			Self::deposit_event(Event::Retired { id, released });
			Ok(())
		}

		/// Flag an active listing for governance to review, holding `FlagBond`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::flag())]
		pub fn flag(origin: OriginFor<T>, id: DatasetId, reason: Vec<u8>) -> DispatchResult {
			let flagger = ensure_signed(origin)?;
			let dataset = Datasets::<T>::get(id).ok_or(Error::<T>::UnknownDataset)?;
			ensure!(dataset.status == ListingStatus::Active, Error::<T>::NotActive);
			ensure!(dataset.owner != flagger, Error::<T>::OwnListing);
			ensure!(!Flags::<T>::contains_key(id), Error::<T>::AlreadyFlagged);
			ensure!(!reason.is_empty(), Error::<T>::InvalidReason);
			let reason: BoundedVec<u8, T::MaxReasonLen> =
				reason.try_into().map_err(|_| Error::<T>::InvalidReason)?;
			let bond = T::FlagBond::get();
			T::Currency::hold(&HoldReason::FlagBond.into(), &flagger, bond)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Flags::<T>::insert(id, Flag { flagger: flagger.clone(), bond, reason });
			Self::deposit_event(Event::Flagged { id, flagger, bond });
			Ok(())
		}

		/// Decide an open flag. Upheld: the listing is removed, `FlagSlash` of its deposit is
		/// slashed (`FlaggerReward` of that to the flagger, the rest to the treasury), the
		/// remainder released to the owner and the bond returned. Rejected: the bond goes to
		/// the treasury.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::resolve_flag())]
		pub fn resolve_flag(origin: OriginFor<T>, id: DatasetId, uphold: bool) -> DispatchResult {
			T::FlagOrigin::ensure_origin(origin)?;
			let flag = Flags::<T>::get(id).ok_or(Error::<T>::NotFlagged)?;
			let mut dataset = Datasets::<T>::get(id).ok_or(Error::<T>::UnknownDataset)?;
			let treasury = T::Treasury::get();

			if uphold {
				let slashed = T::FlagSlash::get().mul_floor(dataset.deposit);
				let to_flagger = T::FlaggerReward::get().mul_floor(slashed);
				let to_treasury = slashed.saturating_sub(to_flagger);
				let deposit = HoldReason::ListingDeposit.into();
				Self::transfer_held(&deposit, &dataset.owner, &flag.flagger, to_flagger)?;
				Self::transfer_held(&deposit, &dataset.owner, &treasury, to_treasury)?;
				// Only this listing's deposit: the owner's other listings keep theirs.
				let rest = dataset.deposit.saturating_sub(slashed);
				let released_to_owner =
					T::Currency::release(&deposit, &dataset.owner, rest, Precision::Exact)?;
				T::Currency::release(
					&HoldReason::FlagBond.into(),
					&flag.flagger,
					flag.bond,
					Precision::BestEffort,
				)?;
				dataset.deposit = Zero::zero();
				dataset.status = ListingStatus::Removed;
				Datasets::<T>::insert(id, dataset);
				Flags::<T>::remove(id);
				Self::deposit_event(Event::FlagUpheld {
					id,
					flagger: flag.flagger,
					to_flagger,
					to_treasury,
					released_to_owner,
				});
			} else {
				let slashed_bond = Self::transfer_held(
					&HoldReason::FlagBond.into(),
					&flag.flagger,
					&treasury,
					flag.bond,
				)?;
				Flags::<T>::remove(id);
				Self::deposit_event(Event::FlagRejected {
					id,
					flagger: flag.flagger,
					slashed_bond,
				});
			}
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The deposit a listing record of this size requires.
	fn ensure_unused(id: DatasetId) -> DispatchResult {
		ensure!(JobsUsing::<T>::get(id) == 0, Error::<T>::InUseByJobs);
		Ok(())
	}

	pub fn required_deposit(dataset: &Dataset<T>) -> BalanceOf<T> {
		deposit::required(T::DepositBase::get(), T::DepositPerByte::get(), dataset.encoded_size())
	}

	fn owned_active(who: &T::AccountId, id: DatasetId) -> Result<Dataset<T>, Error<T>> {
		let dataset = Datasets::<T>::get(id).ok_or(Error::<T>::UnknownDataset)?;
		ensure!(&dataset.owner == who, Error::<T>::NotOwner);
		ensure!(dataset.status == ListingStatus::Active, Error::<T>::NotActive);
		Ok(dataset)
	}

	/// Holds more or releases some of the owner's deposit so it matches the record's size.
	fn settle_deposit(id: DatasetId, dataset: &mut Dataset<T>) -> DispatchResult {
		let required = Self::required_deposit(dataset);
		let changed = deposit::settle::<_, T::Currency>(
			&HoldReason::ListingDeposit.into(),
			&dataset.owner,
			dataset.deposit,
			required,
			Error::<T>::InsufficientBalance,
		)?;
		if changed {
			dataset.deposit = required;
			Self::deposit_event(Event::DepositChanged { id, deposit: required });
		}
		Ok(())
	}

	/// Moves `amount` of `from`'s funds held for `reason` to `to`'s free balance.
	fn transfer_held(
		reason: &T::RuntimeHoldReason,
		from: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		if amount.is_zero() {
			return Ok(amount);
		}
		T::Currency::transfer_on_hold(
			reason,
			from,
			to,
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
	}

	/// Checks the pallet's invariants:
	/// - every account's held listing deposit equals the sum of its active listings' deposits,
	///   and its held flag bonds the sum of its open flags' bonds;
	/// - the content and owner indices point at the right listings, and only those;
	/// - ids are below `NextDatasetId`; only active listings hold deposits or have flags.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::traits::fungible::InspectHold;

		let next = NextDatasetId::<T>::get();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut count = 0u64;
		for (id, dataset) in Datasets::<T>::iter() {
			count = count.saturating_add(1);
			ensure!(id < next, "dataset id at or above NextDatasetId");
			ensure!(
				DatasetByContent::<T>::get(dataset.content.root) == Some(id),
				"content index does not point back"
			);
			ensure!(
				DatasetsByOwner::<T>::contains_key(&dataset.owner, id),
				"owner index entry missing"
			);
			match dataset.status {
				ListingStatus::Active => {
					ensure!(
						dataset.deposit == Self::required_deposit(&dataset),
						"deposit does not match record size"
					);
				}
				_ => {
					ensure!(dataset.deposit.is_zero(), "inactive listing still records a deposit");
					ensure!(!Flags::<T>::contains_key(id), "inactive listing has an open flag");
				}
			}
			let entry = deposits.entry(dataset.owner.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(dataset.deposit);
		}
		ensure!(
			DatasetByContent::<T>::iter().count() as u64 == count,
			"content index has stale entries"
		);
		ensure!(
			DatasetsByOwner::<T>::iter().count() as u64 == count,
			"owner index has stale entries"
		);
		for (owner, total) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ListingDeposit.into(), &owner) == total,
				"held listing deposit differs from recorded deposits"
			);
		}

		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, flag) in Flags::<T>::iter() {
			ensure!(Datasets::<T>::contains_key(id), "flag on unknown listing");
			let entry = bonds.entry(flag.flagger.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(flag.bond);
		}
		for (flagger, total) in bonds {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::FlagBond.into(), &flagger) == total,
				"held flag bonds differ from open flags"
			);
		}
		Ok(())
	}
}

impl<T: Config> DatasetInspect<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn readers(dataset: DatasetId) -> Option<Readers<T::AccountId>> {
		let d = Datasets::<T>::get(dataset).filter(|d| d.status == ListingStatus::Active)?;
		Some(match d.visibility {
			Visibility::Public => Readers::Anyone,
			Visibility::AllowList => {
				let mut accounts = d.allow_list.into_inner();
				accounts.push(d.owner);
				Readers::Only(accounts)
			}
		})
	}

	fn can_use(who: &T::AccountId, dataset: DatasetId) -> bool {
		Datasets::<T>::get(dataset).is_some_and(|d| {
			d.status == ListingStatus::Active
				&& (d.visibility == Visibility::Public
					|| &d.owner == who
					|| d.allow_list.contains(who))
		})
	}

	fn owner(dataset: DatasetId) -> Option<T::AccountId> {
		Datasets::<T>::get(dataset).map(|d| d.owner)
	}

	fn price_per_use(dataset: DatasetId) -> Option<BalanceOf<T>> {
		Datasets::<T>::get(dataset)
			.filter(|d| d.status == ListingStatus::Active)
			.map(|d| d.price_per_use)
	}

	fn content(dataset: DatasetId) -> Option<ContentHash> {
		Datasets::<T>::get(dataset).map(|d| d.content)
	}

	fn format(dataset: DatasetId) -> Option<DatasetFormat> {
		Datasets::<T>::get(dataset).map(|d| d.format)
	}

	fn freeze(dataset: DatasetId) {
		JobsUsing::<T>::mutate(dataset, |count| *count = count.saturating_add(1));
	}

	fn thaw(dataset: DatasetId) {
		JobsUsing::<T>::mutate_exists(dataset, |count| match count {
			Some(n) if *n > 1 => *n = n.saturating_sub(1),
			Some(_) => *count = None,
			None => {
				frame_support::defensive!("a dataset thawed more often than frozen");
			}
		});
	}

	fn jobs_using(dataset: DatasetId) -> u32 {
		JobsUsing::<T>::get(dataset)
	}
}
