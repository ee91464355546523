"""numpy.percentile ('linear'), regression errors (scikit-learn) and the two-proportion test."""
import numpy as np
import scipy
import sklearn
from scipy import stats
from scipy.stats.contingency import relative_risk
from sklearn import metrics

from _common import write

QS = [0, 0.1, 1, 2.5, 5, 10, 25, 33.3, 50, 66.6, 75, 90, 95, 97.5, 99, 99.9, 100]


def percentile_sets(rng):
    return [
        ('ties', np.round(rng.normal(size=501), 1)),
        ('single', np.array([3.25])),
        ('two', np.array([-1.0, 4.0])),
        ('skewed', np.round(rng.lognormal(size=1000) * 1000, 3)),
        ('negative-and-zero', np.array([-0.0, 0.0, -2.5, 7.0, 7.0, 7.0, 1e-300, -1e300, 1e300])),
    ]


def regression_sets(rng):
    y = np.round(rng.gamma(2.0, 50.0, size=1500), 1)
    y[rng.random(1500) < 0.05] = 0.0  # zero targets exercise MAPE's skip rule
    pred = np.round(y + rng.normal(scale=15.0, size=1500), 2)
    small_y = np.array([3.0, -0.5, 2.0, 7.0])
    small_p = np.array([2.5, 0.0, 2.0, 8.0])  # sklearn docstring example
    return [('gamma-with-zeros', y, pred), ('sklearn-docstring', small_y, small_p)]


def regression(y, p):
    mask = y != 0
    abs_err = np.abs(p - y)
    return {
        'mae': metrics.mean_absolute_error(y, p),
        'rmse': metrics.mean_squared_error(y, p, squared=False),
        # sklearn's MAPE divides zero targets by eps; ours skips them, so apply it to the rest.
        'mape': metrics.mean_absolute_percentage_error(y[mask], p[mask]),
        'p50_abs_error': np.percentile(abs_err, 50),
        'p90_abs_error': np.percentile(abs_err, 90),
        'p95_abs_error': np.percentile(abs_err, 95),
    }


def two_proportions(xa, na, xb, nb, confidence):
    ra, rb = xa / na, xb / nb
    pooled = (xa + xb) / (na + nb)
    z = (ra - rb) / np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    zc = stats.norm.ppf(1 - (1 - confidence) / 2)
    se = np.sqrt(ra * (1 - ra) / na + rb * (1 - rb) / nb)
    rr = relative_risk(xa, na, xb, nb)
    lo, hi = rr.confidence_interval(confidence)
    return {
        'input': {'successesA': xa, 'trialsA': na, 'successesB': xb, 'trialsB': nb,
                  'confidence': confidence},
        'z': z, 'pValue': 2 * stats.norm.sf(abs(z)), 'pValueGreater': stats.norm.sf(z),
        'differenceCi': [ra - rb - zc * se, ra - rb + zc * se],
        'relativeLift': rr.relative_risk - 1, 'relativeLiftCi': [lo - 1, hi - 1],
    }


def main():
    rng = np.random.default_rng(20240611)
    write('summaries.json', {
        'generator': 'scripts/reference/summaries.py',
        'versions': {'numpy': np.__version__, 'scipy': scipy.__version__, 'sklearn': sklearn.__version__},
        'percentile': [{'name': n, 'values': v, 'qs': QS, 'expected': [np.percentile(v, q) for q in QS]}
                       for n, v in percentile_sets(rng)],
        'regression': [{'name': n, 'targets': y, 'predictions': p, 'expected': regression(y, p)}
                       for n, y, p in regression_sets(rng)],
        'twoProportion': [two_proportions(*args) for args in [
            (150, 1000, 120, 1000, 0.95), (150, 1000, 120, 1000, 0.9), (3, 40, 11, 52, 0.95),
            (5120, 100000, 4980, 100000, 0.99), (7, 7000, 1, 9000, 0.95)]],
    })


if __name__ == '__main__':
    main()
