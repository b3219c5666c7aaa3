"README.md is rendered from nbs/index.ipynb, and its two set-up commands are the ones CI runs."
import re
import sys
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from render_readme import render

def _setup_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Get started", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", section, flags=re.S)

def test_readme_is_rendered_from_index():
    assert (ROOT / "README.md").read_text() == render(), "run `python tools/render_readme.py`"

def test_exactly_two_setup_commands():
    demo, tests = _setup_commands()
    assert demo == "pip install -e . && latentsync-nb demo"
    assert tests == 'pip install -e ".[dev]" && bash tools/test.sh'

def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    install, test_cmd = _setup_commands()[1].split(" && ")
    assert 'quiet_pip -e ".[dev]"' in ci and install.startswith("pip install")
    ci_lines = [l.strip() for l in ci.splitlines() if l.strip() and not l.strip().startswith("#")]
    assert test_cmd in ci_lines

def test_notebook_text_check_finds_lost_backslashes(tmp_path):
    "tools/check_notebooks.py flags a BEL that a non-raw '\\approx' leaves in markdown, and passes the real notebooks."
    from check_notebooks import problems
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["$\\ln 2 \x07pprox 0.69$"]}], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "bad.ipynb").write_text(__import__("json").dumps(nb))
    found = problems(tmp_path)
    assert len(found) == 1 and "bad.ipynb cell 0" in found[0] and "'\\x07'" in found[0]
    assert problems() == []

def test_readme_figures_are_measured():
    "The README's figures about the corpus and the shipped model are the ones the data, the checkpoints and 06a's run give."
    import json, torch
    text = (ROOT / "README.md").read_text()
    m = re.search(r"holds (\d+) short talking-head clips \((\d+) MB\): (\d+) synthetic speakers, of which (\d+) are held out", text)
    manifest = json.loads((ROOT / "data_samples" / "manifest.json").read_text())
    size_mb = sum(p.stat().st_size for p in (ROOT / "data_samples").rglob("*") if p.is_file()) / 1e6
    speakers = {c["speaker"] for c in manifest["clips"]}
    held_out = {c["speaker"] for c in manifest["clips"] if c["split"] == "test"}
    assert m and tuple(map(int, m.groups())) == (len(manifest["clips"]), round(size_mb), len(speakers), len(held_out))
    steps = re.search(r"\((\d+) stage-1 steps, then (\d+) stage-2 steps", text)
    weights = ROOT / "latentsync_nb" / "weights"
    shipped = [torch.load(weights / f, weights_only=True)["step"] for f in ("latentsync_tiny_stage1.pt", "latentsync_tiny.pt")]
    assert steps and list(map(int, steps.groups())) == shipped
    ratio = float(re.search(r"\(sync ratio ([\d.]+)\), with the best audio offset at 0 on every clip", text).group(1))
    cells = json.loads((ROOT / "nbs" / "06a_evaluation.ipynb").read_text())["cells"]
    run = next("".join(o["text"]) for c in cells if "full = evaluate_model" in "".join(c["source"]) for o in c["outputs"])
    assert round(float(re.search(r"sync_ratio ([\d.]+)", run).group(1)), 2) == ratio
    per_clip = re.findall(r"offset ([+-]\d+)", run)
    assert len(per_clip) == 10 and set(per_clip) == {"+0"}
