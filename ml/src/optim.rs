//! Optimizers: SGD with momentum and Adam, implemented here on burn tensors.
//!
//! Burn has both, but its optimizer state is keyed by random parameter ids and saved in
//! burn's record format. A verifier must restart training from a checkpoint written by
//! someone else, so the state here is keyed by parameter path and saved with the weights,
//! and the update rule is spelled out (in f32 tensor ops, scalars computed in f64 first):
//!
//! - **SGD** (PyTorch's form, no dampening): `v ← μ·v + g`, `p ← p − lr·v`. State: `momentum`.
//! - **Adam**: `m ← β₁·m + (1−β₁)·g`, `v ← β₂·v + (1−β₂)·g·g`,
//!   `p ← p − (lr/(1−β₁ᵗ))·m / (sqrt(v/(1−β₂ᵗ)) + ε)`, with `t` = 1 for the first step, i.e.
//!   `t = step + 1` where `step` counts the steps already taken (so `t` needs no state).
//!   State: `m`, `v`.
//!
//! State starts at zero for every parameter, so it exists (and is hashed) from step 0. On
//! the host it is a [`ParamSet`] whose paths are `{parameter path}/{slot}`.

use std::collections::BTreeMap;

use burn::module::{ModuleMapper, Param};
use burn::tensor::{Device, Gradients, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::params::{HostTensor, ParamSet};
use crate::{Error, Result};

/// An optimizer and its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OptimizerConfig {
	/// Stochastic gradient descent with momentum.
	Sgd {
		/// Learning rate.
		lr: f64,
		/// Momentum `μ` (0 for plain SGD).
		momentum: f64,
	},
	/// Adam.
	Adam {
		/// Learning rate.
		lr: f64,
		/// Decay of the first moment.
		beta1: f64,
		/// Decay of the second moment.
		beta2: f64,
		/// Added to the denominator.
		epsilon: f64,
	},
}

impl OptimizerConfig {
	/// Adam with the usual defaults and learning rate `lr`.
	pub fn adam(lr: f64) -> Self {
		OptimizerConfig::Adam { lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
	}

	/// SGD with momentum.
	pub fn sgd(lr: f64, momentum: f64) -> Self {
		OptimizerConfig::Sgd { lr, momentum }
	}

	/// Names of the state tensors kept per parameter.
	pub fn slots(&self) -> &'static [&'static str] {
		match self {
			OptimizerConfig::Sgd { .. } => &["momentum"],
			OptimizerConfig::Adam { .. } => &["m", "v"],
		}
	}

	/// Checks the hyper-parameters.
	pub fn validate(&self) -> Result<()> {
		let ok = match *self {
			OptimizerConfig::Sgd { lr, momentum } => {
				lr.is_finite() && lr > 0.0 && (0.0..1.0).contains(&momentum)
			}
			OptimizerConfig::Adam { lr, beta1, beta2, epsilon } => {
				lr.is_finite()
					&& lr > 0.0 && (0.0..1.0).contains(&beta1)
					&& (0.0..1.0).contains(&beta2)
					&& epsilon.is_finite()
					&& epsilon > 0.0
			}
		};
		if ok {
			Ok(())
		} else {
			Err(Error::Config(format!("invalid optimizer hyper-parameters {self:?}")))
		}
	}
}

/// Optimizer state on the device: per parameter path, one flat tensor per slot.
#[derive(Clone, Debug)]
pub struct OptimizerState {
	slots: BTreeMap<String, Vec<Tensor<1>>>,
}

impl OptimizerState {
	/// Zero state for the given parameters (`weights` gives paths and sizes).
	pub fn zeros(config: &OptimizerConfig, weights: &ParamSet, device: &Device) -> Self {
		let slots = weights
			.iter()
			.map(|(path, t)| {
				let n = t.values.len();
				(
					path.clone(),
					config.slots().iter().map(|_| Tensor::<1>::zeros([n], device)).collect(),
				)
			})
			.collect();
		Self { slots }
	}

	/// State from its host form, checked against the parameters it belongs to.
	pub fn from_host(
		config: &OptimizerConfig,
		weights: &ParamSet,
		host: &ParamSet,
		device: &Device,
	) -> Result<Self> {
		let mut slots = BTreeMap::new();
		for (path, t) in weights {
			let mut tensors = Vec::new();
			for slot in config.slots() {
				let name = format!("{path}/{slot}");
				let state = host
					.get(&name)
					.ok_or_else(|| Error::Checkpoint(format!("no optimizer state {name}")))?;
				if state.values.len() != t.values.len() {
					return Err(Error::Checkpoint(format!(
						"optimizer state {name} has {} values, the parameter {}",
						state.values.len(),
						t.values.len()
					)));
				}
				tensors.push(Tensor::<1>::from_data(
					TensorData::new(state.values.clone(), [state.values.len()]),
					device,
				));
			}
			slots.insert(path.clone(), tensors);
		}
		let expected = weights.len().saturating_mul(config.slots().len());
		if host.len() != expected {
			return Err(Error::Checkpoint(format!(
				"{} optimizer state tensors, expected {expected}",
				host.len()
			)));
		}
		Ok(Self { slots })
	}

	/// The state on the host, as `{path}/{slot}` → flat tensor.
	pub fn to_host(&self, config: &OptimizerConfig) -> ParamSet {
		let mut out = ParamSet::new();
		for (path, tensors) in &self.slots {
			for (slot, tensor) in config.slots().iter().zip(tensors) {
				let values =
					tensor.to_data().convert::<f32>().try_into_vec::<f32>().unwrap_or_default();
				out.insert(
					format!("{path}/{slot}"),
					HostTensor { shape: vec![values.len()], values },
				);
			}
		}
		out
	}
}

/// Applies one optimizer step to every parameter of a module, from the gradients of one
/// backward pass.
pub(crate) struct StepMapper<'a> {
	pub config: OptimizerConfig,
	/// Steps taken before this one.
	pub step: u64,
	pub grads: Gradients,
	pub state: &'a mut OptimizerState,
	pub path: Vec<String>,
	pub error: Option<Error>,
}

impl StepMapper<'_> {
	fn update(
		&self,
		p: Tensor<1>,
		g: Tensor<1>,
		slots: Vec<Tensor<1>>,
	) -> (Tensor<1>, Vec<Tensor<1>>) {
		match (self.config, slots.as_slice()) {
			(OptimizerConfig::Sgd { lr, momentum }, [v]) => {
				let v = v.clone().mul_scalar(momentum).add(g);
				(p.sub(v.clone().mul_scalar(lr)), vec![v])
			}
			(OptimizerConfig::Adam { lr, beta1, beta2, epsilon }, [m, v]) => {
				let t = self.step.saturating_add(1) as i32;
				let m = m.clone().mul_scalar(beta1).add(g.clone().mul_scalar(1.0 - beta1));
				let v = v.clone().mul_scalar(beta2).add(g.clone().mul(g).mul_scalar(1.0 - beta2));
				let step_size = lr / (1.0 - beta1.powi(t));
				let v_scale = 1.0 / (1.0 - beta2.powi(t));
				let denominator = v.clone().mul_scalar(v_scale).sqrt().add_scalar(epsilon);
				let p = p.sub(m.clone().mul_scalar(step_size).div(denominator));
				(p, vec![m, v])
			}
			// `OptimizerState` always holds the config's slots.
			(_, _) => (p, slots),
		}
	}
}

impl ModuleMapper for StepMapper<'_> {
	fn enter_module(&mut self, name: &str, _: &str) {
		self.path.push(name.to_owned());
	}
	fn exit_module(&mut self, _: &str, _: &str) {
		self.path.pop();
	}
	fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
		let path = self.path.join(".");
		let (id, tensor, mapper) = param.consume();
		let grad = tensor.grad(&self.grads);
		let slots = self.state.slots.remove(&path);
		let (Some(grad), Some(slots)) = (grad, slots) else {
			self.error
				.get_or_insert(Error::Config(format!("no gradient or optimizer state for {path}")));
			return Param::from_mapped_value(id, tensor, mapper);
		};
		let dims = tensor.dims();
		let n = dims.iter().product::<usize>();
		let p = tensor.inner().reshape([n]);
		let (p, slots) = self.update(p, grad.reshape([n]), slots);
		self.state.slots.insert(path, slots);
		let p = Tensor::<D>::from_inner(p.reshape(dims)).require_grad();
		Param::from_mapped_value(id, p, mapper)
	}
}
