//! LeNet-5-style CNN, exactly as `verity_primitives::LeNetSpec` documents it:
//! conv 5×5 (6 filters, stride 1, no padding) → ReLU → max-pool 2×2 → conv 5×5 (16) → ReLU
//! → max-pool 2×2 → flatten → linear 120 → ReLU → linear 84 → ReLU → linear `classes`.
//!
//! The input row is a `channels × height × width` image, row-major (NCHW once batched);
//! flattening after the second pooling is in `[filters, h, w]` order, like PyTorch's.
//! Parameters: `conv1.*`, `conv2.*` (weight `[filters, channels, 5, 5]`), `fc1.*`, `fc2.*`,
//! `fc3.*` (weight `[in, out]`), each with a bias.
//!
//! How it is computed (the function is the one above; these choices fix its rounding):
//! - between the input and the flattening, feature maps are laid out `[channels·height·width,
//!   batch]` ([`Maps`]): the batch is innermost, so every step below moves runs of `batch`
//!   contiguous values and no layer transposes its input;
//! - each convolution is one matrix product of the weight `[filters, channels·5·5 + 1]` (the
//!   bias as its last column) with the image's patches gathered as columns ([`conv_pool_relu`]), so
//!   that its gradients are matrix products too (burn's generic conv2d backward, which the
//!   CPU backends inherit, is a second convolution with a 24×24 kernel for the weight and a
//!   transposed convolution for the input: the largest share of a LeNet step);
//! - the convolution computes its outputs ordered by their corner of the 2×2 pooling window,
//!   so the max-pool is the maximum of four contiguous quarters, and it comes before the ReLU:
//!   `max(relu(a), relu(b)) = relu(max(a, b))`, and the gradients agree too (both are zero
//!   where the window's maximum is not positive), so the ReLU and its backward run on a
//!   quarter of the values.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};
use verity_primitives::LeNetSpec;

use super::{Family, ParamInfo};

/// The burn module of a LeNet.
#[derive(Module, Debug)]
pub struct LeNet {
	/// First convolution.
	pub conv1: Conv2d,
	/// Second convolution.
	pub conv2: Conv2d,
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
		let maps = Maps { values: input.transpose(), shape: self.input };
		let maps = conv_pool_relu(&self.conv1, maps);
		let maps = conv_pool_relu(&self.conv2, maps);
		let x = maps.values.transpose();
		let x = relu(self.fc1.forward(x));
		let x = relu(self.fc2.forward(x));
		self.fc3.forward(x)
	}
}

/// Feature maps of a batch: `values` is `[channels·height·width, batch]`, row-major over
/// `shape` = `[channels, height, width]`.
pub struct Maps {
	/// The values, one row per (channel, row, column), one column per sample.
	pub values: Tensor<2>,
	/// `[channels, height, width]`.
	pub shape: [usize; 3],
}

/// `conv` (stride 1, no padding, no dilation) over `maps`, then 2×2 max-pooling with stride 2
/// (a last odd row or column of the convolution is dropped, as burn's and PyTorch's
/// max-pool do), then ReLU.
///
/// The convolution is `weight [filters, patch + 1] × columns [patch + 1, 4·ph·pw·batch]`,
/// where `patch = channels·kh·kw`, the last row of the columns is ones (it multiplies the
/// bias), and the output positions are ordered by their corner of the pooling window first
/// ([`patch_rows`]): each corner is then one contiguous quarter of every filter's row, and
/// the pool is the maximum of the four quarters.
///
/// The columns are gathered with one `select` of whole rows from the maps with a row of ones
/// appended: each row is `batch` contiguous values, so gathering is a row copy and its
/// backward (`select` with `Add`) a sum of rows in index order. The product's inner
/// dimension is the patch; neither CPU backend's GEMM splits it across threads, so the
/// result is the same at every thread count.
pub fn conv_pool_relu(conv: &Conv2d, maps: Maps) -> Maps {
	let [channels, height, width] = maps.shape;
	let [filters, _, kh, kw] = conv.weight.dims();
	let (ph, pw) = (output_len(height, kh) / 2, output_len(width, kw) / 2);
	let [_, batch] = maps.values.dims();
	let pooled = ph.saturating_mul(pw).saturating_mul(batch);
	let device = maps.values.device();
	let ones = Tensor::<2>::ones([1, batch], &device);
	let rows = patch_rows(channels, [height, width], [kh, kw]);
	let count = rows.len();
	let rows = Tensor::<1, Int>::from_data(TensorData::new(rows, [count]), &device);
	let patch = channels.saturating_mul(kh).saturating_mul(kw);
	let columns = Tensor::cat(vec![maps.values, ones], 0)
		.select(0, rows)
		.reshape([patch.saturating_add(1), pooled.saturating_mul(4)]);
	let weight = conv.weight.val().reshape([filters, patch]);
	let weight = match &conv.bias {
		Some(bias) => Tensor::cat(vec![weight, bias.val().reshape([filters, 1])], 1),
		None => Tensor::cat(vec![weight, Tensor::zeros([filters, 1], &device)], 1),
	};
	let y = weight.matmul(columns).reshape([filters, 4, pooled]);
	let corner = |at| y.clone().narrow(1, at, 1);
	let max = corner(0).max_pair(corner(1)).max_pair(corner(2).max_pair(corner(3)));
	Maps {
		values: relu(max.reshape([filters.saturating_mul(ph).saturating_mul(pw), batch])),
		shape: [filters, ph, pw],
	}
}

/// Positions along one side of a valid convolution's output.
fn output_len(input: usize, kernel: usize) -> usize {
	input.saturating_sub(kernel).saturating_add(1)
}

/// The row of `[channels·height·width + 1, batch]` (the last row is ones) that each column
/// of [`conv_pool_relu`]'s product reads: for each (channel, kernel row, kernel column), the
/// output positions `(2·i + di, 2·j + dj)` in the order (di, dj, i, j), which leaves out a
/// last odd row or column; then the ones row once per output position.
fn patch_rows(channels: usize, [height, width]: [usize; 2], [kh, kw]: [usize; 2]) -> Vec<i64> {
	let (ph, pw) = (output_len(height, kh) / 2, output_len(width, kw) / 2);
	let plane = height.saturating_mul(width);
	let positions = ph.saturating_mul(pw).saturating_mul(4);
	let patch = channels.saturating_mul(kh).saturating_mul(kw);
	let mut rows = Vec::with_capacity(patch.saturating_add(1).saturating_mul(positions));
	let row = |at: usize| i64::try_from(at).unwrap_or(i64::MAX);
	for c in 0..channels {
		for ki in 0..kh {
			for kj in 0..kw {
				for (di, dj) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
					for i in 0..ph {
						for j in 0..pw {
							let y = i.saturating_mul(2).saturating_add(di).saturating_add(ki);
							let x = j.saturating_mul(2).saturating_add(dj).saturating_add(kj);
							let at =
								c.saturating_mul(plane).saturating_add(y.saturating_mul(width));
							rows.push(row(at.saturating_add(x)));
						}
					}
				}
			}
		}
	}
	rows.extend(std::iter::repeat_n(row(channels.saturating_mul(plane)), positions));
	rows
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
	use super::*;
	use crate::Backend;
	use burn::nn::pool::MaxPool2dConfig;

	fn values(n: usize, seed: u32) -> Vec<f32> {
		(0..n as u32)
			.map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) % 2001) as f32 / 1000.0 - 1.0)
			.collect()
	}

	fn close(a: Tensor<4>, b: Tensor<4>, what: &str) {
		let a = a.into_data().try_to_vec::<f32>().unwrap();
		let b = b.into_data().try_to_vec::<f32>().unwrap();
		assert_eq!(a.len(), b.len(), "{what}");
		for (i, (x, y)) in a.iter().zip(&b).enumerate() {
			assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{what}[{i}]: {x} vs {y}");
		}
	}

	/// `conv_pool_relu` in the `[channels·height·width, batch]` layout computes burn's
	/// `relu(max_pool2d(conv2d(x)))` in NCHW, and so do its gradients (weight, bias, input),
	/// on every CPU backend compiled in, for odd and even sizes and several channels.
	#[test]
	fn convolve_and_pool_are_burns_conv2d_pool_relu_with_their_gradients() {
		for backend in Backend::compiled().into_iter().filter(|b| b.name() != "wgpu") {
			let device = backend.device().unwrap().autodiff();
			for (batch, channels, h, w, filters) in [(3, 1, 12, 10, 6), (2, 3, 10, 9, 4)] {
				let conv = Conv2dConfig::new([channels, filters], [K, K]).init(&device);
				let pool = MaxPool2dConfig::new([2, 2]).init();
				let data =
					TensorData::new(values(batch * channels * h * w, 1), [batch, channels, h, w]);
				let x = Tensor::<4>::from_data(data.clone(), &device).require_grad();
				let x_ref = Tensor::<4>::from_data(data, &device).require_grad();
				let maps = Maps {
					values: x.clone().permute([1, 2, 3, 0]).reshape([channels * h * w, batch]),
					shape: [channels, h, w],
				};
				let out = conv_pool_relu(&conv, maps);
				let [f, ph, pw] = out.shape;
				let (oh, ow) = (h - K + 1, w - K + 1);
				assert_eq!((f, ph, pw), (filters, oh / 2, ow / 2));
				let y = out.values.reshape([f, ph, pw, batch]).permute([3, 0, 1, 2]);
				let y_ref = relu(pool.forward(conv.forward(x_ref.clone())));
				close(y.clone(), y_ref.clone(), "output");
				let upstream = Tensor::<4>::from_data(
					TensorData::new(values(batch * f * ph * pw, 2), [batch, f, ph, pw]),
					&device,
				);
				let grads = y.mul(upstream.clone()).sum().backward();
				let grads_ref = y_ref.mul(upstream).sum().backward();
				close(x.grad(&grads).unwrap(), x_ref.grad(&grads_ref).unwrap(), "input gradient");
				let weight = |g| conv.weight.val().grad(g).unwrap();
				close(weight(&grads), weight(&grads_ref), "weight gradient");
				let bias = |g| {
					conv.bias.as_ref().unwrap().val().grad(g).unwrap().reshape([filters, 1, 1, 1])
				};
				close(bias(&grads), bias(&grads_ref), "bias gradient");
			}
		}
	}
}
