// Run by verity.zndsl on a collator: zombienet calls `run(nodeName, networkInfo, args)`
// with `zombie` (Polkadot.js, connected through `zombie.connect`) as a global; args[0] names
// a relay-chain node. Returns 0 when every check passes and throws on the first that fails.
//
// 1. A market call: Bob lists a dataset; the listing is in a finalized parachain block.
// 2. The randomness of the compute pallet's draws (audits, juries) on a relay-chain
//    network is the relay chain's BABE VRF output, not the parent-hash fallback of the dev
//    chain: a draw is scheduled at a future block N (sudo writes the `Seeds` record a
//    posted job would), the pallet records block N's seed when N ends, and the test
//    recomputes that seed from the relay chain's `Babe.AuthorVrfRandomness` at the relay
//    parent of block N (runtime/src/configs/verity.rs, `RelayChainRandomness`).
const { u8aConcat, u8aToHex, u8aEq, compactAddLength, stringToU8a } = require('@polkadot/util');
const { blake2AsU8a } = require('@polkadot/util-crypto');
const { submit } = require('./tx.js');

const SEED_SUBJECT = 'verity/compute/seed';

function log(message) {
  console.log(`    market-and-randomness: ${message}`);
}

async function finalizedNumber(api) {
  const head = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(head)).number.toNumber();
}

async function waitUntilFinalized(api, number) {
  for (;;) {
    if ((await finalizedNumber(api)) >= number) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function u32le(n) {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, n, true);
  return bytes;
}

async function run(nodeName, networkInfo, args) {
  const para = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri);
  const relay = await zombie.connect(networkInfo.nodesByName[args[0]].wsUri);
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');

  // 1. A market call, finalized.
  const id = (await para.query.datasets.nextDatasetId()).toNumber();
  const content = { root: u8aToHex(blake2AsU8a(stringToU8a(`zombienet dataset ${Date.now()}`))), size: 1_000_000 };
  const listed = await submit(
    para,
    para.tx.datasets.register(content, 'https://data.example.org/zombienet.idx', 'IdxArchive', 'Cc0', 0, 'Public', 'zombienet'),
    bob,
    { until: 'finalized' },
  );
  if (!listed.events.some(({ event }) => para.events.datasets.Registered.is(event))) {
    throw new Error('no Datasets.Registered event in the finalized block');
  }
  const listing = (await para.query.datasets.datasets(id)).unwrap();
  if (listing.owner.toString() !== bob.address) throw new Error('the listing is not Bob\'s');
  const listedAt = (await para.rpc.chain.getHeader(listed.blockHash)).number.toNumber();
  log(`dataset ${id} listed by Bob, finalized in parachain block #${listedAt}`);

  // 2. A draw scheduled at block N: the `Seeds` record a posted job writes (seed: None,
  // waiting: 1), SCALE-encoded as Option::None ‖ u32 LE.
  const best = (await para.rpc.chain.getHeader()).number.toNumber();
  const drawAt = best + 8;
  const record = '0x00' + '01000000';
  await submit(para, para.tx.sudo.sudo(para.tx.system.setStorage([[para.query.compute.seeds.key(drawAt), record]])), alice, {
    until: 'finalized',
  });
  const waiting = (await para.query.compute.seeds(drawAt)).unwrap();
  if (waiting.seed.isSome || waiting.waiting.toNumber() !== 1) {
    throw new Error(`the scheduled draw reads back as ${waiting.toString()}`);
  }
  log(`a draw scheduled at parachain block #${drawAt}`);

  await waitUntilFinalized(para, drawAt);
  const atHash = await para.rpc.chain.getBlockHash(drawAt);
  const at = await para.at(atHash);
  const recorded = (await at.query.compute.seeds(drawAt)).unwrap();
  if (recorded.seed.isNone) throw new Error(`block #${drawAt} ended without recording its seed`);
  const seed = recorded.seed.unwrap().toU8a();

  // The relay parent block N was built on, and its BABE VRF output.
  const relayParent = (await at.query.parachainSystem.lastRelayChainBlockNumber()).toNumber();
  const relayHash = await relay.rpc.chain.getBlockHash(relayParent);
  const vrf = await (await relay.at(relayHash)).query.babe.authorVrfRandomness();
  if (vrf.isNone) throw new Error(`relay block #${relayParent} has no AuthorVrfRandomness`);
  const subject = compactAddLength(stringToU8a(SEED_SUBJECT));
  const fromRelay = blake2AsU8a(blake2AsU8a(u8aConcat(subject, stringToU8a('relay'), vrf.unwrap().toU8a(), u32le(drawAt))));
  const parentHash = (await para.rpc.chain.getHeader(atHash)).parentHash.toU8a();
  const fromParent = blake2AsU8a(blake2AsU8a(u8aConcat(subject, parentHash, u32le(drawAt))));
  log(`seed recorded at #${drawAt}:            ${u8aToHex(seed)}`);
  log(`from relay #${relayParent}'s VRF output:   ${u8aToHex(fromRelay)}`);
  log(`parent-hash fallback would give: ${u8aToHex(fromParent)}`);
  if (!u8aEq(seed, fromRelay)) {
    throw new Error(u8aEq(seed, fromParent)
      ? 'the draw was seeded by the parent-hash fallback, not by the relay chain'
      : 'the recorded seed matches neither the relay VRF output nor the fallback');
  }
  log('the draw is seeded by the relay chain\'s VRF output');
  await para.disconnect();
  await relay.disconnect();
  return 0;
}

module.exports = { run };
