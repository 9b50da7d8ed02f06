//! One test per economic hole closed in the protocol (issue "cheating never pays"): each
//! fails on the pallet as it was before its fix. The strategies as a whole are played, and
//! priced, in `strategies.rs`.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};

fn posted() -> JobId {
	register(&WORKERS);
	let d = dataset(1);
	post(train_spec(vec![d]), full_audit())
}

fn submitted() -> JobId {
	let id = posted();
	submit_and_draw(id);
	id
}

/// Every auditor but the first replays honestly; the first reports `report`.
fn audits_with_first(id: JobId, report: AuditReport, end_proof: MerkleProof) {
	let audits = job(id).audits;
	commit_report(id, &audits[0], report);
	for audit in &audits[1..] {
		commit_report(id, audit, audit_report(audit.segment, true).0);
	}
	reveal_report(id, &audits[0], report, end_proof);
	for audit in &audits[1..] {
		let (report, end_proof) = audit_report(audit.segment, true);
		reveal_report(id, audit, report, end_proof);
	}
}

fn reveal_endpoints(dispute_id: DisputeId) {
	let leaves = checkpoints(SEGMENTS);
	let DisputeSubject::Segment { segment: s, .. } = dispute(dispute_id).subject else {
		unreachable!()
	};
	assert_ok!(Compute::reveal_endpoints(
		RuntimeOrigin::signed(dispute(dispute_id).defender),
		dispute_id,
		leaves[s as usize],
		proof(&leaves, s),
		leaves[s as usize + 1],
		proof(&leaves, s + 1)
	));
}

/// Bisects to the segment's last step (the defender answers honestly, the challenger
/// always disputes the first half) and draws the jury.
fn bisect(dispute_id: DisputeId) {
	while dispute(dispute_id).phase == DisputePhase::AwaitingMidpoint {
		let DisputeSubject::Segment { start, end, .. } = dispute(dispute_id).subject else {
			unreachable!()
		};
		let step = start + (end - start) / 2;
		assert_ok!(Compute::reveal_midpoint(
			RuntimeOrigin::signed(dispute(dispute_id).defender),
			dispute_id,
			state_at(step)
		));
		assert_ok!(Compute::choose_half(
			RuntimeOrigin::signed(dispute(dispute_id).challenger),
			dispute_id,
			true
		));
	}
	advance(DRAWN);
	assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
}

/// Bisects to the segment's last step and has the jury vote `defender_correct`; the
/// verdict is enforced after the appeal window.
fn bisect_and_decide(dispute_id: DisputeId, defender_correct: bool) {
	bisect(dispute_id);
	jury_votes(dispute_id, |_| defender_correct);
	advance(APPEAL + 1);
	assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
}

// Hole 1: a "pass" was paid and never checked.

#[test]
fn an_exact_pass_must_reproduce_the_trainers_leaf() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let audit = job(id).audits[0].clone();
		assert!(audit.exact);
		// A lazy auditor says "pass" without replaying: it cannot know the leaf, so it
		// reveals something else, and the chain fails its audit whatever it says.
		let lazy = AuditReport { end_state: diverged(audit.segment), passed: true };
		audits_with_first(id, lazy, BoundedVec::new());
		let audit = &job(id).audits[0];
		assert_eq!((audit.passed, audit.bond), (Some(false), 0));
		let dispute_id = job(id).disputes[0];
		assert_eq!(
			dispute(dispute_id).opened_by,
			DisputeOpener::Audit { exact: true, state: diverged(audit.segment) }
		);
		assert!(events().contains(&Event::AuditRevealed {
			job: id,
			segment: audit.segment,
			end_state: diverged(audit.segment),
			passed: false
		}));
	});
}

#[test]
fn an_exact_pass_the_trainer_withheld_the_proof_of_is_vindicated_by_its_leaf() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let audit = job(id).audits[0].clone();
		// The replay reproduced the leaf, but the trainer never served the proof.
		let (report, _) = audit_report(audit.segment, true);
		audits_with_first(id, report, BoundedVec::new());
		let dispute_id = job(id).disputes[0];
		reveal_endpoints(dispute_id);
		assert!(Disputes::<Test>::get(dispute_id).is_none());
		assert!(events().contains(&Event::AuditVindicated {
			dispute: dispute_id,
			job: id,
			segment: audit.segment
		}));
		let vindicated = &job(id).audits[0];
		assert_eq!((vindicated.passed, vindicated.bond), (Some(true), 200));
		assert!(Compute::duties_of(&audit.auditor).contains(&Duty::Audit(id, audit.segment)));
		// It is paid with the others when the job finalizes.
		advance(CHALLENGE + 1);
		let before = free(audit.auditor);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert_eq!(free(audit.auditor), before + 1_000 / 4);
	});
}

#[test]
fn auditors_that_passed_a_segment_the_trainer_loses_are_slashed() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		// Every auditor "passes" (e.g. by copying the leaves a cheating trainer leaked).
		commit_and_reveal_audits(id, |_| true);
		let copier = job(id).audits[0].clone();
		let challenger = outsider_of(id);
		let dispute_id = NextDisputeId::<Test>::get();
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(challenger), id, copier.segment));
		reveal_endpoints(dispute_id);
		bisect_and_decide(dispute_id, false);
		// Its 200 bond and 10% of the rest of its stake.
		assert_eq!(held_stake(copier.auditor), STAKE - (200 + (STAKE - 200) / 10));
		assert!(Jobs::<Test>::get(id).is_none());
	});
}

#[test]
fn auditors_come_from_the_trainers_determinism_class_first() {
	ExtBuilder::build_and_execute(|| {
		// Half the workers reproduce another class's runs.
		for (i, w) in WORKERS.iter().enumerate() {
			let mut caps = capabilities();
			caps.determinism = if i % 2 == 0 { CPU_CLASS } else { CPU_CLASS + 1 };
			assert_ok!(Compute::register_worker(
				RuntimeOrigin::signed(*w),
				STAKE,
				caps,
				endpoint(*w)
			));
		}
		let d = dataset(1);
		let id = post(train_spec(vec![d]), full_audit());
		let class = job(id).determinism;
		submit_and_draw(id);
		let same_class = WORKERS
			.iter()
			.filter(|w| {
				**w != trainer(id)
					&& Workers::<Test>::get(*w).unwrap().capabilities.determinism == class
			})
			.count();
		let audits = job(id).audits;
		let exact = audits.iter().filter(|a| a.exact).count();
		// Four workers share the trainer's class: all four audits are exact.
		assert_eq!((same_class, exact), (4, 4));
		for audit in &audits {
			let auditor_class =
				Workers::<Test>::get(audit.auditor).unwrap().capabilities.determinism;
			assert_eq!(audit.exact, auditor_class == class);
		}
	});
}

#[test]
fn a_cross_class_audit_falls_back_to_the_verdict() {
	ExtBuilder::build_and_execute(|| {
		// The trainer's class has nobody else: every audit is cross-class.
		let id = posted();
		let lone = trainer(id);
		Workers::<Test>::mutate(lone, |w| w.as_mut().unwrap().capabilities.determinism = 7);
		Jobs::<Test>::mutate(id, |j| j.as_mut().unwrap().determinism = 7);
		Candidates::<Test>::mutate(|c| {
			c.iter_mut().filter(|c| c.who == lone).for_each(|c| c.determinism = 7)
		});
		submit_and_draw(id);
		assert!(job(id).audits.iter().all(|a| !a.exact));
		// An ε verdict reveals its own replayed state; no proof can be checked.
		let audit = job(id).audits[0].clone();
		let report = AuditReport { end_state: diverged(audit.segment), passed: true };
		audits_with_first(id, report, BoundedVec::new());
		assert_eq!(job(id).audits[0].passed, Some(true));
		assert!(job(id).disputes.is_empty());
	});
}

// Hole 2: filling the dispute slots hid a failing audit.

#[test]
fn a_failing_audit_is_disputed_even_when_challenges_fill_every_slot() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let audits = job(id).audits;
		let failing = audits[0].segment;
		// The trainer's sybils challenge the failing segment and another one first.
		let sybils: Vec<AccountId> = WORKERS
			.iter()
			.copied()
			.filter(|w| *w != trainer(id) && audits.iter().all(|a| a.auditor != *w))
			.collect();
		let other = (0..SEGMENTS).find(|s| *s != failing).unwrap();
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(sybils[0]), id, failing));
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(sybils[1]), id, other));
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(sybils[2]), id, failing),
			Error::<Test>::AlreadyDisputed
		);
		let free_segment = (0..SEGMENTS).find(|s| ![failing, other].contains(s)).unwrap();
		assert_noop!(
			Compute::challenge(RuntimeOrigin::signed(sybils[2]), id, free_segment),
			Error::<Test>::TooManyDisputes
		);
		commit_and_reveal_audits(id, |s| s != failing);
		let opened: Vec<Dispute<Test>> = job(id).disputes.iter().map(|d| dispute(*d)).collect();
		assert_eq!(opened.len(), 3);
		assert!(opened.iter().any(|d| d.challenger == audits[0].auditor
			&& matches!(d.opened_by, DisputeOpener::Audit { .. })));
		// The job cannot finalize while it is open.
		advance(CHALLENGE + 1);
		assert_noop!(
			Compute::process_job(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::DisputesOpen
		);
	});
}

// Hole 3: the dataset owner could pick the auditors and jurors.

#[test]
fn who_may_read_a_dataset_is_frozen_while_jobs_use_it() {
	ExtBuilder::build_and_execute(|| {
		let id = posted();
		let d = 0;
		assert_eq!(<Datasets as pallet_datasets::DatasetInspect<_, _>>::jobs_using(d), 1);
		let err = || pallet_datasets::Error::<Test>::InUseByJobs;
		assert_noop!(
			Datasets::set_visibility(
				RuntimeOrigin::signed(BOB),
				d,
				pallet_datasets::Visibility::AllowList
			),
			err()
		);
		assert_noop!(Datasets::allow(RuntimeOrigin::signed(BOB), d, 10), err());
		assert_noop!(Datasets::retire(RuntimeOrigin::signed(BOB), d), err());
		// The price may change: the job pays what it was quoted.
		assert_ok!(Datasets::set_price(RuntimeOrigin::signed(BOB), d, 5));
		submit_and_draw(id);
		commit_and_reveal_audits(id, |_| true);
		advance(CHALLENGE + 1);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert_eq!(<Datasets as pallet_datasets::DatasetInspect<_, _>>::jobs_using(d), 0);
		assert_ok!(Datasets::retire(RuntimeOrigin::signed(BOB), d));
	});
}

// Hole 5: draws could be timed.

#[test]
fn audits_are_the_same_whoever_draws_them_and_whenever() {
	let draw = |delay: u64| {
		let mut audits = Vec::new();
		ExtBuilder::build_and_execute(|| {
			let id = posted();
			assert_ok!(Compute::submit_result(
				RuntimeOrigin::signed(trainer(id)),
				id,
				result_for(SEGMENTS)
			));
			advance(DRAWN);
			// The randomness of later blocks differs; the draw must not see it.
			set_seed(delay);
			advance(delay);
			assert_ok!(Compute::draw_audits(RuntimeOrigin::signed(BOB), id));
			audits = job(id).audits.iter().map(|a| (a.segment, a.auditor)).collect();
			assert!(Seeds::<Test>::iter().next().is_none());
		});
		audits
	};
	let first = draw(0);
	for delay in [1, 7, 40] {
		assert_eq!(draw(delay), first);
	}
}

// Hole 6: nothing bound the delivered weights to the last checkpoint, or the first
// checkpoint to the seed or base model.

fn outsider_of(id: JobId) -> AccountId {
	WORKERS
		.iter()
		.copied()
		.find(|w| *w != trainer(id) && job(id).audits.iter().all(|a| a.auditor != *w))
		.unwrap()
}

fn reveal_leaf(dispute_id: DisputeId, index: u32) -> frame_support::dispatch::DispatchResult {
	let leaves = checkpoints(SEGMENTS);
	Compute::reveal_leaf(
		RuntimeOrigin::signed(dispute(dispute_id).defender),
		dispute_id,
		leaves[index as usize],
		proof(&leaves, index),
	)
}

#[test]
fn weights_that_are_not_the_last_checkpoint_fail_the_job() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let watcher = outsider_of(id);
		let dispute_id = NextDisputeId::<Test>::get();
		assert_ok!(Compute::challenge_binding(RuntimeOrigin::signed(watcher), id, RunEnd::Weights));
		assert_ok!(reveal_leaf(dispute_id, SEGMENTS));
		assert_eq!(
			dispute(dispute_id).subject,
			DisputeSubject::Binding {
				end: RunEnd::Weights,
				leaf: Some(checkpoints(SEGMENTS)[SEGMENTS as usize])
			}
		);
		assert_eq!(dispute(dispute_id).phase, DisputePhase::AwaitingJury);
		advance(DRAWN);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		jury_votes(dispute_id, |_| false);
		advance(APPEAL + 1);
		let worker = trainer(id);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(Jobs::<Test>::get(id).is_none());
		assert!(events().contains(&Event::JobFailed { job: id }));
		assert!(held_stake(worker) < STAKE);
	});
}

#[test]
fn a_start_that_is_the_seeds_stands_and_the_challenger_loses() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let watcher = outsider_of(id);
		let dispute_id = NextDisputeId::<Test>::get();
		assert_ok!(Compute::challenge_binding(RuntimeOrigin::signed(watcher), id, RunEnd::Start));
		assert_ok!(reveal_leaf(dispute_id, 0));
		advance(DRAWN);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		jury_votes(dispute_id, |_| true);
		advance(APPEAL + 1);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert_eq!(held_stake(watcher), STAKE - (500 + (STAKE - 500) / 10));
		assert!(job(id).disputes.is_empty());
	});
}

#[test]
fn binding_challenge_errors() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let watcher = outsider_of(id);
		let challenge = |who: AccountId, end: RunEnd| {
			Compute::challenge_binding(RuntimeOrigin::signed(who), id, end)
		};
		assert_noop!(challenge(PAUPER, RunEnd::Start), Error::<Test>::NotWorker);
		assert_noop!(challenge(trainer(id), RunEnd::Start), Error::<Test>::OwnComputation);
		assert_noop!(
			Compute::challenge_binding(RuntimeOrigin::signed(watcher), id + 1, RunEnd::Start),
			Error::<Test>::UnknownJob
		);
		let dispute_id = NextDisputeId::<Test>::get();
		assert_ok!(challenge(watcher, RunEnd::Start));
		assert_noop!(challenge(watcher, RunEnd::Start), Error::<Test>::AlreadyDisputed);
		// Binding challenges share the challengers' slots.
		assert_ok!(challenge(watcher, RunEnd::Weights));
		let segment = Compute::challenge(RuntimeOrigin::signed(watcher), id, 0);
		assert_noop!(segment, Error::<Test>::TooManyDisputes);

		let leaves = checkpoints(SEGMENTS);
		assert_noop!(
			Compute::reveal_leaf(
				RuntimeOrigin::signed(watcher),
				dispute_id,
				leaves[0],
				proof(&leaves, 0)
			),
			Error::<Test>::NotDefender
		);
		assert_noop!(reveal_leaf(dispute_id, 1), Error::<Test>::InvalidProof);
		assert_noop!(
			Compute::reveal_leaf(
				RuntimeOrigin::signed(trainer(id)),
				dispute_id + 9,
				leaves[0],
				proof(&leaves, 0)
			),
			Error::<Test>::UnknownDispute
		);
		assert_ok!(reveal_leaf(dispute_id, 0));
		assert_noop!(reveal_leaf(dispute_id, 0), Error::<Test>::WrongDisputePhase);
		advance(CHALLENGE + 1);
		assert_noop!(
			Compute::challenge_binding(RuntimeOrigin::signed(10), id, RunEnd::Start),
			Error::<Test>::ChallengeWindowClosed
		);
	});
}

#[test]
fn a_segment_dispute_has_no_leaf_to_reveal() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let dispute_id = NextDisputeId::<Test>::get();
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(outsider_of(id)), id, 0));
		assert_noop!(reveal_leaf(dispute_id, 0), Error::<Test>::WrongDisputePhase);
	});
}

// Hole 7: anyone could register a submitted model's weights first.

#[test]
fn submitted_weights_are_reserved_for_their_job() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let weights = job(id).result.unwrap().weights;
		assert_noop!(
			Models::register(
				RuntimeOrigin::signed(BOB),
				mlp(),
				weights,
				b"ipfs://squat".to_vec(),
				Licence::Cc0,
				1,
				vec![],
			),
			pallet_models::Error::<Test>::WeightsReserved
		);
		commit_and_reveal_audits(id, |_| true);
		advance(CHALLENGE + 1);
		let model = pallet_models::NextModelId::<Test>::get();
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		assert_eq!(pallet_models::Models::<Test>::get(model).unwrap().owner, ALICE);
		assert!(pallet_models::ReservedWeights::<Test>::iter().next().is_none());
	});
}

#[test]
fn a_failed_job_frees_its_reserved_weights() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let weights = job(id).result.unwrap().weights;
		let failing = job(id).audits[0].segment;
		commit_and_reveal_audits(id, |s| s != failing);
		let dispute_id = job(id).disputes[0];
		advance(ROUND + 1);
		// The trainer never answers: it loses, the job fails.
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(Jobs::<Test>::get(id).is_none());
		assert_eq!(<Models as pallet_models::ModelRegistry<_, _>>::reserved_for(&weights), None);
	});
}

// Hole 8: posters could force no-shows for free.

#[test]
fn impossible_deadlines_and_free_jobs_are_refused() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		let post_with = |reward: Balance, work: u64| {
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				train_spec(vec![d]),
				full_audit(),
				reward,
				work,
				Balance::MAX,
			)
		};
		assert_noop!(post_with(REWARD, MIN_WORK - 1), Error::<Test>::InvalidDeadline);
		assert_noop!(post_with(999, WORK), Error::<Test>::RewardTooLow);
		let m = model(1);
		let spec = JobSpec::Infer {
			model: m,
			input: content(50),
			input_uri: Uri::parse(b"ipfs://input").unwrap(),
		};
		// The minimum is per replica.
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				spec,
				replicas(3),
				2_999,
				WORK,
				Balance::MAX
			),
			Error::<Test>::RewardTooLow
		);
	});
}

#[test]
fn a_worker_declines_in_time_at_no_cost_and_another_is_drawn() {
	ExtBuilder::build_and_execute(|| {
		let id = posted();
		let first = trainer(id);
		advance(DECLINE);
		assert_ok!(Compute::decline(RuntimeOrigin::signed(first), id));
		assert_eq!(held_stake(first), STAKE);
		assert_eq!(Workers::<Test>::get(first).unwrap().bonded, 0);
		assert!(events().contains(&Event::Declined { job: id, worker: first }));
		let second = trainer(id);
		assert_ne!(second, first);
		assert_eq!(job(id).attempts, 2);
		assert_eq!(job(id).status, JobStatus::Assigned { until: System::block_number() + WORK });
		// The second declines too: the attempts are spent and the poster refunded.
		let alice = free(ALICE);
		assert_ok!(Compute::decline(RuntimeOrigin::signed(second), id));
		assert!(Jobs::<Test>::get(id).is_none());
		assert_eq!(free(ALICE), alice + 12_210);
		assert_eq!(held_stake(second), STAKE);
	});
}

#[test]
fn decline_errors() {
	ExtBuilder::build_and_execute(|| {
		let id = posted();
		let worker = trainer(id);
		let other = WORKERS.iter().copied().find(|w| *w != worker).unwrap();
		assert_noop!(
			Compute::decline(RuntimeOrigin::signed(other), id),
			Error::<Test>::NotAssigned
		);
		assert_noop!(
			Compute::decline(RuntimeOrigin::signed(worker), id + 1),
			Error::<Test>::UnknownJob
		);
		advance(DECLINE + 1);
		assert_noop!(
			Compute::decline(RuntimeOrigin::signed(worker), id),
			Error::<Test>::DeclineWindowClosed
		);
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(worker), id, result_for(SEGMENTS)));
		assert_noop!(
			Compute::decline(RuntimeOrigin::signed(worker), id),
			Error::<Test>::WrongJobState
		);
		// A replica that committed may not decline.
		let m = model(1);
		let spec = JobSpec::Infer {
			model: m,
			input: content(50),
			input_uri: Uri::parse(b"ipfs://input").unwrap(),
		};
		let job_id = post(spec, replicas(2));
		let replica = job(job_id).assignees[0].worker;
		let output = JobOutput::Predictions(content(5));
		assert_ok!(Compute::commit_output(
			RuntimeOrigin::signed(replica),
			job_id,
			Compute::commitment_of(CommitKind::Output, job_id, &replica, output, &salt(replica))
		));
		assert_noop!(
			Compute::decline(RuntimeOrigin::signed(replica), job_id),
			Error::<Test>::DeclineWindowClosed
		);
	});
}

#[test]
fn a_declining_replica_is_replaced_by_a_worker_not_on_the_job() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let m = model(1);
		let spec = JobSpec::Infer {
			model: m,
			input: content(50),
			input_uri: Uri::parse(b"ipfs://input").unwrap(),
		};
		let id = post(spec, replicas(3));
		let before: Vec<AccountId> = job(id).assignees.iter().map(|a| a.worker).collect();
		assert_ok!(Compute::decline(RuntimeOrigin::signed(before[1]), id));
		let after: Vec<AccountId> = job(id).assignees.iter().map(|a| a.worker).collect();
		assert_eq!((after[0], after[2]), (before[0], before[2]));
		assert!(!before.contains(&after[1]));
	});
}

// Hole 9: random and silent jurors never lost.

#[test]
fn a_minority_juror_loses_its_bond_to_the_majority() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let challenger = outsider_of(id);
		let dispute_id = NextDisputeId::<Test>::get();
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(challenger), id, 0));
		reveal_endpoints(dispute_id);
		bisect(dispute_id);
		let jurors: Vec<AccountId> = dispute(dispute_id).jurors.iter().map(|j| j.who).collect();
		let random = jurors[2];
		jury_votes(dispute_id, |who| who != random);
		advance(APPEAL + 1);
		let majority: Vec<Balance> = jurors[..2].iter().map(|j| free(*j)).collect();
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert_eq!(held_stake(random), STAKE - 100);
		let challenger_slash = 500 + (STAKE - 500) / 10;
		for (juror, before) in jurors[..2].iter().zip(majority) {
			assert_eq!(free(*juror), before + 100 / 2 + challenger_slash * 3 / 10 / 2);
		}
	});
}

// Hole 10: unbonding stake escaped slashes.

#[test]
fn stake_unbonding_is_slashed_too() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let challenger = outsider_of(id);
		let dispute_id = NextDisputeId::<Test>::get();
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(challenger), id, 0));
		// The challenger sees it will lose and starts leaving with what it can.
		let leaving = STAKE - 500 - 1_000;
		assert_ok!(Compute::unbond(RuntimeOrigin::signed(challenger), leaving));
		reveal_endpoints(dispute_id);
		bisect_and_decide(dispute_id, true);
		// Bond plus 10% of everything else held: the 1_000 staying and the leaving part.
		let slashed = 500 + (1_000 + leaving) / 10;
		assert_eq!(held_stake(challenger), STAKE - slashed);
		let record = Workers::<Test>::get(challenger).unwrap();
		assert_eq!(record.stake + record.unlocking, STAKE - slashed);
	});
}

// Hole 11: escalated disputes waited forever.

#[test]
fn an_escalated_dispute_unruled_in_time_refunds_the_job() {
	ExtBuilder::build_and_execute(|| {
		let id = submitted();
		let challenger = outsider_of(id);
		let dispute_id = NextDisputeId::<Test>::get();
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(challenger), id, 0));
		reveal_endpoints(dispute_id);
		bisect(dispute_id);
		// No juror commits: escalated to the appeal origin, which stays silent.
		advance(COMMIT + 1);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert_eq!(dispute(dispute_id).phase, DisputePhase::Escalated);
		assert_eq!(dispute(dispute_id).deadline, System::block_number() + APPEAL);
		advance(APPEAL);
		assert_noop!(
			Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id),
			Error::<Test>::TooEarly
		);
		advance(1);
		let alice = free(ALICE);
		assert_ok!(Compute::process_dispute(RuntimeOrigin::signed(BOB), dispute_id));
		assert!(Jobs::<Test>::get(id).is_none() && Disputes::<Test>::get(dispute_id).is_none());
		assert!(events().contains(&Event::DisputeTimedOut { dispute: dispute_id }));
		assert_eq!(free(ALICE), alice + 12_210);
		assert_eq!(held_stake(challenger), STAKE);
	});
}

// Hole 12: honest replicas went unpaid when another stayed silent.

#[test]
fn a_silent_replica_pays_the_one_that_revealed() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let m = model(1);
		let spec = JobSpec::Infer {
			model: m,
			input: content(50),
			input_uri: Uri::parse(b"ipfs://input").unwrap(),
		};
		let id = post(spec, replicas(2));
		let workers: Vec<AccountId> = job(id).assignees.iter().map(|a| a.worker).collect();
		let bond = job(id).assignees[0].bond;
		let output = JobOutput::Predictions(content(5));
		assert_ok!(Compute::commit_output(
			RuntimeOrigin::signed(workers[0]),
			id,
			Compute::commitment_of(CommitKind::Output, id, &workers[0], output, &salt(workers[0]))
		));
		advance(WORK + 1);
		let diligent = free(workers[0]);
		assert_ok!(Compute::process_job(RuntimeOrigin::signed(BOB), id));
		let slashed = bond / 5;
		assert_eq!(held_stake(workers[1]), STAKE - slashed);
		assert_eq!(free(workers[0]), diligent + slashed);
		assert!(Jobs::<Test>::get(id).is_none());
	});
}

// Hole 13: the online set was first come, first served.

#[test]
fn a_better_staked_newcomer_evicts_the_weakest_candidate() {
	ExtBuilder::build_and_execute(|| {
		let many: Vec<AccountId> = (100..100 + u64::from(MAX_WORKERS)).collect();
		for w in &many {
			Balances::force_set_balance(RuntimeOrigin::root(), *w, FUNDS).unwrap();
		}
		register(&many);
		assert_ok!(Compute::add_stake(RuntimeOrigin::signed(101), 1));
		Balances::force_set_balance(RuntimeOrigin::root(), 500, FUNDS).unwrap();
		// As heavy as the weakest: no seat.
		assert_noop!(
			Compute::register_worker(
				RuntimeOrigin::signed(500),
				STAKE,
				capabilities(),
				endpoint(500)
			),
			Error::<Test>::TooManyWorkers
		);
		assert_ok!(Compute::register_worker(
			RuntimeOrigin::signed(500),
			STAKE + 10,
			capabilities(),
			endpoint(500)
		));
		let evicted = *events()
			.iter()
			.rev()
			.find_map(|e| match e {
				Event::Evicted { worker, by: 500 } => Some(worker),
				_ => None,
			})
			.unwrap();
		assert_ne!(evicted, 101);
		assert!(!Workers::<Test>::get(evicted).unwrap().online);
		assert_eq!(Candidates::<Test>::get().len() as u32, MAX_WORKERS);
		assert!(Candidates::<Test>::get().iter().any(|c| c.who == 500));
	});
}

// Hole 14: the audit rate was silently capped.

#[test]
fn an_audit_rate_the_cap_cannot_honour_is_refused() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		let all = Verification { audit_rate: Perbill::one(), replicas: 0 };
		let before = free(ALICE);
		assert_noop!(
			Compute::post_job(
				RuntimeOrigin::signed(ALICE),
				train_spec(vec![d]),
				all,
				REWARD,
				WORK,
				Balance::MAX
			),
			Error::<Test>::AuditRateUnachievable
		);
		assert_eq!(free(ALICE), before);
	});
}

// Hole 15: zero bonds made roles free.

#[test]
fn parameters_with_a_zero_bond_are_refused() {
	ExtBuilder::build_and_execute(|| {
		for zero in 0..3 {
			let mut params = Compute::params();
			match zero {
				0 => params.audit_bond = 0,
				1 => params.challenge_bond = 0,
				_ => params.juror_bond = 0,
			}
			assert_noop!(
				Compute::set_params(RuntimeOrigin::root(), params),
				Error::<Test>::InvalidParams
			);
		}
	});
}

#[test]
fn commitments_of_different_kinds_never_collide() {
	let who: AccountId = 10;
	let salt = [1; 32];
	let vote = Compute::commitment_of(CommitKind::Vote, 0, &who, true, &salt);
	let output = Compute::commitment_of(CommitKind::Output, 0, &who, true, &salt);
	let audit = Compute::commitment_of(CommitKind::Audit, 0, &who, true, &salt);
	assert!(vote != output && output != audit && audit != vote);
}
