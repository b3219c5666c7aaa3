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

@pytest.fixture(scope="session")
def manifest(): return json.loads((SAMPLES / "manifest.json").read_text())
