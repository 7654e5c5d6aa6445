"""Comments in the report: the section, its skip rule and a privacy grep of a real run.

One ``cxlab report`` run (module fixture) on a synthetic automotive study whose
comments mention the respondents' own fake names, e-mails and phones; every output
file is searched for every planted value.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from cxlab.analysis import plan_sections
from cxlab.segments import classify_advocacy
from cxlab.synth import make_study, write_study
from cxlab.verbatims import analyse_comments


@pytest.fixture(scope="module")
def commented_run(tmp_path_factory, project_root):
    folder = tmp_path_factory.mktemp("commented")
    paths = write_study("automotive", 400, 5, folder=folder, formats=("csv",), comments=True)
    params = folder / "client.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "client": "Commented Motors",
                "data_path": paths["csv"].name,
                "codebook": paths["codebook"].name,
                "min_base": 30,
                "seed": 0,
                "formats": ["html", "pptx", "pdf"],
                "reports_dir": "reports",
            }
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "cxlab", "report", str(params)],
        capture_output=True,
        text=True,
        cwd=project_root,
        env={**__import__("os").environ, "MPLBACKEND": "Agg"},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = [p for p in (folder / "reports").glob("*/*") if p.is_dir()]
    raw = pd.read_csv(paths["csv"])
    return SimpleNamespace(run=run, raw=raw, log=proc.stdout + proc.stderr)


def _png_text(data: bytes) -> str:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"tEXt":
            out.append(body.decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            out.append(key.decode("latin-1") + zlib.decompress(rest[1:]).decode("latin-1"))
        elif kind == b"iTXt":
            out.append(body.decode("utf-8", errors="ignore"))
        pos += 12 + length
    return "\n".join(out)


def _texts(path: Path) -> str:
    """Everything readable in one output file."""
    data = path.read_bytes()
    parts = [data.decode("utf-8", errors="ignore")]
    if zipfile.is_zipfile(path):  # xlsx, pptx: every XML part
        with zipfile.ZipFile(path) as z:
            parts += [z.read(n).decode("utf-8", errors="ignore") for n in z.namelist()]
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        parts += [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    if path.suffix == ".png":
        parts.append(_png_text(data))
    if path.suffix == ".html":
        for b64 in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", parts[0]):
            parts.append(_png_text(base64.b64decode(b64)))
    return "\n".join(parts)


def test_no_planted_name_email_or_phone_in_any_output(commented_run):
    raw = commented_run.raw
    why = [c for c in raw.columns if c.endswith("_why")]
    mentioned = raw[why].fillna("").agg(" ".join, axis=1)
    values = {v for c in ("name", "email", "phone") for v in raw[c].astype(str)}
    # the comments really do carry them (else the test could not fail)
    assert (
        sum(
            any(v in m for v in row)
            for m, row in zip(
                mentioned, raw[["name", "email", "phone"]].astype(str).values, strict=True
            )
        )
        > 50
    )
    files = [p for p in commented_run.run.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".pptx", ".pdf", ".png", ".xlsx", ".json", ".csv"} <= kinds
    blobs = {p.name: _texts(p).lower() for p in files}
    blobs["cli log"] = commented_run.log.lower()
    for name, text in blobs.items():
        leaked = [v for v in values if v.lower() in text]
        assert not leaked, f"{name} contains planted personal data: {leaked[:3]}"
    html = (commented_run.run / "report.html").read_text()
    assert "Voice of the customer" in html and "[name]" in html  # quotes are shown, redacted
    assert (commented_run.run / "figures" / "comments_vs_advocacy.png").is_file()


def test_section_is_skipped_with_a_reason_without_comments(banking):
    survey, _ = banking
    params = SimpleNamespace(
        min_base=30, weighting_targets=None, improvement_costs=None, executive_data=None,
        customer_base=None, currency=None,
    )  # fmt: skip
    inputs = SimpleNamespace(survey=survey, margins=None, costs=None, executive=None)
    plan = plan_sections(inputs, params)
    assert not plan.included("comments")
    assert "no comments" in plan["comments"].reason


def test_quotes_only_from_cells_at_min_base_and_shares_by_event():
    survey, truth = make_study("banking", 400, 1, comments=True)
    groups = classify_advocacy(survey.respondents["recommend"])
    v = analyse_comments(survey, groups=groups, min_base=60, n_topics=5)
    cells = v.by_event.set_index(["event_id", "topic"])
    assert len(v.quotes) and all(
        cells.loc[(e, k), "n"] >= 60 and not cells.loc[(e, k), "suppressed"]
        for e, k in zip(v.quotes["event_id"], v.quotes["topic"], strict=True)
    )
    assert v.by_event.loc[v.by_event["n"] < 60, "suppressed"].all()
    # the shares of each event's topics add up to one, less the comments with no
    # modelled word (no topic)
    shown = v.by_event[~v.by_event["suppressed"]].groupby("event_id")["share"].sum()
    assert shown.between(0.95, 1 + 1e-9).all()
    # the planted first topic of each event is its largest (key words in the label)
    top = v.by_event[~v.by_event["suppressed"]].sort_values("share").groupby("event_id").tail(1)
    for row in top.itertuples():
        planted = max(truth["planted_topics"]["events"][row.event_id].items(), key=lambda x: x[1])
        words = truth["planted_topics"]["topics"][planted[0]]
        terms = v.table.set_index("topic").loc[row.topic, "terms"]
        assert any(w in terms for w in words), (row.event_id, planted, terms)
    assert v.advocacy["p_adjusted"].ge(v.advocacy["p_value"]).all()
    assert v.plot().get_title().startswith("Topics of comments")
