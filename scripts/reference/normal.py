"""Standard normal CDF and quantile from SciPy (Cephes ndtr / ndtri), tails included."""
import numpy as np
import scipy
from scipy import stats

from _common import write


def main():
    x = sorted(set([0.0, 1e-300, -1e-17, 1e-9, 0.1, -0.5, 0.6744, -0.67449, 0.675, 1.0, -1.5, 1.959963984540054,
                    2.5, -3.2, 4.0, -5.0, 5.65, -5.66, 6.0, -7.5, 8.0, 8.25, -10.0, -20.0, -30.0, -37.0, -38.0,
                    9.0, 40.0] + list(np.round(np.linspace(-12, 7, 77), 6))))
    p = sorted(set([1e-300, 1e-100, 1e-20, 1e-12, 1.3e-11, 1e-6, 0.001, 0.01, 0.025, 0.05, 0.075, 0.0749,
                    0.0751, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.925, 0.95, 0.975, 0.99, 0.999,
                    1 - 1e-6, 1 - 1e-12, 1 - 2 ** -52] + list(np.round(np.linspace(0.001, 0.999, 61), 9))))
    write('normal.json', {
        'generator': 'scripts/reference/normal.py',
        'versions': {'scipy': scipy.__version__},
        'cdf': [[v, stats.norm.cdf(v)] for v in x],
        'quantile': [[v, stats.norm.ppf(v)] for v in p],
    })


if __name__ == '__main__':
    main()
