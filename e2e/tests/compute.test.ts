// The compute market end to end, every step an extrinsic signed from the test: workers
// register, a training job is posted, submitted, audited and finalized into a registered
// model, every share accrues in the rewards pallet and each earner claims it; a fine-tune
// of that model pays its owner and, up the lineage, the owner of the data it was trained
// on; a second run is challenged and its silent trainer slashed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';

import { startDevNode, waitForBlock, type DevNode } from './support/devnode.ts';
import {
  commitmentOf,
  FULL_AUDIT,
  listDataset,
  registerWorker,
  submitRandomResult,
  trainSpec as marketTrainSpec,
} from './support/market.ts';
import { merkleProof } from './support/merkle.ts';
import { submit } from './support/tx.ts';

const UNIT = 10n ** 12n;
const STAKE = 2_000n * UNIT;
const REWARD = 100n * UNIT;
const STEPS = 16;
const INTERVAL = 4;
const SEGMENTS = STEPS / INTERVAL;

/** What the transactions behind `events` paid in fees (burned by this runtime). */
function feesOf(events: EventRecord[]): bigint {
  return events
    .filter(({ event }) => event.section === 'transactionPayment' && event.method === 'TransactionFeePaid')
    .map(({ event }) => (event.data[1] as unknown as { toBigInt(): bigint }).toBigInt())
    .reduce((a, b) => a + b, 0n);
}

interface Accrual {
  who: string;
  share: string;
  amount: bigint;
}

/** The shares `events` booked in the rewards pallet. */
function accrualsIn(api: ApiPromise, events: EventRecord[]): Accrual[] {
  return events
    .filter(({ event }) => api.events.rewards.Accrued.is(event))
    .map(({ event }) => {
      const data = event.data as unknown as {
        who: { toString(): string };
        share: { type: string };
        amount: { toBigInt(): bigint };
      };
      return { who: data.who.toString(), share: data.share.type, amount: data.amount.toBigInt() };
    });
}

const sumOf = (accruals: Accrual[], share: string, who?: string): bigint =>
  accruals
    .filter((a) => a.share === share && (who === undefined || a.who === who))
    .reduce((sum, a) => sum + a.amount, 0n);

describe('compute market', () => {
  let node: DevNode;
  let api: ApiPromise;
  let alice: KeyringPair;
  /** Lists the dataset; earns its use fees and its share of the royalties of models trained on it. */
  let dataOwner: KeyringPair;
  /** Fine-tunes Alice's model. */
  let tuner: KeyringPair;
  const workers: Record<string, KeyringPair> = {};
  let dataset: number;
  /** The model the first training job registered (Alice's). */
  let trainedModel: number;

  const issuance = async () => (await api.query.balances.totalIssuance()).toBigInt();
  const accrued = async (who: string) => (await api.query.rewards.accrued(who)).toBigInt();
  const free = async (who: string) => (await api.query.system.account(who)).data.free.toBigInt();

  const trainSpec = (seed: number, base?: object) =>
    marketTrainSpec({ dataset, seed, steps: STEPS, interval: INTERVAL, base });
  const fullAudit = FULL_AUDIT;

  const postTraining = async (seed: number, base?: object, poster: KeyringPair = alice): Promise<number> => {
    const id = (await api.query.compute.nextJobId()).toNumber();
    const { events } = await submit(
      api,
      api.tx.compute.postJob(trainSpec(seed, base), fullAudit, REWARD, 100, 10_000n * UNIT),
      poster,
    );
    assert.ok(events.some(({ event }) => api.events.compute.JobAssigned.is(event)));
    return id;
  };

  const jobOf = async (id: number) => (await api.query.compute.jobs(id)).unwrap();

  /** The checkpoint hashes each submitted job committed to, by job id. */
  const leavesOf: Record<number, Uint8Array[]> = {};

  const submitResult = async (id: number) => {
    const trainer = workers[(await jobOf(id)).assignees[0].worker.toString()];
    leavesOf[id] = await submitRandomResult(api, id, trainer, SEGMENTS + 1);
    return trainer;
  };

  /** Submits a result for job `id`, has every drawn auditor pass it (exact audits, with
   * Merkle proofs), waits out the challenge window and finalizes the job. */
  const auditAndFinalize = async (id: number) => {
    await submitResult(id);
    // The audits are drawn a few blocks later, from the randomness recorded at the end of
    // block `drawAt`, which the trainer could not know.
    const awaiting = (await jobOf(id)).status;
    assert.ok(awaiting.isAwaitingAudits);
    await waitForBlock(api, awaiting.asAwaitingAudits.drawAt.toNumber() + 1);
    await submit(api, api.tx.compute.drawAudits(id), alice);
    const submitted = await jobOf(id);
    assert.ok(submitted.status.isAuditing);
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
      const commitment = commitmentOf(
        api,
        { kind: 'audit', segment, endState: leaves[segment + 1], passed: true },
        id,
        audit.auditor.toString(),
        salt,
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

    const challengeUntil = (await jobOf(id)).status.asAuditing.challengeUntil.toNumber();
    await assert.rejects(submit(api, api.tx.compute.processJob(id), alice), /compute\.TooEarly/);
    await waitForBlock(api, challengeUntil + 1);
    const before = await issuance();
    const { events } = await submit(api, api.tx.compute.processJob(id), alice);
    // Settling moves the escrow into the rewards pallet's books: nothing minted or burned
    // but the fee of the transaction itself.
    assert.equal(await issuance(), before - feesOf(events));
    return { events, audits };
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

    dataOwner = keyring.addFromUri('//DataOwner');
    tuner = keyring.addFromUri('//Tuner');
    for (const pair of [dataOwner, tuner]) {
      await submit(api, api.tx.balances.transferKeepAlive(pair.address, 1_000n * UNIT), alice);
    }
    dataset = await listDataset(api, dataOwner);
  });

  after(async () => {
    await node?.stop();
  });

  it('registers staked workers with their capabilities', async () => {
    for (const pair of Object.values(workers)) {
      const { events } = await registerWorker(api, pair, STAKE);
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
    assert.deepEqual(q.dataFees.map((f) => [f.to.toString(), f.amount.toBigInt()]), [[dataOwner.address, UNIT]]);
    assert.ok(q.royalty.isNone);
    assert.equal(q.lineage.length, 0);
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

    const { events, audits } = await auditAndFinalize(id);
    const finalized = events.find(({ event }) => api.events.compute.JobFinalized.is(event));
    assert.ok(finalized && api.events.compute.JobFinalized.is(finalized.event));
    const modelId = finalized.event.data.model.unwrap().toNumber();

    const model = (await api.query.models.models(modelId)).unwrap();
    assert.equal(model.owner.toString(), alice.address);
    assert.deepEqual(model.lineage.toJSON(), { trainedBy: { job: id } });
    assert.equal((await api.query.compute.jobs(id)).isNone, true);
    trainedModel = modelId;
    // The escrow is spent: nothing of it is still held from the poster.
    const holds = await api.query.balances.holds(alice.address);
    assert.ok(holds.every((h) => !JSON.stringify(h.id.toJSON()).includes('JobEscrow')));

    // Every share of it accrued, as the quote named them; the deposit went back.
    const accruals = accrualsIn(api, events);
    assert.equal(sumOf(accruals, 'Worker', trainerAddress), REWARD);
    assert.equal(sumOf(accruals, 'DataOwner', dataOwner.address), UNIT);
    const auditFee = job.quote.auditFee.toBigInt();
    for (const audit of audits) {
      const auditor = audit.auditor.toString();
      const seats = BigInt(audits.filter((a) => a.auditor.toString() === auditor).length);
      assert.equal(sumOf(accruals, 'Auditor', auditor), (auditFee / BigInt(audits.length)) * seats);
    }
    const protocolFee = job.quote.protocolFee.toBigInt();
    assert.equal(sumOf(accruals, 'Treasury'), protocolFee);
    const booked = accruals.reduce((sum, a) => sum + a.amount, 0n);
    assert.equal(booked, quote - job.quote.deposit.toBigInt());
    assert.equal(await accrued(trainerAddress), REWARD);

    // Each earner pulls its share; the treasury's is pushed to it by anyone.
    const treasury = accruals.find((a) => a.share === 'Treasury')!.who;
    const claimers: [KeyringPair, string][] = [
      [workers[trainerAddress], trainerAddress],
      [dataOwner, dataOwner.address],
      ...audits.map((a): [KeyringPair, string] => [workers[a.auditor.toString()], a.auditor.toString()]),
    ];
    const before = await issuance();
    let fees = 0n;
    for (const [signer, address] of claimers) {
      const owed = await accrued(address);
      if (owed === 0n) continue; // an auditor drawn twice claimed both at once
      const freeBefore = await free(address);
      const claimed = await submit(api, api.tx.rewards.claim(), signer);
      fees += feesOf(claimed.events);
      assert.equal((await free(address)) - freeBefore, owed - feesOf(claimed.events));
      assert.equal(await accrued(address), 0n);
    }
    const treasuryBefore = await free(treasury);
    const pushed = await submit(api, api.tx.rewards.claimFor(treasury), alice);
    fees += feesOf(pushed.events);
    assert.equal((await free(treasury)) - treasuryBefore, protocolFee);
    // Claims move what was booked; only the fees were burned.
    assert.equal(await issuance(), before - fees);
    await assert.rejects(submit(api, api.tx.rewards.claim(), dataOwner), /rewards\.NothingToClaim/);
  });

  it('pays a fine-tune\'s royalty to the model owner and, up the lineage, to its data', async () => {
    const base = { FineTune: trainedModel };
    const quote = await api.call.computeApi.quote(tuner.address, trainSpec(3, base), fullAudit, REWARD);
    assert.ok(quote.isOk, quote.toString());
    const q = quote.asOk;
    // The model's price is UNIT: a fifth of it flows to the owner of the data it was trained on.
    assert.equal(q.royalty.unwrap().to.toString(), alice.address);
    assert.equal(q.royalty.unwrap().amount.toBigInt(), (UNIT * 4n) / 5n);
    assert.deepEqual(
      q.lineage.map((p) => [p.to.toString(), p.amount.toBigInt()]),
      [[dataOwner.address, UNIT / 5n]],
    );

    const id = await postTraining(3, base, tuner);
    const { events } = await auditAndFinalize(id);
    const accruals = accrualsIn(api, events);
    assert.equal(sumOf(accruals, 'ModelOwner', alice.address), (UNIT * 4n) / 5n);
    assert.equal(sumOf(accruals, 'Lineage', dataOwner.address), UNIT / 5n);
    assert.equal(sumOf(accruals, 'DataOwner', dataOwner.address), UNIT);
    const finalized = events.find(({ event }) => api.events.compute.JobFinalized.is(event));
    assert.ok(finalized && api.events.compute.JobFinalized.is(finalized.event));
    const tuned = finalized.event.data.model.unwrap().toNumber();
    const model = (await api.query.models.models(tuned)).unwrap();
    assert.deepEqual(model.lineage.toJSON(), { fineTunedFrom: { model: trainedModel, job: id } });

    // Two generations: the fine-tune's data and parent, then the parent's data.
    const infer = {
      Infer: {
        model: tuned,
        input: { root: u8aToHex(randomAsU8a(32)), size: 78_400 },
        inputUri: 'https://inputs.example/batch.idx',
      },
    };
    const inference = await api.call.computeApi.quote(alice.address, infer, { auditRate: 0, replicas: 2 }, REWARD);
    assert.ok(inference.isOk, inference.toString());
    const lineage = Object.fromEntries(inference.asOk.lineage.map((p) => [p.to.toString(), p.amount.toBigInt()]));
    assert.equal(inference.asOk.royalty.unwrap().to.toString(), tuner.address);
    assert.equal(inference.asOk.royalty.unwrap().amount.toBigInt(), (UNIT * 4n) / 5n);
    assert.equal(lineage[alice.address], (UNIT / 10n) * 4n / 5n);
    assert.equal(lineage[dataOwner.address], UNIT / 10n + UNIT / 50n);
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
