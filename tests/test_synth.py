"""The synthetic study generator: deterministic, any size, with the planted truth."""

from __future__ import annotations

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
