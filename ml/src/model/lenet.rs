//! LeNet-5-style CNN, exactly as `verity_primitives::LeNetSpec` documents it:
//! conv 5×5 (6 filters, stride 1, no padding) → ReLU → max-pool 2×2 → conv 5×5 (16) → ReLU
//! → max-pool 2×2 → flatten → linear 120 → ReLU → linear 84 → ReLU → linear `classes`.
//!
//! The input row is a `channels × height × width` image, row-major (NCHW once batched);
//! flattening after the second pooling is in `[filters, h, w]` order, like PyTorch's.
//! Parameters: `conv1.*`, `conv2.*` (weight `[filters, channels, 5, 5]`), `fc1.*`, `fc2.*`,
//! `fc3.*` (weight `[in, out]`), each with a bias.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use verity_primitives::LeNetSpec;

use super::{Family, ParamInfo};

/// The burn module of a LeNet.
#[derive(Module, Debug)]
pub struct LeNet {
	/// First convolution.
	pub conv1: Conv2d,
	/// Second convolution.
	pub conv2: Conv2d,
	/// 2×2 max-pooling, used after each convolution.
	pub pool: MaxPool2d,
	/// First dense layer (120).
	pub fc1: Linear,
	/// Second dense layer (84).
	pub fc2: Linear,
	/// Output layer.
	pub fc3: Linear,
	/// Input image `[channels, height, width]`.
	#[module(skip)]
	pub input: [usize; 3],
}

const K: usize = LeNetSpec::KERNEL as usize;
const C1: usize = LeNetSpec::CONV1_FILTERS as usize;
const C2: usize = LeNetSpec::CONV2_FILTERS as usize;
const FC1: usize = LeNetSpec::FC1 as usize;
const FC2: usize = LeNetSpec::FC2 as usize;

fn dims(spec: &LeNetSpec) -> (usize, usize, usize) {
	(
		usize::from(spec.channels),
		spec.flattened_features().unwrap_or(0) as usize,
		spec.classes as usize,
	)
}

impl Family for LeNet {
	type Spec = LeNetSpec;

	fn build(spec: &LeNetSpec, device: &Device) -> Self {
		let (channels, flat, classes) = dims(spec);
		LeNet {
			conv1: Conv2dConfig::new([channels, C1], [K, K]).init(device),
			conv2: Conv2dConfig::new([C1, C2], [K, K]).init(device),
			pool: MaxPool2dConfig::new([2, 2]).init(),
			fc1: LinearConfig::new(flat, FC1).init(device),
			fc2: LinearConfig::new(FC1, FC2).init(device),
			fc3: LinearConfig::new(FC2, classes).init(device),
			input: [channels, usize::from(spec.height), usize::from(spec.width)],
		}
	}

	fn layout(spec: &LeNetSpec) -> Vec<ParamInfo> {
		let (channels, flat, classes) = dims(spec);
		let conv = |name: &str, inputs: usize, filters: usize| {
			let fan_in = inputs.saturating_mul(K).saturating_mul(K);
			[
				ParamInfo {
					path: format!("{name}.weight"),
					shape: vec![filters, inputs, K, K],
					fan_in,
				},
				ParamInfo { path: format!("{name}.bias"), shape: vec![filters], fan_in },
			]
		};
		let dense = |name: &str, inputs: usize, outputs: usize| {
			[
				ParamInfo {
					path: format!("{name}.weight"),
					shape: vec![inputs, outputs],
					fan_in: inputs,
				},
				ParamInfo { path: format!("{name}.bias"), shape: vec![outputs], fan_in: inputs },
			]
		};
		[conv("conv1", channels, C1), conv("conv2", C1, C2)]
			.into_iter()
			.chain([dense("fc1", flat, FC1), dense("fc2", FC1, FC2), dense("fc3", FC2, classes)])
			.flatten()
			.collect()
	}

	fn forward(&self, input: Tensor<2>) -> Tensor<2> {
		let [batch, _] = input.dims();
		let [c, h, w] = self.input;
		let x = input.reshape([batch, c, h, w]);
		let x = self.pool.forward(relu(self.conv1.forward(x)));
		let x = self.pool.forward(relu(self.conv2.forward(x)));
		let x: Tensor<2> = x.flatten(1, 3);
		let x = relu(self.fc1.forward(x));
		let x = relu(self.fc2.forward(x));
		self.fc3.forward(x)
	}
}
