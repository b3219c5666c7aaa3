#!/usr/bin/env bash
# Run, or resume, the loss-weight sweep that ships with the package and that 08_explorer shows: 13 settings (the official
# point; sync, LPIPS and TREPA moved one at a time out to where they dominate; the step-0 arm) x 5 seeds, 200 stage-2
# steps each, scored on the 10 held-out clips as `infer` writes them. Each run takes a quarter of an hour or more of one
# core, so the grid takes hours on a 2-core machine (two workers, one core each). The workers write runs/sweep.db (a
# fresh clone starts it from the committed snapshot); stop at any time and run this again: finished runs are kept, a
# run cut off is redone. At the end (or any time, from another shell) `python tools/snapshot_sweep.py runs/sweep.db`
# copies what has finished into latentsync_nb/results/loss_weight_sweep.db, the file to commit.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONWARNINGS=ignore
db=runs/sweep.db
mkdir -p runs
[ -f "$db" ] || cp latentsync_nb/results/loss_weight_sweep.db "$db"
latentsync-nb sweep --out "$db" --grid official --seeds 5 --workers 2 "$@"
python tools/snapshot_sweep.py "$db"
