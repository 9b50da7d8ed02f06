// Run by workers.zndsl on a collator: three `verity-worker` daemons (Bob, Charlie, Dave)
// join the parachain through that collator's RPC endpoint, as operators run them beside a
// node, and a training job posted with the worker's user CLI is trained, audited and
// finalized into a registered model. zombienet spawns only Substrate nodes, so this script
// starts the workers, a file server for the datasets, and stops them all when it ends.
//
// Needs `verity-worker` and `verity-ml` on PATH (zombienet/test.sh puts
// $ML_TARGET_DIR/release there) and Debian's dataset-fashion-mnist (scripts/setup.sh).
// Returns 0 when the job is finalized with a model whose weights hash matches the
// trainer's checkpoint log; throws otherwise, with the workers' recent output.
const { spawn, execFile } = require('node:child_process');
const { createReadStream, mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, mkdirSync } = require('node:fs');
const { createServer } = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { gunzipSync } = require('node:zlib');
const { settled, submit } = require('./tx.js');

const FASHION = '/usr/share/datasets/fashion-mnist';
const WORKERS = ['Bob', 'Charlie', 'Dave'];

function log(message) {
  console.log(`    workers-train-a-job: ${message}`);
}

// The first `count` samples of a Fashion-MNIST split as two IDX files (headers rewritten).
function writeSlice(dir, split, count) {
  const images = gunzipSync(readFileSync(join(FASHION, `${split}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(FASHION, `${split}-labels-idx1-ubyte.gz`)));
  const size = images.readUInt32BE(8) * images.readUInt32BE(12);
  const imageSlice = Buffer.from(images.subarray(0, 16 + count * size));
  imageSlice.writeUInt32BE(count, 4);
  const labelSlice = Buffer.from(labels.subarray(0, 8 + count));
  labelSlice.writeUInt32BE(count, 4);
  const paths = { images: join(dir, `${split}-images-idx3-ubyte`), labels: join(dir, `${split}-labels-idx1-ubyte`) };
  writeFileSync(paths.images, imageSlice);
  writeFileSync(paths.labels, labelSlice);
  return paths;
}

// Runs a CLI to completion; rejects with its output when it fails.
function run(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20, timeout: 900_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function serve(dir) {
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url || '/').slice(1));
    const path = join(dir, name);
    if (name.includes('/') || name.includes('..') || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': statSync(path).size });
    createReadStream(path).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, server };
}

function startWorker(name, node, dir) {
  const dataDir = join(dir, name.toLowerCase());
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(
    'verity-worker',
    ['run', '--node', node, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--stake', '2000', '--device', `zombienet ${name.toLowerCase()}`],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VERITY_SURI: `//${name}`, RUST_LOG: 'info' } },
  );
  let output = '';
  child.stdout.on('data', (c) => (output += c.toString()));
  child.stderr.on('data', (c) => (output += c.toString()));
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  return {
    name,
    tail: (n = 3000) => `--- ${name}\n${output.slice(-n)}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

async function run_(nodeName, networkInfo) {
  if (!existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'))) {
    throw new Error(`${FASHION} is missing: install Debian's dataset-fashion-mnist (scripts/setup.sh does)`);
  }
  const node = networkInfo.nodesByName[nodeName].wsUri;
  const api = await zombie.connect(node);
  const alice = new zombie.Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const dir = mkdtempSync(join(tmpdir(), 'verity-zombienet-workers-'));
  log(`working in ${dir}`);

  // Governance (sudo on the `local` spec) shortens the market's windows, as on the dev chain.
  const params = (await api.query.compute.params()).toJSON();
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
  // Final, not only in a block: a block that a fork retracts puts the call back in the pool,
  // and while it is there the node's next index for Alice can read as if it never existed.
  await submit(api, api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice, { until: 'finalized' });
  await settled(api, alice.address);

  // Two IDX archives served over HTTP, listed by Alice with the worker's CLI.
  for (const [split, count, name] of [['train', 2000, 'train.tar'], ['t10k', 500, 'test.tar']]) {
    const { images, labels } = writeSlice(dir, split, count);
    await run('verity-ml', ['pack-idx', '--images', images, '--labels', labels, '--out', join(dir, name)]);
  }
  const files = await serve(dir);
  // Each of Alice's commands starts once her previous transactions are final (see `settled`).
  const cli = async (args) => {
    await settled(api, alice.address);
    return run('verity-worker', ['--node', node, ...args], { VERITY_SURI: '//Alice' });
  };
  const publish = async (file) => {
    const out = await cli(['dataset', 'publish', join(dir, file), '--uri', `${files.url}/${file}`, '--price', '1', '--licence', 'CC-BY-4.0']);
    const id = Number(/dataset (\d+):/.exec(out)?.[1]);
    if (!Number.isInteger(id)) throw new Error(`no dataset id in: ${out}`);
    return id;
  };
  const train = await publish('train.tar');
  const test = await publish('test.tar');
  log(`datasets ${train} (2,000 samples) and ${test} (500) listed, served at ${files.url}`);

  const workers = WORKERS.map((name) => startWorker(name, node, dir));
  const logs = () => workers.map((w) => w.tail()).join('\n');
  let codes = [];
  try {
    const deadline = Date.now() + 180_000;
    while ((await api.query.compute.candidates()).length < WORKERS.length) {
      if (Date.now() > deadline) throw new Error(`the workers did not register:\n${logs()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    log(`${WORKERS.join(', ')} registered (stake 2,000 VRTY each)`);

    const started = Date.now();
    const posted = await cli([
      'job', 'post', 'train', '--arch', 'mlp:784-64-10:relu', '--dataset', String(train), '--validation', String(test),
      '--steps', '300', '--batch', '32', '--checkpoint-every', '30', '--audit-rate', '0.2', '--reward', '100',
      '--work-blocks', '200', '--seed', '7', '--yes',
    ]);
    const job = Number(/job (\d+) posted/.exec(posted)?.[1]);
    if (!Number.isInteger(job)) throw new Error(`no job id in: ${posted}`);
    log(`training job ${job} posted by Alice`);
    let watched;
    try {
      watched = await cli(['job', 'watch', String(job), '--timeout', '840']);
    } catch (error) {
      throw new Error(`${error.message}\n${logs()}`);
    }
    const model = Number(/finalized: model (\d+) registered/.exec(watched)?.[1]);
    if (!Number.isInteger(model)) throw new Error(`job ${job} did not finalize with a model:\n${watched}\n${logs()}`);
    log(`job ${job} finalized in ${Math.round((Date.now() - started) / 1000)} s: model ${model} registered`);

    // The registered weights are the trainer's, and anyone can fetch and verify them.
    const registered = (await api.query.models.models(model)).unwrap();
    const lineage = registered.lineage.toJSON();
    if (lineage?.trainedBy?.job !== job) throw new Error(`model ${model}'s lineage is ${JSON.stringify(lineage)}`);
    const out = join(dir, 'model.safetensors');
    const fetched = await run('verity-worker', ['--node', node, 'model', 'fetch', String(model), '--out', out]);
    if (!/verified/.test(fetched)) throw new Error(`model fetch: ${fetched}`);
    const evaluation = await run('verity-ml', ['evaluate', '--weights', out, '--data', join(dir, 'test.tar')]);
    log(`model ${model} fetched and verified against its registered hash; ${evaluation.trim().split('\n').pop()}`);
  } finally {
    codes = await Promise.all(workers.map((w) => w.stop()));
    files.server.close();
    await api.disconnect();
  }
  if (codes.some((c) => c !== 0)) throw new Error(`a worker exited with ${codes} on SIGTERM:\n${logs()}`);
  log('workers stopped cleanly (SIGTERM)');
  return 0;
}

module.exports = { run: run_ };
