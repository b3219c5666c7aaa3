#!/usr/bin/env bash
# Run, or resume, the loss-weight sweep that ships with the package and that 08_explorer shows: 11 settings x 3 seeds of
# 40 stage-2 steps each, scored on the 10 held-out clips. About 5 CPU hours on a 2-core machine (two workers, one core
# each); stop it at any time and run this again: finished runs are kept, a run cut off is redone. Then commit the file.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONWARNINGS=ignore
latentsync-nb sweep --out latentsync_nb/results/loss_weight_sweep.db --grid official --seeds 3 --workers 2 "$@"
