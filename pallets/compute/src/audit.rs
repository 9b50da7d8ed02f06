//! Which segments of a training run are audited, and what that buys.
//!
//! After a trainer submits, `a = max(1, ⌈rate × n⌉)` of its `n` segments (capped by
//! `Config::MaxAuditsPerJob`) are drawn uniformly without replacement. A trainer that
//! falsified `f` segments escapes every audit only if all `a` fall among the `n − f`
//! honest ones: probability `C(n − f, a) / C(n, a) = Π_{i<a} (n − f − i) / (n − i)`, at
//! most `(1 − a/n)^f`. The table (audit rate 10%, honest auditors, no challengers):
//!
//! | n | f | escape |
//! |---|---|---|
//! | 100 | 1 | 0.90 |
//! | 100 | 5 | 0.58 |
//! | 100 | 10 | 0.33 |
//! | 100 | 20 | 0.095 |
//! | 100 | 50 | 0.0006 |
//!
//! Cheating saves compute only in proportion to `f/n`, while the chance of losing the
//! bond and part of the stake grows with it; the bond ratio and stake slash set the price.

use super::*;
use crate::draw::RandomStream;
use sp_runtime::traits::Saturating;

/// How many of `segments` a job with `rate` audits, given the per-job cap.
pub fn audited_segments(segments: u32, rate: Perbill, cap: u32) -> u32 {
	rate.mul_ceil(segments).max(1).min(cap).min(segments)
}

/// The probability that none of `audited` segments drawn uniformly without replacement
/// from `segments` hits one of `falsified`: `C(n − f, a) / C(n, a)`.
pub fn escape_probability(segments: u32, falsified: u32, audited: u32) -> Perbill {
	if falsified == 0 {
		return Perbill::one();
	}
	if audited.saturating_add(falsified) > segments {
		return Perbill::zero();
	}
	(0..audited).fold(Perbill::one(), |p, i| {
		let honest_left = segments.saturating_sub(falsified).saturating_sub(i);
		let left = segments.saturating_sub(i);
		p.saturating_mul(Perbill::from_rational(honest_left, left))
	})
}

/// Draws `count` distinct segments of `0..segments`, uniformly, in ascending order.
pub(crate) fn draw_segments(stream: &mut RandomStream, segments: u32, count: u32) -> Vec<u32> {
	let mut chosen: Vec<u32> = Vec::new();
	for i in 0..count.min(segments) {
		// The k-th smallest segment not yet chosen, for a uniform k.
		let left = segments.saturating_sub(i);
		let mut pick = stream.below(u128::from(left)) as u32;
		let mut position = 0;
		for taken in &chosen {
			if *taken <= pick {
				pick = pick.saturating_add(1);
				position = position.saturating_add(1);
			} else {
				break;
			}
		}
		chosen.insert(position, pick);
	}
	chosen
}
