//! Reading a job and what it refers to (datasets, models, the trainer's endpoint) from the
//! chain, and turning a training job into a [`TrainPlan`].

use verity_primitives::{ContentHash, Uri};

use crate::chain::{compute_types as ct, verity, AtBlock};
use crate::engine::{optimizer_from_chain, DataRef, OptimizerKind, Start, TrainPlan};

/// A job as the chain holds it.
pub type Job = ct::Job;
/// A registered model.
pub type Model = verity::runtime_types::pallet_models::Model;

/// A URI as text.
pub fn uri_text(uri: &Uri) -> String {
	String::from_utf8_lossy(uri.as_bytes()).into_owned()
}

/// An open job, or `None` once it has ended.
pub async fn job(at: &AtBlock, id: u64) -> anyhow::Result<Option<Job>> {
	Ok(at.runtime_apis().call(verity::runtime_apis().compute_api().job(id)).await?)
}

/// A dataset listing as a file reference.
pub async fn dataset(at: &AtBlock, id: u64) -> anyhow::Result<DataRef> {
	let record = at
		.storage()
		.try_fetch(verity::storage().datasets().datasets(), (id,))
		.await?
		.ok_or_else(|| anyhow::anyhow!("dataset {id} is not listed"))?
		.decode()?;
	Ok(DataRef { uri: uri_text(&record.uri.0), hash: record.content.0, format: record.format.0 })
}

/// A registered model.
pub async fn model(at: &AtBlock, id: u64) -> anyhow::Result<Model> {
	at.storage()
		.try_fetch(verity::storage().models().models(), (id,))
		.await?
		.ok_or_else(|| anyhow::anyhow!("model {id} is not registered"))?
		.decode()
		.map_err(Into::into)
}

/// The weights file of a model: URI and content hash.
pub fn model_weights(model: &Model) -> (String, ContentHash) {
	(uri_text(&model.uri.0), model.weights.0)
}

/// Where a worker serves its files.
pub async fn endpoint(at: &AtBlock, worker: &subxt::utils::AccountId32) -> anyhow::Result<String> {
	let record = at
		.runtime_apis()
		.call(verity::runtime_apis().compute_api().worker(*worker))
		.await?
		.ok_or_else(|| anyhow::anyhow!("{worker} is not a registered worker"))?;
	Ok(uri_text(&record.endpoint.0).trim_end_matches('/').to_owned())
}

/// Parts per billion of a `Perbill`.
pub fn ppb(value: &verity::runtime_types::sp_arithmetic::per_things::Perbill) -> u32 {
	value.0
}

/// The run a training job asks for, with every file it reads resolved from the registry.
pub async fn train_plan(at: &AtBlock, id: u64, job: &Job) -> anyhow::Result<TrainPlan> {
	let ct::JobSpec::Train(spec) = &job.spec else {
		anyhow::bail!("job {id} is not a training job")
	};
	let start = match &spec.base {
		ct::TrainBase::Fresh(_) => Start::Fresh,
		ct::TrainBase::FineTune(model_id) => {
			let (uri, hash) = model_weights(&model(at, *model_id).await?);
			Start::FineTune { uri, hash }
		}
	};
	let mut datasets = Vec::new();
	for dataset_id in &spec.datasets.0 {
		datasets.push(dataset(at, *dataset_id).await?);
	}
	let validation = match spec.validation {
		Some(v) => Some(dataset(at, v).await?),
		None => None,
	};
	let optimizer = match &spec.optimizer {
		ct::Optimizer::Sgd { learning_rate, momentum } => {
			OptimizerKind::Sgd { learning_rate: ppb(learning_rate), momentum: ppb(momentum) }
		}
		ct::Optimizer::Adam { learning_rate, beta1, beta2 } => OptimizerKind::Adam {
			learning_rate: ppb(learning_rate),
			beta1: ppb(beta1),
			beta2: ppb(beta2),
		},
	};
	Ok(TrainPlan {
		job: id,
		architecture: job.architecture.0.clone(),
		start,
		datasets,
		validation,
		config: verity_ml::TrainConfig {
			seed: spec.seed,
			batch_size: spec.batch_size as usize,
			optimizer: optimizer_from_chain(optimizer),
		},
		steps: u64::from(spec.steps),
		interval: u64::from(spec.checkpoint_interval),
		epsilon: f64::from(ppb(&job.tolerance)) / 1e9,
	})
}
