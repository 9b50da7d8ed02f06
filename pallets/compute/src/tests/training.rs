use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use pallet_models::Lineage;

/// 10_000 reward + 1_000 audit fee + 200 protocol fee + 1_000 data fee + 10 deposit.
const TOTAL: Balance = 12_210;

fn setup() -> (DatasetId, JobId) {
	register(&WORKERS);
	let d = dataset(1);
	(d, post(train_spec(vec![d]), full_audit()))
}

fn submit(id: JobId) {
	submit_and_draw(id);
}

#[test]
fn posting_holds_the_quoted_price_and_assigns_a_bonded_worker() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		let quote = Compute::quote(&ALICE, &train_spec(vec![d]), &full_audit(), REWARD).unwrap();
		assert_eq!(
			(quote.reward, quote.audit_fee, quote.protocol_fee, quote.deposit, quote.total),
			(REWARD, 1_000, 200, 10, TOTAL)
		);
		assert_eq!(quote.data_fees.to_vec(), vec![Payment { to: BOB, amount: 1_000 }]);
		assert_eq!(quote.royalty, None);
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				train_spec(vec![d]),
				full_audit(),
				REWARD,
				WORK,
				TOTAL - 1
			),
			Error::<Test>::PriceAboveLimit
		);
		let id = post(train_spec(vec![d]), full_audit());
		assert_eq!(escrow(ALICE), TOTAL);
		let job = job(id);
		assert_eq!(job.quote, quote);
		assert_eq!(job.status, JobStatus::Assigned { until: 1 + WORK });
		assert_eq!(job.tolerance, Perbill::from_parts(1_000));
		let assignee = &job.assignees[0];
		assert_ne!(assignee.worker, ALICE);
		assert_eq!(assignee.bond, 6_100);
		assert_eq!(Workers::<Test>::get(assignee.worker).unwrap().bonded, 6_100);
		assert_eq!(Compute::duties_of(&assignee.worker), vec![Duty::Work(id)]);
	});
}

#[test]
fn bad_jobs_are_refused_and_nothing_is_held() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		let try_post = |spec: JobSpec<Test>, verification: Verification, work: u64| {
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				spec,
				verification,
				REWARD,
				work,
				u64::MAX,
			)
		};
		let with = |f: &dyn Fn(&mut TrainSpec<Test>)| {
			let JobSpec::Train(mut spec) = train_spec(vec![d]) else { unreachable!() };
			f(&mut spec);
			JobSpec::Train(spec)
		};
		assert_noop!(
			try_post(train_spec(vec![d]), full_audit(), 0),
			Error::<Test>::InvalidDeadline
		);
		assert_noop!(
			try_post(train_spec(vec![d]), full_audit(), 1_001),
			Error::<Test>::InvalidDeadline
		);
		assert_noop!(try_post(train_spec(vec![]), full_audit(), WORK), Error::<Test>::NoDataset);
		assert_noop!(
			try_post(train_spec(vec![77]), full_audit(), WORK),
			Error::<Test>::DatasetUnavailable
		);
		assert_noop!(
			try_post(train_spec(vec![d, d]), full_audit(), WORK),
			Error::<Test>::DuplicateDataset
		);
		let (d2, d3) = (dataset(2), dataset(3));
		assert_noop!(
			try_post(with(&|s| s.validation = Some(d3 + 1)), full_audit(), WORK),
			Error::<Test>::DatasetUnavailable
		);
		assert_noop!(
			try_post(
				with(&|s| {
					s.datasets = BoundedVec::truncate_from(vec![d, d2, d3]);
					s.validation = Some(d);
				}),
				full_audit(),
				WORK
			),
			Error::<Test>::TooManyDatasets
		);
		assert_noop!(
			try_post(with(&|s| s.steps = 0), full_audit(), WORK),
			Error::<Test>::InvalidTrainingPlan
		);
		assert_noop!(
			try_post(with(&|s| s.checkpoint_interval = STEPS + 1), full_audit(), WORK),
			Error::<Test>::InvalidTrainingPlan
		);
		assert_noop!(
			try_post(
				with(&|s| {
					s.steps = 1_000;
					s.checkpoint_interval = 1;
				}),
				full_audit(),
				WORK
			),
			Error::<Test>::TooManySegments
		);
		assert_noop!(
			try_post(
				with(&|s| s.base =
					TrainBase::Fresh(ArchitectureSpec::Mlp(verity_primitives::MlpSpec {
						inputs: 0,
						hidden: BoundedVec::new(),
						outputs: 10,
						activation: verity_primitives::Activation::Relu,
					}))),
				full_audit(),
				WORK
			),
			Error::<Test>::InvalidArchitecture
		);
		assert_noop!(
			try_post(with(&|s| s.base = TrainBase::FineTune(42)), full_audit(), WORK),
			Error::<Test>::ModelUnavailable
		);
		assert_noop!(
			try_post(with(&|s| s.licence = Licence::Custom(BoundedVec::new())), full_audit(), WORK),
			Error::<Test>::InvalidLicence
		);
		assert_noop!(
			try_post(
				train_spec(vec![d]),
				Verification { audit_rate: Perbill::from_percent(4), replicas: 0 },
				WORK
			),
			Error::<Test>::AuditRateTooLow
		);
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(PAUPER),
				train_spec(vec![d]),
				full_audit(),
				REWARD,
				WORK,
				u64::MAX
			),
			Error::<Test>::InsufficientBalance
		);
		assert_eq!(escrow(ALICE), 0);
	});
}

#[test]
fn no_eligible_worker_refuses_the_job() {
	ExtBuilder::build_and_execute(|| {
		let d = dataset(1);
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				train_spec(vec![d]),
				full_audit(),
				REWARD,
				WORK,
				u64::MAX
			),
			Error::<Test>::NoEligibleWorker
		);
		// The poster is never its own worker.
		Balances::force_set_balance(RuntimeOrigin::root(), ALICE, FUNDS).unwrap();
		assert_ok!(Compute::register_worker(
			RuntimeOrigin::signed(ALICE),
			STAKE,
			capabilities(),
			endpoint(1)
		));
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				train_spec(vec![d]),
				full_audit(),
				REWARD,
				WORK,
				u64::MAX
			),
			Error::<Test>::NoEligibleWorker
		);
	});
}

#[test]
fn private_datasets_go_only_to_allowed_workers() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		assert_ok!(Datasets::set_visibility(
			RuntimeOrigin::signed(BOB),
			d,
			pallet_datasets::Visibility::AllowList
		));
		assert_ok!(Datasets::allow(RuntimeOrigin::signed(BOB), d, ALICE));
		assert_ok!(Datasets::allow(RuntimeOrigin::signed(BOB), d, 13));
		// Enough stake for every bond below.
		assert_ok!(Compute::add_stake(RuntimeOrigin::signed(13), 50_000));
		for _ in 0..5 {
			let id = post(
				train_spec(vec![d]),
				Verification { audit_rate: Perbill::from_percent(5), replicas: 0 },
			);
			assert_eq!(trainer(id), 13);
			advance(1);
		}
	});
}

#[test]
fn submission_draws_distinct_auditors_after_the_fact() {
	ExtBuilder::build_and_execute(|| {
		let (_, id) = setup();
		let worker = trainer(id);
		assert!(job(id).audits.is_empty());
		submit(id);
		assert!(events().iter().any(|e| matches!(e, Event::AuditsDrawn { job, .. } if *job == id)));
		let job = job(id);
		assert_eq!(job.audits.len() as u32, MAX_AUDITS.min(SEGMENTS));
		let mut auditors: Vec<AccountId> = job.audits.iter().map(|a| a.auditor).collect();
		auditors.sort();
		auditors.dedup();
		assert_eq!(auditors.len(), job.audits.len());
		assert!(!auditors.contains(&worker) && !auditors.contains(&ALICE));
		let segments: Vec<u32> = job.audits.iter().map(|a| a.segment).collect();
		assert!(segments.windows(2).all(|w| w[0] < w[1]) && segments.iter().all(|s| *s < SEGMENTS));
		assert_eq!(
			job.status,
			JobStatus::Auditing {
				at: 1 + DRAWN,
				audit_commit_until: 1 + DRAWN + COMMIT,
				audit_reveal_until: 1 + DRAWN + COMMIT + REVEAL,
				challenge_until: 1 + DRAWN + CHALLENGE
			}
		);
		for audit in &job.audits {
			assert_eq!(Workers::<Test>::get(audit.auditor).unwrap().bonded, 200);
		}
	});
}

#[test]
fn submission_errors() {
	ExtBuilder::build_and_execute(|| {
		let (_, id) = setup();
		let worker = trainer(id);
		let other = WORKERS.iter().copied().find(|w| *w != worker).unwrap();
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(other), id, result_for(SEGMENTS)),
			Error::<Test>::NotAssigned
		);
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(worker), id + 1, result_for(SEGMENTS)),
			Error::<Test>::UnknownJob
		);
		let mut wrong = result_for(SEGMENTS);
		wrong.checkpoints = SEGMENTS;
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(worker), id, wrong),
			Error::<Test>::WrongCheckpointCount
		);
		run_to(2 + WORK);
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(worker), id, result_for(SEGMENTS)),
			Error::<Test>::DeadlinePassed
		);
		run_to(1);
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(worker), id, result_for(SEGMENTS)));
		assert_eq!(job(id).status, JobStatus::AwaitingAudits { at: 1, draw_at: 1 + DRAW_DELAY });
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(worker), id, result_for(SEGMENTS)),
			Error::<Test>::WrongJobState
		);
		// The audits wait for randomness the trainer could not know when it submitted.
		assert!(job(id).audits.is_empty());
		assert_noop!(Compute::draw_audits(RuntimeOrigin::signed(BOB), id), Error::<Test>::TooEarly);
		assert_noop!(
			Compute::process_job(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::WrongJobState
		);
		advance(DRAWN);
		assert_ok!(Compute::draw_audits(RuntimeOrigin::signed(BOB), id));
		assert_noop!(
			Compute::draw_audits(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::WrongJobState
		);
		assert_noop!(
			Compute::draw_audits(RuntimeOrigin::signed(BOB), id + 1),
			Error::<Test>::UnknownJob
		);
	});
}

#[test]
fn an_audited_run_finalizes_registers_the_model_and_pays_everyone() {
	ExtBuilder::build_and_execute(|| {
		let (_, id) = setup();
		let worker = trainer(id);
		submit(id);
		commit_and_reveal_audits(id, |_| true);
		let auditors: Vec<AccountId> = job(id).audits.iter().map(|a| a.auditor).collect();
		let before: Vec<Balance> = [worker, BOB, TREASURY].iter().map(|a| free(*a)).collect();
		let auditors_before: Vec<Balance> = auditors.iter().map(|a| free(*a)).collect();
		assert_noop!(Compute::process_job(RuntimeOrigin::signed(BOB), id), Error::<Test>::TooEarly);
		run_to(2 + DRAWN + CHALLENGE);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));

		assert!(Jobs::<Test>::get(id).is_none());
		assert_eq!(escrow(ALICE), 0);
		assert_eq!(free(worker), before[0] + REWARD);
		assert_eq!(free(BOB), before[1] + 1_000);
		assert_eq!(free(TREASURY), before[2] + 200);
		for (auditor, was) in auditors.iter().zip(auditors_before) {
			assert_eq!(free(*auditor), was + 250);
			let record = Workers::<Test>::get(auditor).unwrap();
			assert_eq!((record.bonded, record.verifications_done), (0, 1));
		}
		let record = Workers::<Test>::get(worker).unwrap();
		assert_eq!((record.bonded, record.jobs_done), (0, 1));
		assert!(Compute::duties_of(&worker).is_empty());

		let model =
			pallet_models::Models::<Test>::get(pallet_models::NextModelId::<Test>::get() - 1)
				.unwrap();
		assert_eq!(model.owner, ALICE);
		assert_eq!(model.lineage, Lineage::TrainedBy { job: id });
		assert_eq!(model.weights, content(200));
		assert!(
			matches!(events().last(), Some(Event::JobFinalized { job, model: Some(_), output: None }) if *job == id)
		);
	});
}

#[test]
fn audits_are_settled_a_bounded_batch_per_call() {
	ExtBuilder::build_and_execute(|| {
		BondsSettledPerCall::set(1);
		let (_, id) = setup();
		submit(id);
		// Three audits pass; the last auditor stays silent.
		let audits = job(id).audits;
		let (_, speaking) = audits.split_last().unwrap();
		for audit in speaking {
			commit_report(id, audit, audit_report(audit.segment, true).0);
		}
		// One auditor never commits: the reveals open when the commit window closes.
		advance(COMMIT + 1);
		for audit in speaking {
			let (report, end_proof) = audit_report(audit.segment, true);
			reveal_report(id, audit, report, end_proof);
		}
		assert_eq!(job(id).audits.iter().filter(|a| a.passed.is_none()).count(), 1);
		let auditors: Vec<AccountId> = job(id).audits.iter().map(|a| a.auditor).collect();
		let before: Vec<Balance> = auditors.iter().map(|a| free(*a)).collect();
		let treasury = free(TREASURY);
		let held = escrow(ALICE);
		run_to(2 + DRAWN + CHALLENGE);
		for settled in 1..MAX_AUDITS {
			assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
			let remaining = MAX_AUDITS - settled;
			assert_eq!(events().last(), Some(&Event::AuditsSettled { job: id, remaining }));
			let job = job(id);
			assert_eq!(job.audits.iter().filter(|a| !a.settled).count() as u32, remaining);
			// Each passing auditor got a third of the fee, out of the escrow.
			assert_eq!(free(auditors[settled as usize - 1]), before[settled as usize - 1] + 333);
			assert_eq!(escrow(ALICE), held - 333 * Balance::from(settled));
		}
		// The last call slashes the silent auditor and finalizes; the fee's dust goes to the
		// treasury with the no-show's slash and the protocol fee.
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert!(Jobs::<Test>::get(id).is_none());
		assert_eq!(escrow(ALICE), 0);
		let silent_auditor = *auditors.last().unwrap();
		assert_eq!(free(silent_auditor), *before.last().unwrap());
		assert!(events().contains(&Event::DeadlineMissed { job: id, worker: silent_auditor }));
		let no_show = Perbill::from_percent(20).mul_floor(Compute::params().audit_bond);
		assert_eq!(free(TREASURY), treasury + 200 + 1 + no_show);
		for auditor in &auditors {
			assert_eq!(Workers::<Test>::get(auditor).unwrap().bonded, 0);
		}
	});
}

#[test]
fn fine_tunes_pay_a_royalty_and_record_lineage() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		let base = model(9);
		let JobSpec::Train(mut spec) = train_spec(vec![d]) else { unreachable!() };
		spec.base = TrainBase::FineTune(base);
		let id = post(
			JobSpec::Train(spec),
			Verification { audit_rate: Perbill::from_percent(5), replicas: 0 },
		);
		assert_eq!(job(id).quote.royalty, Some(Payment { to: BOB, amount: 500 }));
		submit(id);
		commit_and_reveal_audits(id, |_| true);
		let bob = free(BOB);
		run_to(2 + DRAWN + CHALLENGE);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert_eq!(free(BOB), bob + 1_000 + 500);
		let model = pallet_models::Models::<Test>::get(base + 1).unwrap();
		assert_eq!(model.lineage, Lineage::FineTunedFrom { model: base, job: id });
	});
}

#[test]
fn audit_commit_and_reveal_errors() {
	ExtBuilder::build_and_execute(|| {
		let (_, id) = setup();
		submit(id);
		let audits = job(id).audits;
		let (a, b) = (&audits[0], &audits[1]);
		let commit = |who: AccountId, segment: u32, passed: bool| {
			audit_commitment(id, who, segment, audit_report(segment, passed).0)
		};
		let reveal = |who: AccountId, segment: u32, passed: bool| {
			let (report, end_proof) = audit_report(segment, passed);
			Compute::reveal_audit(
				RuntimeOrigin::signed(who),
				id,
				segment,
				report,
				end_proof,
				salt(who),
			)
		};
		assert_noop!(
			Compute::commit_audit(RuntimeOrigin::signed(a.auditor), id, b.segment, [0; 32]),
			Error::<Test>::UnknownSegment
		);
		assert_noop!(reveal(a.auditor, a.segment, true), Error::<Test>::RevealNotOpen);
		assert_ok!(Compute::commit_audit(
			RuntimeOrigin::signed(a.auditor),
			id,
			a.segment,
			commit(a.auditor, a.segment, true)
		));
		assert_noop!(
			Compute::commit_audit(RuntimeOrigin::signed(a.auditor), id, a.segment, [0; 32]),
			Error::<Test>::AlreadyCommitted
		);
		run_to(2 + DRAWN + COMMIT);
		assert_noop!(
			Compute::commit_audit(RuntimeOrigin::signed(b.auditor), id, b.segment, [0; 32]),
			Error::<Test>::DeadlinePassed
		);
		assert_noop!(reveal(b.auditor, b.segment, true), Error::<Test>::NotCommitted);
		assert_noop!(reveal(a.auditor, a.segment, false), Error::<Test>::CommitmentMismatch);
		assert_ok!(reveal(a.auditor, a.segment, true));
		assert_noop!(reveal(a.auditor, a.segment, true), Error::<Test>::AlreadyRevealed);
		run_to(2 + DRAWN + COMMIT + REVEAL);
		assert_noop!(reveal(a.auditor, a.segment, true), Error::<Test>::DeadlinePassed);
		assert_noop!(
			Compute::commit_audit(RuntimeOrigin::signed(a.auditor), id + 5, a.segment, [0; 32]),
			Error::<Test>::UnknownJob
		);
	});
}

#[test]
fn silent_auditors_are_slashed_and_the_job_still_finalizes() {
	ExtBuilder::build_and_execute(|| {
		let (_, id) = setup();
		submit(id);
		let silent = job(id).audits[0].auditor;
		let treasury = free(TREASURY);
		run_to(2 + DRAWN + CHALLENGE);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		// 20% of a 200 bond, from each of the four silent auditors, and no audit fee paid:
		// the treasury keeps the protocol fee, the whole audit fee and the slashes.
		assert_eq!(held_stake(silent), STAKE - 40);
		assert_eq!(Workers::<Test>::get(silent).unwrap().faults, 1);
		assert_eq!(free(TREASURY), treasury + 200 + 1_000 + 4 * 40);
		assert!(events().contains(&Event::DeadlineMissed { job: id, worker: silent }));
	});
}

#[test]
fn a_no_show_trainer_is_slashed_and_replaced_then_the_job_refunded() {
	ExtBuilder::build_and_execute(|| {
		let (_, id) = setup();
		let first = trainer(id);
		assert_noop!(Compute::process_job(RuntimeOrigin::signed(BOB), id), Error::<Test>::TooEarly);
		run_to(2 + WORK);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		// 20% of its 6_100 bond.
		assert_eq!(held_stake(first), STAKE - 1_220);
		let second = trainer(id);
		assert_ne!(second, first);
		assert_eq!(job(id).attempts, 2);
		assert_eq!(job(id).status, JobStatus::Assigned { until: 2 + 2 * WORK });
		run_to(3 + 2 * WORK);
		let alice = free(ALICE);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert_eq!(held_stake(second), STAKE - 1_220);
		assert!(Jobs::<Test>::get(id).is_none());
		assert_eq!(free(ALICE), alice + TOTAL);
		assert!(events().contains(&Event::JobExpired { job: id }));
		assert_noop!(
			Compute::process_job(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::UnknownJob
		);
	});
}

#[test]
fn a_slashed_worker_below_the_minimum_goes_offline() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		// Stakes just above the minimum: one no-show slash takes them below it.
		for w in WORKERS {
			assert_ok!(Compute::unbond(RuntimeOrigin::signed(w), STAKE - 1_100));
		}
		let d = dataset(1);
		let JobSpec::Train(mut spec) = train_spec(vec![d]) else { unreachable!() };
		spec.inference_price = 0;
		let id = NextJobId::<Test>::get();
		assert_ok!(Compute::post_job(
			RuntimeOrigin::signed(ALICE),
			JobSpec::Train(spec),
			full_audit(),
			1_000,
			WORK,
			u64::MAX
		));
		let first = trainer(id);
		run_to(2 + WORK);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		let record = Workers::<Test>::get(first).unwrap();
		assert!(!record.online && record.stake < 1_000);
		assert!(Candidates::<Test>::get().iter().all(|c| c.who != first));
	});
}
