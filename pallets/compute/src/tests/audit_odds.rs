//! The audit's catch probability, as documented in `audit.rs`, and the draws behind it.

use crate::{
	audit::{audited_segments, draw_segments, escape_probability},
	draw::RandomStream,
};
use sp_runtime::Perbill;

#[test]
fn escape_probability_matches_the_documented_table() {
	let rate = Perbill::from_percent(10);
	let audited = audited_segments(100, rate, 64);
	assert_eq!(audited, 10);
	for (falsified, expected) in [(1, 0.90), (5, 0.5838), (10, 0.3305), (20, 0.0951), (50, 0.0006)]
	{
		let p = escape_probability(100, falsified, audited).deconstruct() as f64 / 1e9;
		assert!((p - expected).abs() < 1e-3, "f = {falsified}: {p} vs {expected}");
	}
	assert_eq!(escape_probability(100, 0, 10), Perbill::one());
	assert_eq!(escape_probability(10, 5, 6), Perbill::zero());
}

#[test]
fn at_least_one_segment_is_always_audited_and_the_cap_holds() {
	assert_eq!(audited_segments(100, Perbill::zero(), 16), 1);
	assert_eq!(audited_segments(3, Perbill::one(), 16), 3);
	assert_eq!(audited_segments(1_000, Perbill::from_percent(50), 16), 16);
	assert_eq!(audited_segments(7, Perbill::from_percent(10), 16), 1);
}

#[test]
fn drawn_segments_are_distinct_sorted_and_in_range() {
	for seed in 0..200u8 {
		let mut stream = RandomStream::from_seed([seed; 32]);
		let drawn = draw_segments(&mut stream, 20, 7);
		assert_eq!(drawn.len(), 7);
		assert!(drawn.windows(2).all(|w| w[0] < w[1]));
		assert!(drawn.iter().all(|s| *s < 20));
	}
	assert_eq!(draw_segments(&mut RandomStream::from_seed([0; 32]), 3, 5), vec![0, 1, 2]);
}

/// Simulates the real draw: a trainer that falsifies `f` fixed segments escapes as often
/// as the formula says.
#[test]
fn a_cheater_escapes_as_often_as_the_formula_says() {
	let (segments, audited, trials) = (40u32, 4u32, 20_000u32);
	for falsified in [1u32, 4, 10] {
		let mut escapes = 0u32;
		for trial in 0..trials {
			let mut seed = [0u8; 32];
			seed[..4].copy_from_slice(&trial.to_le_bytes());
			seed[4] = falsified as u8;
			let drawn = draw_segments(&mut RandomStream::from_seed(seed), segments, audited);
			// The cheater falsified the last `f` segments.
			if drawn.iter().all(|s| *s < segments - falsified) {
				escapes += 1;
			}
		}
		let simulated = f64::from(escapes) / f64::from(trials);
		let formula = escape_probability(segments, falsified, audited).deconstruct() as f64 / 1e9;
		assert!((simulated - formula).abs() < 0.015, "f = {falsified}: {simulated} vs {formula}");
	}
}
