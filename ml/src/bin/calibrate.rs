//! Calibrates the replay tolerance ε.
//!
//! For each architecture (and optimizer) it trains a few warm-up steps to reach a realistic
//! mid-training checkpoint `C`, then replays from `C` one step and a `K`-step segment under
//! every honest variation available:
//!
//! - thread counts: child processes with `RAYON_NUM_THREADS` and `MATMUL_NUM_THREADS` set
//!   (rayon drives burn-ndarray's parallel ops, matrixmultiply its GEMM threads, which it
//!   reads once per process, hence the child processes);
//! - backends compiled in (`--features flex` adds burn-flex, `wgpu` a GPU);
//! - an ulp probe: `C` with every value scaled by `1 + u·2⁻²³`, `u` uniform in `[-1, 1]`,
//!   i.e. one rounding error per value, which is what a machine with another summation
//!   order or FMA use leaves behind; its divergence after one step and after `K` steps shows
//!   how such differences grow, even when every variant above happens to be bit-exact.
//!
//! It prints the divergence of each against the reference (ndarray, 1 thread), recommends
//! `ε = safety × max(honest divergence)` per architecture for a step and for a segment, and
//! injects faults into one step of the segment (the update followed by 1e-3 or 1e-4 relative
//! noise on one weight tensor, a skipped step, a replaced batch, a 10% larger learning rate)
//! to show how far above ε they land.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::{Parser, Subcommand};
use rand_chacha::rand_core::{Rng, SeedableRng};
use verity_ml::data::{load_idx_pair, synthetic, Dataset};
use verity_ml::model::{parse_spec, spec_to_text};
use verity_ml::tolerance::Divergence;
use verity_ml::{hex, Backend, Checkpoint, OptimizerConfig, Result, TrainConfig, Trainer};
use verity_primitives::ArchitectureSpec;

/// See [`verity_ml::Allocator`]: training is allocation-heavy.
#[global_allocator]
static ALLOCATOR: verity_ml::Allocator = verity_ml::Allocator;

#[derive(Parser)]
#[command(about = "Measures honest replay divergence and recommends a tolerance ε")]
struct Cli {
	#[command(subcommand)]
	command: Option<Cmd>,
	#[command(flatten)]
	opts: Opts,
}

#[derive(clap::Args, Clone)]
struct Opts {
	/// Directory with Fashion-MNIST (or MNIST) `train-*-ubyte.gz`; synthetic data if absent.
	#[arg(long, default_value = "/usr/share/datasets/fashion-mnist")]
	data_dir: PathBuf,
	/// Training samples to use.
	#[arg(long, default_value_t = 4096)]
	samples: usize,
	/// Warm-up steps before the calibration checkpoint.
	#[arg(long, default_value_t = 30)]
	warmup: u64,
	/// Steps per segment (K).
	#[arg(long, default_value_t = 20)]
	segment: u64,
	/// ε = safety × max honest divergence.
	#[arg(long, default_value_t = 10.0)]
	safety: f64,
	/// Thread counts to compare (the first is the reference).
	#[arg(long, value_delimiter = ',', default_value = "1,2,4")]
	threads: Vec<usize>,
	/// Only this architecture (text form, e.g. `mlp:784-128-64-10:relu`).
	#[arg(long)]
	arch: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
	/// Internal: replays from a checkpoint in this process and writes the results.
	Worker {
		#[arg(long)]
		from: PathBuf,
		#[arg(long)]
		out: PathBuf,
		#[arg(long, default_value = "ndarray")]
		backend: Backend,
		#[command(flatten)]
		opts: Opts,
	},
	/// Trains from the seed and prints the weights hash (for thread-count tests).
	Hash {
		#[arg(long)]
		arch: String,
		#[arg(long, default_value_t = 10)]
		steps: u64,
		#[arg(long, default_value_t = 7)]
		seed: u64,
		/// Backend: `ndarray`, or `flex` / `wgpu` when compiled in.
		#[arg(long, default_value = "ndarray")]
		backend: Backend,
		/// Samples per step (above `verity_ml::train::SHARD_SAMPLES`, a step runs in shards).
		#[arg(long, default_value_t = 32)]
		batch: usize,
	},
}

const BATCH: usize = 64;

fn cases(opts: &Opts) -> Result<Vec<(ArchitectureSpec, TrainConfig)>> {
	let mk = |text: &str, optimizer| -> Result<(ArchitectureSpec, TrainConfig)> {
		Ok((parse_spec(text)?, TrainConfig { seed: 42, batch_size: BATCH, optimizer }))
	};
	let all = vec![
		mk("mlp:784-128-64-10:relu", OptimizerConfig::adam(1e-3))?,
		mk("mlp:784-128-64-10:relu", OptimizerConfig::sgd(0.05, 0.9))?,
		mk("lenet:1x28x28:10", OptimizerConfig::adam(1e-3))?,
		mk("lenet:1x28x28:10", OptimizerConfig::sgd(0.05, 0.9))?,
	];
	Ok(match &opts.arch {
		Some(a) => {
			let spec = parse_spec(a)?;
			all.into_iter().filter(|(s, _)| *s == spec).collect()
		}
		None => all,
	})
}

fn load_data(opts: &Opts) -> Result<(Dataset, String)> {
	let images = opts.data_dir.join("train-images-idx3-ubyte.gz");
	let labels = opts.data_dir.join("train-labels-idx1-ubyte.gz");
	if images.exists() && labels.exists() {
		let data = load_idx_pair(&images, &labels)?.truncated(opts.samples);
		Ok((data, format!("{} ({} samples)", opts.data_dir.display(), opts.samples)))
	} else {
		let data = synthetic(opts.samples, &[1, 28, 28], 10, 0.5, 1)?;
		Ok((data, format!("synthetic 1x28x28, 10 classes ({} samples)", opts.samples)))
	}
}

fn case_name(spec: &ArchitectureSpec, config: &TrainConfig) -> String {
	let optimizer = match config.optimizer {
		OptimizerConfig::Sgd { .. } => "sgd",
		OptimizerConfig::Adam { .. } => "adam",
	};
	format!("{}/{optimizer}", spec_to_text(spec))
}

/// Replays one step and the segment from `from`; returns (after one step, after K).
fn replay_both(
	spec: &ArchitectureSpec,
	config: TrainConfig,
	data: &Dataset,
	from: &Checkpoint,
	k: u64,
	backend: Backend,
) -> Result<(Checkpoint, Checkpoint)> {
	let device = backend.device()?;
	let mut trainer = Trainer::from_checkpoint(spec, config, from, &device)?;
	trainer.train_step(data)?;
	let one = trainer.checkpoint();
	while trainer.step_count() < from.step.saturating_add(k) {
		trainer.train_step(data)?;
	}
	Ok((one, trainer.checkpoint()))
}

fn worker(from: &Path, out: &Path, backend: Backend, opts: &Opts) -> Result<()> {
	let (data, _) = load_data(opts)?;
	let (checkpoint, spec, config) = Checkpoint::load(from)?;
	let (one, seg) = replay_both(&spec, config, &data, &checkpoint, opts.segment, backend)?;
	one.save(&out.join("step.safetensors"), &spec, &config, backend)?;
	seg.save(&out.join("segment.safetensors"), &spec, &config, backend)?;
	Ok(())
}

fn child(
	from: &Path,
	out: &Path,
	threads: usize,
	backend: Backend,
	opts: &Opts,
) -> Result<(Checkpoint, Checkpoint)> {
	std::fs::create_dir_all(out).map_err(|e| verity_ml::Error::io(out.display().to_string(), e))?;
	let exe = std::env::current_exe().map_err(|e| verity_ml::Error::io("current exe", e))?;
	let status = Command::new(exe)
		.env("RAYON_NUM_THREADS", threads.to_string())
		.env("MATMUL_NUM_THREADS", threads.to_string())
		.arg("worker")
		.arg("--from")
		.arg(from)
		.arg("--out")
		.arg(out)
		.arg("--backend")
		.arg(backend.name())
		.arg("--data-dir")
		.arg(&opts.data_dir)
		.arg("--samples")
		.arg(opts.samples.to_string())
		.arg("--segment")
		.arg(opts.segment.to_string())
		.status()
		.map_err(|e| verity_ml::Error::io("spawning a worker", e))?;
	if !status.success() {
		return Err(verity_ml::Error::Backend(format!(
			"worker for {backend} × {threads} threads failed"
		)));
	}
	Ok((
		Checkpoint::load(&out.join("step.safetensors"))?.0,
		Checkpoint::load(&out.join("segment.safetensors"))?.0,
	))
}

/// Every value scaled by `1 + u·2⁻²³`.
fn ulp_noise(checkpoint: &Checkpoint, seed: u64) -> Checkpoint {
	let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
	let mut noisy = checkpoint.clone();
	for t in noisy.weights.values_mut().chain(noisy.optimizer.values_mut()) {
		for v in &mut t.values {
			let u = (rng.next_u32() >> 8) as f32 / 16_777_216.0 * 2.0 - 1.0;
			*v *= 1.0 + u * f32::EPSILON;
		}
	}
	noisy
}

#[derive(Clone, Copy, Debug)]
enum Fault {
	/// The honest update, then relative noise of this size on the first weight tensor.
	Perturbed(f32),
	Skipped,
	ReplacedBatch,
	LargerLr,
}

fn faulty_segment(
	spec: &ArchitectureSpec,
	config: TrainConfig,
	data: &Dataset,
	from: &Checkpoint,
	k: u64,
	fault: Fault,
) -> Result<Checkpoint> {
	let device = Backend::NdArray.device()?;
	let at = from.step.saturating_add(k / 2);
	let mut trainer = Trainer::from_checkpoint(spec, config, from, &device)?;
	while trainer.step_count() < at {
		trainer.train_step(data)?;
	}
	let now = trainer.checkpoint();
	let after = match fault {
		Fault::Perturbed(size) => {
			trainer.train_step(data)?;
			let mut c = trainer.checkpoint();
			let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
			if let Some(t) = c.weights.values_mut().next() {
				for v in &mut t.values {
					let u = (rng.next_u32() >> 8) as f32 / 16_777_216.0 * 2.0 - 1.0;
					*v += *v * u * size;
				}
			}
			c
		}
		Fault::Skipped => Checkpoint { step: now.step.saturating_add(1), ..now },
		Fault::ReplacedBatch => {
			let mut shifted = Trainer::from_checkpoint(
				spec,
				config,
				&Checkpoint { step: now.step.saturating_add(1), ..now.clone() },
				&device,
			)?;
			shifted.train_step(data)?;
			Checkpoint { step: now.step.saturating_add(1), ..shifted.checkpoint() }
		}
		Fault::LargerLr => {
			let optimizer = match config.optimizer {
				OptimizerConfig::Sgd { lr, momentum } => {
					OptimizerConfig::Sgd { lr: lr * 1.1, momentum }
				}
				OptimizerConfig::Adam { lr, beta1, beta2, epsilon } => {
					OptimizerConfig::Adam { lr: lr * 1.1, beta1, beta2, epsilon }
				}
			};
			let mut t =
				Trainer::from_checkpoint(spec, TrainConfig { optimizer, ..config }, &now, &device)?;
			t.train_step(data)?;
			t.checkpoint()
		}
	};
	let mut trainer = Trainer::from_checkpoint(spec, config, &after, &device)?;
	while trainer.step_count() < from.step.saturating_add(k) {
		trainer.train_step(data)?;
	}
	Ok(trainer.checkpoint())
}

fn calibrate(opts: &Opts) -> Result<()> {
	let (data, source) = load_data(opts)?;
	let work = std::env::temp_dir().join(format!("verity-calibrate-{}", std::process::id()));
	std::fs::create_dir_all(&work)
		.map_err(|e| verity_ml::Error::io(work.display().to_string(), e))?;
	println!(
		"data: {source}; batch {BATCH}; warm-up {} steps; segment K = {} steps; safety factor {}",
		opts.warmup, opts.segment, opts.safety
	);
	println!(
		"backends: {}; thread counts: {:?}\n",
		Backend::compiled().iter().map(|b| b.name()).collect::<Vec<_>>().join(", "),
		opts.threads
	);
	let mut summary = Vec::new();
	for (spec, config) in cases(opts)? {
		let name = case_name(&spec, &config);
		println!("== {name}");
		let device = Backend::NdArray.device()?;
		let mut trainer = Trainer::new(&spec, config, &device)?;
		while trainer.step_count() < opts.warmup {
			trainer.train_step(&data)?;
		}
		let start = trainer.checkpoint();
		let start_path = work.join("start.safetensors");
		start.save(&start_path, &spec, &config, Backend::NdArray)?;

		let mut variants: Vec<(String, Checkpoint, Checkpoint)> = Vec::new();
		for backend in Backend::compiled() {
			for &threads in &opts.threads {
				let out = work.join(format!("{}-{threads}", backend.name()));
				let (one, seg) = child(&start_path, &out, threads, backend, opts)?;
				variants.push((format!("{backend} × {threads} threads"), one, seg));
			}
		}
		let Some((_, reference_one, reference_seg)) = variants.first().cloned() else {
			return Err(verity_ml::Error::Config("no backend and thread count to compare".into()));
		};
		let mut honest_step = 0f64;
		let mut honest_segment = 0f64;
		println!("  {:<28} {:>13} {:>13}  segment hash", "variant", "d(1 step)", "d(K steps)");
		for (label, one, seg) in &variants {
			let d1 = Divergence::between(one, &reference_one)?.max();
			let dk = Divergence::between(seg, &reference_seg)?.max();
			honest_step = honest_step.max(d1);
			honest_segment = honest_segment.max(dk);
			println!("  {label:<28} {d1:>13.3e} {dk:>13.3e}  {}", &hex(&seg.hash())[..16]);
		}
		let (probe_one, probe_seg) = replay_both(
			&spec,
			config,
			&data,
			&ulp_noise(&start, 9),
			opts.segment,
			Backend::NdArray,
		)?;
		// The probe is compared with an in-process honest replay (same threads).
		let (local_one, local_seg) =
			replay_both(&spec, config, &data, &start, opts.segment, Backend::NdArray)?;
		let p1 = Divergence::between(&probe_one, &local_one)?.max();
		let pk = Divergence::between(&probe_seg, &local_seg)?.max();
		println!("  {:<28} {p1:>13.3e} {pk:>13.3e}", "ulp probe (1 rounding/value)");
		honest_step = honest_step.max(p1);
		honest_segment = honest_segment.max(pk);
		let eps_step = opts.safety * honest_step;
		let eps_segment = opts.safety * honest_segment;
		println!("  recommended ε: one step {eps_step:.1e}, segment of {} steps {eps_segment:.1e} (safety ×{})", opts.segment, opts.safety);
		for fault in [
			Fault::Perturbed(1e-3),
			Fault::Perturbed(1e-4),
			Fault::Skipped,
			Fault::ReplacedBatch,
			Fault::LargerLr,
		] {
			let bad = faulty_segment(&spec, config, &data, &start, opts.segment, fault)?;
			let d = Divergence::between(&bad, &local_seg)?.max();
			println!(
				"  fault {:<22} d = {d:.3e}  ({:.0}× ε)",
				format!("{fault:?}"),
				d / eps_segment.max(f64::MIN_POSITIVE)
			);
		}
		println!();
		summary.push((name, eps_step, eps_segment));
	}
	println!("summary (ε for one step, ε for a {}-step segment):", opts.segment);
	for (name, s, k) in summary {
		println!("  {name:<32} {s:.1e}  {k:.1e}");
	}
	let _ = std::fs::remove_dir_all(&work);
	Ok(())
}

fn run() -> Result<()> {
	let cli = Cli::parse();
	match cli.command {
		Some(Cmd::Worker { from, out, backend, opts }) => worker(&from, &out, backend, &opts),
		Some(Cmd::Hash { arch, steps, seed, backend, batch }) => {
			let spec = parse_spec(&arch)?;
			let shape: Vec<usize> = match &spec {
				ArchitectureSpec::Mlp(m) => vec![m.inputs as usize],
				ArchitectureSpec::LeNet(l) => {
					vec![usize::from(l.channels), usize::from(l.height), usize::from(l.width)]
				}
			};
			let data = synthetic(256, &shape, spec.classes(), 0.3, 3)?;
			let config =
				TrainConfig { seed, batch_size: batch, optimizer: OptimizerConfig::adam(1e-3) };
			let device = backend.device()?;
			let (trainer, _) = verity_ml::train::train(
				&spec,
				config,
				&data,
				steps,
				steps.max(1),
				&device,
				|_| Ok(()),
			)?;
			println!("{}", hex(&verity_ml::params::weights_hash(&trainer.params())));
			Ok(())
		}
		None => calibrate(&cli.opts),
	}
}

fn main() {
	if let Err(e) = run() {
		eprintln!("error: {e}");
		std::process::exit(1);
	}
}
