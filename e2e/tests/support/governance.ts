// Passing a referendum with OpenGov as a token holder would in Polkadot.js apps: note the
// call's preimage, submit it on a track, place the decision deposit, vote with conviction.
import assert from 'node:assert/strict';

import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';

import { waitForBlock } from './devnode.ts';
import { submit } from './tx.ts';

export interface Proposal {
  /** The origin the call is dispatched with, which picks the track: `{ Origins: 'MarketAdmin' }`. */
  origin: object;
  call: SubmittableExtrinsic<'promise'>;
  /** Notes the preimage, submits and places the decision deposit. */
  proposer: KeyringPair;
  /** Vote aye with `balance` each, at 1× conviction. */
  voters: KeyringPair[];
  balance: bigint;
  /** Whether the enacted call has taken effect. */
  enacted: () => Promise<boolean>;
}

export interface Passed {
  index: number;
  track: number;
  submittedAt: number;
  approvedAt: number;
  enactedAt: number;
}

const bestNumber = async (api: ApiPromise) => (await api.rpc.chain.getHeader()).number.toNumber();

/** Takes `proposal` through its track to enactment; rejects if it has not passed and taken
 * effect within `maxBlocks` of its submission. */
export async function passReferendum(api: ApiPromise, proposal: Proposal, maxBlocks = 200): Promise<Passed> {
  const { call, proposer } = proposal;
  const noted = await submit(api, api.tx.preimage.notePreimage(call.method.toHex()), proposer);
  assert.ok(noted.events.some(({ event }) => api.events.preimage.Noted.is(event)));

  const bounded = { Lookup: { hash: call.method.hash.toHex(), len: call.method.encodedLength } };
  const { events } = await submit(api, api.tx.referenda.submit(proposal.origin, bounded, { After: 1 }), proposer);
  const submitted = events.find(({ event }) => api.events.referenda.Submitted.is(event));
  assert.ok(submitted && api.events.referenda.Submitted.is(submitted.event));
  const index = submitted.event.data.index.toNumber();
  const track = submitted.event.data.track.toNumber();
  const submittedAt = await bestNumber(api);

  await submit(api, api.tx.referenda.placeDecisionDeposit(index), proposer);
  await Promise.all(
    proposal.voters.map((voter) =>
      submit(
        api,
        api.tx.convictionVoting.vote(index, {
          Standard: { vote: { aye: true, conviction: 'Locked1x' }, balance: proposal.balance },
        }),
        voter,
      ),
    ),
  );

  let approvedAt = 0;
  for (let height = submittedAt + 1; height <= submittedAt + maxBlocks; height += 1) {
    await waitForBlock(api, height);
    if (!approvedAt) {
      const info = await api.query.referenda.referendumInfoFor(index);
      const state = info.unwrap();
      assert.ok(!state.isRejected && !state.isTimedOut && !state.isCancelled, `referendum ${index}: ${state.type}`);
      if (state.isApproved) approvedAt = height;
    }
    if (approvedAt && (await proposal.enacted())) {
      return { index, track, submittedAt, approvedAt, enactedAt: height };
    }
  }
  throw new Error(`referendum ${index} was not enacted within ${maxBlocks} blocks`);
}

/** One line for the log: how many blocks each phase took. */
export function describePassage(label: string, passed: Passed, blockTimeMs: number): string {
  const blocks = passed.enactedAt - passed.submittedAt;
  return (
    `${label}: referendum ${passed.index} on track ${passed.track} submitted at #${passed.submittedAt}, ` +
    `approved at #${passed.approvedAt}, in force at #${passed.enactedAt}: ${blocks} blocks ` +
    `(${((blocks * blockTimeMs) / 1000).toFixed(0)} s at this test's ${blockTimeMs} ms blocks, ${blocks} s at the dev chain's 1 s blocks)`
  );
}
