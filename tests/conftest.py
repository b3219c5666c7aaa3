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
