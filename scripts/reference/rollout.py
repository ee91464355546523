"""Rollout statistics: window percentiles over pooled batches (numpy.percentile, linear), PSI over
10 equal-frequency baseline bins (NumPy), two-sample KS (scipy.stats.ks_2samp) and the Katz
log interval of a ratio of two proportions (scipy.stats.contingency.relative_risk)."""
import numpy as np
import scipy
from scipy import stats
from scipy.stats.contingency import relative_risk

from _common import write

EPS = 1e-4


def psi(baseline, live, bins=10):
    edges = np.percentile(baseline, np.arange(1, bins) * 100 / bins)
    # Right-closed bins (-inf, e1], (e1, e2], ..., (e9, inf).
    expected = np.bincount(np.searchsorted(edges, baseline, side='left'), minlength=bins) / len(baseline)
    actual = np.bincount(np.searchsorted(edges, live, side='left'), minlength=bins) / len(live)
    expected = np.where(expected == 0, EPS, expected)
    actual = np.where(actual == 0, EPS, actual)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def drift_sets(rng):
    r = lambda a: np.round(a, 5)  # noqa: E731 -- short values keep the fixture small
    base = r(rng.normal(0.3, 0.1, size=2000))
    return [
        ('same-distribution', base, r(rng.normal(0.3, 0.1, size=1500))),
        ('shifted-mean', base, r(rng.normal(0.36, 0.1, size=1500))),
        ('wider', base, r(rng.normal(0.3, 0.15, size=1000))),
        ('rounded-ties', np.round(base, 2), np.round(rng.normal(0.32, 0.1, size=1000), 2)),
        ('live-outside-baseline', base, r(rng.uniform(0.9, 1.0, size=400))),
        ('small', np.array([0.1, 0.2, 0.2, 0.4, 0.5, 0.7, 0.9, 0.9, 1.0, 1.3, 1.5]),
         np.array([0.05, 0.2, 0.8, 0.95, 2.0])),
    ]


def window_percentiles(rng):
    batches = [np.round(rng.lognormal(4.5, 0.4, size=n), 1) for n in (1, 40, 250, 997)]
    pooled = np.concatenate(batches)
    qs = [50, 90, 95, 99, 99.9]
    return {'batches': batches, 'qs': qs, 'expected': [np.percentile(pooled, q) for q in qs],
            'meanOfBatchP95': float(np.mean([np.percentile(b, 95) for b in batches]))}


def katz(xa, na, xb, nb, confidence):
    rr = relative_risk(xa, na, xb, nb)
    lo, hi = rr.confidence_interval(confidence)
    return {'input': [xa, na, xb, nb, confidence], 'estimate': rr.relative_risk - 1,
            'interval': [lo - 1, hi - 1]}


def main():
    rng = np.random.default_rng(20261204)
    write('rollout.json', {
        'generator': 'scripts/reference/rollout.py',
        'versions': {'numpy': np.__version__, 'scipy': scipy.__version__},
        'drift': [{'name': n, 'baseline': b, 'live': l, 'psi': psi(b, l),
                   'ks': stats.ks_2samp(b, l).statistic} for n, b, l in drift_sets(rng)],
        'windowPercentiles': window_percentiles(rng),
        'katz': [katz(*args) for args in [
            (494000, 10000000, 500000, 10000000, 0.95), (120, 1000, 150, 1000, 0.9),
            (52, 10000, 48, 10000, 0.99), (3000, 60000, 3100, 62000, 0.95)]],
    })


if __name__ == '__main__':
    main()
