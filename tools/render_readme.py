"""Render README.md from nbs/index.ipynb: markdown cells as they are, code cells as python blocks (no outputs).
Links to files beside the notebooks (`results/...`) are rewritten relative to the repository root (`nbs/results/...`).

Quarto (and so `nbdev_readme`) is not available on every machine this project is built on, so the README is
rendered here. `--check` exits 1 when README.md differs from what the notebook renders to.
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def render(nb_path=ROOT / "nbs" / "index.ipynb") -> str:
    "The README text for a notebook."
    cells = json.loads(Path(nb_path).read_text())["cells"]
    parts = []
    for c in cells:
        src = "".join(c["source"]).strip()
        if not src or src.startswith("#| hide"): continue
        parts.append(src if c["cell_type"] == "markdown" else f"```python\n{src}\n```")
    return "\n\n".join(parts).replace("](results/", "](nbs/results/") + "\n"

if __name__ == "__main__":
    text, readme = render(), ROOT / "README.md"
    if "--check" in sys.argv:
        if readme.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `python tools/render_readme.py`.")
    else:
        readme.write_text(text)
