// Signs and sends an extrinsic from a zombienet js-script, shared by the scripts here.
//
// `submit(api, tx, signer, { until })` resolves with `{ blockHash, events }` once the
// extrinsic is in a block (`until: 'inBlock'`, the default) or in a finalized block
// (`until: 'finalized'`), and rejects with the pallet error's name when it fails, or with
// the pool status when it is dropped. A dev node's manual seal may report `Finalized`
// without `InBlock`; either status answers an `inBlock` wait.
function submit(api, tx, signer, { until = 'inBlock' } = {}) {
  const call = `${tx.method.section}.${tx.method.method}`;
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    let settled = false;
    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      outcome();
    };
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        const reason = dispatchError.isModule
          ? (({ section, name }) => `${section}.${name}`)(api.registry.findMetaError(dispatchError.asModule))
          : dispatchError.toString();
        settle(() => reject(new Error(`${call} failed: ${reason}`)));
      } else if (status.isFinalized || (until === 'inBlock' && status.isInBlock)) {
        const blockHash = status.isFinalized ? status.asFinalized : status.asInBlock;
        settle(() => resolve({ blockHash, events }));
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        settle(() => reject(new Error(`${call}: ${status.type}`)));
      }
    })
      .then((u) => {
        unsubscribe = u;
        // The callback may have settled before `signAndSend` handed back its unsubscribe.
        if (settled) u();
      })
      .catch((error) => settle(() => reject(error)));
  });
}

// Waits until none of `who`'s transactions is pending: the finalized state's nonce is the
// one the node would hand out next. On a parachain a transaction reported in a block can
// still be on a fork that is retracted, and a CLI that asks the node for the next nonce in
// that window gets the same nonce again and is refused ("priority is too low").
async function settled(api, who) {
  for (;;) {
    const head = await api.rpc.chain.getFinalizedHead();
    const { nonce } = await (await api.at(head)).query.system.account(who);
    const next = await api.rpc.system.accountNextIndex(who);
    if (nonce.toNumber() === next.toNumber()) return;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

module.exports = { submit, settled };
