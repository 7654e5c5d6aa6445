"""The Dask path (cxlab.scaling): raking and weighted estimates on a Dask frame, run on a
distributed LocalCluster, equal the in-memory results to 1e-10."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlab.errors import DataError, ParameterError
from cxlab.estimates import weighted_mean, weighted_proportion
from cxlab.scaling import is_dask
from cxlab.synth import make_study
from cxlab.weighting import rake

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def frames():
    survey, truth = make_study("banking", 3000, seed=5)
    r = survey.respondents.copy()
    rng = np.random.default_rng(0)
    r["weight"] = rng.uniform(0.3, 3.0, len(r))
    r.loc[rng.choice(len(r), 200, replace=False), "recommend"] = np.nan  # not answered
    et = survey.event_table().copy()
    et["weight"] = rng.uniform(0.5, 2.0, len(et))
    return r, et, truth


def _equal(a: pd.DataFrame, b: pd.DataFrame):
    assert a.columns.tolist() == b.columns.tolist() and len(a) == len(b)
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]):
            np.testing.assert_allclose(a[c], b[c], rtol=1e-10, atol=1e-12, err_msg=c)
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c


def test_weighted_estimates_equal_in_memory(client, frames):
    r, et, _ = frames
    rd = dd.from_pandas(r, npartitions=4)
    assert is_dask(rd) and not is_dask(r)
    for by in (None, "gender", ["country", "gender"]):
        _equal(
            weighted_mean(rd, "recommend", by=by, min_base=5),
            weighted_mean(r, "recommend", by=by, min_base=5),
        )
    r2 = r.assign(adv=(r["recommend"] >= 9).astype(float).where(r["recommend"].notna()))
    _equal(
        weighted_proportion(dd.from_pandas(r2, npartitions=3), "adv", by="gender"),
        weighted_proportion(r2, "adv", by="gender"),
    )
    _equal(
        weighted_proportion(rd, "gender", "Female", weights=None, by="country", min_base=1),
        weighted_proportion(r, "gender", "Female", weights=None, by="country", min_base=1),
    )


def test_clustered_event_rows_equal_in_memory(client, frames):
    """Respondent x event rows: z summed per respondent across partitions (a respondent's
    rows may sit in two partitions), then squared."""
    _, et, _ = frames
    et = et.sample(frac=1.0, random_state=1).reset_index(drop=True)  # respondents split up
    ed = dd.from_pandas(et, npartitions=5)
    for by in (None, "event_id"):
        a = weighted_mean(ed, "satisfaction", by=by)
        b = weighted_mean(et, "satisfaction", by=by)
        _equal(a, b)
    assert b["n"].iloc[0] < len(et)  # clustered: n counts respondents


def test_rake_equals_in_memory(client, frames):
    r, _, truth = frames
    margins = {k: v for k, v in truth["population_margins"].items() if k in r.columns}
    assert len(margins) >= 2
    rd = dd.from_pandas(r, npartitions=4)
    for weights in (None, "weight"):
        a, b = rake(rd, margins, weights=weights), rake(r, margins, weights=weights)
        assert a.converged == b.converged and a.iterations == b.iterations
        w = a.weights.compute()
        np.testing.assert_allclose(w.to_numpy(), b.weights.to_numpy(), rtol=1e-10)
        assert w.index.equals(b.weights.index)
        _equal(a.table, b.table)
    # the raked weights feed the Dask estimates
    rd2 = rd.assign(weight=a.weights)
    _equal(
        weighted_mean(rd2, "recommend", by="gender"),
        weighted_mean(r.assign(weight=b.weights), "recommend", by="gender"),
    )


def test_dask_errors_are_cxlab_errors(client, frames):
    r, _, truth = frames
    rd = dd.from_pandas(r, npartitions=2)
    margins = {k: v for k, v in truth["population_margins"].items() if k in r.columns}
    with pytest.raises(ParameterError, match="trimming bounds"):
        rake(rd, margins, bounds=(0.5, 2.0))
    with pytest.raises(DataError, match="column not found"):
        weighted_mean(rd, "no_such_column")
    # design arguments the partition reductions do not implement are refused, never ignored
    with pytest.raises(ParameterError, match="strata"):
        weighted_mean(rd, "recommend", strata="country")
    with pytest.raises(ParameterError, match="calibration"):
        weighted_proportion(rd, "gender", "F", calibration=rake(r, margins))
    with pytest.raises(ParameterError, match="fpc"):
        from cxlab.segments import net_advocacy

        net_advocacy("recommend", "weight", data=rd, fpc="weight")


def test_net_advocacy_equals_in_memory(client, frames):
    from cxlab.segments import net_advocacy

    r, _, _ = frames
    r = r.assign(region=np.where(np.arange(len(r)) % 3 == 0, "N", "S"))
    r.loc[r.index[:40], "region"] = None  # rows in no segment still count in m
    rd = dd.from_pandas(r, npartitions=4)
    for by in (None, "gender", ["country", "region"]):
        a = net_advocacy("recommend", "weight", by=by, data=rd, min_base=5)
        b = net_advocacy("recommend", "weight", by=by, data=r, min_base=5)
        _equal(a, b)
    with pytest.raises(ParameterError, match="name columns"):
        net_advocacy(r["recommend"], data=rd)


def test_the_docs_example_runs(frames, capsys):
    """docs/scaling.md's example, as written (on 2,000 respondents to stay fast)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "scaling.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert "n_respondents=20_000" in code
    exec(code.replace("n_respondents=20_000", "n_respondents=2_000"), {})
    out = capsys.readouterr().out
    assert out.startswith("True") and "country" in out
