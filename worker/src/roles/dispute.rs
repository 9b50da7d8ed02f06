//! Disputes: the defender, challenger and juror roles, played from the `ComputeApi`'s
//! `dispute` view at every block, like every other role (a step function of the chain and
//! of what this worker keeps on disk).
//!
//! - **Defender** (the trainer, or the first replica): reveals the disputed segment's two
//!   checkpoint hashes with their Merkle proofs (or the bound leaf of a binding dispute),
//!   then, each bisection round, the state hash at the midpoint, recomputed from its
//!   nearest checkpoint and kept on disk, where its HTTP server serves it
//!   (`/jobs/<job>/states/<step>`) until the dispute ends.
//! - **Challenger** (an auditor whose replay failed): each round, replays its own run from
//!   the segment's first checkpoint to the midpoint and accepts the defender's state there
//!   if it is the same (within one determinism class: the same hash; across classes: within
//!   the job's ε of the state the defender serves). A defender that does not serve what it
//!   must is never agreed with, so withholding narrows the dispute toward the segment start
//!   and loses before the jury.
//! - **Juror**: fetches the agreed pre-step state from the defender (checked against the
//!   hash on chain), re-executes the one step and compares with the defender's post-step
//!   hash (or, across classes, its served state within ε); checks a binding by recomputing
//!   the seed's weights or hashing the last checkpoint's weights file; re-runs an inference
//!   or evaluation. A state the defender cannot serve counts against it. The vote and its
//!   salt are on disk before the commitment is on chain.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use verity_ml::checkpoint::Checkpoint;
use verity_ml::tolerance::Divergence;
use verity_primitives::{ContentHash, Hash256};

use super::auditor::{get, served_checkpoint, served_checkpoints};
use super::Context;
use crate::chain::{commitment, compute_types as ct, verity, AtBlock, CommitKind};
use crate::engine::{self, RunLog, Start, TrainPlan};
use crate::fault::Faults;
use crate::jobs::Job;
use crate::store::{read_json, write_atomic, write_json};

/// A dispute as the chain holds it.
pub type Dispute = ct::Dispute;

/// A juror's vote and salt, written before the commitment is submitted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VoteRecord {
	/// Whether the defender was right.
	pub defender_correct: bool,
	/// The commitment's salt (hex).
	pub salt: String,
	/// Why, in words.
	pub reason: String,
	/// Seconds this juror spent judging (fetching and replaying).
	pub seconds: f64,
}

/// Does the next thing in dispute `id` for each part this worker plays in it.
pub async fn step(ctx: &Context, at: &AtBlock, id: u64) -> anyhow::Result<()> {
	if ctx.faults.silent {
		return Ok(());
	}
	let Some(dispute) =
		at.runtime_apis().call(verity::runtime_apis().compute_api().dispute(id)).await?
	else {
		return Ok(());
	};
	if at.block_number() > u64::from(dispute.deadline) {
		return Ok(()); // the phase is over: a keeper's `process_dispute` moves it on
	}
	let Some(job) = crate::jobs::job(at, dispute.job).await? else { return Ok(()) };
	if dispute.defender == ctx.me {
		defend(ctx, at, id, &dispute, &job).await?;
	}
	if dispute.challenger == ctx.me {
		challenge(ctx, at, id, &dispute, &job).await?;
	}
	if dispute.jurors.0.iter().any(|j| j.who == ctx.me) {
		sit(ctx, at, id, &dispute, &job).await?;
	}
	Ok(())
}

fn proof_of(leaves: &[Hash256], index: usize) -> anyhow::Result<(Hash256, MerkleProof)> {
	let leaf = *leaves.get(index).ok_or_else(|| anyhow::anyhow!("no checkpoint {index}"))?;
	let proof = verity_primitives::content::merkle_proof(leaves, index)
		.ok_or_else(|| anyhow::anyhow!("no proof for checkpoint {index}"))?;
	Ok((leaf, verity::runtime_types::bounded_collections::bounded_vec::BoundedVec(proof)))
}

type MerkleProof = verity::runtime_types::bounded_collections::bounded_vec::BoundedVec<Hash256>;

/// The checkpoint hashes of this worker's own run of `job`.
fn my_leaves(ctx: &Context, job: u64) -> anyhow::Result<Vec<Hash256>> {
	let log: RunLog = read_json(&ctx.data.checkpoint_log(job))?
		.ok_or_else(|| anyhow::anyhow!("job {job}: this worker has no run on disk to defend"))?;
	log.leaves()
}

async fn defend(
	ctx: &Context,
	at: &AtBlock,
	id: u64,
	dispute: &Dispute,
	job: &Job,
) -> anyhow::Result<()> {
	use ct::{DisputePhase as P, DisputeSubject as S};
	match (&dispute.phase, &dispute.subject) {
		(P::AwaitingEndpoints, S::Segment { segment, .. }) => {
			let leaves = my_leaves(ctx, dispute.job)?;
			let (first, first_proof) = proof_of(&leaves, *segment as usize)?;
			let (last, last_proof) = proof_of(&leaves, *segment as usize + 1)?;
			ctx.submit(
				"reveal_endpoints",
				&verity::tx().compute().reveal_endpoints(id, first, first_proof, last, last_proof),
			)
			.await?;
			tracing::info!(dispute = id, segment, "defender: endpoints revealed");
		}
		(P::AwaitingEndpoints, S::Binding { end, .. }) => {
			let leaves = my_leaves(ctx, dispute.job)?;
			let index = match end {
				ct::RunEnd::Start => 0,
				ct::RunEnd::Weights => leaves.len().saturating_sub(1),
			};
			let (leaf, proof) = proof_of(&leaves, index)?;
			ctx.submit("reveal_leaf", &verity::tx().compute().reveal_leaf(id, leaf, proof)).await?;
			tracing::info!(dispute = id, index, "defender: bound leaf revealed");
		}
		(P::AwaitingMidpoint, S::Segment { start, end, .. }) => {
			let step = u64::from(*start) + u64::from(end.saturating_sub(*start) / 2);
			let plan = crate::jobs::train_plan(at, dispute.job, job).await?;
			let files = data_files(ctx, &plan).await?;
			let dir = ctx.data.clone();
			let (backend, faults) = (ctx.backend, ctx.faults.clone());
			let started = Instant::now();
			let state = tokio::task::spawn_blocking(move || -> anyhow::Result<Checkpoint> {
				let data = engine::load_datasets(&files)?;
				engine::state_at(&plan, &data, &dir, step, backend, &faults)
			})
			.await??;
			ctx.metrics
				.dispute_seconds
				.with_label_values(&["defender"])
				.inc_by(started.elapsed().as_secs_f64());
			ctx.submit(
				"reveal_midpoint",
				&verity::tx().compute().reveal_midpoint(id, state.hash()),
			)
			.await?;
			tracing::info!(dispute = id, step, state = %hex::encode(state.hash()), "defender: midpoint revealed");
		}
		_ => {}
	}
	Ok(())
}

/// The verified files of a training plan's datasets, with their formats.
async fn data_files(
	ctx: &Context,
	plan: &TrainPlan,
) -> anyhow::Result<Vec<(std::path::PathBuf, verity_primitives::DatasetFormat)>> {
	let files = ctx
		.fetch_all(&plan.datasets)
		.await
		.map_err(|e| anyhow::anyhow!("cannot replay without the job's data: {e}"))?;
	Ok(files.into_iter().zip(plan.datasets.iter().map(|d| d.format)).collect())
}

/// Whether `worker` declared this worker's determinism class: then states compare by hash.
async fn same_class(
	ctx: &Context,
	at: &AtBlock,
	worker: &subxt::utils::AccountId32,
) -> anyhow::Result<bool> {
	let record =
		at.runtime_apis().call(verity::runtime_apis().compute_api().worker(*worker)).await?;
	Ok(record.is_some_and(|w| w.capabilities.determinism == ctx.backend.determinism_class()))
}

/// The state a worker serves for `job` at `step`, checked against `expected`.
async fn served_state(
	ctx: &Context,
	endpoint: &str,
	job: u64,
	step: u64,
	expected: &Hash256,
) -> Result<Checkpoint, String> {
	let bytes = get(ctx, &format!("{endpoint}/jobs/{job}/states/{step}")).await?;
	engine::checkpoint_with_hash(&bytes, expected)
		.map_err(|e| format!("state at step {step}: {e:#}"))
}

/// The first checkpoint of `segment` as the trainer serves it, checked against the Merkle
/// root it committed.
async fn segment_start(
	ctx: &Context,
	endpoint: &str,
	job_id: u64,
	job: &Job,
	segment: u32,
) -> Result<Checkpoint, String> {
	let result = job.result.as_ref().ok_or("the job has no result")?;
	let leaves = served_checkpoints(ctx, endpoint, job_id, result).await?;
	let leaf = leaves.get(segment as usize).ok_or("no such segment")?;
	served_checkpoint(ctx, endpoint, job_id, segment, leaf).await
}

async fn challenge(
	ctx: &Context,
	at: &AtBlock,
	id: u64,
	dispute: &Dispute,
	job: &Job,
) -> anyhow::Result<()> {
	let ct::DisputePhase::AwaitingChoice { step, state } = &dispute.phase else { return Ok(()) };
	let ct::DisputeSubject::Segment { segment, .. } = &dispute.subject else { return Ok(()) };
	let step = u64::from(*step);
	let plan = crate::jobs::train_plan(at, dispute.job, job).await?;
	let endpoint = crate::jobs::endpoint(at, &dispute.defender).await?;
	let started = Instant::now();
	let mine = my_state(ctx, id, &plan, &endpoint, job, *segment, step).await?;
	let (accepted, reason) = match mine {
		Err(why) => (false, format!("cannot replay: {why}")),
		Ok(mine) if mine.hash() == *state => (true, "the same state".to_owned()),
		Ok(_) if same_class(ctx, at, &dispute.defender).await? => {
			(false, "a different state in one determinism class".to_owned())
		}
		Ok(mine) => match served_state(ctx, &endpoint, dispute.job, step, state).await {
			Ok(theirs) => {
				let divergence = Divergence::between(&mine, &theirs)?.max();
				(
					divergence <= plan.epsilon,
					format!("divergence {divergence:.3e} (ε {:.1e})", plan.epsilon),
				)
			}
			Err(why) => (false, format!("the defender does not serve its state: {why}")),
		},
	};
	ctx.metrics
		.dispute_seconds
		.with_label_values(&["challenger"])
		.inc_by(started.elapsed().as_secs_f64());
	ctx.submit("choose_half", &verity::tx().compute().choose_half(id, accepted)).await?;
	tracing::info!(dispute = id, step, accepted, %reason, "challenger: half chosen");
	Ok(())
}

/// This worker's honest state at `step` of the disputed segment: replayed from the nearest
/// state it computed before (kept on disk), or from the segment's first checkpoint.
async fn my_state(
	ctx: &Context,
	id: u64,
	plan: &TrainPlan,
	endpoint: &str,
	job: &Job,
	segment: u32,
	step: u64,
) -> anyhow::Result<Result<Checkpoint, String>> {
	let cached = ctx.data.latest_dispute_state(id, step).and_then(|s| {
		let bytes = std::fs::read(ctx.data.dispute_state(id, s)).ok()?;
		Checkpoint::from_bytes(&bytes).ok().map(|(c, _, _)| c).filter(|c| c.step == s)
	});
	let from = match cached {
		Some(c) => c,
		None => match segment_start(ctx, endpoint, plan.job, job, segment).await {
			Ok(c) => c,
			Err(why) => return Ok(Err(why)),
		},
	};
	if from.step == step {
		return Ok(Ok(from));
	}
	let files = data_files(ctx, plan).await?;
	let (plan, backend, path) = (plan.clone(), ctx.backend, ctx.data.dispute_state(id, step));
	let state = tokio::task::spawn_blocking(move || -> anyhow::Result<Checkpoint> {
		let data = engine::load_datasets(&files)?;
		let state = engine::replay_to(&plan, &data, &from, step, backend, &Faults::default())?;
		write_atomic(&path, &state.to_bytes(&plan.architecture, &plan.config, backend)?)?;
		Ok(state)
	})
	.await??;
	Ok(Ok(state))
}

async fn sit(
	ctx: &Context,
	at: &AtBlock,
	id: u64,
	dispute: &Dispute,
	job: &Job,
) -> anyhow::Result<()> {
	let Some(seat) = dispute.jurors.0.iter().find(|j| j.who == ctx.me) else { return Ok(()) };
	let path = ctx.data.dispute(id);
	match dispute.phase {
		ct::DisputePhase::JuryCommit if seat.commitment.is_none() => {
			let record = match read_json::<VoteRecord>(&path)? {
				Some(r) => r,
				None => {
					let started = Instant::now();
					let (defender_correct, reason) = judge(ctx, at, dispute, job).await?;
					let seconds = started.elapsed().as_secs_f64();
					ctx.metrics.dispute_seconds.with_label_values(&["juror"]).inc_by(seconds);
					let r = VoteRecord {
						defender_correct,
						salt: hex::encode(crate::chain::salt()?),
						reason,
						seconds,
					};
					write_json(&path, &r)?;
					r
				}
			};
			let salt = engine::parse_hash(&record.salt)?;
			let hash = commitment(CommitKind::Vote, id, &ctx.me, &record.defender_correct, &salt);
			ctx.submit("commit_vote", &verity::tx().compute().commit_vote(id, hash)).await?;
			tracing::info!(dispute = id, defender_correct = record.defender_correct, reason = %record.reason, "juror: vote committed");
		}
		ct::DisputePhase::JuryReveal if seat.commitment.is_some() && seat.vote.is_none() => {
			let record = read_json::<VoteRecord>(&path)?.ok_or_else(|| {
				anyhow::anyhow!("dispute {id}: the vote was committed but its salt is not on disk")
			})?;
			let salt = engine::parse_hash(&record.salt)?;
			ctx.submit(
				"reveal_vote",
				&verity::tx().compute().reveal_vote(id, record.defender_correct, salt),
			)
			.await?;
			tracing::info!(
				dispute = id,
				defender_correct = record.defender_correct,
				"juror: vote revealed"
			);
		}
		_ => {}
	}
	Ok(())
}

/// Whether the defender was right, and why.
async fn judge(
	ctx: &Context,
	at: &AtBlock,
	dispute: &Dispute,
	job: &Job,
) -> anyhow::Result<(bool, String)> {
	use ct::DisputeSubject as S;
	let endpoint = crate::jobs::endpoint(at, &dispute.defender).await?;
	match &dispute.subject {
		S::Segment { start, end, start_state: Some(before), end_state: Some(after), .. } => {
			let plan = crate::jobs::train_plan(at, dispute.job, job).await?;
			let (start, end) = (u64::from(*start), u64::from(*end));
			let from = match served_state(ctx, &endpoint, dispute.job, start, before).await {
				Ok(state) => state,
				Err(why) => {
					return Ok((
						false,
						format!("the defender does not serve the agreed state: {why}"),
					))
				}
			};
			let files = data_files(ctx, &plan).await?;
			let (task_plan, backend) = (plan.clone(), ctx.backend);
			let mine = tokio::task::spawn_blocking(move || -> anyhow::Result<Checkpoint> {
				let data = engine::load_datasets(&files)?;
				engine::replay_to(&task_plan, &data, &from, end, backend, &Faults::default())
			})
			.await??;
			if mine.hash() == *after {
				return Ok((true, format!("step {start}→{end} reproduces the defender's state")));
			}
			if same_class(ctx, at, &dispute.defender).await? {
				return Ok((
					false,
					format!("step {start}→{end} gives another state in one determinism class"),
				));
			}
			match served_state(ctx, &endpoint, dispute.job, end, after).await {
				Ok(theirs) => {
					let divergence = Divergence::between(&mine, &theirs)?.max();
					Ok((
						divergence <= plan.epsilon,
						format!(
							"step {start}→{end}: divergence {divergence:.3e} (ε {:.1e})",
							plan.epsilon
						),
					))
				}
				Err(why) => {
					Ok((false, format!("the defender does not serve its claimed state: {why}")))
				}
			}
		}
		S::Binding { end: ct::RunEnd::Start, leaf: Some(leaf) } => {
			let plan = crate::jobs::train_plan(at, dispute.job, job).await?;
			let base = match &plan.start {
				Start::Fresh => None,
				Start::FineTune { uri, hash } => Some(ctx.content.fetch(uri, *hash).await?),
			};
			let first = tokio::task::spawn_blocking(move || -> anyhow::Result<Checkpoint> {
				let weights = match base {
					Some(path) => Some(engine::load_model(&path, &plan.architecture)?),
					None => None,
				};
				engine::initial_checkpoint(&plan, weights.as_ref())
			})
			.await??;
			let bound = first.hash() == *leaf;
			Ok((
				bound,
				format!(
					"checkpoint 0 {} the job's starting weights",
					if bound { "is" } else { "is not" }
				),
			))
		}
		S::Binding { end: ct::RunEnd::Weights, leaf: Some(leaf) } => {
			let result =
				job.result.as_ref().ok_or_else(|| anyhow::anyhow!("the job has no result"))?;
			let last = result.checkpoints.saturating_sub(1);
			let bytes = match get(
				ctx,
				&format!("{endpoint}/jobs/{}/checkpoints/{last}", dispute.job),
			)
			.await
			{
				Ok(b) => b,
				Err(why) => {
					return Ok((
						false,
						format!("the defender does not serve its last checkpoint: {why}"),
					))
				}
			};
			let checkpoint = match engine::checkpoint_with_hash(&bytes, leaf) {
				Ok(c) => c,
				Err(e) => return Ok((false, format!("last checkpoint: {e:#}"))),
			};
			let file = verity_ml::export::weights_to_safetensors(
				&job.architecture.0,
				&checkpoint.weights,
			)?;
			let bound = ContentHash::of(&file) == result.weights.0;
			Ok((
				bound,
				format!(
					"the delivered weights {} the last checkpoint's",
					if bound { "are" } else { "are not" }
				),
			))
		}
		S::Outputs { defender, .. } => {
			let (mine, summary) = super::replica::compute(ctx, at, dispute.job, job).await?;
			let agree = mine == *defender;
			Ok((
				agree,
				format!(
					"recomputed {summary}: {}",
					if agree { "the defender's" } else { "not the defender's" }
				),
			))
		}
		_ => anyhow::bail!("the dispute's subject is not complete yet"),
	}
}
