//! Multi-layer perceptron: `inputs → hidden[0] → … → outputs`, dense layers with bias,
//! the spec's activation after every hidden layer, raw logits out.
//!
//! Parameters: `layers.{i}.weight` (`[in, out]`) and `layers.{i}.bias` (`[out]`).

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{gelu_approximate, relu, sigmoid, tanh};
use burn::tensor::{Device, Tensor};
use verity_primitives::{Activation, MlpSpec};

use super::{Family, ParamInfo};

/// The burn module of an MLP.
#[derive(Module, Debug)]
pub struct Mlp {
	/// Dense layers, input side first.
	pub layers: Vec<Linear>,
	/// Non-linearity after each hidden layer.
	#[module(skip)]
	pub activation: Activation,
}

fn widths(spec: &MlpSpec) -> Vec<usize> {
	std::iter::once(spec.inputs)
		.chain(spec.hidden.iter().copied())
		.chain(std::iter::once(spec.outputs))
		.map(|w| w as usize)
		.collect()
}

/// `(inputs, outputs)` of each linear layer, first to last.
fn layer_shapes(widths: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
	widths.iter().copied().zip(widths.iter().copied().skip(1))
}

/// Applies an activation.
pub fn activate<const D: usize>(activation: Activation, x: Tensor<D>) -> Tensor<D> {
	match activation {
		Activation::Relu => relu(x),
		Activation::Tanh => tanh(x),
		Activation::Sigmoid => sigmoid(x),
		Activation::Gelu => gelu_approximate(x),
	}
}

impl Family for Mlp {
	type Spec = MlpSpec;

	fn build(spec: &MlpSpec, device: &Device) -> Self {
		let widths = widths(spec);
		let layers = layer_shapes(&widths)
			.map(|(inputs, outputs)| LinearConfig::new(inputs, outputs).init(device))
			.collect();
		Mlp { layers, activation: spec.activation }
	}

	fn layout(spec: &MlpSpec) -> Vec<ParamInfo> {
		layer_shapes(&widths(spec))
			.enumerate()
			.flat_map(|(i, (inputs, outputs))| {
				[
					ParamInfo {
						path: format!("layers.{i}.weight"),
						shape: vec![inputs, outputs],
						fan_in: inputs,
					},
					ParamInfo {
						path: format!("layers.{i}.bias"),
						shape: vec![outputs],
						fan_in: inputs,
					},
				]
			})
			.collect()
	}

	fn forward(&self, input: Tensor<2>) -> Tensor<2> {
		let last = self.layers.len().saturating_sub(1);
		self.layers.iter().enumerate().fold(input, |x, (i, layer)| {
			let y = layer.forward(x);
			if i < last {
				activate(self.activation, y)
			} else {
				y
			}
		})
	}
}
