"Declared requirements: every library is pinned in constraints.txt, libraries whose internals the code uses are bounded."
import configparser
import re
from importlib.metadata import version

from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import ROOT

# libraries whose internal modules or layers the package touches: each needs an upper bound
INTERNALS_USED = {"diffusers", "transformers", "accelerate"}


def _requirements() -> list:
    cfg = configparser.ConfigParser(delimiters=["="])
    cfg.read(ROOT / "settings.ini")
    d = cfg["DEFAULT"]
    return [Requirement(r) for r in (d["requirements"] + " " + d["dev_requirements"]).split()]


def _pins() -> dict:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pins = [re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line) for line in lines if line and not line.startswith("#")]
    assert all(pins), "constraints.txt holds NAME==VERSION lines only"
    return {m.group(1).lower().replace("_", "-"): m.group(2) for m in pins}


def _name(req: Requirement) -> str:
    return req.name.lower().replace("_", "-")


def test_every_requirement_is_pinned_within_its_range():
    pins = _pins()
    missing = [r.name for r in _requirements() if _name(r) not in pins]
    assert not missing, f"not in constraints.txt: {missing}"
    outside = [f"{r} vs {pins[_name(r)]}" for r in _requirements() if Version(pins[_name(r)]) not in r.specifier]
    assert not outside, f"constraints.txt pins a version the requirement excludes: {outside}"


def test_libraries_whose_internals_we_use_are_bounded_above():
    bounded = {_name(r) for r in _requirements() if any(s.operator in ("<", "<=", "==") for s in r.specifier)}
    assert INTERNALS_USED <= bounded, f"no upper bound: {INTERNALS_USED - bounded}"


def test_torchvision_is_declared():
    "The package imports torchvision (LPIPS' VGG16 layout), so it must be a requirement, not an accident of torch."
    assert "torchvision" in {_name(r) for r in _requirements()}
    assert any("torchvision" in p.read_text() for p in (ROOT / "latentsync_nb").glob("*.py"))


def test_installed_versions_are_the_tested_ones():
    "In CI (installed with -c constraints.txt) the environment holds exactly the pinned versions."
    pins = _pins()
    wrong = [f"{r.name} {version(r.name)} != {pins[_name(r)]}" for r in _requirements()
             if version(r.name) != pins[_name(r)]]
    assert not wrong, wrong
