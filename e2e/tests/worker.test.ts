// The market run by real workers: three `verity-worker` processes on a dev chain train,
// audit, evaluate and label with verity-ml on a slice of Fashion-MNIST served over HTTP.
// Jobs are posted through Polkadot.js and through the worker's user CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { freePort, startDevNode, type DevNode } from './support/devnode.ts';
import { submit } from './support/tx.ts';
import {
  cpuSeconds,
  fashionSlice,
  haveFashionMnist,
  processCpuSeconds,
  run,
  serveDirectory,
  startWorker,
  writeFashionArchive,
  type WorkerProcess,
} from './support/worker.ts';

const UNIT = 10n ** 12n;
const mlp = (hidden: number[]) => ({ Mlp: { inputs: 784, hidden, outputs: 10, activation: 'Relu' } });
/** The `verity-ml train` flags of the same run. */
const soloArgs = (hidden: number[], steps: number, interval: number, batch: number) =>
  ['train', '--arch', `mlp:784-${hidden.join('-')}-10:relu`, '--steps', String(steps), '--optimizer', 'sgd', '--lr', '0.05',
    '--momentum', '0.9', '--batch', String(batch), '--seed', '7', '--checkpoint-every', String(interval)];
const SGD = { Sgd: { learningRate: 50_000_000, momentum: 900_000_000 } };
const WORKERS = ['Bob', 'Charlie', 'Dave'];

interface Seen {
  block: number;
  event: EventRecord['event'];
}

describe('verity-worker on a dev chain', { skip: !haveFashionMnist() && 'dataset-fashion-mnist is not installed' }, () => {
  let node: DevNode;
  let api: ApiPromise;
  let alice: KeyringPair;
  let dir: string;
  let files: { url: string; server: import('node:http').Server };
  const workers = new Map<string, WorkerProcess>();
  const seen: Seen[] = [];
  let unsubscribe: (() => void) | undefined;
  let trainSet: number;
  let testSet: number;
  let trainedModel: number;
  let metricsPort: number;
  const timings: Record<string, number> = {};

  const aliceEnv = { VERITY_SURI: '//Alice' };
  const nodeArg = () => ['--node', `ws://127.0.0.1:${node.rpcPort}`];

  /** Resolves with the first event (seen from the start of the suite) that matches. */
  const waitFor = async (what: string, match: (s: Seen) => boolean, timeoutMs = 240_000): Promise<Seen> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = seen.find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        const logs = [...workers.values()].map((w) => `--- ${w.name}\n${w.log().slice(-4000)}`).join('\n') +
          `\n--- node\n${node.log().slice(-3000)}`;
        throw new Error(`timed out waiting for ${what}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  /** Runs a CLI; a failure carries the workers' and the node's recent output. */
  const runLogged = async (args: string[], env: Record<string, string> = {}) => {
    try {
      return await run('verity-worker', args, env);
    } catch (error) {
      const logs = [...workers.values()].map((w) => `--- ${w.name}\n${w.log().slice(-3000)}`).join('\n');
      throw new Error(`${(error as Error).message}\n${logs}\n--- node\n${node.log().slice(-3000)}`);
    }
  };
  const ofJob = (id: number, method: string) => (s: Seen) =>
    s.event.section === 'compute' && s.event.method === method && Number(s.event.data[0].toString()) === id;

  interface Run {
    dataset: number;
    steps: number;
    interval: number;
    hidden?: number[];
    batch?: number;
    workBlocks?: number;
    /** Parts per billion; the chain's default minimum is 5%. */
    auditRate?: number;
  }
  const postTraining = async ({ dataset, steps, interval, hidden = [64], batch = 32, workBlocks = 400, auditRate = 50_000_000 }: Run) => {
    const id = (await api.query.compute.nextJobId()).toNumber();
    const spec = {
      Train: {
        base: { Fresh: mlp(hidden) },
        datasets: [dataset],
        validation: testSet,
        optimizer: SGD,
        batchSize: batch,
        steps,
        seed: 7,
        checkpointInterval: interval,
        licence: 'Cc0',
        inferencePrice: UNIT,
      },
    };
    await submit(api, api.tx.compute.postJob(spec, { auditRate, replicas: 0 }, 100n * UNIT, workBlocks, 10_000n * UNIT), alice);
    return id;
  };

  const trainerOf = async (id: number) => {
    const assigned = await waitFor(`job ${id} assigned`, ofJob(id, 'JobAssigned'));
    const address = (assigned.event.data[1] as unknown as string[])[0].toString();
    const keyring = new Keyring({ type: 'sr25519' });
    const name = WORKERS.find((n) => keyring.addFromUri(`//${n}`).address === address);
    assert.ok(name, `trainer ${address} is one of ours`);
    return name;
  };

  before(async () => {
    await cryptoWaitReady();
    node = await startDevNode(500);
    api = node.api;
    alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    unsubscribe = await api.query.system.events((events) => {
      void api.rpc.chain.getHeader().then((h) => {
        for (const { event } of events) seen.push({ block: h.number.toNumber(), event });
      });
    });

    // Governance shortens every window so the suite runs in minutes.
    const params = (await api.query.compute.params()).toJSON() as Record<string, unknown>;
    Object.assign(params, {
      commitWindow: 20,
      revealWindow: 10,
      challengeWindow: 40,
      auditDrawDelay: 2,
      roundWindow: 3,
      appealWindow: 3,
      jurySize: 3,
      minWorkBlocks: 25,
      declineWindow: 20,
    });
    await submit(api, api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice);

    dir = mkdtempSync(join(tmpdir(), 'verity-worker-e2e-'));
    writeFashionArchive(dir, 'train.tar', 'train', 0, 3000);
    writeFashionArchive(dir, 'test.tar', 't10k', 0, 1000);
    writeFileSync(join(dir, 'test-images-idx3-ubyte'), fashionSlice('t10k', 0, 1000).images);
    files = await serveDirectory(dir);

    // A data provider lists both with the CLI (it hashes the file and checks it reads).
    const publish = async (file: string, price: string) =>
      await run('verity-worker', [...nodeArg(), 'dataset', 'publish', join(dir, file), '--uri', `${files.url}/${file}`, '--price', price, '--licence', 'CC-BY-4.0'], aliceEnv);
    trainSet = Number(/dataset (\d+):/.exec(await publish('train.tar', '1'))?.[1]);
    testSet = Number(/dataset (\d+):/.exec(await publish('test.tar', '0.5'))?.[1]);
    assert.ok(Number.isInteger(trainSet) && Number.isInteger(testSet));

    metricsPort = await freePort();
    for (const name of WORKERS) {
      const extra = name === 'Bob' ? ['--metrics-addr', `127.0.0.1:${metricsPort}`] : [];
      workers.set(name, startWorker(name, node.rpcPort, join(dir, name.toLowerCase()), extra));
    }
    // Each registers itself with its stake and endpoint.
    const deadline = Date.now() + 120_000;
    while ((await api.query.compute.candidates()).length < WORKERS.length) {
      if (Date.now() > deadline) throw new Error(`workers did not register:\n${[...workers.values()].map((w) => w.log()).join('\n')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  after(async () => {
    unsubscribe?.();
    // SIGTERM: each worker persists and exits cleanly.
    const codes = await Promise.all([...workers.values()].map((w) => w.stop()));
    files?.server.close();
    await node?.stop();
    console.log(`scenario wall times (s): ${JSON.stringify(timings)}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(codes, codes.map(() => 0), 'workers exit 0 on SIGTERM');
  });

  it('1. trains, audits and finalizes a job into a registered model with real training', async () => {
    const started = Date.now();
    const cpuBefore = [...workers.values()].map((w) => processCpuSeconds(w.child.pid!));
    const id = await postTraining({ dataset: trainSet, steps: 1200, interval: 60, hidden: [512, 256], batch: 64 });
    await trainerOf(id);
    // The trainer's claimed validation metrics, read while the job is open.
    let metrics: { validationCorrect: number; validationTotal: number } | undefined;
    let checkpointRoot = '';
    while (!metrics) {
      const job = await api.query.compute.jobs(id);
      if (job.isSome && job.unwrap().result.isSome) {
        const result = job.unwrap().result.unwrap();
        metrics = { validationCorrect: result.metrics.validationCorrect.toNumber(), validationTotal: result.metrics.validationTotal.toNumber() };
        checkpointRoot = result.checkpointRoot.toHex();
      } else {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await waitFor('an audit revealed', ofJob(id, 'AuditRevealed'));
    const finalized = await waitFor(`job ${id} finalized`, ofJob(id, 'JobFinalized'));
    timings['1 train+audit+finalize'] = (Date.now() - started) / 1000;
    const workerCpu = [...workers.values()].reduce((sum, w, i) => sum + processCpuSeconds(w.child.pid!) - cpuBefore[i], 0);

    const audits = seen.filter(ofJob(id, 'AuditRevealed'));
    assert.ok(audits.length >= 1 && audits.every((a) => a.event.data[3].toString() === 'true'), 'every audit passed');
    trainedModel = Number(JSON.parse(finalized.event.data[1].toString()));
    const model = (await api.query.models.models(trainedModel)).unwrap();
    assert.deepEqual(model.lineage.toJSON(), { trainedBy: { job: id } });

    // A user downloads the model, verified against the registry's hash.
    const out = join(dir, 'model.safetensors');
    const fetched = await run('verity-worker', [...nodeArg(), 'model', 'fetch', String(trainedModel), '--out', out]);
    assert.match(fetched, /verified/);
    const hashed = await run('verity-ml', ['hash', out]);
    assert.ok(hashed.includes(model.weights.root.toHex().slice(2)), `${hashed} vs ${model.weights.root.toHex()}`);
    const evaluation = await run('verity-ml', ['evaluate', '--weights', out, '--data', join(dir, 'test.tar')]);
    const [, correct, total] = /(\d+)\s*\/\s*(\d+)/.exec(evaluation) ?? [];
    assert.equal(Number(correct), metrics.validationCorrect, evaluation);
    assert.equal(Number(total), metrics.validationTotal);
    assert.ok(Number(correct) / Number(total) > 0.6, `accuracy ${correct}/${total}`);

    // The same run by verity-ml alone gives the same checkpoints, bit for bit; its CPU time
    // is the baseline of the verification overhead.
    const solo = join(dir, 'solo');
    const alone = await cpuSeconds('verity-ml', [...soloArgs([512, 256], 1200, 60, 64), '--data', join(dir, 'train.tar'), '--out', solo]);
    const log = JSON.parse(readFileSync(join(solo, 'checkpoints.json'), 'utf8')) as { merkle_root: string };
    assert.equal(`0x${log.merkle_root}`, checkpointRoot);
    console.log(
      `verification overhead: workers ${workerCpu.toFixed(2)} CPU-s (training, audit, serving, chain client) / ` +
        `verity-ml train ${alone.seconds.toFixed(2)} CPU-s = ${(workerCpu / alone.seconds).toFixed(2)}x ` +
        `(${audits.length} of 20 segments audited)`,
    );

    const metricsText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metricsText, /verity_worker_block_number\{kind="best"\} \d+/);
    assert.match(metricsText, /verity_worker_balance_tokens\{kind="stake"\} 2000/);
  });

  it('2. records a verified evaluation score and agreed inference labels', async () => {
    const started = Date.now();
    const posted = await run('verity-worker', [...nodeArg(), 'job', 'post', 'evaluate', '--model', String(trainedModel), '--dataset', String(testSet), '--replicas', '2', '--reward', '10', '--yes'], aliceEnv);
    assert.match(posted, /protocol fee/);
    const evalJob = Number(/job (\d+) posted/.exec(posted)?.[1]);
    const watched = await runLogged([...nodeArg(), 'job', 'watch', String(evalJob), '--timeout', '240']);
    const [, correct, total] = /finalized: score (\d+)\/(\d+)/.exec(watched) ?? [];
    assert.ok(correct, watched);
    const expected = await run('verity-ml', ['evaluate', '--weights', join(dir, 'model.safetensors'), '--data', join(dir, 'test.tar')]);
    assert.ok(expected.includes(`${correct}/${total}`) || expected.includes(`${correct} / ${total}`), `${expected} vs ${correct}/${total}`);
    const recorded = await api.query.models.evaluations(trainedModel, testSet);
    assert.ok(recorded.isSome, 'the score is in the model registry');
    timings['2a evaluate'] = (Date.now() - started) / 1000;

    const inferStarted = Date.now();
    const input = join(dir, 'test-images-idx3-ubyte');
    const postedInfer = await run('verity-worker', [...nodeArg(), 'job', 'post', 'infer', '--model', String(trainedModel), '--input', input, '--input-uri', `${files.url}/test-images-idx3-ubyte`, '--replicas', '2', '--reward', '10', '--yes'], aliceEnv);
    const inferJob = Number(/job (\d+) posted/.exec(postedInfer)?.[1]);
    const inferWatch = await runLogged([...nodeArg(), 'job', 'watch', String(inferJob), '--timeout', '240']);
    const [, name] = /finalized: predictions ([0-9a-f]+-\d+)/.exec(inferWatch) ?? [];
    assert.ok(name, inferWatch);
    // Both replicas revealed the same labels; any of them serves the file.
    const revealers = seen.filter(ofJob(inferJob, 'OutputRevealed')).map((s) => s.event.data[1].toString());
    assert.equal(revealers.length, 2);
    const endpoint = (await api.query.compute.workers(revealers[0])).unwrap().endpoint.toUtf8();
    const labels = (await (await fetch(`${endpoint}/content/${name}`)).text()).trim().split('\n').map(Number);
    assert.equal(labels.length, 1000);
    const truth = fashionSlice('t10k', 0, 1000).labels.subarray(8);
    assert.equal(labels.filter((l, i) => l === truth[i]).length, Number(correct));
    timings['2b infer'] = (Date.now() - inferStarted) / 1000;
  });

  it('3. a trainer killed with -9 mid-run resumes from its checkpoint and submits once', async () => {
    const started = Date.now();
    const id = await postTraining({ dataset: trainSet, steps: 600, interval: 30 });
    const name = await trainerOf(id);
    const trainer = workers.get(name)!;
    const checkpoint = join(trainer.dataDir, 'jobs', String(id), 'checkpoints', '4.safetensors');
    const deadline = Date.now() + 240_000;
    while (!existsSync(checkpoint)) {
      assert.ok(Date.now() < deadline, `no checkpoint 4:\n${trainer.log().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await trainer.kill9();
    const restarted = startWorker(name, node.rpcPort, trainer.dataDir);
    workers.set(name, restarted);
    await waitFor(`job ${id} finalized`, ofJob(id, 'JobFinalized'), 300_000);
    assert.match(restarted.log(), /resuming from checkpoint/);
    assert.equal(seen.filter(ofJob(id, 'ResultSubmitted')).length, 1, 'one submission');
    // Resuming changed nothing: the committed run is the uninterrupted one.
    const submitted = seen.find(ofJob(id, 'ResultSubmitted'))!;
    const solo = join(dir, 'solo-600');
    await run('verity-ml', [...soloArgs([64], 600, 30, 32), '--data', join(dir, 'train.tar'), '--out', solo]);
    const log = JSON.parse(readFileSync(join(solo, 'checkpoints.json'), 'utf8')) as { merkle_root: string };
    assert.equal(`0x${log.merkle_root}`, submitted.event.data[2].toString());
    timings['3 kill -9 and resume'] = (Date.now() - started) / 1000;
  });

  it('4. a dataset that does not match its listed hash is refused by every worker', async () => {
    const started = Date.now();
    // Listed with the hash of the real slice, served as something else.
    writeFashionArchive(dir, 'listed.tar', 'train', 3000, 500);
    const served = readFileSync(join(dir, 'listed.tar'));
    writeFileSync(join(dir, 'tampered.tar'), Buffer.concat([served.subarray(0, served.length - 2048), Buffer.alloc(2048, 7)]));
    const out = await run('verity-worker', [...nodeArg(), 'dataset', 'publish', join(dir, 'listed.tar'), '--uri', `${files.url}/tampered.tar`], aliceEnv);
    const bad = Number(/dataset (\d+):/.exec(out)?.[1]);
    const slashedBefore = seen.filter((s) => s.event.section === 'compute' && s.event.method === 'Slashed').length;
    const id = await postTraining({ dataset: bad, steps: 100, interval: 20, workBlocks: 30 });
    const ended = await waitFor(`job ${id} ended`, (s) => ofJob(id, 'JobExpired')(s) || ofJob(id, 'JobFinalized')(s), 300_000);
    assert.equal(ended.event.method, 'JobExpired', 'nobody trained on bad data');
    assert.equal(seen.filter(ofJob(id, 'ResultSubmitted')).length, 0);
    const refusers = [...workers.values()].filter((w) => /declining the job.*bad data/s.test(w.log()));
    assert.ok(refusers.length >= 1, 'the assigned workers refused the data');
    const declined = seen.filter(ofJob(id, 'Declined')).length;
    const noShows = seen.filter(ofJob(id, 'DeadlineMissed')).length;
    const slashed = seen.filter((s) => s.event.section === 'compute' && s.event.method === 'Slashed').length - slashedBefore;
    // Each assignee declined on chain within the decline window: nobody is slashed.
    assert.ok(declined >= 1, 'the refusals were declined on chain');
    assert.equal(noShows, 0);
    assert.equal(slashed, 0);
    console.log(`bad data: ${refusers.length} worker(s) refused, ${declined} declined, ${noShows} no-show(s), ${slashed} slash(es)`);
    timings['4 bad data'] = (Date.now() - started) / 1000;
  });
});
