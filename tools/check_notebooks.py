"""Checks on the notebooks' text that nbdev does not make. Exits 1 with one line per problem.

- Markdown cells hold no control characters (a LaTeX `\\approx` or `\\tfrac` written in a non-raw Python string turns into
  BEL or TAB and the maths renders broken).
- The Colab notebook installs the package from the repository named in settings.ini (`git_url`).
"""
import json, re, sys
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")   # everything below space except the newline; TAB included

def problems(nbs=ROOT / "nbs") -> list:
    out = []
    for path in sorted(Path(nbs).glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                for m in CONTROL.finditer(text):
                    out.append(f"{path.name} cell {i}: control character {m.group()!r} in markdown near "
                               f"{text[max(0, m.start() - 30):m.start()]!r} (a lost backslash?)")
    cfg = ConfigParser(delimiters=["="]); cfg.read(ROOT / "settings.ini")
    url = cfg["DEFAULT"]["git_url"]
    colab = (ROOT / "nbs" / "colab_training.ipynb").read_text()
    if f"git+{url}" not in colab: out.append(f"colab_training.ipynb does not install from settings.ini's git_url ({url})")
    return out

if __name__ == "__main__":
    found = problems()
    for p in found: print(p, file=sys.stderr)
    sys.exit(1 if found else 0)
