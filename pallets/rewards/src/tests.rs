//! Accruals, claims and emission.

use crate::{mock::*, Accrued, CurrentEra, Eras, Error, Event, OldestEra, WorkDone};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, Mutate},
};
use sp_runtime::DispatchError;
use verity_primitives::{RouteRewards, Share};

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

fn rewards_events() -> usize {
	System::events().iter().filter(|r| matches!(r.event, RuntimeEvent::Rewards(_))).count()
}

fn issuance() -> Balance {
	<Balances as Inspect<AccountId>>::total_issuance()
}

#[test]
fn a_share_accrues_without_moving_the_earners_balance() {
	ExtBuilder::default().build_and_execute(|| {
		let before = issuance();
		Rewards::route(7, Share::Worker, &WORKER, escrow(300));
		assert_eq!(Balances::free_balance(WORKER), 100);
		assert_eq!(Accrued::<Test>::get(WORKER), 300);
		assert_eq!(Rewards::total_owed(), 300);
		assert_eq!(Balances::free_balance(Rewards::account_id()), ED + 300);
		assert_eq!(
			last_event(),
			Event::Accrued { who: WORKER, job: 7, share: Share::Worker, amount: 300 }.into()
		);
		assert_eq!(issuance(), before);
	});
}

#[test]
fn shares_of_many_jobs_add_up_and_one_claim_pays_them_all() {
	ExtBuilder::default().build_and_execute(|| {
		let before = issuance();
		Rewards::route(1, Share::Worker, &WORKER, escrow(300));
		Rewards::route(2, Share::Auditor, &WORKER, escrow(50));
		Rewards::route(2, Share::DataOwner, &AUDITOR, escrow(20));
		assert_ok!(Rewards::claim(RuntimeOrigin::signed(WORKER)));
		assert_eq!(Balances::free_balance(WORKER), 100 + 350);
		assert_eq!(Accrued::<Test>::get(WORKER), 0);
		assert_eq!(Rewards::total_owed(), 20);
		assert_eq!(last_event(), Event::Claimed { who: WORKER, amount: 350 }.into());
		assert_eq!(issuance(), before);
	});
}

#[test]
fn an_empty_share_is_not_booked() {
	ExtBuilder::default().build_and_execute(|| {
		Rewards::route(1, Share::Worker, &WORKER, escrow(0));
		assert!(!Accrued::<Test>::contains_key(WORKER));
		assert_eq!(rewards_events(), 0);
	});
}

#[test]
fn claiming_nothing_fails() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Rewards::claim(RuntimeOrigin::signed(WORKER)), Error::<Test>::NothingToClaim);
		assert_noop!(
			Rewards::claim_for(RuntimeOrigin::signed(WORKER), TREASURY),
			Error::<Test>::NothingToClaim
		);
	});
}

#[test]
fn claims_need_a_signed_origin() {
	ExtBuilder::default().build_and_execute(|| {
		Rewards::route(1, Share::Treasury, &TREASURY, escrow(40));
		assert_noop!(Rewards::claim(RuntimeOrigin::none()), DispatchError::BadOrigin);
		assert_noop!(Rewards::claim_for(RuntimeOrigin::root(), TREASURY), DispatchError::BadOrigin);
		assert_noop!(Rewards::claim_emission(RuntimeOrigin::none(), 0), DispatchError::BadOrigin);
	});
}

#[test]
fn a_share_below_the_existential_deposit_waits_until_it_is_claimable() {
	ExtBuilder::default().build_and_execute(|| {
		Rewards::route(1, Share::DataOwner, &NEWCOMER, escrow(ED - 1));
		assert_noop!(
			Rewards::claim(RuntimeOrigin::signed(NEWCOMER)),
			Error::<Test>::BelowExistentialDeposit
		);
		// Nothing was lost: the next share makes it claimable.
		Rewards::route(2, Share::DataOwner, &NEWCOMER, escrow(3));
		assert_ok!(Rewards::claim(RuntimeOrigin::signed(NEWCOMER)));
		assert_eq!(Balances::free_balance(NEWCOMER), ED + 2);
	});
}

#[test]
fn a_small_share_is_claimable_once_the_account_exists() {
	ExtBuilder::default().build_and_execute(|| {
		Rewards::route(1, Share::Juror, &NEWCOMER, escrow(1));
		assert_noop!(
			Rewards::claim(RuntimeOrigin::signed(NEWCOMER)),
			Error::<Test>::BelowExistentialDeposit
		);
		assert_ok!(Balances::mint_into(&NEWCOMER, ED));
		assert_ok!(Rewards::claim(RuntimeOrigin::signed(NEWCOMER)));
		assert_eq!(Balances::free_balance(NEWCOMER), ED + 1);
	});
}

#[test]
fn anyone_may_pay_an_earner_what_it_accrued() {
	ExtBuilder::default().build_and_execute(|| {
		Rewards::route(1, Share::Treasury, &TREASURY, escrow(40));
		assert_ok!(Rewards::claim_for(RuntimeOrigin::signed(WORKER), TREASURY));
		assert_eq!(Balances::free_balance(TREASURY), 140);
		assert_eq!(Balances::free_balance(WORKER), 100);
		assert_eq!(Accrued::<Test>::get(TREASURY), 0);
	});
}

#[test]
fn without_emission_work_keeps_no_books() {
	ExtBuilder::default().build_and_execute(|| {
		Rewards::work_verified(1, &WORKER, 1_000);
		assert_eq!(WorkDone::<Test>::get(0, WORKER), 0);
		assert_eq!(Eras::<Test>::get(0).map(|e| e.work), Some(0));
		assert_eq!(rewards_events(), 0);
	});
}

#[test]
fn an_eras_emission_is_shared_pro_rata_to_verified_work() {
	ExtBuilder::default().emission(1_000).build_and_execute(|| {
		let before = issuance();
		Rewards::work_verified(1, &WORKER, 3_000);
		Rewards::work_verified(2, &AUDITOR, 1_000);
		assert_eq!(
			last_event(),
			Event::WorkRecorded { era: 0, worker: AUDITOR, job: 2, units: 1_000 }.into()
		);
		assert_noop!(
			Rewards::claim_emission(RuntimeOrigin::signed(WORKER), 0),
			Error::<Test>::EraNotEnded
		);
		run_to(ERA);
		assert_eq!(CurrentEra::<Test>::get(), 1);
		assert_ok!(Rewards::claim_emission(RuntimeOrigin::signed(WORKER), 0));
		assert_ok!(Rewards::claim_emission(RuntimeOrigin::signed(AUDITOR), 0));
		assert_eq!(Balances::free_balance(WORKER), 100 + 750);
		assert_eq!(Balances::free_balance(AUDITOR), 100 + 250);
		assert_eq!(
			last_event(),
			Event::EmissionClaimed { who: AUDITOR, era: 0, amount: 250 }.into()
		);
		assert_eq!(issuance(), before + 1_000);
		assert_noop!(
			Rewards::claim_emission(RuntimeOrigin::signed(WORKER), 0),
			Error::<Test>::NothingToClaim
		);
		assert_noop!(
			Rewards::claim_emission(RuntimeOrigin::signed(TREASURY), 0),
			Error::<Test>::NothingToClaim
		);
	});
}

#[test]
fn rounding_never_mints_more_than_the_emission() {
	ExtBuilder::default().emission(1_000).build_and_execute(|| {
		let before = issuance();
		for worker in [WORKER, AUDITOR, TREASURY] {
			Rewards::work_verified(1, &worker, 1);
		}
		run_to(ERA);
		for worker in [WORKER, AUDITOR, TREASURY] {
			assert_ok!(Rewards::claim_emission(RuntimeOrigin::signed(worker), 0));
		}
		assert_eq!(issuance(), before + 999);
	});
}

#[test]
fn emission_too_small_for_a_new_account_accrues() {
	ExtBuilder::default().emission(ED - 1).build_and_execute(|| {
		Rewards::work_verified(1, &NEWCOMER, 5);
		run_to(ERA);
		assert_ok!(Rewards::claim_emission(RuntimeOrigin::signed(NEWCOMER), 0));
		assert_eq!(Accrued::<Test>::get(NEWCOMER), ED - 1);
		assert_eq!(Balances::free_balance(NEWCOMER), 0);
	});
}

#[test]
fn an_eras_emission_expires_and_its_books_are_pruned() {
	ExtBuilder::default().emission(1_000).build_and_execute(|| {
		Rewards::work_verified(1, &WORKER, 10);
		Rewards::work_verified(1, &AUDITOR, 10);
		run_to(ERA * u64::from(HISTORY + 1));
		// Era 0 ended `HISTORY + 1` eras ago.
		assert_noop!(
			Rewards::claim_emission(RuntimeOrigin::signed(WORKER), 0),
			Error::<Test>::EraExpired
		);
		assert!(!Eras::<Test>::contains_key(0));
		assert_eq!(WorkDone::<Test>::iter_prefix(0).count(), 0);
		assert_eq!(OldestEra::<Test>::get(), 1);
		assert!(Eras::<Test>::contains_key(1));
	});
}

#[test]
fn emission_changes_from_the_next_era_and_only_by_governance() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Rewards::set_emission(RuntimeOrigin::signed(WORKER), 500),
			DispatchError::BadOrigin
		);
		assert_ok!(Rewards::set_emission(RuntimeOrigin::root(), 500));
		assert_eq!(last_event(), Event::EmissionSet { per_era: 500 }.into());
		// The era under way keeps its emission of zero.
		Rewards::work_verified(1, &WORKER, 10);
		assert_eq!(WorkDone::<Test>::get(0, WORKER), 0);
		run_to(ERA);
		assert_eq!(last_event(), Event::EraStarted { era: 1, emission: 500 }.into());
		Rewards::work_verified(2, &WORKER, 10);
		assert_eq!(WorkDone::<Test>::get(1, WORKER), 10);
	});
}

#[test]
fn the_books_balance_through_accruals_claims_and_emission() {
	ExtBuilder::default().emission(100).build_and_execute(|| {
		let before = issuance();
		Rewards::route(1, Share::Worker, &WORKER, escrow(500));
		Rewards::route(1, Share::Treasury, &TREASURY, escrow(7));
		Rewards::route(1, Share::Lineage, &NEWCOMER, escrow(3));
		Rewards::work_verified(1, &WORKER, 1);
		run_to(ERA);
		assert_ok!(Rewards::claim_emission(RuntimeOrigin::signed(WORKER), 0));
		assert_ok!(Rewards::claim(RuntimeOrigin::signed(WORKER)));
		assert_ok!(Rewards::claim_for(RuntimeOrigin::signed(WORKER), TREASURY));
		assert_eq!(Rewards::total_owed(), 3);
		assert_eq!(Balances::free_balance(Rewards::account_id()), ED + 3);
		assert_eq!(issuance(), before + 100);
	});
}
