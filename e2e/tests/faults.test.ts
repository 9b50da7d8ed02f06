// Fault tests: a node killed with SIGKILL keeps its chain, and a burst of transactions
// from many accounts is accounted for to the last one.
//
// 1. kill -9: a dev node with its own base path is killed at random moments while a
//    transfer is in flight, and restarted on the same database each time. Its best and
//    finalized blocks, balances (Σ free + reserved over every account = total issuance)
//    and compute state are intact, it goes on producing blocks, and the transfer in flight
//    is either in a block (and fully applied: balance moved, nonce spent, fee paid) or
//    absent (nothing moved, nonce unspent), never half-applied.
// 2. A burst: 1,000 signed transfers from four accounts and 200 dataset listings from
//    four others (ten of them duplicates, which the pallet must refuse) submitted at once.
//    Every one ends included (succeeded, or failed with a named error) or refused at
//    submission with a reason; none is lost. Prints the blocks used and each block's
//    weight and length fill.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';

import { startDevNode, waitForBlock, type DevNode } from './support/devnode.ts';
import { registerWorker } from './support/market.ts';
import { outcomeAt, submit } from './support/tx.ts';

const UNIT = 10n ** 12n;
const STAKE = 1_000n * UNIT;

interface Snapshot {
  bestNumber: number;
  bestHash: string;
  finalizedNumber: number;
  finalizedHash: string;
  payee: bigint;
  aliceNonce: number;
  worker: unknown;
  candidates: unknown;
  listing: unknown;
  issuance: bigint;
}

/** Σ (free + reserved) over every account, and the total issuance, at `hash` (or now). */
async function ledger(api: ApiPromise, hash?: string): Promise<{ sum: bigint; issuance: bigint }> {
  const at = hash ? await api.at(hash) : api;
  const accounts = await at.query.system.account.entries();
  const sum = accounts.reduce((total, [, info]) => total + info.data.free.toBigInt() + info.data.reserved.toBigInt(), 0n);
  return { sum, issuance: (await at.query.balances.totalIssuance()).toBigInt() };
}

/** Finds the block (from `from` to the best) holding the extrinsic `hash`, and its outcome. */
async function findExtrinsic(
  api: ApiPromise,
  hash: string,
  from: number,
): Promise<{ block: number; success: boolean } | undefined> {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  for (let number = from; number <= best; number++) {
    const blockHash = await api.rpc.chain.getBlockHash(number);
    const block = await api.rpc.chain.getBlock(blockHash);
    const index = block.block.extrinsics.findIndex((xt) => xt.hash.toHex() === hash);
    if (index < 0) continue;
    const events = await (await api.at(blockHash)).query.system.events();
    return { block: number, success: outcomeAt(api, events, index)?.success === true };
  }
  return undefined;
}

describe('a dev node killed with -9 and restarted', () => {
  let node: DevNode | undefined;
  const basePath = mkdtempSync(join(tmpdir(), 'verity-faults-'));

  after(async () => {
    await node?.stop();
    rmSync(basePath, { recursive: true, force: true });
  });

  it('keeps its blocks, balances and compute state; a transfer in flight is in a block or absent, never half-applied', async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob', { name: 'bob' });
    const payee = keyring.addFromUri('//Faults//Payee');

    node = await startDevNode(500, basePath);
    let api = node.api;

    // State that must survive every crash: a transfer, a registered worker, a listing.
    await submit(api, api.tx.balances.transferKeepAlive(payee.address, 5n * UNIT), alice);
    await registerWorker(api, bob, STAKE);
    const datasetId = (await api.query.datasets.nextDatasetId()).toNumber();
    await submit(
      api,
      api.tx.datasets.register(
        { root: u8aToHex(blake2AsU8a('faults: a listing that survives')), size: 1_000 },
        'https://data.example.org/faults.idx',
        'IdxArchive',
        'Cc0',
        0,
        'Public',
        '',
      ),
      alice,
    );

    // Each restart recompiles the runtime (about a minute on 2 busy cores): two crashes.
    const crashes = 2;
    for (let crash = 1; crash <= crashes; crash++) {
      const inFlight = keyring.addFromUri(`//Faults//InFlight${crash}`);
      const best = await api.rpc.chain.getHeader();
      await waitForBlock(api, best.number.toNumber() + 2);

      const header = await api.rpc.chain.getHeader();
      const finalizedHash = await api.rpc.chain.getFinalizedHead();
      const snapshot: Snapshot = {
        bestNumber: header.number.toNumber(),
        bestHash: header.hash.toHex(),
        finalizedNumber: (await api.rpc.chain.getHeader(finalizedHash)).number.toNumber(),
        finalizedHash: finalizedHash.toHex(),
        payee: (await api.query.system.account(payee.address)).data.free.toBigInt(),
        aliceNonce: (await api.query.system.account(alice.address)).nonce.toNumber(),
        worker: (await api.query.compute.workers(bob.address)).toJSON(),
        candidates: (await api.query.compute.candidates()).toJSON(),
        listing: (await api.query.datasets.datasets(datasetId)).toJSON(),
        issuance: (await api.query.balances.totalIssuance()).toBigInt(),
      };
      assert.ok(snapshot.worker, 'Bob is a registered worker before the crash');

      // A transfer in the pool, then SIGKILL at a random moment within two blocks.
      const amount = 7n * UNIT;
      const tx = await api.tx.balances.transferKeepAlive(inFlight.address, amount).signAsync(alice);
      await api.rpc.author.submitExtrinsic(tx);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1_000)));
      await node.kill();

      node = await startDevNode(500, basePath);
      api = node.api;
      const restartedAt = (await api.rpc.chain.getHeader()).number.toNumber();
      assert.ok(restartedAt >= snapshot.bestNumber, `best block went back: #${restartedAt} < #${snapshot.bestNumber}`);
      assert.equal((await api.rpc.chain.getBlockHash(snapshot.bestNumber)).toHex(), snapshot.bestHash);
      assert.equal((await api.rpc.chain.getBlockHash(snapshot.finalizedNumber)).toHex(), snapshot.finalizedHash);
      const finalizedNow = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
      assert.ok(finalizedNow >= snapshot.finalizedNumber, 'finalized block went back');
      // It produces blocks again.
      await waitForBlock(api, restartedAt + 2);

      // Everything from before the crash reads back, at the old block and now.
      const then = await api.at(snapshot.bestHash);
      assert.equal((await then.query.system.account(payee.address)).data.free.toBigInt(), snapshot.payee);
      assert.deepEqual((await then.query.compute.workers(bob.address)).toJSON(), snapshot.worker);
      assert.equal((await api.query.system.account(payee.address)).data.free.toBigInt(), snapshot.payee);
      assert.deepEqual((await api.query.compute.workers(bob.address)).toJSON(), snapshot.worker);
      assert.deepEqual((await api.query.compute.candidates()).toJSON(), snapshot.candidates);
      assert.deepEqual((await api.query.datasets.datasets(datasetId)).toJSON(), snapshot.listing);
      const { sum, issuance } = await ledger(api);
      assert.equal(sum, issuance, 'Σ (free + reserved) over all accounts differs from the total issuance');

      // The transfer in flight: all or nothing.
      const found = await findExtrinsic(api, tx.hash.toHex(), snapshot.bestNumber + 1);
      const received = (await api.query.system.account(inFlight.address)).data.free.toBigInt();
      const aliceNonce = (await api.query.system.account(alice.address)).nonce.toNumber();
      if (found) {
        assert.ok(found.success, 'the transfer in flight is in a block but failed');
        assert.equal(received, amount);
        assert.equal(aliceNonce, snapshot.aliceNonce + 1);
      } else {
        assert.equal(received, 0n);
        assert.equal(aliceNonce, snapshot.aliceNonce);
      }
      console.log(
        `crash ${crash}: killed at best #${snapshot.bestNumber} (finalized #${snapshot.finalizedNumber}); ` +
          `restarted at #${restartedAt}; the transfer in flight was ` +
          (found ? `included in #${found.block}` : 'lost with the pool (never applied)'),
      );
    }
  });
});

/** One transaction of the burst and what became of it. */
interface Sent {
  kind: 'transfer' | 'listing' | 'duplicate listing';
  tx: SubmittableExtrinsic<'promise'>;
  refused?: string;
  block?: number;
  failure?: string;
}

describe('a burst of 1,000 transfers and 200 market calls', () => {
  let node: DevNode;
  let api: ApiPromise;

  before(async () => {
    await cryptoWaitReady();
    node = await startDevNode(1000);
    api = node.api;
  });

  after(async () => {
    await node?.stop();
  });

  it('includes every one or refuses it with a reason; none is lost', async () => {
    const keyring = new Keyring({ type: 'sr25519' });
    const payers = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((uri) => keyring.addFromUri(uri));
    const listers = ['//Eve', '//Ferdie', '//Alice//stash', '//Bob//stash'].map((uri) => keyring.addFromUri(uri));
    const payees = Array.from({ length: 50 }, (_, i) => keyring.addFromUri(`//Burst//${i}`).address);

    // Signed up front with explicit nonces, so submission is one burst.
    const sent: Sent[] = [];
    const sign = async (kind: Sent['kind'], tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, nonce: number) => {
      sent.push({ kind, tx: await tx.signAsync(signer, { nonce }) });
    };
    for (const [p, payer] of payers.entries()) {
      const nonce = (await api.query.system.account(payer.address)).nonce.toNumber();
      for (let i = 0; i < 250; i++) {
        await sign('transfer', api.tx.balances.transferKeepAlive(payees[(p * 250 + i) % payees.length], UNIT), payer, nonce + i);
      }
    }
    for (const [l, lister] of listers.entries()) {
      const nonce = (await api.query.system.account(lister.address)).nonce.toNumber();
      for (let i = 0; i < 50; i++) {
        // The second lister's last ten repeat its own first ten (applied first: lower
        // nonces), so the pallet refuses them: one content hash, one listing.
        const duplicate = l === 1 && i >= 40;
        const content = { root: u8aToHex(blake2AsU8a(`burst ${l}/${duplicate ? i - 40 : i}`)), size: 10_000 };
        await sign(
          duplicate ? 'duplicate listing' : 'listing',
          api.tx.datasets.register(content, `https://data.example.org/burst/${l}/${i}`, 'IdxArchive', 'Cc0', 0, 'Public', ''),
          lister,
          nonce + i,
        );
      }
    }
    assert.equal(sent.length, 1_200);

    const first = (await api.rpc.chain.getHeader()).number.toNumber() + 1;
    const started = Date.now();
    const results = await Promise.allSettled(sent.map(({ tx }) => api.rpc.author.submitExtrinsic(tx)));
    results.forEach((result, i) => {
      if (result.status === 'rejected') sent[i].refused = String(result.reason?.message ?? result.reason);
    });
    const submittedMs = Date.now() - started;

    // Wait for the pool to drain (every accepted transaction in a block or dropped).
    const deadline = Date.now() + 180_000;
    while ((await api.rpc.author.pendingExtrinsics()).length > 0) {
      assert.ok(Date.now() < deadline, 'the pool did not drain within 3 minutes');
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const last = (await api.rpc.chain.getHeader()).number.toNumber();
    await waitForBlock(api, last + 1);

    // Where each transaction went, block by block, with each block's fill.
    const byHash = new Map(sent.map((s) => [s.tx.hash.toHex(), s]));
    const maxNormal = api.consts.system.blockWeights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
    const maxLength = api.consts.system.blockLength.max.normal.toNumber();
    const fillOf = (used: number, max: number) => `${((used / max) * 100).toFixed(1)}%`;
    const fills: string[] = [];
    let blocksUsed = 0;
    for (let number = first; number <= last; number++) {
      const hash = await api.rpc.chain.getBlockHash(number);
      const block = await api.rpc.chain.getBlock(hash);
      const at = await api.at(hash);
      const events = await at.query.system.events();
      let mine = 0;
      let length = 0;
      block.block.extrinsics.forEach((xt, index) => {
        length += xt.encodedLength;
        const entry = byHash.get(xt.hash.toHex());
        if (!entry) return;
        mine++;
        entry.block = number;
        const outcome = outcomeAt(api, events, index);
        if (outcome && !outcome.success) entry.failure = outcome.error;
      });
      if (mine === 0) continue;
      blocksUsed++;
      const weight = (await at.query.system.blockWeight()).normal.refTime.toBigInt();
      fills.push(
        `#${number}: ${mine} of ours in ${block.block.extrinsics.length} extrinsics, ` +
          `normal weight ${fillOf(Number(weight), Number(maxNormal))}, length ${fillOf(length, maxLength)}`,
      );
    }

    const lost = sent.filter((s) => s.refused === undefined && s.block === undefined);
    const refused = sent.filter((s) => s.refused !== undefined);
    const count = (kind: Sent['kind'], pred: (s: Sent) => boolean) => sent.filter((s) => s.kind === kind && pred(s)).length;
    console.log(
      `burst: 1,200 signed in advance, submitted in ${submittedMs} ms; ${blocksUsed} blocks (#${first}..#${last}); ` +
        `refused at submission: ${refused.length}; lost: ${lost.length}\n  ` +
        fills.join('\n  '),
    );
    for (const s of refused) console.log(`  refused ${s.kind}: ${s.refused}`);

    assert.equal(lost.length, 0, `${lost.length} transactions neither included nor refused`);
    // Every refusal and failure names its reason.
    for (const s of sent) {
      if (s.refused !== undefined) assert.ok(s.refused.length > 0);
      if (s.failure !== undefined) assert.ok(s.failure.length > 0);
    }
    // With funds and fresh nonces, the honest calls all succeed, and the duplicates fail
    // with the pallet's error.
    assert.equal(count('transfer', (s) => s.block !== undefined && !s.failure), 1_000);
    assert.equal(count('listing', (s) => s.block !== undefined && !s.failure), 190);
    assert.equal(count('duplicate listing', (s) => s.failure === 'datasets.DuplicateContentHash'), 10);
    for (const payee of payees.slice(0, 1)) {
      assert.equal((await api.query.system.account(payee)).data.free.toBigInt(), 20n * UNIT);
    }
    const { sum, issuance } = await ledger(api);
    assert.equal(sum, issuance);
  });
});
