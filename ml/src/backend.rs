//! The one place a backend is chosen. Everything else takes a burn [`Device`]; burn 0.22
//! dispatches each tensor operation to the backend its device belongs to.
//!
//! - `flex` (cargo feature `flex`, on by default; [`Backend::default`]): burn's newer
//!   pure-Rust CPU backend, the one workers train and audit on. Its GEMM is the `gemm` crate.
//! - `ndarray` (always built): burn's older pure-Rust CPU backend (deprecated in burn 0.22),
//!   multi-threaded through rayon and `matrixmultiply`; `calibrate`'s reference for the
//!   honest divergence between backends, and the default of a build without `flex`.
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

/// The revision of this crate's arithmetic: bumped by every change that can change a
/// computed bit (an operation order, a kernel, how a step splits its batch), so that two
/// releases that would disagree never share a determinism class. 1: burn's kernels; 2:
/// LeNet's convolutions as matrix products over gathered patches; 3: a step's batch in
/// shards of [`crate::train::SHARD_SAMPLES`], gradients added in shard order.
pub const KERNEL_REVISION: u32 = 3;

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
	/// them is an exact hash comparison. It is a 4-byte hash of [`Self::determinism_tag`].
	pub fn determinism_class(self) -> u32 {
		let hash =
			blake2b_simd::Params::new().hash_length(4).hash(self.determinism_tag().as_bytes());
		let mut bytes = [0u8; 4];
		bytes.copy_from_slice(hash.as_bytes());
		u32::from_le_bytes(bytes)
	}

	/// What fixes the bits this backend computes on this machine: the backend, this crate's
	/// version and [`KERNEL_REVISION`], the CPU architecture, the vector extensions CPU
	/// kernels dispatch on and, for flex, the L1 data cache geometry its GEMM reads (see
	/// [`gemm_l1d`]), e.g. `verity-ml/0.1.0+k3/flex/x86_64+avx2+fma+avx512f/l1d=32768,64,8`.
	pub fn determinism_tag(self) -> String {
		let mut tag = format!(
			"verity-ml/{}+k{KERNEL_REVISION}/{}/{}",
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
		#[cfg(feature = "flex")]
		if self == Backend::Flex {
			let (bytes, line, ways) = gemm_l1d();
			tag.push_str(&format!("/l1d={bytes},{line},{ways}"));
		}
		tag
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

/// Whether `device` (a plain one, not autodiff's) computes in host memory: a CPU backend,
/// where reading a tensor's values costs at most a copy rather than a transfer.
pub fn computes_on_host(device: &Device) -> bool {
	#[allow(deprecated)] // burn 0.22 prefers flex; ndarray stays available for calibration.
	let ndarray = Device::ndarray();
	#[cfg(feature = "flex")]
	if *device == Device::flex() {
		return true;
	}
	*device == ndarray
}

/// The L1 data cache geometry (bytes, line bytes, ways) that burn-flex's GEMM (the `gemm`
/// crate) sizes its blocks by. The depth of a block (`kc`) splits the inner dimension of a
/// product once it is longer than 512 and either side is wider than 64 (the MLP's first
/// layer, 784 inputs, in the forward pass), and each split adds partial sums in another
/// order: two CPUs whose L1 caches differ in size or ways can round differently. `gemm`
/// reads the geometry from CPUID (Linux: sysfs), with its own fallbacks, and this is what
/// it read, so the class follows the blocking it really uses.
#[cfg(feature = "flex")]
pub fn gemm_l1d() -> (usize, usize, usize) {
	// `CACHE_INFO` is `[L1d, L2, L3]`.
	let [l1, ..] = &*gemm_common::cache::CACHE_INFO;
	(l1.cache_bytes, l1.cache_line_bytes, l1.associativity)
}

/// The CPU backend: flex when compiled in (the default build), else ndarray.
impl Default for Backend {
	fn default() -> Self {
		#[cfg(feature = "flex")]
		return Backend::Flex;
		#[cfg(not(feature = "flex"))]
		Backend::NdArray
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

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used)]
	use super::*;

	#[test]
	fn the_class_names_what_fixes_the_bits() {
		let ndarray = Backend::NdArray.determinism_tag();
		assert!(ndarray.starts_with(&format!(
			"verity-ml/{}+k{KERNEL_REVISION}/ndarray/{}",
			env!("CARGO_PKG_VERSION"),
			std::env::consts::ARCH
		)));
		// ndarray's GEMM (matrixmultiply) blocks by constants, not by the cache.
		assert!(!ndarray.contains("l1d="));
		#[cfg(feature = "flex")]
		{
			let (bytes, line, ways) = gemm_l1d();
			assert!(bytes > 0 && line > 0 && ways > 0);
			let flex = Backend::Flex.determinism_tag();
			assert!(flex.ends_with(&format!("/l1d={bytes},{line},{ways}")), "{flex}");
			assert_ne!(Backend::Flex.determinism_class(), Backend::NdArray.determinism_class());
		}
	}
}
