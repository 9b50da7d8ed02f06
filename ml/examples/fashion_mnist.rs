#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)] // test and example code: a panic is the failure report
//! Trains an MLP and a LeNet on Fashion-MNIST and prints test accuracy and time per epoch.
//!
//! ```text
//! apt-get install dataset-fashion-mnist     # /usr/share/datasets/fashion-mnist
//! cargo run --release --example fashion_mnist                       # flex backend
//! cargo run --release --example fashion_mnist -- --backend ndarray
//! ```
//!
//! flex is the default and faster backend; ndarray is the reference `calibrate` compares
//! against (figures for both in ml/README.md).

use std::path::PathBuf;
use std::time::Instant;

/// See [`verity_ml::Allocator`]: training is allocation-heavy.
#[global_allocator]
static ALLOCATOR: verity_ml::Allocator = verity_ml::Allocator;

use clap::Parser;
use verity_ml::data::load_idx_pair;
use verity_ml::infer::evaluate;
use verity_ml::model::{parse_spec, spec_to_text};
use verity_ml::params::weights_hash;
use verity_ml::train::{steps_per_epoch, Trainer};
use verity_ml::{hex, Backend, OptimizerConfig, Result, TrainConfig};

#[derive(Parser)]
struct Args {
	#[arg(long, default_value = "/usr/share/datasets/fashion-mnist")]
	data_dir: PathBuf,
	#[arg(long, default_value_t = 10)]
	epochs: u64,
	#[arg(long, default_value_t = 64)]
	batch: usize,
	/// Which models: mlp, lenet or both.
	#[arg(long, default_value = "both")]
	model: String,
	/// Use only the first N training samples.
	#[arg(long)]
	limit: Option<usize>,
	#[arg(long, default_value_t = Backend::default())]
	backend: Backend,
	#[arg(long, default_value_t = 1)]
	seed: u64,
}

fn main() -> Result<()> {
	let args = Args::parse();
	let file = |name: &str| args.data_dir.join(name);
	let train =
		load_idx_pair(&file("train-images-idx3-ubyte.gz"), &file("train-labels-idx1-ubyte.gz"))?;
	let train = args.limit.map_or(train.clone(), |n| train.truncated(n));
	let test =
		load_idx_pair(&file("t10k-images-idx3-ubyte.gz"), &file("t10k-labels-idx1-ubyte.gz"))?;
	let backend = args.backend;
	let device = backend.device()?;
	println!(
		"Fashion-MNIST: {} training, {} test samples; backend {backend}; batch {}; {} rayon threads",
		train.len(),
		test.len(),
		args.batch,
		rayon::current_num_threads()
	);
	let models = [("mlp", "mlp:784-256-128-10:relu"), ("lenet", "lenet:1x28x28:10")];
	for (name, arch) in models.into_iter().filter(|(n, _)| args.model == "both" || args.model == *n)
	{
		let spec = parse_spec(arch)?;
		let config = TrainConfig {
			seed: args.seed,
			batch_size: args.batch,
			optimizer: OptimizerConfig::adam(1e-3),
		};
		train.check_fits(&spec)?;
		let mut trainer = Trainer::new(&spec, config, &device)?;
		let per_epoch = steps_per_epoch(train.len(), args.batch)?;
		println!(
			"\n{name}: {} ({} parameters), Adam lr 1e-3",
			spec_to_text(&spec),
			spec.parameter_count()?
		);
		for epoch in 1..=args.epochs {
			let start = Instant::now();
			let mut loss = 0f64;
			for _ in 0..per_epoch {
				loss += f64::from(trainer.train_step(&train)?);
			}
			let seconds = start.elapsed().as_secs_f64();
			let model = trainer.inference_model()?;
			let eval = evaluate(&model, &test, &device)?;
			println!(
				"  epoch {epoch}: loss {:.4}  test accuracy {:.4}  {:.1} s/epoch  ({:.0} samples/s)",
				loss / per_epoch as f64,
				eval.accuracy(),
				seconds,
				(per_epoch as usize * args.batch) as f64 / seconds
			);
		}
		println!("  weights hash {}", hex(&weights_hash(&trainer.params())));
	}
	Ok(())
}
