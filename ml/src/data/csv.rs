//! Numeric CSV: one sample per row, comma-separated, the class label (a non-negative
//! integer) in column `label_column`, every other column an `f32` feature. No quoting: the
//! format is for numeric tables, and a quoted field is reported as a malformed number.
//! Blank lines are skipped; every row must have the same number of columns.

use std::path::Path;

use super::{read_limited, Dataset};
use crate::{Error, Result};

/// The largest CSV file accepted: 2 GiB.
const MAX_CSV: u64 = 2 << 30;

/// Parses CSV text.
pub fn parse_csv(text: &str, label_column: u16, has_header: bool) -> Result<Dataset> {
	let label_column = usize::from(label_column);
	let mut columns: Option<usize> = None;
	let mut features = Vec::new();
	let mut labels = Vec::new();
	for (index, line) in text.lines().enumerate() {
		let number = index.saturating_add(1);
		if (has_header && index == 0) || line.trim().is_empty() {
			continue;
		}
		let fields: Vec<&str> = line.split(',').map(str::trim).collect();
		let expected = *columns.get_or_insert(fields.len());
		if fields.len() != expected {
			return Err(Error::Csv {
				line: number,
				message: format!("{} columns, earlier rows have {expected}", fields.len()),
			});
		}
		if label_column >= fields.len() || fields.len() < 2 {
			return Err(Error::Csv {
				line: number,
				message: format!(
					"label column {label_column} needs at least {} columns and one feature, the row has {}",
					label_column + 1,
					fields.len()
				),
			});
		}
		for (column, field) in fields.iter().enumerate() {
			if column == label_column {
				let label = field.parse::<u32>().map_err(|_| Error::Csv {
					line: number,
					message: format!("label {field:?} is not a non-negative integer"),
				})?;
				labels.push(label);
			} else {
				let value =
					field.parse::<f32>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
						Error::Csv {
							line: number,
							message: format!("column {column}: {field:?} is not a finite number"),
						}
					})?;
				features.push(value);
			}
		}
	}
	let columns = columns.ok_or(Error::Csv { line: 0, message: "no data rows".into() })?;
	Dataset::new(features, labels, vec![columns.saturating_sub(1)])
}

/// Loads a CSV file.
pub fn load_csv(path: &Path, label_column: u16, has_header: bool) -> Result<Dataset> {
	let bytes = read_limited(path, MAX_CSV)?;
	let text = String::from_utf8(bytes)
		.map_err(|e| Error::Csv { line: 0, message: format!("not UTF-8: {e}") })?;
	parse_csv(&text, label_column, has_header)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_labels_from_any_column() {
		let data = parse_csv("a,label,b\n1.5,2,-3\n\n0,0,4e-1\n", 1, true).unwrap();
		assert_eq!(data.len(), 2);
		assert_eq!(data.sample_shape(), &[2]);
		assert_eq!(data.labels(), &[2, 0]);
		assert_eq!(data.features(), &[1.5, -3.0, 0.0, 0.4]);
		let last = parse_csv("1,2,1\n3,4,0", 2, false).unwrap();
		assert_eq!(last.labels(), &[1, 0]);
	}

	#[test]
	fn malformed_rows_name_their_line() {
		let line = |r: Result<Dataset>| match r {
			Err(Error::Csv { line, .. }) => line,
			other => panic!("expected a CSV error, got {other:?}"),
		};
		assert_eq!(line(parse_csv("1,2\n3,4,5\n", 0, false)), 2);
		assert_eq!(line(parse_csv("h\n1,x\n", 0, true)), 2);
		assert_eq!(line(parse_csv("-1,2\n", 0, false)), 1);
		assert_eq!(line(parse_csv("1.5,2\n", 0, false)), 1);
		assert_eq!(line(parse_csv("1,NaN\n", 0, false)), 1);
		assert_eq!(line(parse_csv("1,2\n", 5, false)), 1);
		assert_eq!(line(parse_csv("1\n", 0, false)), 1);
		assert_eq!(line(parse_csv("header only\n", 0, true)), 0);
	}
}
