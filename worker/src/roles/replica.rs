//! Replica of an inference or evaluation job: compute the output (a predictions file, or a
//! score), commit to it, reveal it once every replica committed. Prediction files are
//! served by content hash, so the poster downloads the labels the replicas agreed on.

use serde::{Deserialize, Serialize};
use subxt::ext::codec::{Decode, Encode};
use subxt::utils::Static;

use super::Context;
use crate::chain::{commitment, compute_types as ct, verity, AtBlock, CommitKind};
use crate::engine;
use crate::jobs::Job;
use crate::store::{read_json, write_json};

/// A replica's output and salt, written before the commitment is submitted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutputRecord {
	/// The output, SCALE-encoded (hex).
	pub output: String,
	/// The commitment's salt (hex).
	pub salt: String,
	/// The output, for people.
	pub summary: String,
}

/// Does the next thing for a replica of job `id`.
pub async fn step(ctx: &Context, at: &AtBlock, id: u64, job: Job) -> anyhow::Result<()> {
	let Some(me) = job.assignees.0.iter().find(|a| a.worker == ctx.me) else { return Ok(()) };
	let path = ctx.data.job_state(id);
	let record: Option<OutputRecord> = read_json(&path)?;
	match job.status {
		ct::JobStatus::Assigned { until } if me.commitment.is_none() => {
			if at.block_number() > u64::from(until) {
				tracing::warn!(job = id, "the commit deadline passed");
				return Ok(());
			}
			let record = match record {
				Some(r) => r,
				None => {
					let (output, summary) = compute(ctx, at, id, &job).await?;
					let r = OutputRecord {
						output: hex::encode(output.encode()),
						salt: hex::encode(crate::chain::salt()?),
						summary,
					};
					write_json(&path, &r)?;
					ctx.metrics.replicas.inc();
					r
				}
			};
			let output = decode_output(&record)?;
			let salt = engine::parse_hash(&record.salt)?;
			let hash = commitment(CommitKind::Output, id, &ctx.me, &output, &salt);
			ctx.submit("commit_output", &verity::tx().compute().commit_output(id, hash)).await?;
			tracing::info!(job = id, output = %record.summary, "output committed");
		}
		ct::JobStatus::Revealing { until } if me.output.is_none() => {
			if at.block_number() > u64::from(until) {
				tracing::warn!(job = id, "the reveal deadline passed");
				return Ok(());
			}
			let record = record.ok_or_else(|| {
				anyhow::anyhow!("job {id}'s output was committed but its salt is not on disk")
			})?;
			let output = decode_output(&record)?;
			let salt = engine::parse_hash(&record.salt)?;
			ctx.submit("reveal_output", &verity::tx().compute().reveal_output(id, output, salt))
				.await?;
			tracing::info!(job = id, output = %record.summary, "output revealed");
		}
		_ => {}
	}
	Ok(())
}

fn decode_output(record: &OutputRecord) -> anyhow::Result<ct::JobOutput> {
	let bytes = hex::decode(&record.output)?;
	Ok(ct::JobOutput::decode(&mut &bytes[..])?)
}

pub(super) async fn compute(
	ctx: &Context,
	at: &AtBlock,
	id: u64,
	job: &Job,
) -> anyhow::Result<(ct::JobOutput, String)> {
	let (model_id, what) = match &job.spec {
		ct::JobSpec::Infer { model, input, input_uri } => {
			(*model, Some((crate::jobs::uri_text(&input_uri.0), input.0)))
		}
		ct::JobSpec::Evaluate { model, .. } => (*model, None),
		ct::JobSpec::Train(_) => anyhow::bail!("job {id} is a training job"),
	};
	let model = crate::jobs::model(at, model_id).await?;
	let architecture = model.architecture.0.clone();
	let (uri, hash) = crate::jobs::model_weights(&model);
	let weights_path = ctx.content.fetch(&uri, hash).await?;
	let backend = ctx.backend;
	match (&job.spec, what) {
		(ct::JobSpec::Infer { .. }, Some((input_uri, input_hash))) => {
			let input = ctx.content.fetch(&input_uri, input_hash).await?;
			let arch = architecture.clone();
			let predictions = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
				let weights = engine::load_model(&weights_path, &arch)?;
				let data = engine::load_inference_input(&input)?;
				engine::predict(&arch, &weights, &data, backend)
			})
			.await??;
			let lines = predictions.iter().filter(|b| **b == b'\n').count();
			let (hash, _) = ctx.content.insert_bytes(&predictions).await?;
			let summary = format!("{lines} labels at {}", ctx.content_url(&hash));
			Ok((ct::JobOutput::Predictions(Static(hash)), summary))
		}
		(ct::JobSpec::Evaluate { dataset, .. }, _) => {
			let data_ref = crate::jobs::dataset(at, *dataset).await?;
			let file = ctx.content.fetch(&data_ref.uri, data_ref.hash).await?;
			let format = data_ref.format;
			let (correct, total) =
				tokio::task::spawn_blocking(move || -> anyhow::Result<(u32, u32)> {
					let weights = engine::load_model(&weights_path, &architecture)?;
					let data = engine::load_datasets(&[(file, format)])?;
					engine::evaluate(&architecture, &weights, &data, backend)
				})
				.await??;
			Ok((ct::JobOutput::Score { correct, total }, format!("{correct}/{total} correct")))
		}
		_ => anyhow::bail!("job {id}: inference without an input"),
	}
}
