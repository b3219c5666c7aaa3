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
    assert tests == 'pip install -c constraints.txt -e ".[dev]" && bash tools/test.sh'

def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    install, test_cmd = _setup_commands()[1].split(" && ")
    assert 'quiet_pip -e ".[dev]" -c constraints.txt' in ci and install.startswith("pip install -c constraints.txt")
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
    steps = re.search(r"\((\d+) stage-1 steps with every clip also in four other skin tones, then (\d+) stage-2 steps", text)
    weights = ROOT / "latentsync_nb" / "weights"
    stage1, shipped = (torch.load(weights / f, weights_only=True) for f in ("latentsync_tiny_stage1.pt", "latentsync_tiny.pt"))
    assert steps and (int(steps.group(1)), int(steps.group(2))) == (stage1["step"], shipped["step"])
    assert stage1["config"]["init_from"] is None and stage1["config"]["colour_variants"] == 4     # from scratch, in one run
    assert shipped["config"]["colour_variants"] == 4 and shipped["config"]["init_from"].endswith("stage1/unet.pt")
    assert stage1["config"]["mask"] == shipped["config"]["mask"] == "ellipse"      # trained on LatentSync's input convention
    evaluated = json.loads((ROOT / "nbs" / "results" / "tiny_quality.json").read_text())
    s = evaluated["summary"]
    claims = re.search(r"\(sync ratio ([\d.]+)\), with the best audio offset at 0 on every clip; inside the mouth, PSNR ([\d.]+) dB "
                       r"against the ground truth where the VAE's own round trip reaches ([\d.]+) dB, a colour bias of at most "
                       r"([\d.]+) grey levels, a seam ([\d.]+)x and a frame-to-frame flicker ([\d.]+)x", text)
    assert claims, "the README's paragraph on the shipped model changed: update this test"
    assert [float(x) for x in claims.groups()] == [round(s["sync_ratio"], 2), round(s["mouth_psnr"], 1), round(s["vae_mouth_psnr"], 1),
                                                   round(s["colour_bias_max"], 1), round(s["seam"], 2), round(s["flicker"], 1)]
    assert all(r["best_offset"] == 0 for r in evaluated["clips"]) and len(evaluated["clips"]) == 10
    assert (ROOT / "nbs" / "results" / "demo_mouth_strip.png").exists() and "](nbs/results/demo_mouth_strip.png)" in text
