// The compute market's set-up steps the suites share: staked workers, a listed dataset, a
// training spec, a trainer's result over known checkpoints, and the commitments parties
// publish before they reveal.
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, randomAsU8a } from '@polkadot/util-crypto';

import { merkleRoot } from './merkle.ts';
import { submit, type Included } from './tx.ts';

const UNIT = 10n ** 12n;

/** What every e2e worker declares: a CPU in determinism class 1 (so audits are exact). */
export const CPU_WORKER = { backend: 'Cpu', device: 'e2e cpu', memoryMib: 8_192, maxParameters: 1_000_000, determinism: 1 };

/** Every segment audited. */
export const FULL_AUDIT = { auditRate: 1_000_000_000, replicas: 0 };

/** The MLP the suites train: 784-32-10. */
export const SMALL_MLP = { Fresh: { Mlp: { inputs: 784, hidden: [32], outputs: 10, activation: 'Relu' } } };

/** Registers `pair` as a worker staking `stake`, its endpoint named after the pair. */
export async function registerWorker(api: ApiPromise, pair: KeyringPair, stake: bigint): Promise<Included> {
  return submit(api, api.tx.compute.registerWorker(stake, CPU_WORKER, `https://${pair.meta.name}.example`), pair);
}

/** Lists a Fashion-MNIST-sized public dataset (random content hash) at 1 VRTY per use; returns its id. */
export async function listDataset(api: ApiPromise, owner: KeyringPair): Promise<number> {
  const id = (await api.query.datasets.nextDatasetId()).toNumber();
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
    owner,
  );
  return id;
}

/** A training job spec: SGD on one dataset, a checkpoint every `interval` steps. */
export function trainSpec(opts: { dataset: number; seed: number; steps: number; interval: number; base?: object }) {
  return {
    Train: {
      base: opts.base ?? SMALL_MLP,
      datasets: [opts.dataset],
      validation: null,
      optimizer: { Sgd: { learningRate: 10_000_000, momentum: 900_000_000 } },
      batchSize: 64,
      steps: opts.steps,
      seed: opts.seed,
      checkpointInterval: opts.interval,
      licence: 'Cc0',
      inferencePrice: UNIT,
    },
  };
}

/**
 * The trainer's `submitResult` for job `id`: `checkpoints` random checkpoint hashes under
 * their Merkle root. Returns the hashes, which the audits and disputes later prove against.
 */
export async function submitRandomResult(
  api: ApiPromise,
  id: number,
  trainer: KeyringPair,
  checkpoints: number,
): Promise<Uint8Array[]> {
  const leaves = Array.from({ length: checkpoints }, () => randomAsU8a(32));
  await submit(
    api,
    api.tx.compute.submitResult(id, {
      weights: { root: u8aToHex(randomAsU8a(32)), size: 942_000 },
      weightsUri: `https://${trainer.meta.name}.example/jobs/${id}/weights.safetensors`,
      checkpointRoot: u8aToHex(merkleRoot(leaves)),
      checkpoints,
      metrics: { finalLossMicros: 410_000, validationCorrect: 0, validationTotal: 0 },
    }),
    trainer,
  );
  return leaves;
}

/**
 * The commitment a party publishes before revealing, as the pallet computes it
 * (`pallet_compute::Pallet::commitment_of`): `blake2_256((tag, subject, who, value, salt))`.
 * An auditor's value is `(segment, (end_state, passed))`; a juror's is `defender_correct`.
 */
export function commitmentOf(
  api: ApiPromise,
  commit:
    | { kind: 'audit'; segment: number; endState: Uint8Array; passed: boolean }
    | { kind: 'vote'; defenderCorrect: boolean },
  subject: number,
  who: string,
  salt: Uint8Array,
): Uint8Array {
  const encoded =
    commit.kind === 'audit'
      ? api.createType('(Bytes, u64, AccountId32, (u32, ([u8; 32], bool)), [u8; 32])', [
          'verity/compute/audit',
          subject,
          who,
          [commit.segment, [commit.endState, commit.passed]],
          salt,
        ])
      : api.createType('(Bytes, u64, AccountId32, bool, [u8; 32])', [
          'verity/compute/vote',
          subject,
          who,
          commit.defenderCorrect,
          salt,
        ]);
  return blake2AsU8a(encoded.toU8a(), 256);
}
