#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this after installing):
#   1. nbdev_export / nbdev_clean and the README render change nothing (package, notebooks, README in sync), and the
#      notebooks' text passes tools/check_notebooks.py (no control characters in markdown, Colab's install URL);
#   2. every notebook runs (nbdev_test; cells flagged `slow` only with `nbdev_test --flags slow`), and, at the same time,
#   3. pytest tests/ (two workers).
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot() { find latentsync_nb nbs README.md -type f \( -name '*.py' -o -name '*.ipynb' -o -name '*.md' \) \
               -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha1sum; }
before=$(snapshot)
nbdev_export
nbdev_clean
python tools/render_readme.py
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "FAILED: nbdev_export / nbdev_clean / tools/render_readme.py changed these files; run them and commit:" >&2
  diff <(echo "$before") <(echo "$after") | grep '^>' | awk '{print "  " $3}' >&2
  exit 1
fi
echo "sync check: package, notebooks and README are in sync"
python tools/check_notebooks.py
echo "notebook text check: no control characters in markdown, Colab installs from settings.ini's git_url"

# The notebooks (nbdev_test, two at a time) and pytest (two pytest-xdist workers, work stealing, the long tests first) run
# side by side, one thread each: neither phase leaves a core idle while its last long item finishes. With torch's default
# (a thread per core) the processes would fight over the cores and everything would take longer.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
nb_log=$(mktemp)
nbdev_test --n_workers 2 --timing > "$nb_log" 2>&1 &
nb_pid=$!

set +e
python -m pytest -q -n 2 --dist worksteal --durations=12 tests/
rc=$?
if [ "$rc" -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi
wait "$nb_pid"
nb_rc=$?
set -e
echo "--- notebooks (nbdev_test) ---"
cat "$nb_log"; rm -f "$nb_log"
if [ "$nb_rc" -ne 0 ]; then echo "FAILED: nbdev_test exited with $nb_rc" >&2; exit "$nb_rc"; fi
exit "$rc"
