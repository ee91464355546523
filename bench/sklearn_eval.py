"""The same computation as `clearance eval` with scikit-learn, SciPy and NumPy, for comparison.

AUC (sklearn.metrics.roc_auc_score), the paired DeLong test (the O(n log n) algorithm of Sun & Xu
2014 on scipy.stats.rankdata midranks), KS (scipy.stats.ks_2samp), confusion metrics at 0.5
(sklearn.metrics), per-group selection rate, TPR and FPR. Prints peak RSS in KiB and the CPU
time (user + system, all threads) in ms on stderr.
"""
import json
import resource
import sys

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics


def midranks(x):
    return stats.rankdata(x, method="average")


def delong_paired(labels, a, b):
    pos, neg = labels == 1, labels == 0
    m, n = int(pos.sum()), int(neg.sum())
    out = []
    for s in (a, b):
        tx, ty, tz = midranks(s[pos]), midranks(s[neg]), midranks(s)
        auc = (tz[pos].sum() / m - (m + 1) / 2) / n
        v10 = (tz[pos] - tx) / n
        v01 = 1 - (tz[neg] - ty) / m
        out.append((auc, v10, v01))
    v10 = np.vstack([out[0][1], out[1][1]])
    v01 = np.vstack([out[0][2], out[1][2]])
    s = np.cov(v10) / m + np.cov(v01) / n
    diff = out[0][0] - out[1][0]
    se = np.sqrt(s[0, 0] + s[1, 1] - 2 * s[0, 1])
    z = diff / se
    return {"aucDifference": diff, "z": z, "pValue": 2 * stats.norm.sf(abs(z))}


def main(path):
    frame = pd.read_csv(path, dtype={"label": np.uint8, "score": np.float64, "baseline_score": np.float64, "group": "category"})
    y = frame["label"].to_numpy()
    s = frame["score"].to_numpy()
    b = frame["baseline_score"].to_numpy()
    pred = (s >= 0.5).astype(np.uint8)
    result = {
        "auc": metrics.roc_auc_score(y, s),
        "ks": stats.ks_2samp(s[y == 1], s[y == 0]).statistic,
        "accuracy": metrics.accuracy_score(y, pred),
        "precision": metrics.precision_score(y, pred),
        "recall": metrics.recall_score(y, pred),
        "f1": metrics.f1_score(y, pred),
        "comparison": delong_paired(y, s, b),
        "groups": {},
    }
    for g, idx in frame.groupby("group", observed=True).indices.items():
        yg, pg = y[idx], pred[idx]
        result["groups"][str(g)] = {
            "selectionRate": float(pg.mean()),
            "tpr": float(pg[yg == 1].mean()),
            "fpr": float(pg[yg == 0].mean()),
        }
    print(json.dumps(result))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"MAXRSS_KIB {usage.ru_maxrss}", file=sys.stderr)
    print(f"CPU_MS {round((usage.ru_utime + usage.ru_stime) * 1000)}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
