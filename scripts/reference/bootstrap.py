"""Bootstrap intervals with FIXED resample indices (NumPy's generator cannot be reproduced in
TypeScript), so the TS side recomputes the same replicates and only the interval maths differs.
BCa comes from SciPy's own `_bca_interval` where the statistic is vectorised (the mean), and from a
transcription of it for the stratified AUC, which is cross-checked against SciPy on the mean."""
import numpy as np
import scipy
from scipy import stats
from scipy.stats._resampling import _bca_interval
from sklearn import metrics

from _common import scored_dataset, write


def bca_transcribed(estimate, replicates, jackknife, alpha):
    z0 = stats.norm.ppf(((replicates < estimate).sum() + (replicates <= estimate).sum())
                        / (2 * len(replicates)))
    d = jackknife.mean() - jackknife
    a = (d ** 3).sum() / (6 * ((d ** 2).sum()) ** 1.5)
    za = stats.norm.ppf(alpha)
    levels = [stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))) for z in (za, -za)]
    return levels, z0, a


def intervals(estimate, replicates, jackknife, confidence, scipy_bca=None):
    alpha = (1 - confidence) / 2
    levels, z0, a = bca_transcribed(estimate, replicates, jackknife, alpha)
    if scipy_bca is not None:
        got = np.array([np.ravel(v)[0] for v in scipy_bca(alpha)])
        assert np.allclose(got, [levels[0], levels[1], a], rtol=1e-12, atol=0), (got, levels, a)
    return {
        'confidence': confidence,
        'percentile': [np.percentile(replicates, alpha * 100), np.percentile(replicates, (1 - alpha) * 100)],
        'bca': [np.percentile(replicates, levels[0] * 100), np.percentile(replicates, levels[1] * 100)],
        'bias': z0, 'acceleration': a,
    }


def mean_case(rng):
    x = np.round(rng.lognormal(size=45), 2)
    idx = rng.integers(0, len(x), size=(400, len(x)))
    reps = x[idx].mean(axis=1)
    jack = np.array([np.delete(x, i).mean() for i in range(len(x))])

    def scipy_bca(alpha):
        return _bca_interval((x,), np.mean, axis=-1, alpha=alpha, theta_hat_b=reps[None, :], batch=None)

    return {'name': 'mean-lognormal', 'values': x, 'indices': idx, 'estimate': x.mean(),
            'replicates': reps, 'jackknife': jack,
            'intervals': [intervals(x.mean(), reps, jack, c, scipy_bca) for c in (0.95, 0.9)]}


def median_case(rng):
    """Integer data: many replicates equal the estimate, which exercises the tie-aware z0."""
    x = rng.integers(0, 6, size=31).astype(float)
    idx = rng.integers(0, len(x), size=(400, len(x)))
    reps = np.median(x[idx], axis=1)
    jack = np.array([np.median(np.delete(x, i)) for i in range(len(x))])

    def scipy_bca(alpha):
        return _bca_interval((x,), np.median, axis=-1, alpha=alpha, theta_hat_b=reps[None, :], batch=None)

    return {'name': 'median-integers', 'values': x, 'indices': idx, 'estimate': np.median(x),
            'replicates': reps, 'jackknife': jack,
            'intervals': [intervals(np.median(x), reps, jack, c, scipy_bca) for c in (0.95, 0.8)]}


def auc_case(rng):
    labels, scores = scored_dataset(909, 120, 0.25, 1, 1.0)
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    # Stratified by class: each resample keeps the class sizes, so every AUC is defined.
    idx = np.concatenate([rng.choice(pos, size=(300, len(pos))), rng.choice(neg, size=(300, len(neg)))], axis=1)
    reps = np.array([metrics.roc_auc_score(labels[i], scores[i]) for i in idx])
    jack = np.array([metrics.roc_auc_score(np.delete(labels, i), np.delete(scores, i))
                     for i in range(len(labels))])
    est = metrics.roc_auc_score(labels, scores)
    return {'name': 'auc-stratified', 'labels': labels, 'scores': scores, 'indices': idx, 'estimate': est,
            'replicates': reps, 'jackknife': jack,
            'intervals': [intervals(est, reps, jack, c) for c in (0.95, 0.9)]}


def main():
    rng = np.random.default_rng(31337)
    write('bootstrap.json', {
        'generator': 'scripts/reference/bootstrap.py',
        'versions': {'numpy': np.__version__, 'scipy': scipy.__version__},
        'cases': [mean_case(rng), auc_case(rng), median_case(rng)],
    })


if __name__ == '__main__':
    main()
