//! Command-line front end: content hashes, training with checkpoints, replay, evaluation,
//! export.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use verity_ml::checkpoint::Checkpoint;
use verity_ml::data::{self, Dataset};
use verity_ml::export::{export_safetensors, import_safetensors};
use verity_ml::infer::{evaluate, predict};
use verity_ml::model::parse_spec;
use verity_ml::replay::verify_segment;
use verity_ml::train::steps_per_epoch;
use verity_ml::{hex, Backend, Error, Model, OptimizerConfig, Result, TrainConfig};
use verity_primitives::{ContentHash, DatasetFormat};

/// See [`verity_ml::Allocator`]: training is allocation-heavy.
#[global_allocator]
static ALLOCATOR: verity_ml::Allocator = verity_ml::Allocator;

#[derive(Parser)]
#[command(name = "verity-ml", about = "Deterministic training, replay and inference for Verity")]
struct Cli {
	#[command(subcommand)]
	command: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
	/// A tar of one images-idx3-ubyte[.gz] and one labels-idx1-ubyte[.gz].
	IdxArchive,
	/// An IDX image file; the label file is given by --labels.
	IdxPair,
	/// Numeric CSV; see --label-column and --header.
	Csv,
}

#[derive(Args)]
struct DataArgs {
	/// Dataset file.
	#[arg(long)]
	data: PathBuf,
	#[arg(long, value_enum, default_value = "idx-archive")]
	format: Format,
	/// Label file, for --format idx-pair.
	#[arg(long)]
	labels: Option<PathBuf>,
	/// Label column, for --format csv.
	#[arg(long, default_value_t = 0)]
	label_column: u16,
	/// The CSV's first row is a header.
	#[arg(long)]
	header: bool,
	/// Use only the first N samples.
	#[arg(long)]
	limit: Option<usize>,
}

impl DataArgs {
	fn load(&self) -> Result<Dataset> {
		let data = match self.format {
			Format::IdxArchive => data::load(&self.data, DatasetFormat::IdxArchive)?,
			Format::Csv => data::load(
				&self.data,
				DatasetFormat::Csv { label_column: self.label_column, has_header: self.header },
			)?,
			Format::IdxPair => {
				let labels = self
					.labels
					.as_ref()
					.ok_or_else(|| Error::Config("--format idx-pair needs --labels".into()))?;
				data::load_idx_pair(&self.data, labels)?
			}
		};
		Ok(match self.limit {
			Some(n) => data.truncated(n),
			None => data,
		})
	}
}

#[derive(Subcommand)]
enum Cmd {
	/// Prints a file's content hash (chunk-Merkle root and size).
	Hash { file: PathBuf },
	/// Checks a file against a content hash.
	Verify {
		file: PathBuf,
		/// Expected Merkle root, hex.
		#[arg(long)]
		root: String,
		/// Expected size in bytes.
		#[arg(long)]
		size: u64,
	},
	/// Packs an IDX image file and label file into an IDX archive (tar).
	PackIdx {
		#[arg(long)]
		images: PathBuf,
		#[arg(long)]
		labels: PathBuf,
		#[arg(long)]
		out: PathBuf,
	},
	/// Trains a model, writing checkpoints, the checkpoint log and the final weights.
	Train {
		/// Architecture, e.g. mlp:784-256-128-10:relu or lenet:1x28x28:10.
		#[arg(long)]
		arch: String,
		#[command(flatten)]
		data: DataArgs,
		#[arg(long, default_value_t = 0)]
		seed: u64,
		#[arg(long, default_value_t = 64)]
		batch: usize,
		/// Epochs (ignored if --steps is given).
		#[arg(long, default_value_t = 1)]
		epochs: u64,
		#[arg(long)]
		steps: Option<u64>,
		#[arg(long, value_parser = ["adam", "sgd"], default_value = "adam")]
		optimizer: String,
		#[arg(long, default_value_t = 1e-3)]
		lr: f64,
		/// SGD momentum.
		#[arg(long, default_value_t = 0.9)]
		momentum: f64,
		/// Checkpoint every K steps.
		#[arg(long, default_value_t = 100)]
		checkpoint_every: u64,
		/// Output directory.
		#[arg(long)]
		out: PathBuf,
		/// Backend: `flex` (the default CPU backend), `ndarray`, or `wgpu` when compiled in.
		#[arg(long, default_value_t = Backend::default())]
		backend: Backend,
	},
	/// Replays a segment from one checkpoint and judges another.
	Replay {
		#[arg(long)]
		from: PathBuf,
		#[arg(long)]
		to: PathBuf,
		#[command(flatten)]
		data: DataArgs,
		/// Tolerance (see `calibrate`).
		#[arg(long, default_value_t = 1e-5)]
		epsilon: f64,
		/// Backend: `flex` (the default CPU backend), `ndarray`, or `wgpu` when compiled in.
		#[arg(long, default_value_t = Backend::default())]
		backend: Backend,
	},
	/// Accuracy of exported weights on a labelled dataset.
	Evaluate {
		#[arg(long)]
		weights: PathBuf,
		#[command(flatten)]
		data: DataArgs,
		/// Backend: `flex` (the default CPU backend), `ndarray`, or `wgpu` when compiled in.
		#[arg(long, default_value_t = Backend::default())]
		backend: Backend,
	},
	/// Predicted labels (and logits with --logits) of the first samples of a dataset.
	Predict {
		#[arg(long)]
		weights: PathBuf,
		#[command(flatten)]
		data: DataArgs,
		#[arg(long)]
		logits: bool,
		/// Backend: `flex` (the default CPU backend), `ndarray`, or `wgpu` when compiled in.
		#[arg(long, default_value_t = Backend::default())]
		backend: Backend,
	},
	/// Exports a checkpoint's weights as safetensors.
	Export {
		#[arg(long)]
		checkpoint: PathBuf,
		#[arg(long)]
		out: PathBuf,
	},
}

fn parse_hex32(s: &str) -> Result<[u8; 32]> {
	let bytes: Option<Vec<u8>> = (0..s.len())
		.step_by(2)
		.map(|i| s.get(i..i.saturating_add(2)).and_then(|b| u8::from_str_radix(b, 16).ok()))
		.collect();
	bytes
		.and_then(|b| <[u8; 32]>::try_from(b).ok())
		.ok_or_else(|| Error::Config(format!("{s:?} is not 32 bytes of hex")))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
	move |e| Error::io(path.display().to_string(), e)
}

fn run() -> Result<()> {
	match Cli::parse().command {
		Cmd::Hash { file } => {
			let hash = data::content_hash_file(&file)?;
			println!("root {}\nsize {}", hex(&hash.root), hash.size);
		}
		Cmd::Verify { file, root, size } => {
			data::verify_file(&file, ContentHash { root: parse_hex32(&root)?, size })?;
			println!("ok: {} matches", file.display());
		}
		Cmd::PackIdx { images, labels, out } => {
			let name =
				|p: &Path| p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
			let i = std::fs::read(&images).map_err(io(&images))?;
			let l = std::fs::read(&labels).map_err(io(&labels))?;
			let tar = data::write_idx_archive(&[(&name(&images), &i), (&name(&labels), &l)])?;
			data::parse_idx_archive(&tar)?;
			std::fs::write(&out, &tar).map_err(io(&out))?;
			let hash = verity_primitives::ContentHash::of(&tar);
			println!("wrote {} (root {}, size {})", out.display(), hex(&hash.root), hash.size);
		}
		Cmd::Train {
			arch,
			data,
			seed,
			batch,
			epochs,
			steps,
			optimizer,
			lr,
			momentum,
			checkpoint_every,
			out,
			backend,
		} => {
			let spec = parse_spec(&arch)?;
			let data = data.load()?;
			let optimizer = match optimizer.as_str() {
				"sgd" => OptimizerConfig::sgd(lr, momentum),
				_ => OptimizerConfig::adam(lr),
			};
			let config = TrainConfig { seed, batch_size: batch, optimizer };
			let steps = match steps {
				Some(s) => s,
				None => epochs.saturating_mul(steps_per_epoch(data.len(), batch)?),
			};
			let device = backend.device()?;
			std::fs::create_dir_all(&out).map_err(io(&out))?;
			let start = std::time::Instant::now();
			let (trainer, log) = verity_ml::train::train(
				&spec,
				config,
				&data,
				steps,
				checkpoint_every,
				&device,
				|c| {
					let path = out.join(format!("checkpoint-{:08}.safetensors", c.step));
					c.save(&path, &spec, &config, backend)?;
					println!(
						"step {:>8}  checkpoint {}  ({:.1}s)",
						c.step,
						hex(&c.hash()),
						start.elapsed().as_secs_f64()
					);
					Ok(())
				},
			)?;
			// The run's record names what computed it, as each checkpoint file does.
			let mut record = log.to_json();
			if let Some(fields) = record.as_object_mut() {
				fields.insert("determinism_tag".into(), backend.determinism_tag().into());
			}
			let log_path = out.join("checkpoints.json");
			std::fs::write(&log_path, serde_json::to_string_pretty(&record).unwrap_or_default())
				.map_err(io(&log_path))?;
			export_safetensors(&out.join("weights.safetensors"), &spec, &trainer.params())?;
			let model = trainer.inference_model()?;
			let eval = evaluate(&model, &data, &device)?;
			println!(
				"trained {steps} steps; training accuracy {:.4}; merkle root {}",
				eval.accuracy(),
				log.root().map(|r| hex(&r)).unwrap_or_default()
			);
		}
		Cmd::Replay { from, to, data, epsilon, backend } => {
			let (from, spec, config) = Checkpoint::load(&from)?;
			let (claimed, spec2, config2) = Checkpoint::load(&to)?;
			if spec != spec2 || config != config2 {
				return Err(Error::Checkpoint(
					"the two checkpoints are from different runs".into(),
				));
			}
			let data = data.load()?;
			let device = backend.device()?;
			let verdict = verify_segment(&spec, config, &data, &from, &claimed, epsilon, &device)?;
			println!(
				"steps {} -> {}: exact {}, divergence weights {:.3e} optimizer {:.3e}, ε {:.1e}: {}",
				from.step,
				claimed.step,
				verdict.exact(),
				verdict.divergence.weights,
				verdict.divergence.optimizer,
				epsilon,
				if verdict.accepted() { "ACCEPTED" } else { "REJECTED" }
			);
			if !verdict.accepted() {
				std::process::exit(2);
			}
		}
		Cmd::Evaluate { weights, data, backend } => {
			let (spec, params) = import_safetensors(&weights)?;
			let data = data.load()?;
			data.check_fits(&spec)?;
			let device = backend.device()?;
			let model = Model::build(&spec, &device)?.load_params(&params)?;
			let eval = evaluate(&model, &data, &device)?;
			println!("correct {} / {}  accuracy {:.4}", eval.correct, eval.total, eval.accuracy());
		}
		Cmd::Predict { weights, data, logits, backend } => {
			let (spec, params) = import_safetensors(&weights)?;
			let data = data.load()?;
			data.check_fits(&spec)?;
			let device = backend.device()?;
			let model = Model::build(&spec, &device)?.load_params(&params)?;
			let predictions = predict(&model, &data, &device)?;
			let rows = predictions.logits.chunks(predictions.classes.max(1));
			for (i, (label, row)) in predictions.labels.iter().zip(rows).enumerate() {
				if logits {
					println!("{i}\t{label}\t{row:?}");
				} else {
					println!("{i}\t{label}");
				}
			}
		}
		Cmd::Export { checkpoint, out } => {
			let (checkpoint, spec, _) = Checkpoint::load(&checkpoint)?;
			export_safetensors(&out, &spec, &checkpoint.weights)?;
			println!("wrote {} (weights hash {})", out.display(), hex(&checkpoint.weights_hash()));
		}
	}
	Ok(())
}

fn main() {
	if let Err(e) = run() {
		eprintln!("error: {e}");
		std::process::exit(1);
	}
}
