// Starts a real `verity-node --dev` on free ports and connects @polkadot/api to it.
//
// Each test file starts its own node, so suites never share chain state. The binary is
// `$VERITY_NODE`, else `$CARGO_TARGET_DIR/release/verity-node`, else the default
// target dir of the repository.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ApiPromise, WsProvider } from '@polkadot/api';

export interface DevNode {
  api: ApiPromise;
  rpcPort: number;
  /** The tail of the node's output. */
  log(): string;
  /** Stops the node (SIGINT) and removes its database, unless the caller gave the base path. */
  stop(): Promise<void>;
  /** Kills the node with SIGKILL, as a crash or an OOM kill would, and leaves its database. */
  kill(): Promise<void>;
}

function nodeBinary(): string {
  const candidates = [
    process.env.VERITY_NODE,
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'release', 'verity-node'),
    fileURLToPath(new URL('../../../target/release/verity-node', import.meta.url)),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `verity-node not found (looked in ${candidates.join(', ')}); build it with ` +
        '`cargo build --release -p verity-node` or set VERITY_NODE',
    );
  }
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** Waits until the node answers JSON-RPC over HTTP, then connects over WebSocket. */
async function connect(rpcPort: number, child: ChildProcess, log: () => string): Promise<ApiPromise> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`verity-node exited with ${child.exitCode}:\n${log()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`verity-node did not answer RPC within 120 s:\n${log()}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${rpcPort}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
      });
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const provider = new WsProvider(`ws://127.0.0.1:${rpcPort}`);
  return ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
}

/**
 * Starts `verity-node --dev` with a block every `blockTimeMs` milliseconds. With
 * `basePath` the chain lives there and outlives the node (a restart on the same path
 * continues the chain); without, in a temporary directory removed by `stop()`.
 */
export async function startDevNode(blockTimeMs = 500, basePath?: string): Promise<DevNode> {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const ownsBasePath = basePath === undefined;
  const dataDir = basePath ?? mkdtempSync(join(tmpdir(), 'verity-e2e-'));
  const child = spawn(
    nodeBinary(),
    [
      '--dev',
      `--dev-block-time=${blockTimeMs}`,
      `--base-path=${dataDir}`,
      `--rpc-port=${rpcPort}`,
      `--port=${p2pPort}`,
      '--no-prometheus',
      '--no-telemetry',
      '--no-mdns',
      '--no-hardware-benchmarks',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Keep the tail of the node's output to explain a failure.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const stopChild = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (ownsBasePath) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const api = await connect(rpcPort, child, () => output);
    return {
      api,
      rpcPort,
      log: () => output,
      async stop() {
        await api.disconnect();
        await stopChild();
      },
      async kill() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await exited;
        }
        await api.disconnect();
      },
    };
  } catch (error) {
    await stopChild();
    throw error;
  }
}

/** Resolves once the chain's best block is at least `height`; rejects if no block comes for `stallMs`. */
export async function waitForBlock(api: ApiPromise, height: number, stallMs = 30_000): Promise<number> {
  return new Promise((resolveHeight, reject) => {
    // A stalled chain fails the wait instead of hanging the suite; a long wait on a live
    // chain is fine, so the timer restarts with every new block.
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe: (() => void) | undefined;
    const fail = () => {
      unsubscribe?.();
      reject(new Error(`waiting for block #${height}: no new block within ${stallMs} ms`));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(fail, stallMs);
    };
    arm();
    api.rpc.chain
      .subscribeNewHeads((header) => {
        const number = header.number.toNumber();
        if (number >= height) {
          clearTimeout(timer);
          unsubscribe?.();
          resolveHeight(number);
        } else {
          arm();
        }
      })
      .then((u) => {
        unsubscribe = u;
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error);
      });
  });
}
