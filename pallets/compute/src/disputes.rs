//! Disputes: bisection of a training segment down to one step, a random jury that
//! re-executes it with commit–reveal, the appeal window, and the slashes that settle it.

use super::*;
use crate::{draw::Eligibility, workers::GoodWork};
use frame_support::traits::tokens::imbalance::Imbalance;
use sp_runtime::traits::CheckedDiv;
use verity_primitives::verify_merkle_proof;

impl<T: Config> Pallet<T> {
	/// A training run may be challenged until its challenge window closes, by any staked
	/// worker but its own trainer.
	fn ensure_may_challenge(job: &Job<T>, who: &T::AccountId) -> DispatchResult {
		match job.status {
			JobStatus::AwaitingAudits { .. } => {}
			JobStatus::Auditing { challenge_until, .. } => {
				ensure!(Self::now() <= challenge_until, Error::<T>::ChallengeWindowClosed)
			}
			_ => return Err(Error::<T>::WrongJobState.into()),
		}
		ensure!(Workers::<T>::contains_key(who), Error::<T>::NotWorker);
		ensure!(job.assignees.iter().all(|a| a.worker != *who), Error::<T>::OwnComputation);
		Ok(())
	}

	pub(crate) fn do_challenge(who: T::AccountId, id: JobId, segment: u32) -> DispatchResult {
		let params = Self::params();
		let mut job = Self::job(id)?;
		let train = Self::train_spec(&job)?;
		Self::ensure_may_challenge(&job, &who)?;
		ensure!(segment < train.segments(), Error::<T>::UnknownSegment);
		ensure!(!Self::segment_challenged(&job, segment), Error::<T>::AlreadyDisputed);
		// Challenges share `MaxDisputesPerJob` slots; failing audits have room of their own.
		ensure!(
			(job.disputes.len() as u32) < T::MaxDisputesPerJob::get(),
			Error::<T>::TooManyDisputes
		);
		let dispute = NextDisputeId::<T>::get();
		Self::commit_bond(&who, params.challenge_bond, Duty::Challenge(dispute))?;
		Self::open_segment_dispute(
			id,
			&mut job,
			segment,
			who,
			params.challenge_bond,
			DisputeOpener::Challenge,
		)?;
		Jobs::<T>::insert(id, job);
		Ok(())
	}

	pub(crate) fn do_challenge_binding(
		who: T::AccountId,
		id: JobId,
		end: RunEnd,
	) -> DispatchResult {
		let params = Self::params();
		let mut job = Self::job(id)?;
		Self::train_spec(&job)?;
		Self::ensure_may_challenge(&job, &who)?;
		let already = job.disputes.iter().any(|d| {
			Disputes::<T>::get(d).is_some_and(
				|x| matches!(x.subject, DisputeSubject::Binding { end: e, .. } if e == end),
			)
		});
		ensure!(!already, Error::<T>::AlreadyDisputed);
		ensure!(
			(job.disputes.len() as u32) < T::MaxDisputesPerJob::get(),
			Error::<T>::TooManyDisputes
		);
		let defender =
			job.assignees.first().map(|a| a.worker.clone()).ok_or(Error::<T>::NotAssigned)?;
		let dispute = NextDisputeId::<T>::get();
		Self::commit_bond(&who, params.challenge_bond, Duty::Challenge(dispute))?;
		Self::open_dispute(
			id,
			&mut job,
			DisputeSubject::Binding { end, leaf: None },
			defender,
			who,
			params.challenge_bond,
			DisputeOpener::Challenge,
			DisputePhase::AwaitingEndpoints,
			Self::now().saturating_add(params.round_window),
		)?;
		Jobs::<T>::insert(id, job);
		Ok(())
	}

	pub(crate) fn do_reveal_leaf(
		who: T::AccountId,
		id: DisputeId,
		leaf: Hash256,
		proof: MerkleProof,
	) -> DispatchResult {
		let params = Self::params();
		let mut dispute = Self::dispute(id)?;
		Self::check_move(&dispute, &who, true, dispute.phase == DisputePhase::AwaitingEndpoints)?;
		let DisputeSubject::Binding { end, .. } = dispute.subject else {
			return Err(Error::<T>::WrongDisputePhase.into());
		};
		let job = Self::job(dispute.job)?;
		let result = job.result.as_ref().ok_or(Error::<T>::WrongJobState)?;
		let leaves = u64::from(result.checkpoints);
		let index = match end {
			RunEnd::Start => 0,
			RunEnd::Weights => leaves.saturating_sub(1),
		};
		ensure!(
			verify_merkle_proof(&result.checkpoint_root, leaves, index, leaf, &proof),
			Error::<T>::InvalidProof
		);
		dispute.subject = DisputeSubject::Binding { end, leaf: Some(leaf) };
		dispute.rounds = dispute.rounds.saturating_add(1);
		let draw_at = Self::now().saturating_add(params.audit_draw_delay);
		Self::schedule_draw(draw_at);
		dispute.phase = DisputePhase::AwaitingJury;
		dispute.deadline = draw_at;
		Disputes::<T>::insert(id, dispute);
		Self::deposit_event(Event::LeafRevealed { dispute: id, end, leaf });
		Self::deposit_event(Event::JuryScheduled { dispute: id, at: draw_at });
		Ok(())
	}

	/// Opens a dispute over `segment` with `bond` of the challenger's stake (already
	/// committed) behind it. The caller stores `job`.
	pub(crate) fn open_segment_dispute(
		job_id: JobId,
		job: &mut Job<T>,
		segment: u32,
		challenger: T::AccountId,
		bond: BalanceOf<T>,
		opener: DisputeOpener,
	) -> DispatchResult {
		let params = Self::params();
		let (start, end) = Self::train_spec(job)?.segment_steps(segment);
		let defender =
			job.assignees.first().map(|a| a.worker.clone()).ok_or(Error::<T>::NotAssigned)?;
		let subject =
			DisputeSubject::Segment { segment, start, end, start_state: None, end_state: None };
		let deadline = Self::now().saturating_add(params.round_window);
		Self::open_dispute(
			job_id,
			job,
			subject,
			defender,
			challenger,
			bond,
			opener,
			DisputePhase::AwaitingEndpoints,
			deadline,
		)
		.map(|_| ())
	}

	/// Opens a dispute between two replicas that revealed different outputs and schedules
	/// its jury. Their bonds stay with the job.
	pub(crate) fn open_outputs_dispute(
		job_id: JobId,
		job: &mut Job<T>,
		defender: T::AccountId,
		challenger: T::AccountId,
		defender_output: JobOutput,
		challenger_output: JobOutput,
	) -> DispatchResult {
		let subject =
			DisputeSubject::Outputs { defender: defender_output, challenger: challenger_output };
		let draw_at = Self::now().saturating_add(Self::params().audit_draw_delay);
		let id = Self::open_dispute(
			job_id,
			job,
			subject,
			defender,
			challenger,
			Zero::zero(),
			DisputeOpener::Replicas,
			DisputePhase::AwaitingJury,
			draw_at,
		)?;
		Self::schedule_draw(draw_at);
		Self::deposit_event(Event::JuryScheduled { dispute: id, at: draw_at });
		Ok(())
	}

	#[allow(clippy::too_many_arguments)]
	fn open_dispute(
		job_id: JobId,
		job: &mut Job<T>,
		subject: DisputeSubject,
		defender: T::AccountId,
		challenger: T::AccountId,
		challenger_bond: BalanceOf<T>,
		opened_by: DisputeOpener,
		phase: DisputePhase,
		deadline: BlockNumberFor<T>,
	) -> Result<DisputeId, DispatchError> {
		let id = NextDisputeId::<T>::get();
		job.disputes.try_push(id).map_err(|_| Error::<T>::TooManyDisputes)?;
		NextDisputeId::<T>::put(id.saturating_add(1));
		Duties::<T>::insert(&defender, Duty::Defend(id), ());
		Duties::<T>::insert(&challenger, Duty::Challenge(id), ());
		Disputes::<T>::insert(
			id,
			Dispute {
				job: job_id,
				subject,
				defender: defender.clone(),
				challenger: challenger.clone(),
				opened_by,
				challenger_bond,
				phase,
				deadline,
				rounds: 0,
				jurors: BoundedVec::new(),
			},
		);
		Self::deposit_event(Event::DisputeOpened {
			dispute: id,
			job: job_id,
			defender,
			challenger,
		});
		Ok(id)
	}

	/// A dispute that can still be played: its job is not being refunded (which drops it).
	fn dispute(id: DisputeId) -> Result<Dispute<T>, Error<T>> {
		let dispute = Disputes::<T>::get(id).ok_or(Error::<T>::UnknownDispute)?;
		let refunding = Jobs::<T>::get(dispute.job)
			.is_some_and(|job| matches!(job.status, JobStatus::Refunding { .. }));
		ensure!(!refunding, Error::<T>::JobRefunding);
		Ok(dispute)
	}

	/// Checks a bisection move: the right phase, the right party, in time.
	fn check_move(
		dispute: &Dispute<T>,
		who: &T::AccountId,
		by_defender: bool,
		phase_ok: bool,
	) -> DispatchResult {
		ensure!(phase_ok, Error::<T>::WrongDisputePhase);
		if by_defender {
			ensure!(&dispute.defender == who, Error::<T>::NotDefender);
		} else {
			ensure!(&dispute.challenger == who, Error::<T>::NotChallenger);
		}
		ensure!(Self::now() <= dispute.deadline, Error::<T>::DeadlinePassed);
		Ok(())
	}

	pub(crate) fn do_reveal_endpoints(
		who: T::AccountId,
		id: DisputeId,
		start_state: Hash256,
		start_proof: MerkleProof,
		end_state: Hash256,
		end_proof: MerkleProof,
	) -> DispatchResult {
		let mut dispute = Self::dispute(id)?;
		Self::check_move(&dispute, &who, true, dispute.phase == DisputePhase::AwaitingEndpoints)?;
		let DisputeSubject::Segment { segment, start, end, .. } = dispute.subject else {
			return Err(Error::<T>::WrongDisputePhase.into());
		};
		let job = Self::job(dispute.job)?;
		let result = job.result.as_ref().ok_or(Error::<T>::WrongJobState)?;
		let leaves = u64::from(result.checkpoints);
		let index = u64::from(segment);
		ensure!(
			verify_merkle_proof(&result.checkpoint_root, leaves, index, start_state, &start_proof)
				&& verify_merkle_proof(
					&result.checkpoint_root,
					leaves,
					index.saturating_add(1),
					end_state,
					&end_proof
				),
			Error::<T>::InvalidProof
		);
		if let DisputeOpener::Audit { exact: true, state } = dispute.opened_by {
			if state == end_state {
				return Self::vindicate_audit(id, dispute, job, segment);
			}
		}
		dispute.subject = DisputeSubject::Segment {
			segment,
			start,
			end,
			start_state: Some(start_state),
			end_state: Some(end_state),
		};
		Self::next_round(id, &mut dispute, &job)?;
		Disputes::<T>::insert(id, dispute);
		Self::deposit_event(Event::RangeNarrowed { dispute: id, start, end });
		Ok(())
	}

	pub(crate) fn do_reveal_midpoint(
		who: T::AccountId,
		id: DisputeId,
		state: Hash256,
	) -> DispatchResult {
		let params = Self::params();
		let mut dispute = Self::dispute(id)?;
		Self::check_move(&dispute, &who, true, dispute.phase == DisputePhase::AwaitingMidpoint)?;
		let DisputeSubject::Segment { start, end, .. } = dispute.subject else {
			return Err(Error::<T>::WrongDisputePhase.into());
		};
		let step = start.saturating_add(end.saturating_sub(start) / 2);
		dispute.phase = DisputePhase::AwaitingChoice { step, state };
		dispute.deadline = Self::now().saturating_add(params.round_window);
		dispute.rounds = dispute.rounds.saturating_add(1);
		Disputes::<T>::insert(id, dispute);
		Self::deposit_event(Event::MidpointRevealed { dispute: id, step, state });
		Ok(())
	}

	pub(crate) fn do_choose_half(
		who: T::AccountId,
		id: DisputeId,
		midpoint_accepted: bool,
	) -> DispatchResult {
		let mut dispute = Self::dispute(id)?;
		let DisputePhase::AwaitingChoice { step, state } = dispute.phase else {
			return Err(Error::<T>::WrongDisputePhase.into());
		};
		Self::check_move(&dispute, &who, false, true)?;
		let DisputeSubject::Segment { segment, mut start, mut end, mut start_state, mut end_state } =
			dispute.subject
		else {
			return Err(Error::<T>::WrongDisputePhase.into());
		};
		if midpoint_accepted {
			(start, start_state) = (step, Some(state));
		} else {
			(end, end_state) = (step, Some(state));
		}
		dispute.subject = DisputeSubject::Segment { segment, start, end, start_state, end_state };
		let job = Self::job(dispute.job)?;
		Self::next_round(id, &mut dispute, &job)?;
		Disputes::<T>::insert(id, dispute);
		Self::deposit_event(Event::RangeNarrowed { dispute: id, start, end });
		Ok(())
	}

	/// An exact audit failed only for want of a proof, and the trainer's own end leaf is
	/// the auditor's replayed state: the audit passed after all. Its bond goes back to the
	/// audit (held, and slashable, until the job ends); nobody loses the dispute.
	fn vindicate_audit(
		id: DisputeId,
		dispute: Dispute<T>,
		mut job: Job<T>,
		segment: u32,
	) -> DispatchResult {
		let job_id = dispute.job;
		Duties::<T>::remove(&dispute.defender, Duty::Defend(id));
		Duties::<T>::remove(&dispute.challenger, Duty::Challenge(id));
		Duties::<T>::insert(&dispute.challenger, Duty::Audit(job_id, segment), ());
		if let Some(audit) =
			job.audits.iter_mut().find(|a| a.segment == segment && a.auditor == dispute.challenger)
		{
			audit.bond = dispute.challenger_bond;
			audit.passed = Some(true);
		} else {
			defensive!("an audit's dispute without its audit");
		}
		job.disputes.retain(|d| *d != id);
		Disputes::<T>::remove(id);
		Jobs::<T>::insert(job_id, job);
		Self::deposit_event(Event::AuditVindicated { dispute: id, job: job_id, segment });
		Ok(())
	}

	/// After a move: another midpoint while more than one step is disputed, else the jury
	/// is scheduled on the randomness of a block the last mover could not know.
	fn next_round(id: DisputeId, dispute: &mut Dispute<T>, _job: &Job<T>) -> DispatchResult {
		let params = Self::params();
		dispute.rounds = dispute.rounds.saturating_add(1);
		let single_step = matches!(
			dispute.subject,
			DisputeSubject::Segment { start, end, .. } if end.saturating_sub(start) <= 1
		);
		if single_step {
			let draw_at = Self::now().saturating_add(params.audit_draw_delay);
			Self::schedule_draw(draw_at);
			dispute.phase = DisputePhase::AwaitingJury;
			dispute.deadline = draw_at;
			Self::deposit_event(Event::JuryScheduled { dispute: id, at: draw_at });
		} else {
			dispute.phase = DisputePhase::AwaitingMidpoint;
			dispute.deadline = Self::now().saturating_add(params.round_window);
		}
		Ok(())
	}

	/// Escalates to the appeal origin, which has the appeal window to rule.
	fn escalate(id: DisputeId, dispute: &mut Dispute<T>) {
		let until = Self::now().saturating_add(Self::params().appeal_window);
		dispute.phase = DisputePhase::Escalated;
		dispute.deadline = until;
		Self::deposit_event(Event::DisputeEscalated { dispute: id, until });
	}

	/// Draws the jury, on the seed recorded at the dispute's deadline, from staked workers
	/// who are not the parties, the poster or any replica of the job, and can read the
	/// job's data; with nobody to draw, the dispute escalates to the appeal origin.
	fn draw_jury(id: DisputeId, dispute: &mut Dispute<T>, job: &Job<T>) -> DispatchResult {
		let params = Self::params();
		let readers = Self::readers_of(&job.spec);
		let mut exclude: Vec<T::AccountId> =
			job.assignees.iter().map(|a| a.worker.clone()).collect();
		exclude.extend([dispute.defender.clone(), dispute.challenger.clone(), job.poster.clone()]);
		let mut jurors = Self::draw_workers(
			&mut Self::scheduled_stream(dispute.deadline, b"verity/compute/jury", id),
			params.jury_size,
			&Eligibility {
				bond: params.juror_bond,
				parameters: Self::model_size(job),
				exclude: &exclude,
				class: None,
			},
			|w| Self::can_read(w, &readers),
		);
		if jurors.is_empty() {
			Self::escalate(id, dispute);
			return Ok(());
		}
		for (seated, juror) in jurors.iter().enumerate() {
			let seat = Juror {
				who: juror.clone(),
				bond: params.juror_bond,
				commitment: None,
				vote: None,
				settled: false,
			};
			if dispute.jurors.try_push(seat).is_err() {
				defensive!("juries are drawn `jury_size` strong, which set_params keeps within MaxJurySize");
				jurors.truncate(seated);
				break;
			}
			Self::commit_bond(juror, params.juror_bond, Duty::Jury(id))?;
		}
		dispute.phase = DisputePhase::JuryCommit;
		dispute.deadline = Self::now().saturating_add(params.commit_window);
		Self::deposit_event(Event::JuryDrawn { dispute: id, jurors });
		Ok(())
	}

	pub(crate) fn do_commit_vote(
		who: T::AccountId,
		id: DisputeId,
		commitment: Hash256,
	) -> DispatchResult {
		let params = Self::params();
		let mut dispute = Self::dispute(id)?;
		ensure!(dispute.phase == DisputePhase::JuryCommit, Error::<T>::WrongDisputePhase);
		ensure!(Self::now() <= dispute.deadline, Error::<T>::DeadlinePassed);
		let juror = dispute.jurors.iter_mut().find(|j| j.who == who).ok_or(Error::<T>::NotJuror)?;
		ensure!(juror.commitment.is_none(), Error::<T>::AlreadyCommitted);
		juror.commitment = Some(commitment);
		if dispute.jurors.iter().all(|j| j.commitment.is_some()) {
			dispute.phase = DisputePhase::JuryReveal;
			dispute.deadline = Self::now().saturating_add(params.reveal_window);
		}
		Disputes::<T>::insert(id, dispute);
		Self::deposit_event(Event::VoteCommitted { dispute: id, juror: who });
		Ok(())
	}

	pub(crate) fn do_reveal_vote(
		who: T::AccountId,
		id: DisputeId,
		defender_correct: bool,
		salt: Hash256,
	) -> DispatchResult {
		let mut dispute = Self::dispute(id)?;
		ensure!(dispute.phase == DisputePhase::JuryReveal, Error::<T>::WrongDisputePhase);
		ensure!(Self::now() <= dispute.deadline, Error::<T>::DeadlinePassed);
		let juror = dispute.jurors.iter_mut().find(|j| j.who == who).ok_or(Error::<T>::NotJuror)?;
		let commitment = juror.commitment.ok_or(Error::<T>::NotCommitted)?;
		ensure!(juror.vote.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(
			Self::commitment_of(CommitKind::Vote, id, &who, defender_correct, &salt) == commitment,
			Error::<T>::CommitmentMismatch
		);
		juror.vote = Some(defender_correct);
		Self::deposit_event(Event::VoteRevealed { dispute: id, juror: who, defender_correct });
		if dispute.jurors.iter().all(|j| j.commitment.is_none() || j.vote.is_some()) {
			Self::tally(id, &mut dispute)?;
		}
		Disputes::<T>::insert(id, dispute);
		Ok(())
	}

	/// Counts the revealed votes: a majority decides (enforced after the appeal window), a
	/// tie or no vote at all escalates to the appeal origin.
	fn tally(id: DisputeId, dispute: &mut Dispute<T>) -> DispatchResult {
		let params = Self::params();
		let (yes, no) = dispute.jurors.iter().fold((0u32, 0u32), |(yes, no), j| match j.vote {
			Some(true) => (yes.saturating_add(1), no),
			Some(false) => (yes, no.saturating_add(1)),
			None => (yes, no),
		});
		if yes == no {
			Self::escalate(id, dispute);
		} else {
			let defender_correct = yes > no;
			dispute.phase = DisputePhase::Decided { defender_correct };
			dispute.deadline = Self::now().saturating_add(params.appeal_window);
			Self::deposit_event(Event::DisputeDecided {
				dispute: id,
				defender_correct,
				enforce_at: dispute.deadline,
			});
		}
		Ok(())
	}

	pub(crate) fn do_process_dispute(id: DisputeId) -> DispatchResult {
		let params = Self::params();
		let mut dispute = Self::dispute(id)?;
		// A verdict being enforced goes on at once: its deadline has passed already.
		if let DisputePhase::Settling { defender_correct } = dispute.phase {
			return Self::settle(id, dispute, defender_correct);
		}
		ensure!(Self::now() > dispute.deadline, Error::<T>::TooEarly);
		match dispute.phase {
			// A party that misses its move loses: an objective fact, enforced at once.
			DisputePhase::AwaitingEndpoints | DisputePhase::AwaitingMidpoint => {
				Self::settle(id, dispute, false)
			}
			DisputePhase::AwaitingChoice { .. } => Self::settle(id, dispute, true),
			DisputePhase::AwaitingJury => {
				let job = Self::job(dispute.job)?;
				Self::draw_jury(id, &mut dispute, &job)?;
				Disputes::<T>::insert(id, dispute);
				Ok(())
			}
			DisputePhase::JuryCommit => {
				if dispute.jurors.iter().any(|j| j.commitment.is_some()) {
					dispute.phase = DisputePhase::JuryReveal;
					dispute.deadline = Self::now().saturating_add(params.reveal_window);
				} else {
					Self::escalate(id, &mut dispute);
				}
				Disputes::<T>::insert(id, dispute);
				Ok(())
			}
			DisputePhase::JuryReveal => {
				Self::tally(id, &mut dispute)?;
				Disputes::<T>::insert(id, dispute);
				Ok(())
			}
			DisputePhase::Decided { defender_correct }
			| DisputePhase::Settling { defender_correct } => Self::settle(id, dispute, defender_correct),
			// Nobody could decide and the appeal origin did not rule in time: the job ends
			// with a refund and nobody is slashed. Paying the trainer would reward a cheat
			// that stalled its dispute; slashing anyone would punish without a verdict.
			DisputePhase::Escalated => {
				let job = Self::job(dispute.job)?;
				Self::deposit_event(Event::DisputeTimedOut { dispute: id });
				Self::refund(dispute.job, job, false)
			}
		}
	}

	pub(crate) fn do_rule(id: DisputeId, defender_correct: bool) -> DispatchResult {
		let dispute = Self::dispute(id)?;
		ensure!(
			matches!(dispute.phase, DisputePhase::Decided { .. } | DisputePhase::Escalated),
			Error::<T>::WrongDisputePhase
		);
		Self::deposit_event(Event::DisputeRuled { dispute: id, defender_correct });
		Self::settle(id, dispute, defender_correct)
	}

	/// Enforces a verdict. Jurors who voted with it are freed and credited; jurors who
	/// voted against it or never revealed lose their whole bond to them (a random or
	/// absent vote must cost more than it saves), `MaxBondsSettledPerCall` jurors per call.
	/// The call that settles the last juror settles the parties: the loser's bond and
	/// `stake_slash` of its exposed stake are split between the winner(s), the majority
	/// jurors and the treasury. A trainer that lost fails its job (the poster is refunded)
	/// and every auditor that passed the lost segment is slashed too; replicas settle on the
	/// winning output. A defender that wins against a failing audit earns nothing from the
	/// auditor's slash: withholding checkpoints from auditors must not pay.
	fn settle(id: DisputeId, mut dispute: Dispute<T>, defender_correct: bool) -> DispatchResult {
		if !Self::settle_jurors(id, &mut dispute, defender_correct) {
			dispute.phase = DisputePhase::Settling { defender_correct };
			Disputes::<T>::insert(id, dispute);
			return Ok(());
		}
		let params = Self::params();
		let mut job = Self::job(dispute.job)?;
		let job_id = dispute.job;
		let majority = Self::majority(&dispute, defender_correct);
		Duties::<T>::remove(&dispute.defender, Duty::Defend(id));
		Duties::<T>::remove(&dispute.challenger, Duty::Challenge(id));
		Disputes::<T>::remove(id);
		job.disputes.retain(|d| *d != id);

		let (loser, slashed) = match dispute.subject {
			DisputeSubject::Segment { .. } | DisputeSubject::Binding { .. } => {
				let trainer_bond = job.assignees.first().map(|a| a.bond).unwrap_or_else(Zero::zero);
				if defender_correct {
					let credit = Self::slash_bond(
						&dispute.challenger,
						dispute.challenger_bond,
						Duty::Challenge(id),
						Perbill::one(),
						params.stake_slash,
					);
					let slashed = credit.peek();
					let winners = match dispute.opened_by {
						DisputeOpener::Challenge => alloc::vec![dispute.defender.clone()],
						_ => Vec::new(),
					};
					Self::share_slash(
						job_id,
						credit,
						&winners,
						&majority,
						params.winner_share,
						params.jurors_share,
					);
					Jobs::<T>::insert(job_id, job);
					(dispute.challenger, slashed)
				} else {
					let mut credit = Self::slash_bond(
						&dispute.defender,
						trainer_bond,
						Duty::Work(job_id),
						Perbill::one(),
						params.stake_slash,
					);
					if let DisputeSubject::Segment { segment, .. } = dispute.subject {
						credit =
							credit.merge(Self::slash_passes(job_id, &mut job, segment, &params));
					}
					let slashed = credit.peek();
					Self::release_bond(
						&dispute.challenger,
						dispute.challenger_bond,
						Duty::Challenge(id),
						Some(GoodWork::Verification),
					);
					Self::share_slash(
						job_id,
						credit,
						core::slice::from_ref(&dispute.challenger),
						&majority,
						params.winner_share,
						params.jurors_share,
					);
					// The trainer's bond is gone; nothing of the run is left to pay for.
					job.assignees.clear();
					Self::refund(job_id, job, true)?;
					(dispute.defender, slashed)
				}
			}
			DisputeSubject::Outputs { defender, challenger } => {
				let winning = if defender_correct { defender } else { challenger };
				let (right, wrong): (Vec<_>, Vec<_>) =
					job.assignees.iter().cloned().partition(|a| a.output == Some(winning));
				let mut credit = CreditOf::<T>::zero();
				for assignee in &wrong {
					credit = credit.merge(Self::slash_bond(
						&assignee.worker,
						assignee.bond,
						Duty::Work(job_id),
						Perbill::one(),
						params.stake_slash,
					));
				}
				let slashed = credit.peek();
				let winners: Vec<T::AccountId> = right.iter().map(|a| a.worker.clone()).collect();
				Self::share_slash(
					job_id,
					credit,
					&winners,
					&majority,
					params.winner_share,
					params.jurors_share,
				);
				job.assignees = BoundedVec::truncate_from(right);
				let loser = if defender_correct { dispute.challenger } else { dispute.defender };
				if job.assignees.is_empty() {
					Self::refund(job_id, job, false)?;
				} else {
					Self::finalize_outputs(job_id, job, winning)?;
				}
				(loser, slashed)
			}
		};
		Self::deposit_event(Event::DisputeSettled { dispute: id, loser, slashed });
		Ok(())
	}

	/// The jurors who voted with the verdict.
	fn majority(dispute: &Dispute<T>, defender_correct: bool) -> Vec<T::AccountId> {
		dispute
			.jurors
			.iter()
			.filter(|j| j.vote == Some(defender_correct))
			.map(|j| j.who.clone())
			.collect()
	}

	/// Settles up to `MaxBondsSettledPerCall` jurors not settled yet: the majority's bonds
	/// are freed, the others' slashed and shared among the majority (the treasury without
	/// one). Whether every juror is settled.
	fn settle_jurors(id: DisputeId, dispute: &mut Dispute<T>, defender_correct: bool) -> bool {
		let majority = Self::majority(dispute, defender_correct);
		let mut budget = T::MaxBondsSettledPerCall::get();
		let mut jury_slash = CreditOf::<T>::zero();
		for juror in dispute.jurors.iter_mut().filter(|j| !j.settled) {
			if budget == 0 {
				break;
			}
			budget.saturating_dec();
			if juror.vote == Some(defender_correct) {
				Self::release_bond(
					&juror.who,
					juror.bond,
					Duty::Jury(id),
					Some(GoodWork::Verification),
				);
			} else {
				jury_slash = jury_slash.merge(Self::slash_bond(
					&juror.who,
					juror.bond,
					Duty::Jury(id),
					Perbill::one(),
					Perbill::zero(),
				));
			}
			juror.bond = Zero::zero();
			juror.settled = true;
		}
		if !jury_slash.peek().is_zero() {
			Self::share_slash(
				dispute.job,
				jury_slash,
				&[],
				&majority,
				Perbill::zero(),
				Perbill::one(),
			);
		}
		let remaining = dispute.jurors.iter().filter(|j| !j.settled).count() as u32;
		if remaining > 0 {
			Self::deposit_event(Event::JurorsSettled { dispute: id, remaining });
		}
		remaining == 0
	}

	/// Every auditor that passed `segment`, which its trainer just lost, passed a segment
	/// it cannot have replayed: its bond and `stake_slash` of its stake are slashed.
	fn slash_passes(
		job_id: JobId,
		job: &mut Job<T>,
		segment: u32,
		params: &ParamsOf<T>,
	) -> CreditOf<T> {
		let mut credit = CreditOf::<T>::zero();
		for audit in job.audits.iter_mut() {
			if audit.segment == segment && audit.passed == Some(true) && !audit.bond.is_zero() {
				credit = credit.merge(Self::slash_bond(
					&audit.auditor,
					audit.bond,
					Duty::Audit(job_id, segment),
					Perbill::one(),
					params.stake_slash,
				));
				audit.bond = Zero::zero();
			}
		}
		credit
	}

	/// Splits a slash: `winner_part` among `winners`, `jurors_part` among the majority
	/// jurors, the rest (and any share without earners) to the treasury.
	pub(crate) fn share_slash(
		job: JobId,
		mut credit: CreditOf<T>,
		winners: &[T::AccountId],
		jurors: &[T::AccountId],
		winner_part: Perbill,
		jurors_part: Perbill,
	) {
		let total = credit.peek();
		for (share, earners, part) in
			[(Share::DisputeWinner, winners, winner_part), (Share::Juror, jurors, jurors_part)]
		{
			let count = BalanceOf::<T>::from(earners.len() as u32);
			let each = part.mul_floor(total).checked_div(&count).unwrap_or_else(Zero::zero);
			for earner in earners {
				let (paid, rest) = credit.split(each);
				credit = rest;
				T::Rewards::route(job, share, earner, paid);
			}
		}
		T::Rewards::route(job, Share::Treasury, &T::Treasury::get(), credit);
	}

	/// Frees one bond of a dispute whose job ended first: a juror's, or once no juror is
	/// left the challenger's, which drops the dispute. Whether it was dropped.
	pub(crate) fn drop_dispute_step(id: DisputeId) -> bool {
		let Some(mut dispute) = Disputes::<T>::get(id) else {
			defensive!("a job lists a dispute that does not exist");
			return true;
		};
		if let Some(juror) = dispute.jurors.pop() {
			if !juror.settled {
				Self::release_bond(&juror.who, juror.bond, Duty::Jury(id), None);
			}
			Disputes::<T>::insert(id, dispute);
			return false;
		}
		if dispute.phase == DisputePhase::AwaitingJury {
			Self::cancel_draw(dispute.deadline);
		}
		Duties::<T>::remove(&dispute.defender, Duty::Defend(id));
		Self::release_bond(&dispute.challenger, dispute.challenger_bond, Duty::Challenge(id), None);
		Disputes::<T>::remove(id);
		Self::deposit_event(Event::DisputeDropped { dispute: id });
		true
	}
}
