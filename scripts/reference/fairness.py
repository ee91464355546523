"""Per-group rates computed with NumPy on a seeded set, compared between groups (Fairlearn's
`between_groups`: max - min and min / max)."""
import numpy as np

from _common import write


def report(y, yhat, codes, values, privileged):
    groups = []
    for g, value in enumerate(values):
        m = codes == g
        pos, neg = m & (y == 1), m & (y == 0)
        groups.append({
            'value': value, 'n': int(m.sum()), 'positives': int(pos.sum()), 'negatives': int(neg.sum()),
            'predictedPositive': int((m & (yhat == 1)).sum()),
            'selectionRate': float(yhat[m].mean()),
            'tpr': float(yhat[pos].mean()) if pos.any() else None,
            'fpr': float(yhat[neg].mean()) if neg.any() else None,
        })
    sel = np.array([g['selectionRate'] for g in groups])
    tpr = np.array([g['tpr'] for g in groups])
    fpr = np.array([g['fpr'] for g in groups])
    priv = sel[values.index(privileged)]
    return {
        'groups': groups,
        'demographicParityDifference': sel.max() - sel.min(),
        'demographicParityRatio': sel.min() / sel.max(),
        'disparateImpactRatio': min(s / priv for v, s in zip(values, sel) if v != privileged),
        'equalizedOddsDifference': max(tpr.max() - tpr.min(), fpr.max() - fpr.min()),
        'equalizedOddsRatio': min(tpr.min() / tpr.max(), fpr.min() / fpr.max()),
        'equalOpportunityDifference': tpr.max() - tpr.min(),
        'equalOpportunityRatio': tpr.min() / tpr.max(),
    }


def main():
    rng = np.random.default_rng(7)
    n = 3000
    values = ['north', 'south', 'east', 'west']
    codes = rng.choice(4, size=n, p=[0.5, 0.3, 0.15, 0.05])
    y = (rng.random(n) < np.array([0.3, 0.2, 0.4, 0.1])[codes]).astype(np.uint8)
    yhat = (rng.random(n) < np.where(y == 1, 0.7, 0.2) * np.array([1.0, 0.8, 1.1, 0.6])[codes]).astype(np.uint8)
    write('fairness.json', {
        'generator': 'scripts/reference/fairness.py',
        'versions': {'numpy': np.__version__},
        'random': {'labels': y, 'predicted': yhat, 'values': values, 'codes': codes,
                   'privileged': 'north', 'expected': report(y, yhat, codes, values, 'north')},
    })


if __name__ == '__main__':
    main()
