"""AUC, KS and confusion metrics from scikit-learn and SciPy on seeded data sets with ties."""
import numpy as np
import sklearn
import scipy
from scipy import stats
from sklearn import metrics

from _common import scored_dataset, write

SETS = [
    # name, seed, n, positive rate, decimals, separation
    ('rare-positives-2dp', 101, 2000, 0.05, 2, 1.0),
    ('balanced-1dp', 202, 1500, 0.5, 1, 0.6),
    ('unbalanced-3dp', 303, 1200, 0.2, 3, 1.5),
    ('continuous', 404, 800, 0.35, 12, 0.8),
    ('tiny-all-tied', 505, 40, 0.3, 0, 0.0),
]


def confusion(labels, scores, threshold):
    """sklearn scorers on `scores >= threshold`; a 0/0 rate is written as null (never 0)."""
    pred = (scores >= threshold).astype(np.uint8)
    tn, fp, fn, tp = metrics.confusion_matrix(labels, pred, labels=[0, 1]).ravel()
    return {
        'threshold': threshold,
        'tp': tp, 'fp': fp, 'tn': tn, 'fn': fn,
        'accuracy': metrics.accuracy_score(labels, pred),
        'precision': metrics.precision_score(labels, pred, zero_division=0) if tp + fp else None,
        'recall': metrics.recall_score(labels, pred, zero_division=0) if tp + fn else None,
        'f1': metrics.f1_score(labels, pred, zero_division=0) if 2 * tp + fp + fn else None,
        # sklearn has no specificity scorer: recall of the negative class is the same thing.
        'specificity': metrics.recall_score(labels, pred, pos_label=0, zero_division=0)
        if tn + fp else None,
        # ... and FPR is 1 - specificity, taken from the normalised confusion matrix.
        'fpr': metrics.confusion_matrix(labels, pred, labels=[0, 1], normalize='true')[0, 1]
        if tn + fp else None,
    }


def main():
    sets = []
    for name, seed, n, rate, decimals, sep in SETS:
        labels, scores = scored_dataset(seed, n, rate, decimals, sep)
        pos, neg = scores[labels == 1], scores[labels == 0]
        ks = stats.ks_2samp(neg, pos)
        uniq = np.unique(scores)
        thresholds = sorted({float(np.median(scores)), float(uniq[len(uniq) // 3]), 0.5,
                             float(uniq[0]), float(uniq[-1]) + 1.0})
        sets.append({
            'name': name, 'seed': seed, 'labels': labels, 'scores': scores,
            'auc': metrics.roc_auc_score(labels, scores),
            'ks': {'statistic': ks.statistic, 'location': ks.statistic_location},
            'confusion': [confusion(labels, scores, t) for t in thresholds],
        })
    write('classification.json', {
        'generator': 'scripts/reference/classification.py',
        'versions': {'numpy': np.__version__, 'scipy': scipy.__version__, 'sklearn': sklearn.__version__},
        'sets': sets,
    })


if __name__ == '__main__':
    main()
