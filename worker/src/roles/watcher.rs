//! Watcher (`verity-worker run --watch`): replays every segment of every training result it
//! sees while the result can still be challenged, and challenges the first segment that
//! does not replay (or that the trainer does not serve). Audits sample a few segments; a
//! watcher checks them all, at the cost of a full replay, and is paid as the winning
//! challenger when it is right (and slashed its challenge bond when it is not).
//!
//! What it concluded for a job is kept on disk, so a restart does not replay it again.

use serde::{Deserialize, Serialize};

use super::auditor::{replay, Verdict};
use super::Context;
use crate::chain::{compute_types as ct, runtime_error_name, verity, AtBlock};
use crate::jobs::Job;
use crate::store::{read_json, write_json};

/// What the watcher concluded for a job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WatchRecord {
	/// The segment it challenged, if any.
	pub challenged: Option<u32>,
	/// Why, in words.
	pub reason: String,
}

/// Watches job `id`: replays its segments once its result is on chain and challenges the
/// first bad one.
pub async fn step(ctx: &Context, at: &AtBlock, id: u64, job: Job) -> anyhow::Result<()> {
	let open = match job.status {
		ct::JobStatus::AwaitingAudits { .. } => true,
		ct::JobStatus::Auditing { challenge_until, .. } => {
			at.block_number() <= u64::from(challenge_until)
		}
		_ => false,
	};
	let Some(result) = &job.result else { return Ok(()) };
	if !open || job.assignees.0.iter().any(|a| a.worker == ctx.me) || ctx.faults.silent {
		return Ok(());
	}
	let path = ctx.data.watch(id);
	if read_json::<WatchRecord>(&path)?.is_some() {
		return Ok(());
	}
	let segments = result.checkpoints.saturating_sub(1);
	let mut record =
		WatchRecord { challenged: None, reason: format!("{segments} segments replay") };
	for segment in 0..segments {
		let why = match replay(ctx, at, id, segment, &job).await? {
			Verdict::Replayed { verdict, .. } if verdict.passed => continue,
			Verdict::Replayed { verdict, .. } => {
				format!("segment {segment} does not replay (divergence {:.3e})", verdict.divergence)
			}
			Verdict::NotServed(why) => format!("segment {segment} is not served: {why}"),
		};
		match ctx.submit("challenge", &verity::tx().compute().challenge(id, segment)).await {
			Ok(_) => {
				tracing::info!(job = id, segment, reason = %why, "watcher: segment challenged")
			}
			// Someone (an auditor, another watcher) disputes it already.
			Err(e) if runtime_error_name(&e) == Some("AlreadyDisputed") => {
				tracing::info!(job = id, segment, "watcher: segment already disputed")
			}
			Err(e) => return Err(e),
		}
		record = WatchRecord { challenged: Some(segment), reason: why };
		break;
	}
	write_json(&path, &record)?;
	Ok(())
}
