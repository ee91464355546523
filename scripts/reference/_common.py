"""Shared helpers for the reference-value generators (run with Debian's /usr/bin/python3)."""
import json
import math
import os

import numpy as np

OUT_DIR = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'reference')


def clean(value):
    """JSON has no NaN/inf: write them as null so the TS side must treat them explicitly."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def write(name, payload):
    path = os.path.join(OUT_DIR, name)
    with open(path, 'w') as f:
        json.dump(clean(payload), f, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    print(f'wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)')


def scored_dataset(seed, n, positive_rate, decimals, separation):
    """Unbalanced labels and sigmoid scores rounded to `decimals`, so ties are heavy."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < positive_rate).astype(np.uint8)
    raw = rng.normal(size=n) + separation * labels
    scores = np.round(1 / (1 + np.exp(-raw)), decimals)
    return labels, scores
