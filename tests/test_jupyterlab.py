"""JupyterLab in headless Chromium: the first guide notebook runs and its outputs render.

A token-less JupyterLab server is started on a free localhost port with a copy of
``notebooks/guide/01_bring_your_own_survey.ipynb`` (the committed file is never
opened, so nothing can autosave over it), its own config, runtime, settings and
workspace folders, and no update or news checks. Playwright drives the system
Chromium (no browser download) with every host except 127.0.0.1 unresolvable:
it opens the notebook, which starts the ``cxlab`` kernel named in its metadata,
clears the stored outputs, runs all cells, waits for every cell's execution count,
then checks that no cell shows an error and that the survey card and the tables are
rendered as HTML. ``CXLAB_SCREENSHOT=/path.png`` keeps a screenshot for a human.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "01_bring_your_own_survey.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"jupyter lab did not answer {url} in {timeout:.0f} s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory, project_root, chromium_path):
    pytest.importorskip("playwright")
    home = tmp_path_factory.mktemp("lab")
    root = home / "root"
    root.mkdir()
    shutil.copy(Path(project_root) / "notebooks" / "guide" / NOTEBOOK, root / NOTEBOOK)
    port = _free_port()
    env = {
        **os.environ,
        "CXLAB_ROOT": str(project_root),  # the copy reads the sample data of the checkout
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
        "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
        f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (home / "server.log").open("w")
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/status", process)
        yield {"url": f"http://127.0.0.1:{port}", "root": root, "chromium": chromium_path}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


RUN_ALL = """async () => {
  const app = window.jupyterapp;
  await app.commands.execute("notebook:clear-all-cell-outputs");
  await app.commands.execute("notebook:run-all-cells");
}"""

#: Every code cell's prompt shows an execution count (none pending "[*]", none unrun "[ ]").
ALL_RAN = """() => {
  const prompts = [...document.querySelectorAll(".jp-Notebook .jp-CodeCell .jp-InputPrompt")];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

#: Per code cell: its error outputs and the kinds of output it rendered.
OUTPUTS = """() => [...document.querySelectorAll(".jp-Notebook .jp-CodeCell")].map(cell => ({
  errors: [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(e => e.textContent.slice(0, 500)),
  html: cell.querySelectorAll(".jp-RenderedHTMLCommon").length,
  text: [...cell.querySelectorAll(".jp-OutputArea-output")].map(o => o.textContent).join("\\n").slice(0, 2000),
}))"""


KERNEL_IDLE = """(name) => { const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return Boolean(k) && k.name === name && k.status === "idle"; }"""


def run_in_lab(
    chromium: str, url: str, notebook: str, screenshot: Path | None = None
) -> tuple[list, list]:
    """Open ``notebook`` in JupyterLab, wait for its cxlab kernel, run all cells.

    Returns the per-cell outputs (see ``OUTPUTS``) and the localhost requests that failed.
    """
    from playwright.sync_api import sync_playwright

    failed = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1600})
            page.on(
                "requestfailed", lambda r: failed.append(r.url) if "127.0.0.1" in r.url else None
            )
            page.goto(f"{url}/lab/tree/{notebook}?reset", wait_until="domcontentloaded")
            page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
            # the kernel named in the notebook's metadata (cxlab) starts and goes idle
            page.wait_for_function(KERNEL_IDLE, arg="cxlab", timeout=60_000)
            page.evaluate(RUN_ALL)
            page.wait_for_function(ALL_RAN, timeout=90_000)
            cells = page.evaluate(OUTPUTS)
            if screenshot is not None:
                page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    return cells, failed


def test_first_guide_runs_in_jupyterlab(lab, tmp_path):
    shot = tmp_path / "jupyterlab.png"
    cells, failed_requests = run_in_lab(lab["chromium"], lab["url"], NOTEBOOK, screenshot=shot)
    keep = os.environ.get("CXLAB_SCREENSHOT_LAB")  # e.g. /tmp/lab.png, for a human to look at
    if keep:
        shutil.copy(shot, keep)
    assert len(cells) >= 8
    errors = [c["errors"] for c in cells if c["errors"]]
    assert errors == [], errors
    survey_card = next(c for c in cells if c["text"].startswith("Survey"))
    assert "631 respondents" in survey_card["text"] and survey_card["html"] >= 1
    assert sum(c["html"] for c in cells) >= 5  # the card and the tables render as HTML
    assert any("DataError:" in c["text"] for c in cells)  # the bad file's message is shown
    assert failed_requests == []


def test_the_check_sees_an_error_output(lab):
    """The error check can fail: a notebook whose cell raises shows an error output."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nb.metadata["kernelspec"] = {
        "name": "cxlab",
        "display_name": "Python (cxlab)",
        "language": "python",
    }
    nbformat.write(nb, str(lab["root"] / "broken.ipynb"))
    cells, _ = run_in_lab(lab["chromium"], lab["url"], "broken.ipynb")
    assert cells[0]["errors"] and "ZeroDivisionError" in cells[0]["errors"][0]
