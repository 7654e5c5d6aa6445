"""The report's section plan and analysis: which sections a survey supports, and why not.

Survey shapes the sample does not have (no events, no investment, no recommend, a
1-7 recommend, no complaints or spend) are made here from a ``cxlab.synth`` study
with ``dataclasses.replace``, so the plan is tested before the codebook half of
issue 11 can describe such files.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cxlab import analysis
from cxlab.codebook import Item, Scale
from cxlab.errors import ModelError
from cxlab.importance import relative_importance
from cxlab.params import load_params, validate
from cxlab.report import Inputs, load_inputs

pytestmark = pytest.mark.filterwarnings("ignore::cxlab.errors.CxlabWarning")


# ------------------------------------------------------------------ shapes
def _params(**over):
    base = {"client": "Acme", "data_path": "a.csv", "codebook": "a.yaml"}
    return validate({**base, **over}, check_files=False)


def _inputs(survey, margins=None, costs=None, executive=None) -> Inputs:
    return Inputs(survey, margins, costs, executive, None)


def _codebook(cb, **extra):
    """The codebook with extra attributes (drivers, item_groups) the data half adds."""
    fields = {f.name: getattr(cb, f.name) for f in dataclasses.fields(cb)}
    return SimpleNamespace(**{**fields, **extra})


def _without_events(survey):
    """The survey as a respondent-level survey: no events, no event ratings."""
    return dataclasses.replace(
        survey,
        events=survey.events.iloc[0:0],
        _event_data=survey.event_table().iloc[0:0],
    )


WEIGHTS = np.array([0.45, 0.25, 0.15, 0.0, 0.0])  # planted driver weights (x4, x5 inert)


def satisfaction_survey(banking, n=400, seed=3, *, recommend=True, extra=None):
    """A respondent-level satisfaction survey on 1-7 scales: no events, no investment,
    spend or complaints; satisfaction driven by x1 > x2 > x3 (x4, x5 inert)."""
    survey, _ = banking
    rng = np.random.default_rng(seed)
    m = min(n, survey.n_respondents)
    base = survey.subset(np.arange(survey.n_respondents) < m)
    latent = rng.normal(size=(m, 5))
    drivers = np.clip(np.round(4 + 1.3 * latent), 1, 7)
    sat = np.clip(np.round(1.0 + drivers @ WEIGHTS * 1.3 + rng.normal(0, 0.6, m)), 1, 7)
    resp = base.respondents[["respondent_id", "weight", "country", "gender", "life_stage"]].copy()
    for j in range(5):
        resp[f"x{j + 1}"] = drivers[:, j]
    resp["satisfaction"] = sat
    seven = Scale(1, 7)
    items = {f"x{j + 1}": Item(f"x{j + 1}", f"q{j + 1}", "rating", seven) for j in range(5)}
    items["satisfaction"] = Item("satisfaction", "q_sat", "rating", seven)
    if recommend:
        resp["recommend"] = np.clip(np.round(sat + rng.normal(0, 0.8, m)), 1, 7)
        items["recommend"] = Item("recommend", "q_rec", "rating", seven)
    cb = dataclasses.replace(
        base.codebook,
        respondent_items=items,
        segments={"life_stage": base.codebook.segments["life_stage"]},
    )
    if extra:
        cb = _codebook(cb, **extra)
    shaped = dataclasses.replace(base, respondents=resp, codebook=cb)
    return _without_events(shaped)


# ------------------------------------------------------------------ the plan
@pytest.fixture(scope="module")
def sample_inputs(project_root):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = load_params(Path(project_root) / "data/sample/clients/sample.yaml")
        return params, load_inputs(params)


def test_plan_of_the_sample_bank_includes_every_framework_section(sample_inputs):
    params, inputs = sample_inputs
    plan = analysis.plan_sections(inputs, params)
    assert list(plan.table["section"]) == list(analysis.SECTIONS)
    left_out = set(plan.table.loc[~plan.table["included"], "section"])
    # the sample has one rated respondent item besides recommend: no respondent-level KDA;
    # its codebook declares no satisfaction model (PLS)
    assert left_out == {"key_drivers", "satisfaction_index"}
    assert "satisfaction_model" in plan["satisfaction_index"].reason
    assert "fewer than two" in plan["key_drivers"].reason
    assert plan.cuts.cuts == (6.0, 8.0) and plan.cuts.source == "standard"
    assert plan.segment_vars == (
        "life_stage",
        "product_usage",
        "behaviour_profile",
        "profitability",
    )
    assert plan.importance_components == ("significance", "personal_investment", "advocacy_impact")
    assert plan.respondent_id == "column resp_id"


def test_plan_without_parameters_says_what_is_not_given(sample_inputs):
    _, inputs = sample_inputs
    bare = dataclasses.replace(inputs, margins=None, costs=None, executive=None)
    plan = analysis.plan_sections(bare, _params())
    assert not plan.included("weighting") and "weighting_targets" in plan["weighting"].reason
    assert "unweighted" in plan["weighting"].reason and plan.weights == "unweighted"
    assert not plan.included("cfe") and "executive_data" in plan["cfe"].reason
    # no costs: the value case is the benefit alone, per 1,000 customers, and says so
    assert plan.included("value_case")
    assert "benefit only" in plan["value_case"].basis
    assert "per 1,000 customers" in plan["value_case"].basis
    every = plan.table
    assert (every.loc[~every["included"], "reason"].str.len() > 20).all()
    assert (every.loc[every["included"], "reason"] == "").all()


def test_the_roadmap_section_needs_initiatives_and_a_customer_base(sample_inputs):
    params, inputs = sample_inputs
    plan = analysis.plan_sections(inputs, params)
    assert plan.included("roadmap") and "6 initiatives over 4 phases" in plan["roadmap"].basis
    assert "a budget per phase and a limit on initiatives at once" in plan["roadmap"].basis
    none = analysis.plan_sections(dataclasses.replace(inputs, initiatives=None), params)
    assert not none.included("roadmap") and "(initiatives)" in none["roadmap"].reason
    per_1000 = analysis.plan_sections(inputs, dataclasses.replace(params, customer_base=None))
    assert not per_1000.included("roadmap")
    assert "per 1,000 customers" in per_1000["roadmap"].reason
    assert "customer_base" in per_1000["roadmap"].reason
    bare = dataclasses.replace(inputs, costs=None)  # a benefit-only value case is sequenced
    assert "benefit-only" in analysis.plan_sections(bare, params)["roadmap"].basis


def test_analyse_sample_bank_sequences_its_initiatives(sample_inputs):
    from cxlab.roadmap import plan as roadmap_plan

    params, inputs = sample_inputs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = analysis.analyse(inputs, params, n_boot=20)
    assert "roadmap" not in r.skipped and r.roadmap is not None
    direct = roadmap_plan(r.value, inputs.initiatives, n_boot=20, **inputs.initiatives.settings)
    assert r.roadmap.npv == pytest.approx(direct.npv)
    pd.testing.assert_frame_equal(r.roadmap.table, direct.table)
    assert r.roadmap.assumptions["sources"]["budget_per_phase"] == "initiatives file"
    assert "parameter discount_rate" in r.roadmap.assumptions["sources"]["discount_rate"]
    assert len(r.roadmap.boot) == 20


def test_plan_with_a_design_weight_column_says_so(banking):
    survey, _ = banking
    cb = dataclasses.replace(survey.codebook, weight="w_design")
    plan = analysis.plan_sections(_inputs(dataclasses.replace(survey, codebook=cb)), _params())
    assert "design weights of column w_design" in plan["weighting"].reason
    assert plan.included("weighting") is False


def test_plan_without_personal_investment(banking):
    survey, _ = banking
    et = survey.event_table().drop(columns="personal_investment")
    shaped = dataclasses.replace(survey, _event_data=et)
    plan = analysis.plan_sections(_inputs(shaped), _params())
    assert not plan.included("investment")
    assert plan["investment"].reason == (
        "no personal-investment item, so emotive vs tactile weights by investment are not estimated"
    )
    assert plan.included("moments") and plan.included("event_map")
    assert plan.importance_components == ("significance", "advocacy_impact")


def test_plan_without_expectations_leaves_out_the_courses_of_action(banking):
    survey, _ = banking
    et = survey.event_table().drop(columns=["brand_expectation"])
    plan = analysis.plan_sections(_inputs(dataclasses.replace(survey, _event_data=et)), _params())
    assert not plan.included("expectations") and "brand_expectation" in plan["expectations"].reason
    for key in ("moments", "event_map", "value_case"):
        assert not plan.included(key), key
    assert plan.included("investment")  # needs no expectations


def test_plan_without_events(banking):
    survey = satisfaction_survey(banking)
    plan = analysis.plan_sections(_inputs(survey), _params())
    for key in ("event_map", "expectations", "investment", "moments", "advocacy_drivers"):
        assert not plan.included(key), key
        assert "no customer events" in plan[key].reason, key
    assert not plan.included("value_case")
    assert plan.included("sample") and plan.included("advocacy")
    assert not plan.included("agitators") and "complained" in plan["agitators"].reason
    assert not plan.included("economics") and "spend" in plan["economics"].reason
    # key drivers: outcome satisfaction (the respondent item of that name), every other rating
    assert plan.included("key_drivers")
    assert plan.key_driver_outcome == "satisfaction"
    assert plan.key_driver_items == ("x1", "x2", "x3", "x4", "x5")
    assert "satisfaction (the respondent item" in plan.key_driver_rule
    assert plan.key_driver_method == "shapley"
    # reliability: without item_groups the driver items are one scale
    assert plan.scales == {"driver items": ("x1", "x2", "x3", "x4", "x5")}
    assert plan.included("reliability") and plan.segment_measure == "net advocacy"
    # advocacy on the item's own 1-7 scale
    assert plan.cuts.scale == (1.0, 7.0) and plan.cuts.cuts == (4.0, 5.0)
    assert "1-7 scale" in plan["advocacy"].basis


def test_plan_follows_codebook_drivers_and_item_groups(banking):
    extra = {
        "drivers": {"outcome": "recommend", "items": ["x1", "x2", "satisfaction"]},
        "item_groups": {"quality": ["x1", "x2", "x3"], "lonely": ["x4"]},
    }
    plan = analysis.plan_sections(_inputs(satisfaction_survey(banking, extra=extra)), _params())
    assert plan.key_driver_outcome == "recommend"
    assert plan.key_driver_items == ("x1", "x2", "satisfaction")
    assert "drivers.outcome" in plan.key_driver_rule and "drivers.items" in plan.key_driver_rule
    assert plan.scales == {"quality": ("x1", "x2", "x3")}  # a one-item group is no scale


def test_plan_without_recommend_compares_segments_on_the_outcome(banking):
    survey = satisfaction_survey(banking, recommend=False)
    plan = analysis.plan_sections(_inputs(survey), _params())
    for key in ("advocacy", "agitators", "economics"):
        assert not plan.included(key), key
    assert "recommend" in plan["advocacy"].reason
    assert plan.segment_measure == "mean" and plan.included("segments")
    assert plan.key_driver_outcome == "satisfaction"


def test_plan_with_nothing_to_analyse_beyond_the_sample(banking):
    survey, _ = banking
    resp = survey.respondents[["respondent_id", "weight"]]
    cb = dataclasses.replace(survey.codebook, respondent_items={}, segments={}, demographics={})
    bare = _without_events(dataclasses.replace(survey, respondents=resp, codebook=cb))
    plan = analysis.plan_sections(_inputs(bare), _params())
    included = set(plan.table.loc[plan.table["included"], "section"])
    assert included == {"sample", "methods"}


# ------------------------------------------------------------------ analyse
def test_analyse_sample_bank_reproduces_its_headline_figures(sample_inputs):
    """The same numbers as the sample report, checked against direct computations."""
    import cxlab

    params, inputs = sample_inputs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = analysis.analyse(inputs, params)
        w = cxlab.weighting.rake(inputs.survey.respondents, inputs.margins, weights="weight")
        pri = cxlab.priorities.prioritize(
            inputs.survey.with_weights(w.weights.to_numpy()), min_base=params.min_base
        )
    assert r.skipped == {} and r.plan == r.planned
    resp = inputs.survey.respondents.assign(weight=w.weights.to_numpy())
    rec = resp["recommend"]
    agit = resp["complained"].eq(1) | resp["warned_others"].eq(1)
    ok = rec.notna()
    ww = resp["weight"][ok]
    adv = (ww * (rec[ok] >= 9)).sum() / ww.sum()
    low = (ww * (rec[ok] <= 6)).sum() / ww.sum()
    assert r.key_figures["net_advocacy"] == pytest.approx(100 * (adv - low), abs=0.005)
    assert r.key_figures["moments_of_truth"] == int(pri["moment_of_truth"].sum())
    assert agit.sum() > 0 and r.shares["advocacy_group"].astype(str).tolist()[0] == "agitator"
    top = r.value.table.dropna(subset=["npv"]).iloc[0]
    assert r.key_figures["top_event"] == top["name"] and r.key_figures["top_action"] == "fix"
    assert r.value.cost_based and r.value.assumptions["customers"] == 100_000
    assert r.value.assumptions["currency"] == "USD"


def test_analyse_a_survey_without_events(banking):
    survey = satisfaction_survey(banking)
    r = analysis.analyse(_inputs(survey), _params(), n_boot=50)
    assert r.priorities is None and r.value is None and r.investment is None
    assert r.key_figures["moments_of_truth"] is None and r.key_figures["top_action"] is None
    # net advocacy on the survey's own 1-7 scale: 6-7 advocates, 1-4 antagonists
    rec, w = survey.respondents["recommend"], survey.respondents["weight"]
    hand = 100 * ((w * (rec >= 6)).sum() - (w * (rec <= 4)).sum()) / w.sum()
    assert r.key_figures["net_advocacy"] == pytest.approx(hand, abs=0.005)
    # key drivers are cxlab.importance on the respondent items, strongest planted first
    kd = r.key_drivers
    direct = relative_importance(
        survey.respondents, "satisfaction", ["x1", "x2", "x3", "x4", "x5"], weights="weight"
    )
    pd.testing.assert_series_equal(
        kd.set_index("driver")["share"].sort_index(),
        direct.set_index("driver")["share"].sort_index(),
    )
    assert list(kd["driver"][:3]) == ["x1", "x2", "x3"]
    assert "share_ci_low" in kd.columns  # 5 drivers: bootstrap intervals
    # reliability of the driver items as one scale, and segments by net advocacy
    assert r.scale_reliability["scale"].tolist() == ["driver items"]
    assert r.segments_table["variable"].unique().tolist() == ["life_stage"]
    assert r.reliability is None and r.structure is None


def test_analyse_without_recommend_compares_outcome_means(banking):
    survey = satisfaction_survey(banking, recommend=False)
    r = analysis.analyse(_inputs(survey), _params(), n_boot=0)
    assert r.net is None and r.key_figures["net_advocacy"] is None
    seg = r.segments_table.set_index("segment")
    resp = survey.respondents
    for level, part in resp.groupby("life_stage", observed=True):
        hand = np.average(part["satisfaction"], weights=part["weight"])
        assert seg.loc[str(level), "value"] == pytest.approx(hand, rel=1e-12)


def test_a_section_without_enough_data_is_skipped_with_the_reason(banking):
    survey = satisfaction_survey(banking, n=60)
    r = analysis.analyse(_inputs(survey), _params(min_base=100), n_boot=0)
    assert not r.included("key_drivers") and r.planned.included("key_drivers")
    assert "minimum base 100" in r.reason("key_drivers")
    assert r.key_drivers is None
    assert r.net["suppressed"].iloc[0] and r.key_figures["net_advocacy"] is None


def test_a_genuine_bug_is_not_swallowed(banking, monkeypatch):
    import cxlab.importance

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug, not a lack of data")

    monkeypatch.setattr(cxlab.importance, "relative_importance", broken)
    with pytest.raises(ZeroDivisionError):
        analysis.analyse(_inputs(satisfaction_survey(banking)), _params(), n_boot=0)


def test_model_errors_inside_a_step_become_skips(banking, monkeypatch):
    import cxlab.importance

    def too_small(*args, **kwargs):
        raise ModelError("a driver does not vary", column="x1")

    monkeypatch.setattr(cxlab.importance, "relative_importance", too_small)
    r = analysis.analyse(_inputs(satisfaction_survey(banking)), _params(), n_boot=0)
    assert not r.included("key_drivers") and "does not vary" in r.reason("key_drivers")
    assert r.coverage.loc[r.coverage["section"] == "Key drivers", "included"].item() is False


def test_report_analyse_is_the_same_function():
    from cxlab import report

    assert "cxlab.analysis" in report.analyse.__doc__


def test_plot_key_drivers(banking):
    r = analysis.analyse(_inputs(satisfaction_survey(banking)), _params(), n_boot=20)
    ax = analysis.plot_key_drivers(r.key_drivers)
    assert "satisfaction" in ax.get_title() and len(ax.patches) == 5


# ------------------------------------------------------------------ the notebook
def test_every_notebook_cell_runs_on_a_survey_without_events(banking, project_root, capsys):
    """Execute the report notebook's code in-process on a respondent-level survey."""
    import nbformat
    from IPython.display import Markdown

    survey = satisfaction_survey(banking)
    nb = nbformat.read(Path(project_root) / "notebooks" / "client_report.ipynb", as_version=4)
    namespace: dict = {}
    shown = []

    def display(*objects):
        shown.extend(objects)

    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if "load_inputs(P)" in source:
            namespace["load_inputs"] = lambda params: _inputs(survey)
        exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102
        namespace["display"] = display
    texts = "\n".join(m.data for m in shown if isinstance(m, Markdown))
    assert "Not in this report: the survey has no customer events" in texts
    assert "The strongest drivers of **satisfaction**" in texts
    assert "advocates 6-7, neutral 5, antagonists 1-4 on the 1-7 scale" in texts
    assert "Reliability of the respondent-level scales" in texts
    assert "nan" not in texts.lower().replace("financ", "")
    results = namespace["R"]
    assert results.key_drivers is not None and results.priorities is None


def test_the_rules_name_only_the_importance_components_the_survey_has(banking):
    import cxlab.priorities

    survey, _ = banking
    et = survey.event_table().drop(columns="personal_investment")
    r = analysis.analyse(_inputs(dataclasses.replace(survey, _event_data=et)), _params(), n_boot=0)
    assert r.rules.importance_components == ("significance", "advocacy_impact")
    text = cxlab.priorities.moments_of_truth(r.priorities, r.rules)
    assert "personal investment" not in text and "stated significance" in text
    assert r.investment is None and not r.included("investment")


# ------------------------------------------------------ satisfaction index (PLS)
@pytest.fixture(scope="module")
def satisfaction_inputs(project_root):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = load_params(Path(project_root) / "data/sample/clients/sample_satisfaction.yaml")
        return params, load_inputs(params)


def test_the_satisfaction_sample_gets_a_raked_pls_section(satisfaction_inputs):
    from cxlab.pls import fit

    params, inputs = satisfaction_inputs
    plan = analysis.plan_sections(inputs, params)
    assert plan.included("satisfaction_index")
    assert "7 constructs (24 items) and 12 paths" in plan["satisfaction_index"].basis
    r = analysis.analyse(inputs, params, n_boot=30)
    assert r.included("satisfaction_index") and r.satisfaction.reraked
    assert r.satisfaction.n_boot == 30 and r.satisfaction.weighted
    model = inputs.survey.codebook.satisfaction_model
    # the same model fitted by hand on the raked weights
    ref = fit(r.weighted, model["blocks"], model["paths"], weights=r.weighting.weights)
    np.testing.assert_allclose(r.satisfaction.paths["estimate"], ref.paths["estimate"], atol=1e-12)
    index = r.satisfaction.index().set_index("construct")["index"]
    assert r.key_figures["satisfaction_index"] == round(float(index["satisfaction"]), 1)
    assert r.satisfaction.scale_source == "the codebook's scales"


def test_a_satisfaction_model_with_too_few_complete_answers_is_skipped(satisfaction_inputs):
    params, inputs = satisfaction_inputs
    high = dataclasses.replace(params, min_base=400)
    r = analysis.analyse(dataclasses.replace(inputs, margins=None), high, n_boot=0)
    assert not r.included("satisfaction_index") and r.satisfaction is None
    assert "fewer than the minimum base 400" in r.reason("satisfaction_index")


def test_every_notebook_cell_runs_on_the_satisfaction_sample(satisfaction_inputs, project_root):
    import nbformat
    from IPython.display import Markdown

    params, inputs = satisfaction_inputs
    nb = nbformat.read(Path(project_root) / "notebooks" / "client_report.ipynb", as_version=4)
    namespace: dict = {}
    shown = []

    def display(*objects):
        shown.extend(objects)

    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if "load_inputs(P)" in source:
            source = source.replace("validate(globals())", "_P")
            namespace["_P"] = params
            namespace["load_inputs"] = lambda p: inputs
        source = source.replace("n_boot=200", "n_boot=20")
        exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102
        namespace["display"] = display
    texts = "\n".join(m.data for m in shown if isinstance(m, Markdown))
    assert "The customer satisfaction index is **" in texts
    assert "importance-performance map" in texts
    assert namespace["R"].satisfaction is not None
