// The checkpoint Merkle tree of `verity_primitives::content`, for tests that commit to
// checkpoints without training.
import { u8aConcat } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

/** One level up: pairs hashed with `blake2b-256(0x01 ‖ left ‖ right)`, an odd node carried up. */
function nextLevel(level: Uint8Array[]): Uint8Array[] {
  const next: Uint8Array[] = [];
  for (let i = 0; i < level.length; i += 2) {
    next.push(
      i + 1 < level.length ? blake2AsU8a(u8aConcat(new Uint8Array([1]), level[i], level[i + 1]), 256) : level[i],
    );
  }
  return next;
}

export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  let level = leaves;
  while (level.length > 1) level = nextLevel(level);
  return level[0];
}

/** `verity_primitives::content::merkle_proof`: the siblings of leaf `index`, bottom level
 * first; an odd node carried up has no sibling at its level. */
export function merkleProof(leaves: Uint8Array[], index: number): Uint8Array[] {
  const proof: Uint8Array[] = [];
  let level = leaves;
  let position = index;
  while (level.length > 1) {
    const sibling = level[position ^ 1];
    if (sibling) proof.push(sibling);
    level = nextLevel(level);
    position = Math.floor(position / 2);
  }
  return proof;
}
