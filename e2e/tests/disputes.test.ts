// The dispute game played by real workers: a cheating `verity-worker` (built with the
// `faults` feature) trains a job on a dev chain, honest workers audit, challenge, bisect and
// judge it with verity-ml, and the chain slashes the cheater — all by the daemons, with no
// extrinsic signed by hand after the job is posted. One chain per strategy:
//
//   A. the trainer corrupts one update (`--fault corrupt-step=N`): bisected to step N;
//   B. the trainer trains honestly but withholds its checkpoints: it loses all the same;
//   C. a lazy auditor passes the corrupt segment without replaying; a watching worker
//      challenges it, and the lazy auditor is slashed with the trainer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { startDevNode, type DevNode } from './support/devnode.ts';
import { submit } from './support/tx.ts';
import {
  cpuSeconds,
  haveFashionMnist,
  processCpuSeconds,
  run,
  serveDirectory,
  startWorker,
  writeFashionArchive,
  type WorkerProcess,
} from './support/worker.ts';

const UNIT = 10n ** 12n;
const HIDDEN = [256];
const STEPS = 800;
const INTERVAL = 200;

interface Seen {
  block: number;
  at: number;
  event: EventRecord['event'];
}

/** One chain, one dataset, and the workers of one strategy. */
class Arena {
  node!: DevNode;
  api!: ApiPromise;
  alice!: KeyringPair;
  dir = mkdtempSync(join(tmpdir(), 'verity-disputes-e2e-'));
  files!: { url: string; server: import('node:http').Server };
  dataset = 0;
  seen: Seen[] = [];
  workers = new Map<string, WorkerProcess>();
  private unsubscribe?: () => void;

  async start() {
    await cryptoWaitReady();
    this.node = await startDevNode(500);
    this.api = this.node.api;
    this.alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    this.unsubscribe = await this.api.query.system.events((events) => {
      void this.api.rpc.chain.getHeader().then((h) => {
        for (const { event } of events) this.seen.push({ block: h.number.toNumber(), at: Date.now(), event });
      });
    });
    // Governance shortens the windows so a dispute ends in about a minute; a bisection
    // round leaves the defender and the challenger 10 s each to replay.
    const params = (await this.api.query.compute.params()).toJSON() as Record<string, unknown>;
    Object.assign(params, {
      commitWindow: 80,
      revealWindow: 20,
      challengeWindow: 120,
      auditDrawDelay: 2,
      roundWindow: 40,
      appealWindow: 3,
      jurySize: 3,
      minWorkBlocks: 25,
      declineWindow: 20,
    });
    await submit(this.api, this.api.tx.sudo.sudo(this.api.tx.compute.setParams(params)), this.alice);
    writeFashionArchive(this.dir, 'train.tar', 'train', 0, 2000);
    this.files = await serveDirectory(this.dir);
    const out = await run(
      'verity-worker',
      ['--node', `ws://127.0.0.1:${this.node.rpcPort}`, 'dataset', 'publish', join(this.dir, 'train.tar'), '--uri', `${this.files.url}/train.tar`],
      { VERITY_SURI: '//Alice' },
    );
    this.dataset = Number(/dataset (\d+):/.exec(out)?.[1]);
  }

  async stop() {
    this.unsubscribe?.();
    const codes = await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.files?.server.close();
    await this.node?.stop();
    rmSync(this.dir, { recursive: true, force: true });
    return codes;
  }

  /** Starts a worker (the fault build when `faults` are given) and waits until it is online. */
  async worker(name: string, faults: string[] = [], extra: string[] = []) {
    const args = [...faults.flatMap((f) => ['--fault', f]), ...extra];
    const worker = startWorker(name, this.node.rpcPort, join(this.dir, name.toLowerCase()), args, faults.length ? 'verity-worker-faults' : 'verity-worker');
    this.workers.set(name, worker);
    const address = new Keyring({ type: 'sr25519' }).addFromUri(`//${name}`).address;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const record = await this.api.query.compute.workers(address);
      if (record.isSome && record.unwrap().online.isTrue) return worker;
      if (Date.now() > deadline) throw new Error(`${name} did not come online:\n${worker.log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Posts a training job: `steps` steps, a checkpoint every `interval`. */
  async post(auditRate: number, steps = STEPS, interval = INTERVAL) {
    const id = (await this.api.query.compute.nextJobId()).toNumber();
    const spec = {
      Train: {
        base: { Fresh: { Mlp: { inputs: 784, hidden: HIDDEN, outputs: 10, activation: 'Relu' } } },
        datasets: [this.dataset],
        validation: null,
        optimizer: { Sgd: { learningRate: 50_000_000, momentum: 900_000_000 } },
        batchSize: 64,
        steps,
        seed: 11,
        checkpointInterval: interval,
        licence: 'Cc0',
        inferencePrice: 0,
      },
    };
    await submit(this.api, this.api.tx.compute.postJob(spec, { auditRate, replicas: 0 }, 100n * UNIT, 600, 10_000n * UNIT), this.alice);
    return id;
  }

  /** The first event seen (from the start) that matches, or a timeout with every log. */
  async waitFor(what: string, match: (s: Seen) => boolean, timeoutMs = 300_000): Promise<Seen> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen.find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        const logs = [...this.workers.values()].map((w) => `--- ${w.name}\n${w.log().slice(-5000)}`).join('\n');
        throw new Error(`timed out waiting for ${what}\n${logs}\n--- node\n${this.node.log().slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  events(section: string, method: string, first?: (data: string[]) => boolean): Seen[] {
    return this.seen.filter(
      (s) => s.event.section === section && s.event.method === method && (!first || first(s.event.data.map((d) => d.toString()))),
    );
  }

  addressOf(name: string) {
    return new Keyring({ type: 'sr25519' }).addFromUri(`//${name}`).address;
  }

  nameOf(address: string) {
    return [...this.workers.keys()].find((n) => this.addressOf(n) === address) ?? address;
  }

  cpu(names: string[]) {
    return names.reduce((sum, n) => sum + processCpuSeconds(this.workers.get(n)!.child.pid!), 0);
  }
}

/** What a scenario reports about its dispute. */
async function report(arena: Arena, label: string, dispute: number, honest: string[], cpuAtOpen: number, interval = INTERVAL) {
  const of = (method: string) => arena.events('compute', method, (d) => Number(d[0]) === dispute);
  const opened = arena.events('compute', 'DisputeOpened', (d) => Number(d[0]) === dispute)[0];
  const midpoints = of('MidpointRevealed').length;
  const juryAt = of('JuryDrawn')[0];
  const decided = of('DisputeDecided')[0];
  const settled = of('DisputeSettled')[0];
  const cpuDispute = arena.cpu(honest) - cpuAtOpen;
  // One segment (`interval` steps of the same model, batch and data) trained alone by
  // verity-ml: what computing the disputed segment once costs.
  const { seconds: segmentCpu } = await cpuSeconds('verity-ml', [
    'train', '--arch', `mlp:784-${HIDDEN.join('-')}-10:relu`, '--steps', String(interval), '--optimizer', 'sgd',
    '--lr', '0.05', '--momentum', '0.9', '--batch', '64', '--seed', '11', '--checkpoint-every', String(interval),
    '--data', join(arena.dir, 'train.tar'), '--out', join(arena.dir, `solo-${label}`),
  ]);
  const goal = Math.ceil(Math.log2(interval)) + 2;
  const phases = {
    bisection: ((juryAt?.at ?? 0) - opened.at) / 1000,
    jury: ((decided?.at ?? 0) - (juryAt?.at ?? 0)) / 1000,
    enforcement: ((settled?.at ?? 0) - (decided?.at ?? 0)) / 1000,
  };
  console.log(
    `${label}: rounds to resolution ${midpoints + 2} (endpoints + ${midpoints} bisection rounds + jury; goal ⌈log2 ${interval}⌉ + 2 = ${goal}); ` +
      `wall time per phase (s) ${JSON.stringify(phases)}; honest workers spent ${cpuDispute.toFixed(1)} CPU-s on the dispute, ` +
      `the disputed segment replays in ${segmentCpu.toFixed(1)} CPU-s: ratio ${(cpuDispute / segmentCpu).toFixed(2)}`,
  );
  return { midpoints, goal };
}

describe('the dispute game played by verity-worker daemons', { skip: !haveFashionMnist() && 'dataset-fashion-mnist is not installed' }, () => {
  describe('A. a trainer that corrupts step N', () => {
    const arena = new Arena();
    before(() => arena.start());
    after(async () => assert.deepEqual(await arena.stop(), [0, 0, 0, 0, 0], 'workers exit 0 on SIGTERM'));

    it('is audited, bisected to step N, judged by a jury of workers and slashed', async () => {
      const N = 450; // in segment 2 (steps 400..600)
      await arena.worker('Eve', [`corrupt-step=${N}`]);
      const job = await arena.post(1_000_000_000); // every segment audited
      const assigned = await arena.waitFor(`job ${job} assigned`, (s) => s.event.method === 'JobAssigned' && Number(s.event.data[0]) === job);
      assert.equal(arena.nameOf((assigned.event.data[1] as unknown as string[])[0].toString()), 'Eve');
      // The honest workers come online while the cheater trains.
      const honest = ['Bob', 'Charlie', 'Dave', 'Ferdie'];
      await Promise.all(honest.map((n) => arena.worker(n)));
      const submitted = await arena.waitFor('the result', (s) => s.event.method === 'ResultSubmitted' && Number(s.event.data[0]) === job);
      const drawn = await arena.waitFor('the audits', (s) => s.event.method === 'AuditsDrawn' && Number(s.event.data[0]) === job);
      assert.ok(drawn.block > submitted.block);
      const audits = (drawn.event.data[1].toJSON() as [number, string][]);
      assert.equal(audits.length, 4, `every segment audited: ${JSON.stringify(audits)}`);

      const opened = await arena.waitFor('a dispute', (s) => s.event.method === 'DisputeOpened' && Number(s.event.data[1]) === job);
      const cpuAtOpen = arena.cpu(honest);
      const dispute = Number(opened.event.data[0]);
      const challenger = arena.nameOf(opened.event.data[3].toString());
      assert.equal(arena.nameOf(opened.event.data[2].toString()), 'Eve');
      const failed = arena.events('compute', 'AuditRevealed', (d) => Number(d[0]) === job && d[3] === 'false');
      assert.deepEqual(failed.map((f) => Number(f.event.data[1])), [2], 'only the corrupt segment fails its audit');

      const settled = await arena.waitFor('the verdict enforced', (s) => s.event.method === 'DisputeSettled' && Number(s.event.data[0]) === dispute);
      // Bisected to the corrupt update exactly: the last range is [N - 1, N).
      const ranges = arena.events('compute', 'RangeNarrowed', (d) => Number(d[0]) === dispute);
      const last = ranges[ranges.length - 1].event.data;
      assert.deepEqual([Number(last[1]), Number(last[2])], [N - 1, N], 'the dispute ends on step N');
      const decided = arena.events('compute', 'DisputeDecided', (d) => Number(d[0]) === dispute)[0];
      assert.equal(decided.event.data[1].toString(), 'false', 'the jury found the defender wrong');
      const votes = arena.events('compute', 'VoteRevealed', (d) => Number(d[0]) === dispute);
      assert.equal(votes.length, 3);
      assert.ok(votes.every((v) => v.event.data[2].toString() === 'false'), 'every juror voted against the cheater');
      assert.equal(arena.nameOf(settled.event.data[1].toString()), 'Eve');
      await arena.waitFor(`job ${job} failed`, (s) => s.event.method === 'JobFailed' && Number(s.event.data[0]) === job);

      // Paid as the verdict says: the challenger as winner, each juror from the slash.
      const accrued = (name: string, share: string) =>
        arena.events('rewards', 'Accrued', (d) => d[0] === arena.addressOf(name) && d[2] === share).length;
      assert.equal(accrued(challenger, 'DisputeWinner'), 1, `${challenger} is paid as the winner`);
      for (const juror of votes.map((v) => arena.nameOf(v.event.data[1].toString()))) {
        assert.equal(accrued(juror, 'Juror'), 1, `${juror} is paid as a majority juror`);
      }
      assert.ok(arena.events('compute', 'Slashed', (d) => d[0] === arena.addressOf('Eve')).length >= 1);
      const { midpoints, goal } = await report(arena, 'corrupt-step', dispute, honest, cpuAtOpen);
      assert.ok(midpoints + 2 <= goal, `${midpoints + 2} rounds within ${goal}`);
    });
  });

  describe('B. a trainer that withholds its checkpoints', () => {
    const arena = new Arena();
    before(() => arena.start());
    after(async () => assert.deepEqual(await arena.stop(), [0, 0, 0, 0, 0], 'workers exit 0 on SIGTERM'));

    it('trains honestly, serves nothing, and loses the dispute its failed audit opens', async () => {
      await arena.worker('Eve', ['withhold-checkpoints']);
      const job = await arena.post(250_000_000); // one segment of four audited
      await arena.waitFor(`job ${job} assigned`, (s) => s.event.method === 'JobAssigned' && Number(s.event.data[0]) === job);
      const honest = ['Bob', 'Charlie', 'Dave', 'Ferdie'];
      await Promise.all(honest.map((n) => arena.worker(n)));
      const opened = await arena.waitFor('a dispute', (s) => s.event.method === 'DisputeOpened' && Number(s.event.data[1]) === job);
      const cpuAtOpen = arena.cpu(honest);
      const dispute = Number(opened.event.data[0]);
      const audit = arena.events('compute', 'AuditRevealed', (d) => Number(d[0]) === job)[0];
      assert.equal(audit.event.data[3].toString(), 'false', 'the audit fails: nothing to replay');
      const segment = Number(audit.event.data[1]);
      const settled = await arena.waitFor('the verdict enforced', (s) => s.event.method === 'DisputeSettled' && Number(s.event.data[0]) === dispute);
      assert.equal(arena.nameOf(settled.event.data[1].toString()), 'Eve', 'withholding loses');
      // The challenger could agree to nothing: the dispute narrows to the segment's first step.
      const ranges = arena.events('compute', 'RangeNarrowed', (d) => Number(d[0]) === dispute);
      const last = ranges[ranges.length - 1].event.data;
      assert.deepEqual([Number(last[1]), Number(last[2])], [segment * INTERVAL, segment * INTERVAL + 1]);
      const votes = arena.events('compute', 'VoteRevealed', (d) => Number(d[0]) === dispute);
      assert.ok(votes.length >= 2 && votes.every((v) => v.event.data[2].toString() === 'false'));
      await arena.waitFor(`job ${job} failed`, (s) => s.event.method === 'JobFailed' && Number(s.event.data[0]) === job);
      const { midpoints, goal } = await report(arena, 'withhold-checkpoints', dispute, honest, cpuAtOpen);
      assert.ok(midpoints + 2 <= goal, `${midpoints + 2} rounds within ${goal}`);
    });
  });

  describe('C. a lazy auditor', () => {
    const arena = new Arena();
    before(() => arena.start());
    after(async () => assert.deepEqual(await arena.stop(), [0, 0, 0, 0, 0], 'workers exit 0 on SIGTERM'));

    it('passes a corrupt segment without replaying, and is slashed with the trainer', async () => {
      await arena.worker('Eve', ['corrupt-step=150']);
      const job = await arena.post(1_000_000_000, 400, 400); // one segment, audited
      await arena.waitFor(`job ${job} assigned`, (s) => s.event.method === 'JobAssigned' && Number(s.event.data[0]) === job);
      // The lazy auditor is the only other worker when the audit is drawn.
      await arena.worker('Ferdie', ['lazy-audit']);
      const drawn = await arena.waitFor('the audit', (s) => s.event.method === 'AuditsDrawn' && Number(s.event.data[0]) === job);
      const [[segment, auditor]] = drawn.event.data[1].toJSON() as [number, string][];
      assert.equal(arena.nameOf(auditor), 'Ferdie');
      assert.equal(segment, 0);
      // A watching worker replays every segment; two more can sit on the jury.
      const honest = ['Bob', 'Charlie', 'Dave'];
      await arena.worker('Bob', [], ['--watch']);
      await Promise.all(['Charlie', 'Dave'].map((n) => arena.worker(n)));
      const revealed = await arena.waitFor('the lazy audit', (s) => s.event.method === 'AuditRevealed' && Number(s.event.data[0]) === job);
      assert.equal(revealed.event.data[3].toString(), 'true', 'the lazy auditor passed without replaying');
      const opened = await arena.waitFor('a challenge', (s) => s.event.method === 'DisputeOpened' && Number(s.event.data[1]) === job);
      const cpuAtOpen = arena.cpu(honest);
      const dispute = Number(opened.event.data[0]);
      assert.equal(arena.nameOf(opened.event.data[3].toString()), 'Bob', 'the watcher challenged');
      const settled = await arena.waitFor('the verdict enforced', (s) => s.event.method === 'DisputeSettled' && Number(s.event.data[0]) === dispute);
      assert.equal(arena.nameOf(settled.event.data[1].toString()), 'Eve');
      await arena.waitFor(`job ${job} failed`, (s) => s.event.method === 'JobFailed' && Number(s.event.data[0]) === job);
      // Bisected to the corrupt update, like A.
      const ranges = arena.events('compute', 'RangeNarrowed', (d) => Number(d[0]) === dispute);
      const last = ranges[ranges.length - 1].event.data;
      assert.deepEqual([Number(last[1]), Number(last[2])], [149, 150]);
      // The lazy auditor passed the segment the trainer lost: it is slashed too.
      const lazySlashed = arena.events('compute', 'Slashed', (d) => d[0] === arena.addressOf('Ferdie'));
      assert.equal(lazySlashed.length, 1, 'the lazy auditor is slashed');
      await report(arena, 'lazy-audit', dispute, honest, cpuAtOpen, 400);
    });
  });
});
