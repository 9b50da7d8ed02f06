//! Random draws: workers for jobs, audits and juries, and the segments to audit.

use super::*;
use sp_runtime::traits::UniqueSaturatedInto;

/// A stream of pseudo-random numbers from one seed: `blake2_256(seed ‖ counter)`.
pub(crate) struct RandomStream {
	seed: Hash256,
	counter: u32,
}

impl RandomStream {
	/// A stream for one draw: the runtime's randomness for `purpose`, bound to `subject`
	/// (a job or dispute id) so draws for different subjects in one block differ.
	pub(crate) fn new<T: Config>(purpose: &[u8], subject: u64) -> Self {
		let (random, _) = T::Randomness::random(purpose);
		let seed = sp_io::hashing::blake2_256(&(random, purpose, subject).encode());
		Self { seed, counter: 0 }
	}

	/// A stream from randomness recorded earlier (a scheduled draw), bound to `subject`.
	pub(crate) fn recorded(seed: Hash256, purpose: &[u8], subject: u64) -> Self {
		let seed = sp_io::hashing::blake2_256(&(seed, purpose, subject).encode());
		Self { seed, counter: 0 }
	}

	/// A stream from a fixed seed (tests and benchmarks of the draw itself).
	#[cfg(test)]
	pub(crate) fn from_seed(seed: Hash256) -> Self {
		Self { seed, counter: 0 }
	}

	fn next_u128(&mut self) -> u128 {
		let block = sp_io::hashing::blake2_256(&(self.seed, self.counter).encode());
		self.counter = self.counter.wrapping_add(1);
		let mut bytes = [0u8; 16];
		bytes.copy_from_slice(block.get(..16).unwrap_or(&[0u8; 16]));
		u128::from_le_bytes(bytes)
	}

	/// A number in `[0, bound)`; `bound` must be non-zero. The modulo bias is below
	/// `bound / 2^128`, negligible for any stake total.
	pub(crate) fn below(&mut self, bound: u128) -> u128 {
		self.next_u128().checked_rem(bound).unwrap_or(0)
	}
}

/// What a draw of workers requires of each one.
pub(crate) struct Eligibility<'a, AccountId, Balance> {
	/// Free stake at least this (the bond it will commit).
	pub bond: Balance,
	/// A declared model-size limit at least this.
	pub parameters: u64,
	/// Never these accounts (the poster, the parties, those already drawn).
	pub exclude: &'a [AccountId],
	/// Only workers of this determinism class, if set.
	pub class: Option<DeterminismClass>,
}

impl<T: Config> Pallet<T> {
	/// Draws up to `count` distinct online workers meeting `eligibility`, each with
	/// probability proportional to its weight (free stake × reputation) among those left,
	/// skipping any `accept` refuses (e.g. no access to a private dataset). Reads the
	/// candidate set once; `accept` is asked only about drawn workers.
	pub(crate) fn draw_workers(
		stream: &mut RandomStream,
		count: u32,
		eligibility: &Eligibility<T::AccountId, BalanceOf<T>>,
		accept: impl Fn(&T::AccountId) -> bool,
	) -> Vec<T::AccountId> {
		let mut pool: Vec<(T::AccountId, u128)> = Candidates::<T>::get()
			.into_iter()
			.filter(|c| {
				c.free_stake >= eligibility.bond
					&& c.max_parameters >= eligibility.parameters
					&& !eligibility.exclude.contains(&c.who)
					&& eligibility.class.is_none_or(|class| c.determinism == class)
			})
			// A weight of zero would never be drawn; every eligible worker keeps a chance.
			.map(|c| (c.who, UniqueSaturatedInto::<u128>::unique_saturated_into(c.weight).max(1)))
			.collect();
		let mut total = pool.iter().fold(0u128, |sum, (_, weight)| sum.saturating_add(*weight));
		let mut drawn = Vec::new();
		while (drawn.len() as u32) < count && !pool.is_empty() {
			let mut target = stream.below(total);
			let index = pool
				.iter()
				.position(|(_, weight)| {
					if target < *weight {
						true
					} else {
						target = target.saturating_sub(*weight);
						false
					}
				})
				.unwrap_or(0);
			let (who, weight) = pool.swap_remove(index);
			total = total.saturating_sub(weight);
			if accept(&who) {
				drawn.push(who);
			}
		}
		drawn
	}
}

impl<T: Config> Pallet<T> {
	/// Schedules a draw on the randomness of block `at`, recorded when `at` is finalized.
	/// Fixing the block when the draw becomes possible means whoever calls the draw, and
	/// whenever, it draws the same: nobody can wait for a favourable seed.
	pub(crate) fn schedule_draw(at: BlockNumberFor<T>) {
		Seeds::<T>::mutate(at, |record| {
			let record = record.get_or_insert(SeedRecord { seed: None, waiting: 0 });
			record.waiting = record.waiting.saturating_add(1);
		});
	}

	/// A scheduled draw will not happen (its job or dispute ended first).
	pub(crate) fn cancel_draw(at: BlockNumberFor<T>) {
		Seeds::<T>::mutate_exists(at, |entry| match entry {
			Some(record) if record.waiting > 1 => record.waiting = record.waiting.saturating_sub(1),
			Some(_) => *entry = None,
			None => {
				defensive!("a scheduled draw has no seed record");
			}
		});
	}

	/// Records the seed of draws scheduled at block `n`, at the end of `n`.
	pub(crate) fn record_seed(n: BlockNumberFor<T>) {
		// One read in every block; a write only in blocks a draw waits on.
		let Some(mut record) = Seeds::<T>::get(n) else { return };
		if record.seed.is_none() {
			let (random, _) = T::Randomness::random(b"verity/compute/seed");
			record.seed = Some(sp_io::hashing::blake2_256(&random.encode()));
			Seeds::<T>::insert(n, record);
		}
	}

	/// The random stream of a draw scheduled at `at` (which must be finalized), for
	/// `purpose` and `subject`; the draw is no longer waiting afterwards.
	pub(crate) fn scheduled_stream(
		at: BlockNumberFor<T>,
		purpose: &[u8],
		subject: u64,
	) -> RandomStream {
		let seed = match Seeds::<T>::get(at).and_then(|record| record.seed) {
			Some(seed) => seed,
			None => {
				defensive!("a scheduled draw's block was finalized without its seed");
				let (random, _) = T::Randomness::random(purpose);
				sp_io::hashing::blake2_256(&random.encode())
			}
		};
		Self::cancel_draw(at);
		RandomStream::recorded(seed, purpose, subject)
	}
}
