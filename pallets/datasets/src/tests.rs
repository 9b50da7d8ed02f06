//! Tests for every call's success path and every error it can return.

use crate::{mock::*, *};
// The runtime's pallet, not the storage map of the same name.
use crate::mock::Datasets;
use frame_support::{
	assert_noop, assert_ok, traits::fungible::InspectHold, traits::fungible::Mutate,
};
use sp_runtime::DispatchError;

const URI: &[u8] = b"https://data.example.org/fashion-mnist/train.tar";

fn content(seed: u8) -> ContentHash {
	ContentHash { root: [seed; 32], size: 47_040_016 }
}

fn register(owner: AccountId, seed: u8) -> DatasetId {
	let id = NextDatasetId::<Test>::get();
	assert_ok!(Datasets::register(
		RuntimeOrigin::signed(owner),
		content(seed),
		URI.to_vec(),
		DatasetFormat::IdxArchive,
		Licence::CcBy4,
		250,
		Visibility::Public,
		b"Fashion-MNIST training set".to_vec(),
	));
	id
}

fn held(who: AccountId, reason: HoldReason) -> Balance {
	<Balances as InspectHold<AccountId>>::balance_on_hold(
		&RuntimeHoldReason::Datasets(reason),
		&who,
	)
}

fn free(who: AccountId) -> Balance {
	<Balances as Inspect<AccountId>>::balance(&who)
}

fn dataset(id: DatasetId) -> Dataset<Test> {
	crate::Datasets::<Test>::get(id).expect("listing exists")
}

mod register {
	use super::*;

	#[test]
	fn lists_the_dataset_and_holds_a_deposit_for_its_record() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			let listing = dataset(id);
			assert_eq!(listing.owner, ALICE);
			assert_eq!(listing.content, content(1));
			assert_eq!(listing.uri.as_bytes(), URI);
			assert_eq!(listing.status, ListingStatus::Active);
			let expected = DEPOSIT_BASE + DEPOSIT_PER_BYTE * listing.encoded_size() as Balance;
			assert_eq!(listing.deposit, expected);
			assert_eq!(held(ALICE, HoldReason::ListingDeposit), expected);
			assert_eq!(DatasetByContent::<Test>::get([1; 32]), Some(id));
			assert!(DatasetsByOwner::<Test>::contains_key(ALICE, id));
			assert_eq!(NextDatasetId::<Test>::get(), id + 1);
			System::assert_last_event(
				Event::Registered { id, owner: ALICE, content: content(1), deposit: expected }
					.into(),
			);
		});
	}

	#[test]
	fn refuses_a_content_hash_already_listed() {
		ExtBuilder::build_and_execute(|| {
			register(ALICE, 1);
			assert_noop!(
				Datasets::register(
					RuntimeOrigin::signed(BOB),
					content(1),
					URI.to_vec(),
					DatasetFormat::IdxArchive,
					Licence::Mit,
					0,
					Visibility::Public,
					vec![],
				),
				Error::<Test>::DuplicateContentHash
			);
		});
	}

	fn try_register(
		uri: &[u8],
		licence: Licence,
		description: Vec<u8>,
		content: ContentHash,
	) -> DispatchResult {
		Datasets::register(
			RuntimeOrigin::signed(ALICE),
			content,
			uri.to_vec(),
			DatasetFormat::Csv { label_column: 0, has_header: true },
			licence,
			1,
			Visibility::Public,
			description,
		)
	}

	#[test]
	fn refuses_bad_input_and_loses_nothing() {
		ExtBuilder::build_and_execute(|| {
			let too_long_uri = [b"https://".as_slice(), &[b'a'; 300]].concat();
			assert_noop!(
				try_register(&too_long_uri, Licence::Mit, vec![], content(2)),
				Error::<Test>::InvalidUri(UriError::TooLong)
			);
			assert_noop!(
				try_register(b"ftp://example.org/data.csv", Licence::Mit, vec![], content(2)),
				Error::<Test>::InvalidUri(UriError::UnsupportedScheme)
			);
			assert_noop!(
				try_register(b"https://", Licence::Mit, vec![], content(2)),
				Error::<Test>::InvalidUri(UriError::Malformed)
			);
			assert_noop!(
				try_register(
					URI,
					Licence::Mit,
					vec![b'x'; MAX_DESCRIPTION as usize + 1],
					content(2)
				),
				Error::<Test>::DescriptionTooLong
			);
			assert_noop!(
				try_register(URI, Licence::Custom(Default::default()), vec![], content(2)),
				Error::<Test>::InvalidLicence
			);
			assert_noop!(
				try_register(URI, Licence::Mit, vec![], ContentHash { root: [2; 32], size: 0 }),
				Error::<Test>::EmptyContent
			);
		});
	}

	#[test]
	fn refuses_an_owner_who_cannot_afford_the_deposit() {
		ExtBuilder::build_and_execute(|| {
			assert_noop!(
				Datasets::register(
					RuntimeOrigin::signed(PAUPER),
					content(3),
					URI.to_vec(),
					DatasetFormat::IdxArchive,
					Licence::Cc0,
					0,
					Visibility::Public,
					vec![],
				),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn requires_a_signed_origin() {
		ExtBuilder::build_and_execute(|| {
			assert_noop!(
				Datasets::register(
					RuntimeOrigin::root(),
					content(3),
					URI.to_vec(),
					DatasetFormat::IdxArchive,
					Licence::Cc0,
					0,
					Visibility::Public,
					vec![],
				),
				DispatchError::BadOrigin
			);
		});
	}
}

mod owner_updates {
	use super::*;

	#[test]
	fn set_price_changes_the_price() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_ok!(Datasets::set_price(RuntimeOrigin::signed(ALICE), id, 999));
			assert_eq!(dataset(id).price_per_use, 999);
			assert_eq!(<Datasets as DatasetInspect<_, _>>::price_per_use(id), Some(999));
			System::assert_last_event(Event::PriceChanged { id, price_per_use: 999 }.into());
		});
	}

	#[test]
	fn only_the_owner_updates_an_active_listing() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_noop!(
				Datasets::set_price(RuntimeOrigin::signed(BOB), id, 1),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Datasets::set_price(RuntimeOrigin::signed(ALICE), 42, 1),
				Error::<Test>::UnknownDataset
			);
			assert_noop!(
				Datasets::set_uri(RuntimeOrigin::signed(BOB), id, URI.to_vec()),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Datasets::set_visibility(RuntimeOrigin::signed(BOB), id, Visibility::AllowList),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Datasets::allow(RuntimeOrigin::signed(BOB), id, CHARLIE),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Datasets::disallow(RuntimeOrigin::signed(BOB), id, CHARLIE),
				Error::<Test>::NotOwner
			);
			assert_noop!(Datasets::retire(RuntimeOrigin::signed(BOB), id), Error::<Test>::NotOwner);
			assert_ok!(Datasets::retire(RuntimeOrigin::signed(ALICE), id));
			assert_noop!(
				Datasets::set_price(RuntimeOrigin::signed(ALICE), id, 1),
				Error::<Test>::NotActive
			);
			assert_noop!(
				Datasets::retire(RuntimeOrigin::signed(ALICE), id),
				Error::<Test>::NotActive
			);
		});
	}

	#[test]
	fn set_uri_keeps_the_content_and_resizes_the_deposit() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			let before = dataset(id).deposit;
			let longer =
				b"ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/train.tar"
					.to_vec();
			assert_ok!(Datasets::set_uri(RuntimeOrigin::signed(ALICE), id, longer.clone()));
			let listing = dataset(id);
			assert_eq!(listing.uri.as_bytes(), &longer[..]);
			assert_eq!(listing.content, content(1));
			// The record grew by the longer URI and a two-byte length prefix (over 63 bytes).
			let grown = (longer.len() - URI.len() + 1) as Balance * DEPOSIT_PER_BYTE;
			assert_eq!(listing.deposit, before + grown);
			assert_eq!(held(ALICE, HoldReason::ListingDeposit), before + grown);
			System::assert_has_event(Event::DepositChanged { id, deposit: before + grown }.into());
			assert_noop!(
				Datasets::set_uri(RuntimeOrigin::signed(ALICE), id, b"gopher://x".to_vec()),
				Error::<Test>::InvalidUri(UriError::UnsupportedScheme)
			);
		});
	}

	#[test]
	fn allow_list_decides_who_can_use_a_restricted_listing() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert!(<Datasets as DatasetInspect<_, _>>::can_use(&BOB, id));
			assert_ok!(Datasets::set_visibility(
				RuntimeOrigin::signed(ALICE),
				id,
				Visibility::AllowList
			));
			System::assert_last_event(
				Event::VisibilityChanged { id, visibility: Visibility::AllowList }.into(),
			);
			assert!(!<Datasets as DatasetInspect<_, _>>::can_use(&BOB, id));
			assert!(<Datasets as DatasetInspect<_, _>>::can_use(&ALICE, id));

			let before = held(ALICE, HoldReason::ListingDeposit);
			assert_ok!(Datasets::allow(RuntimeOrigin::signed(ALICE), id, BOB));
			System::assert_has_event(Event::Allowed { id, who: BOB }.into());
			assert!(<Datasets as DatasetInspect<_, _>>::can_use(&BOB, id));
			assert_eq!(held(ALICE, HoldReason::ListingDeposit), before + 8 * DEPOSIT_PER_BYTE);

			assert_ok!(Datasets::disallow(RuntimeOrigin::signed(ALICE), id, BOB));
			System::assert_has_event(Event::Disallowed { id, who: BOB }.into());
			assert!(!<Datasets as DatasetInspect<_, _>>::can_use(&BOB, id));
			assert_eq!(held(ALICE, HoldReason::ListingDeposit), before);
		});
	}

	#[test]
	fn allow_list_errors() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_ok!(Datasets::allow(RuntimeOrigin::signed(ALICE), id, BOB));
			assert_noop!(
				Datasets::allow(RuntimeOrigin::signed(ALICE), id, BOB),
				Error::<Test>::AlreadyAllowed
			);
			assert_noop!(
				Datasets::disallow(RuntimeOrigin::signed(ALICE), id, CHARLIE),
				Error::<Test>::NotAllowed
			);
			for who in 10..(10 + MAX_ALLOW_LIST as u64 - 1) {
				assert_ok!(Datasets::allow(RuntimeOrigin::signed(ALICE), id, who));
			}
			assert_noop!(
				Datasets::allow(RuntimeOrigin::signed(ALICE), id, CHARLIE),
				Error::<Test>::AllowListFull
			);
		});
	}

	#[test]
	fn a_larger_record_needs_an_affordable_deposit() {
		ExtBuilder::build_and_execute(|| {
			let id = register(BOB, 1);
			// Leave Bob just his held deposit and the existential deposit.
			let spendable = free(BOB) - 1;
			assert_ok!(<Balances as Mutate<AccountId>>::transfer(
				&BOB,
				&CHARLIE,
				spendable,
				frame_support::traits::tokens::Preservation::Preserve
			));
			assert_noop!(
				Datasets::allow(RuntimeOrigin::signed(BOB), id, ALICE),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn retire_releases_the_deposit_and_keeps_the_record() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			let deposit = dataset(id).deposit;
			let free_before = free(ALICE);
			assert_ok!(Datasets::retire(RuntimeOrigin::signed(ALICE), id));
			System::assert_last_event(Event::Retired { id, released: deposit }.into());
			assert_eq!(held(ALICE, HoldReason::ListingDeposit), 0);
			assert_eq!(free(ALICE), free_before + deposit);
			let listing = dataset(id);
			assert_eq!(listing.status, ListingStatus::Retired);
			assert_eq!(listing.deposit, 0);
			assert_eq!(<Datasets as DatasetInspect<_, _>>::content(id), Some(content(1)));
			assert_eq!(<Datasets as DatasetInspect<_, _>>::owner(id), Some(ALICE));
			assert_eq!(
				<Datasets as DatasetInspect<_, _>>::format(id),
				Some(DatasetFormat::IdxArchive)
			);
			assert!(!<Datasets as DatasetInspect<_, _>>::can_use(&ALICE, id));
			assert_eq!(<Datasets as DatasetInspect<_, _>>::price_per_use(id), None);
			// The content stays claimed: lineage must keep naming one listing.
			assert_noop!(
				Datasets::register(
					RuntimeOrigin::signed(ALICE),
					content(1),
					URI.to_vec(),
					DatasetFormat::IdxArchive,
					Licence::Cc0,
					0,
					Visibility::Public,
					vec![],
				),
				Error::<Test>::DuplicateContentHash
			);
		});
	}
}

mod flags {
	use super::*;

	#[test]
	fn flag_holds_the_bond() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_ok!(Datasets::flag(
				RuntimeOrigin::signed(BOB),
				id,
				b"not the licence it claims".to_vec()
			));
			assert_eq!(held(BOB, HoldReason::FlagBond), FLAG_BOND);
			assert_eq!(Flags::<Test>::get(id).map(|f| f.flagger), Some(BOB));
			System::assert_last_event(Event::Flagged { id, flagger: BOB, bond: FLAG_BOND }.into());
			assert_noop!(
				Datasets::retire(RuntimeOrigin::signed(ALICE), id),
				Error::<Test>::FlagPending
			);
		});
	}

	#[test]
	fn flag_errors() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			let reason = b"spam".to_vec();
			assert_noop!(
				Datasets::flag(RuntimeOrigin::signed(BOB), 9, reason.clone()),
				Error::<Test>::UnknownDataset
			);
			assert_noop!(
				Datasets::flag(RuntimeOrigin::signed(ALICE), id, reason.clone()),
				Error::<Test>::OwnListing
			);
			assert_noop!(
				Datasets::flag(RuntimeOrigin::signed(BOB), id, vec![]),
				Error::<Test>::InvalidReason
			);
			assert_noop!(
				Datasets::flag(RuntimeOrigin::signed(BOB), id, vec![b'x'; 65]),
				Error::<Test>::InvalidReason
			);
			assert_noop!(
				Datasets::flag(RuntimeOrigin::signed(PAUPER), id, reason.clone()),
				Error::<Test>::InsufficientBalance
			);
			assert_ok!(Datasets::flag(RuntimeOrigin::signed(BOB), id, reason.clone()));
			assert_noop!(
				Datasets::flag(RuntimeOrigin::signed(CHARLIE), id, reason.clone()),
				Error::<Test>::AlreadyFlagged
			);

			let retired = register(ALICE, 2);
			assert_ok!(Datasets::retire(RuntimeOrigin::signed(ALICE), retired));
			assert_noop!(
				Datasets::flag(RuntimeOrigin::signed(BOB), retired, reason),
				Error::<Test>::NotActive
			);
		});
	}

	#[test]
	fn upheld_flag_removes_the_listing_and_splits_the_slash() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			let deposit = dataset(id).deposit;
			assert_ok!(Datasets::flag(RuntimeOrigin::signed(BOB), id, b"illegal content".to_vec()));
			let (alice_free, bob_free, treasury_free) = (free(ALICE), free(BOB), free(TREASURY));

			assert_ok!(Datasets::resolve_flag(RuntimeOrigin::root(), id, true));

			let slashed = deposit / 2;
			let to_flagger = slashed / 5;
			let to_treasury = slashed - to_flagger;
			System::assert_last_event(
				Event::FlagUpheld {
					id,
					flagger: BOB,
					to_flagger,
					to_treasury,
					released_to_owner: deposit - slashed,
				}
				.into(),
			);
			assert_eq!(free(ALICE), alice_free + deposit - slashed);
			assert_eq!(free(BOB), bob_free + FLAG_BOND + to_flagger);
			assert_eq!(free(TREASURY), treasury_free + to_treasury);
			assert_eq!(held(ALICE, HoldReason::ListingDeposit), 0);
			assert_eq!(held(BOB, HoldReason::FlagBond), 0);
			assert_eq!(dataset(id).status, ListingStatus::Removed);
			assert!(Flags::<Test>::get(id).is_none());
			assert!(!<Datasets as DatasetInspect<_, _>>::can_use(&BOB, id));
		});
	}

	#[test]
	fn upheld_flag_leaves_the_owners_other_deposits_held() {
		ExtBuilder::build_and_execute(|| {
			let flagged = register(ALICE, 1);
			let kept = register(ALICE, 2);
			let kept_deposit = dataset(kept).deposit;
			assert_ok!(Datasets::flag(RuntimeOrigin::signed(BOB), flagged, b"illegal".to_vec()));

			assert_ok!(Datasets::resolve_flag(RuntimeOrigin::root(), flagged, true));

			assert_eq!(held(ALICE, HoldReason::ListingDeposit), kept_deposit);
			assert_eq!(dataset(kept).deposit, kept_deposit);
		});
	}

	#[test]
	fn rejected_flag_sends_the_bond_to_the_treasury() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_ok!(Datasets::flag(RuntimeOrigin::signed(BOB), id, b"I dislike it".to_vec()));
			let (bob_total, treasury_free) =
				(<Balances as Inspect<AccountId>>::total_balance(&BOB), free(TREASURY));
			assert_ok!(Datasets::resolve_flag(RuntimeOrigin::root(), id, false));
			System::assert_last_event(
				Event::FlagRejected { id, flagger: BOB, slashed_bond: FLAG_BOND }.into(),
			);
			assert_eq!(
				<Balances as Inspect<AccountId>>::total_balance(&BOB),
				bob_total - FLAG_BOND
			);
			assert_eq!(free(TREASURY), treasury_free + FLAG_BOND);
			assert_eq!(dataset(id).status, ListingStatus::Active);
			assert!(Flags::<Test>::get(id).is_none());
		});
	}

	#[test]
	fn resolve_flag_errors() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_noop!(
				Datasets::resolve_flag(RuntimeOrigin::root(), id, true),
				Error::<Test>::NotFlagged
			);
			assert_ok!(Datasets::flag(RuntimeOrigin::signed(BOB), id, b"spam".to_vec()));
			assert_noop!(
				Datasets::resolve_flag(RuntimeOrigin::signed(CHARLIE), id, true),
				DispatchError::BadOrigin
			);
		});
	}
}

#[test]
fn readers_name_who_may_read_an_active_listing() {
	ExtBuilder::build_and_execute(|| {
		let id = register(ALICE, 1);
		assert_eq!(<Datasets as DatasetInspect<_, _>>::readers(id), Some(Readers::Anyone));
		assert_ok!(Datasets::set_visibility(
			RuntimeOrigin::signed(ALICE),
			id,
			Visibility::AllowList
		));
		assert_ok!(Datasets::allow(RuntimeOrigin::signed(ALICE), id, BOB));
		let readers = <Datasets as DatasetInspect<_, _>>::readers(id).unwrap();
		assert_eq!(readers, Readers::Only(vec![BOB, ALICE]));
		assert!(readers.allows(&BOB) && readers.allows(&ALICE) && !readers.allows(&CHARLIE));
		assert_ok!(Datasets::retire(RuntimeOrigin::signed(ALICE), id));
		assert_eq!(<Datasets as DatasetInspect<_, _>>::readers(id), None);
		assert_eq!(<Datasets as DatasetInspect<_, _>>::readers(id + 1), None);
	});
}
