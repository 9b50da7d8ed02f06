//! Building, printing and parsing [`ArchitectureSpec`]s.
//!
//! The spec types live in `verity-primitives` (SCALE-encoded on chain); this crate adds a
//! short text form for the command line and a JSON form for checkpoint metadata:
//!
//! | text | JSON |
//! |---|---|
//! | `mlp:784-256-128-10:relu` | `{"mlp":{"inputs":784,"hidden":[256,128],"outputs":10,"activation":"relu"}}` |
//! | `lenet:1x28x28:10` | `{"lenet":{"channels":1,"height":28,"width":28,"classes":10}}` |

use serde_json::{json, Value};
use verity_primitives::{Activation, ArchitectureSpec, LeNetSpec, MlpSpec};

use crate::{Error, Result};

/// An MLP spec, validated.
pub fn mlp_spec(
	inputs: u32,
	hidden: &[u32],
	outputs: u32,
	activation: Activation,
) -> Result<ArchitectureSpec> {
	let hidden = hidden
		.to_vec()
		.try_into()
		.map_err(|_| Error::Config(format!("too many hidden layers: {}", hidden.len())))?;
	let spec = ArchitectureSpec::Mlp(MlpSpec { inputs, hidden, outputs, activation });
	spec.validate()?;
	Ok(spec)
}

/// A LeNet spec, validated.
pub fn lenet_spec(channels: u8, height: u16, width: u16, classes: u32) -> Result<ArchitectureSpec> {
	let spec = ArchitectureSpec::LeNet(LeNetSpec { channels, height, width, classes });
	spec.validate()?;
	Ok(spec)
}

fn activation_name(a: Activation) -> &'static str {
	match a {
		Activation::Relu => "relu",
		Activation::Tanh => "tanh",
		Activation::Sigmoid => "sigmoid",
		Activation::Gelu => "gelu",
	}
}

fn parse_activation(s: &str) -> Result<Activation> {
	Ok(match s {
		"relu" => Activation::Relu,
		"tanh" => Activation::Tanh,
		"sigmoid" => Activation::Sigmoid,
		"gelu" => Activation::Gelu,
		other => return Err(Error::Config(format!("unknown activation {other:?}"))),
	})
}

fn number<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
	s.parse().map_err(|_| Error::Config(format!("{what}: {s:?} is not a valid number")))
}

/// Parses the text form (`mlp:784-256-10:relu`, `lenet:1x28x28:10`).
pub fn parse_spec(text: &str) -> Result<ArchitectureSpec> {
	let parts: Vec<&str> = text.split(':').collect();
	match parts.as_slice() {
		["mlp", widths, activation] => {
			let widths: Vec<u32> =
				widths.split('-').map(|w| number(w, "layer width")).collect::<Result<_>>()?;
			let [inputs, hidden @ .., outputs] = widths.as_slice() else {
				return Err(Error::Config("an MLP needs at least inputs-outputs".into()));
			};
			mlp_spec(*inputs, hidden, *outputs, parse_activation(activation)?)
		}
		["lenet", image, classes] => {
			let dims: Vec<&str> = image.split('x').collect();
			let [c, h, w] = dims.as_slice() else {
				return Err(Error::Config(format!("image {image:?} is not CxHxW")));
			};
			lenet_spec(
				number(c, "channels")?,
				number(h, "height")?,
				number(w, "width")?,
				number(classes, "classes")?,
			)
		}
		_ => Err(Error::Config(format!(
			"architecture {text:?} is neither mlp:IN-H1-...-OUT:ACT nor lenet:CxHxW:CLASSES"
		))),
	}
}

/// The text form of a spec.
pub fn spec_to_text(spec: &ArchitectureSpec) -> String {
	match spec {
		ArchitectureSpec::Mlp(m) => {
			let widths: Vec<String> = std::iter::once(m.inputs)
				.chain(m.hidden.iter().copied())
				.chain(std::iter::once(m.outputs))
				.map(|w| w.to_string())
				.collect();
			format!("mlp:{}:{}", widths.join("-"), activation_name(m.activation))
		}
		ArchitectureSpec::LeNet(l) => {
			format!("lenet:{}x{}x{}:{}", l.channels, l.height, l.width, l.classes)
		}
	}
}

/// The JSON form of a spec.
pub fn spec_to_json(spec: &ArchitectureSpec) -> Value {
	match spec {
		ArchitectureSpec::Mlp(m) => json!({"mlp": {
			"inputs": m.inputs,
			"hidden": m.hidden.iter().collect::<Vec<_>>(),
			"outputs": m.outputs,
			"activation": activation_name(m.activation),
		}}),
		ArchitectureSpec::LeNet(l) => json!({"lenet": {
			"channels": l.channels, "height": l.height, "width": l.width, "classes": l.classes,
		}}),
	}
}

/// Reads the JSON form of a spec.
pub fn spec_from_json(value: &Value) -> Result<ArchitectureSpec> {
	let bad = || Error::Config(format!("not an architecture: {value}"));
	let int = |v: &Value, key: &str| -> Result<u64> {
		v.get(key).and_then(Value::as_u64).ok_or_else(bad)
	};
	if let Some(m) = value.get("mlp") {
		let hidden = m
			.get("hidden")
			.and_then(Value::as_array)
			.ok_or_else(bad)?
			.iter()
			.map(|w| w.as_u64().and_then(|w| u32::try_from(w).ok()).ok_or_else(bad))
			.collect::<Result<Vec<u32>>>()?;
		let activation =
			parse_activation(m.get("activation").and_then(Value::as_str).ok_or_else(bad)?)?;
		let inputs = u32::try_from(int(m, "inputs")?).map_err(|_| bad())?;
		let outputs = u32::try_from(int(m, "outputs")?).map_err(|_| bad())?;
		mlp_spec(inputs, &hidden, outputs, activation)
	} else if let Some(l) = value.get("lenet") {
		lenet_spec(
			u8::try_from(int(l, "channels")?).map_err(|_| bad())?,
			u16::try_from(int(l, "height")?).map_err(|_| bad())?,
			u16::try_from(int(l, "width")?).map_err(|_| bad())?,
			u32::try_from(int(l, "classes")?).map_err(|_| bad())?,
		)
	} else {
		Err(bad())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn text_and_json_forms_round_trip() {
		for text in
			["mlp:784-256-128-10:relu", "mlp:4-3:tanh", "lenet:1x28x28:10", "lenet:3x32x40:7"]
		{
			let spec = parse_spec(text).unwrap();
			assert_eq!(spec_to_text(&spec), text);
			assert_eq!(spec_from_json(&spec_to_json(&spec)).unwrap(), spec);
		}
		for bad in [
			"mlp:784:relu",
			"mlp:4-x-2:relu",
			"mlp:4-2:swish",
			"lenet:28x28:10",
			"lenet:1x8x8:10",
			"cnn",
		] {
			assert!(parse_spec(bad).is_err(), "{bad}");
		}
		assert!(spec_from_json(&json!({"mlp": {"inputs": 3}})).is_err());
	}
}
