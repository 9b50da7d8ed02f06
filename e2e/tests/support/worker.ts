// Real `verity-worker` processes, the `verity-ml` CLI, a file server for datasets, and
// IDX slices of Fashion-MNIST for the worker suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The binaries of the off-chain workspace; `verity-worker-faults` is the worker built with
 * the `faults` feature (`--fault ...`), which `scripts/test.sh` builds beside the real one. */
export type Binary = 'verity-worker' | 'verity-worker-faults' | 'verity-ml';

/** Where the off-chain workspace's binaries are (`$ML_TARGET_DIR/release`). */
export function binary(name: Binary): string {
  const dir = process.env.ML_TARGET_DIR ?? join(homedir(), '.cache', 'verity', 'ml-target');
  const path = join(dir, 'release', name);
  if (!existsSync(path)) {
    throw new Error(`${path} not found: build it with \`scripts/test.sh\` (or \`cargo build --release --manifest-path ml/Cargo.toml --bins\`)`);
  }
  return path;
}

/** Runs a command to completion without blocking the event loop (which must keep draining
 * the node's and the workers' output pipes, or they stall); rejects with its output if it
 * fails. */
function exec(command: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

/** Runs a CLI to completion; rejects with its output if it fails. */
export async function run(name: 'verity-worker' | 'verity-ml', args: string[], env: Record<string, string> = {}): Promise<string> {
  return (await exec(binary(name), args, env)).stdout;
}

/** CPU seconds (user + system) a command takes, with its stdout. */
export async function cpuSeconds(name: 'verity-ml', args: string[]): Promise<{ seconds: number; stdout: string }> {
  const script = `TIMEFORMAT='%3U %3S'; { time "$0" "$@" > /tmp/verity-cpu-out.$$ ; } 2>&1 | tail -1; cat /tmp/verity-cpu-out.$$ >&2; rm -f /tmp/verity-cpu-out.$$`;
  const result = await exec('bash', ['-c', script, binary(name), ...args]);
  const [user, sys] = result.stdout.trim().split(/\s+/).map(Number);
  return { seconds: user + sys, stdout: result.stderr };
}

/** CPU seconds a running process has used so far (from /proc). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return ticks / 100;
}

export interface WorkerProcess {
  name: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the worker logged so far. */
  log(): string;
  /** Sends SIGKILL and waits for the exit. */
  kill9(): Promise<void>;
  /** Sends SIGTERM and waits for a clean exit. */
  stop(): Promise<number | null>;
}

/** Starts `verity-worker run` for the dev account `//<Name>` (`verity-worker-faults` for a
 * worker that cheats on purpose with `--fault ...` in `extra`). */
export function startWorker(
  name: string,
  rpcPort: number,
  dataDir: string,
  extra: string[] = [],
  bin: 'verity-worker' | 'verity-worker-faults' = 'verity-worker',
): WorkerProcess {
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(
    binary(bin),
    [
      'run',
      '--node', `ws://127.0.0.1:${rpcPort}`,
      '--data-dir', dataDir,
      '--listen', '127.0.0.1:0',
      '--stake', '2000',
      '--device', `e2e ${name.toLowerCase()}`,
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VERITY_SURI: `//${name}`, RUST_LOG: 'info' } },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    name,
    dataDir,
    child,
    log: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
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

/** Serves the files of `dir` over HTTP on a free loopback port. */
export async function serveDirectory(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    const path = join(dir, name);
    if (name.includes('..') || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': statSync(path).size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

const FASHION = '/usr/share/datasets/fashion-mnist';

/** Whether Debian's dataset-fashion-mnist is installed. */
export function haveFashionMnist(): boolean {
  return existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));
}

/** Samples `[start, start + count)` of a Fashion-MNIST split as IDX (images, labels). */
export function fashionSlice(split: 'train' | 't10k', start: number, count: number): { images: Buffer; labels: Buffer } {
  const images = gunzipSync(readFileSync(join(FASHION, `${split}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(FASHION, `${split}-labels-idx1-ubyte.gz`)));
  const rows = images.readUInt32BE(8);
  const cols = images.readUInt32BE(12);
  const imageHeader = Buffer.alloc(16);
  images.copy(imageHeader, 0, 0, 16);
  imageHeader.writeUInt32BE(count, 4);
  const labelHeader = Buffer.alloc(8);
  labels.copy(labelHeader, 0, 0, 8);
  labelHeader.writeUInt32BE(count, 4);
  const size = rows * cols;
  return {
    images: Buffer.concat([imageHeader, images.subarray(16 + start * size, 16 + (start + count) * size)]),
    labels: Buffer.concat([labelHeader, labels.subarray(8 + start, 8 + start + count)]),
  };
}

/** A POSIX tar archive (ustar) of regular files. */
export function tar(files: Record<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 8, 'ascii');
    header.write('0000000\0', 108, 8, 'ascii');
    header.write('0000000\0', 116, 8, 'ascii');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
    header.write('00000000000\0', 136, 12, 'ascii');
    header.write('        ', 148, 8, 'ascii');
    header.write('0', 156, 1, 'ascii');
    header.write('ustar\0', 257, 6, 'ascii');
    header.write('00', 263, 2, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Writes an IDX archive of a Fashion-MNIST slice; returns its path. */
export function writeFashionArchive(dir: string, name: string, split: 'train' | 't10k', start: number, count: number): string {
  const { images, labels } = fashionSlice(split, start, count);
  const path = join(dir, name);
  writeFileSync(path, tar({ [`${split}-images-idx3-ubyte`]: images, [`${split}-labels-idx1-ubyte`]: labels }));
  return path;
}
