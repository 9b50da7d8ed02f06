#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)] // test code: a panic is the failure report
//! safetensors export and import, checked from Python when it is available.

use std::path::{Path, PathBuf};
use std::process::Command;

use verity_ml::data::synthetic;
use verity_ml::export::{
	export_safetensors, import_safetensors, weights_from_safetensors, weights_to_safetensors,
};
use verity_ml::model::{lenet_spec, mlp_spec};
use verity_ml::params::weights_hash;
use verity_ml::train::train;
use verity_ml::{hex, Backend, Model, OptimizerConfig, TrainConfig};
use verity_primitives::Activation;

fn trained_lenet() -> (verity_primitives::ArchitectureSpec, verity_ml::params::ParamSet) {
	let spec = lenet_spec(1, 16, 16, 3).unwrap();
	let data = synthetic(32, &[1, 16, 16], 3, 0.3, 1).unwrap();
	let config = TrainConfig { seed: 1, batch_size: 8, optimizer: OptimizerConfig::adam(1e-3) };
	let device = Backend::NdArray.device().unwrap();
	let (trainer, _) = train(&spec, config, &data, 3, 3, &device, |_| Ok(())).unwrap();
	(spec, trainer.params())
}

fn temp_file(name: &str) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("verity-ml-export-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	dir.join(name)
}

#[test]
fn export_import_round_trip_and_checks() {
	let (spec, weights) = trained_lenet();
	let path = temp_file("lenet.safetensors");
	export_safetensors(&path, &spec, &weights).unwrap();
	let (spec2, weights2) = import_safetensors(&path).unwrap();
	assert_eq!((spec2, &weights2), (spec.clone(), &weights));
	// The imported weights give the same model.
	let device = Backend::NdArray.device().unwrap();
	let model = Model::build(&spec, &device).unwrap().load_params(&weights2).unwrap();
	assert_eq!(weights_hash(&model.params()), weights_hash(&weights));
	// Weights of another architecture cannot be exported under this one.
	let mlp = mlp_spec(256, &[8], 3, Activation::Relu).unwrap();
	assert!(weights_to_safetensors(&mlp, &weights).is_err());
	// A changed value no longer matches the recorded hash.
	let mut bytes = weights_to_safetensors(&spec, &weights).unwrap();
	let n = bytes.len();
	bytes[n - 2] ^= 1;
	assert!(weights_from_safetensors(&bytes).is_err());
}

#[test]
fn the_same_weights_always_give_the_same_file() {
	// safetensors writes its metadata in HashMap order; the export sorts it, so the file (and
	// its content hash, which a trainer commits on chain) depends on the weights alone.
	let (spec, weights) = trained_lenet();
	let first = weights_to_safetensors(&spec, &weights).unwrap();
	for _ in 0..8 {
		assert_eq!(weights_to_safetensors(&spec, &weights).unwrap(), first);
	}
	let header_len = u64::from_le_bytes(first[..8].try_into().unwrap()) as usize;
	assert_eq!((8 + header_len) % 8, 0, "data stays 8-byte aligned");
	let header = std::str::from_utf8(&first[8..8 + header_len]).unwrap();
	let meta = header.find("\"__metadata__\"").unwrap();
	let arch = header.find("\"architecture\"").unwrap();
	let format = header.find("\"format\"").unwrap();
	assert!(meta < arch && arch < format, "{header}");
	assert_eq!(weights_from_safetensors(&first).unwrap(), (spec, weights));
}

fn python() -> Option<PathBuf> {
	let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
	if venv.exists() {
		return Some(venv);
	}
	Command::new("python3").arg("--version").output().ok().filter(|o| o.status.success())?;
	Some(PathBuf::from("python3"))
}

#[test]
fn python_loads_the_same_tensors() {
	let Some(python) = python() else {
		println!("SKIPPED python_loads_the_same_tensors: no python3 found");
		return;
	};
	let (spec, weights) = trained_lenet();
	let path = temp_file("lenet-py.safetensors");
	export_safetensors(&path, &spec, &weights).unwrap();
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_safetensors.py");
	let output = Command::new(&python).arg(&script).arg(&path).output().unwrap();
	if output.status.code() == Some(3) {
		println!(
			"SKIPPED python_loads_the_same_tensors: {} (run `python3 -m venv ml/.venv && ml/.venv/bin/pip install numpy safetensors`)",
			String::from_utf8_lossy(&output.stderr).trim()
		);
		return;
	}
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
	// Python recomputes the canonical hash from the arrays it loaded: every byte agrees.
	assert_eq!(report["weights_hash"], hex(&weights_hash(&weights)));
	assert_eq!(report["metadata"]["weights_hash"], hex(&weights_hash(&weights)));
	let tensors = report["tensors"].as_object().unwrap();
	assert_eq!(tensors.len(), weights.len());
	for (name, t) in &weights {
		let py = &tensors[name];
		assert_eq!(py["dtype"], "float32");
		let shape: Vec<usize> = serde_json::from_value(py["shape"].clone()).unwrap();
		assert_eq!(shape, t.shape, "{name}");
		assert_eq!(py["first_bits"].as_u64().unwrap(), u64::from(t.values[0].to_bits()), "{name}");
		let sum: f64 = t.values.iter().map(|v| f64::from(*v)).sum();
		assert!((py["sum"].as_f64().unwrap() - sum).abs() <= 1e-9 * (1.0 + sum.abs()), "{name}");
	}
}
