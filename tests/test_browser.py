"""Open the HTML report in headless Chromium: no JavaScript error, no broken image.

The report is the HTML export of the committed report notebook (it carries the
outputs of the default sample run, exported exactly as `cxlab report` does). A
probe script is put first in <head>: it records script errors and failed
resource loads, and after ``load`` checks every image's ``naturalWidth``; the
result is read back with Chromium's ``--dump-dom``. Network access is blocked,
so anything fetched from a CDN would show up as an error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cxlab.recorder import export_html

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--virtual-time-budget=10000",
]
PROBE = """<script>
window.__cx = {errors: [], images: []};
window.addEventListener("error", function (e) {
  var t = e.target || {};
  window.__cx.errors.push(t.src || t.href ? "resource: " + (t.src || t.href) : "js: " + e.message);
}, true);
window.addEventListener("load", function () {
  document.querySelectorAll("img").forEach(function (img) {
    window.__cx.images.push({ok: img.complete && img.naturalWidth > 0, w: img.naturalWidth,
                             alt: img.getAttribute("alt") || ""});
  });
  var pre = document.createElement("pre");
  pre.id = "cx-probe";
  pre.textContent = JSON.stringify(window.__cx);
  document.body.appendChild(pre);
});
</script>"""


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory, project_root, chromium_path):
    folder = tmp_path_factory.mktemp("browser")
    nb = Path(project_root) / "notebooks" / "client_report.ipynb"
    html = export_html(nb, title="Sample Bank: customer experience report")
    page = folder / "report.html"
    page.write_text(html, encoding="utf-8")
    return page


def probe(page: Path, profile: Path, extra: str = "") -> dict:
    html = page.read_text(encoding="utf-8")
    probed = page.with_name("probed_" + page.name)
    probed.write_text(html.replace("<head>", "<head>" + PROBE + extra, 1), encoding="utf-8")
    done = chromium(["--dump-dom", probed.as_uri()], profile)
    match = re.search(r'<pre id="cx-probe">(.*?)</pre>', done.stdout, flags=re.S)
    assert match, f"probe did not run: {done.stderr[-2000:]}"
    text = match.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
    return json.loads(text.replace("&amp;", "&"))


def test_report_loads_without_errors_or_broken_images(report_html, tmp_path):
    result = probe(report_html, tmp_path / "profile")
    assert result["errors"] == []
    assert result["images"], "the report shows no figure"
    for image in result["images"]:
        assert image["ok"] and image["w"] > 100, image
        assert len(image["alt"]) > 20


def test_probe_catches_a_broken_image_and_a_script_error(report_html, tmp_path):
    """The check can fail: a page with a broken image and a throwing script."""
    broken = '<img src="data:image/png;base64,AAAA" alt="broken"><script>nope();</script>'
    page = report_html.with_name("broken.html")
    page.write_text(
        report_html.read_text(encoding="utf-8").replace("<main>", "<main>" + broken, 1),
        encoding="utf-8",
    )
    result = probe(page, tmp_path / "profile")
    assert any(e.startswith("js:") for e in result["errors"])
    assert not all(image["ok"] for image in result["images"])


def test_screenshot_of_the_report(report_html, tmp_path):
    shot = tmp_path / "report.png"
    done = chromium(
        ["--window-size=1200,2400", f"--screenshot={shot}", report_html.as_uri()], tmp_path / "p"
    )
    assert shot.is_file(), done.stderr[-2000:]
    import matplotlib.pyplot as plt
    import numpy as np

    image = plt.imread(shot)
    assert image.shape[:2] == (2400, 1200)
    assert np.std(image[..., :3]) > 0.05, "blank screenshot"
    keep = os.environ.get("CXLAB_SCREENSHOT")  # e.g. /tmp/report.png, for a human to look at
    if keep:
        shutil.copy(shot, keep)
