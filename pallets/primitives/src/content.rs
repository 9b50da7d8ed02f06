//! Content hashes of files, and the binary Merkle tree they are built on.
//!
//! A dataset, a model's weights or a job's input is named on chain by its [`ContentHash`]:
//! the root of a blake2b-256 Merkle tree over fixed-size chunks of the file, and the file's
//! length in bytes. A worker recomputes it while downloading, so a file that does not match
//! its listing is refused before it is used; the chunk tree also lets a later protocol prove
//! a single chunk without the whole file.
//!
//! ## Construction
//!
//! - The file is cut into chunks of [`CHUNK_SIZE`] (1 MiB) bytes; the last chunk may be
//!   shorter. An empty file is one empty chunk.
//! - Leaf: `blake2b-256(0x00 ‖ chunk)`.
//! - Node: `blake2b-256(0x01 ‖ left ‖ right)`. The prefixes keep a leaf from ever being read
//!   as a node (second-preimage resistance).
//! - Each level pairs nodes left to right; an odd node at the end of a level is carried up
//!   unchanged (not duplicated, so no two leaf lists share a root).
//! - The root of a single leaf is that leaf.
//!
//! ## Test vectors
//!
//! | file | root |
//! |---|---|
//! | empty | `03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314` |
//! | `abc` | `4b44b5a5f9e6fafead231e4d609a8e88053a6053c087b68e24e31faf0fb8dfe7` |
//! | 1 MiB, byte `i` = `(7i + 3) mod 251` | `ba362b9acb806b61bed4769d85f285c934fa0beb486ef44bfdb36b9c2438aec3` |
//! | 2.5 MiB, same pattern | `3f73cf9ae94a5a0734bd2cf9923d53ca8d5d515c7c549cb023909dca73727b9d` |
//! | 3 MiB, same pattern | `274831e43d08e5ba695b50eb27d6f3915215482a09dfe48f4ba60a56161fcc18` |
//!
//! [`MerkleAccumulator`] builds the same tree over any sequence of leaf hashes (the
//! checkpoint hashes of a training run, for instance) in `O(log n)` memory.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A 32-byte blake2b-256 digest.
pub type Hash256 = [u8; 32];

/// Size of a content chunk: 1 MiB.
pub const CHUNK_SIZE: usize = 1 << 20;

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

fn blake2b_256() -> blake2b_simd::State {
	blake2b_simd::Params::new().hash_length(32).to_state()
}

fn digest(state: &blake2b_simd::State) -> Hash256 {
	let mut out = [0u8; 32];
	out.copy_from_slice(state.finalize().as_bytes());
	out
}

/// The leaf hash of one chunk (or of any leaf payload): `blake2b-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash256 {
	let mut state = blake2b_256();
	state.update(&[LEAF_PREFIX]);
	state.update(data);
	digest(&state)
}

/// The hash of an inner node: `blake2b-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash256, right: &Hash256) -> Hash256 {
	let mut state = blake2b_256();
	state.update(&[NODE_PREFIX]);
	state.update(left);
	state.update(right);
	digest(&state)
}

/// Builds the Merkle root of a stream of leaf hashes, keeping only one hash per level.
///
/// The leaves pushed so far form perfect subtrees of decreasing height (the binary digits
/// of the leaf count); the root folds them from the right, which is the same tree as
/// pairing level by level and carrying an odd node up.
#[derive(Clone, Debug, Default)]
pub struct MerkleAccumulator {
	/// `(height, root)` of each perfect subtree, tallest first.
	subtrees: Vec<(u32, Hash256)>,
	leaves: u64,
}

impl MerkleAccumulator {
	/// An accumulator with no leaves.
	pub fn new() -> Self {
		Self::default()
	}

	/// Appends a leaf hash.
	pub fn push(&mut self, leaf: Hash256) {
		self.leaves = self.leaves.saturating_add(1);
		let mut node = (0u32, leaf);
		while let Some(&(height, left)) = self.subtrees.last() {
			if height != node.0 {
				break;
			}
			self.subtrees.pop();
			node = (height.saturating_add(1), node_hash(&left, &node.1));
		}
		self.subtrees.push(node);
	}

	/// The number of leaves pushed.
	pub fn len(&self) -> u64 {
		self.leaves
	}

	/// Whether no leaf was pushed.
	pub fn is_empty(&self) -> bool {
		self.leaves == 0
	}

	/// The root over all leaves pushed, or `None` if there are none.
	pub fn root(&self) -> Option<Hash256> {
		let mut subtrees = self.subtrees.iter().rev();
		let mut root = subtrees.next()?.1;
		for (_, left) in subtrees {
			root = node_hash(left, &root);
		}
		Some(root)
	}
}

/// The Merkle root of `leaves`, or `None` if there are none.
pub fn merkle_root(leaves: impl IntoIterator<Item = Hash256>) -> Option<Hash256> {
	let mut accumulator = MerkleAccumulator::new();
	leaves.into_iter().for_each(|leaf| accumulator.push(leaf));
	accumulator.root()
}

/// The sibling hashes that prove leaf `index` of `leaves` is under their [`merkle_root`],
/// bottom level first; `None` if `index` is out of range. A leaf carried up unchanged at a
/// level (the odd one at the end) has no sibling there, so a proof is at most
/// `⌈log2 n⌉` hashes long.
pub fn merkle_proof(leaves: &[Hash256], index: usize) -> Option<Vec<Hash256>> {
	if index >= leaves.len() {
		return None;
	}
	let mut proof = Vec::new();
	let mut level = leaves.to_vec();
	let mut position = index;
	while level.len() > 1 {
		let sibling = position ^ 1;
		if let Some(hash) = level.get(sibling) {
			proof.push(*hash);
		}
		level = level
			.chunks(2)
			.map(|pair| match pair {
				[left, right] => node_hash(left, right),
				// The odd node at the end of a level is carried up.
				_ => pair.first().copied().unwrap_or_default(),
			})
			.collect();
		position /= 2;
	}
	Some(proof)
}

/// Whether `proof` shows that `leaf` is leaf `index` of a tree of `leaf_count` leaves with
/// root `root` (the tree of [`merkle_root`]). Runs in `O(log n)` without allocating, so the
/// runtime can check a revealed checkpoint hash against a committed root.
pub fn verify_merkle_proof(
	root: &Hash256,
	leaf_count: u64,
	index: u64,
	leaf: Hash256,
	proof: &[Hash256],
) -> bool {
	if index >= leaf_count {
		return false;
	}
	let mut node = leaf;
	let (mut position, mut width) = (index, leaf_count);
	let mut siblings = proof.iter();
	while width > 1 {
		let has_sibling = position % 2 == 1 || position.saturating_add(1) < width;
		if has_sibling {
			let Some(sibling) = siblings.next() else { return false };
			node = if position % 2 == 1 {
				node_hash(sibling, &node)
			} else {
				node_hash(&node, sibling)
			};
		}
		position /= 2;
		width = width.div_ceil(2);
	}
	siblings.next().is_none() && node == *root
}

/// What names a file on chain: the Merkle root over its chunks and its length in bytes.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct ContentHash {
	/// Merkle root over the file's chunks.
	pub root: Hash256,
	/// Length of the file in bytes.
	pub size: u64,
}

impl ContentHash {
	/// The content hash of `data`, held whole in memory.
	pub fn of(data: &[u8]) -> Self {
		let mut hasher = ContentHasher::new();
		hasher.update(data);
		hasher.finalize()
	}
}

/// Computes a [`ContentHash`] over a file fed in pieces of any size, e.g. while it downloads.
///
/// Memory use is one chunk plus one hash per tree level.
#[derive(Clone, Debug)]
pub struct ContentHasher {
	chunk: blake2b_simd::State,
	chunk_len: usize,
	tree: MerkleAccumulator,
	size: u64,
}

impl Default for ContentHasher {
	fn default() -> Self {
		Self::new()
	}
}

impl ContentHasher {
	/// A hasher that has seen no bytes.
	pub fn new() -> Self {
		Self { chunk: Self::new_chunk(), chunk_len: 0, tree: MerkleAccumulator::new(), size: 0 }
	}

	fn new_chunk() -> blake2b_simd::State {
		let mut state = blake2b_256();
		state.update(&[LEAF_PREFIX]);
		state
	}

	/// Feeds the next bytes of the file.
	pub fn update(&mut self, mut data: &[u8]) {
		self.size = self.size.saturating_add(data.len() as u64);
		while !data.is_empty() {
			let room = CHUNK_SIZE.saturating_sub(self.chunk_len);
			let (now, rest) = data.split_at(room.min(data.len()));
			self.chunk.update(now);
			self.chunk_len = self.chunk_len.saturating_add(now.len());
			data = rest;
			if self.chunk_len == CHUNK_SIZE {
				let full = core::mem::replace(&mut self.chunk, Self::new_chunk());
				self.tree.push(digest(&full));
				self.chunk_len = 0;
			}
		}
	}

	/// The content hash of every byte fed so far.
	pub fn finalize(mut self) -> ContentHash {
		// A partial last chunk is a leaf; so is the single empty chunk of an empty file.
		if self.chunk_len > 0 || self.tree.is_empty() {
			self.tree.push(digest(&self.chunk));
		}
		let root = self.tree.root().unwrap_or_else(|| leaf_hash(&[]));
		ContentHash { root, size: self.size }
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;

	fn hex(hash: &Hash256) -> alloc::string::String {
		hash.iter().map(|b| alloc::format!("{b:02x}")).collect()
	}

	fn pattern(len: usize) -> Vec<u8> {
		(0..len).map(|i| ((i * 7 + 3) % 251) as u8).collect()
	}

	/// The construction as documented: pair level by level, carry an odd node up.
	fn reference_root(leaves: &[Hash256]) -> Hash256 {
		let mut level = leaves.to_vec();
		while level.len() > 1 {
			level = level
				.chunks(2)
				.map(|pair| if pair.len() == 2 { node_hash(&pair[0], &pair[1]) } else { pair[0] })
				.collect();
		}
		level[0]
	}

	#[test]
	fn matches_published_test_vectors() {
		let cases: [(&[u8], &str); 2] = [
			(b"", "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"),
			(b"abc", "4b44b5a5f9e6fafead231e4d609a8e88053a6053c087b68e24e31faf0fb8dfe7"),
		];
		for (data, root) in cases {
			let hash = ContentHash::of(data);
			assert_eq!(hex(&hash.root), root);
			assert_eq!(hash.size, data.len() as u64);
		}
		let three_mib = pattern(3 * CHUNK_SIZE);
		for (len, root) in [
			(CHUNK_SIZE, "ba362b9acb806b61bed4769d85f285c934fa0beb486ef44bfdb36b9c2438aec3"),
			(
				5 * CHUNK_SIZE / 2,
				"3f73cf9ae94a5a0734bd2cf9923d53ca8d5d515c7c549cb023909dca73727b9d",
			),
			(3 * CHUNK_SIZE, "274831e43d08e5ba695b50eb27d6f3915215482a09dfe48f4ba60a56161fcc18"),
		] {
			assert_eq!(hex(&ContentHash::of(&three_mib[..len]).root), root, "{len} bytes");
		}
	}

	#[test]
	fn empty_file_is_one_empty_leaf() {
		assert_eq!(ContentHash::of(&[]), ContentHash { root: leaf_hash(&[]), size: 0 });
	}

	#[test]
	fn streaming_in_any_piece_size_gives_the_same_hash() {
		let data = pattern(2 * CHUNK_SIZE + 12_345);
		let whole = ContentHash::of(&data);
		for piece in [1usize, 1000, 65_536, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1] {
			let mut hasher = ContentHasher::new();
			data.chunks(piece).for_each(|p| hasher.update(p));
			assert_eq!(hasher.finalize(), whole, "pieces of {piece} bytes");
		}
	}

	#[test]
	fn accumulator_matches_level_by_level_construction() {
		for n in 1..=70u32 {
			let leaves: Vec<Hash256> = (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect();
			assert_eq!(
				merkle_root(leaves.iter().copied()),
				Some(reference_root(&leaves)),
				"{n} leaves"
			);
		}
		assert_eq!(merkle_root([]), None);
	}

	#[test]
	fn one_changed_byte_or_length_changes_the_hash() {
		let data = pattern(CHUNK_SIZE + 10);
		let mut changed = data.clone();
		changed[CHUNK_SIZE + 3] ^= 1;
		assert_ne!(ContentHash::of(&data).root, ContentHash::of(&changed).root);
		assert_ne!(ContentHash::of(&data).root, ContentHash::of(&data[..data.len() - 1]).root);
	}

	#[test]
	fn a_leaf_is_never_read_as_a_node() {
		let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
		let mut as_bytes = a.to_vec();
		as_bytes.extend_from_slice(&b);
		assert_ne!(node_hash(&a, &b), leaf_hash(&as_bytes));
	}

	#[test]
	fn proofs_verify_for_every_leaf_and_nothing_else() {
		for n in 1..=40usize {
			let leaves: Vec<Hash256> = (0..n as u32).map(|i| leaf_hash(&i.to_le_bytes())).collect();
			let root = merkle_root(leaves.iter().copied()).unwrap();
			for (index, leaf) in leaves.iter().enumerate() {
				let proof = merkle_proof(&leaves, index).unwrap();
				assert!(proof.len() <= (n as f64).log2().ceil() as usize);
				assert!(verify_merkle_proof(&root, n as u64, index as u64, *leaf, &proof));
				let other = (index + 1) % n;
				if other != index {
					assert!(!verify_merkle_proof(&root, n as u64, other as u64, *leaf, &proof));
				}
				assert!(!verify_merkle_proof(&root, n as u64, index as u64, [7; 32], &proof));
				let mut longer = proof.clone();
				longer.push([0; 32]);
				assert!(!verify_merkle_proof(&root, n as u64, index as u64, *leaf, &longer));
			}
			assert_eq!(merkle_proof(&leaves, n), None);
			assert!(!verify_merkle_proof(&root, n as u64, n as u64, leaves[0], &[]));
		}
	}
}
