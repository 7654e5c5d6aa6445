"""The synthetic study generator: deterministic, any size, with the planted truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from cxlab.errors import ParameterError
from cxlab.synth import make_frame, make_study


def test_deterministic_by_seed():
    a, ta = make_study("automotive", 200, seed=4)
    b, tb = make_study("automotive", 200, seed=4)
    c, _ = make_study("automotive", 200, seed=5)
    pd.testing.assert_frame_equal(a.event_table(), b.event_table())
    pd.testing.assert_frame_equal(a.personal, b.personal)
    assert ta == tb
    assert not a.event_table()["satisfaction"].equals(c.event_table()["satisfaction"])


@pytest.mark.parametrize(
    ("industry", "n_events", "n_questions"), [("banking", 7, 35), ("automotive", 8, 41)]
)
def test_mirrors_the_source_study(industry, n_events, n_questions, request):
    survey, truth = request.getfixturevalue(industry)
    assert survey.n_respondents == 631
    assert len(survey.events) == n_events
    assert truth["n_questions"] == n_questions
    resp = survey.respondents
    assert set(resp["country"].cat.categories) == {"US", "Canada", "UK", "France", "Germany"}
    assert resp["age"].between(18, 65).all()
    assert survey.event_table().groupby("respondent_id").size().mean() > 3  # several events each
    assert set(survey.events["stage"]) >= {"Shop/Buy", "Use & Support", "Pay"}
    assert set(truth["planted_actions"].values()) == {"delight", "fix", "right-size", "basics"}


def test_investment_is_realistic(banking):
    survey, truth = banking
    means = survey.event_table().groupby("event_id", observed=True)["personal_investment"].mean()
    assert means.idxmax() == truth["highest_investment_event"] == "mortgage_decision"
    assert means.idxmin() == truth["lowest_investment_event"] == "monthly_statement"
    assert means.max() - means.min() > 5


def test_planted_moderation_is_in_the_data():
    survey, truth = make_study("banking", 4000, seed=11)
    table = survey.event_table().dropna(
        subset=["satisfaction", "tactile", "emotive", "personal_investment"]
    )
    fit = smf.ols("satisfaction ~ (tactile + emotive) * personal_investment", data=table).fit(
        cov_type="cluster", cov_kwds={"groups": table["respondent_id"].astype("category").cat.codes}
    )
    m = truth["satisfaction_model"]
    planted = {
        "tactile": m["tactile"]["const"],
        "emotive": m["emotive"]["const"],
        "tactile:personal_investment": m["tactile"]["investment"],
        "emotive:personal_investment": m["emotive"]["investment"],
    }
    for term, value in planted.items():
        lo, hi = fit.conf_int(alpha=0.001).loc[term]
        assert lo < value < hi, term
    # emotive is about 40% more important at the highest-investment event
    assert 1.3 < truth["ratio_at_highest_event"] < 1.5
    assert truth["ratio_at_lowest_event"] < 1
    lo_pi, hi_pi = (
        truth["events"][truth[k]]["personal_investment"]
        for k in ("lowest_investment_event", "highest_investment_event")
    )
    assert lo_pi < truth["crossover"] < hi_pi


def test_planted_gaps(automotive):
    survey, truth = automotive
    gaps = (
        survey.event_table()
        .groupby("event_id", observed=True)[["brand_gap", "baseline_gap"]]
        .mean()
    )
    actions = truth["planted_actions"]
    fix = next(e for e, a in actions.items() if a == "fix")
    basics = next(e for e, a in actions.items() if a == "basics")
    right = next(e for e, a in actions.items() if a == "right-size")
    assert gaps.loc[fix, "brand_gap"] < -1.5 and gaps.loc[fix, "baseline_gap"] > 0
    assert gaps.loc[basics, "baseline_gap"] < -1
    assert gaps.loc[right, "brand_gap"] > 2
    assert truth["high_value_event"] == fix


def test_sample_is_skewed_against_population(banking):
    survey, truth = banking
    shares = survey.respondents["age_band"].value_counts(normalize=True)
    assert shares["18-29"] > truth["population_margins"]["age_band"]["18-29"] + 0.08
    for margins in truth["population_margins"].values():
        assert abs(sum(margins.values()) - 1) < 1e-12


def test_advocates_spend_more_and_stay_longer(banking):
    survey, _ = banking
    r = survey.respondents
    adv = r["recommend"] >= 9
    ant = r["recommend"] <= 6
    assert r.loc[adv, "spend"].mean() > r.loc[ant, "spend"].mean()
    assert r.loc[adv, "tenure"].mean() > r.loc[ant, "tenure"].mean()
    assert 0.2 < adv.mean() < 0.45 and 0.2 < ant.mean() < 0.45


def test_non_response_and_personal_data():
    frame, spec, truth = make_frame("banking", 631, 0)
    ratings = frame.filter(regex=r"^q\d+_")
    assert ratings.isin([98, 99]).to_numpy().mean() > 0.01
    assert (frame["spend"] == -99).any()
    survey, _ = make_study("banking", 631, 0)
    assert not set(spec["personal_data"]) & set(survey.respondents.columns)
    assert survey.personal["email"].str.contains("@").all()
    assert survey.personal["comment"].str.len().gt(5).all()


def test_any_size():
    small, truth = make_study("banking", 50, seed=1)
    assert small.n_respondents == 50 == len(truth["segment_of"])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"industry": "retail"}, "industry must be one of"),
        ({"n_respondents": 3}, "n_respondents"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_bad_arguments(kwargs, words):
    with pytest.raises(ParameterError, match=words):
        make_study(**kwargs)


def test_write_study_round_trip(tmp_path):
    import json

    from cxlab import load_survey
    from cxlab.synth import write_study

    paths = write_study("automotive", 80, 2, folder=tmp_path, formats=("csv",))
    truth = json.loads(paths["truth"].read_text())
    survey = load_survey(paths["csv"], paths["codebook"])
    assert survey.n_respondents == 80 == truth["n_respondents"]
    costs = pd.read_csv(paths["costs"])
    assert set(costs["event_id"]) == set(truth["planted_actions"]) | set(truth["maintain_events"])
    assert np.isfinite(costs["cost"]).all()


# ------------------------------------------------------------ survey shapes on disk
def _content(path):
    if path.suffix == ".sav":
        import pyreadstat

        return pyreadstat.read_sav(str(path), user_missing=True)[0]
    return pd.read_csv(path)


def test_write_shape_is_deterministic(tmp_path):
    from cxlab.synth import SHAPES, write_shape

    for kind in SHAPES:
        a = write_shape(kind, tmp_path / "a", seed=1)
        b = write_shape(kind, tmp_path / "b", seed=1)
        c = write_shape(kind, tmp_path / "c", seed=2)
        assert _content(a.data).equals(_content(b.data))  # SAV headers hold a time stamp
        assert a.codebook.read_text() == b.codebook.read_text()
        assert a.truth == b.truth
        assert not _content(a.data).equals(_content(c.data))
    with pytest.raises(ParameterError, match="kind must be one of"):
        write_shape("nps", tmp_path)


def test_event_cx_shape(shape_files):
    import warnings

    from cxlab import load_survey

    shape = shape_files("event_cx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(shape.data, shape.codebook)
    assert len(survey.events) == 7 and survey.n_respondents == 300
    assert survey.source["respondent_id"] == "column resp_id"
    assert set(shape.truth["planted_actions"].values()) == {
        "delight",
        "fix",
        "right-size",
        "basics",
    }


def test_satisfaction_shape_has_no_events_ids_or_weights(shape_files):
    from cxlab import load_survey
    from cxlab.importance import relative_importance

    shape = shape_files("satisfaction_no_events")
    raw = pd.read_csv(shape.data)
    assert (raw == -99).any().any()
    survey = load_survey(shape.data, shape.codebook)
    cb = survey.codebook
    resp = survey.respondents
    assert survey.n_respondents == 250 and len(survey.events) == 0
    assert cb.respondent_id is None and cb.weight is None
    assert resp["respondent_id"].tolist() == list(range(1, 251))
    assert (resp["weight"] == 1).all()
    rating_items = [
        n for n, i in cb.respondent_items.items() if i.type == "rating" and not i.derived
    ]
    assert len(rating_items) >= 20
    scales = {(i.scale.min, i.scale.max) for i in cb.respondent_items.values() if i.scale}
    assert {(1, 7), (1, 5)} <= scales
    assert (
        cb.respondent_items["recommend"].scale.min,
        cb.respondent_items["recommend"].scale.max,
    ) == (1, 7)
    assert resp[rating_items].min().min() >= 1  # the -99 codes are gone
    for absent in ("personal_investment", "spend", "complained", "significance"):
        assert absent not in resp
    assert set(cb.item_groups) == set(shape.truth["item_groups"])
    # the recommend distribution agrees with the planted population shares
    counts = resp["recommend"].value_counts()
    n = int(resp["recommend"].notna().sum())
    for point, p in shape.truth["recommend_shares"].items():
        se = np.sqrt(p * (1 - p) / n)
        assert abs(counts.get(float(point), 0) / n - p) < 4 * se + 1e-9
    # the planted driver order: quality first, expectations (no effect) last
    imp = relative_importance(resp, cb.drivers["outcome"], list(cb.drivers["items"]))
    order = imp.sort_values("importance", ascending=False)["driver"].tolist()
    assert order[0] == "quality_index" and order[-1] == "expectations_index"


def test_opinion_shape_is_a_weighted_spss_file(shape_files):
    import pyreadstat

    from cxlab import load_survey
    from cxlab.estimates import weighted_mean

    shape = shape_files("opinion_spss")
    _, meta = pyreadstat.read_sav(str(shape.data), metadataonly=True, user_missing=True)
    assert meta.column_names_to_labels["trust_gov"].startswith("How much")
    assert meta.variable_value_labels["trust_gov"][9.0] == "Don't know"
    assert {r["lo"] for r in meta.missing_ranges["trust_gov"]} == {98.0, 99.0}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(shape.data, shape.codebook)
    resp = survey.respondents
    assert survey.n_respondents == 1500 and len(survey.events) == 0
    assert "recommend" not in resp
    assert resp["age"].min() >= 18 and resp["age"].max() <= 94 and resp["age"].max() > 85
    assert list(resp["age_band"].cat.categories) == ["18-34", "35-64", "65+"]
    assert set(resp["sex"].cat.categories) == {"Male", "Female"}
    assert resp["trust_gov"].between(1, 4).all() or resp["trust_gov"].dropna().between(1, 4).all()
    assert int(resp["trust_gov"].notna().sum()) == shape.truth["n_answered_trust_gov"]
    assert (resp["weight"] > 0).all()
    est = weighted_mean(resp, "trust_gov").iloc[0]
    truth = shape.truth["population_mean"]["trust_gov"]
    assert abs(est["estimate"] - truth) < 4 * est["se"]
    plain = weighted_mean(resp, "trust_gov", weights=None).iloc[0]
    assert abs(plain["estimate"] - shape.truth["unweighted_mean"]["trust_gov"]) < 4 * plain["se"]
    assert abs(est["estimate"] - plain["estimate"]) > 4 * est["se"]  # the weight matters


# ------------------------------------------------------------------ PLS study
def test_make_pls_study_is_seeded_and_weights_restore_the_population():
    from cxlab.synth import make_pls_study

    a, truth = make_pls_study(n=300, seed=4)
    b, _ = make_pls_study(n=300, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert "weight" not in a.columns and a.shape == (300, 26)
    items = [i for v in truth["blocks"].values() for i in v]
    assert a[items].min().min() >= 1 and a[items].max().max() <= 10
    w, wt = make_pls_study(n=4000, seed=5, weights=True)
    rural = (w["region"] == "rural").to_numpy()
    assert abs(rural.mean() - wt["sample_shares"]["region"]["rural"]) < 0.03
    assert np.average(rural, weights=w["weight"]) == pytest.approx(0.4, abs=0.03)
    # planted R² follows from the planted standardised paths
    assert 0 < min(truth["r2"].values()) and max(truth["r2"].values()) < 1


def test_the_sample_satisfaction_study_is_what_write_pls_study_writes(tmp_path, project_root):
    from cxlab.synth.pls import write_pls_study

    paths = write_pls_study(tmp_path)
    sample = Path(project_root) / "data" / "sample"
    for key, rel in (
        ("data", "satisfaction.csv"),
        ("codebook", "satisfaction_codebook.yaml"),
        ("truth", "satisfaction_truth.json"),
        ("client", "clients/sample_satisfaction.yaml"),
        ("margins", "clients/targets/satisfaction_margins.yaml"),
    ):
        assert paths[key].read_bytes() == (sample / rel).read_bytes(), rel


def test_make_waves_plants_exact_changes_in_mean_satisfaction():
    from cxlab.synth import make_wave_frame

    base, cb, _ = make_wave_frame("banking", 3, 400, seed=7, changes={})
    moved, _, truth = make_wave_frame(
        "banking", 3, 400, seed=7, changes={"resolve_issue": {"W2": 0.5, "W3": -0.3}}
    )
    col = next(e["items"]["satisfaction"] for e in cb["events"] if e["id"] == "resolve_issue")
    assert truth["cumulative_changes"]["resolve_issue"] == {"W1": 0.0, "W2": 0.5, "W3": 0.2}
    for wave, cumulative in (("W1", 0.0), ("W2", 0.5), ("W3", 0.2)):
        a = base.loc[base["wave"] == wave, col].to_numpy(dtype=float)
        b = moved.loc[moved["wave"] == wave, col].to_numpy(dtype=float)
        valid = np.isfinite(a) & (a >= 1) & (a <= 10)
        assert ((b[valid] >= 1) & (b[valid] <= 10)).all()  # still on the scale
        np.testing.assert_array_equal(a[~valid], b[~valid])  # codes and blanks untouched
        diff = b[valid].mean() - a[valid].mean()
        assert diff == pytest.approx(round(cumulative * valid.sum()) / valid.sum(), abs=1e-12)
    others = [c for c in base.columns if c != col]
    pd.testing.assert_frame_equal(base[others], moved[others])


def test_make_waves_defaults_no_changes_and_mix():
    from cxlab.synth import make_waves
    from cxlab.synth.waves import default_changes

    s, truth = make_waves("banking", n_waves=4, n_respondents=100, seed=0)
    assert truth["planted_changes"] == default_changes("banking", 4)
    assert truth["planted_changes"]["resolve_issue"] == {"W2": 0.5, "W4": 0.4}
    assert default_changes("automotive", 2) == {"arrange_finance": {"W2": 0.5}}
    assert make_waves("banking", 2, 50, changes={})[1]["planted_changes"] == {}
    shares = {"18-29": 0.2, "30-44": 0.3, "45-65": 0.5}
    s, truth = make_waves("banking", 2, 200, seed=1, changes={}, mix={"W2": {"age_band": shares}})
    got = s.respondents[s.respondents["wave"] == "W2"]["age_band"].value_counts(normalize=True)
    for cat, share in shares.items():
        assert got[cat] == pytest.approx(share, abs=1e-12)
    assert truth["planted_mix"] == {"W2": {"age_band": shares}}
    again, _ = make_waves("banking", 2, 200, seed=1, changes={}, mix={"W2": {"age_band": shares}})
    pd.testing.assert_frame_equal(s.respondents, again.respondents)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_waves": 1}, "n_waves"),
        ({"changes": {"nope": {"W2": 0.5}}}, "unknown event"),
        ({"changes": {"resolve_issue": {"W1": 0.5}}}, "relative to the"),
        ({"changes": {"resolve_issue": {"W2": 9}}}, "at most 3"),
        ({"mix": {"W2": {"income": {"a": 1.0}}}}, "mix shift is planted on one of"),
        ({"mix": {"W2": {"age_band": {"18-29": 0.5}}}}, "sum to 1"),
        ({"mix": {"W2": {"country": {"Germany": 1.0}}}}, "more than the simulation can draw"),
    ],
)
def test_make_waves_rejects_bad_plans(kwargs, match):
    from cxlab.synth import make_waves

    args = {"industry": "banking", "n_waves": 2, "n_respondents": 50, **kwargs}
    with pytest.raises(ParameterError, match=match):
        make_waves(**args)
