"""`nbdev_test --n_workers 2 --timing`, with the longest notebooks started first.

nbdev_test takes the notebooks in name order, so the longest one (colab_training) starts last and runs alone
at the end. This runs the same test (nbdev's `test_nb`, the skipped flags of settings.ini) in an order that
packs two workers: LONG_FIRST's notebooks, then the rest by name.
Usage: python tools/test_notebooks.py [--flags F]
"""

import argparse
import os
import sys
from pathlib import Path

from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.test import test_nb

# seconds on the 2-core CI machine, one thread each (tools/test.sh's timing lines), longest first
LONG_FIRST = (
    "colab_training",
    "07_inference",
    "04a_weighting",
    "02_lpips",
    "07a_preprocess",
    "03_trepa",
    "06_training",
    "06b_stage2_study",
    "06a_evaluation",
    "01_syncnet",
)


def ordered(nbs: list[Path]) -> list[Path]:
    "The notebooks in LONG_FIRST first (in its order), then the others by name."
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    return sorted(nbs, key=lambda p: (rank.get(p.stem, len(rank)), p.name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flags", default="", help="test flags to run that are normally skipped (e.g. slow)")
    parser.add_argument("--n_workers", type=int, default=2)
    args = parser.parse_args()
    cfg = get_config()
    nbs = ordered([p.absolute() for p in cfg.nbs_path.glob("*.ipynb") if not p.name.startswith("_")])
    os.chdir(cfg.nbs_path)
    results = parallel(
        test_nb,
        nbs,
        skip_flags=cfg.tst_flags.split(),
        force_flags=args.flags.split(),
        n_workers=args.n_workers,
        basepath=cfg.config_path,
        pause=0.01,
    )
    for (ok, secs), nb in sorted(zip(results, nbs), key=lambda r: -r[0][1]):
        print(f"{nb.name}: {int(secs)} secs{'' if ok else '  FAILED'}")
    failed = [nb.name for (ok, _), nb in zip(results, nbs) if not ok]
    if failed:
        print("nbdev tests failed on: " + ", ".join(failed), file=sys.stderr)
        return 1
    print("Success.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
