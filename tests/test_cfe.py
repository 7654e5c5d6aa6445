"""Tests of cxlab.cfe and cxlab.synth.executive: planted truth, peers, bad files, charts."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from cxlab import cfe
from cxlab._stats import wilson
from cxlab.errors import CodebookError, DataError, ParameterError, SuppressionWarning
from cxlab.synth.executive import EXECUTIVE_INDUSTRIES, make_executive_study, write_executive_study


@pytest.fixture(scope="module")
def study():
    return make_executive_study(n_executives=108, seed=0)


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory, study):
    data, truth = study
    return write_executive_study(data, truth, tmp_path_factory.mktemp("executive"))


def _wide(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------ codebook and synth
def test_default_codebook_follows_the_framework():
    cb = cfe.default_codebook()
    sizes = cb.indicators.groupby("competency", sort=False).size()
    assert list(sizes.index) == list(cfe.COMPETENCIES)
    # docs/framework.md section 7: 6, 6, 7, 6, 6, 6 indicators, plus the innovation discipline
    assert sizes.tolist() == [6, 6, 7, 6, 6, 6, 5]
    again = cfe.ExecutiveCodebook.from_dict(yaml.safe_load(yaml.safe_dump(cb.to_dict())))
    pd.testing.assert_frame_equal(again.indicators, cb.indicators)
    assert again.columns == cb.columns


@pytest.mark.parametrize(
    ("edit", "location"),
    [
        (lambda d: d.pop("competencies"), "competencies"),
        (lambda d: d.update(colour="red"), "unknown keys"),
        (lambda d: d["role"].update(labels={"boss": "ceo"}), "role.labels"),
        (
            lambda d: d["competencies"][1]["indicators"].append(
                dict(d["competencies"][0]["indicators"][0])
            ),
            "repeat",
        ),
        (
            lambda d: d["competencies"][0]["indicators"][0].pop("target"),
            "competencies[0].indicators[0]",
        ),
        (lambda d: d.update(scale={"min": 5, "max": 1}), "scale"),
    ],
)
def test_bad_codebooks_raise_codebook_errors(edit, location, tmp_path):
    spec = cfe.default_codebook().to_dict()
    edit(spec)
    path = tmp_path / "cb.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(CodebookError) as err:
        cfe.ExecutiveCodebook.load(path)
    assert location in str(err.value) and "cb.yaml" in str(err.value)


def test_make_executive_study_design(study):
    data, truth = study
    people = data.drop_duplicates("executive_id")
    assert len(people) == 108 and len(data) == 108 * 42
    assert people["industry"].value_counts().to_dict() == {s: 27 for s in EXECUTIVE_INDUSTRIES}
    assert people["role"].value_counts().to_dict() == truth["roles"] == {"top": 40, "middle": 68}
    assert data[["current", "target"]].stack().dropna().between(1, 5).all()
    assert 0.005 < data["current"].isna().mean() < 0.04  # planted "don't know" answers
    assert set(truth["weak_competencies"]).isdisjoint(truth["strong_competencies"])
    assert truth["management_disagreement"]["competency"] not in truth["no_disagreement"]
    again, _ = make_executive_study(108, seed=0)
    pd.testing.assert_frame_equal(again, data)
    other, _ = make_executive_study(108, seed=1)
    assert not other["current"].equals(data["current"])
    with pytest.raises(ParameterError):
        make_executive_study(n_executives=3)


def test_planted_expectations_are_the_generator_means():
    # the exact expected ratings in truth agree with a large simulated sample
    data, truth = make_executive_study(n_executives=4000, seed=5)
    observed = data.groupby("competency", observed=True)["current"].mean()
    for comp, means in truth["competency_means"].items():
        assert abs(observed[comp] - means["current"]) < 0.03


# ------------------------------------------------------------------ loading
def test_write_and_load_round_trip_without_touching_the_file(study, sample_files):
    data, truth = study
    before = _sha(sample_files["csv"])
    loaded = cfe.load_executive_survey(sample_files["csv"], sample_files["codebook"])
    assert _sha(sample_files["csv"]) == before
    pd.testing.assert_frame_equal(
        loaded.reset_index(drop=True), data.reset_index(drop=True), check_dtype=False
    )
    assert (
        json.loads(Path(sample_files["truth"]).read_text())["weak_competencies"]
        == truth["weak_competencies"]
    )
    # the default codebook reads the same file
    assert cfe.load_executive_survey(sample_files["csv"])["current"].equals(loaded["current"])


def test_committed_sample_is_seed_zero(project_root, study):
    folder = Path(project_root) / "data" / "sample" / "executive"
    loaded = cfe.load_executive_survey(folder / "executive.csv", folder / "executive_codebook.yaml")
    pd.testing.assert_frame_equal(
        loaded.reset_index(drop=True), study[0].reset_index(drop=True), check_dtype=False
    )


def test_xlsx_and_coded_roles(study, sample_files, tmp_path):
    wide = _wide(sample_files["csv"])
    wide["mgmt_level"] = wide["mgmt_level"].map({"top": "1", "middle": "2"})
    spec = cfe.default_codebook().to_dict()
    spec["role"]["labels"] = {1: "top", 2: "middle"}
    path = tmp_path / "execs.xlsx"
    numeric = [c for c in wide.columns if c not in ("exec_id", "business_unit", "industry")]
    wide[numeric] = wide[numeric].apply(pd.to_numeric)
    wide.to_excel(path, index=False)
    loaded = cfe.load_executive_survey(path, spec)
    assert loaded["role"].astype(str).equals(study[0]["role"].astype(str))


@pytest.mark.parametrize(
    ("change", "rule", "column", "row"),
    [
        (lambda w: w.drop(columns=["ie3_tgt"]), "missing", "ie3_tgt", None),
        (lambda w: w.assign(ca2_cur=w["ca2_cur"].where(w.index != 4, "high")), "text in a rating column", "ca2_cur", 6),
        (lambda w: w.assign(hp1_tgt=w["hp1_tgt"].where(w.index != 0, "7")), "outside the scale", "hp1_tgt", 2),
        (lambda w: w.assign(q_brand_promise=w["q_brand_promise"].where(w.index != 9, "0")), "outside the scale",
         "q_brand_promise", 11),
        (lambda w: w.assign(exec_id=w["exec_id"].where(w.index != 7, "X001")), "duplicate", "exec_id", 2),
        (lambda w: w.assign(exec_id=w["exec_id"].where(w.index != 3, "")), "id is empty", "exec_id", 5),
        (lambda w: w.assign(mgmt_level=w["mgmt_level"].where(w.index != 2, "board")), "management level",
         "mgmt_level", 4),
    ],
)  # fmt: skip
def test_bad_files_name_file_column_rows_and_rule(
    change, rule, column, row, sample_files, tmp_path
):
    path = _write(change(_wide(sample_files["csv"])), tmp_path / "bad.csv")
    before = _sha(path)
    with pytest.raises(DataError) as err:
        cfe.load_executive_survey(path)
    message = str(err.value)
    assert "bad.csv" in message and rule in message and repr(column) in message
    if row is not None:
        assert row in err.value.rows
    assert _sha(path) == before


def test_missing_code_is_not_out_of_range(sample_files, tmp_path):
    wide = _wide(sample_files["csv"])
    wide.loc[0, "ca1_cur"] = "9"
    loaded = cfe.load_executive_survey(_write(wide, tmp_path / "dk.csv"))
    assert np.isnan(
        loaded.loc[
            (loaded["executive_id"] == wide.loc[0, "exec_id"])
            & (loaded["indicator"] == "customer_intelligence"),
            "current",
        ]
    ).all()


def test_empty_and_header_only_files(sample_files, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        cfe.load_executive_survey(empty)
    header = tmp_path / "header.csv"
    header.write_text(Path(sample_files["csv"]).read_text().splitlines()[0] + "\n")
    with pytest.raises(DataError, match="no data rows"):
        cfe.load_executive_survey(header)
    with pytest.raises(DataError, match="not found"):
        cfe.load_executive_survey(tmp_path / "absent.csv")


# ------------------------------------------------------------------ maturity
def test_weak_and_strong_competencies_recovered_with_separated_intervals(study):
    data, truth = study
    table = cfe.maturity(data, "competency").set_index("competency")
    weak, strong = truth["weak_competencies"], truth["strong_competencies"]
    others = [c for c in table.index if c not in weak]
    assert set(table["current"].nsmallest(len(weak)).index) == set(weak)
    assert table.loc[weak, "current_ci_high"].max() < table.loc[others, "current_ci_low"].min()
    others = [c for c in table.index if c not in strong]
    assert set(table["current"].nlargest(len(strong)).index) == set(strong)
    assert table.loc[strong, "current_ci_low"].min() > table.loc[others, "current_ci_high"].max()


def test_maturity_intervals_cover_planted_means(study):
    data, truth = study
    ind = cfe.maturity(data, "indicator").set_index("indicator")
    planted = pd.DataFrame(truth["indicator_means"]).T
    covered = {
        q: ((ind[f"{q}_ci_low"] <= planted[q]) & (planted[q] <= ind[f"{q}_ci_high"])).sum()
        for q in ("current", "target", "gap")
    }
    # 42 indicators at 95%: fewer than 36 covered has probability < 0.5% (binomial)
    assert stats.binom.cdf(35, 42, 0.95) < 0.005
    assert all(v >= 36 for v in covered.values()), covered
    comp = cfe.maturity(data, "competency").set_index("competency")
    err = {
        c: abs(comp.loc[c, "current"] - m["current"]) for c, m in truth["competency_means"].items()
    }
    assert max(err.values()) < 0.15


def test_maturity_matches_an_independent_peer(study):
    from statsmodels.stats.weightstats import DescrStatsW

    data, _ = study
    table = cfe.maturity(data, "competency", level=0.9).set_index("competency")
    comp = "human_performance"
    part = data[data["competency"] == comp]
    cur = part.pivot_table(
        index="executive_id", columns="indicator", values="current", observed=True
    ).mean(axis=1)
    lo, hi = DescrStatsW(cur.to_numpy()).tconfint_mean(alpha=0.1)
    assert table.loc[
        comp, ["current", "current_ci_low", "current_ci_high"]
    ].tolist() == pytest.approx([cur.mean(), lo, hi])
    ind = cfe.maturity(data, "indicator").set_index("indicator")
    one = data[data["indicator"] == "role_alignment"].dropna(subset=["current", "target"])
    test = stats.ttest_rel(one["target"], one["current"])
    assert ind.loc["role_alignment", "gap"] == pytest.approx(
        (one["target"] - one["current"]).mean()
    )
    assert ind.loc["role_alignment", "gap_p"] == pytest.approx(test.pvalue)
    overall = cfe.maturity(data, "overall")
    per = data.groupby("executive_id")["current"].mean()
    assert overall["current"].iloc[0] == pytest.approx(per.mean())
    assert overall["n"].iloc[0] == 108


def test_maturity_by_group_suppresses_small_bases(study):
    data, _ = study
    with pytest.warns(SuppressionWarning):
        table = cfe.maturity(data, "competency", by="industry")
    assert len(table) == 4 * 7 and table["suppressed"].all() and table["current"].isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = cfe.maturity(data, "competency", by="industry", min_base=20)
    assert not table["suppressed"].any() and table.groupby("industry")["n"].first().eq(27).all()
    with pytest.raises(ParameterError):
        cfe.maturity(data, "division")
    with pytest.raises(ParameterError):
        cfe.maturity(data, by="region")


def test_weakest_indicators(study):
    data, truth = study
    weakest = cfe.weakest_indicators(data, k=10)
    assert weakest["rank"].tolist() == list(range(1, 11))
    assert weakest["current"].is_monotonic_increasing
    assert set(weakest["competency"].astype(str)) <= set(truth["weak_competencies"])
    planted = pd.Series({k: v["current"] for k, v in truth["indicator_means"].items()})
    assert len(set(weakest["indicator"].astype(str)) & set(planted.nsmallest(10).index)) >= 7
    by_gap = cfe.weakest_indicators(data, k=5, rank_by="gap")
    assert by_gap["gap"].is_monotonic_decreasing
    with pytest.raises(ParameterError):
        cfe.weakest_indicators(data, rank_by="size")


# ------------------------------------------------------------------ agreement
def test_management_disagreement_found_where_planted(study):
    data, truth = study
    table = cfe.agreement(data).set_index("competency")
    planted = truth["management_disagreement"]
    assert table.index[table["disagree"]].tolist() == [planted["competency"]]
    row = table.loc[planted["competency"]]
    assert row["difference_ci_low"] <= planted["middle_minus_top"] <= row["difference_ci_high"]
    # Welch t-test and Holm adjustment against independent peers
    per = (
        data[data["competency"] == "innovation"]
        .groupby(["executive_id", "role"], observed=True)["current"]
        .mean()
        .reset_index()
    )
    welch = stats.ttest_ind(
        per.loc[per["role"] == "middle", "current"],
        per.loc[per["role"] == "top", "current"],
        equal_var=False,
    )
    assert table.loc["innovation", "p_value"] == pytest.approx(welch.pvalue)
    p = table["p_value"].to_numpy()
    order = np.argsort(p)
    holm = np.minimum(1, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]))
    assert table["p_holm"].to_numpy()[order] == pytest.approx(holm)


def test_management_disagreement_error_rates_over_seeds():
    planted_hits, false_families = 0, 0
    for seed in range(1, 21):
        data, truth = make_executive_study(seed=seed)
        flagged = set(cfe.agreement(data).query("disagree")["competency"].astype(str))
        planted_hits += truth["management_disagreement"]["competency"] in flagged
        false_families += bool(flagged & set(truth["no_disagreement"]))
    assert planted_hits >= 18
    # Holm keeps the family-wise rate <= 5%: 4 or more of 20 has probability < 2%
    assert false_families <= 3


def test_rwg_extremes():
    rng = np.random.default_rng(0)
    n = 200
    base = pd.DataFrame({"executive_id": np.repeat([f"E{i}" for i in range(n)], 3),
                         "role": np.repeat(rng.choice(["top", "middle"], n), 3),
                         "competency": "customer_dialog", "indicator": np.tile(["a", "b", "c"], n)})  # fmt: skip
    same = cfe.agreement(base.assign(current=3.0, target=4.0)).iloc[0]
    assert same["rwg"] == 1 and same["sd"] == 0 and same["iqr"] == 0
    uniform = cfe.agreement(
        base.assign(current=rng.integers(1, 6, 3 * n).astype(float), target=5.0)
    ).iloc[0]
    assert uniform["rwg"] < 0.35  # uniform answers: item variance ~ the null variance 2
    with pytest.raises(ParameterError):
        cfe.agreement(base.assign(current=3.0, target=4.0), competency="overall")


# ------------------------------------------------------------------ promise gap
def test_promise_gap_against_peers(study, banking):
    import statsmodels.api as sm

    data, truth = study
    survey, _ = banking
    result = cfe.promise_gap(data, survey)
    t = result.table.set_index("measure")
    people = data.drop_duplicates("executive_id")
    k = int((people["brand_promise"] >= 4).sum())
    ci = stats.binomtest(k, len(people)).proportion_ci(0.95, method="wilson")
    assert t.loc[
        "brand_promise_fulfilled", ["value", "ci_low", "ci_high"]
    ].tolist() == pytest.approx([100 * k / 108, 100 * ci.low, 100 * ci.high])
    planted = 100 * truth["self_assessment"]["brand_promise"]["share_agree"]
    assert (
        t.loc["brand_promise_fulfilled", "ci_low"]
        <= planted
        <= t.loc["brand_promise_fulfilled", "ci_high"]
    )
    deep = 100 * truth["self_assessment"]["customer_understanding"]["share_deep"]
    assert (
        t.loc["deep_customer_understanding", "ci_low"]
        <= deep
        <= t.loc["deep_customer_understanding", "ci_high"]
    )
    et = survey.event_table().dropna(subset=["performance", "brand_expectation"])
    met = (et["performance"] >= et["brand_expectation"]).astype(float)
    fit = sm.WLS(met.to_numpy(), np.ones(len(et)), weights=et["weight"].to_numpy()).fit(
        cov_type="cluster",
        cov_kwds={"groups": pd.factorize(et["respondent_id"])[0], "use_correction": False},
    )
    assert t.loc["brand_expectation_met", "value"] == pytest.approx(100 * fit.params[0])
    se = (t.loc["brand_expectation_met", "ci_high"] - t.loc["brand_expectation_met", "ci_low"]) / (
        2 * 1.959964 * 100
    )
    assert se == pytest.approx(fit.bse[0], rel=0.02)
    r = survey.respondents.dropna(subset=["recommend"])
    w = r["weight"] / r["weight"].sum()
    assert t.loc["net_advocacy", "value"] == pytest.approx(
        100 * (w[r["recommend"] >= 9].sum() - w[r["recommend"] <= 6].sum())
    )
    gap = t.loc["brand_promise_fulfilled", "value"] - t.loc["brand_expectation_met", "value"]
    assert t.loc["promise_gap", "value"] == pytest.approx(gap)
    assert t.loc["promise_gap", "ci_low"] > 0 and "overstate" in result.verdict
    assert set(result.events["event_id"]) == set(survey.events["event_id"])
    worst = result.events.sort_values("value").iloc[0]
    assert f"'{worst['name']}'" in result.verdict
    assert list(result.summary().columns) == ["measure", "value", "95% CI", "n", "unit"]


def test_promise_gap_verdict_follows_the_numbers(study, banking):
    data, _ = study
    survey, _ = banking
    modest = data.assign(brand_promise=1.0, customer_understanding=5.0)
    result = cfe.promise_gap(modest, survey)
    assert (
        result.value("promise_gap") < 0
        and "no promise gap" in result.verdict
        and "overstate" not in result.verdict
    )
    assert "Only" not in result.verdict  # all claim deep understanding
    with pytest.warns(SuppressionWarning):  # 27 banking executives: under the default base of 30
        one = cfe.promise_gap(data, survey, industry="banking")
    assert one.table.set_index("measure").loc["brand_promise_fulfilled", "n"] == 27
    with pytest.raises(DataError):
        cfe.promise_gap(data, survey, industry="retail")
    no_nps = survey.subset(np.ones(survey.n_respondents, bool))
    no_nps.respondents["recommend"] = np.nan
    result = cfe.promise_gap(data, no_nps)
    assert np.isnan(result.value("net_advocacy")) and "Net advocacy" not in result.verdict
    assert result.value("promise_gap") == pytest.approx(
        cfe.promise_gap(data, survey).value("promise_gap")
    )


# ------------------------------------------------------------------ assessment and charts
def _not_blank(ax, path) -> None:
    ax.figure.savefig(path, dpi=60)
    img = mpimg.imread(path)
    assert img.std() > 0.05 and ax.get_title()


def test_assess_bundles_everything(study, banking):
    data, truth = study
    result = cfe.assess(data, banking[0], k=5)
    assert len(result.weakest) == 5 and result.promise is not None
    assert result.table.equals(cfe.maturity(data, "competency"))
    weakest = result.table.sort_values("current")["name"].iloc[0]
    assert (
        f"Weakest: {weakest}" in result.describe()
        and "Customer focused organization (middle - top" in result.describe()
    )
    assert cfe.assess(data).promise is None


def test_charts_render(study, banking, tmp_path):
    data, _ = study
    result = cfe.assess(data, banking[0])
    for kind in ("competencies", "indicators", "promise"):
        _not_blank(result.plot(kind=kind), tmp_path / f"{kind}.png")
    with pytest.raises(ParameterError):
        result.plot(kind="radar")
    with pytest.raises(ParameterError):
        cfe.assess(data).plot(kind="promise")
    with pytest.raises(ParameterError):
        cfe.plot_competencies(cfe.maturity(data, by="role"))


# ------------------------------------------------------------------ minimum bases and populations
def test_weakest_indicators_respect_min_base(study):
    data, _ = study
    one = data[data["industry"] == "banking"]  # 27 executives
    with pytest.warns(SuppressionWarning):
        weakest = cfe.weakest_indicators(one, k=5)
    assert weakest["suppressed"].all() and weakest["current"].isna().all()
    assert weakest["rank"].isna().all()  # nothing is ranked on a base under 30
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shown = cfe.weakest_indicators(one, k=5, min_base=20)
    peer = cfe.maturity(one, "indicator", min_base=20).nsmallest(5, "current")
    assert shown["indicator"].tolist() == peer["indicator"].tolist()
    assert shown["rank"].tolist() == [1, 2, 3, 4, 5] and not shown["suppressed"].any()


def test_agreement_suppresses_small_management_groups(study):
    data, _ = study
    full = cfe.agreement(data)  # 40 top and 68 middle managers
    assert not full["comparison_suppressed"].any() and full["disagree"].sum() == 1
    with pytest.warns(SuppressionWarning):
        small = cfe.agreement(data, min_base=50)  # 40 top managers < 50
    assert small["comparison_suppressed"].all() and not small["suppressed"].any()
    assert small[["top", "middle", "difference", "p_value", "p_holm"]].isna().all().all()
    assert not small["disagree"].any()
    assert small["rwg"].tolist() == pytest.approx(full["rwg"].tolist())
    with pytest.warns(SuppressionWarning):
        tiny = cfe.agreement(data, min_base=200)
    assert tiny["suppressed"].all() and tiny[["mean", "sd", "rwg"]].isna().all().all()
    with pytest.warns(SuppressionWarning):
        verdict = cfe.assess(data, min_base=50).verdict
    assert "disagree on" not in verdict and "not compared: fewer than 50 top or middle" in verdict


def test_promise_gap_respects_min_base(study, banking):
    data, _ = study
    survey, _ = banking
    with pytest.warns(SuppressionWarning):
        small = cfe.promise_gap(data, survey, industry="banking")  # 27 executives < 30
    t = small.table.set_index("measure")
    suppressed = ["brand_promise_fulfilled", "deep_customer_understanding", "promise_gap"]
    assert t.loc[suppressed, "suppressed"].all() and t.loc[suppressed, "value"].isna().all()
    assert not t.loc[["brand_expectation_met", "net_advocacy"], "suppressed"].any()
    assert "nan" not in small.verdict and "% of the 27" not in small.verdict
    assert "not reported: 27 answers from the 27 banking executives" in small.verdict
    assert "minimum base of 30" in small.verdict and "promise gap of" not in small.verdict
    assert "not reported" in small.summary().iloc[0, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shown = cfe.promise_gap(data, survey, industry="banking", min_base=20)
    people = data.drop_duplicates("executive_id").query("industry == 'banking'")
    share = 100 * (people["brand_promise"] >= 4).mean()
    assert shown.value("brand_promise_fulfilled") == pytest.approx(share)
    assert f"{share:.0f}% of the 27 banking executives" in shown.verdict


def test_assess_verdict_never_quotes_suppressed_figures(study, banking):
    data, _ = study
    five = data[data["executive_id"].isin(data["executive_id"].unique()[:5])]
    with pytest.warns(SuppressionWarning):
        result = cfe.assess(five, banking[0], industry="banking")
    verdict = result.verdict
    assert "nan" not in verdict.lower()
    assert "CFE maturity is not reported: only 5 executives rated it" in verdict
    assert "Weakest" not in verdict and "Largest gap" not in verdict
    assert "not compared" in verdict and "executives' claim is not reported" in verdict
    assert result.weakest["suppressed"].all() and result.agreement["comparison_suppressed"].all()


def test_assess_names_the_populations(study, banking):
    data, _ = study
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cfe.assess(data, banking[0], industry="banking", min_base=20)
    verdict = result.verdict
    assert (
        "of 5 now against a target of 4.3, from all 108 executives (cross-industry benchmark)."
        in verdict
    )
    assert "of the 27 banking executives (95% CI" in verdict
    assert result.population == "all 108 executives (cross-industry benchmark)"
    assert result.table.attrs["population"] == result.population
    assert result.promise.population == "the 27 banking executives"
    assert (
        result.promise.table["label"].iloc[0] == "Banking executives: 'we fulfil our brand promise'"
    )
    plain = cfe.assess(data, banking[0]).verdict
    assert "cross-industry" not in plain and "from all 108 executives." in plain
    assert "% of the 108 executives (95% CI" in plain
    one = data[data["industry"] == "banking"]
    with pytest.warns(SuppressionWarning):  # about 10 top managers in one industry
        alone = cfe.assess(one, banking[0], industry="banking", min_base=20)
    assert alone.population == "all 27 executives, all banking"


def test_promise_gap_without_an_industry_column(study, banking):
    data, _ = study
    survey, _ = banking
    bare = data.drop(columns="industry")
    with pytest.raises(DataError) as err:
        cfe.promise_gap(bare, survey, industry="banking")
    assert "'industry'" in str(err.value) and err.value.column == "industry"
    assert cfe.promise_gap(bare, survey).value("promise_gap") == pytest.approx(
        cfe.promise_gap(data, survey).value("promise_gap")
    )
    with pytest.raises(DataError):
        cfe.assess(bare, survey, industry="banking")


# ------------------------------------------------------------------ long simulation (benchmarks/README.md)
@pytest.mark.slow
def test_simulation_error_rates_and_coverage():
    n_seeds = 300
    hits = false_families = separated = 0
    cover = {"current": [], "target": [], "gap": []}
    share_cover = []
    for seed in range(1000, 1000 + n_seeds):
        data, truth = make_executive_study(seed=seed)
        flagged = set(cfe.agreement(data).query("disagree")["competency"].astype(str))
        hits += truth["management_disagreement"]["competency"] in flagged
        false_families += bool(flagged & set(truth["no_disagreement"]))
        table = cfe.maturity(data, "competency").set_index("competency")
        for q in cover:
            planted = pd.Series({c: m[q] for c, m in truth["competency_means"].items()})
            cover[q].append(
                ((table[f"{q}_ci_low"] <= planted) & (planted <= table[f"{q}_ci_high"])).mean()
            )
        weak, strong = truth["weak_competencies"], truth["strong_competencies"]
        rest_w = [c for c in table.index if c not in weak]
        rest_s = [c for c in table.index if c not in strong]
        separated += bool(table.loc[weak, "current_ci_high"].max() < table.loc[rest_w, "current_ci_low"].min()
                          and table.loc[strong, "current_ci_low"].min() > table.loc[rest_s, "current_ci_high"].max())  # fmt: skip
        people = data.drop_duplicates("executive_id")
        k = int((people["brand_promise"] >= 4).sum())
        lo, hi = wilson(k / len(people), len(people), 0.95)
        share_cover.append(lo <= truth["self_assessment"]["brand_promise"]["share_agree"] <= hi)
    figures = {"seeds": n_seeds, "power": hits / n_seeds, "fwer": false_families / n_seeds,
               "separated": separated / n_seeds, "share_coverage": float(np.mean(share_cover)),
               **{f"coverage_{q}": float(np.mean(v)) for q, v in cover.items()}}  # fmt: skip
    Path("/tmp/cfe_simulation.json").write_text(json.dumps(figures, indent=1))
    mc = 3 * np.sqrt(0.05 * 0.95 / n_seeds)  # three Monte Carlo standard errors
    assert figures["fwer"] <= 0.05 + mc
    assert figures["power"] >= 0.95 and figures["separated"] >= 0.95
    for q in cover:
        assert abs(figures[f"coverage_{q}"] - 0.95) < mc
    # Wilson's exact coverage at n = 108, p = 0.69 (discreteness puts it near 0.94, not 0.95)
    p, n = truth["self_assessment"]["brand_promise"]["share_agree"], 108
    exact = sum(
        stats.binom.pmf(k, n, p)
        for k in range(n + 1)
        if wilson(k / n, n, 0.95)[0] <= p <= wilson(k / n, n, 0.95)[1]
    )
    assert abs(figures["share_coverage"] - exact) < mc


@pytest.mark.parametrize("level", ["competency", "indicator"])
def test_agreement_spread_and_rwg_by_hand(study, level):
    """sd, iqr and r_wg(J) recomputed with plain loops: J indicators, mean observed item
    variance s2 over them, null variance (A^2 - 1) / 12 for A = 5 points,
    r_wg(J) = J (1 - s2/null) / (J (1 - s2/null) + s2/null); and the middle - top
    Welch comparison against scipy."""
    data, _ = study
    table = cfe.agreement(data, level, min_base=1)
    keys = ["competency"] if level == "competency" else ["competency", "indicator"]
    null = (5**2 - 1) / 12
    for _, row in table.iterrows():
        sel = np.ones(len(data), bool)
        for k in keys:
            sel &= (data[k] == row[k]).to_numpy()
        part = data[sel]
        scores = part.groupby("executive_id")["current"].mean().dropna().to_numpy()
        assert row["n"] == len(scores)
        assert row["sd"] == pytest.approx(np.std(scores, ddof=1), rel=1e-12)
        srt = np.sort(scores)
        q = lambda f, s=srt: np.interp(f * (len(s) - 1), np.arange(len(s)), s)  # noqa: E731
        assert row["iqr"] == pytest.approx(q(0.75) - q(0.25), rel=1e-12, abs=1e-12)
        items = [g["current"].var(ddof=1) for _, g in part.groupby("indicator")]
        j, ratio = len(items), float(np.mean(items)) / null
        rwg = j * (1 - ratio) / (j * (1 - ratio) + ratio) if ratio < 1 else 0.0
        assert row["rwg"] == pytest.approx(min(max(rwg, 0), 1), rel=1e-12)
        roles = part.groupby("executive_id")[["role"]].first()["role"]
        by_exec = part.groupby("executive_id")["current"].mean().dropna()
        roles = roles.reindex(by_exec.index)
        mid, top = by_exec[roles == "middle"], by_exec[roles == "top"]
        welch = stats.ttest_ind(mid, top, equal_var=False)
        assert row["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
        ci = welch.confidence_interval(0.95)
        assert (row["difference_ci_low"], row["difference_ci_high"]) == pytest.approx(
            (ci.low, ci.high), rel=1e-9
        )
    assert table["rwg"].between(0, 1).all() and table["rwg"].std() > 0
