"The loss-weight sweep (08_explorer): a tiny sweep through the CLI, killed and resumed; bad grids refused."
import json, os, re, signal, sqlite3, subprocess, sys, time
from pathlib import Path

def _complete(db: Path) -> list:
    "(trial number, params) of the finished runs in a sweep file (read with plain SQLite: no Optuna needed)."
    if not db.exists(): return []
    with sqlite3.connect(db) as con:
        try: rows = con.execute("SELECT trial_id, number FROM trials WHERE state = 'COMPLETE'").fetchall()
        except sqlite3.OperationalError: return []                       # the tables are not made yet
        params = {tid: dict(con.execute("SELECT param_name, param_value FROM trial_params WHERE trial_id = ?", (tid,)).fetchall())
                  for tid, _ in rows}
    return sorted((n, tuple(sorted(params[t].items()))) for t, n in rows)

def test_killed_sweep_resumes_without_redoing_finished_runs(cli_inproc, tmp_path):
    "A tiny sweep killed in its second run resumes: the first run is kept, the second redone once; last line is JSON."
    db = tmp_path / "sweep.db"
    args = ["sweep", "--out", db, "--grid", "tiny", "--seeds", "1", "--budget", "smoke", "--heartbeat", "1"]
    exe = Path(sys.executable).parent / "latentsync-nb"
    proc = subprocess.Popen([str(exe), *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    deadline = time.time() + 300
    while not _complete(db) and time.time() < deadline and proc.poll() is None: time.sleep(0.5)
    # killed at once: the second run may not have sent its first heartbeat yet (see the next test)
    proc.send_signal(signal.SIGKILL); proc.wait()
    first = _complete(db)
    assert len(first) == 1, f"expected one finished run before the kill, got {first}"
    r = cli_inproc(*args)                                                     # resumed here, without a new interpreter
    assert r.returncode == 0, r.stderr
    done = _complete(db)
    assert len(done) == 3 and done[0] == first[0], done                      # the finished run was not redone
    assert len({p for _, p in done}) == 3                                     # official, sync 0, step 0: once each
    last = json.loads(r.stdout.strip().splitlines()[-1])
    assert {"sync", "lpips", "trepa", "seed", "sync_ratio", "mouth_psnr", "flicker"} <= set(last)
    r = cli_inproc(*args)                                                     # nothing left to do: nothing is redone
    assert r.returncode == 0 and _complete(db) == done and "0 queued now" in r.stdout
    from latentsync_nb.explorer import load_sweep, results_explorer
    df = load_sweep(db)
    assert len(df) == 3 and df[["sync_ratio", "mouth_psnr", "seam", "flicker"]].notna().all().all()
    assert sorted(df.steps) == [0, 2, 2]                                      # the step-0 arm trains nothing
    box = results_explorer(df)
    box.sliders["sync"].value = 0.0
    assert box.selected["weights"]["sync"] == 0.0 and "<b>sync 0, lpips 0.1, trepa 10</b>" in box.status.value
    from latentsync_nb.explorer import SWEEP_PRESETS
    box.live_config = SWEEP_PRESETS["smoke"]                                  # "train with these weights now", in seconds
    box.train_button.click()
    assert len(box.live) == 1 and box.live[0]["sync"] == 0.0 and box.live[0]["steps"] == 2 and box.live[0]["sync_ratio"] > 0

def test_a_trial_killed_before_its_first_heartbeat_goes_stale(tmp_path):
    "A running trial that never sent a heartbeat (its worker died at once) is failed and queued again after the grace."
    from optuna.storages import fail_stale_trials
    from optuna.trial import TrialState as S
    from latentsync_nb.explorer import open_sweep
    study = open_sweep(tmp_path / "s.db", heartbeat=1)                        # grace period: 3 s
    study.enqueue_trial({"sync": 0.05, "lpips": 0.1, "trepa": 10.0, "stage2": 1, "seed": 0})
    study.ask()                                                               # RUNNING, no heartbeat: its worker died
    fail_stale_trials(study)
    assert [t.state for t in study.get_trials()] == [S.RUNNING]               # within the grace it may be starting
    time.sleep(3.5)
    fail_stale_trials(study)
    trials = study.get_trials()
    assert [t.state for t in trials] == [S.FAIL, S.WAITING], trials           # failed, and queued again
    assert trials[1].system_attrs["fixed_params"]["sync"] == 0.05

def test_bad_grids_get_a_clear_error(cli_inproc, tmp_path):
    "Negative, NaN and unknown weights, an unknown grid and a budget-changed file: one line each, exit code 1."
    out = tmp_path / "s.db"
    for only, message in (("sync=-1", "must be a finite number >= 0"), ("sync=nan", "must be a finite number >= 0"),
                          ("colour=1", "unknown loss weight 'colour'"), ("sync", "NAME=VALUE")):
        r = cli_inproc("sweep", "--out", out, "--only", only, "--minutes", "0")
        assert r.returncode == 1 and message in r.stderr, (only, r.stderr)
    r = cli_inproc("sweep", "--out", out, "--grid", "huge", "--minutes", "0")
    assert r.returncode == 1 and "unknown grid 'huge'" in r.stderr
    r = cli_inproc("sweep", "--out", out, "--grid", "tiny", "--budget", "smoke", "--minutes", "0")
    assert r.returncode == 0 and json.loads(r.stdout.strip().splitlines()[-1]) == {}
    r = cli_inproc("sweep", "--out", out, "--grid", "tiny", "--budget", "smoke", "--steps", "3", "--minutes", "0")
    assert r.returncode == 1 and "use another --out" in r.stderr

def test_colab_sweep_cell_runs_the_same_grid():
    "The Colab notebook's official-size sweep cell parses as a `sweep` command over the grid 08 ships, step-0 arm included."
    import shlex
    from latentsync_nb.cli import build_parser
    from latentsync_nb.explorer import GRIDS, STAGE1_ONLY, grid_points
    nb = json.loads((Path(__file__).parent.parent / "nbs" / "colab_training.ipynb").read_text())
    cell = next("".join(c["source"]) for c in nb["cells"] if "latentsync-nb sweep" in "".join(c["source"]))
    on_gpu = re.findall(r'GRID = "(--grid [^"]+)"', cell)                     # the grid a GPU run takes
    assert len(on_gpu) == 1 and "{GRID}" in cell, cell
    args = build_parser().parse_args(["sweep", "--out", "sweep.db", *shlex.split(on_gpu[0])])
    assert args.grid == "official" and args.seeds >= 3
    points = grid_points(args.grid, args.seeds)
    for axis, values in GRIDS["official"].items():
        assert {p[axis] for p in points} >= set(values)
    assert max(GRIDS["official"]["sync"]) >= 5 and max(GRIDS["official"]["lpips"]) >= 10
    assert max(GRIDS["official"]["trepa"]) >= 1000
    assert sum(p.get("steps") == 0 for p in points) == args.seeds and dict(points[-1], seed=0) == dict(STAGE1_ONLY, seed=0)
