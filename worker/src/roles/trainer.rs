//! Trainer: fetch and verify the data, train with a checkpoint every K steps (each saved
//! before it is logged, so a restart resumes from the last one), serve the checkpoints and
//! the final weights, submit the result once.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use subxt::utils::Static;
use verity_primitives::Uri;

use super::Context;
use crate::chain::{compute_types as ct, verity, AtBlock};
use crate::engine::{self, RunOutcome, Start};
use crate::jobs::Job;
use crate::store::{read_json, write_json};

/// What the trainer has done for a job, on disk.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TrainState {
	/// Where it is.
	pub phase: Phase,
	/// The finished run, once trained.
	pub outcome: Option<RunOutcome>,
	/// Why the job was declined.
	pub declined: Option<String>,
	/// The deadline of the assignment last declined on chain: a job can be drawn to the
	/// same worker again after it declined, and is declined again.
	#[serde(default)]
	pub declined_until: Option<u32>,
}

/// The trainer's progress on a job.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
	/// Training (or about to).
	#[default]
	Training,
	/// Trained; the result is ready to submit.
	Trained,
	/// The result is on chain.
	Submitted,
	/// Not runnable by this worker (see `declined`).
	Declined,
}

/// Declines the assignment ending at `until` on chain: free within the decline window;
/// past it, the chain counts a no-show when the deadline lapses.
async fn decline(ctx: &Context, id: u64, until: u32, state: &mut TrainState) {
	match ctx.submit("decline", &verity::tx().compute().decline(id)).await {
		Ok(_) => tracing::info!(job = id, "declined on chain"),
		Err(e) => {
			tracing::warn!(job = id, error = %e, "could not decline on chain; the deadline will lapse")
		}
	}
	state.declined_until = Some(until);
}

/// Does the next thing for a training job this worker is assigned.
pub async fn step(ctx: &Context, at: &AtBlock, id: u64, job: Job) -> anyhow::Result<()> {
	let path = ctx.data.job_state(id);
	let mut state: TrainState = read_json(&path)?.unwrap_or_default();
	if job.result.is_some() {
		if state.phase != Phase::Submitted {
			state.phase = Phase::Submitted;
			write_json(&path, &state)?;
		}
		return Ok(());
	}
	let ct::JobStatus::Assigned { until } = job.status else { return Ok(()) };
	if job.assignees.0.first().map(|a| &a.worker) != Some(&ctx.me) {
		return Ok(());
	}
	if state.phase == Phase::Declined {
		if state.declined_until != Some(until) {
			decline(ctx, id, until, &mut state).await;
			write_json(&path, &state)?;
		}
		return Ok(());
	}
	if at.block_number() > u64::from(until) {
		tracing::warn!(job = id, until, "the submission deadline passed");
		return Ok(());
	}

	let outcome = match state.outcome.clone() {
		Some(outcome) => outcome,
		None => match train(ctx, at, id, &job).await {
			Ok(Some(outcome)) => {
				state.phase = Phase::Trained;
				state.outcome = Some(outcome.clone());
				write_json(&path, &state)?;
				outcome
			}
			Ok(None) => return Ok(()), // cancelled: resumes from the last checkpoint
			Err(Decline(reason)) => {
				tracing::error!(job = id, %reason, "declining the job");
				decline(ctx, id, until, &mut state).await;
				ctx.metrics.declined.with_label_values(&[reason.kind()]).inc();
				state.phase = Phase::Declined;
				state.declined = Some(reason.to_string());
				write_json(&path, &state)?;
				return Ok(());
			}
		},
	};

	// Chain state decides: a result already there (e.g. submitted just before a crash) is
	// never submitted again.
	let latest = ctx.chain.finalized().await?;
	match crate::jobs::job(&latest, id).await? {
		Some(current) if current.result.is_none() => {}
		_ => return Ok(()),
	}
	let weights = outcome.weights.to_hash()?;
	let weights_uri = Uri::parse(ctx.content_url(&weights).as_bytes()).map_err(|e| {
		anyhow::anyhow!("the weights URL is not a valid URI ({e:?}); shorten --public-url")
	})?;
	let result = ct::TrainResult {
		weights: Static(weights),
		weights_uri: Static(weights_uri),
		checkpoint_root: engine::parse_hash(&outcome.checkpoint_root)?,
		checkpoints: outcome.checkpoints,
		metrics: ct::Metrics {
			final_loss_micros: outcome.final_loss_micros,
			validation_correct: outcome.validation_correct,
			validation_total: outcome.validation_total,
		},
	};
	ctx.submit("submit_result", &verity::tx().compute().submit_result(id, result)).await?;
	state.phase = Phase::Submitted;
	write_json(&path, &state)?;
	tracing::info!(
		job = id,
		weights = %crate::content::content_name(&weights),
		root = %outcome.checkpoint_root,
		"result submitted"
	);
	Ok(())
}

/// Why a job is not run: nothing is attempted after this.
#[derive(Debug, thiserror::Error)]
pub enum DeclineReason {
	/// The plan is outside what this worker runs.
	#[error("not runnable: {0}")]
	Unrunnable(String),
	/// A file does not match its listing.
	#[error("bad data: {0}")]
	BadData(String),
}

impl DeclineReason {
	fn kind(&self) -> &'static str {
		match self {
			DeclineReason::Unrunnable(_) => "unrunnable",
			DeclineReason::BadData(_) => "bad_data",
		}
	}
}

/// A job this worker will not run.
pub struct Decline(pub DeclineReason);

impl From<anyhow::Error> for Decline {
	fn from(e: anyhow::Error) -> Self {
		Decline(DeclineReason::Unrunnable(format!("{e:#}")))
	}
}

async fn train(
	ctx: &Context,
	at: &AtBlock,
	id: u64,
	job: &Job,
) -> Result<Option<RunOutcome>, Decline> {
	let plan = crate::jobs::train_plan(at, id, job).await?;
	plan.check_runnable(ctx.max_parameters)?;
	let bad_data = |e: crate::content::FetchError| {
		if e.is_bad_content() {
			Decline(DeclineReason::BadData(e.to_string()))
		} else {
			Decline(DeclineReason::Unrunnable(format!("cannot fetch: {e}")))
		}
	};
	let files = ctx.fetch_all(&plan.datasets).await.map_err(bad_data)?;
	let validation = match &plan.validation {
		Some(v) => Some(ctx.content.fetch(&v.uri, v.hash).await.map_err(bad_data)?),
		None => None,
	};
	let start = match &plan.start {
		Start::Fresh => None,
		Start::FineTune { uri, hash } => {
			Some(ctx.content.fetch(uri, *hash).await.map_err(bad_data)?)
		}
	};
	let formats: Vec<_> = files.into_iter().zip(plan.datasets.iter().map(|d| d.format)).collect();
	let validation = validation.zip(plan.validation.as_ref().map(|v| v.format));

	let dir = ctx.data.clone();
	let backend = ctx.backend;
	let metrics = ctx.metrics.clone();
	let cancel = ctx.cancel.clone();
	let bars = ctx.progress_bars;
	let faults = ctx.faults.clone();
	let task_plan = plan.clone();
	let run =
		tokio::task::spawn_blocking(move || -> anyhow::Result<Option<(RunOutcome, Vec<u8>)>> {
			let plan = task_plan;
			let data =
				engine::load_datasets(&formats).map_err(|e| anyhow::anyhow!("bad data: {e:#}"))?;
			let validation = match validation {
				Some((path, format)) => Some(engine::load_datasets(&[(path, format)])?),
				None => None,
			};
			let start = match start {
				Some(path) => Some(engine::load_model(&path, &plan.architecture)?),
				None => None,
			};
			let bar = progress_bar(bars, plan.job, plan.steps);
			let started = Instant::now();
			let batch = plan.config.batch_size as f64;
			let mut progress = |step: u64, loss: f32| {
				if cancel.load(std::sync::atomic::Ordering::Relaxed) {
					return false;
				}
				metrics.train_steps.inc();
				bar.set_position(step);
				bar.set_message(format!("loss {loss:.4}"));
				if step.is_multiple_of(plan.interval) || step == plan.steps {
					let rate = step as f64 / started.elapsed().as_secs_f64().max(1e-9);
					metrics.steps_per_second.set(rate);
					metrics.samples_per_second.set(rate * batch);
					tracing::info!(job = plan.job, step, steps = plan.steps, loss, "checkpoint");
				}
				true
			};
			let result = engine::train(
				&plan,
				&data,
				start.as_ref(),
				validation.as_ref(),
				&dir,
				backend,
				&faults,
				&mut progress,
			);
			bar.finish_and_clear();
			result
		})
		.await
		.map_err(|e| anyhow::anyhow!("training task: {e}"))?;
	let Some((outcome, weights)) = (match run {
		Ok(r) => r,
		Err(e) if format!("{e:#}").starts_with("bad data") => {
			return Err(Decline(DeclineReason::BadData(format!("{e:#}"))))
		}
		Err(e) => return Err(e.into()),
	}) else {
		return Ok(None);
	};
	// The weights are served by content hash from now on (and stay, for `model fetch`).
	ctx.content.insert_bytes(&weights).await.map_err(|e| anyhow::anyhow!("{e}"))?;
	tracing::info!(
		job = id,
		steps_per_second = outcome.steps_per_second,
		final_loss_micros = outcome.final_loss_micros,
		validation = %format!("{}/{}", outcome.validation_correct, outcome.validation_total),
		"trained"
	);
	Ok(Some(outcome))
}

fn progress_bar(enabled: bool, job: u64, steps: u64) -> indicatif::ProgressBar {
	if !enabled {
		return indicatif::ProgressBar::hidden();
	}
	let bar = indicatif::ProgressBar::new(steps);
	if let Ok(style) = indicatif::ProgressStyle::with_template(
		"job {prefix} {bar:40} {pos}/{len} steps {per_sec} eta {eta} {msg}",
	) {
		bar.set_style(style);
	}
	bar.set_prefix(job.to_string());
	bar
}
