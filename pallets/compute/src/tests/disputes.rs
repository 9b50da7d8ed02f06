use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

/// 10_000 reward + 1_000 audit fee + 200 protocol fee + 1_000 data fee + 10 deposit.
const TOTAL: Balance = 12_210;
const TRAINER_BOND: Balance = 6_100;

/// A submitted training job whose audits have not started.
fn submitted() -> JobId {
	register(&WORKERS);
	let d = dataset(1);
	let id = post(train_spec(vec![d]), full_audit());
	submit_and_draw(id);
	id
}

/// A worker that is neither the trainer nor an auditor of `id`.
fn outsider(id: JobId) -> AccountId {
	let job = job(id);
	WORKERS
		.iter()
		.copied()
		.find(|w| *w != job.assignees[0].worker && job.audits.iter().all(|a| a.auditor != *w))
		.unwrap()
}

fn segment_of(id: DisputeId) -> u32 {
	match dispute(id).subject {
		DisputeSubject::Segment { segment, .. } => segment,
		_ => unreachable!(),
	}
}

fn reveal_endpoints(id: DisputeId) {
	let leaves = checkpoints(SEGMENTS);
	let s = segment_of(id);
	assert_ok!(Compute::reveal_endpoints(
		RuntimeOrigin::signed(dispute(id).defender),
		id,
		leaves[s as usize],
		proof(&leaves, s),
		leaves[s as usize + 1],
		proof(&leaves, s + 1)
	));
}

/// Plays midpoints until one step is left; the challenger accepts every midpoint state
/// (so the disputed step is the segment's last). Then draws the jury once its seed
/// exists. Returns the midpoint rounds played.
fn bisect(id: DisputeId) -> u32 {
	let mut rounds = 0;
	while dispute(id).phase == DisputePhase::AwaitingMidpoint {
		let DisputeSubject::Segment { start, end, .. } = dispute(id).subject else {
			unreachable!()
		};
		let step = start + (end - start) / 2;
		assert_ok!(Compute::reveal_midpoint(
			RuntimeOrigin::signed(dispute(id).defender),
			id,
			state_at(step)
		));
		assert_ok!(Compute::choose_half(RuntimeOrigin::signed(dispute(id).challenger), id, true));
		rounds += 1;
	}
	draw_jury(id);
	rounds
}

/// Draws a scheduled jury: it cannot be drawn before its block's seed is recorded.
fn draw_jury(id: DisputeId) {
	assert_eq!(dispute(id).phase, DisputePhase::AwaitingJury);
	assert_eq!(dispute(id).deadline, System::block_number() + DRAW_DELAY);
	assert!(Seeds::<Test>::get(dispute(id).deadline).is_some());
	advance(DRAW_DELAY);
	assert_noop!(Compute::process_dispute(RuntimeOrigin::signed(BOB), id), Error::<Test>::TooEarly);
	advance(1);
	assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), id));
}

/// A dispute opened by an outsider's challenge of segment 0.
fn challenged() -> (JobId, DisputeId, AccountId) {
	let id = submitted();
	let challenger = outsider(id);
	let dispute_id = NextDisputeId::<Test>::get();
	assert_ok!(Compute::challenge(RuntimeOrigin::signed(challenger), id, 0));
	(id, dispute_id, challenger)
}

#[test]
fn a_failed_audit_bisects_to_one_step_and_a_jury_fails_the_trainer() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let worker = trainer(id);
		let failing = job(id).audits[0].segment;
		let auditor = job(id).audits[0].auditor;
		commit_and_reveal_audits(id, |segment| segment != failing);
		let dispute_id = job(id).disputes[0];
		let opened = dispute(dispute_id);
		assert_eq!(
			(opened.defender, opened.challenger, opened.challenger_bond),
			(worker, auditor, 200)
		);
		assert_eq!(opened.phase, DisputePhase::AwaitingEndpoints);
		assert_eq!(job(id).audits[0].bond, 0);
		assert!(Compute::duties_of(&auditor).contains(&Duty::Challenge(dispute_id)));
		assert!(Compute::duties_of(&worker).contains(&Duty::Defend(dispute_id)));

		reveal_endpoints(dispute_id);
		// K = 8 steps: ⌈log2 8⌉ = 3 midpoint rounds to one step.
		assert_eq!(bisect(dispute_id), 3);
		let narrowed = dispute(dispute_id);
		let (start, end) = (failing * INTERVAL + INTERVAL - 1, failing * INTERVAL + INTERVAL);
		assert!(
			matches!(narrowed.subject, DisputeSubject::Segment { start: s, end: e, .. } if s == start && e == end)
		);
		assert_eq!(narrowed.phase, DisputePhase::JuryCommit);
		let jurors: Vec<AccountId> = narrowed.jurors.iter().map(|j| j.who).collect();
		assert_eq!(jurors.len(), 3);
		assert!(jurors.iter().all(|j| ![worker, auditor, ALICE].contains(j)));

		jury_votes(dispute_id, |_| false);
		assert_eq!(dispute(dispute_id).phase, DisputePhase::Decided { defender_correct: false });
		assert_noop!(
			Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id),
			Error::<Test>::TooEarly
		);
		let alice = free(ALICE);
		let auditor_free = free(auditor);
		let jurors_free: Vec<Balance> = jurors.iter().map(|j| free(*j)).collect();
		advance(APPEAL + 1);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));

		// Bond plus 10% of the rest of the stake.
		let slashed = TRAINER_BOND + (STAKE - TRAINER_BOND) / 10;
		assert_eq!(held_stake(worker), STAKE - slashed);
		assert_eq!(Workers::<Test>::get(worker).unwrap().faults, 1);
		assert_eq!(free(auditor), auditor_free + slashed / 2);
		for (juror, was) in jurors.iter().zip(jurors_free) {
			assert_eq!(free(*juror), was + slashed * 3 / 10 / 3);
		}
		assert_eq!(free(ALICE), alice + TOTAL);
		assert!(Jobs::<Test>::get(id).is_none());
		assert!(events().contains(&Event::JobFailed { job: id }));
		assert!(events().contains(&Event::DisputeSettled {
			dispute: dispute_id,
			loser: worker,
			slashed
		}));
		assert!(Duties::<Test>::iter().next().is_none());
	});
}

#[test]
fn an_auditor_that_fails_an_honest_segment_loses_its_bond() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let worker = trainer(id);
		let (segment, auditor) = (job(id).audits[0].segment, job(id).audits[0].auditor);
		commit_and_reveal_audits(id, |s| s != segment);
		let dispute_id = job(id).disputes[0];
		reveal_endpoints(dispute_id);
		bisect(dispute_id);
		jury_votes(dispute_id, |_| true);
		advance(APPEAL + 1);
		let trainer_free = free(worker);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		// The 200 audit bond and 10% of the rest of its stake.
		let slashed = 200 + (STAKE - 200) / 10;
		assert_eq!(held_stake(auditor), STAKE - slashed);
		// Nothing of it to the trainer: withholding checkpoints from auditors (so honest
		// ones fail it) must not pay.
		assert_eq!(free(worker), trainer_free);
		// The run stands: it finalizes after its window, the lying auditor unpaid.
		let auditor_free = free(auditor);
		run_to(2 + DRAWN + CHALLENGE.max(System::block_number()));
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert_eq!(free(auditor), auditor_free);
		assert_eq!(Workers::<Test>::get(worker).unwrap().jobs_done, 1);
	});
}

#[test]
fn a_challenger_proven_wrong_is_slashed_and_the_job_finalizes() {
	ExtBuilder::build_and_execute(|| {
		let (id, dispute_id, challenger) = challenged();
		let worker = trainer(id);
		reveal_endpoints(dispute_id);
		bisect(dispute_id);
		jury_votes(dispute_id, |_| true);
		advance(APPEAL + 1);
		let trainer_free = free(worker);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		let slashed = 500 + (STAKE - 500) / 10;
		assert_eq!(held_stake(challenger), STAKE - slashed);
		assert_eq!(free(worker), trainer_free + slashed / 2);
		assert!(job(id).disputes.is_empty());
		// The auditors stayed silent: they are slashed, and the run finalizes.
		run_to(2 + DRAWN + CHALLENGE.max(System::block_number()));
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert!(Jobs::<Test>::get(id).is_none());
	});
}

#[test]
fn a_defender_that_misses_a_move_loses_at_once() {
	ExtBuilder::build_and_execute(|| {
		let (id, dispute_id, challenger) = challenged();
		assert_noop!(
			Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id),
			Error::<Test>::TooEarly
		);
		advance(ROUND + 1);
		let before = free(challenger);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(Jobs::<Test>::get(id).is_none());
		let slashed = TRAINER_BOND + (STAKE - TRAINER_BOND) / 10;
		// No jury: the winner's half, the rest to the treasury.
		assert_eq!(free(challenger), before + slashed / 2);
		assert_eq!(Workers::<Test>::get(challenger).unwrap().bonded, 0);
	});
}

#[test]
fn a_defender_that_stops_serving_midpoints_loses() {
	ExtBuilder::build_and_execute(|| {
		let (id, dispute_id, _) = challenged();
		reveal_endpoints(dispute_id);
		assert_eq!(dispute(dispute_id).phase, DisputePhase::AwaitingMidpoint);
		advance(ROUND + 1);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(events().contains(&Event::JobFailed { job: id }));
	});
}

#[test]
fn a_challenger_that_misses_its_choice_loses() {
	ExtBuilder::build_and_execute(|| {
		let (id, dispute_id, challenger) = challenged();
		reveal_endpoints(dispute_id);
		assert_ok!(Compute::reveal_midpoint(
			RuntimeOrigin::signed(trainer(id)),
			dispute_id,
			state_at(4)
		));
		advance(ROUND + 1);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert_eq!(held_stake(challenger), STAKE - (500 + (STAKE - 500) / 10));
		assert!(job(id).disputes.is_empty());
	});
}

#[test]
fn challenge_errors() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		let id = post(train_spec(vec![d]), full_audit());
		let worker = trainer(id);
		let other = WORKERS.iter().copied().find(|w| *w != worker).unwrap();
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(other), id, 0),
			Error::<Test>::WrongJobState
		);
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(other), id + 1, 0),
			Error::<Test>::UnknownJob
		);
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(worker), id, result_for(SEGMENTS)));
		// Challenges open with the submission, before the audits are drawn.
		let outsider = WORKERS.iter().copied().find(|w| *w != worker).unwrap();
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(ALICE), id, 0),
			Error::<Test>::NotWorker
		);
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(worker), id, 0),
			Error::<Test>::OwnComputation
		);
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(outsider), id, SEGMENTS),
			Error::<Test>::UnknownSegment
		);
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(outsider), id, 0));
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(outsider), id, 0),
			Error::<Test>::AlreadyDisputed
		);
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(outsider), id, 1));
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(outsider), id, 2),
			Error::<Test>::TooManyDisputes
		);
		assert_noop!(
			Compute::process_job(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::WrongJobState
		);
		advance(DRAWN);
		assert_ok!(Compute::draw_audits(RuntimeOrigin::signed(BOB), id));
		run_to(2 + DRAWN + CHALLENGE);
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(outsider), id, 3),
			Error::<Test>::ChallengeWindowClosed
		);
		assert_noop!(
			Compute::process_job(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::DisputesOpen
		);
	});
}

#[test]
fn bisection_move_errors() {
	ExtBuilder::build_and_execute(|| {
		let (id, dispute_id, challenger) = challenged();
		let worker = trainer(id);
		let leaves = checkpoints(SEGMENTS);
		let good = || proof(&leaves, 0);
		assert_noop!(
			Compute::reveal_midpoint(RuntimeOrigin::signed(worker), dispute_id, [0; 32]),
			Error::<Test>::WrongDisputePhase
		);
		assert_noop!(
			Compute::reveal_endpoints(
				RuntimeOrigin::signed(challenger),
				dispute_id,
				leaves[0],
				good(),
				leaves[1],
				proof(&leaves, 1)
			),
			Error::<Test>::NotDefender
		);
		assert_noop!(
			Compute::reveal_endpoints(
				RuntimeOrigin::signed(worker),
				dispute_id,
				leaves[1],
				good(),
				leaves[1],
				proof(&leaves, 1)
			),
			Error::<Test>::InvalidProof
		);
		assert_noop!(
			Compute::reveal_endpoints(
				RuntimeOrigin::signed(worker),
				dispute_id + 9,
				leaves[0],
				good(),
				leaves[1],
				proof(&leaves, 1)
			),
			Error::<Test>::UnknownDispute
		);
		advance(ROUND + 1);
		assert_noop!(
			Compute::reveal_endpoints(
				RuntimeOrigin::signed(worker),
				dispute_id,
				leaves[0],
				good(),
				leaves[1],
				proof(&leaves, 1)
			),
			Error::<Test>::DeadlinePassed
		);
		run_to(1);
		reveal_endpoints(dispute_id);
		assert_noop!(
			Compute::choose_half(RuntimeOrigin::signed(challenger), dispute_id, true),
			Error::<Test>::WrongDisputePhase
		);
		assert_noop!(
			Compute::reveal_midpoint(RuntimeOrigin::signed(challenger), dispute_id, [0; 32]),
			Error::<Test>::NotDefender
		);
		assert_ok!(Compute::reveal_midpoint(
			RuntimeOrigin::signed(worker),
			dispute_id,
			state_at(4)
		));
		assert_noop!(
			Compute::choose_half(RuntimeOrigin::signed(worker), dispute_id, true),
			Error::<Test>::NotChallenger
		);
		assert_ok!(Compute::choose_half(RuntimeOrigin::signed(challenger), dispute_id, false));
		assert!(matches!(
			dispute(dispute_id).subject,
			DisputeSubject::Segment { start: 0, end: 4, .. }
		));
	});
}

#[test]
fn jury_errors_silent_jurors_and_a_tie_escalate_to_governance() {
	ExtBuilder::build_and_execute(|| {
		let (_, dispute_id, _) = challenged();
		assert_noop!(
			Compute::commit_vote(RuntimeOrigin::signed(10), dispute_id, [0; 32]),
			Error::<Test>::WrongDisputePhase
		);
		reveal_endpoints(dispute_id);
		bisect(dispute_id);
		let jurors: Vec<AccountId> = dispute(dispute_id).jurors.iter().map(|j| j.who).collect();
		let outsider = WORKERS.iter().copied().find(|w| !jurors.contains(w)).unwrap();
		let commit = |who: AccountId, vote: bool| {
			Compute::commitment_of(CommitKind::Vote, dispute_id, &who, vote, &salt(who))
		};
		let reveal = |who: AccountId, vote: bool| {
			Compute::reveal_vote(RuntimeOrigin::signed(who), dispute_id, vote, salt(who))
		};
		assert_noop!(
			Compute::commit_vote(RuntimeOrigin::signed(outsider), dispute_id, [0; 32]),
			Error::<Test>::NotJuror
		);
		assert_ok!(Compute::commit_vote(
			RuntimeOrigin::signed(jurors[0]),
			dispute_id,
			commit(jurors[0], true)
		));
		assert_noop!(
			Compute::commit_vote(RuntimeOrigin::signed(jurors[0]), dispute_id, [0; 32]),
			Error::<Test>::AlreadyCommitted
		);
		assert_noop!(reveal(jurors[0], true), Error::<Test>::WrongDisputePhase);
		assert_ok!(Compute::commit_vote(
			RuntimeOrigin::signed(jurors[1]),
			dispute_id,
			commit(jurors[1], false)
		));
		advance(COMMIT + 1);
		assert_noop!(
			Compute::commit_vote(RuntimeOrigin::signed(jurors[2]), dispute_id, [0; 32]),
			Error::<Test>::DeadlinePassed
		);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert_eq!(dispute(dispute_id).phase, DisputePhase::JuryReveal);
		assert_noop!(reveal(jurors[2], true), Error::<Test>::NotCommitted);
		assert_noop!(reveal(jurors[0], false), Error::<Test>::CommitmentMismatch);
		assert_ok!(reveal(jurors[0], true));
		assert_noop!(reveal(jurors[0], true), Error::<Test>::AlreadyRevealed);
		assert_ok!(reveal(jurors[1], false));
		// One vote each way: the appeal origin must rule.
		assert_eq!(dispute(dispute_id).phase, DisputePhase::Escalated);
		assert_noop!(
			Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id),
			Error::<Test>::TooEarly
		);
		assert_noop!(
			Compute::rule(RuntimeOrigin::signed(BOB), dispute_id, true),
			DispatchError::BadOrigin
		);
		let majority_free = free(jurors[0]);
		assert_ok!(Compute::rule(RuntimeOrigin::root(), dispute_id, true));
		// The silent juror and the one that voted against the ruling lose their whole 100
		// bonds, to the juror that voted with it.
		assert_eq!(held_stake(jurors[1]), STAKE - 100);
		assert_eq!(held_stake(jurors[2]), STAKE - 100);
		assert!(free(jurors[0]) >= majority_free + 200);
		assert_eq!(Workers::<Test>::get(jurors[0]).unwrap().verifications_done, 1);
		assert_eq!(Workers::<Test>::get(jurors[1]).unwrap().verifications_done, 0);
		assert_noop!(
			Compute::rule(RuntimeOrigin::root(), dispute_id, true),
			Error::<Test>::UnknownDispute
		);
	});
}

#[test]
fn governance_may_overturn_a_verdict_within_the_appeal_window() {
	ExtBuilder::build_and_execute(|| {
		let (id, dispute_id, challenger) = challenged();
		assert_noop!(
			Compute::rule(RuntimeOrigin::root(), dispute_id, true),
			Error::<Test>::WrongDisputePhase
		);
		reveal_endpoints(dispute_id);
		bisect(dispute_id);
		jury_votes(dispute_id, |_| false);
		assert_ok!(Compute::rule(RuntimeOrigin::root(), dispute_id, true));
		assert!(
			events().contains(&Event::DisputeRuled { dispute: dispute_id, defender_correct: true })
		);
		// The trainer keeps its job; the challenger and the jurors who voted against the
		// ruling get nothing.
		assert!(Jobs::<Test>::get(id).is_some());
		assert!(held_stake(challenger) < STAKE);
	});
}

#[test]
fn a_jury_that_never_commits_escalates() {
	ExtBuilder::build_and_execute(|| {
		let (_, dispute_id, _) = challenged();
		reveal_endpoints(dispute_id);
		bisect(dispute_id);
		advance(COMMIT + 1);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert_eq!(dispute(dispute_id).phase, DisputePhase::Escalated);
		assert_ok!(Compute::rule(RuntimeOrigin::root(), dispute_id, false));
		for juror in WORKERS {
			assert_eq!(Workers::<Test>::get(juror).unwrap().bonded, 0);
		}
	});
}

#[test]
fn a_job_that_fails_drops_its_other_disputes() {
	ExtBuilder::build_and_execute(|| {
		let (id, first, challenger) = challenged();
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(challenger), id, 1));
		let second = first + 1;
		advance(ROUND + 1);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), first));
		assert!(Disputes::<Test>::get(second).is_none());
		assert!(events().contains(&Event::DisputeDropped { dispute: second }));
		assert_eq!(Workers::<Test>::get(challenger).unwrap().bonded, 0);
		assert_noop!(
			Compute::process_dispute(RuntimeOrigin::signed(BOB), second),
			Error::<Test>::UnknownDispute
		);
	});
}

/// What every account holds, free and staked: equal after the same play means the
/// same settlement, however many calls it took.
fn holdings() -> Vec<(Balance, Balance)> {
	WORKERS
		.iter()
		.chain(&[ALICE, BOB, TREASURY])
		.map(|who| (free(*who), held_stake(*who)))
		.collect()
}

/// A failing audit bisected to one step and a jury of three drawn: the first juror votes
/// for the trainer, the others against. Returns the job, the dispute and the jurors.
fn decided_with_a_dissenting_juror() -> (JobId, DisputeId, Vec<AccountId>) {
	let id = submitted();
	let failing = job(id).audits[0].segment;
	commit_and_reveal_audits(id, |segment| segment != failing);
	let dispute_id = job(id).disputes[0];
	reveal_endpoints(dispute_id);
	bisect(dispute_id);
	let jurors: Vec<AccountId> = dispute(dispute_id).jurors.iter().map(|j| j.who).collect();
	jury_votes(dispute_id, |juror| juror == jurors[0]);
	assert_eq!(dispute(dispute_id).phase, DisputePhase::Decided { defender_correct: false });
	advance(APPEAL + 1);
	(id, dispute_id, jurors)
}

#[test]
fn a_verdict_settles_its_jury_a_bounded_batch_per_call() {
	let in_one_call = ExtBuilder::build_and_execute(|| {
		let (id, dispute_id, _) = decided_with_a_dissenting_juror();
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(Jobs::<Test>::get(id).is_none());
		holdings()
	});
	let in_batches = ExtBuilder::build_and_execute(|| {
		BondsSettledPerCall::set(1);
		let (id, dispute_id, jurors) = decided_with_a_dissenting_juror();
		let dissenter_stake = held_stake(jurors[0]);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		// One juror settled (the dissenter, slashed to the majority); the verdict is fixed.
		assert!(events().contains(&Event::JurorsSettled { dispute: dispute_id, remaining: 2 }));
		assert_eq!(dispute(dispute_id).phase, DisputePhase::Settling { defender_correct: false });
		assert!(held_stake(jurors[0]) < dissenter_stake);
		assert!(!Compute::duties_of(&jurors[0]).contains(&Duty::Jury(dispute_id)));
		assert_noop!(
			Compute::rule(RuntimeOrigin::root(), dispute_id, true),
			Error::<Test>::WrongDisputePhase
		);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(events().contains(&Event::JurorsSettled { dispute: dispute_id, remaining: 1 }));
		assert!(Jobs::<Test>::get(id).is_some());
		// The last juror and the parties: the trainer loses, the job fails and frees the
		// passing auditors' bonds, one per call too.
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(Disputes::<Test>::get(dispute_id).is_none());
		assert_eq!(job(id).status, JobStatus::Refunding { failed: true });
		while Jobs::<Test>::get(id).is_some() {
			assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		}
		assert!(events().contains(&Event::JobFailed { job: id }));
		assert!(Duties::<Test>::iter().next().is_none());
		holdings()
	});
	assert_eq!(in_batches, in_one_call);
}

/// The trainer misses its first move in one of two disputes, with every audit bond still
/// committed: the job fails and must free four audit bonds and drop the other dispute.
fn failed_with_another_dispute_open() -> (JobId, DisputeId, AccountId) {
	let (id, first, challenger) = challenged();
	assert_ok!(Compute::challenge(RuntimeOrigin::signed(challenger), id, 1));
	advance(ROUND + 1);
	assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), first));
	(id, first + 1, challenger)
}

#[test]
fn a_failed_job_frees_its_bonds_a_bounded_batch_per_call() {
	let in_one_call = ExtBuilder::build_and_execute(|| {
		let (id, second, _) = failed_with_another_dispute_open();
		assert!(Jobs::<Test>::get(id).is_none());
		assert!(Disputes::<Test>::get(second).is_none());
		holdings()
	});
	let in_batches = ExtBuilder::build_and_execute(|| {
		BondsSettledPerCall::set(1);
		let (id, second, challenger) = failed_with_another_dispute_open();
		let poster = free(ALICE);
		// One audit bond freed: three more and the other dispute are left.
		assert_eq!(job(id).status, JobStatus::Refunding { failed: true });
		assert!(events().contains(&Event::BondsFreed { job: id, remaining: 4 }));
		assert_eq!(job(id).audits.iter().filter(|a| a.bond > 0).count(), 3);
		// Nothing can be played on the job or its disputes meanwhile.
		assert_noop!(
			Compute::process_dispute(RuntimeOrigin::signed(BOB), second),
			Error::<Test>::JobRefunding
		);
		assert_noop!(
			Compute::reveal_endpoints(
				RuntimeOrigin::signed(dispute(second).defender),
				second,
				state_at(INTERVAL),
				proof(&checkpoints(SEGMENTS), 1),
				state_at(2 * INTERVAL),
				proof(&checkpoints(SEGMENTS), 2)
			),
			Error::<Test>::JobRefunding
		);
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(challenger), id, 2),
			Error::<Test>::WrongJobState
		);
		let mut calls = 0;
		while Jobs::<Test>::get(id).is_some() {
			assert_eq!(free(ALICE), poster);
			assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
			calls += 1;
		}
		assert_eq!(calls, 4);
		assert!(Disputes::<Test>::get(second).is_none());
		assert!(events().contains(&Event::DisputeDropped { dispute: second }));
		assert!(events().contains(&Event::JobFailed { job: id }));
		assert_eq!(Workers::<Test>::get(challenger).unwrap().bonded, 0);
		assert!(Duties::<Test>::iter().next().is_none());
		holdings()
	});
	assert_eq!(in_batches, in_one_call);
}
