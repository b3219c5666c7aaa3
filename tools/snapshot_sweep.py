"""Copy a running sweep's SQLite file consistently (SQLite's backup API), e.g. into the package while workers still write.

Usage: python tools/snapshot_sweep.py SRC.db [DST.db]   (default DST: latentsync_nb/results/loss_weight_sweep.db)
"""
import sqlite3, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def snapshot(src, dst=ROOT / "latentsync_nb" / "results" / "loss_weight_sweep.db"):
    dst, tmp = Path(dst), Path(dst).with_suffix(".db.tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(tmp) as b: a.backup(b)
    with sqlite3.connect(tmp) as b: b.execute("VACUUM")
    tmp.replace(dst)
    return dst

if __name__ == "__main__": print(snapshot(*sys.argv[1:]))
