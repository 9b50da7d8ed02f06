#!/usr/bin/env python3
"""Loads weights exported by verity-ml and recomputes their canonical weights hash.

Usage: check_safetensors.py FILE.safetensors

Prints one JSON object: the metadata, the weights hash recomputed from the loaded numpy
arrays (the layout of verity_ml::params), and per tensor its shape, dtype, float64 sum and
the bit pattern of its first value. Exits with status 3 (and a reason on stderr) if numpy or safetensors is missing,
so callers can skip rather than fail.
"""
import hashlib
import json
import struct
import sys

try:
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file
except ImportError as e:  # pragma: no cover
    print(f"missing Python package: {e}", file=sys.stderr)
    sys.exit(3)


def put_str(h, s):
    b = s.encode()
    h.update(struct.pack("<Q", len(b)))
    h.update(b)


def weights_hash(tensors):
    h = hashlib.blake2b(digest_size=32)
    put_str(h, "verity-ml/weights/v1")
    h.update(struct.pack("<Q", len(tensors)))
    for name in sorted(tensors, key=lambda n: n.encode()):
        a = tensors[name]
        assert a.dtype == np.float32, f"{name} is {a.dtype}"
        put_str(h, name)
        put_str(h, "F32")
        h.update(struct.pack("<Q", a.ndim))
        for d in a.shape:
            h.update(struct.pack("<Q", d))
        data = np.ascontiguousarray(a).astype("<f4").tobytes()
        h.update(struct.pack("<Q", len(data)))
        h.update(data)
    return h.hexdigest()


def main():
    path = sys.argv[1]
    tensors = load_file(path)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    out = {
        "metadata": metadata,
        "weights_hash": weights_hash(tensors),
        "tensors": {
            n: {
                "shape": list(a.shape),
                "dtype": str(a.dtype),
                "sum": float(a.astype(np.float64).sum()),
                "first_bits": int(np.ascontiguousarray(a).reshape(-1)[:1].view("<u4")[0]),
            }
            for n, a in tensors.items()
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
