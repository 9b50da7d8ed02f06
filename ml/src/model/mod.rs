//! Model families, built from an [`ArchitectureSpec`].
//!
//! Each family is one module implementing [`Family`]: it builds its burn module from its
//! spec, lists its parameters ([`ParamInfo`]: path, shape, fan-in) and runs the forward pass
//! on a `[batch, features]` input. [`Model`] is the closed set of families, mirroring
//! `ArchitectureSpec`; adding a family is a new module plus one variant here.
//!
//! Initial weights do not come from burn's initializers (they draw from a backend's global
//! RNG, which differs between backends and versions). Every parameter is drawn from its own
//! ChaCha20 stream instead, seeded by `blake2b-256(str("verity-ml/init/v1") ‖ u64 seed ‖
//! str(path))` (`str` as in [`crate::params`]), as `U(-b, b)` with `b = 1/sqrt(fan_in)`
//! (PyTorch's default bound for linear and convolution layers): each value is
//! `((next_u32 >> 8) · 2⁻²⁴ · 2 − 1) · b`, computed in f32. A spec and a seed therefore fix
//! the initial weights bit for bit, on any backend.

pub mod lenet;
pub mod mlp;
mod spec;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor, TensorData};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use verity_primitives::ArchitectureSpec;

use crate::hash::TaggedHasher;
use crate::params::{HostTensor, ParamSet};
use crate::{Error, Result};

pub use spec::{lenet_spec, mlp_spec, parse_spec, spec_from_json, spec_to_json, spec_to_text};

/// One parameter of a family: where it is, its shape, and the fan-in that scales its init.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamInfo {
	/// Path, e.g. `layers.0.weight`.
	pub path: String,
	/// Shape, outermost first.
	pub shape: Vec<usize>,
	/// Inputs feeding each output of the layer the parameter belongs to.
	pub fan_in: usize,
}

/// A model family: one burn module type built from one kind of spec.
pub trait Family: Module + Sized {
	/// The spec of this family in `verity-primitives`.
	type Spec;
	/// Builds the module (with placeholder weights; see [`Model::init`]).
	fn build(spec: &Self::Spec, device: &Device) -> Self;
	/// The parameters the module has, in any order.
	fn layout(spec: &Self::Spec) -> Vec<ParamInfo>;
	/// Logits `[batch, classes]` of a `[batch, features]` input.
	fn forward(&self, input: Tensor<2>) -> Tensor<2>;
}

/// A model of one of the supported families.
// A process holds a handful of models at most: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Model {
	/// A multi-layer perceptron.
	Mlp(mlp::Mlp),
	/// A LeNet-5-style CNN.
	LeNet(lenet::LeNet),
}

/// Number of input features of a (valid) spec.
pub fn input_len(spec: &ArchitectureSpec) -> usize {
	match spec {
		ArchitectureSpec::Mlp(m) => m.inputs as usize,
		ArchitectureSpec::LeNet(l) => {
			usize::from(l.channels)
				.saturating_mul(usize::from(l.height))
				.saturating_mul(usize::from(l.width))
		}
	}
}

/// The parameters a spec's model has, sorted by path.
pub fn layout(spec: &ArchitectureSpec) -> Result<Vec<ParamInfo>> {
	spec.validate()?;
	let mut infos = match spec {
		ArchitectureSpec::Mlp(s) => mlp::Mlp::layout(s),
		ArchitectureSpec::LeNet(s) => lenet::LeNet::layout(s),
	};
	infos.sort_by(|a, b| a.path.cmp(&b.path));
	Ok(infos)
}

fn init_stream(seed: u64, path: &str) -> ChaCha20Rng {
	ChaCha20Rng::from_seed(TaggedHasher::new("verity-ml/init/v1").u64(seed).str(path).finish())
}

/// The initial weights of `spec` under `seed` (see the module docs).
pub fn initial_params(spec: &ArchitectureSpec, seed: u64) -> Result<ParamSet> {
	let mut params = ParamSet::new();
	for info in layout(spec)? {
		let mut rng = init_stream(seed, &info.path);
		let bound = 1.0 / (info.fan_in as f32).sqrt();
		let n: usize = info.shape.iter().product();
		let values = (0..n)
			.map(|_| {
				let unit = (rng.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0);
				(unit * 2.0 - 1.0) * bound
			})
			.collect();
		params.insert(info.path.clone(), HostTensor::new(info.shape, values)?);
	}
	Ok(params)
}

impl Model {
	/// Builds the model of `spec` on `device` with placeholder weights. Use [`Model::init`]
	/// for seeded weights or [`Model::load_params`] to set them.
	pub fn build(spec: &ArchitectureSpec, device: &Device) -> Result<Self> {
		spec.validate()?;
		Ok(match spec {
			ArchitectureSpec::Mlp(s) => Model::Mlp(mlp::Mlp::build(s, device)),
			ArchitectureSpec::LeNet(s) => Model::LeNet(lenet::LeNet::build(s, device)),
		})
	}

	/// Builds the model of `spec` on `device` with the canonical initial weights of `seed`.
	pub fn init(spec: &ArchitectureSpec, seed: u64, device: &Device) -> Result<Self> {
		Self::build(spec, device)?.load_params(&initial_params(spec, seed)?)
	}

	/// Logits `[batch, classes]` of a `[batch, features]` input.
	pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
		match self {
			Model::Mlp(m) => m.forward(input),
			Model::LeNet(m) => m.forward(input),
		}
	}

	/// Applies a burn mapper to every parameter.
	pub fn map<M: ModuleMapper>(self, mapper: &mut M) -> Self {
		match self {
			Model::Mlp(m) => Model::Mlp(m.map(mapper)),
			Model::LeNet(m) => Model::LeNet(m.map(mapper)),
		}
	}

	/// Runs a burn visitor over every parameter.
	pub fn visit<V: ModuleVisitor>(&self, visitor: &mut V) {
		match self {
			Model::Mlp(m) => m.visit(visitor),
			Model::LeNet(m) => m.visit(visitor),
		}
	}

	/// Number of trainable values, as burn counts them.
	pub fn num_params(&self) -> usize {
		match self {
			Model::Mlp(m) => m.num_params(),
			Model::LeNet(m) => m.num_params(),
		}
	}

	/// Copies the parameters to the host.
	pub fn params(&self) -> ParamSet {
		let mut reader = Reader { path: Vec::new(), out: ParamSet::new() };
		self.visit(&mut reader);
		reader.out
	}

	/// Replaces every parameter with the tensor of the same path in `params`, which must hold
	/// exactly this model's parameters with their shapes. Parameters that required gradients
	/// keep requiring them.
	pub fn load_params(self, params: &ParamSet) -> Result<Self> {
		let mut loader = Loader { path: Vec::new(), params, seen: 0, error: None };
		let model = self.map(&mut loader);
		if let Some(error) = loader.error {
			return Err(error);
		}
		if loader.seen != params.len() {
			let known = model.params();
			let extra: Vec<&String> = params.keys().filter(|k| !known.contains_key(*k)).collect();
			return Err(Error::Checkpoint(format!("tensors not in the model: {extra:?}")));
		}
		Ok(model)
	}

	/// The same model on another device (weights copied).
	pub fn to_device(self, device: &Device) -> Self {
		match self {
			Model::Mlp(m) => Model::Mlp(m.to_device(device)),
			Model::LeNet(m) => Model::LeNet(m.to_device(device)),
		}
	}
}

/// Copies float parameters to the host, keyed by path.
struct Reader {
	path: Vec<String>,
	out: ParamSet,
}

impl ModuleVisitor for Reader {
	fn enter_module(&mut self, name: &str, _: &str) {
		self.path.push(name.to_owned());
	}
	fn exit_module(&mut self, _: &str, _: &str) {
		self.path.pop();
	}
	fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
		let tensor = param.val();
		let shape = tensor.dims().to_vec();
		let values = tensor.into_data().convert::<f32>().try_into_vec::<f32>().unwrap_or_default();
		self.out.insert(self.path.join("."), HostTensor { shape, values });
	}
}

/// Replaces float parameters by the host tensors of the same path.
struct Loader<'a> {
	path: Vec<String>,
	params: &'a ParamSet,
	seen: usize,
	error: Option<Error>,
}

impl ModuleMapper for Loader<'_> {
	fn enter_module(&mut self, name: &str, _: &str) {
		self.path.push(name.to_owned());
	}
	fn exit_module(&mut self, _: &str, _: &str) {
		self.path.pop();
	}
	fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
		let path = self.path.join(".");
		let (id, tensor, mapper) = param.consume();
		let Some(host) = self.params.get(&path) else {
			self.error.get_or_insert(Error::Checkpoint(format!("no tensor for parameter {path}")));
			return Param::from_mapped_value(id, tensor, mapper);
		};
		if host.shape.as_slice() != tensor.dims().as_slice() {
			self.error.get_or_insert(Error::Checkpoint(format!(
				"{path} has shape {:?}, the model needs {:?}",
				host.shape,
				tensor.dims()
			)));
			return Param::from_mapped_value(id, tensor, mapper);
		}
		self.seen = self.seen.saturating_add(1);
		let device = tensor.device();
		let require_grad = tensor.is_require_grad();
		let mut new = Tensor::<D>::from_data(
			TensorData::new(host.values.clone(), host.shape.clone()),
			&device,
		);
		if require_grad {
			new = new.require_grad();
		}
		Param::from_mapped_value(id, new, mapper)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use verity_primitives::Activation;

	#[test]
	fn built_models_have_the_parameter_count_of_their_spec() {
		let device = crate::backend::Backend::NdArray.device().unwrap();
		let specs = [
			mlp_spec(784, &[256, 128], 10, Activation::Relu).unwrap(),
			mlp_spec(4, &[], 3, Activation::Tanh).unwrap(),
			mlp_spec(7, &[5, 6, 3], 2, Activation::Gelu).unwrap(),
			lenet_spec(1, 28, 28, 10).unwrap(),
			lenet_spec(3, 32, 32, 10).unwrap(),
			lenet_spec(2, 16, 20, 4).unwrap(),
		];
		for spec in specs {
			let expected = spec.parameter_count().unwrap();
			let model = Model::init(&spec, 1, &device).unwrap();
			assert_eq!(model.num_params() as u64, expected, "{spec:?}");
			let params = model.params();
			assert_eq!(crate::params::value_count(&params), expected, "{spec:?}");
			let paths: Vec<String> = layout(&spec).unwrap().into_iter().map(|i| i.path).collect();
			assert_eq!(params.keys().cloned().collect::<Vec<_>>(), paths);
		}
	}

	#[test]
	fn init_is_seeded_bounded_and_loaded_exactly() {
		let spec = lenet_spec(1, 16, 16, 3).unwrap();
		let a = initial_params(&spec, 7).unwrap();
		assert_eq!(a, initial_params(&spec, 7).unwrap());
		assert_ne!(a, initial_params(&spec, 8).unwrap());
		let conv1 = &a["conv1.weight"];
		let bound = 1.0 / 25f32.sqrt();
		assert!(conv1.values.iter().all(|v| v.abs() <= bound));
		assert!(conv1.values.iter().any(|v| v.abs() > bound * 0.9));
		let device = crate::backend::Backend::NdArray.device().unwrap();
		let model = Model::init(&spec, 7, &device).unwrap();
		assert_eq!(model.params(), a);
	}

	#[test]
	fn loading_foreign_params_is_an_error() {
		let device = crate::backend::Backend::NdArray.device().unwrap();
		let spec = mlp_spec(4, &[3], 2, Activation::Relu).unwrap();
		let other = mlp_spec(4, &[5], 2, Activation::Relu).unwrap();
		let model = Model::build(&spec, &device).unwrap();
		let wrong = initial_params(&other, 1).unwrap();
		assert!(matches!(model.clone().load_params(&wrong), Err(Error::Checkpoint(_))));
		let mut extra = initial_params(&spec, 1).unwrap();
		extra.insert("zzz".into(), HostTensor::new(vec![1], vec![0.0]).unwrap());
		assert!(matches!(model.clone().load_params(&extra), Err(Error::Checkpoint(_))));
		let mut missing = initial_params(&spec, 1).unwrap();
		missing.remove("layers.0.bias");
		assert!(matches!(model.load_params(&missing), Err(Error::Checkpoint(_))));
	}
}
