//! Model architectures: the closed set of model families the ML crate can build and train.
//!
//! A spec fixes every shape, so a spec plus a seed decides a model's initial weights. Each
//! family knows its parameter count, which bounds what a worker must hold in memory and
//! lets the chain refuse models no worker could run.

use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The most hidden layers an MLP may have.
pub const MAX_HIDDEN_LAYERS: u32 = 8;
/// The most parameters any model may have (100 million).
pub const MAX_PARAMETERS: u64 = 100_000_000;
/// The largest width or height of a LeNet input image.
pub const MAX_IMAGE_SIDE: u16 = 256;
/// The smallest width or height of a LeNet input image (two 5×5 convolutions and two
/// 2×2 poolings must leave at least one pixel).
pub const MIN_IMAGE_SIDE: u16 = 16;
/// The most input channels of a LeNet (e.g. 1 grey, 3 RGB, 4 RGBA).
pub const MAX_CHANNELS: u8 = 4;

/// Non-linearity between layers.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Activation {
	/// `max(0, x)`.
	Relu,
	/// Hyperbolic tangent.
	Tanh,
	/// Logistic sigmoid.
	Sigmoid,
	/// Gaussian error linear unit (tanh approximation).
	Gelu,
}

/// A multi-layer perceptron: `inputs → hidden[0] → … → outputs`, fully connected with bias,
/// `activation` after every hidden layer, raw logits out.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct MlpSpec {
	/// Number of input features (e.g. 784 for a flattened 28×28 image).
	pub inputs: u32,
	/// Widths of the hidden layers, in order.
	pub hidden: BoundedVec<u32, ConstU32<MAX_HIDDEN_LAYERS>>,
	/// Number of outputs (classes).
	pub outputs: u32,
	/// Activation after each hidden layer.
	pub activation: Activation,
}

/// A LeNet-5-style convolutional network over `channels × height × width` images:
/// conv 5×5 (6 filters, stride 1, no padding) → ReLU → max-pool 2×2 →
/// conv 5×5 (16 filters) → ReLU → max-pool 2×2 → flatten →
/// linear 120 → ReLU → linear 84 → ReLU → linear `classes`.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct LeNetSpec {
	/// Input channels.
	pub channels: u8,
	/// Image height in pixels.
	pub height: u16,
	/// Image width in pixels.
	pub width: u16,
	/// Number of output classes.
	pub classes: u32,
}

impl LeNetSpec {
	/// Filters of the first convolution.
	pub const CONV1_FILTERS: u64 = 6;
	/// Filters of the second convolution.
	pub const CONV2_FILTERS: u64 = 16;
	/// Side of both convolution kernels.
	pub const KERNEL: u64 = 5;
	/// Width of the first fully connected layer.
	pub const FC1: u64 = 120;
	/// Width of the second fully connected layer.
	pub const FC2: u64 = 84;

	/// Side length after conv 5×5 → pool 2 → conv 5×5 → pool 2, or `None` if nothing is left.
	fn feature_side(side: u16) -> Option<u64> {
		let after_conv1 = u64::from(side).checked_sub(Self::KERNEL - 1)?;
		let after_conv2 = (after_conv1 / 2).checked_sub(Self::KERNEL - 1)?;
		Some(after_conv2 / 2).filter(|s| *s > 0)
	}

	/// Number of values the convolutional part hands to the first linear layer.
	pub fn flattened_features(&self) -> Option<u64> {
		let h = Self::feature_side(self.height)?;
		let w = Self::feature_side(self.width)?;
		Self::CONV2_FILTERS.checked_mul(h)?.checked_mul(w)
	}
}

/// One model architecture from the closed set.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum ArchitectureSpec {
	/// A multi-layer perceptron.
	Mlp(MlpSpec),
	/// A LeNet-5-style CNN.
	LeNet(LeNetSpec),
}

/// The family of an architecture, without its dimensions: what a tolerance is set per.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ArchitectureFamily {
	/// [`ArchitectureSpec::Mlp`].
	Mlp,
	/// [`ArchitectureSpec::LeNet`].
	LeNet,
}

/// Why an architecture spec is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArchitectureError {
	/// A layer, the input or the output has zero width.
	ZeroWidth,
	/// A classifier needs at least two classes.
	TooFewClasses,
	/// The input image is smaller than [`MIN_IMAGE_SIDE`] or larger than [`MAX_IMAGE_SIDE`],
	/// or has zero or more than [`MAX_CHANNELS`] channels.
	UnsupportedInputShape,
	/// The model has more than [`MAX_PARAMETERS`] parameters.
	TooManyParameters,
}

/// Parameters of a dense layer with bias.
fn dense(inputs: u64, outputs: u64) -> Option<u64> {
	inputs.checked_mul(outputs)?.checked_add(outputs)
}

impl ArchitectureSpec {
	/// The number of trainable parameters, after checking the spec is one the ML crate runs.
	pub fn parameter_count(&self) -> Result<u64, ArchitectureError> {
		let count = match self {
			ArchitectureSpec::Mlp(mlp) => Self::mlp_parameters(mlp)?,
			ArchitectureSpec::LeNet(lenet) => Self::lenet_parameters(lenet)?,
		};
		if count > MAX_PARAMETERS {
			return Err(ArchitectureError::TooManyParameters);
		}
		Ok(count)
	}

	/// Checks the spec without needing its parameter count.
	pub fn validate(&self) -> Result<(), ArchitectureError> {
		self.parameter_count().map(|_| ())
	}

	/// The family of this architecture.
	pub fn family(&self) -> ArchitectureFamily {
		match self {
			ArchitectureSpec::Mlp(_) => ArchitectureFamily::Mlp,
			ArchitectureSpec::LeNet(_) => ArchitectureFamily::LeNet,
		}
	}

	/// Number of input values of one sample (pixels × channels for a CNN).
	pub fn input_features(&self) -> u64 {
		match self {
			ArchitectureSpec::Mlp(mlp) => u64::from(mlp.inputs),
			ArchitectureSpec::LeNet(lenet) => u64::from(lenet.channels)
				.saturating_mul(u64::from(lenet.height))
				.saturating_mul(u64::from(lenet.width)),
		}
	}

	/// Number of output classes.
	pub fn classes(&self) -> u32 {
		match self {
			ArchitectureSpec::Mlp(mlp) => mlp.outputs,
			ArchitectureSpec::LeNet(lenet) => lenet.classes,
		}
	}

	fn mlp_parameters(mlp: &MlpSpec) -> Result<u64, ArchitectureError> {
		if mlp.inputs == 0 || mlp.hidden.contains(&0) {
			return Err(ArchitectureError::ZeroWidth);
		}
		if mlp.outputs < 2 {
			return Err(ArchitectureError::TooFewClasses);
		}
		let widths = core::iter::once(mlp.inputs)
			.chain(mlp.hidden.iter().copied())
			.chain(core::iter::once(mlp.outputs))
			.map(u64::from);
		let mut count = 0u64;
		let mut previous: Option<u64> = None;
		for width in widths {
			if let Some(inputs) = previous {
				count = dense(inputs, width)
					.and_then(|layer| count.checked_add(layer))
					.ok_or(ArchitectureError::TooManyParameters)?;
			}
			previous = Some(width);
		}
		Ok(count)
	}

	fn lenet_parameters(lenet: &LeNetSpec) -> Result<u64, ArchitectureError> {
		let side_ok = |s: u16| (MIN_IMAGE_SIDE..=MAX_IMAGE_SIDE).contains(&s);
		if lenet.channels == 0
			|| lenet.channels > MAX_CHANNELS
			|| !side_ok(lenet.height)
			|| !side_ok(lenet.width)
		{
			return Err(ArchitectureError::UnsupportedInputShape);
		}
		if lenet.classes < 2 {
			return Err(ArchitectureError::TooFewClasses);
		}
		let kernel_area = LeNetSpec::KERNEL * LeNetSpec::KERNEL;
		let conv = |inputs: u64, filters: u64| {
			inputs.checked_mul(kernel_area)?.checked_mul(filters)?.checked_add(filters)
		};
		let layers = [
			conv(u64::from(lenet.channels), LeNetSpec::CONV1_FILTERS),
			conv(LeNetSpec::CONV1_FILTERS, LeNetSpec::CONV2_FILTERS),
			lenet.flattened_features().and_then(|f| dense(f, LeNetSpec::FC1)),
			dense(LeNetSpec::FC1, LeNetSpec::FC2),
			dense(LeNetSpec::FC2, u64::from(lenet.classes)),
		];
		layers.into_iter().try_fold(0u64, |total, layer| {
			layer.and_then(|l| total.checked_add(l)).ok_or(ArchitectureError::TooManyParameters)
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn mlp(inputs: u32, hidden: &[u32], outputs: u32) -> ArchitectureSpec {
		ArchitectureSpec::Mlp(MlpSpec {
			inputs,
			hidden: BoundedVec::truncate_from(hidden.to_vec()),
			outputs,
			activation: Activation::Relu,
		})
	}

	fn lenet(channels: u8, side: u16, classes: u32) -> ArchitectureSpec {
		ArchitectureSpec::LeNet(LeNetSpec { channels, height: side, width: side, classes })
	}

	#[test]
	fn input_features_count_every_value_of_a_sample() {
		assert_eq!(mlp(784, &[128], 10).input_features(), 784);
		assert_eq!(lenet(3, 32, 10).input_features(), 3 * 32 * 32);
	}

	#[test]
	fn mlp_parameter_count_sums_dense_layers() {
		// 784·256+256 + 256·128+128 + 128·10+10
		assert_eq!(mlp(784, &[256, 128], 10).parameter_count(), Ok(235_146));
		assert_eq!(mlp(4, &[], 3).parameter_count(), Ok(15));
	}

	#[test]
	fn lenet_on_mnist_has_the_classic_parameter_count() {
		// conv1 156 + conv2 2416 + fc1 (16·4·4)·120+120 + fc2 10164 + fc3 850
		assert_eq!(lenet(1, 28, 10).parameter_count(), Ok(44_426));
		// 32×32 RGB (CIFAR): 5×5 features after the second pooling.
		assert_eq!(lenet(3, 32, 10).parameter_count(), Ok(62_006));
	}

	#[test]
	fn malformed_specs_are_refused() {
		assert_eq!(mlp(0, &[8], 2).parameter_count(), Err(ArchitectureError::ZeroWidth));
		assert_eq!(mlp(8, &[0], 2).parameter_count(), Err(ArchitectureError::ZeroWidth));
		assert_eq!(mlp(8, &[8], 1).parameter_count(), Err(ArchitectureError::TooFewClasses));
		assert_eq!(
			mlp(u32::MAX, &[u32::MAX], 10).parameter_count(),
			Err(ArchitectureError::TooManyParameters)
		);
		assert_eq!(lenet(1, 15, 10).validate(), Err(ArchitectureError::UnsupportedInputShape));
		assert_eq!(lenet(0, 28, 10).validate(), Err(ArchitectureError::UnsupportedInputShape));
		assert_eq!(lenet(5, 28, 10).validate(), Err(ArchitectureError::UnsupportedInputShape));
		assert_eq!(lenet(1, 257, 10).validate(), Err(ArchitectureError::UnsupportedInputShape));
		assert_eq!(lenet(1, 28, 1).validate(), Err(ArchitectureError::TooFewClasses));
		assert_eq!(lenet(1, 16, 2).validate(), Ok(()));
	}

	#[test]
	fn encoding_is_bounded() {
		let spec = mlp(784, &[256; 8], 10);
		assert!(spec.encoded_size() <= ArchitectureSpec::max_encoded_len());
	}
}
