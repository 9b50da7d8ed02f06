//! Auditor: fetch the trainer's checkpoint log and the segment's two checkpoints from its
//! endpoint, check them against the Merkle root the trainer committed on chain, replay the
//! segment, compare within the job's ε, then commit and reveal a report: the end state it
//! vouches for and its verdict. A pass vouches for the trainer's end-of-segment leaf and
//! reveals it with its Merkle proof, which the chain checks when the auditor is in the
//! trainer's determinism class; a fail reveals the state the replay reached.
//!
//! A trainer that does not serve what it committed to (or serves something else) fails
//! the audit: withholding is never cheaper than serving.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use verity_primitives::Hash256;

use super::Context;
use crate::chain::{commitment, compute_types as ct, verity, AtBlock, CommitKind};
use crate::engine::{self, AuditVerdict, RunLog};
use crate::jobs::Job;
use crate::store::{read_json, write_json};

/// An audit's report and salt, written before the commitment is submitted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditRecord {
	/// The verdict.
	pub passed: bool,
	/// The end state vouched for (hex): the trainer's leaf on a pass, the replayed state
	/// on a fail.
	#[serde(default)]
	pub end_state: String,
	/// The Merkle proof of the trainer's leaf after the segment (hex), when known.
	#[serde(default)]
	pub end_proof: Vec<String>,
	/// The commitment's salt (hex).
	pub salt: String,
	/// Why, in words.
	pub reason: String,
}

/// Does the next thing for an audit of `segment` of job `id`.
pub async fn step(
	ctx: &Context,
	at: &AtBlock,
	id: u64,
	segment: u32,
	job: Job,
) -> anyhow::Result<()> {
	let ct::JobStatus::Auditing { audit_commit_until, audit_reveal_until, .. } = job.status else {
		return Ok(());
	};
	if ctx.faults.silent {
		return Ok(());
	}
	let Some(entry) = job.audits.0.iter().find(|a| a.segment == segment && a.auditor == ctx.me)
	else {
		return Ok(());
	};
	let now = at.block_number();
	let path = ctx.data.audit(id, segment);
	let record: Option<AuditRecord> = read_json(&path)?;
	match (&entry.commitment, &entry.passed) {
		(None, _) => {
			if now > u64::from(audit_commit_until) {
				tracing::warn!(job = id, segment, "the audit's commit window closed");
				return Ok(());
			}
			let record = match record {
				Some(r) => r,
				None => {
					let (passed, end_state, end_proof, reason) =
						match replay(ctx, at, id, segment, &job).await? {
							Verdict::Replayed { verdict: v, leaf, proof } => {
								if v.passed && !v.exact && entry.exact {
									tracing::warn!(
										job = id,
										segment,
										divergence = v.divergence,
										"same determinism class, yet the replay is not bit-exact"
									);
								}
								let state = if v.passed { leaf } else { v.replayed };
								(
									v.passed,
									state,
									proof,
									format!(
										"replayed: exact {}, divergence {:.3e}",
										v.exact, v.divergence
									),
								)
							}
							Verdict::NotServed(why) => (
								false,
								[0u8; 32],
								Vec::new(),
								format!("trainer did not serve: {why}"),
							),
						};
					let r = AuditRecord {
						passed,
						end_state: hex::encode(end_state),
						end_proof: end_proof.iter().map(hex::encode).collect(),
						salt: hex::encode(crate::chain::salt()?),
						reason,
					};
					// The salt is on disk before the commitment that needs it is on chain.
					write_json(&path, &r)?;
					ctx.metrics
						.audits
						.with_label_values(&[if passed { "pass" } else { "fail" }])
						.inc();
					r
				}
			};
			let salt = engine::parse_hash(&record.salt)?;
			let end_state = engine::parse_hash(&record.end_state)?;
			// `AuditReport { end_state, passed }` encodes as the pair.
			let hash = commitment(
				CommitKind::Audit,
				id,
				&ctx.me,
				&(segment, (end_state, record.passed)),
				&salt,
			);
			ctx.submit("commit_audit", &verity::tx().compute().commit_audit(id, segment, hash))
				.await?;
			tracing::info!(job = id, segment, passed = record.passed, reason = %record.reason, "audit committed");
		}
		(Some(_), None) => {
			let all_committed = job.audits.0.iter().all(|a| a.commitment.is_some());
			if !all_committed && now <= u64::from(audit_commit_until) {
				return Ok(()); // reveals open once everyone committed or the window closed
			}
			if now > u64::from(audit_reveal_until) {
				tracing::warn!(job = id, segment, "the audit's reveal window closed");
				return Ok(());
			}
			let record = record.ok_or_else(|| {
				anyhow::anyhow!("audit {id}/{segment} was committed but its salt is not on disk")
			})?;
			let salt = engine::parse_hash(&record.salt)?;
			let report = ct::AuditReport {
				end_state: engine::parse_hash(&record.end_state)?,
				passed: record.passed,
			};
			let proof = record
				.end_proof
				.iter()
				.map(|h| engine::parse_hash(h))
				.collect::<anyhow::Result<Vec<_>>>()?;
			ctx.submit(
				"reveal_audit",
				&verity::tx().compute().reveal_audit(
					id,
					segment,
					report,
					verity::runtime_types::bounded_collections::bounded_vec::BoundedVec(proof),
					salt,
				),
			)
			.await?;
			tracing::info!(job = id, segment, passed = record.passed, "audit revealed");
		}
		(Some(_), Some(_)) => {}
	}
	Ok(())
}

/// The outcome of trying to replay a segment.
pub(super) enum Verdict {
	/// The segment was replayed; `leaf` is the trainer's end-of-segment checkpoint hash and
	/// `proof` its Merkle proof against the committed root.
	Replayed { verdict: AuditVerdict, leaf: [u8; 32], proof: Vec<[u8; 32]> },
	/// The trainer did not serve a file it committed to, or served a different one.
	NotServed(String),
}

pub(super) async fn replay(
	ctx: &Context,
	at: &AtBlock,
	id: u64,
	segment: u32,
	job: &Job,
) -> anyhow::Result<Verdict> {
	let plan = crate::jobs::train_plan(at, id, job).await?;
	let result = job.result.as_ref().ok_or_else(|| anyhow::anyhow!("job {id} has no result"))?;
	let trainer =
		&job.assignees.0.first().ok_or_else(|| anyhow::anyhow!("job {id} has no trainer"))?.worker;
	let endpoint = crate::jobs::endpoint(at, trainer).await?;

	let leaves = match served_checkpoints(ctx, &endpoint, id, result).await {
		Ok(leaves) => leaves,
		Err(e) => return Ok(Verdict::NotServed(e)),
	};
	let (Some(from_hash), Some(to_hash)) =
		(leaves.get(segment as usize), leaves.get(segment as usize + 1))
	else {
		return Ok(Verdict::NotServed(format!("no checkpoints for segment {segment}")));
	};
	let proof = verity_primitives::content::merkle_proof(&leaves, segment as usize + 1)
		.ok_or_else(|| anyhow::anyhow!("no proof for checkpoint {}", segment + 1))?;
	if ctx.faults.lazy_audit {
		// The lazy auditor vouches for the trainer's leaf without replaying anything.
		let verdict =
			AuditVerdict { passed: true, exact: true, divergence: 0.0, replayed: *to_hash };
		return Ok(Verdict::Replayed { verdict, leaf: *to_hash, proof });
	}
	let mut checkpoints = Vec::new();
	for (index, hash) in [(segment, from_hash), (segment + 1, to_hash)] {
		match served_checkpoint(ctx, &endpoint, id, index, hash).await {
			Ok(c) => checkpoints.push(c),
			Err(e) => return Ok(Verdict::NotServed(e)),
		}
	}
	let files = ctx
		.fetch_all(&plan.datasets)
		.await
		.map_err(|e| anyhow::anyhow!("cannot audit without the job's data: {e}"))?;
	let formats: Vec<_> = files.into_iter().zip(plan.datasets.iter().map(|d| d.format)).collect();
	let backend = ctx.backend;
	let verdict = tokio::task::spawn_blocking(move || -> anyhow::Result<AuditVerdict> {
		let data = engine::load_datasets(&formats)?;
		let [from, claimed]: [verity_ml::Checkpoint; 2] =
			checkpoints.try_into().map_err(|_| anyhow::anyhow!("two checkpoints expected"))?;
		engine::audit_segment(&plan, &data, &from, &claimed, backend)
	})
	.await??;
	Ok(Verdict::Replayed { verdict, leaf: *to_hash, proof })
}

/// The checkpoint hashes a trainer serves for job `id` (`/jobs/{id}/checkpoints`), checked
/// against the count and Merkle root of its committed result; the error is a sentence for
/// the audit or dispute record.
pub(super) async fn served_checkpoints(
	ctx: &Context,
	endpoint: &str,
	id: u64,
	result: &ct::TrainResult,
) -> Result<Vec<Hash256>, String> {
	let log_bytes = get(ctx, &format!("{endpoint}/jobs/{id}/checkpoints")).await?;
	let log: RunLog =
		serde_json::from_slice(&log_bytes).map_err(|e| format!("checkpoint log: {e}"))?;
	let leaves = log.leaves().map_err(|e| format!("checkpoint log: {e}"))?;
	if leaves.len() != result.checkpoints as usize {
		return Err(format!(
			"{} checkpoints listed, {} committed",
			leaves.len(),
			result.checkpoints
		));
	}
	if verity_primitives::content::merkle_root(leaves.iter().copied())
		!= Some(result.checkpoint_root)
	{
		return Err("the served checkpoint hashes are not the committed root".into());
	}
	Ok(leaves)
}

/// Checkpoint `index` of job `id` as its trainer serves it, checked against `leaf`.
pub(super) async fn served_checkpoint(
	ctx: &Context,
	endpoint: &str,
	id: u64,
	index: u32,
	leaf: &Hash256,
) -> Result<verity_ml::Checkpoint, String> {
	let bytes = get(ctx, &format!("{endpoint}/jobs/{id}/checkpoints/{index}")).await?;
	engine::checkpoint_with_hash(&bytes, leaf).map_err(|e| format!("checkpoint {index}: {e:#}"))
}

/// GETs a URL, retrying what may pass on a second try (connection errors, server errors,
/// 408 and 429) but not a refusal that will not (404 and the other 4xx); the error is a
/// sentence for the audit record.
pub(super) async fn get(ctx: &Context, url: &str) -> Result<Vec<u8>, String> {
	let mut last = String::new();
	for attempt in 0..4u32 {
		if attempt > 0 {
			tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
		}
		match ctx.http.get(url).send().await {
			Ok(r) if r.status().is_success() => match r.bytes().await {
				Ok(b) => return Ok(b.to_vec()),
				Err(e) => last = format!("GET {url}: {e}"),
			},
			Ok(r) => {
				let status = r.status();
				last = format!("GET {url}: HTTP {status}");
				let transient = status.is_server_error()
					|| status == reqwest::StatusCode::REQUEST_TIMEOUT
					|| status == reqwest::StatusCode::TOO_MANY_REQUESTS;
				if !transient {
					break;
				}
			}
			Err(e) => last = format!("GET {url}: {e}"),
		}
	}
	Err(last)
}
