use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn register_holds_stake_and_joins_the_draw() {
	ExtBuilder::build_and_execute(|| {
		register(&[10]);
		assert_eq!(held_stake(10), STAKE);
		assert_eq!(free(10), FUNDS - STAKE);
		let worker = Workers::<Test>::get(10).unwrap();
		assert!(worker.online);
		assert_eq!(worker.endpoint.as_bytes(), b"https://worker-10.example");
		assert_eq!(Candidates::<Test>::get().len(), 1);
		assert_eq!(Candidates::<Test>::get()[0].weight, STAKE);
		assert!(events().contains(&Event::WorkerRegistered { worker: 10, stake: STAKE }));
	});
}

#[test]
fn register_refuses_bad_input_and_keeps_funds() {
	ExtBuilder::build_and_execute(|| {
		let origin = || RuntimeOrigin::signed(10);
		assert_noop!(
			Compute::register_worker(origin(), 999, capabilities(), endpoint(10)),
			Error::<Test>::StakeTooLow
		);
		assert_noop!(
			Compute::register_worker(origin(), STAKE, capabilities(), b"ftp://x".to_vec()),
			Error::<Test>::InvalidUri(UriError::UnsupportedScheme)
		);
		assert_noop!(
			Compute::register_worker(origin(), STAKE, capabilities(), b"https://".to_vec()),
			Error::<Test>::InvalidUri(UriError::Malformed)
		);
		assert_noop!(
			Compute::register_worker(origin(), STAKE, capabilities(), vec![b'a'; 300]),
			Error::<Test>::InvalidUri(UriError::TooLong)
		);
		assert_noop!(
			Compute::register_worker(
				RuntimeOrigin::signed(PAUPER),
				1_000,
				capabilities(),
				endpoint(4)
			),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Compute::register_worker(RuntimeOrigin::none(), STAKE, capabilities(), endpoint(10)),
			DispatchError::BadOrigin
		);
		register(&[10]);
		assert_noop!(
			Compute::register_worker(origin(), STAKE, capabilities(), endpoint(10)),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn the_online_set_is_bounded() {
	ExtBuilder::build_and_execute(|| {
		let many: Vec<AccountId> = (100..100 + u64::from(MAX_WORKERS)).collect();
		for w in &many {
			Balances::force_set_balance(RuntimeOrigin::root(), *w, FUNDS).unwrap();
		}
		register(&many);
		Balances::force_set_balance(RuntimeOrigin::root(), 500, FUNDS).unwrap();
		assert_noop!(
			Compute::register_worker(
				RuntimeOrigin::signed(500),
				STAKE,
				capabilities(),
				endpoint(500)
			),
			Error::<Test>::TooManyWorkers
		);
		// Leaving frees a place.
		assert_ok!(Compute::go_offline(RuntimeOrigin::signed(100)));
		assert_ok!(Compute::register_worker(
			RuntimeOrigin::signed(500),
			STAKE,
			capabilities(),
			endpoint(500)
		));
		assert_noop!(Compute::go_online(RuntimeOrigin::signed(100)), Error::<Test>::TooManyWorkers);
	});
}

#[test]
fn add_stake_raises_weight() {
	ExtBuilder::build_and_execute(|| {
		register(&[10]);
		assert_ok!(Compute::add_stake(RuntimeOrigin::signed(10), 5_000));
		assert_eq!(held_stake(10), STAKE + 5_000);
		assert_eq!(Candidates::<Test>::get()[0].weight, STAKE + 5_000);
		assert_noop!(Compute::add_stake(RuntimeOrigin::signed(11), 5), Error::<Test>::NotWorker);
		assert_noop!(
			Compute::add_stake(RuntimeOrigin::signed(10), FUNDS),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn unbonding_keeps_stake_held_until_the_period_ends() {
	ExtBuilder::build_and_execute(|| {
		register(&[10]);
		assert_noop!(Compute::unbond(RuntimeOrigin::signed(10), 9_500), Error::<Test>::StakeTooLow);
		assert_noop!(Compute::unbond(RuntimeOrigin::signed(11), 1), Error::<Test>::NotWorker);
		assert_ok!(Compute::unbond(RuntimeOrigin::signed(10), 4_000));
		assert_eq!(held_stake(10), STAKE);
		let worker = Workers::<Test>::get(10).unwrap();
		assert_eq!((worker.stake, worker.unlocking, worker.unlock_at), (6_000, 4_000, 101));
		assert_noop!(
			Compute::withdraw_unbonded(RuntimeOrigin::signed(10)),
			Error::<Test>::NothingToWithdraw
		);
		run_to(101);
		assert_ok!(Compute::withdraw_unbonded(RuntimeOrigin::signed(10)));
		assert_eq!(held_stake(10), 6_000);
		assert_noop!(
			Compute::withdraw_unbonded(RuntimeOrigin::signed(10)),
			Error::<Test>::NothingToWithdraw
		);
	});
}

#[test]
fn unbonding_everything_leaves_and_deregisters() {
	ExtBuilder::build_and_execute(|| {
		register(&[10]);
		assert_ok!(Compute::unbond(RuntimeOrigin::signed(10), STAKE));
		assert!(Candidates::<Test>::get().is_empty());
		assert_noop!(Compute::go_online(RuntimeOrigin::signed(10)), Error::<Test>::StakeTooLow);
		run_to(101);
		assert_ok!(Compute::withdraw_unbonded(RuntimeOrigin::signed(10)));
		assert!(Workers::<Test>::get(10).is_none());
		assert_eq!(free(10), FUNDS);
		assert!(events().contains(&Event::WorkerDeregistered { worker: 10 }));
	});
}

#[test]
fn bonded_stake_cannot_be_unbonded() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		let id = post(train_spec(vec![d]), full_audit());
		let worker = trainer(id);
		let bond = job(id).assignees[0].bond;
		assert_eq!(Workers::<Test>::get(worker).unwrap().bonded, bond);
		assert_noop!(
			Compute::unbond(RuntimeOrigin::signed(worker), STAKE - bond + 1),
			Error::<Test>::StakeBonded
		);
	});
}

#[test]
fn capabilities_and_online_status() {
	ExtBuilder::build_and_execute(|| {
		register(&[10]);
		let mut caps = capabilities();
		caps.backend = Backend::Gpu;
		caps.max_parameters = 1;
		assert_ok!(Compute::set_capabilities(
			RuntimeOrigin::signed(10),
			caps.clone(),
			b"https://gpu.example".to_vec()
		));
		assert_eq!(Workers::<Test>::get(10).unwrap().capabilities, caps);
		assert_eq!(Candidates::<Test>::get()[0].max_parameters, 1);
		assert_noop!(
			Compute::set_capabilities(RuntimeOrigin::signed(10), caps.clone(), b"x".to_vec()),
			Error::<Test>::InvalidUri(UriError::UnsupportedScheme)
		);
		assert_noop!(
			Compute::set_capabilities(RuntimeOrigin::signed(11), caps, endpoint(11)),
			Error::<Test>::NotWorker
		);
		assert_noop!(Compute::go_online(RuntimeOrigin::signed(10)), Error::<Test>::AlreadyOnline);
		assert_ok!(Compute::go_offline(RuntimeOrigin::signed(10)));
		assert!(Candidates::<Test>::get().is_empty());
		assert_noop!(Compute::go_offline(RuntimeOrigin::signed(10)), Error::<Test>::AlreadyOffline);
		assert_noop!(Compute::go_offline(RuntimeOrigin::signed(11)), Error::<Test>::NotWorker);
		assert_ok!(Compute::go_online(RuntimeOrigin::signed(10)));
		assert_eq!(Candidates::<Test>::get().len(), 1);
	});
}

#[test]
fn workers_too_small_for_the_model_are_not_drawn() {
	ExtBuilder::build_and_execute(|| {
		register(&[10, 11]);
		let mut small = capabilities();
		small.max_parameters = 1_000;
		assert_ok!(Compute::set_capabilities(RuntimeOrigin::signed(10), small, endpoint(10)));
		// Enough stake for every bond below.
		assert_ok!(Compute::add_stake(RuntimeOrigin::signed(11), 50_000));
		let d = dataset(1);
		for _ in 0..5 {
			let id = post(
				train_spec(vec![d]),
				Verification { audit_rate: Perbill::from_percent(5), replicas: 0 },
			);
			assert_eq!(trainer(id), 11);
			advance(1);
		}
	});
}

#[test]
fn the_draw_is_weighted_by_stake_and_reputation() {
	ExtBuilder::build_and_execute(|| {
		register(&[10, 11]);
		assert_ok!(Compute::add_stake(RuntimeOrigin::signed(10), 2 * STAKE));
		let candidates = Candidates::<Test>::get();
		let mut stream_hits = [0u32; 2];
		for seed in 0..3_000u64 {
			set_seed(seed);
			let drawn = Compute::draw_workers(
				&mut crate::draw::RandomStream::new::<Test>(b"test", seed),
				1,
				&crate::draw::Eligibility { bond: 0, parameters: 0, exclude: &[], class: None },
				|_| true,
			);
			stream_hits[usize::from(drawn[0] == 11)] += 1;
		}
		// 30_000 against 10_000 stake: three in four draws.
		let share = f64::from(stream_hits[0]) / 3_000.0;
		assert!((share - 0.75).abs() < 0.03, "worker 10 drawn {share}");
		assert_eq!(candidates.len(), 2);

		// A lost dispute halves a new worker's weight.
		let mut worker = Workers::<Test>::get(11).unwrap();
		worker.faults = 1;
		assert_eq!(worker.reputation(), Perbill::from_percent(50));
		assert_eq!(worker.draw_weight(), STAKE / 2);
		worker.jobs_done = 90;
		assert_eq!(worker.reputation(), Perbill::from_rational(100u32, 110u32));
	});
}
