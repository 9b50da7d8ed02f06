#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)] // test and example code: a panic is the failure report
//! Training throughput (samples/s) of the MLP and the LeNet on synthetic 28×28 data, for
//! `scripts/bench_vs_pytorch.sh`. Thread counts come from `RAYON_NUM_THREADS` and
//! `MATMUL_NUM_THREADS`.

use std::time::Instant;

/// See [`verity_ml::Allocator`]: training is allocation-heavy.
#[global_allocator]
static ALLOCATOR: verity_ml::Allocator = verity_ml::Allocator;

use clap::Parser;
use verity_ml::data::synthetic;
use verity_ml::model::parse_spec;
use verity_ml::{Backend, OptimizerConfig, Result, TrainConfig, Trainer};

#[derive(Parser)]
struct Args {
	#[arg(long, default_value_t = 64)]
	batch: usize,
	/// Timed steps (after 10 warm-up steps).
	#[arg(long, default_value_t = 200)]
	steps: u64,
	#[arg(long, default_value_t = Backend::default())]
	backend: Backend,
	/// Which models to time (comma-separated), e.g. `lenet` for a profile of one.
	#[arg(long, default_value = "mlp,lenet")]
	models: String,
}

fn main() -> Result<()> {
	let args = Args::parse();
	let data = synthetic(args.batch * 50, &[1, 28, 28], 10, 0.5, 1)?;
	let backend = args.backend;
	println!("determinism tag: {}", backend.determinism_tag());
	let device = backend.device()?;
	for (name, arch) in [("mlp", "mlp:784-256-128-10:relu"), ("lenet", "lenet:1x28x28:10")] {
		if !args.models.split(',').any(|m| m == name) {
			continue;
		}
		let spec = parse_spec(arch)?;
		let config =
			TrainConfig { seed: 1, batch_size: args.batch, optimizer: OptimizerConfig::adam(1e-3) };
		let mut trainer = Trainer::new(&spec, config, &device)?;
		for _ in 0..10 {
			trainer.train_step(&data)?;
		}
		let start = Instant::now();
		for _ in 0..args.steps {
			trainer.train_step(&data)?;
		}
		let seconds = start.elapsed().as_secs_f64();
		println!(
			"verity-ml {name}: {:.0} samples/s (batch {}, {} steps, {:.2} s)",
			(args.steps as usize * args.batch) as f64 / seconds,
			args.batch,
			args.steps,
			seconds
		);
	}
	Ok(())
}
