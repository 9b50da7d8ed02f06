//! Inference and evaluation on a dataset.

use burn::tensor::{Device, Tensor, TensorData};

use crate::data::Dataset;
use crate::model::Model;
use crate::{Error, Result};

/// Samples per forward pass during inference.
pub const INFERENCE_BATCH: usize = 1000;

/// Logits and predicted labels of every sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictions {
	/// Number of classes.
	pub classes: usize,
	/// `samples × classes` logits, row-major.
	pub logits: Vec<f32>,
	/// Predicted class of each sample: the arg-max of its logits (the first on ties).
	pub labels: Vec<u32>,
}

/// The accuracy of a model on a labelled dataset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
	/// Correctly predicted samples.
	pub correct: usize,
	/// Samples.
	pub total: usize,
}

impl Evaluation {
	/// `correct / total` (0 for an empty dataset).
	pub fn accuracy(&self) -> f64 {
		if self.total == 0 {
			0.0
		} else {
			self.correct as f64 / self.total as f64
		}
	}
}

/// Runs `model` (on a device without autodiff) over every sample of `data`.
pub fn predict(model: &Model, data: &Dataset, device: &Device) -> Result<Predictions> {
	let len = data.sample_len();
	let mut logits = Vec::new();
	let mut classes = 0;
	for batch in data.features().chunks(INFERENCE_BATCH.saturating_mul(len)) {
		let rows = batch.len().checked_div(len).unwrap_or(0);
		let x = Tensor::<2>::from_data(TensorData::new(batch.to_vec(), [rows, len]), device);
		let out = model.forward(x);
		[_, classes] = out.dims();
		let values = out
			.into_data()
			.convert::<f32>()
			.try_into_vec::<f32>()
			.map_err(|e| Error::Shape(format!("reading logits: {e:?}")))?;
		logits.extend(values);
	}
	let labels = logits
		.chunks(classes.max(1))
		.map(|row| {
			// The first of equal maxima.
			let mut best = (0, f32::NEG_INFINITY);
			for (i, v) in row.iter().enumerate() {
				if i == 0 || *v > best.1 {
					best = (i, *v);
				}
			}
			best.0 as u32
		})
		.collect();
	Ok(Predictions { classes, logits, labels })
}

/// Counts the samples of `data` whose predicted label is their label.
pub fn evaluate(model: &Model, data: &Dataset, device: &Device) -> Result<Evaluation> {
	let predictions = predict(model, data, device)?;
	let correct = predictions.labels.iter().zip(data.labels()).filter(|(p, l)| p == l).count();
	Ok(Evaluation { correct, total: data.len() })
}
