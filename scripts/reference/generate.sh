#!/usr/bin/env bash
# Regenerates test/fixtures/reference/*.json from independent implementations:
# NumPy/SciPy/scikit-learn (Debian python3-numpy, python3-scipy, python3-sklearn) and R pROC
# (Debian r-cran-proc). Uses Debian's /usr/bin/python3 on purpose: a pyenv python on PATH
# lacks these packages. Outputs are deterministic (seeded), so a diff means a library changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${REFERENCE_PYTHON:-/usr/bin/python3}"
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$here/../../test/fixtures/reference"
cd "$here"
for script in classification normal summaries fairness bootstrap rng load_test rollout; do
  "$python" "$script.py"
done
Rscript delong.R
