"""Survey designs (issue 15): strata, PSUs, fpc, lonely PSUs, domains, calibration.

Checked against samplics' Taylor linearisation (an independent implementation) to
1e-8 and against the design-variance formula written out by hand in loops here, with
R survey's conventions: ``(1 - f_h) n_h / (n_h - 1)``, fpc as population PSUs or a
sampling fraction, degrees of freedom PSUs - strata, ``survey.lonely.psu``.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlab.comparisons import compare
from cxlab.errors import DataError, ModelError, ParameterError
from cxlab.estimates import (
    weighted_distribution,
    weighted_mean,
    weighted_proportion,
    weighted_top_box,
)
from cxlab.weighting import poststratify, rake


# --------------------------------------------------------------------------- data
def _design_data(seed: int = 1, lonely: bool = False) -> pd.DataFrame:
    """Stratified cluster sample: strata of 3-6 branches, 3-8 respondents a branch."""
    rng = np.random.default_rng(seed)
    rows = []
    sizes = [3, 4, 5, 6] + ([1] if lonely else [])
    for h, npsu in enumerate(sizes):
        for p in range(npsu):
            u = rng.normal()
            for _ in range(int(rng.integers(3, 9))):
                y = u + rng.normal() + 0.5 * h
                rows.append(
                    (
                        f"S{h}",
                        f"S{h}-B{p}",
                        y,
                        float(rng.uniform(1, 3)),
                        40 + 10 * h,
                        str(rng.choice(["a", "b", "c"])),
                        int(rng.integers(0, 11)),
                    )
                )
    df = pd.DataFrame(rows, columns=["region", "branch", "y", "weight", "N", "seg", "rating"])
    df["flag"] = (df["y"] > 0.5).astype(float)
    return df


@pytest.fixture(scope="module")
def dsn():
    return _design_data()


def _hand(df, y, w, strata, psu, N=None, domain=None, lonely="fail"):
    """The design variance of a (domain) ratio mean, written out in loops."""
    inside = np.ones(len(df), bool) if domain is None else np.asarray(domain)
    yv, wv = df[y].to_numpy(float), df[w].to_numpy(float)
    ok = inside & np.isfinite(yv)
    W = wv[ok].sum()
    est = (wv[ok] * yv[ok]).sum() / W
    z = np.where(ok, wv * (np.where(ok, yv, 0) - est) / W, 0.0)
    totals = pd.Series(z).groupby(df[psu].to_numpy()).sum()
    stratum_of = df.groupby(psu)[strata].first()
    grand = totals.sum() / len(totals)
    var = 0.0
    for h in stratum_of.unique():
        t = totals[stratum_of[stratum_of == h].index].to_numpy()
        n_h = len(t)
        f = 0.0 if N is None else n_h / df.loc[df[strata] == h, N].iloc[0]
        if n_h > 1:
            var += (1 - f) * n_h / (n_h - 1) * ((t - t.mean()) ** 2).sum()
        elif lonely == "adjust":
            var += (1 - f) * ((t - grand) ** 2).sum()
    return est, np.sqrt(var)


def _samplics(param, df, y, *, strata="region", psu="branch", N=None, domain=None):
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    kw = {}
    if N is not None:
        n_h = df.groupby(strata)[psu].nunique()
        pop = df.groupby(strata)[N].first()
        kw["fpc"] = {s: 1 - n_h[s] / pop[s] for s in n_h.index}
    est = TaylorEstimator(getattr(PopParam, param))
    est.estimate(
        y=df[y].to_numpy(),
        samp_weight=df["weight"].to_numpy(),
        stratum=df[strata].to_numpy(),
        psu=df[psu].to_numpy(),
        domain=None if domain is None else df[domain].to_numpy(),
        **kw,
    )
    return est


# --------------------------------------------------------------------------- samplics
def test_stratified_cluster_fpc_mean_matches_samplics(dsn):
    ours = weighted_mean(dsn, "y", strata="region", cluster="branch", fpc="N", min_base=1)
    theirs = _samplics("mean", dsn, "y", N="N")
    assert ours["estimate"].iloc[0] == pytest.approx(theirs.point_est, rel=1e-12)
    assert ours["se"].iloc[0] == pytest.approx(theirs.stderror, rel=1e-8)
    assert ours["n"].iloc[0] == len(dsn)  # the base counts respondents, not PSUs


def test_domains_keep_the_full_design_as_samplics(dsn):
    ours = weighted_mean(dsn, "y", by="seg", strata="region", cluster="branch", fpc="N", min_base=1)
    theirs = _samplics("mean", dsn, "y", N="N", domain="seg")
    for _, row in ours.iterrows():
        assert row["estimate"] == pytest.approx(theirs.point_est[row["seg"]], rel=1e-12)
        assert row["se"] == pytest.approx(theirs.stderror[row["seg"]], rel=1e-8)


def test_proportion_with_design_matches_samplics(dsn):
    ours = weighted_proportion(dsn, "flag", strata="region", cluster="branch", min_base=1)
    theirs = _samplics("prop", dsn, "flag")
    assert ours["estimate"].iloc[0] == pytest.approx(theirs.point_est[1.0], rel=1e-12)
    assert ours["se"].iloc[0] == pytest.approx(theirs.stderror[1.0], rel=1e-8)


def test_stratified_rows_as_psus_match_samplics(dsn):
    """Stratified element sample (R's ``id=~1``): each row its own PSU."""
    df = dsn.assign(rowid=np.arange(len(dsn)))
    ours = weighted_mean(df, "y", strata="region", cluster=None, fpc="N", min_base=1)
    theirs = _samplics("mean", df, "y", psu="rowid", N="N")
    assert ours["se"].iloc[0] == pytest.approx(theirs.stderror, rel=1e-8)
    # the same as naming the rows as PSUs
    named = weighted_mean(df, "y", strata="region", cluster="rowid", fpc="N", min_base=1)
    assert named["se"].iloc[0] == pytest.approx(ours["se"].iloc[0], rel=1e-12)


# --------------------------------------------------------------------------- by hand
def test_design_se_equals_the_formula_by_hand(dsn):
    ours = weighted_mean(dsn, "y", strata="region", cluster="branch", fpc="N", min_base=1)
    est, se = _hand(dsn, "y", "weight", "region", "branch", N="N")
    assert ours["estimate"].iloc[0] == pytest.approx(est, rel=1e-12)
    assert ours["se"].iloc[0] == pytest.approx(se, rel=1e-10)
    dom = weighted_mean(dsn, "y", by="seg", strata="region", cluster="branch", min_base=1)
    for _, row in dom.iterrows():
        e, s = _hand(dsn, "y", "weight", "region", "branch", domain=dsn["seg"] == row["seg"])
        assert row["se"] == pytest.approx(s, rel=1e-10)


def test_fpc_as_fraction_equals_fpc_as_population_count(dsn):
    n_h = dsn.groupby("region")["branch"].transform("nunique")
    frac = dsn.assign(f=n_h / dsn["N"])
    a = weighted_mean(dsn, "y", strata="region", cluster="branch", fpc="N", min_base=1)
    b = weighted_mean(frac, "y", strata="region", cluster="branch", fpc="f", min_base=1)
    assert b["se"].iloc[0] == pytest.approx(a["se"].iloc[0], rel=1e-12)
    # the correction lowers the SE by sqrt(1 - f) in each stratum
    wr = weighted_mean(dsn, "y", strata="region", cluster="branch", min_base=1)
    assert a["se"].iloc[0] < wr["se"].iloc[0]


def test_a_census_stratum_contributes_no_variance(dsn):
    """A stratum with every PSU sampled (f = 1) adds nothing (R returns 0 for it)."""
    n_h = dsn.groupby("region")["branch"].transform("nunique")
    census = dsn.assign(N=np.where(dsn["region"] == "S0", n_h, dsn["N"]))
    ours = weighted_mean(census, "y", strata="region", cluster="branch", fpc="N", min_base=1)
    _, se = _hand(census, "y", "weight", "region", "branch", N="N")
    assert ours["se"].iloc[0] == pytest.approx(se, rel=1e-10)


def test_degrees_of_freedom_are_psus_minus_strata(dsn):
    res = weighted_mean(dsn, "y", strata="region", cluster="branch", min_base=1, level=0.9).iloc[0]
    df = dsn["branch"].nunique() - dsn["region"].nunique()  # 18 - 4, R's degf()
    q = stats.t.ppf(0.95, df)
    assert res["ci_high"] - res["estimate"] == pytest.approx(q * res["se"], rel=1e-12)


def test_simple_weights_give_todays_numbers(dsn):
    """No design arguments: the with-replacement sample of rows, as before."""
    a = weighted_mean(dsn, "y", cluster=None, min_base=1)
    w, y = dsn["weight"].to_numpy(), dsn["y"].to_numpy()
    est = (w * y).sum() / w.sum()
    z = w * (y - est) / w.sum()
    n = len(y)
    assert a["se"].iloc[0] == pytest.approx(np.sqrt(n / (n - 1) * (z**2).sum()), rel=1e-12)


def test_all_estimators_take_the_design(dsn):
    kw = {"strata": "region", "cluster": "branch", "fpc": "N", "min_base": 1}
    tb = weighted_top_box(dsn, "rating", 10, **kw)
    dist = weighted_distribution(dsn, "rating", categories=[9, 10], **kw)
    top = dsn.assign(top=(dsn["rating"] >= 9).astype(float))
    _, se = _hand(top, "top", "weight", "region", "branch", N="N")
    assert tb["se"].iloc[0] == pytest.approx(se, rel=1e-10)
    nine = dsn.assign(nine=(dsn["rating"] == 9).astype(float))
    _, se9 = _hand(nine, "nine", "weight", "region", "branch", N="N")
    assert dist["se"].iloc[0] == pytest.approx(se9, rel=1e-10)


# --------------------------------------------------------------------------- lonely PSUs
def test_a_lonely_psu_fails_by_default_naming_the_stratum():
    df = _design_data(lonely=True)
    with pytest.raises(ModelError, match="'S4'.*only one PSU") as err:
        weighted_mean(df, "y", strata="region", cluster="branch", min_base=1)
    assert "region" in str(err.value)


@pytest.mark.parametrize("rule", ["adjust", "certainty"])
def test_lonely_psu_rules_by_hand(rule):
    df = _design_data(lonely=True)
    ours = weighted_mean(
        df, "y", strata="region", cluster="branch", fpc="N", lonely_psu=rule, min_base=1
    )
    _, se = _hand(df, "y", "weight", "region", "branch", N="N", lonely=rule)
    assert ours["se"].iloc[0] == pytest.approx(se, rel=1e-10)


def test_adjust_is_larger_than_certainty_for_a_ratio_mean():
    df = _design_data(lonely=True)
    kw = {"strata": "region", "cluster": "branch", "min_base": 1}
    adj = weighted_mean(df, "y", lonely_psu="adjust", **kw)["se"].iloc[0]
    cert = weighted_mean(df, "y", lonely_psu="certainty", **kw)["se"].iloc[0]
    assert adj > cert


def test_unknown_lonely_psu_rule_is_refused(dsn):
    with pytest.raises(ParameterError, match="lonely_psu"):
        weighted_mean(dsn, "y", lonely_psu="average")


# --------------------------------------------------------------------------- domains
def test_a_segment_keeps_the_design_and_subsetting_does_not(dsn):
    """The domain estimate is not the estimate on the segment's rows alone: a segment
    absent from some PSUs would lose them (R: subset() keeps the full design)."""
    kw = {"strata": "region", "cluster": "branch", "min_base": 1}
    dom = weighted_mean(dsn, "y", by="seg", **kw).set_index("seg")
    sub = weighted_mean(dsn[dsn["seg"] == "a"], "y", lonely_psu="adjust", **kw)
    assert dom.loc["a", "estimate"] == pytest.approx(sub["estimate"].iloc[0], rel=1e-12)
    assert dom.loc["a", "se"] != pytest.approx(sub["se"].iloc[0], rel=1e-3)
    # a missing value is a domain too: its row stays in the design
    miss = dsn.assign(y=dsn["y"].where(dsn["seg"] == "a"))
    m = weighted_mean(miss, "y", **kw)
    assert m["se"].iloc[0] == pytest.approx(dom.loc["a", "se"], rel=1e-12)


def test_domain_degrees_of_freedom_count_its_psus_and_strata(dsn):
    df = dsn.copy()
    df.loc[df["region"] == "S3", "seg"] = "only_s3"
    res = weighted_mean(df, "y", by="seg", strata="region", cluster="branch", min_base=1)
    row = res.set_index("seg").loc["only_s3"]
    d = df.loc[df["seg"] == "only_s3", "branch"].nunique() - 1
    q = stats.t.ppf(0.975, d)
    assert row["ci_high"] - row["estimate"] == pytest.approx(q * row["se"], rel=1e-10)


# --------------------------------------------------------------------------- comparisons
def test_compare_uses_the_design_covariance(dsn):
    kw = {"strata": "region", "cluster": "branch", "fpc": "N", "min_base": 1}
    out = compare(dsn, "y", by="seg", reference="a", **kw)
    row = out.set_index("group_a").loc["b"]
    # the difference's linearised values: z_b - z_a, through the formula by hand
    ea, _ = _hand(dsn, "y", "weight", "region", "branch", domain=dsn["seg"] == "a")
    eb, _ = _hand(dsn, "y", "weight", "region", "branch", domain=dsn["seg"] == "b")
    w, y = dsn["weight"].to_numpy(), dsn["y"].to_numpy()
    ina, inb = (dsn["seg"] == "a").to_numpy(), (dsn["seg"] == "b").to_numpy()
    z = np.where(inb, w * (y - eb) / w[inb].sum(), 0) - np.where(
        ina, w * (y - ea) / w[ina].sum(), 0
    )
    df = dsn.assign(z=z, one=1.0)
    totals = df.groupby("branch")["z"].sum()
    strat = df.groupby("branch")["region"].first()
    var = 0.0
    for h in strat.unique():
        t = totals[strat == h].to_numpy()
        f = len(t) / dsn.loc[dsn["region"] == h, "N"].iloc[0]
        var += (1 - f) * len(t) / (len(t) - 1) * ((t - t.mean()) ** 2).sum()
    assert row["difference"] == pytest.approx(eb - ea, rel=1e-12)
    assert row["se"] == pytest.approx(np.sqrt(var), rel=1e-8)


def test_compare_waves_with_strata_are_independent_samples(dsn):
    w1, w2 = dsn, _design_data(seed=2)
    kw = {"strata": "region", "cluster": "branch", "min_base": 1}
    out = compare({"one": w1, "two": w2}, "y", by="wave", **kw).iloc[0]
    a = weighted_mean(w1, "y", **kw)["se"].iloc[0]
    b = weighted_mean(w2, "y", **kw)["se"].iloc[0]
    assert out["se"] == pytest.approx(np.hypot(a, b), rel=1e-8)


# --------------------------------------------------------------------------- bad input
def test_design_errors_name_the_column_and_rows(dsn):
    bad = dsn.copy()
    bad.loc[3, "N"] = 999
    with pytest.raises(DataError, match="fpc varies within a stratum") as err:
        weighted_mean(bad, "y", strata="region", cluster="branch", fpc="N")
    assert "'N'" in str(err.value)
    crossed = dsn.assign(branch=dsn["branch"].str.split("-").str[1])
    with pytest.raises(DataError, match="nested in strata"):
        weighted_mean(crossed, "y", strata="region", cluster="branch")
    small = dsn.assign(N=2)
    with pytest.raises(DataError, match="more than 100%"):
        weighted_mean(small, "y", strata="region", cluster="branch", fpc="N")
    mixed = dsn.assign(N=np.where(dsn["region"] == "S0", 0.5, 40))
    with pytest.raises(DataError, match="mixes population counts"):
        weighted_mean(mixed, "y", strata="region", cluster="branch", fpc="N")
    gap = dsn.assign(region=dsn["region"].where(dsn.index != 5))
    with pytest.raises(DataError, match="missing strata") as err:
        weighted_mean(gap, "y", strata="region", cluster="branch")
    assert "row 6" in str(err.value)


# --------------------------------------------------------------------------- calibration
def _raking_sample(seed: int = 4, n: int = 800) -> pd.DataFrame:
    """An unequal-probability sample where y depends on the raking variables."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], n, p=[0.35, 0.65])
    age = rng.choice(["young", "mid", "old"], n, p=[0.5, 0.3, 0.2])
    y = 2.0 * (sex == "f") + 1.5 * (age == "old") - (age == "young") + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "sex": sex,
            "age": age,
            "y": y,
            "d": rng.uniform(1, 3, n),
            "seg": rng.choice(["x", "y"], n),
        }
    )


MARGINS = {"sex": {"f": 0.5, "m": 0.5}, "age": {"young": 0.3, "mid": 0.4, "old": 0.3}}


def _calibrated_by_hand(df, res, y, domain=None):
    """R survey's calibrate() linearisation, written with plain numpy lstsq."""
    w = res.weights.to_numpy()
    d = res.design_weights.to_numpy()
    inside = np.ones(len(df), bool) if domain is None else np.asarray(domain)
    yv = df[y].to_numpy(float)
    est = (w * yv)[inside].sum() / w[inside].sum()
    e = np.where(inside, (yv - est) / w[inside].sum(), 0.0)
    X = pd.get_dummies(df[list(MARGINS)], dtype=float).to_numpy()
    beta, *_ = np.linalg.lstsq(X * np.sqrt(d)[:, None], e * np.sqrt(d), rcond=None)
    z = w * (e - X @ beta)
    n = len(z)
    return est, np.sqrt(n / (n - 1) * ((z - z.mean()) ** 2).sum())


def test_raking_keeps_what_the_calibrated_variance_needs():
    df = _raking_sample()
    res = rake(df, MARGINS, weights="d")
    assert res.design_weights.tolist() == df["d"].tolist()
    assert [c.max() + 1 for c in res.calibration_codes] == [2, 3]
    assert res.calibration_ncats == (2, 3)


def test_calibration_aware_se_by_hand_and_lower_than_fixed_weights():
    df = _raking_sample()
    res = rake(df, MARGINS, weights="d")
    raked = df.assign(weight=res.weights)
    cal = weighted_mean(raked, "y", calibration=res, min_base=1).iloc[0]
    fixed = weighted_mean(raked, "y", min_base=1).iloc[0]
    est, se = _calibrated_by_hand(df, res, "y")
    assert cal["estimate"] == pytest.approx(est, rel=1e-12)
    assert cal["se"] == pytest.approx(se, rel=1e-8)
    # y is related to the raking variables: calibration removes that part of its variance
    assert cal["se"] < 0.85 * fixed["se"]
    # by segment (a domain) as well
    dom = weighted_mean(raked, "y", by="seg", calibration=res, min_base=1).set_index("seg")
    for s in ("x", "y"):
        _, se_s = _calibrated_by_hand(df, res, "y", domain=df["seg"] == s)
        assert dom.loc[s, "se"] == pytest.approx(se_s, rel=1e-8)


def test_a_raking_variable_share_has_almost_no_calibrated_variance():
    df = _raking_sample().assign(female=lambda d: (d["sex"] == "f").astype(float))
    res = rake(df, MARGINS, weights="d")
    out = weighted_proportion(df, "female", weights=None, calibration=res, min_base=1)
    assert out["estimate"].iloc[0] == pytest.approx(0.5, abs=1e-9)
    assert out["se"].iloc[0] < 1e-8


def _poststratified_z(res, d, y, cell) -> np.ndarray:
    """Calibrated weight x residual from the d-weighted cell means (post-stratification)."""
    w, d, y = res.weights.to_numpy(), d.to_numpy(), y.to_numpy()
    est = (w * y).sum() / w.sum()
    e = (y - est) / w.sum()
    cells = cell.to_numpy()
    mean = pd.Series(d * e).groupby(cells).transform("sum") / pd.Series(d).groupby(cells).transform(
        "sum"
    )
    return w * (e - mean.to_numpy())


def test_poststratification_is_the_one_variable_case():
    df = _raking_sample()
    tab = pd.DataFrame({"age": ["young", "mid", "old"], "share": [0.3, 0.4, 0.3]})
    ps = poststratify(df, tab, weights="d")
    rk = rake(df, {"age": MARGINS["age"]}, weights="d")
    a = weighted_mean(df, "y", weights=None, calibration=ps, min_base=1)["se"].iloc[0]
    b = weighted_mean(df, "y", weights=None, calibration=rk, min_base=1)["se"].iloc[0]
    assert a == pytest.approx(b, rel=1e-8)
    # the textbook post-stratified variance: residuals from the d-weighted cell means
    z = _poststratified_z(ps, df["d"], df["y"], df["age"])
    n = len(z)
    assert a == pytest.approx(np.sqrt(n / (n - 1) * ((z - z.mean()) ** 2).sum()), rel=1e-8)


def test_calibration_with_clusters_and_strata():
    df = _design_data()
    res = rake(df, {"seg": {"a": 0.2, "b": 0.3, "c": 0.5}}, weights="weight")
    kw = {"strata": "region", "cluster": "branch", "min_base": 1, "weights": None}
    cal = weighted_mean(df, "y", calibration=res, **kw)["se"].iloc[0]
    # by hand: residualise within the raking cells, then the design formula
    z = pd.Series(_poststratified_z(res, df["weight"], df["y"], df["seg"]))
    z = z.groupby(df["branch"].to_numpy()).sum()
    strat = df.groupby("branch")["region"].first()
    var = sum(
        len(t) / (len(t) - 1) * ((t - t.mean()) ** 2).sum()
        for t in (z[strat == h].to_numpy() for h in strat.unique())
    )
    assert cal == pytest.approx(np.sqrt(var), rel=1e-8)


def test_calibration_refuses_other_rows_or_other_weights():
    df = _raking_sample()
    res = rake(df, MARGINS, weights="d")
    with pytest.raises(ParameterError, match="rows the weighting used"):
        weighted_mean(df.iloc[:100], "y", weights=None, calibration=res)
    with pytest.raises(ParameterError, match="not the calibrated weights"):
        weighted_mean(df, "y", weights="d", calibration=res)
    with pytest.raises(ParameterError, match="result of cxlab.weighting.rake"):
        weighted_mean(df, "y", weights=None, calibration="raked")


# --------------------------------------------------------------------------- advocacy
def test_net_advocacy_with_a_design_is_the_weighted_mean_of_its_score(dsn):
    from cxlab.segments import advocacy_shares, compare_net_advocacy, net_advocacy

    df = dsn.assign(score=np.select([dsn["rating"] >= 9, dsn["rating"] <= 6], [100.0, -100.0], 0.0))
    kw = {"strata": "region", "cluster": "branch", "fpc": "N"}
    net = net_advocacy("rating", "weight", by="seg", data=df, min_base=1, complementary=False, **kw)
    ref = weighted_mean(df, "score", by="seg", min_base=1, **kw)
    assert net["value"].to_numpy() == pytest.approx(ref["estimate"].to_numpy(), rel=1e-12)
    assert net["se"].to_numpy() == pytest.approx(ref["se"].to_numpy(), rel=1e-10)
    assert net["ci_low"].to_numpy() == pytest.approx(ref["ci_low"].to_numpy(), rel=1e-10)
    plain = net_advocacy("rating", "weight", by="seg", data=df, min_base=1, complementary=False)
    assert not np.allclose(plain["se"], net["se"])
    shares = advocacy_shares("rating", "weight", data=df, min_base=1, **kw)
    adv = shares.loc[shares["advocacy_group"] == "advocate"].iloc[0]
    prop = weighted_proportion(df, "rating", [9, 10], min_base=1, **kw).iloc[0]
    assert adv["share"] == pytest.approx(100 * prop["estimate"], rel=1e-12)
    assert adv["se"] == pytest.approx(100 * prop["se"], rel=1e-10)
    assert adv["ci_low"] == pytest.approx(100 * prop["ci_low"], rel=1e-10)
    diff = compare_net_advocacy("rating", "seg", "weight", data=df, min_base=1, **kw)
    theirs = compare(df, "score", by="seg", min_base=1, **kw)
    assert np.sort(diff["se"].to_numpy()) == pytest.approx(
        np.sort(theirs["se"].to_numpy()), rel=1e-10
    )


# --------------------------------------------------------------------------- the report
def _designed(survey):
    """The banking study with a stratified, clustered design declared in its codebook."""
    import dataclasses

    resp = survey.respondents
    rng = np.random.default_rng(0)
    strata = np.where(np.arange(len(resp)) % 3 == 0, "north", "south")
    branch = np.char.add(strata, rng.integers(0, 8, len(resp)).astype(str))
    resp = resp.assign(strata=strata, cluster=branch, fpc=np.where(strata == "north", 40, 60))
    cb = dataclasses.replace(survey.codebook, strata="region", cluster="branch", fpc="n_branches")
    return dataclasses.replace(survey, respondents=resp, codebook=cb)


def test_the_report_states_its_design(banking):
    from cxlab import analysis
    from cxlab.params import validate
    from cxlab.report import Inputs

    params = validate(
        {"client": "Acme", "data_path": "a.csv", "codebook": "a.yaml"}, check_files=False
    )
    survey, _ = banking
    plain = analysis.plan_sections(Inputs(survey, None, None, None, None), params)
    # the banking sample has no weight column: without targets nothing weights it
    assert survey.codebook.weight is None
    assert plain.design == "simple random sample (unweighted)"
    assert plain["sample"].basis.endswith("sample design: simple random sample (unweighted)")
    weighted = dataclasses.replace(
        survey, codebook=dataclasses.replace(survey.codebook, weight="w")
    )
    given = analysis.plan_sections(Inputs(weighted, None, None, None, None), params)
    assert given.design == "simple random sample with weights"
    raked = analysis.plan_sections(Inputs(survey, {"g": {}}, None, None, None), params)
    assert "calibration-aware variance of the raked weights" in raked.design
    designed = analysis.plan_sections(Inputs(_designed(survey), None, None, None, None), params)
    assert designed.design == (
        "stratified by region, clustered by branch, with finite-population corrections (n_branches)"
    )
    assert "stratified by region" in designed["sample"].basis


def test_the_report_estimates_use_the_codebook_design(banking):
    from cxlab import analysis
    from cxlab.params import validate
    from cxlab.report import Inputs
    from cxlab.segments import agitator_flags, net_advocacy

    params = validate(
        {"client": "Acme", "data_path": "a.csv", "codebook": "a.yaml", "min_base": 30},
        check_files=False,
    )
    survey = _designed(banking[0])
    inputs = Inputs(survey, None, None, None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = analysis.analyse(inputs, params, n_boot=10)
    assert "stratified by region" in r.plan.design
    resp = survey.respondents
    kw = {"strata": "strata", "cluster": "cluster", "fpc": "fpc"}

    ref = net_advocacy(
        resp["recommend"], resp["weight"], data=resp, min_base=30,
        agitator=agitator_flags(resp), **kw,
    )  # fmt: skip
    assert r.net["se"].iloc[0] == pytest.approx(ref["se"].iloc[0], rel=1e-12)
    plain = net_advocacy(
        resp["recommend"], resp["weight"], min_base=30, agitator=agitator_flags(resp)
    )
    assert r.net["se"].iloc[0] != pytest.approx(plain["se"].iloc[0], rel=1e-6)


def test_the_codebook_declares_the_design_columns():
    from cxlab.codebook import Codebook
    from cxlab.survey import survey_from_frame

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "q1": rng.integers(1, 8, 60),
            "reg": np.repeat(["N", "S", "E"], 20),
            "br": np.repeat([f"b{i}" for i in range(12)], 5),
            "pop": np.repeat([30, 40, 50], 20),
        }
    )
    spec = {
        "strata": "reg",
        "cluster": "br",
        "fpc": "pop",
        "respondent_items": {"overall": {"column": "q1", "scale": {"min": 1, "max": 7}}},
    }
    cb = Codebook.from_dict(spec)
    assert {"reg", "br", "pop"} <= set(cb.columns())
    assert cb.describe_design() == (
        "stratified by reg, clustered by br, with finite-population corrections (pop)"
    )
    survey = survey_from_frame(frame, cb)
    resp = survey.respondents
    assert resp["strata"].tolist()[:2] == ["N", "N"] and resp["fpc"].iloc[0] == 30
    ours = weighted_mean(resp, "overall", min_base=1, **cb.design).iloc[0]
    by_hand = weighted_mean(
        frame.assign(weight=1.0), "q1", strata="reg", cluster="br", fpc="pop", min_base=1
    ).iloc[0]
    assert ours["se"] == pytest.approx(by_hand["se"], rel=1e-12)
    gap = frame.assign(br=frame["br"].where(frame.index != 7))
    with pytest.raises(DataError, match="design's cluster column") as err:
        survey_from_frame(gap, cb)
    assert "row" in str(err.value) and "'br'" in str(err.value)
    with pytest.raises(Exception, match="'strata' is a name cxlab uses itself"):
        Codebook.from_dict({"segments": {"strata": {"column": "reg"}}})


# --------------------------------------------------------------------------- replicates
def _bigger_design(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(6):
        for p in range(10):
            u = rng.normal(0, 0.7)
            for _ in range(int(rng.integers(6, 14))):
                sex = str(rng.choice(["f", "m"], p=[0.35, 0.65]))
                y = u + h * 0.3 + 1.5 * (sex == "f") + rng.normal()
                rows.append((f"S{h}", f"S{h}-{p}", sex, y, float(rng.uniform(1, 3)), 60))
    return pd.DataFrame(rows, columns=["region", "branch", "sex", "y", "weight", "N"])


def test_jackknife_agrees_with_linearisation():
    df = _bigger_design()
    kw = {"strata": "region", "cluster": "branch", "min_base": 1}
    lin = weighted_mean(df, "y", **kw).iloc[0]
    jk = weighted_mean(df, "y", method="jackknife", **kw).iloc[0]
    assert jk["estimate"] == lin["estimate"]
    assert jk["se"] == pytest.approx(lin["se"], rel=0.02)
    # with fpc the JKn rscales carry (1 - f_h), as the linearisation does
    lin_f = weighted_mean(df, "y", fpc="N", **kw).iloc[0]
    jk_f = weighted_mean(df, "y", fpc="N", method="jackknife", **kw).iloc[0]
    assert jk_f["se"] == pytest.approx(lin_f["se"], rel=0.02)
    assert jk_f["se"] < jk["se"]
    # JK1 without strata
    one = {"cluster": "branch", "min_base": 1}
    assert weighted_mean(df, "y", method="jackknife", **one)["se"].iloc[0] == pytest.approx(
        weighted_mean(df, "y", **one)["se"].iloc[0], rel=0.02
    )


def test_jackknife_of_a_linear_statistic_equals_linearisation_exactly():
    """For a mean with known denominator (equal weights within PSU totals fixed) the
    JKn variance is the linearised one: a total's jackknife is exact."""
    from cxlab._stats import SampleDesign, design_variance, replicate_factors

    rng = np.random.default_rng(0)
    st = np.repeat(np.arange(3), 4)
    design = SampleDesign(np.arange(12), st, np.ones(3))
    t = rng.normal(size=12)  # PSU totals of a variable
    F, scale, rscales = replicate_factors(design, "jackknife")
    totals = t @ F
    var_jk = scale * (rscales * (totals - t.sum()) ** 2).sum()
    var_lin = design_variance(t[:, None], design)["var"][0]
    assert var_jk == pytest.approx(var_lin, rel=1e-12)


def test_bootstrap_agrees_with_linearisation():
    from cxlab.design import replicate_weights

    df = _bigger_design()
    kw = {"strata": "region", "cluster": "branch"}
    lin = weighted_mean(df, "y", min_base=1, **kw)["se"].iloc[0]
    rep = replicate_weights(df, method="bootstrap", replicates=1000, seed=1, **kw)
    assert rep.kind == "bootstrap" and rep.weights.shape[1] == 1000
    boot = weighted_mean(df, "y", method=rep, min_base=1)["se"].iloc[0]
    assert boot == pytest.approx(lin, rel=0.06)  # Monte Carlo error about 2%


def test_replicates_rerun_the_raking_and_agree_with_the_calibrated_linearisation():
    df = _bigger_design()
    res = rake(df, {"sex": {"f": 0.5, "m": 0.5}}, weights="weight")
    kw = {"strata": "region", "cluster": "branch", "min_base": 1, "weights": None}
    lin = weighted_mean(df, "y", calibration=res, **kw).iloc[0]
    jk = weighted_mean(df, "y", calibration=res, method="jackknife", **kw).iloc[0]
    fixed = weighted_mean(df.assign(w=res.weights), "y", **{**kw, "weights": "w"}).iloc[0]
    assert jk["se"] == pytest.approx(lin["se"], rel=0.03)
    assert jk["se"] < fixed["se"]  # re-raking each replicate captures the calibration
    by = weighted_mean(df, "y", by="sex", calibration=res, method="jackknife", **kw)
    by_lin = weighted_mean(df, "y", by="sex", calibration=res, **kw)
    assert by["se"].to_numpy() == pytest.approx(by_lin["se"].to_numpy(), rel=0.03)


def test_client_replicate_weights_follow_svrepdesign_scales():
    from cxlab.design import ReplicateWeights, replicate_weights

    df = _bigger_design()
    kw = {"strata": "region", "cluster": "branch"}
    rep = replicate_weights(df, **kw)
    client = df.join(rep.weights)
    given = ReplicateWeights.from_columns(
        client, list(rep.weights.columns), scale=rep.scale, rscales=rep.rscales
    )
    a = weighted_mean(client, "y", method=given, min_base=1).iloc[0]
    b = weighted_mean(df, "y", method="jackknife", min_base=1, **kw).iloc[0]
    assert a["se"] == pytest.approx(b["se"], rel=1e-12)
    # mse=True centres at the full-sample estimate: never smaller
    mse = ReplicateWeights.from_columns(
        client, list(rep.weights.columns), scale=rep.scale, rscales=rep.rscales, mse=True
    )
    assert weighted_mean(client, "y", method=mse, min_base=1)["se"].iloc[0] >= a["se"]
    with pytest.raises(ParameterError, match="not found"):
        ReplicateWeights.from_columns(client, ["nope"], scale=1.0)
    with pytest.raises(ParameterError, match="method"):
        weighted_mean(df, "y", method="brr")


# --------------------------------------------------------------------------- regression
def test_design_sandwich_is_statsmodels_cluster_without_its_n_minus_k_factor():
    import statsmodels.api as sm

    from cxlab._stats import SampleDesign, cluster_wls

    rng = np.random.default_rng(2)
    n, G = 400, 40
    g = rng.integers(0, G, n)
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = x @ [1.0, 0.5, -0.2] + rng.normal(size=G)[g] + rng.normal(size=n)
    w = rng.uniform(0.5, 2, n)
    sm_fit = sm.WLS(y, x, weights=w).fit(cov_type="cluster", cov_kwds={"groups": g})
    design = SampleDesign(g, np.zeros(G, dtype=np.int64), np.ones(1))
    fit = cluster_wls(x, y, w, design=design)
    k = x.shape[1]
    assert fit.beta == pytest.approx(sm_fit.params, rel=1e-10)
    assert fit.cov == pytest.approx(sm_fit.cov_params() * (n - k) / (n - 1), rel=1e-8)
    assert fit.df == G - 1 - k + 1  # R's svyglm: degf + 1 - K


def test_design_sandwich_with_strata_and_fpc_by_hand():
    from cxlab._stats import SampleDesign, cluster_wls

    rng = np.random.default_rng(3)
    H, per, n = 3, 6, 360
    psu = rng.integers(0, H * per, n)
    stratum = np.repeat(np.arange(H), per)
    N = np.array([20.0, 30.0, 12.0])
    x = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = 2 * x[:, 1] + rng.normal(size=H * per)[psu] + rng.normal(size=n)
    w = np.ones(n)
    fit = cluster_wls(x, y, w, design=SampleDesign(psu, stratum, 1 - per / N))
    bread = np.linalg.inv(x.T @ x)
    u = x * (y - x @ fit.beta)[:, None]
    totals = np.array([u[psu == p].sum(axis=0) for p in range(H * per)])
    meat = np.zeros((2, 2))
    for h in range(H):
        t = totals[stratum == h]
        d = t - t.mean(axis=0)
        meat += (1 - per / N[h]) * per / (per - 1) * d.T @ d
    assert fit.cov == pytest.approx(bread @ meat @ bread, rel=1e-10)


def test_the_investment_model_takes_the_design(banking):
    from cxlab._checks import sample_design
    from cxlab._stats import cluster_wls
    from cxlab.drivers import investment_weighting

    et = banking[0].event_table()
    rid = pd.factorize(et["respondent_id"])[0]
    et = et.assign(
        region=np.where(rid % 2 == 0, "a", "b"),
        branch=(rid % 2).astype(str) + (rid // 2 % 15).astype(str),
    )
    plain = investment_weighting(et, weights="weight")
    res = investment_weighting(et, weights="weight", strata="region", cluster="branch")
    assert res.coefficients["estimate"].to_numpy() == pytest.approx(
        plain.coefficients["estimate"].to_numpy(), rel=1e-10
    )
    assert not np.allclose(res.coefficients["se"], plain.coefficients["se"])
    # by hand: the design of all rows, the PSUs of the complete rows
    from cxlab._regression import design_matrix

    cols = ["satisfaction", "tactile", "emotive", "personal_investment", "weight"]
    ok = et[cols].notna().all(axis=1).to_numpy()
    full = sample_design(et, strata="region", cluster="branch")
    frame = et.loc[ok].reset_index(drop=True)
    x, _ = design_matrix(frame, "tactile", "emotive", "personal_investment", [])
    import dataclasses

    fit = cluster_wls(
        x,
        frame["satisfaction"].to_numpy(float),
        frame["weight"].to_numpy(float),
        design=dataclasses.replace(full, psu=full.psu[ok]),
    )
    assert res.coefficients["se"].to_numpy() == pytest.approx(np.sqrt(np.diag(fit.cov)), rel=1e-10)
    with pytest.raises(ParameterError, match="method='cluster'"):
        investment_weighting(et, strata="region", method="mixed")


def test_the_report_investment_model_uses_the_design_columns(banking):
    import dataclasses

    from cxlab import analysis
    from cxlab.drivers import investment_weighting
    from cxlab.params import validate
    from cxlab.report import Inputs

    params = validate(
        {"client": "Acme", "data_path": "a.csv", "codebook": "a.yaml"}, check_files=False
    )
    survey = _designed(banking[0])
    # the event table carries the respondents' design columns
    survey = dataclasses.replace(
        survey,
        _event_data=survey._event_data.assign(
            **{
                k: survey._event_data["respondent_id"].map(
                    survey.respondents.set_index("respondent_id")[k]
                )
                for k in ("strata", "cluster", "fpc")
            }
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = analysis.analyse(Inputs(survey, None, None, None, None), params, n_boot=10)
        ref = investment_weighting(
            survey.event_table(), weights="weight", strata="strata", cluster="cluster", fpc="fpc"
        )
    assert r.investment.coefficients["se"].to_numpy() == pytest.approx(
        ref.coefficients["se"].to_numpy(), rel=1e-12
    )
