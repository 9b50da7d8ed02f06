//! The one place a backend is chosen. Everything else takes a burn [`Device`]; burn 0.22
//! dispatches each tensor operation to the backend its device belongs to.
//!
//! - `ndarray` (default): pure-Rust CPU backend, multi-threaded through rayon (element-wise
//!   ops, convolutions, batches of matrix products) and `matrixmultiply` (GEMM tiles).
//! - `flex` (cargo feature `flex`): burn's newer pure-Rust CPU backend, used by `calibrate`
//!   to measure honest cross-backend divergence.
//! - `wgpu` (cargo feature `wgpu`): GPU through WebGPU (Vulkan/Metal/DX12).

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

use crate::{Error, Result};

/// A compute backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
	/// burn-ndarray on the CPU.
	NdArray,
	/// burn-flex on the CPU.
	#[cfg(feature = "flex")]
	Flex,
	/// burn-wgpu on the default GPU.
	#[cfg(feature = "wgpu")]
	Wgpu,
}

impl Backend {
	/// Every backend compiled into this build.
	pub fn compiled() -> Vec<Backend> {
		vec![
			Backend::NdArray,
			#[cfg(feature = "flex")]
			Backend::Flex,
			#[cfg(feature = "wgpu")]
			Backend::Wgpu,
		]
	}

	/// The backend's device for inference (no autodiff). Training uses
	/// `device.autodiff()`.
	pub fn device(self) -> Result<Device> {
		Ok(match self {
			#[allow(deprecated)] // burn 0.22 prefers flex; ndarray stays the default here.
			Backend::NdArray => Device::ndarray(),
			#[cfg(feature = "flex")]
			Backend::Flex => Device::flex(),
			#[cfg(feature = "wgpu")]
			Backend::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
		})
	}

	/// The determinism class this backend runs in on this machine, as a worker declares it
	/// on chain: two workers of one class produce bit-identical runs, so an audit between
	/// them is an exact hash comparison. It names the backend, this crate's version (its
	/// kernels), the CPU architecture and the vector extensions CPU kernels dispatch on.
	pub fn determinism_class(self) -> u32 {
		let mut tag = format!(
			"verity-ml/{}/{}/{}",
			env!("CARGO_PKG_VERSION"),
			self.name(),
			std::env::consts::ARCH
		);
		#[cfg(target_arch = "x86_64")]
		for (feature, present) in [
			("avx2", std::arch::is_x86_feature_detected!("avx2")),
			("fma", std::arch::is_x86_feature_detected!("fma")),
			("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
		] {
			if present {
				tag.push('+');
				tag.push_str(feature);
			}
		}
		let hash = blake2b_simd::Params::new().hash_length(4).hash(tag.as_bytes());
		let mut bytes = [0u8; 4];
		bytes.copy_from_slice(hash.as_bytes());
		u32::from_le_bytes(bytes)
	}

	/// The backend's name on the command line.
	pub fn name(self) -> &'static str {
		match self {
			Backend::NdArray => "ndarray",
			#[cfg(feature = "flex")]
			Backend::Flex => "flex",
			#[cfg(feature = "wgpu")]
			Backend::Wgpu => "wgpu",
		}
	}
}

impl fmt::Display for Backend {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(self.name())
	}
}

impl FromStr for Backend {
	type Err = Error;
	fn from_str(s: &str) -> Result<Self> {
		Backend::compiled().into_iter().find(|b| b.name() == s).ok_or_else(|| {
			Error::Backend(format!(
				"{s:?} is not compiled in (available: {}; enable cargo features `flex`/`wgpu` for more)",
				Backend::compiled().iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")
			))
		})
	}
}
