#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this after installing):
#   1. tools/export.sh (ruff format, nbdev_export, nbdev_clean, the README render) changes nothing (package, notebooks,
#      README in sync and formatted), ruff's linter passes on the notebooks and the package, and the notebooks' text
#      passes tools/check_notebooks.py (no control characters in markdown, Colab's install URL);
#   2. every notebook runs (as nbdev_test runs them, longest first; cells flagged `slow` only with --flags slow);
#   3. pytest tests/ (two workers).
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot() { find latentsync_nb nbs README.md -type f \( -name '*.py' -o -name '*.ipynb' -o -name '*.md' \) \
               -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha1sum; }
before=$(snapshot)
bash tools/export.sh
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "FAILED: tools/export.sh (ruff format, nbdev_export, nbdev_clean, README render) changed these files; run it and commit:" >&2
  diff <(echo "$before") <(echo "$after") | grep '^>' | awk '{print "  " $3}' >&2
  exit 1
fi
echo "sync check: package, notebooks and README are in sync and formatted"
ruff check nbs latentsync_nb
echo "lint: ruff passes on the notebooks and the package"
python tools/check_notebooks.py
echo "notebook text check: no control characters in markdown, Colab installs from settings.ini's git_url"

# The Colab notebook runs offline at tiny scale: its one download call (release.fetch_release) builds small stand-ins
# in the release's formats instead (it also does so by default on a machine without a GPU).
export LATENTSYNC_NB_RELEASE=stand-in

# Two notebooks run at once, the longest first (nbdev's own test of each notebook, in an order that packs two workers:
# tools/test_notebooks.py); one thread each: with torch's default (a thread per core) the two processes fight over
# the cores and the notebooks take about twice as long.
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python tools/test_notebooks.py

# pytest the same way: two workers (pytest-xdist, work stealing: a few tests take a minute or two), one thread each.
set +e
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python -m pytest -q -n 2 --dist worksteal --durations=30 tests/
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi
exit "$rc"
