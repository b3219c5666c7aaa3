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
