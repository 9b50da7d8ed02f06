#!/usr/bin/env python3
"""Prints each call's weight in a generated weights.rs as a ratio of
`pallet_balances::transfer_keep_alive` from a benchmark run on the same machine.

    scripts/weight_ratios.py pallets/compute/src/weights.rs [more weights.rs ...] runtime/src/weights/pallet_balances.rs

The last file is the balances one; every call of the files before it is compared with it.

Both files come from `scripts/benchmark.sh` runs on the same machine (ours with
scripts/weight-template.hbs, polkadot-sdk's pallets with the CLI's default template). Ratios are given for the measured execution time alone and for
the total with the runtime's RocksDB read/write weights (25 µs / 100 µs), and for proof size.
"""
import re
import sys

READ_PS, WRITE_PS = 25_000_000, 100_000_000


def weights(path):
    text = open(path).read()
    text = text.split("impl WeightInfo for ()")[0]
    found = {}
    for m in re.finditer(
        r"fn (\w+)\(\) -> Weight \{.*?Weight::from_parts\(([\d_]+), ([\d_]+)\)(.*?)\n\t\}",
        text,
        re.S,
    ):
        name, ref_time, proof, rest = m.groups()
        # The default template adds the proof size separately.
        extra_proof = re.search(r"Weight::from_parts\(0, ([\d_]+)\)", rest)
        if extra_proof:
            proof = extra_proof.group(1)
        reads = re.search(r"reads\((\d+)(?:_u64)?\)", rest)
        writes = re.search(r"writes\((\d+)(?:_u64)?\)", rest)
        r = int(reads.group(1)) if reads else 0
        w = int(writes.group(1)) if writes else 0
        exec_ps = int(ref_time.replace("_", ""))
        found[name] = (exec_ps, exec_ps + r * READ_PS + w * WRITE_PS, int(proof.replace("_", "")), r, w)
    return found


*pallets, balances_path = sys.argv[1:]
balances = weights(balances_path)["transfer_keep_alive"]
print(f"transfer_keep_alive: exec {balances[0] / 1e6:.1f} µs, total {balances[1] / 1e6:.1f} µs, proof {balances[2]} B")
for path in pallets:
    print(f"\n{path}")
    print(f"{'call':<22} {'exec µs':>9} {'exec ×':>7} {'total µs':>9} {'total ×':>8} {'proof B':>8} {'proof ×':>8}  r/w")
    for name, (exec_ps, total_ps, proof, r, w) in weights(path).items():
        print(
            f"{name:<22} {exec_ps / 1e6:>9.1f} {exec_ps / balances[0]:>7.1f} {total_ps / 1e6:>9.1f} "
            f"{total_ps / balances[1]:>8.1f} {proof:>8} {proof / balances[2]:>8.1f}  {r}/{w}"
        )
