"""Execute notebooks in place so that their committed outputs (values, plots) come from the current code.

Usage: python tools/run_notebooks.py [--flags slow] [nbs/00a_data.ipynb ...]   (default: every notebook in nbs/)
Cells marked `#| eval: false` or with a test flag (`#| slow`, `#| notest`) are skipped, as under nbdev_test;
`--flags slow` runs the `slow` cells too (their outputs are kept otherwise).
Run `nbdev_clean` afterwards. Outputs stay small: figures are saved as 72 dpi JPEGs.
Widgets displayed by the notebook keep their state in the notebook's metadata (as Jupyter saves it), so that a rendered
page (nbviewer, the docs) shows them as they were left, without a kernel.
"""
import os, subprocess, sys
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

ROOT = Path(__file__).resolve().parent.parent

SKIP_FLAGS = {"slow", "notest"}  # settings.ini tst_flags; `--flags` removes some

def _skip(cell) -> bool:
    "True for cells nbdev_test would not run: markdown, `#| eval: false`, test-flagged cells."
    if cell.cell_type != "code": return True
    directives = {l[3:].strip().lower() for l in cell.source.splitlines() if l.startswith("#|")}
    return "eval: false" in directives or bool(SKIP_FLAGS & {d.split()[0] for d in directives if d})

def run(path: Path):
    nb = read_nb(path)
    os.chdir(path.parent)
    shell = CaptureShell()
    shell.run_cell("%config InlineBackend.figure_formats = ['jpeg']")
    shell.run_cell("%config InlineBackend.print_figure_kwargs = {'bbox_inches': 'tight', 'dpi': 72, 'pil_kwargs': {'quality': 75}}")
    shell.run_all(nb, exc_stop=True, preproc=_skip)
    state = widget_state()
    if state: nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": state}
    else: nb.metadata.pop("widgets", None)
    write_nb(nb, path)

def widget_state() -> dict | None:
    "The state of every widget this process made, in Jupyter's notebook-metadata format (None if there is none)."
    try: from ipywidgets import Widget
    except ImportError: return None
    state = Widget.get_manager_state(drop_defaults=True)
    return state if state["state"] else None

if __name__ == "__main__":
    args = sys.argv[1:]
    flags = []
    while args and args[0] == "--flags": flags.append(args[1]); args = args[2:]
    SKIP_FLAGS -= set(flags)
    paths = [Path(p).resolve() for p in args] or sorted((ROOT / "nbs").glob("*.ipynb"))
    if len(paths) == 1:
        print("running", paths[0].name, flush=True)
        run(paths[0])
    else:  # one process per notebook: IPython's display settings apply once per process
        for p in paths: subprocess.run([sys.executable, __file__, *[a for f in flags for a in ("--flags", f)], str(p)], check=True)
