// Token-holder governance end to end (OpenGov): a referendum on the `market_admin` track
// changes the compute market's parameters, one on `treasurer` pays an account from the
// treasury, and one on `arbitration` overturns a jury's verdict, moving the slash onto the
// party the referendum found wrong. Every step is an extrinsic a holder signs in
// Polkadot.js apps: note a preimage, submit, place the decision deposit, vote with
// conviction; the chain does the rest.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';

import { startDevNode, waitForBlock, type DevNode } from './support/devnode.ts';
import { describePassage, passReferendum } from './support/governance.ts';
import { commitmentOf, FULL_AUDIT, listDataset, registerWorker, submitRandomResult, trainSpec } from './support/market.ts';
import { merkleProof } from './support/merkle.ts';
import { submit } from './support/tx.ts';

const UNIT = 10n ** 12n;
const BLOCK_MS = 500;
/** What each voter puts behind its aye: with two voters, 13% of the dev chain's issuance. */
const VOTE = 800_000n * UNIT;
const STEPS = 16;
const INTERVAL = 4;

describe('governance by referendum (OpenGov)', () => {
  let node: DevNode;
  let api: ApiPromise;
  let alice: KeyringPair;
  let voters: KeyringPair[];
  const workers: KeyringPair[] = [];
  /** Every event of every block since the start, for what the scheduler dispatches. */
  const seen: EventRecord[] = [];
  let unsubscribe: (() => void) | undefined;

  const free = async (who: string) => (await api.query.system.account(who)).data.free.toBigInt();
  const stake = async (who: string) => (await api.query.compute.workers(who)).unwrap().stake.toBigInt();
  const params = async () => (await api.query.compute.params()).toJSON() as Record<string, unknown>;

  before(async () => {
    await cryptoWaitReady();
    node = await startDevNode(BLOCK_MS);
    api = node.api;
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    // The stash accounts hold nothing else, so their whole vote is free to lock.
    voters = [keyring.addFromUri('//Alice//stash'), keyring.addFromUri('//Bob//stash')];
    for (const name of ['Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
      workers.push(keyring.addFromUri(`//${name}`, { name: name.toLowerCase() }));
    }
    unsubscribe = await api.query.system.events((events) => {
      seen.push(...events);
    });
  });

  after(async () => {
    unsubscribe?.();
    await node?.stop();
  });

  it('changes the compute market\'s parameters by a market_admin referendum', async () => {
    const current = await params();
    const proposed = {
      ...current,
      commitWindow: 10,
      revealWindow: 10,
      challengeWindow: 60,
      auditDrawDelay: 2,
      roundWindow: 5,
      appealWindow: 150,
      jurySize: 3,
    };
    assert.notEqual(current.appealWindow, proposed.appealWindow);
    // No account may set them itself: only root or the market_admin track.
    await assert.rejects(submit(api, api.tx.compute.setParams(proposed), alice), /BadOrigin/i);

    const passed = await passReferendum(api, {
      origin: { Origins: 'MarketAdmin' },
      call: api.tx.compute.setParams(proposed),
      proposer: alice,
      voters,
      balance: VOTE,
      enacted: async () => (await params()).appealWindow === proposed.appealWindow,
    });
    console.log(describePassage('market_admin: compute.setParams', passed, BLOCK_MS));
    assert.equal(passed.track, 1);
    assert.deepEqual(await params(), proposed);
    // The fast pace of the dev chain: submission to enactment in at most about two minutes
    // of 1-second blocks.
    assert.ok(passed.enactedAt - passed.submittedAt <= 120);
    // Each vote is locked, not spent: the voters keep their balance.
    for (const voter of voters) {
      const { data } = await api.query.system.account(voter.address);
      assert.ok(data.frozen.toBigInt() >= VOTE);
    }
    // The proposer gets its decision deposit back once the referendum is over.
    const refund = await submit(api, api.tx.referenda.refundDecisionDeposit(passed.index), alice);
    assert.ok(refund.events.some(({ event }) => api.events.referenda.DecisionDepositRefunded.is(event)));
  });

  it('pays an account from the treasury by a treasurer referendum', async () => {
    const palletId = api.consts.treasury.palletId.toU8a();
    const treasury = api
      .createType('AccountId32', u8aConcat(stringToU8a('modl'), palletId, new Uint8Array(32 - 4 - palletId.length)))
      .toString();
    // The market's fees and slash shares accrue to this account; a holder may add to it.
    await submit(api, api.tx.balances.transferKeepAlive(treasury, 50_000n * UNIT), alice);
    const grantee = new Keyring({ type: 'sr25519' }).addFromUri('//Grantee');
    const amount = 20_000n * UNIT;
    const spendIndex = (await api.query.treasury.spendCount()).toNumber();
    await assert.rejects(
      submit(api, api.tx.treasury.spend(null, amount, { Id: grantee.address }, null), alice),
      /BadOrigin/i,
    );

    const passed = await passReferendum(api, {
      origin: { Origins: 'Treasurer' },
      call: api.tx.treasury.spend(null, amount, { Id: grantee.address }, null),
      proposer: alice,
      voters,
      balance: VOTE,
      enacted: async () => (await api.query.treasury.spends(spendIndex)).isSome,
    });
    console.log(describePassage('treasurer: treasury.spend', passed, BLOCK_MS));
    assert.equal(passed.track, 2);

    // Anyone may pay out an approved spend.
    const before = await free(treasury);
    const paid = await submit(api, api.tx.treasury.payout(spendIndex), alice);
    assert.ok(paid.events.some(({ event }) => api.events.treasury.Paid.is(event)));
    assert.equal(await free(grantee.address), amount);
    assert.equal(await free(treasury), before - amount);
  });

  it('overturns a jury\'s verdict by an arbitration referendum, moving the slash', async () => {
    // Five staked workers: a trainer, a challenger and the three jurors.
    for (const pair of workers) await registerWorker(api, pair, 2_000n * UNIT);
    const dataset = await listDataset(api, alice);
    const job = (await api.query.compute.nextJobId()).toNumber();
    await submit(
      api,
      api.tx.compute.postJob(
        trainSpec({ dataset, seed: 1, steps: STEPS, interval: INTERVAL }),
        FULL_AUDIT,
        100n * UNIT,
        100,
        10_000n * UNIT,
      ),
      alice,
    );
    const byAddress = (address: string) => workers.find((w) => w.address === address)!;
    const trainer = byAddress((await api.query.compute.jobs(job)).unwrap().assignees[0].worker.toString());
    const leaves = await submitRandomResult(api, job, trainer, STEPS / INTERVAL + 1);

    // A challenger disputes that the run starts from the job's seed; the trainer reveals
    // its first checkpoint and a jury of the other three workers is drawn.
    const challenger = workers.find((w) => w.address !== trainer.address)!;
    const dispute = (await api.query.compute.nextDisputeId()).toNumber();
    await submit(api, api.tx.compute.challengeBinding(job, 'Start'), challenger);
    await submit(
      api,
      api.tx.compute.revealLeaf(dispute, u8aToHex(leaves[0]), merkleProof(leaves, 0).map((h) => u8aToHex(h))),
      trainer,
    );
    const scheduled = (await api.query.compute.disputes(dispute)).unwrap();
    await waitForBlock(api, scheduled.deadline.toNumber() + 1);
    await submit(api, api.tx.compute.processDispute(dispute), alice);
    const jurors = (await api.query.compute.disputes(dispute)).unwrap().jurors.map((j) => byAddress(j.who.toString()));
    assert.equal(jurors.length, 3);

    // The jury finds for the trainer.
    const salt = randomAsU8a(32);
    for (const juror of jurors) {
      const commitment = commitmentOf(api, { kind: 'vote', defenderCorrect: true }, dispute, juror.address, salt);
      await submit(api, api.tx.compute.commitVote(dispute, commitment), juror);
    }
    for (const juror of jurors) {
      await submit(api, api.tx.compute.revealVote(dispute, true, salt), juror);
    }
    const decided = (await api.query.compute.disputes(dispute)).unwrap();
    assert.ok(decided.phase.isDecided && decided.phase.asDecided.defenderCorrect.isTrue);

    // Token holders overturn it before the appeal window closes: the trainer was wrong.
    const stakes = Object.fromEntries(await Promise.all(workers.map(async (w) => [w.address, await stake(w.address)] as const)));
    const from = seen.length;
    const passed = await passReferendum(api, {
      origin: { Origins: 'Arbitration' },
      call: api.tx.compute.rule(dispute, false),
      proposer: alice,
      voters,
      balance: VOTE,
      enacted: async () => (await api.query.compute.disputes(dispute)).isNone,
    });
    console.log(describePassage('arbitration: compute.rule', passed, BLOCK_MS));
    assert.equal(passed.track, 3);
    assert.ok(passed.enactedAt < decided.deadline.toNumber(), 'ruled inside the appeal window');

    const after = seen.slice(from).map(({ event }) => event);
    const ruled = after.find((e) => api.events.compute.DisputeRuled.is(e));
    assert.ok(ruled && api.events.compute.DisputeRuled.is(ruled));
    assert.equal(ruled.data.dispute.toNumber(), dispute);
    assert.equal(ruled.data.defenderCorrect.isFalse, true);
    const slashed = after.filter((e) => api.events.compute.Slashed.is(e)).map((e) => e.data[0].toString());
    // The trainer loses what the jury's verdict would have taken from the challenger...
    assert.ok(slashed.includes(trainer.address));
    assert.ok(!slashed.includes(challenger.address));
    assert.ok((await stake(trainer.address)) < stakes[trainer.address]);
    assert.equal(await stake(challenger.address), stakes[challenger.address]);
    // ...and the jurors, who voted against the final ruling, lose their bonds.
    for (const juror of jurors) assert.ok((await stake(juror.address)) < stakes[juror.address]);
    // The trainer's job fails: its poster is refunded.
    assert.ok(after.some((e) => api.events.compute.JobFailed.is(e)));
  });
});
