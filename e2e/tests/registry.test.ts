// Dataset listings and the model registry, driven from Polkadot.js as a user would.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';

import { startDevNode, type DevNode } from './support/devnode.ts';
import { submit } from './support/tx.ts';

/** What `pallet` holds from `who` for `reason`, read from the balances pallet's holds. */
async function held(api: ApiPromise, who: string, pallet: string, reason: string): Promise<bigint> {
  const holds = await api.query.balances.holds(who);
  const match = holds.find((h) => {
    const id = h.id.toJSON() as Record<string, string>;
    return id[pallet.toLowerCase()] === reason || id[pallet] === reason;
  });
  return match ? match.amount.toBigInt() : 0n;
}

describe('datasets and models', () => {
  let node: DevNode;
  let alice: KeyringPair;
  let bob: KeyringPair;

  before(async () => {
    await cryptoWaitReady();
    node = await startDevNode();
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
  });

  after(async () => {
    await node?.stop();
  });

  it('lists a dataset with a held deposit, refuses its duplicate, and releases the deposit on retire', async () => {
    const { api } = node;
    const content = { root: u8aToHex(randomAsU8a(32)), size: 30_000_000 };
    const id = (await api.query.datasets.nextDatasetId()).toNumber();

    const { events } = await submit(
      api,
      api.tx.datasets.register(
        content,
        'https://data.example.org/fashion-mnist/train.tar',
        'IdxArchive',
        'CcBy4',
        2n * 10n ** 12n,
        'Public',
        'Fashion-MNIST, 60k training images',
      ),
      alice,
    );
    const registered = events.find(({ event }) => api.events.datasets.Registered.is(event));
    assert.ok(registered, 'no Datasets.Registered event');

    const listing = (await api.query.datasets.datasets(id)).unwrap();
    assert.equal(listing.owner.toString(), alice.address);
    // `size` is also a Map property of Polkadot.js structs: read the fields as JSON.
    assert.deepEqual(listing.content.toJSON(), content);
    assert.equal(listing.status.toString(), 'Active');
    const deposit = listing.deposit.toBigInt();
    assert.ok(deposit > 0n);
    assert.equal(await held(api, alice.address, 'Datasets', 'ListingDeposit'), deposit);

    // The owner's listings are a prefix query away, no full scan.
    const mine = await api.query.datasets.datasetsByOwner.keys(alice.address);
    assert.ok(mine.some((key) => key.args[1].toString() === String(id)));

    await assert.rejects(
      submit(
        api,
        api.tx.datasets.register(content, 'ipfs://bafyduplicate', 'IdxArchive', 'Cc0', 0, 'Public', ''),
        bob,
      ),
      /datasets\.DuplicateContentHash/,
    );
    await assert.rejects(
      submit(
        api,
        api.tx.datasets.register(
          { root: u8aToHex(randomAsU8a(32)), size: 1 },
          'ftp://example.org/a.csv',
          { Csv: { labelColumn: 0, hasHeader: true } },
          'Mit',
          0,
          'Public',
          '',
        ),
        bob,
      ),
      /datasets\.InvalidUri\(UnsupportedScheme\)/,
    );

    await submit(api, api.tx.datasets.retire(id), alice);
    const retired = (await api.query.datasets.datasets(id)).unwrap();
    assert.equal(retired.status.toString(), 'Retired');
    assert.equal(retired.deposit.toBigInt(), 0n);
    assert.equal(await held(api, alice.address, 'Datasets', 'ListingDeposit'), 0n);
  });

  it('registers a model, publishes a version, and releases its deposit on retire', async () => {
    const { api } = node;
    const architecture = { Mlp: { inputs: 784, hidden: [256, 128], outputs: 10, activation: 'Relu' } };
    const id = (await api.query.models.nextModelId()).toNumber();
    const weights = { root: u8aToHex(randomAsU8a(32)), size: 941_000 };

    await submit(
      api,
      api.tx.models.register(architecture, weights, 'ipfs://bafyweights', 'Apache2', 10n ** 10n, 'MLP 784-256-128-10'),
      alice,
    );
    const model = (await api.query.models.models(id)).unwrap();
    assert.equal(model.owner.toString(), alice.address);
    assert.equal(model.lineage.toString(), 'Uploaded');
    assert.equal(model.version.toNumber(), 1);
    const firstDeposit = model.deposit.toBigInt();
    assert.equal(await held(api, alice.address, 'Models', 'ModelDeposit'), firstDeposit);

    await submit(
      api,
      api.tx.models.publishVersion(id, { root: u8aToHex(randomAsU8a(32)), size: 941_000 }, 'ipfs://bafyweights2'),
      alice,
    );
    const v1 = (await api.query.models.models(id)).unwrap();
    const v2 = (await api.query.models.models(id + 1)).unwrap();
    assert.equal(v1.next.unwrap().toNumber(), id + 1);
    assert.equal(v2.previous.unwrap().toNumber(), id);
    assert.equal(v2.version.toNumber(), 2);

    await assert.rejects(
      submit(api, api.tx.models.register(architecture, weights, 'ipfs://again', 'Mit', 0, ''), bob),
      /models\.DuplicateWeightsHash/,
    );
    await assert.rejects(
      submit(api, api.tx.models.setPrice(id, 1), bob),
      /models\.NotOwner/,
    );

    await submit(api, api.tx.utility.batchAll([api.tx.models.retire(id), api.tx.models.retire(id + 1)]), alice);
    assert.equal(await held(api, alice.address, 'Models', 'ModelDeposit'), 0n);
    assert.equal((await api.query.models.models(id)).unwrap().status.toString(), 'Retired');
  });
});
