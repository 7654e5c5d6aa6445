"""The estimates core's fast paths (issue #14) pinned against the plain formulas.

The linearised variance finds its (domain, cluster) cells in one pass when the rows are
sorted (an event table by event and respondent), counts design degrees of freedom with
flags, sums per domain with ``reduceat``, factorizes categorical ids by counting and
builds a single segment column's domains without a groupby. Each is checked here against
the plain computation (pandas groupby, ``np.unique``) on ``cxlab.synth`` data: weighted
and unweighted, with missing values, with domains, with a design, and with string,
categorical and integer respondent ids, in sorted and shuffled row orders.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab._checks as checks
import cxlab._stats as st
from cxlab.cfe import promise_gap
from cxlab.estimates import weighted_mean, weighted_proportion
from cxlab.synth import make_study
from cxlab.synth.executive import make_executive_study

RTOL = 1e-10


@pytest.fixture(scope="module")
def study():
    return make_study(industry="banking", n_respondents=400, seed=3)


def _event_table(survey, ids: str, order: str = "table") -> pd.DataFrame:
    """The event table with respondent ids as text, categorical (categories: the
    respondents in their order) or integers, in table order, sorted by respondent or
    shuffled; a few ratings missing and some weights zero."""
    et = survey.event_table()
    text = et["respondent_id"].astype(str)
    resp = survey.respondents["respondent_id"].astype(str)
    if ids == "categorical":
        et["respondent_id"] = pd.Categorical(text, categories=list(resp))
    elif ids == "int":
        et["respondent_id"] = text.map(
            dict(zip(resp, range(1, len(resp) + 1), strict=True))
        ).astype(int)
    else:
        et["respondent_id"] = text
    rng = np.random.default_rng(0)
    et.loc[rng.random(len(et)) < 0.05, "performance"] = np.nan
    et.loc[rng.random(len(et)) < 0.02, "weight"] = 0.0
    if order == "respondent":
        et = et.sort_values(["respondent_id", "event_id"], kind="stable")
    elif order == "shuffled":
        et = et.iloc[rng.permutation(len(et))]
    return et.reset_index(drop=True)


def _plain(y, w, g, cl) -> pd.DataFrame:
    """The clustered domain ratio mean and its linearised variance, written out."""
    m = pd.Series(cl).nunique()
    d = pd.DataFrame({"y": y, "w": w, "g": g, "c": cl})
    d = d[np.isfinite(d["y"]) & (d["g"] >= 0) & (d["w"] > 0)]
    W = d.groupby("g")["w"].sum()
    est = d.groupby("g").apply(lambda p: (p["w"] * p["y"]).sum(), include_groups=False) / W
    d["z"] = d["w"] * (d["y"] - d["g"].map(est)) / d["g"].map(W)
    cells = d.groupby(["g", "c"])[["z", "w"]].sum()
    per = cells.groupby(level="g")
    return pd.DataFrame(
        {
            "estimate": est,
            "var": m / (m - 1) * per["z"].apply(lambda z: (z**2).sum()),
            "n": per.size(),
            "n_effective": per["w"].sum() ** 2 / per["w"].apply(lambda v: (v**2).sum()),
        }
    )


@pytest.mark.parametrize("ids", ["text", "categorical", "int"])
@pytest.mark.parametrize("order", ["table", "respondent", "shuffled"])
@pytest.mark.parametrize("weighted", [True, False])
def test_clustered_linearise_matches_the_plain_formula(study, ids, order, weighted):
    survey, _ = study
    et = _event_table(survey, ids, order)
    design = checks.Design(et, "weight" if weighted else None, "event_id", "respondent_id")
    y = et["performance"].to_numpy(dtype=float)
    res = st.linearise(y, design.w, design.g, design.G, design.cl)
    plain = _plain(y, design.w, design.g, design.cl)
    for key in ("estimate", "var", "n", "n_effective"):
        np.testing.assert_allclose(res[key], plain[key].to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res["df"], plain["n"].to_numpy() - 1.0)


def test_clustered_linearise_with_repeated_cells_and_one_domain():
    # a respondent with several rows in one domain: cells aggregate rows (runs, table
    # of few cells and np.unique), in both row orders
    rng = np.random.default_rng(1)
    n, m = 3000, 400
    cl = np.sort(rng.integers(0, m, n))
    g = rng.integers(0, 3, n)
    y = np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))
    w = rng.uniform(0.2, 3, n)
    for order in (np.arange(n), np.lexsort((cl, g)), rng.permutation(n)):
        for gg, G in ((g[order], 3), (np.zeros(n, dtype=np.int64), 1)):
            res = st.linearise(y[order], w[order], gg, G, cl[order])
            plain = _plain(y[order], w[order], gg, cl[order])
            for key in ("estimate", "var", "n", "n_effective"):
                np.testing.assert_allclose(res[key], plain[key].to_numpy(), rtol=RTOL)


def test_domain_clusters_finds_the_cells_of_np_unique():
    rng = np.random.default_rng(2)
    g = rng.integers(0, 5, 4000)
    cl = rng.integers(0, 900, 4000)
    for order in (np.lexsort((cl, g)), np.lexsort((g, cl)), rng.permutation(4000)):
        gk, ck, inv = st.domain_clusters(g[order], cl[order], 5, 900)
        u = np.unique(g * 900 + cl)
        assert sorted(gk * 900 + ck) == u.tolist()
        assert inv is not None
        np.testing.assert_array_equal(gk[inv] * 900 + ck[inv], (g * 900 + cl)[order])
    # every (domain, cluster) once, rows sorted: the rows are the cells
    key = np.unique(g * 900 + cl)
    gk, ck, inv = st.domain_clusters(key // 900, key % 900, 5, 900)
    assert inv is None
    np.testing.assert_array_equal(gk * 900 + ck, key)


def test_domain_totals_equal_bincount():
    rng = np.random.default_rng(3)
    g = np.sort(rng.choice([0, 2, 3, 6], 5000))  # domains 1, 4, 5 and 7 empty
    x = rng.normal(size=5000)
    for codes in (g, rng.permutation(g)):
        total = st.domain_totals(codes, 8)
        np.testing.assert_allclose(total(x), np.bincount(codes, weights=x, minlength=8))
        np.testing.assert_array_equal(total(), np.bincount(codes, minlength=8))


@pytest.mark.parametrize("ids", ["categorical", "int"])
def test_estimates_do_not_depend_on_the_id_type(study, ids):
    survey, _ = study
    base = _event_table(survey, "text")
    other = _event_table(survey, ids)
    for fn, kw in ((weighted_mean, {}), (weighted_proportion, {"value": [9, 10]})):
        column = "performance" if fn is weighted_mean else "satisfaction"
        a = fn(base, column, by="event_id", min_base=0, **kw)
        b = fn(other, column, by="event_id", min_base=0, **kw)
        pd.testing.assert_frame_equal(a, b, rtol=RTOL, atol=0)


def _domains_plain(data, by):
    gb = data.groupby(by, observed=True, dropna=True, sort=True)
    return gb.ngroup().fillna(-1).to_numpy(dtype=np.int64), gb.size().index.to_frame(index=False)


@pytest.mark.parametrize(
    "column",
    [
        pd.Categorical(["b", "a", None, "c", "a"], categories=["c", "b", "a", "z"]),
        pd.Categorical(["b", "a", "c", "a", "b"], categories=["c", "b", "a"], ordered=True),
        pd.array(["b", "a", None, "c", "a"], dtype="string"),
        pd.Series(["b", "a", None, "c", "a"], dtype="str"),
        [3, 1, 2, 1, 3],
        [3.0, np.nan, 2.5, 1.0, 3.0],
        [True, False, True, True, False],
    ],
)
def test_one_segment_column_gives_the_groupby_domains(column):
    data = pd.DataFrame({"s": column, "t": ["x", "y", "x", "y", "x"]})
    for by in (["s"], ["s", "t"]):
        g, keys = checks._domains(data, by)
        g0, keys0 = _domains_plain(data, by)
        np.testing.assert_array_equal(g, g0)
        pd.testing.assert_frame_equal(keys, keys0)


def test_categorical_ids_are_factorized_as_pandas_does():
    x = pd.Series(pd.Categorical(["b", "a", None, "c", "a"], categories=["c", "b", "a", "z"]))
    codes, uniques = checks._sorted_factorize(x)
    codes0, uniques0 = pd.factorize(x, sort=True)
    np.testing.assert_array_equal(codes, codes0)
    pd.testing.assert_index_equal(pd.Index(uniques), pd.Index(uniques0), exact=True)
    # PSUs made from respondents keep pandas' order of appearance
    sorted_codes, _ = checks._factorize(x.fillna("a"))
    np.testing.assert_array_equal(
        checks._appearance(sorted_codes.astype(np.int64)), pd.factorize(x.fillna("a"))[0]
    )


def _design_df_plain(design, rows, g, G):
    p = design.psu[rows]
    psus = np.unique(g * design.n_psus + p)
    strata = np.unique(g * design.n_strata + design.stratum[p])
    n_p = np.bincount(psus // design.n_psus, minlength=G)
    n_s = np.bincount(strata // design.n_strata, minlength=G)
    return (n_p - n_s).astype(float)


def test_design_df_and_variance_match_the_plain_computation():
    rng = np.random.default_rng(4)
    n = 2000
    data = pd.DataFrame(
        {
            "stratum": rng.integers(0, 4, n),
            "g": rng.integers(-1, 6, n),
            "fpc": 0.0,
        }
    )
    data["branch"] = data["stratum"] * 100 + rng.integers(0, 30, n)
    data["fpc"] = data["stratum"].map({0: 2000, 1: 3000, 2: 1500, 3: 4000})
    for cluster in ("branch", None):
        dsn = checks.sample_design(data, strata="stratum", cluster=cluster, fpc="fpc")
        rows = np.flatnonzero(data["g"].to_numpy() >= 0)
        g = data["g"].to_numpy()[rows]
        np.testing.assert_array_equal(
            st.design_df(dsn, rows, g, 6), _design_df_plain(dsn, rows, g, 6)
        )
        T = rng.normal(size=(dsn.n_psus, 3))
        dense = st.design_variance(T, dsn, want_cov=True)
        sparse = st.design_variance(st.sparse.csr_matrix(T), dsn, want_cov=True)
        np.testing.assert_allclose(dense["var"], sparse["var"], rtol=RTOL)
        np.testing.assert_allclose(dense["cov"], sparse["cov"], rtol=RTOL)
        Z = rng.normal(size=(n, 2))
        np.testing.assert_allclose(dsn.psu_totals(Z), dsn.psu_matrix() @ Z, rtol=RTOL)


@pytest.mark.parametrize("ids", ["categorical", "int"])
def test_bootstrap_replicates_do_not_depend_on_the_id_type(study, ids):
    survey, _ = study
    base = _event_table(survey, "text")
    other = _event_table(survey, ids)
    # a respondent-level stratum: the PSUs are the respondents
    base["region"] = other["region"] = base["respondent_id"].str[-1].astype(int) % 3
    a = checks.Design(base, "weight", None, "auto", strata="region", method="bootstrap")
    b = checks.Design(other, "weight", None, "auto", strata="region", method="bootstrap")
    np.testing.assert_array_equal(a.replicates[0], b.replicates[0])
    np.testing.assert_array_equal(a.sample.psu, b.sample.psu)


def _promise_plain(survey, execs):
    """The customer side of the promise gap with the groupby per event it used to be."""
    et = survey.event_table()
    et = et[et["performance"].notna() & et["brand_expectation"].notna()]

    def share(part):
        codes, _ = pd.factorize(part["respondent_id"].astype(object))
        met = (part["performance"] >= part["brand_expectation"]).to_numpy(dtype=float)
        res = st.linearise(met, part["weight"].to_numpy(dtype=float), clusters=codes)
        return 100 * res["estimate"][0], part["respondent_id"].nunique()

    overall = share(et)[0]
    events = {eid: share(part) for eid, part in et.groupby("event_id", observed=True, sort=False)}
    return overall, events


@pytest.mark.parametrize("ids", ["text", "categorical"])
def test_promise_gap_matches_the_groupby_per_event(study, ids):
    survey, _ = study
    execs, _ = make_executive_study(seed=0)
    et = survey._event_data
    if ids == "categorical":
        cats = list(survey.respondents["respondent_id"].astype(str))
        et = et.assign(respondent_id=pd.Categorical(et["respondent_id"].astype(str), cats))
    from dataclasses import replace

    s = replace(survey, _event_data=et)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pg = promise_gap(execs, s, min_base=30)
    overall, events = _promise_plain(s, execs)
    row = pg.table.set_index("measure").loc["brand_expectation_met"]
    assert row["value"] == pytest.approx(overall, rel=RTOL)
    assert list(pg.events["event_id"]) == list(events)
    for _, r in pg.events.iterrows():
        value, m = events[r["event_id"]]
        assert bool(r["suppressed"]) == (m < 30)
        if not r["suppressed"]:
            assert r["value"] == pytest.approx(value, rel=RTOL)
