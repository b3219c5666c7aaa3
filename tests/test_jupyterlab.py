"The JupyterLab walkthrough as a user starts it: `jupyter lab nbs/`, open 08_explorer, run it, move a slider (headless Chromium)."
import os, shutil, socket, subprocess, sys, time, uuid
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

@pytest.fixture
def lab(tmp_path):
    "A JupyterLab server on a copy of 08_explorer (so the browser's autosave never touches the committed notebook)."
    shutil.copy(ROOT / "nbs" / "08_explorer.ipynb", tmp_path / "08_explorer.ipynb")
    port, token = _free_port(), uuid.uuid4().hex
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
                             "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try: socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
        except OSError: time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/lab/tree/08_explorer.ipynb?token={token}", tmp_path
    proc.terminate()
    try: proc.wait(10)
    except subprocess.TimeoutExpired: proc.kill()

@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")
def test_explorer_in_jupyterlab(lab):
    "Run all cells of 08_explorer in JupyterLab; the explorer shows the official setting; moving the sync slider changes it."
    import re
    from playwright.sync_api import sync_playwright, expect
    url, tmp = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
        accept = page.locator(".jp-Dialog .jp-mod-accept")                        # "Select Kernel", on a fresh profile
        try: accept.first.wait_for(timeout=30_000); accept.first.click()
        except Exception: pass
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=60_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        status = page.locator(".explorer-status").last
        expect(status).to_contain_text("sync 0.05, lpips 0.1, trepa 10", timeout=240_000)
        slider = page.locator(".explorer-sliders .widget-slider .noUi-handle").first
        slider.scroll_into_view_if_needed(); slider.focus(); page.keyboard.press("ArrowLeft")
        # the next finished sync value below 0.05: 0.01, or 0 while the sweep has not reached 0.01 yet (seed-major order)
        expect(status).to_contain_text(re.compile(r"sync 0(\.01)?, lpips 0\.1, trepa 10"), timeout=60_000)
        page.screenshot(path=str(tmp / "explorer.png"), full_page=False)
        if os.environ.get("EXPLORER_SCREENSHOT"): shutil.copy(tmp / "explorer.png", os.environ["EXPLORER_SCREENSHOT"])
        browser.close()
