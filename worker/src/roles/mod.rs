//! The daemon: one loop over best blocks. At each block it reads the worker's duties from
//! the `ComputeApi` runtime API and starts, for each duty not already in hand, the role
//! that plays it; the keeper then nudges the deadlines of the jobs it watches.
//!
//! Every role is a step function: it reads the job at the block, compares with what the
//! worker recorded on disk, and does the next thing (train, commit, reveal, call) or
//! nothing. Running it again is harmless, so a restart or a dropped connection only
//! delays work. Heavy work (training, replay) runs on blocking threads; the in-hand set
//! keeps one task per duty.
//!
//! Pipeline, top to bottom: watch → fetch → train → serve → submit → audit → dispute
//! (defend, challenge, judge) → settle.

pub mod auditor;
pub mod dispute;
pub mod keeper;
pub mod replica;
pub mod trainer;
pub mod watcher;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use subxt::utils::AccountId32;

use crate::chain::{compute_types as ct, verity, AtBlock, Chain, Submitter};
use crate::content::{ContentStore, FetchError};
use crate::engine::DataRef;
use crate::metrics::Metrics;
use crate::store::DataDir;

/// What every role needs.
pub struct Context {
	/// Signs and submits.
	pub tx: Arc<Submitter>,
	/// Reads.
	pub chain: Chain,
	/// This worker's account.
	pub me: AccountId32,
	/// Per-job state on disk.
	pub data: DataDir,
	/// Verified files.
	pub content: ContentStore,
	/// Metrics.
	pub metrics: Metrics,
	/// The ML backend.
	pub backend: verity_ml::Backend,
	/// The base URL others reach this worker's HTTP server at.
	pub public_url: String,
	/// The largest model this worker accepts.
	pub max_parameters: u64,
	/// HTTP client for other workers' endpoints.
	pub http: reqwest::Client,
	/// Set on SIGTERM/SIGINT: long work stops at the next step.
	pub cancel: Arc<AtomicBool>,
	/// Whether to draw progress bars (a terminal is attached).
	pub progress_bars: bool,
	/// The ways this worker cheats on purpose (fault injection; none in a release build).
	pub faults: crate::fault::Faults,
}

impl Context {
	/// Whether shutdown was asked for.
	pub fn cancelled(&self) -> bool {
		self.cancel.load(Ordering::Relaxed)
	}

	/// Fetches and verifies every file, in order.
	pub async fn fetch_all(&self, refs: &[DataRef]) -> Result<Vec<std::path::PathBuf>, FetchError> {
		let mut paths = Vec::with_capacity(refs.len());
		for r in refs {
			paths.push(self.content.fetch(&r.uri, r.hash).await?);
		}
		Ok(paths)
	}

	/// The URL this worker serves a content-addressed file at.
	pub fn content_url(&self, hash: &verity_primitives::ContentHash) -> String {
		format!("{}/content/{}", self.public_url, crate::content::content_name(hash))
	}

	/// Submits a call, counting it in the metrics.
	pub async fn submit<C: subxt::tx::Payload>(
		&self,
		what: &str,
		call: &C,
	) -> anyhow::Result<subxt::extrinsics::ExtrinsicEvents<crate::chain::Config>> {
		let result = self.tx.submit(what, call).await;
		let outcome = match &result {
			Ok(_) => "ok",
			Err(e) if crate::chain::runtime_error_name(e).is_some() => "failed",
			Err(_) => "error",
		};
		self.metrics.transactions.with_label_values(&[what, outcome]).inc();
		result
	}
}

/// Runs the daemon until `cancel` is set. `watch` (which needs the keeper's list of jobs)
/// replays every training result and challenges bad segments.
pub async fn run(ctx: Arc<Context>, keeper_enabled: bool, watch: bool) -> anyhow::Result<()> {
	let in_hand: Arc<Mutex<HashSet<String>>> = Arc::default();
	let mut keeper = keeper::Keeper::load(&ctx.data)?;
	if keeper_enabled {
		if let Err(e) = keeper.discover(&ctx).await {
			tracing::warn!(error = %e, "keeper: could not look up recent jobs");
		}
	}
	let mut reconnects = 0u32;
	while !ctx.cancelled() {
		let mut blocks = match ctx.chain.api.stream_best_blocks().await {
			Ok(blocks) => blocks,
			Err(e) => {
				tracing::warn!(error = %e, "cannot follow blocks; retrying");
				tokio::time::sleep(Duration::from_secs(2)).await;
				continue;
			}
		};
		if reconnects > 0 {
			tracing::info!("following blocks again");
		}
		loop {
			let next = tokio::select! {
				next = blocks.next() => next,
				_ = wait_cancel(&ctx) => break,
			};
			let block = match next {
				Some(Ok(block)) => block,
				Some(Err(e)) => {
					tracing::warn!(error = %e, "block stream error");
					break;
				}
				None => break,
			};
			let number = block.number();
			ctx.metrics.blocks.with_label_values(&["best"]).set(number as i64);
			let at = match block.at().await {
				Ok(at) => at,
				Err(e) => {
					tracing::warn!(block = number, error = %e, "cannot read block");
					continue;
				}
			};
			if let Err(e) = tick(&ctx, &at, &in_hand).await {
				tracing::warn!(block = number, error = %e, "duties");
			}
			if keeper_enabled {
				if let Err(e) = keeper.tick(&ctx, &at, &in_hand).await {
					tracing::warn!(block = number, error = %e, "keeper");
				}
			}
			if watch {
				for id in keeper.jobs() {
					let (ctx, api, hash) = (ctx.clone(), ctx.chain.api.clone(), at.block_hash());
					spawn_once(&in_hand, format!("watch:{id}"), async move {
						let at = api.at_block(hash).await?;
						let Some(job) = crate::jobs::job(&at, id).await? else { return Ok(()) };
						watcher::step(&ctx, &at, id, job).await
					});
				}
			}
			if number % 10 == 0 {
				prune(&ctx).await;
				report_balances(&ctx, &at).await;
			}
		}
		if ctx.cancelled() {
			break;
		}
		reconnects += 1;
		ctx.metrics.reconnects.set(i64::from(reconnects));
		tracing::warn!("lost the block stream; reconnecting");
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	// Let running tasks reach a safe point (they stop at the next step and persist).
	for _ in 0..100 {
		if in_hand.lock().map(|s| s.is_empty()).unwrap_or(true) {
			break;
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	Ok(())
}

async fn wait_cancel(ctx: &Context) {
	while !ctx.cancelled() {
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
}

/// A task is started only if no task with the same key is running; the key is released
/// when it ends.
pub fn spawn_once<F>(in_hand: &Arc<Mutex<HashSet<String>>>, key: String, task: F)
where
	F: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
	let Ok(mut set) = in_hand.lock() else { return };
	if !set.insert(key.clone()) {
		return;
	}
	drop(set);
	let in_hand = in_hand.clone();
	tokio::spawn(async move {
		if let Err(e) = task.await {
			tracing::warn!(task = %key, error = %format!("{e:#}"), "task failed; retried next block");
		}
		if let Ok(mut set) = in_hand.lock() {
			set.remove(&key);
		}
	});
}

async fn tick(
	ctx: &Arc<Context>,
	at: &AtBlock,
	in_hand: &Arc<Mutex<HashSet<String>>>,
) -> anyhow::Result<()> {
	let duties =
		at.runtime_apis().call(verity::runtime_apis().compute_api().duties(ctx.me)).await?;
	let hash = at.block_hash();
	let mut counts = [0i64; 3];
	for duty in &duties {
		let kind = match duty {
			ct::Duty::Work(_) => 0,
			ct::Duty::Audit(..) => 1,
			_ => 2,
		};
		counts[kind] += 1;
	}
	for (kind, count) in ["work", "audit", "dispute"].iter().zip(counts) {
		ctx.metrics.duties.with_label_values(&[kind]).set(count);
	}
	for duty in duties {
		let ctx = ctx.clone();
		let api = ctx.chain.api.clone();
		match duty {
			ct::Duty::Work(job) => spawn_once(in_hand, format!("work:{job}"), async move {
				let at = api.at_block(hash).await?;
				let Some(record) = crate::jobs::job(&at, job).await? else { return Ok(()) };
				match record.spec {
					ct::JobSpec::Train(_) => trainer::step(&ctx, &at, job, record).await,
					_ => replica::step(&ctx, &at, job, record).await,
				}
			}),
			ct::Duty::Audit(job, segment) => {
				spawn_once(in_hand, format!("audit:{job}:{segment}"), async move {
					let at = api.at_block(hash).await?;
					let Some(record) = crate::jobs::job(&at, job).await? else { return Ok(()) };
					auditor::step(&ctx, &at, job, segment, record).await
				})
			}
			ct::Duty::Defend(id) | ct::Duty::Challenge(id) | ct::Duty::Jury(id) => {
				spawn_once(in_hand, format!("dispute:{id}"), async move {
					let at = api.at_block(hash).await?;
					dispute::step(&ctx, &at, id).await
				})
			}
		}
	}
	Ok(())
}

/// Removes the files of jobs and disputes that ended in the finalized chain (checkpoints and
/// states are served only while the job can still be audited or disputed; final weights stay
/// in the content store). Not from a best block: the block that ended a job can be
/// retracted, and the job then goes on.
async fn prune(ctx: &Context) {
	let at = match ctx.chain.finalized().await {
		Ok(at) => at,
		Err(e) => {
			tracing::warn!(error = %e, "cannot read the finalized block; pruning later");
			return;
		}
	};
	for job in ctx.data.jobs_on_disk() {
		if let Ok(None) = crate::jobs::job(&at, job).await {
			tracing::info!(job, "job ended; pruning its checkpoints");
			ctx.data.prune_job(job);
		}
	}
	for id in ctx.data.disputes_on_disk() {
		let dispute =
			at.runtime_apis().call(verity::runtime_apis().compute_api().dispute(id)).await;
		if let Ok(None) = dispute {
			ctx.data.prune_dispute(id);
		}
	}
}

async fn report_balances(ctx: &Context, at: &AtBlock) {
	if let Ok(free) = ctx.chain.free_balance(at, &ctx.me).await {
		ctx.metrics
			.balance
			.with_label_values(&["free"])
			.set(free as f64 / crate::chain::UNIT as f64);
	}
	let worker = at.runtime_apis().call(verity::runtime_apis().compute_api().worker(ctx.me)).await;
	if let Ok(Some(w)) = worker {
		ctx.metrics
			.balance
			.with_label_values(&["stake"])
			.set(w.stake as f64 / crate::chain::UNIT as f64);
		ctx.metrics
			.balance
			.with_label_values(&["bonded"])
			.set(w.bonded as f64 / crate::chain::UNIT as f64);
	}
}
