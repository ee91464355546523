"""Load-test and stress-set fixtures, with numpy/scikit-learn reference values.

Writes realistic evidence files under test/fixtures/load-test/ and test/fixtures/robustness/:
- load_test.csv: one row per request (latency_ms, cost_usd), the per-request format;
- k6.ndjson: `k6 run --out json` lines (Metric and Point lines of several metrics);
- k6-summary.json / k6-summary-export.json: handleSummary()'s data object and the older
  --summary-export layout, whose p(95) etc. are computed as k6's TrendSink does (linear);
- load_test_stats.csv: Locust's stats CSV, its percentiles computed as Locust's stats module does
  (response times rounded, then calculate_response_time_percentile);
- robustness/: clean classification predictions and two perturbed copies (same ids).
and test/fixtures/reference/load-test.json with numpy.percentile (linear), means and AUCs by the
Mann–Whitney rank formula. Needs numpy only (any python3 with numpy: REFERENCE_PYTHON=python3).
"""
import csv
import json
import os

import numpy as np

from _common import write

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures')
LOAD = os.path.join(ROOT, 'load-test')
ROBUST = os.path.join(ROOT, 'robustness')
QS = [50, 90, 95, 99, 99.9]


def figures(values):
    return {
        'n': len(values),
        'percentiles': {str(q): np.percentile(values, q) for q in QS},
        'mean': float(np.mean(values)),
        'max': float(np.max(values)),
    }


def latencies(rng, n):
    """A fast mode and a slow tail (cache misses), in ms with microsecond resolution."""
    fast = rng.lognormal(mean=np.log(38), sigma=0.25, size=n)
    slow = rng.lognormal(mean=np.log(140), sigma=0.4, size=n)
    return np.round(np.where(rng.random(n) < 0.9, fast, slow), 3)


def write_latency_csv(rng, path):
    n = 1500
    lat = latencies(rng, n)
    # Per-request cost: GPU-seconds billed at $0.0008/s plus a flat $0.00002 per call.
    cost = np.round(lat / 1000 * 0.0008 + 0.00002, 9)
    with open(path, 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['timestamp', 'endpoint', 'status', 'latency_ms', 'cost_usd'])
        for i in range(n):
            ts = f'2026-11-02T10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z'
            w.writerow([ts, '/v1/eta', 200, f'{lat[i]:.3f}', f'{cost[i]:.9f}'])
    return lat, cost


def k6_trend(values):
    """k6's TrendSink: avg, min, med, max and p(N) by linear interpolation at pct·(n−1)."""
    s = np.sort(values)

    def p(pct):
        i = pct * (len(s) - 1)
        j, k = s[int(np.floor(i))], s[int(np.ceil(i))]
        return j + (k - j) * (i - np.floor(i))

    return {'avg': float(np.mean(s)), 'min': float(s[0]), 'med': float(np.median(s)),
            'max': float(s[-1]), 'p(90)': p(0.90), 'p(95)': p(0.95)}


def write_k6(rng):
    n = 300
    lat = latencies(rng, n)
    lines = [
        {'type': 'Metric', 'data': {'type': 'counter', 'contains': 'default', 'thresholds': [],
                                    'submetrics': None}, 'metric': 'http_reqs'},
        {'type': 'Metric', 'data': {'type': 'trend', 'contains': 'time',
                                    'thresholds': ['p(95)<200'], 'submetrics': None},
         'metric': 'http_req_duration'},
        {'type': 'Metric', 'data': {'type': 'trend', 'contains': 'time', 'thresholds': [],
                                    'submetrics': None}, 'metric': 'http_req_waiting'},
    ]
    for i in range(n):
        time = f'2026-11-02T10:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}+00:00'
        tags = {'expected_response': 'true', 'group': '', 'method': 'POST', 'name': '/v1/eta',
                'proto': 'HTTP/1.1', 'scenario': 'default', 'status': '200',
                'url': 'https://eta.internal/v1/eta'}
        lines.append({'metric': 'http_reqs', 'type': 'Point',
                      'data': {'time': time, 'value': 1, 'tags': tags}})
        lines.append({'metric': 'http_req_duration', 'type': 'Point',
                      'data': {'time': time, 'value': float(lat[i]), 'tags': tags}})
        lines.append({'metric': 'http_req_waiting', 'type': 'Point',
                      'data': {'time': time, 'value': float(lat[i] * 0.9), 'tags': tags}})
    with open(os.path.join(LOAD, 'k6.ndjson'), 'w') as f:
        for line in lines:
            f.write(json.dumps(line, separators=(',', ':')) + '\n')
    trend = k6_trend(lat)
    summary = {
        'root_group': {'name': '', 'path': '', 'id': 'd41d8cd98f00b204e9800998ecf8427e',
                       'groups': [], 'checks': []},
        'options': {'summaryTrendStats': ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
                    'summaryTimeUnit': '', 'noColor': False},
        'state': {'isStdOutTTY': False, 'isStdErrTTY': False, 'testRunDurationMs': 60012.5},
        'metrics': {
            'http_req_duration': {'type': 'trend', 'contains': 'time', 'values': trend,
                                  'thresholds': {'p(95)<200': {'ok': True}}},
            'http_reqs': {'type': 'counter', 'contains': 'default',
                          'values': {'count': n, 'rate': n / 60.0125}},
            'http_req_failed': {'type': 'rate', 'contains': 'default',
                                'values': {'rate': 0, 'passes': 0, 'fails': n}},
        },
    }
    with open(os.path.join(LOAD, 'k6-summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    export = {'metrics': {'http_req_duration': dict(trend, thresholds={'p(95)<200': False}),
                          'http_reqs': {'count': n, 'rate': n / 60.0125}}}
    with open(os.path.join(LOAD, 'k6-summary-export.json'), 'w') as f:
        json.dump(export, f, indent=4)
        f.write('\n')
    return lat, trend


def locust_round(t):
    """locust/stats.py StatsEntry._log_response_time: the key a response time is counted under."""
    if t < 100:
        return round(t)
    if t < 1000:
        return round(t, -1)
    if t < 10000:
        return round(t, -2)
    return round(t, -3)


def locust_percentile(counts, n, percent):
    """locust/stats.py calculate_response_time_percentile, verbatim in meaning."""
    num_of_request = int(n * percent)
    processed = 0
    for t in sorted(counts.keys(), reverse=True):
        processed += counts[t]
        if n - processed <= num_of_request:
            return t
    return 0


def write_locust(rng):
    n = 2400
    lat = latencies(rng, n)
    counts = {}
    for t in lat:
        key = locust_round(float(t))
        counts[key] = counts.get(key, 0) + 1
    pcts = [0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0]
    names = ['50%', '66%', '75%', '80%', '90%', '95%', '98%', '99%', '99.9%', '99.99%', '100%']
    header = ['Type', 'Name', 'Request Count', 'Failure Count', 'Median Response Time',
              'Average Response Time', 'Min Response Time', 'Max Response Time',
              'Average Content Size', 'Requests/s', 'Failures/s'] + names
    values = [int(locust_percentile(counts, n, p)) for p in pcts]
    median = locust_percentile(counts, n, 0.5)
    row = ['', 'Aggregated', n, 3, median, float(np.mean(lat)), float(np.min(lat)),
           float(np.max(lat)), 212.0, 39.99, 0.05] + values
    endpoint = ['POST', '/v1/eta'] + row[2:]
    with open(os.path.join(LOAD, 'load_test_stats.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        w.writerow(endpoint)
        w.writerow(row)
    return dict(zip(names, values)), float(np.mean(lat))


def mann_whitney_auc(labels, scores):
    """AUC = (R1 − n1(n1+1)/2) / (n1·n0), R1 the positives' rank sum with ties averaged."""
    order = np.argsort(scores, kind='mergesort')
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n1 = int(labels.sum())
    n0 = len(labels) - n1
    return (ranks[labels == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def write_robustness(rng):
    n = 600
    ids = [f'trip-{i:05d}' for i in range(n)]
    labels = (rng.random(n) < 0.3).astype(int)
    raw = rng.normal(size=n) + 1.6 * labels
    sets = {
        'predictions': raw,
        # Mild sensor noise: a small drop. Heavy occlusion: most of the signal lost.
        'gaussian-noise': raw + rng.normal(scale=0.3, size=n),
        'heavy-occlusion': raw * 0.25 + rng.normal(scale=1.0, size=n),
    }
    os.makedirs(os.path.join(ROBUST, 'robustness'), exist_ok=True)
    aucs = {}
    for name, z in sets.items():
        scores = np.round(1 / (1 + np.exp(-z)), 6)
        aucs[name] = mann_whitney_auc(labels, scores)
        order = np.arange(n) if name == 'predictions' else rng.permutation(n)
        path = os.path.join(ROBUST, 'predictions.csv' if name == 'predictions'
                            else os.path.join('robustness', f'{name}.csv'))
        with open(path, 'w', newline='') as f:
            w = csv.writer(f, lineterminator='\n')
            w.writerow(['trip_id', 'label', 'score'])
            for i in order:  # stress sets in another order: rows are matched by id
                w.writerow([ids[i], labels[i], f'{scores[i]:.6f}'])
    return aucs


def main():
    os.makedirs(LOAD, exist_ok=True)
    rng = np.random.default_rng(20261102)
    lat, cost = write_latency_csv(rng, os.path.join(LOAD, 'load_test.csv'))
    k6_lat, trend = write_k6(rng)
    locust, locust_mean = write_locust(rng)
    aucs = write_robustness(rng)
    write('load-test.json', {
        'latencyCsv': dict(figures(lat), costPer1k=1000 * float(np.mean(cost))),
        'k6Json': figures(k6_lat),
        'k6Summary': trend,
        'locust': {'figures': locust, 'mean': locust_mean},
        'robustnessAuc': aucs,
        'versions': {'numpy': np.__version__},
    })


if __name__ == '__main__':
    main()
