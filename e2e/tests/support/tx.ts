// Signs, submits and waits for a transaction's inclusion, returning its events.
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { DispatchErrorModule, EventRecord } from '@polkadot/types/interfaces';

export interface Included {
  blockHash: string;
  events: EventRecord[];
}

/**
 * Submits `tx` signed by `signer` and resolves with its events once it is in a block.
 * Rejects with the decoded module error (e.g. `datasets.DuplicateContentHash`, or
 * `datasets.InvalidUri(UnsupportedScheme)` for an error that carries a reason) if the
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
          reject(new Error(moduleError(api, dispatchError.asModule)));
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

/** `pallet.Error`, with the reason an error carries decoded: `datasets.InvalidUri(TooLong)`. */
function moduleError(api: ApiPromise, error: DispatchErrorModule): string {
  const meta = api.registry.findMetaError(error);
  const field = meta.fields[0];
  if (!field) return `${meta.section}.${meta.name}`;
  // The first byte is the error's index; the rest encodes its field.
  const reason = api.registry.createType(api.registry.createLookupType(field.type), error.error.subarray(1));
  return `${meta.section}.${meta.name}(${reason.toString()})`;
}

/** The outcome of the extrinsic at `index` of a block, from that block's events: `success`,
 * or the decoded dispatch error (`datasets.DuplicateContentHash`); `undefined` when the
 * block has no outcome event for that index. */
export function outcomeAt(
  api: ApiPromise,
  events: EventRecord[],
  index: number,
): { success: true } | { success: false; error: string } | undefined {
  for (const { phase, event } of events) {
    if (!phase.isApplyExtrinsic || phase.asApplyExtrinsic.toNumber() !== index) continue;
    if (api.events.system.ExtrinsicSuccess.is(event)) return { success: true };
    if (api.events.system.ExtrinsicFailed.is(event)) {
      const error = event.data.dispatchError;
      return { success: false, error: error.isModule ? moduleError(api, error.asModule) : error.toString() };
    }
  }
  return undefined;
}
