//! Trained weights as safetensors, for use outside this crate (numpy, PyTorch, …).
//!
//! One F32 tensor per parameter, named by its path (`layers.0.weight`), in burn's layout
//! (linear weights are `[in, out]`: transpose for PyTorch's `nn.Linear`). Metadata:
//! `format = verity-ml-weights/v1`, `architecture` (JSON, see [`crate::model`]) and
//! `weights_hash` (hex of the canonical weights hash). Import checks the names and shapes
//! against the architecture and the hash against the tensors.
//!
//! The file bytes are canonical (the JSON header's keys sorted, see [`canonical`]), so the
//! same weights always give the same file and the same content hash, in any process: the
//! hash a trainer commits on chain is one anybody can reproduce.

use std::collections::HashMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};
use verity_primitives::ArchitectureSpec;

use crate::checkpoint::read_f32_tensors;
use crate::model::{layout, spec_from_json, spec_to_json};
use crate::params::{weights_hash, ParamSet};
use crate::{hex, Error, Result};

const FORMAT: &str = "verity-ml-weights/v1";

/// The safetensors bytes of a model's weights.
pub fn weights_to_safetensors(spec: &ArchitectureSpec, weights: &ParamSet) -> Result<Vec<u8>> {
	check_layout(spec, weights)?;
	let bytes: Vec<(&String, Vec<usize>, Vec<u8>)> =
		weights.iter().map(|(n, t)| (n, t.shape.clone(), t.le_bytes())).collect();
	let views = bytes
		.iter()
		.map(|(n, shape, data)| {
			safetensors::tensor::TensorView::new(Dtype::F32, shape.clone(), data)
				.map(|v| (n.as_str(), v))
				.map_err(|e| Error::Checkpoint(e.to_string()))
		})
		.collect::<Result<Vec<_>>>()?;
	let metadata = HashMap::from([
		("format".to_owned(), FORMAT.to_owned()),
		("architecture".to_owned(), spec_to_json(spec).to_string()),
		("weights_hash".to_owned(), hex(&weights_hash(weights))),
	]);
	canonical(
		safetensors::serialize(views, Some(metadata))
			.map_err(|e| Error::Checkpoint(e.to_string()))?,
	)
}

/// Rewrites a safetensors file's JSON header with its keys (tensor names, `__metadata__`
/// and the metadata's own keys) in sorted order. `safetensors::serialize` writes the
/// metadata map in `HashMap` order, which differs from one map to the next, so without this
/// the same tensors would give different bytes. The tensor data is untouched (its offsets
/// are relative to the end of the header).
pub fn canonical(bytes: Vec<u8>) -> Result<Vec<u8>> {
	let bad = |what: &str| Error::Checkpoint(format!("not a safetensors file: {what}"));
	let len_bytes: [u8; 8] =
		bytes.get(..8).and_then(|b| b.try_into().ok()).ok_or_else(|| bad("too short"))?;
	let header_len = usize::try_from(u64::from_le_bytes(len_bytes)).map_err(|_| bad("header"))?;
	let data_start = header_len.checked_add(8).ok_or_else(|| bad("header length"))?;
	let header = bytes.get(8..data_start).ok_or_else(|| bad("truncated header"))?;
	let value: serde_json::Value =
		serde_json::from_slice(header).map_err(|e| bad(&format!("header: {e}")))?;
	let object = value.as_object().ok_or_else(|| bad("header is not an object"))?;
	let mut fields: Vec<(&String, &serde_json::Value)> = object.iter().collect();
	fields.sort_by(|a, b| a.0.cmp(b.0));
	let mut out = String::from("{");
	for (i, (key, value)) in fields.into_iter().enumerate() {
		if i > 0 {
			out.push(',');
		}
		let text = match value.as_object() {
			Some(map) if key == "__metadata__" => {
				let mut entries: Vec<_> = map.iter().collect();
				entries.sort_by(|a, b| a.0.cmp(b.0));
				let inner: Vec<String> =
					entries.into_iter().map(|(k, v)| format!("{}:{}", json(k), json(v))).collect();
				format!("{{{}}}", inner.join(","))
			}
			_ => json(value),
		};
		out.push_str(&json(key));
		out.push(':');
		out.push_str(&text);
	}
	out.push('}');
	// The data starts 8-byte aligned, as safetensors writes it.
	while out.len() % 8 != 0 {
		out.push(' ');
	}
	let data = bytes.get(data_start..).unwrap_or_default();
	let mut result = Vec::with_capacity(out.len().saturating_add(8).saturating_add(data.len()));
	result.extend_from_slice(&(out.len() as u64).to_le_bytes());
	result.extend_from_slice(out.as_bytes());
	result.extend_from_slice(data);
	Ok(result)
}

fn json(value: &(impl serde::Serialize + ?Sized)) -> String {
	serde_json::to_string(value).unwrap_or_default()
}

/// Reads weights exported by [`weights_to_safetensors`].
pub fn weights_from_safetensors(bytes: &[u8]) -> Result<(ArchitectureSpec, ParamSet)> {
	let (_, header) = SafeTensors::read_metadata(bytes)
		.map_err(|e| Error::Checkpoint(format!("not a safetensors file: {e}")))?;
	let meta = header.metadata().clone().unwrap_or_default();
	let field =
		|k: &str| meta.get(k).ok_or_else(|| Error::Checkpoint(format!("metadata has no {k:?}")));
	if field("format")? != FORMAT {
		return Err(Error::Checkpoint(format!("format is {:?}, not {FORMAT}", field("format")?)));
	}
	let spec_json: serde_json::Value = serde_json::from_str(field("architecture")?)
		.map_err(|e| Error::Checkpoint(format!("architecture: {e}")))?;
	let spec = spec_from_json(&spec_json)?;
	let weights: ParamSet = read_f32_tensors(bytes)?.into_iter().collect();
	check_layout(&spec, &weights)?;
	let actual = hex(&weights_hash(&weights));
	if *field("weights_hash")? != actual {
		return Err(Error::Checkpoint(format!(
			"tensors hash to {actual}, the file claims {}",
			field("weights_hash")?
		)));
	}
	Ok((spec, weights))
}

fn check_layout(spec: &ArchitectureSpec, weights: &ParamSet) -> Result<()> {
	let expected = layout(spec)?;
	let same = expected.len() == weights.len()
		&& expected
			.iter()
			.zip(weights)
			.all(|(info, (path, t))| info.path == *path && info.shape == t.shape);
	if same {
		Ok(())
	} else {
		Err(Error::Checkpoint("the tensors are not the parameters of the architecture".into()))
	}
}

/// Writes weights to a safetensors file.
pub fn export_safetensors(path: &Path, spec: &ArchitectureSpec, weights: &ParamSet) -> Result<()> {
	std::fs::write(path, weights_to_safetensors(spec, weights)?)
		.map_err(|e| Error::io(path.display().to_string(), e))
}

/// Reads weights from a safetensors file.
pub fn import_safetensors(path: &Path) -> Result<(ArchitectureSpec, ParamSet)> {
	let bytes = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
	weights_from_safetensors(&bytes)
}
