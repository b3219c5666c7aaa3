"The package's shape: imports flow one way, in the notebooks' reading order; no private names cross modules; short functions."
import ast, re
from pathlib import Path
from tests.conftest import ROOT

PKG = ROOT / "latentsync_nb"
MAX_LINES = 60  # a function, as ruff formats it
MAX_CELL_LINES = 50  # an exported notebook cell
MAX_WIDTH = 110

def _modules() -> dict:
    "{module name: parsed source} of every package module except nbdev's index."
    return {p.stem: ast.parse(p.read_text()) for p in sorted(PKG.glob("*.py")) if p.stem not in ("__init__", "_modidx")}

def _imports(tree) -> list:
    "(package module, names) for every import of a package module, at module level or inside functions."
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 1: out.append((mod, [a.name for a in node.names]))
            elif mod.startswith("latentsync_nb."): out.append((mod.split(".")[1], [a.name for a in node.names]))
            elif mod == "latentsync_nb": out.extend((a.name, []) for a in node.names if (PKG / f"{a.name}.py").exists())
        elif isinstance(node, ast.Import):
            out.extend((a.name.split(".")[1], []) for a in node.names if a.name.startswith("latentsync_nb."))
    return out

def _graph() -> dict:
    mods = _modules()
    return {m: {dep for dep, _ in _imports(t) if dep in mods and dep != m} for m, t in mods.items()}

def _notebook(module: str) -> str:
    "The notebook a module is exported from (nbdev's header line)."
    head = (PKG / f"{module}.py").read_text()[:2000]
    return re.search(r"File to edit: \.\./nbs/(\S+\.ipynb)", head).group(1)

def test_no_import_cycles():
    graph, state = _graph(), {}
    def visit(m, path):
        if state.get(m) == "done": return
        assert state.get(m) != "open", "import cycle: " + " -> ".join(path + [m])
        state[m] = "open"
        for dep in sorted(graph[m]): visit(dep, path + [m])
        state[m] = "done"
    for m in graph: visit(m, [])

def test_imports_follow_the_notebook_order():
    "A module imports only modules whose notebooks come earlier in reading (file name) order."
    late = [f"{m} ({_notebook(m)}) imports {d} ({_notebook(d)})" for m, deps in _graph().items() for d in deps
            if _notebook(d) >= _notebook(m)]
    assert not late, late

def test_no_private_names_cross_modules():
    crossing = [f"{m} imports {name} from {dep}" for m, t in _modules().items() for dep, names in _imports(t)
                for name in names if name.startswith("_") and name != "__version__"]
    assert not crossing, crossing

def test_functions_are_short():
    long = [f"{m}.{n.name}: {n.end_lineno - n.lineno + 1} lines" for m, t in _modules().items() for n in ast.walk(t)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > MAX_LINES]
    assert not long, long

def test_the_checks_see_what_they_check():
    "The walkers find the package's real imports, so the tests above cannot pass by finding nothing."
    graph = _graph()
    assert {"core", "data"} <= graph["training"] and "sampling" in graph["training"] and "evaluation" not in graph["training"]
    assert _notebook("core") == "00_core.ipynb" and _notebook("cli") == "90_cli.ipynb"
    assert ("core", ["freeze"]) in [(d, [n for n in names if n == "freeze"]) for d, names in _imports(_modules()["syncnet"])]

def test_no_module_level_caches():
    "Caches belong to an object (or a bounded functools.lru_cache), not to a module-level dict or list that grows."
    empty = (ast.Dict, ast.List, ast.Set)
    found = []
    for m, tree in _modules().items():
        for node in tree.body:
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            is_empty = isinstance(value, empty) and not getattr(value, "keys", getattr(value, "elts", None))
            is_call = isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("dict", "list", "set")
            if is_empty or (is_call and not value.args and not value.keywords):
                found.append(f"{m}: line {node.lineno}")
    assert not found, found

def test_core_imports_no_package_module():
    "`core` holds what every part shares, so it depends on none of them."
    assert _graph()["core"] == set(), _graph()["core"]

def test_inference_does_not_import_training():
    "Running a model needs its checkpoint, not the trainer: inference reaches no training module, directly or not."
    graph, seen, todo = _graph(), set(), ["inference"]
    while todo:
        for dep in graph[todo.pop()] - seen:
            seen.add(dep)
            todo.append(dep)
    assert "training" not in seen, sorted(seen)


def test_exported_cells_are_short():
    "A learner reads the notebooks: every exported cell holds at most MAX_CELL_LINES lines."
    import json

    long = []
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and source.startswith("#| export"):
                n = len(source.splitlines())
                if n > MAX_CELL_LINES:
                    long.append(f"{nb.name} cell {i}: {n} lines")
    assert not long, long

def test_package_lines_fit():
    "Every line of the package within MAX_WIDTH characters, but nbdev's first (the notebook's summary)."
    wide = [f"{p.name}:{k}" for p in sorted(PKG.glob("*.py")) if p.stem != "_modidx"
            for k, line in enumerate(p.read_text().splitlines(), 1) if k > 1 and len(line) > MAX_WIDTH]
    assert not wide, wide

def test_benchmarks_are_gathered():
    "Every benchmark (a bench_* function) lives in `benchmarks`, and the CLI defines no library function."
    elsewhere = [f"{m}.{n.name}" for m, t in _modules().items() if m != "benchmarks" for n in t.body
                 if isinstance(n, ast.FunctionDef) and n.name.startswith("bench_")]
    assert not elsewhere, elsewhere
    assert any(isinstance(n, ast.FunctionDef) and n.name == "bench_gpu" for n in _modules()["benchmarks"].body)
