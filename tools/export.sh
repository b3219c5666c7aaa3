#!/usr/bin/env bash
# After editing a notebook: format its code (ruff), write the package from the notebooks (nbdev) and format that the
# same way, strip notebook metadata, render the README from nbs/index.ipynb. tools/test.sh runs this and fails if it
# changed anything, so a commit must hold its output.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff format -q nbs
nbdev_export
ruff format -q latentsync_nb
nbdev_clean
python tools/render_readme.py
