//! The one way this crate hashes: blake2b-256 opened with a domain tag.
//!
//! Every hash of verity-ml (weights, optimizer state, checkpoints, the seeds of the
//! initialisation and data-order streams) is `blake2b-256(str(tag) ‖ fields…)`, with every
//! integer little-endian and `str(x) = u64 len(x) ‖ x`. The tag names what is hashed and
//! the format's version (`verity-ml/checkpoint/v1`), so two kinds of hash can never collide
//! and a format change is a new tag, never a silent edit.

use verity_primitives::Hash256;

/// A blake2b-256 state that has absorbed its domain tag.
pub struct TaggedHasher(blake2b_simd::State);

impl TaggedHasher {
	/// A hasher for `tag` (`verity-ml/<what>/v<n>`).
	pub fn new(tag: &str) -> Self {
		let mut hasher = Self(blake2b_simd::Params::new().hash_length(32).to_state());
		hasher.str(tag);
		hasher
	}

	/// Absorbs `u64 len(s) ‖ s`.
	pub fn str(&mut self, s: &str) -> &mut Self {
		self.u64(s.len() as u64);
		self.0.update(s.as_bytes());
		self
	}

	/// Absorbs a little-endian `u64`.
	pub fn u64(&mut self, value: u64) -> &mut Self {
		self.0.update(&value.to_le_bytes());
		self
	}

	/// Absorbs raw bytes (fixed-size fields such as other hashes, or values whose length
	/// was absorbed before).
	pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
		self.0.update(bytes);
		self
	}

	/// The 32-byte digest.
	pub fn finish(&self) -> Hash256 {
		let mut out = [0u8; 32];
		out.copy_from_slice(self.0.finalize().as_bytes());
		out
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn absorbs_the_tag_as_a_length_prefixed_string() {
		let mut by_hand = blake2b_simd::Params::new().hash_length(32).to_state();
		by_hand.update(&3u64.to_le_bytes()).update(b"tag").update(&7u64.to_le_bytes());
		let mut tagged = TaggedHasher::new("tag");
		tagged.u64(7);
		assert_eq!(tagged.finish().as_slice(), by_hand.finalize().as_bytes());
	}

	#[test]
	fn different_tags_give_different_hashes() {
		assert_ne!(TaggedHasher::new("a/v1").finish(), TaggedHasher::new("a/v2").finish());
	}
}
