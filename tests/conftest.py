import json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data_samples"

def run_cli(*args, cwd=None, timeout=300):
    "Run the installed `latentsync-nb` console script; returns the CompletedProcess (text mode)."
    exe = Path(sys.executable).parent / "latentsync-nb"
    assert exe.exists(), f"{exe} is missing: install the package (pip install -e .) in this environment"
    cmd = [str(exe)]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(cmd + [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)

@pytest.fixture
def cli(): return run_cli

@pytest.fixture
def cli_inproc(capsys):
    "Call the CLI's `main(argv)` in this process (no interpreter start-up); returns (returncode, stdout, stderr)."
    from latentsync_nb.cli import main
    def call(*args):
        capsys.readouterr()
        try: code = main([str(a) for a in args])
        except SystemExit as e: code = e.code                 # argparse errors and --help
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)
    return call

@pytest.fixture(scope="session")
def manifest(): return json.loads((SAMPLES / "manifest.json").read_text())

def kill_after_first_checkpoint(args, checkpoint, timeout=240) -> int:
    "Start `latentsync-nb *args`, SIGKILL it as soon as `checkpoint` exists; returns the step saved in it."
    import signal, time
    import torch
    exe = Path(sys.executable).parent / "latentsync-nb"
    proc = subprocess.Popen([str(exe), *[str(a) for a in args]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while not Path(checkpoint).exists() and proc.poll() is None and time.time() < deadline: time.sleep(0.02)
    proc.send_signal(signal.SIGKILL); proc.wait()
    ck = torch.load(checkpoint, weights_only=True)
    return ck.get("step", ck.get("global_step"))

# The tests that take a minute or more on a 2-core CPU run first, so that with two pytest-xdist workers the short ones
# fill in around them instead of one long test running alone at the end.
LONG_FIRST = ("test_killed_sweep_resumes", "test_demo_then_eval", "test_killed_run_resumes", "test_killed_training_resumes",
              "test_explorer_in_jupyterlab", "test_two_cpu_processes", "test_eval_cli_finds", "test_eval_model_scores",
              "test_bench_losses", "test_pretrain_videomae", "test_bench_objective", "test_rebuild_matches",
              "test_unet_receives_what_latentsync", "test_finetune_the_release")

def pytest_collection_modifyitems(config, items):
    rank = lambda item: next((i for i, name in enumerate(LONG_FIRST) if item.name.startswith(name)), len(LONG_FIRST))
    items.sort(key=rank)                                                          # stable: the rest keep their order
