use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};

const LABELS: JobOutput = JobOutput::Predictions(ContentHash { root: [5; 32], size: 600 });
const WRONG_LABELS: JobOutput = JobOutput::Predictions(ContentHash { root: [6; 32], size: 600 });

fn infer_spec(model: ModelId) -> JobSpec<Test> {
	JobSpec::Infer { model, input: content(50), input_uri: Uri::parse(b"ipfs://input").unwrap() }
}

fn commit(id: JobId, who: AccountId, output: JobOutput) {
	assert_ok!(Compute::commit_output(
		RuntimeOrigin::signed(who),
		id,
		Compute::commitment_of(CommitKind::Output, id, &who, output, &salt(who))
	));
}

fn reveal(id: JobId, who: AccountId, output: JobOutput) {
	assert_ok!(Compute::reveal_output(RuntimeOrigin::signed(who), id, output, salt(who)));
}

fn replicas_of(id: JobId) -> Vec<AccountId> {
	job(id).assignees.iter().map(|a| a.worker).collect()
}

#[test]
fn agreeing_replicas_finalize_and_split_the_reward() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let m = model(1);
		let id = post(infer_spec(m), replicas(2));
		// 10_000 reward + 200 protocol fee + 500 royalty + 10 deposit.
		assert_eq!(escrow(ALICE), 10_710);
		let workers = replicas_of(id);
		assert_eq!(workers.len(), 2);
		assert_ne!(workers[0], workers[1]);
		let before: Vec<Balance> = workers.iter().map(|w| free(*w)).collect();
		let bob = free(BOB);
		commit(id, workers[0], LABELS);
		assert_noop!(
			Compute::reveal_output(RuntimeOrigin::signed(workers[0]), id, LABELS, salt(workers[0])),
			Error::<Test>::RevealNotOpen
		);
		commit(id, workers[1], LABELS);
		assert_eq!(job(id).status, JobStatus::Revealing { until: 1 + REVEAL });
		reveal(id, workers[0], LABELS);
		reveal(id, workers[1], LABELS);
		assert!(Jobs::<Test>::get(id).is_none());
		for (w, was) in workers.iter().zip(before) {
			assert_eq!(free(*w), was + 5_000);
		}
		assert_eq!(free(BOB), bob + 500);
		assert_eq!(escrow(ALICE), 0);
		assert!(events().contains(&Event::JobFinalized {
			job: id,
			model: None,
			output: Some(LABELS)
		}));
	});
}

#[test]
fn evaluation_scores_are_written_to_the_registry() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let m = model(1);
		let d = dataset(2);
		let id = post(JobSpec::Evaluate { model: m, dataset: d }, replicas(3));
		let score = JobOutput::Score { correct: 8_700, total: 10_000 };
		let workers = replicas_of(id);
		for w in &workers {
			commit(id, *w, score);
		}
		for w in &workers {
			reveal(id, *w, score);
		}
		let evaluation = pallet_models::Evaluations::<Test>::get(m, d).unwrap();
		assert_eq!((evaluation.correct, evaluation.total, evaluation.job), (8_700, 10_000, id));
	});
}

#[test]
fn output_errors() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let m = model(1);
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				infer_spec(m),
				replicas(1),
				REWARD,
				WORK,
				u64::MAX
			),
			Error::<Test>::InvalidReplicas
		);
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				infer_spec(m),
				replicas(4),
				REWARD,
				WORK,
				u64::MAX
			),
			Error::<Test>::InvalidReplicas
		);
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				infer_spec(m + 1),
				replicas(2),
				REWARD,
				WORK,
				u64::MAX
			),
			Error::<Test>::ModelUnavailable
		);
		let id = post(infer_spec(m), replicas(2));
		let workers = replicas_of(id);
		let outsider = WORKERS.iter().copied().find(|w| !workers.contains(w)).unwrap();
		assert_noop!(
			Compute::commit_output(RuntimeOrigin::signed(outsider), id, [0; 32]),
			Error::<Test>::NotAssigned
		);
		commit(id, workers[0], LABELS);
		assert_noop!(
			Compute::commit_output(RuntimeOrigin::signed(workers[0]), id, [0; 32]),
			Error::<Test>::AlreadyCommitted
		);
		commit(id, workers[1], LABELS);
		assert_noop!(
			Compute::reveal_output(
				RuntimeOrigin::signed(workers[0]),
				id,
				JobOutput::Score { correct: 1, total: 2 },
				salt(workers[0])
			),
			Error::<Test>::InvalidOutput
		);
		assert_noop!(
			Compute::reveal_output(
				RuntimeOrigin::signed(workers[0]),
				id,
				WRONG_LABELS,
				salt(workers[0])
			),
			Error::<Test>::CommitmentMismatch
		);
		reveal(id, workers[0], LABELS);
		assert_noop!(
			Compute::reveal_output(RuntimeOrigin::signed(workers[0]), id, LABELS, salt(workers[0])),
			Error::<Test>::AlreadyRevealed
		);
		run_to(2 + REVEAL);
		assert_noop!(
			Compute::reveal_output(RuntimeOrigin::signed(workers[1]), id, LABELS, salt(workers[1])),
			Error::<Test>::DeadlinePassed
		);
		// A training job takes no outputs.
		let d = dataset(3);
		let train = post(train_spec(vec![d]), full_audit());
		assert_noop!(
			Compute::commit_output(RuntimeOrigin::signed(trainer(train)), train, [0; 32]),
			Error::<Test>::WrongJobState
		);
		assert_noop!(
			Compute::reveal_output(RuntimeOrigin::signed(trainer(train)), train, LABELS, [0; 32]),
			Error::<Test>::WrongJobState
		);
	});
}

#[test]
fn a_silent_replica_is_dropped_and_two_left_continue() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let m = model(1);
		let id = post(infer_spec(m), replicas(3));
		let workers = replicas_of(id);
		commit(id, workers[0], LABELS);
		commit(id, workers[1], LABELS);
		run_to(2 + WORK);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert!(events().contains(&Event::DeadlineMissed { job: id, worker: workers[2] }));
		assert_eq!(job(id).assignees.len(), 2);
		assert_eq!(job(id).status, JobStatus::Revealing { until: 2 + WORK + REVEAL });
		reveal(id, workers[0], LABELS);
		reveal(id, workers[1], LABELS);
		assert!(Jobs::<Test>::get(id).is_none());
		// Each of the two is paid half; the silent one lost 20% of its bond.
		assert_eq!(held_stake(workers[2]), STAKE - 1_070);
	});
}

#[test]
fn too_few_replicas_left_refund_the_poster() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let m = model(1);
		let id = post(infer_spec(m), replicas(2));
		let workers = replicas_of(id);
		commit(id, workers[0], LABELS);
		commit(id, workers[1], LABELS);
		reveal(id, workers[0], LABELS);
		assert_noop!(Compute::process_job(RuntimeOrigin::signed(BOB), id), Error::<Test>::TooEarly);
		run_to(2 + REVEAL);
		let alice = free(ALICE);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert_eq!(free(ALICE), alice + 10_710);
		assert_eq!(Workers::<Test>::get(workers[0]).unwrap().bonded, 0);
		assert!(Workers::<Test>::get(workers[1]).unwrap().stake < STAKE);
		assert!(events().contains(&Event::JobExpired { job: id }));
	});
}

#[test]
fn no_replica_of_the_job_sits_on_its_jury() {
	// Five workers: three replicas and two outsiders. A jury of three could only be filled
	// with the replica that is not a party, so with that replica excluded every seed
	// draws exactly the two outsiders.
	for round in 0..8u64 {
		ExtBuilder::build_and_execute(|| {
			set_seed(round);
			register(&WORKERS[..5]);
			let m = model(1);
			let id = post(infer_spec(m), replicas(3));
			let workers = replicas_of(id);
			commit(id, workers[0], LABELS);
			commit(id, workers[1], WRONG_LABELS);
			commit(id, workers[2], LABELS);
			for (w, output) in workers.iter().zip([LABELS, WRONG_LABELS, LABELS]) {
				reveal(id, *w, output);
			}
			let dispute_id = job(id).disputes[0];
			draw_jury(dispute_id);
			let jury = dispute(dispute_id).jurors;
			assert_eq!(jury.len(), 2);
			assert!(jury.iter().all(|j| !workers.contains(&j.who) && j.who != ALICE));
			jury_votes(dispute_id, |_| true);
			advance(APPEAL + 1);
			assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
			// The wrong replica was slashed; the two right ones were paid.
			assert!(Jobs::<Test>::get(id).is_none());
			assert_eq!(Workers::<Test>::get(workers[1]).unwrap().faults, 1);
		});
	}
}

/// Draws the jury of an outputs dispute once the seed of its block is recorded.
fn draw_jury(dispute_id: DisputeId) {
	assert_eq!(dispute(dispute_id).phase, DisputePhase::AwaitingJury);
	advance(DRAWN);
	assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
}

#[test]
fn disagreeing_replicas_go_to_a_jury_that_slashes_the_wrong_one() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let m = model(1);
		let id = post(infer_spec(m), replicas(2));
		let workers = replicas_of(id);
		commit(id, workers[0], LABELS);
		commit(id, workers[1], WRONG_LABELS);
		reveal(id, workers[0], LABELS);
		reveal(id, workers[1], WRONG_LABELS);
		assert_eq!(job(id).status, JobStatus::Arbitration);
		let dispute_id = job(id).disputes[0];
		let d = dispute(dispute_id);
		assert_eq!((d.defender, d.challenger), (workers[0], workers[1]));
		assert_eq!(d.phase, DisputePhase::AwaitingJury);
		draw_jury(dispute_id);
		let d = dispute(dispute_id);
		assert_eq!(d.phase, DisputePhase::JuryCommit);
		assert_eq!(d.jurors.len(), 3);
		assert!(d.jurors.iter().all(|j| !workers.contains(&j.who) && j.who != ALICE));
		assert_noop!(
			Compute::process_job(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::DisputesOpen
		);

		jury_votes(dispute_id, |_| true);
		assert_eq!(dispute(dispute_id).phase, DisputePhase::Decided { defender_correct: true });
		let right = free(workers[0]);
		advance(APPEAL + 1);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(Jobs::<Test>::get(id).is_none() && Disputes::<Test>::get(dispute_id).is_none());
		// The wrong replica loses its whole 5_350 bond and 10% of the rest of its stake.
		let slashed = 5_350 + (STAKE - 5_350) / 10;
		assert_eq!(held_stake(workers[1]), STAKE - slashed);
		// The right one earns the whole reward and half the slash.
		assert_eq!(free(workers[0]), right + REWARD + slashed / 2);
		assert!(events().contains(&Event::JobFinalized {
			job: id,
			model: None,
			output: Some(LABELS)
		}));
	});
}
