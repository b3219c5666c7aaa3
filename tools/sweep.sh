#!/usr/bin/env bash
# Run, or resume, the loss-weight sweep that ships with the package and that 08_explorer shows: 13 settings (the official
# point, sync / LPIPS / TREPA moved one at a time out to where they dominate, and the step-0 arm) x 5 seeds, 200 stage-2
# steps each, scored on the 10 held-out clips as `infer` writes them. About 15 minutes of one core per run, so roughly
# 8 hours on a 2-core machine (two workers, one core each); stop it at any time and run this again: finished runs are
# kept, a run cut off is redone. Commit the file as it grows: the explorer reads whatever has finished.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONWARNINGS=ignore
latentsync-nb sweep --out latentsync_nb/results/loss_weight_sweep.db --grid official --seeds 5 --workers 2 "$@"
