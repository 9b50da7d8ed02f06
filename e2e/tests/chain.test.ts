// The foundation: a dev chain that produces blocks, describes itself, and moves VRTY.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Keyring } from '@polkadot/keyring';
import { u8aToHex, u8aToString } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';

import { startDevNode, waitForBlock, type DevNode } from './support/devnode.ts';
import { submit } from './support/tx.ts';

const UNIT = 10n ** 12n;

describe('verity-node --dev', () => {
  let node: DevNode;

  before(async () => {
    await cryptoWaitReady();
    node = await startDevNode();
  });

  after(async () => {
    await node?.stop();
  });

  it('produces blocks on its own', async () => {
    const start = (await node.api.rpc.chain.getHeader()).number.toNumber();
    const reached = await waitForBlock(node.api, start + 2);
    assert.ok(reached >= start + 2);
  });

  it('reports the Verity runtime, the VRTY token and modern metadata', async () => {
    const { api } = node;
    assert.equal(api.runtimeVersion.specName.toString(), 'verity');
    assert.ok(api.runtimeVersion.specVersion.toNumber() >= 1);

    const properties = await api.rpc.system.properties();
    assert.equal(properties.tokenSymbol.unwrap()[0].toString(), 'VRTY');
    assert.equal(properties.tokenDecimals.unwrap()[0].toNumber(), 12);
    assert.equal(api.registry.chainDecimals[0], 12);

    // The runtime offers metadata up to v16 and Polkadot.js decodes the newest it offers.
    const offered = (await api.call.metadata.metadataVersions()).map((v) => v.toNumber());
    assert.ok(offered.includes(16), `runtime offers metadata ${offered}`);
    assert.equal(api.runtimeMetadata.version, Math.max(...offered));
    const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
    for (const pallet of ['System', 'ParachainSystem', 'Balances', 'TransactionPayment', 'Aura', 'Utility', 'Proxy', 'Multisig', 'PolkadotXcm', 'MessageQueue']) {
      assert.ok(pallets.includes(pallet), `pallet ${pallet} missing from metadata`);
    }
    assert.equal((await api.rpc.system.chain()).toString(), 'Verity Development');
  });

  it('runs the runtime built without benchmarks, as a live network would', async () => {
    // A runtime API's id is the 8-byte BLAKE2b of its trait name; `Benchmark` exists only
    // in a blob built with `runtime-benchmarks` (runtime/build.rs builds one of each).
    const id = (name: string) => u8aToHex(blake2AsU8a(name, 64));
    const apis = node.api.runtimeVersion.apis.map(([apiId]) => apiId.toHex());
    assert.ok(apis.includes(id('Core')), `runtime APIs ${apis}`);
    assert.ok(!apis.includes(id('Benchmark')), 'the dev chain runs the runtime with benchmarks');
  });

  it('governs the dev chain at the fast pace, and offers a production preset with no sudo', async () => {
    const { api } = node;
    assert.equal((await api.query.origins.trackPace()).toString(), 'Fast');
    assert.ok((await api.query.sudo.key()).isSome);
    const presets = (await api.call.genesisBuilder.presetNames()).map((p) => u8aToString(p.toU8a(true)));
    assert.deepEqual(presets, ['development', 'local_testnet', 'production']);
    // The runtime answers `Option<Vec<u8>>` (the preset's JSON patch), which Polkadot.js
    // hands back still SCALE-encoded inside its own `Option<Bytes>`.
    const answer = await api.call.genesisBuilder.getPreset('production');
    const json = api.createType('Option<Bytes>', answer.unwrap().toU8a(true)).unwrap();
    const genesis = JSON.parse(u8aToString(json.toU8a(true)));
    assert.equal(genesis.sudo.key, null);
    assert.equal(genesis.origins.pace, 'Production');
  });

  it('transfers VRTY from Alice to a fresh account', async () => {
    const { api } = node;
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const fresh = keyring.addFromUri(mnemonicGenerate());
    const amount = 25n * UNIT;

    const aliceBefore = (await api.query.system.account(alice.address)).data.free.toBigInt();
    const freshBefore = (await api.query.system.account(fresh.address)).data.free.toBigInt();
    assert.equal(freshBefore, 0n);

    const { blockHash, events } = await submit(
      api,
      api.tx.balances.transferKeepAlive(fresh.address, amount),
      alice,
    );

    const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
    assert.ok(transfer, 'no Balances.Transfer event');
    const [from, to, value] = transfer.event.data;
    assert.equal(from.toString(), alice.address);
    assert.equal(to.toString(), fresh.address);
    assert.equal(BigInt(value.toString()), amount);

    const feeEvent = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
    assert.ok(feeEvent, 'no TransactionPayment.TransactionFeePaid event');
    const fee = BigInt(feeEvent.event.data[1].toString());
    assert.ok(fee > 0n);

    const at = await api.at(blockHash);
    const aliceAfter = (await at.query.system.account(alice.address)).data.free.toBigInt();
    const freshAfter = (await at.query.system.account(fresh.address)).data.free.toBigInt();
    assert.equal(freshAfter, amount);
    assert.equal(aliceAfter, aliceBefore - amount - fee);
  });
});
