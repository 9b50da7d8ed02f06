#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)] // test code: a panic is the failure report
//! Training, checkpoints, replay and tolerance on small synthetic data.

use verity_ml::data::{synthetic, Dataset};
use verity_ml::model::{lenet_spec, mlp_spec};
use verity_ml::params::weights_hash;
use verity_ml::replay::{replay, replay_step, verify_segment};
use verity_ml::tolerance::Divergence;
use verity_ml::train::train;
use verity_ml::{Backend, Checkpoint, OptimizerConfig, TrainConfig, Trainer};
use verity_primitives::content::merkle_root;
use verity_primitives::{Activation, ArchitectureSpec};

fn mlp() -> (ArchitectureSpec, Dataset) {
	let spec = mlp_spec(20, &[16, 12], 4, Activation::Relu).unwrap();
	(spec, synthetic(96, &[20], 4, 0.3, 11).unwrap())
}

fn lenet() -> (ArchitectureSpec, Dataset) {
	let spec = lenet_spec(1, 16, 16, 3).unwrap();
	(spec, synthetic(48, &[1, 16, 16], 3, 0.3, 12).unwrap())
}

fn sgd(seed: u64) -> TrainConfig {
	TrainConfig { seed, batch_size: 16, optimizer: OptimizerConfig::sgd(0.05, 0.9) }
}

fn adam(seed: u64) -> TrainConfig {
	TrainConfig { seed, batch_size: 8, optimizer: OptimizerConfig::adam(1e-3) }
}

fn run(spec: &ArchitectureSpec, config: TrainConfig, data: &Dataset, steps: u64) -> Trainer {
	let device = Backend::NdArray.device().unwrap();
	train(spec, config, data, steps, steps.max(1), &device, |_| Ok(())).unwrap().0
}

#[test]
fn same_seed_same_weights_bit_for_bit() {
	for (spec, data, config) in [(mlp().0, mlp().1, sgd(3)), (lenet().0, lenet().1, adam(3))] {
		let a = weights_hash(&run(&spec, config, &data, 7).params());
		let b = weights_hash(&run(&spec, config, &data, 7).params());
		assert_eq!(a, b, "{spec:?}");
		let other = TrainConfig { seed: 4, ..config };
		assert_ne!(a, weights_hash(&run(&spec, other, &data, 7).params()));
	}
}

#[test]
fn same_weights_whatever_the_rayon_thread_count() {
	for (spec, data, config) in [(mlp().0, mlp().1, adam(5)), (lenet().0, lenet().1, sgd(5))] {
		let hashes: Vec<_> = [1usize, 2, 3, 8]
			.into_iter()
			.map(|threads| {
				let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
				pool.install(|| weights_hash(&run(&spec, config, &data, 6).params()))
			})
			.collect();
		assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{spec:?}: {hashes:?}");
	}
}

#[test]
fn training_reduces_the_loss_with_both_optimizers() {
	let (spec, data) = mlp();
	let device = Backend::NdArray.device().unwrap();
	for config in [sgd(1), adam(1)] {
		let config = TrainConfig {
			optimizer: match config.optimizer {
				OptimizerConfig::Adam { .. } => OptimizerConfig::adam(1e-2),
				other => other,
			},
			..config
		};
		let mut trainer = Trainer::new(&spec, config, &device).unwrap();
		let first = trainer.train_step(&data).unwrap();
		let mut last = first;
		for _ in 0..60 {
			last = trainer.train_step(&data).unwrap();
		}
		assert!(last < first * 0.5, "{config:?}: loss {first} -> {last}");
		let model = trainer.inference_model().unwrap();
		let eval = verity_ml::infer::evaluate(&model, &data, &device).unwrap();
		assert!(eval.accuracy() > 0.9, "{config:?}: {eval:?}");
	}
}

#[test]
fn checkpoints_are_logged_merkleized_and_replayable() {
	let (spec, data) = lenet();
	let config = adam(9);
	let device = Backend::NdArray.device().unwrap();
	let mut checkpoints: Vec<Checkpoint> = Vec::new();
	let (trainer, log) = train(&spec, config, &data, 10, 4, &device, |c| {
		checkpoints.push(c.clone());
		Ok(())
	})
	.unwrap();
	let steps: Vec<u64> = log.entries().iter().map(|(s, _)| *s).collect();
	assert_eq!(steps, vec![0, 4, 8, 10]);
	let hashes: Vec<_> = checkpoints.iter().map(Checkpoint::hash).collect();
	assert_eq!(log.entries().iter().map(|(_, h)| *h).collect::<Vec<_>>(), hashes);
	assert_eq!(log.root(), merkle_root(hashes.iter().copied()));
	assert_eq!(checkpoints.last().unwrap().weights, trainer.params());
	assert!(checkpoints[0].optimizer.values().all(|t| t.values.iter().all(|v| *v == 0.0)));

	// A segment replays bit for bit, and so does a single step.
	let replayed = replay(&spec, config, &data, &checkpoints[1], 8, &device).unwrap();
	assert_eq!(replayed.hash(), checkpoints[2].hash());
	let verdict =
		verify_segment(&spec, config, &data, &checkpoints[2], &checkpoints[3], 1e-6, &device)
			.unwrap();
	assert!(verdict.exact() && verdict.accepted());
	assert_eq!(verdict.divergence.max(), 0.0);
	let one = replay_step(&spec, config, &data, &checkpoints[0], &device).unwrap();
	assert_eq!(one.step, 1);
	let mut fresh = Trainer::new(&spec, config, &device).unwrap();
	fresh.train_step(&data).unwrap();
	assert_eq!(one.hash(), fresh.checkpoint().hash());

	// Files round-trip, and a tampered file is refused.
	let bytes = checkpoints[2].to_bytes(&spec, &config, Backend::NdArray).unwrap();
	assert_eq!(
		Checkpoint::computed_by(&bytes).unwrap(),
		Some(Backend::NdArray.determinism_tag()),
		"the file names what computed it"
	);
	let (loaded, loaded_spec, loaded_config) = Checkpoint::from_bytes(&bytes).unwrap();
	assert_eq!(
		(loaded.hash(), loaded_spec, loaded_config),
		(checkpoints[2].hash(), spec.clone(), config)
	);
	let mut tampered = bytes.clone();
	let n = tampered.len();
	tampered[n - 3] ^= 0x40;
	assert!(Checkpoint::from_bytes(&tampered).is_err());
	assert!(Checkpoint::from_bytes(b"garbage").is_err());
}

#[test]
fn a_perturbed_step_is_rejected() {
	let (spec, data) = mlp();
	let config = sgd(2);
	let device = Backend::NdArray.device().unwrap();
	let start = Trainer::new(&spec, config, &device).unwrap().checkpoint();
	let honest = replay(&spec, config, &data, &start, 3, &device).unwrap();
	let mut forged = honest.clone();
	let w = forged.weights.get_mut("layers.1.weight").unwrap();
	w.values[5] += 0.01;
	let verdict = verify_segment(&spec, config, &data, &start, &forged, 1e-5, &device).unwrap();
	assert!(!verdict.exact() && !verdict.accepted());
	assert!(verdict.divergence.weights > 1e-3);
	assert_eq!(Divergence::between(&honest, &honest).unwrap().max(), 0.0);
	// Checkpoints of another architecture or of the wrong step are refused.
	let (other_spec, _) = lenet();
	assert!(Trainer::from_checkpoint(&other_spec, config, &start, &device).is_err());
	assert!(Divergence::between(&start, &honest).is_err());
}

#[test]
fn resuming_from_a_checkpoint_equals_training_straight_through() {
	let (spec, data) = mlp();
	let config = adam(21);
	let device = Backend::NdArray.device().unwrap();
	// 96 samples / 8 = 12 steps per epoch: 30 steps cross two epoch boundaries.
	let straight = run(&spec, config, &data, 30).checkpoint();
	let mut first = Trainer::new(&spec, config, &device).unwrap();
	for _ in 0..13 {
		first.train_step(&data).unwrap();
	}
	let bytes = first.checkpoint().to_bytes(&spec, &config, Backend::NdArray).unwrap();
	let (middle, _, _) = Checkpoint::from_bytes(&bytes).unwrap();
	let resumed = replay(&spec, config, &data, &middle, 30, &device).unwrap();
	assert_eq!(resumed.hash(), straight.hash());
}
