// Signs, submits and waits for a transaction's inclusion, returning its events.
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';

export interface Included {
  blockHash: string;
  events: EventRecord[];
}

/**
 * Submits `tx` signed by `signer` and resolves with its events once it is in a block.
 * Rejects with the decoded module error (e.g. `datasets.DuplicateContentHash`) if the
 * dispatch failed.
 */
export async function submit(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
): Promise<Included> {
  return new Promise((resolveTx, reject) => {
    let unsubscribe: (() => void) | undefined;
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        unsubscribe?.();
        reject(new Error(`transaction ${status.type}`));
        return;
      }
      // Manual seal finalizes each block at once, so a transaction may skip `InBlock`.
      if (!status.isInBlock && !status.isFinalized) return;
      unsubscribe?.();
      if (dispatchError) {
        if (dispatchError.isModule) {
          const meta = api.registry.findMetaError(dispatchError.asModule);
          reject(new Error(`${meta.section}.${meta.name}`));
        } else {
          reject(new Error(dispatchError.toString()));
        }
        return;
      }
      const blockHash = status.isInBlock ? status.asInBlock : status.asFinalized;
      resolveTx({ blockHash: blockHash.toHex(), events });
    })
      .then((u) => {
        unsubscribe = u;
      })
      .catch(reject);
  });
}
