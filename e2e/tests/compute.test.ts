// The compute market end to end, every step an extrinsic signed from the test: workers
// register, a training job is posted, submitted, audited and finalized into a registered
// model; a second run is challenged and its silent trainer slashed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';

import { startDevNode, type DevNode } from './support/devnode.ts';
import { submit } from './support/tx.ts';

const UNIT = 10n ** 12n;
const STAKE = 2_000n * UNIT;
const REWARD = 100n * UNIT;
const STEPS = 16;
const INTERVAL = 4;
const SEGMENTS = STEPS / INTERVAL;

/** The checkpoint Merkle tree of `verity_primitives::content`: pair level by level with
 * `blake2b-256(0x01 ‖ left ‖ right)`, an odd node carried up. */
function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  let level = leaves;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(
        i + 1 < level.length
          ? blake2AsU8a(u8aConcat(new Uint8Array([1]), level[i], level[i + 1]), 256)
          : level[i],
      );
    }
    level = next;
  }
  return level[0];
}

/** `verity_primitives::content::merkle_proof`: the siblings of leaf `index`, bottom level
 * first; an odd node carried up has no sibling at its level. */
function merkleProof(leaves: Uint8Array[], index: number): Uint8Array[] {
  const proof: Uint8Array[] = [];
  let level = leaves;
  let position = index;
  while (level.length > 1) {
    const sibling = level[position ^ 1];
    if (sibling) proof.push(sibling);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(
        i + 1 < level.length
          ? blake2AsU8a(u8aConcat(new Uint8Array([1]), level[i], level[i + 1]), 256)
          : level[i],
      );
    }
    level = next;
    position = Math.floor(position / 2);
  }
  return proof;
}

async function waitForBlock(api: ApiPromise, target: number): Promise<void> {
  await new Promise<void>((resolve) => {
    let unsubscribe: (() => void) | undefined;
    void api.rpc.chain
      .subscribeNewHeads((header) => {
        if (header.number.toNumber() >= target) {
          unsubscribe?.();
          resolve();
        }
      })
      .then((u) => {
        unsubscribe = u;
        return undefined;
      });
  });
}

describe('compute market', () => {
  let node: DevNode;
  let api: ApiPromise;
  let alice: KeyringPair;
  const workers: Record<string, KeyringPair> = {};
  let dataset: number;

  const trainSpec = (seed: number) => ({
    Train: {
      base: { Fresh: { Mlp: { inputs: 784, hidden: [32], outputs: 10, activation: 'Relu' } } },
      datasets: [dataset],
      validation: null,
      optimizer: { Sgd: { learningRate: 10_000_000, momentum: 900_000_000 } },
      batchSize: 64,
      steps: STEPS,
      seed,
      checkpointInterval: INTERVAL,
      licence: 'Cc0',
      inferencePrice: UNIT,
    },
  });
  const fullAudit = { auditRate: 1_000_000_000, replicas: 0 };

  const postTraining = async (seed: number): Promise<number> => {
    const id = (await api.query.compute.nextJobId()).toNumber();
    const { events } = await submit(
      api,
      api.tx.compute.postJob(trainSpec(seed), fullAudit, REWARD, 100, 10_000n * UNIT),
      alice,
    );
    assert.ok(events.some(({ event }) => api.events.compute.JobAssigned.is(event)));
    return id;
  };

  const jobOf = async (id: number) => (await api.query.compute.jobs(id)).unwrap();

  /** The checkpoint hashes each submitted job committed to, by job id. */
  const leavesOf: Record<number, Uint8Array[]> = {};

  const submitResult = async (id: number) => {
    const trainer = workers[(await jobOf(id)).assignees[0].worker.toString()];
    const leaves = Array.from({ length: SEGMENTS + 1 }, () => randomAsU8a(32));
    leavesOf[id] = leaves;
    await submit(
      api,
      api.tx.compute.submitResult(id, {
        weights: { root: u8aToHex(randomAsU8a(32)), size: 942_000 },
        weightsUri: `https://${trainer.meta.name}.example/jobs/${id}/weights.safetensors`,
        checkpointRoot: u8aToHex(merkleRoot(leaves)),
        checkpoints: SEGMENTS + 1,
        metrics: { finalLossMicros: 410_000, validationCorrect: 0, validationTotal: 0 },
      }),
      trainer,
    );
    return trainer;
  };

  before(async () => {
    await cryptoWaitReady();
    node = await startDevNode();
    api = node.api;
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    for (const name of ['Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
      const pair = keyring.addFromUri(`//${name}`, { name: name.toLowerCase() });
      workers[pair.address] = pair;
    }

    // Governance shortens every window so the test runs in seconds.
    const params = (await api.query.compute.params()).toJSON() as Record<string, unknown>;
    Object.assign(params, {
      commitWindow: 10,
      revealWindow: 10,
      challengeWindow: 25,
      auditDrawDelay: 2,
      roundWindow: 3,
      appealWindow: 3,
      jurySize: 3,
    });
    const { events } = await submit(api, api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice);
    const sudid = events.find(({ event }) => api.events.sudo.Sudid.is(event));
    assert.ok(sudid && api.events.sudo.Sudid.is(sudid.event) && sudid.event.data.sudoResult.isOk);

    dataset = (await api.query.datasets.nextDatasetId()).toNumber();
    await submit(
      api,
      api.tx.datasets.register(
        { root: u8aToHex(randomAsU8a(32)), size: 30_000_000 },
        'https://data.example.org/fashion-mnist/train.tar',
        'IdxArchive',
        'CcBy4',
        UNIT,
        'Public',
        'Fashion-MNIST training set',
      ),
      alice,
    );
  });

  after(async () => {
    await node?.stop();
  });

  it('registers staked workers with their capabilities', async () => {
    for (const pair of Object.values(workers)) {
      const { events } = await submit(
        api,
        api.tx.compute.registerWorker(
          STAKE,
          { backend: 'Cpu', device: 'e2e cpu', memoryMib: 8_192, maxParameters: 1_000_000, determinism: 1 },
          `https://${pair.meta.name}.example`,
        ),
        pair,
      );
      assert.ok(events.some(({ event }) => api.events.compute.WorkerRegistered.is(event)));
      const worker = (await api.query.compute.workers(pair.address)).unwrap();
      assert.equal(worker.stake.toBigInt(), STAKE);
      assert.equal(worker.online.isTrue, true);
    }
    assert.equal((await api.query.compute.candidates()).length, 5);
  });

  it('quotes a job through the runtime API, every share named', async () => {
    const quote = await api.call.computeApi.quote(alice.address, trainSpec(9), fullAudit, REWARD);
    assert.ok(quote.isOk, quote.toString());
    const q = quote.asOk;
    assert.equal(q.reward.toBigInt(), REWARD);
    assert.equal(q.auditFee.toBigInt(), REWARD / 10n);
    assert.equal(q.protocolFee.toBigInt(), (REWARD * 2n) / 100n);
    assert.deepEqual(q.dataFees.map((f) => [f.to.toString(), f.amount.toBigInt()]), [[alice.address, UNIT]]);
    const sum = [q.reward, q.auditFee, q.protocolFee, q.deposit, ...q.dataFees.map((f) => f.amount)]
      .map((b) => b.toBigInt())
      .reduce((a, b) => a + b, 0n);
    assert.equal(q.total.toBigInt(), sum);
  });

  it('trains, audits and finalizes a job into a registered model', async () => {
    const id = await postTraining(1);
    const job = await jobOf(id);
    const quote = job.quote.total.toBigInt();
    assert.equal(job.quote.reward.toBigInt(), REWARD);
    const trainerAddress = job.assignees[0].worker.toString();
    assert.notEqual(trainerAddress, alice.address);

    // The runtime API hands the worker its duties without a storage scan.
    const duties = await api.call.computeApi.duties(trainerAddress);
    assert.deepEqual(duties.toJSON(), [{ work: id }]);

    await submitResult(id);
    // The audits are drawn a few blocks later, from the randomness recorded at the end of
    // block `drawAt`, which the trainer could not know.
    const awaiting = (await jobOf(id)).status;
    assert.ok(awaiting.isAwaitingAudits);
    await waitForBlock(api, awaiting.asAwaitingAudits.drawAt.toNumber() + 1);
    await submit(api, api.tx.compute.drawAudits(id), alice);
    const submitted = await jobOf(id);
    assert.ok(submitted.status.isSubmitted);
    const audits = submitted.audits;
    assert.equal(audits.length, SEGMENTS);

    // Every auditor shares the trainer's determinism class: its pass names the trainer's
    // end-of-segment leaf, which the chain checks with the Merkle proof.
    assert.ok(audits.every((a) => a.exact.isTrue));
    const leaves = leavesOf[id];
    const salt = randomAsU8a(32);
    const reportOf = (segment: number) => ({ endState: u8aToHex(leaves[segment + 1]), passed: true });
    for (const audit of audits) {
      const segment = audit.segment.toNumber();
      const commitment = blake2AsU8a(
        api
          .createType('(Bytes, u64, AccountId32, (u32, ([u8; 32], bool)), [u8; 32])', [
            'verity/compute/audit',
            id,
            audit.auditor,
            [segment, [leaves[segment + 1], true]],
            salt,
          ])
          .toU8a(),
        256,
      );
      await submit(api, api.tx.compute.commitAudit(id, segment, commitment), workers[audit.auditor.toString()]);
    }
    for (const audit of audits) {
      const segment = audit.segment.toNumber();
      const proof = merkleProof(leaves, segment + 1).map((h) => u8aToHex(h));
      await submit(
        api,
        api.tx.compute.revealAudit(id, segment, reportOf(segment), proof, salt),
        workers[audit.auditor.toString()],
      );
    }
    assert.ok((await jobOf(id)).audits.every((a) => a.passed.isSome && a.passed.unwrap().isTrue));

    const challengeUntil = (await jobOf(id)).status.asSubmitted.challengeUntil.toNumber();
    await assert.rejects(submit(api, api.tx.compute.processJob(id), alice), /compute\.TooEarly/);
    await waitForBlock(api, challengeUntil + 1);
    const trainerBefore = (await api.query.system.account(trainerAddress)).data.free.toBigInt();
    const { events } = await submit(api, api.tx.compute.processJob(id), alice);
    const finalized = events.find(({ event }) => api.events.compute.JobFinalized.is(event));
    assert.ok(finalized && api.events.compute.JobFinalized.is(finalized.event));
    const modelId = finalized.event.data.model.unwrap().toNumber();

    const model = (await api.query.models.models(modelId)).unwrap();
    assert.equal(model.owner.toString(), alice.address);
    assert.deepEqual(model.lineage.toJSON(), { trainedBy: { job: id } });
    assert.equal((await api.query.compute.jobs(id)).isNone, true);
    const trainerAfter = (await api.query.system.account(trainerAddress)).data.free.toBigInt();
    assert.equal(trainerAfter - trainerBefore, REWARD);
    // The escrow is spent: nothing of it is still held from the poster.
    const holds = await api.query.balances.holds(alice.address);
    assert.ok(holds.every((h) => !JSON.stringify(h.id.toJSON()).includes('JobEscrow')));
    assert.ok(quote > REWARD);
  });

  it('slashes a trainer that does not defend a challenged segment', async () => {
    const id = await postTraining(2);
    const trainer = await submitResult(id);
    const challenger = Object.values(workers).find((w) => w.address !== trainer.address)!;
    const disputeId = (await api.query.compute.nextDisputeId()).toNumber();
    const { events } = await submit(api, api.tx.compute.challenge(id, 0), challenger);
    assert.ok(events.some(({ event }) => api.events.compute.DisputeOpened.is(event)));
    const dispute = (await api.query.compute.disputes(disputeId)).unwrap();
    assert.equal(dispute.defender.toString(), trainer.address);
    assert.ok(dispute.phase.isAwaitingEndpoints);

    // The trainer stays silent past its round deadline.
    await assert.rejects(submit(api, api.tx.compute.processDispute(disputeId), alice), /compute\.TooEarly/);
    await waitForBlock(api, dispute.deadline.toNumber() + 1);
    const stakeBefore = (await api.query.compute.workers(trainer.address)).unwrap().stake.toBigInt();
    const settled = await submit(api, api.tx.compute.processDispute(disputeId), alice);
    const slash = settled.events.find(({ event }) => api.events.compute.Slashed.is(event));
    assert.ok(slash && api.events.compute.Slashed.is(slash.event));
    assert.equal(slash.event.data.worker.toString(), trainer.address);
    assert.ok(settled.events.some(({ event }) => api.events.compute.JobFailed.is(event)));
    const stakeAfter = (await api.query.compute.workers(trainer.address)).unwrap().stake.toBigInt();
    assert.equal(stakeBefore - stakeAfter, slash.event.data.amount.toBigInt());
    assert.equal((await api.query.compute.jobs(id)).isNone, true);
    assert.equal((await api.query.compute.disputes(disputeId)).isNone, true);
  });
});
