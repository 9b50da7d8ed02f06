//! Keeper: calls the permissionless `draw_audits`, `process_job` and `process_dispute` when
//! their time comes — someone has to, or jobs never finalize. It learns of jobs and
//! disputes from each block's events (no storage scan) and keeps its watch list on disk.
//!
//! Several keepers watching the same job would race for the same call and all but one
//! would pay for a failed transaction, so each waits a delay of 0–2 blocks drawn from its
//! account and the job.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::{spawn_once, Context};
use crate::chain::{compute_types as ct, runtime_error_name, verity, AtBlock};
use crate::store::{read_json, write_json};

/// Jobs looked up at start, back from the newest id.
const LOOKBACK: u64 = 256;

/// What the keeper watches.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Keeper {
	jobs: BTreeSet<u64>,
	disputes: BTreeSet<u64>,
}

impl Keeper {
	/// The watch list on disk, or an empty one.
	pub fn load(data: &crate::store::DataDir) -> anyhow::Result<Self> {
		Ok(read_json(&data.keeper())?.unwrap_or_default())
	}

	/// Adds the open jobs among the newest `LOOKBACK` ids (a bounded lookup through the
	/// runtime API, for jobs posted while this keeper was not running).
	pub async fn discover(&mut self, ctx: &Context) -> anyhow::Result<()> {
		let at = ctx.chain.finalized().await?;
		let next =
			at.storage().fetch(verity::storage().compute().next_job_id(), ()).await?.decode()?;
		for id in next.saturating_sub(LOOKBACK)..next {
			if let Some(job) = crate::jobs::job(&at, id).await? {
				self.jobs.insert(id);
				self.disputes.extend(job.disputes.0.iter().copied());
			}
		}
		write_json(&ctx.data.keeper(), self)
	}

	/// The open jobs watched.
	pub fn jobs(&self) -> impl Iterator<Item = u64> + '_ {
		self.jobs.iter().copied()
	}

	/// Updates the watch list from the block's events and makes the calls that are due.
	pub async fn tick(
		&mut self,
		ctx: &Arc<Context>,
		at: &AtBlock,
		in_hand: &Arc<Mutex<HashSet<String>>>,
	) -> anyhow::Result<()> {
		let before = (self.jobs.len(), self.disputes.len());
		let events = at.events().fetch().await?;
		for event in events.iter() {
			let Ok(event) = event else { continue };
			let Ok(verity::Event::Compute(event)) = event.decode_as::<verity::Event>() else {
				continue;
			};
			use verity::compute::Event as E;
			match event {
				E::JobPosted { job, .. } | E::ResultSubmitted { job, .. } => {
					self.jobs.insert(job);
				}
				E::DisputeOpened { dispute, job, .. } => {
					self.disputes.insert(dispute);
					self.jobs.insert(job);
				}
				_ => {}
			}
		}
		let now = at.block_number();
		let mut ended = Vec::new();
		for &id in &self.jobs {
			let Some(job) = crate::jobs::job(at, id).await? else {
				ended.push(id);
				continue;
			};
			let due = match job.status {
				// The draw uses the seed recorded at the end of block `draw_at`.
				ct::JobStatus::AwaitingAudits { draw_at, .. } => {
					(now > u64::from(draw_at)).then_some((u64::from(draw_at) + 1, Call::DrawAudits))
				}
				ct::JobStatus::Assigned { until } | ct::JobStatus::Revealing { until } => {
					(now > u64::from(until)).then_some((u64::from(until) + 1, Call::ProcessJob))
				}
				// Freeing a refunding job's bonds goes on at once, a batch per call.
				ct::JobStatus::Refunding { .. } => Some((0, Call::ProcessJob)),
				ct::JobStatus::Auditing { challenge_until, .. } if job.disputes.0.is_empty() => {
					(now > u64::from(challenge_until))
						.then_some((u64::from(challenge_until) + 1, Call::ProcessJob))
				}
				_ => None,
			};
			if let Some((from, call)) = due {
				if now >= from + stagger(ctx, id) {
					nudge(ctx, in_hand, id, call);
				}
			}
		}
		let mut settled = Vec::new();
		for &id in &self.disputes {
			let dispute =
				at.runtime_apis().call(verity::runtime_apis().compute_api().dispute(id)).await?;
			let Some(dispute) = dispute else {
				settled.push(id);
				continue;
			};
			// Every phase has a deadline: a jury to draw, a move or vote missed, a verdict to
			// enforce, or an escalation the appeal origin let lapse.
			if now > u64::from(dispute.deadline) + stagger(ctx, id) {
				nudge(ctx, in_hand, id, Call::ProcessDispute);
			}
		}
		// A best block can be retracted, and with it the call that ended a job: such a job is
		// open again on the chain that wins and still needs a keeper. So only what is over
		// in the finalized chain leaves the watch list.
		if !ended.is_empty() || !settled.is_empty() {
			let finalized = ctx.chain.finalized().await?;
			for id in ended {
				if crate::jobs::job(&finalized, id).await?.is_none() {
					self.jobs.remove(&id);
				}
			}
			for id in settled {
				let dispute = finalized
					.runtime_apis()
					.call(verity::runtime_apis().compute_api().dispute(id))
					.await?;
				if dispute.is_none() {
					self.disputes.remove(&id);
				}
			}
		}
		if before != (self.jobs.len(), self.disputes.len()) {
			write_json(&ctx.data.keeper(), self)?;
		}
		Ok(())
	}
}

#[derive(Clone, Copy, Debug)]
enum Call {
	DrawAudits,
	ProcessJob,
	ProcessDispute,
}

impl Call {
	fn name(self) -> &'static str {
		match self {
			Call::DrawAudits => "draw_audits",
			Call::ProcessJob => "process_job",
			Call::ProcessDispute => "process_dispute",
		}
	}
}

/// 0, 1 or 2 blocks, from the keeper's account and the subject.
fn stagger(ctx: &Context, subject: u64) -> u64 {
	let hash = blake2b_simd::Params::new()
		.hash_length(8)
		.to_state()
		.update(&ctx.me.0)
		.update(&subject.to_le_bytes())
		.finalize();
	u64::from(hash.as_bytes().first().copied().unwrap_or(0) % 3)
}

fn nudge(ctx: &Arc<Context>, in_hand: &Arc<Mutex<HashSet<String>>>, id: u64, call: Call) {
	let ctx = ctx.clone();
	spawn_once(in_hand, format!("keeper:{}:{id}", call.name()), async move {
		let result = match call {
			Call::DrawAudits => {
				ctx.submit(call.name(), &verity::tx().compute().draw_audits(id)).await
			}
			Call::ProcessJob => {
				ctx.submit(call.name(), &verity::tx().compute().process_job(id)).await
			}
			Call::ProcessDispute => {
				ctx.submit(call.name(), &verity::tx().compute().process_dispute(id)).await
			}
		};
		match result {
			Ok(_) => {
				ctx.metrics.keeper_calls.with_label_values(&[call.name()]).inc();
				tracing::info!(call = call.name(), id, "keeper call made");
				Ok(())
			}
			// Another keeper was first, or the state moved on: nothing to do.
			Err(e) if runtime_error_name(&e).is_some() => {
				tracing::debug!(call = call.name(), id, error = %e, "keeper call not needed");
				Ok(())
			}
			Err(e) => Err(e),
		}
	});
}
