"""Tests for cxlab.scoring: advocacy scorer training, metrics, save/load and file scoring."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cxlab.errors import DataError, ModelError
from cxlab.scoring import GROUPS, Scorer, fit_scorer, load_scorer, score_file


@pytest.fixture(scope="module")
def scorer(banking):
    survey, _ = banking
    return fit_scorer(survey.respondents, n_splits=4, seed=0)


def _mann_whitney_auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Independent AUC: P(score of a positive > score of a negative), ties counted half."""
    pos, neg = score[positive], score[~positive]
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def test_metrics_match_independent_computation(scorer):
    ho = scorer.held_out
    m = scorer.metrics.set_index("metric")["value"]
    aucs = [
        _mann_whitney_auc(ho[f"prob_{g}"].to_numpy(), (ho["advocacy_group"] == g).to_numpy())
        for g in GROUPS
    ]
    assert m["auc_ovr_macro"] == pytest.approx(np.mean(aucs), rel=1e-9)
    Y = pd.get_dummies(ho["advocacy_group"])[list(GROUPS)].to_numpy(float)
    P = ho[[f"prob_{g}" for g in GROUPS]].to_numpy()
    assert m["brier"] == pytest.approx(((P - Y) ** 2).sum(axis=1).mean())
    assert scorer.confusion.to_numpy().sum() == m["n"] == len(ho)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


def test_scorer_learns_planted_group_economics(scorer):
    m = scorer.metrics.set_index("metric")["value"]
    # spend, tenure, referrals and service cost are planted by advocacy group
    assert m["auc_ovr_macro"] > 0.75
    assert m["brier"] < 0.85 * m["brier_baseline"]
    # calibration: mean held-out probability of each group close to its share
    ho = scorer.held_out
    for g in GROUPS:
        share = (ho["advocacy_group"] == g).mean()
        assert ho[f"prob_{g}"].mean() == pytest.approx(share, abs=0.04)
    assert np.trace(scorer.confusion.to_numpy()) / m["n"] > 0.55


def test_scorer_on_noise_has_chance_auc(banking):
    survey, _ = banking
    rng = np.random.default_rng(3)
    r = survey.respondents.assign(
        recommend=rng.integers(0, 11, len(survey.respondents)).astype(float)
    )
    m = fit_scorer(r, n_splits=3).metrics.set_index("metric")["value"]
    assert 0.42 < m["auc_ovr_macro"] < 0.58  # no leakage of the label through the folds


def test_save_load_roundtrip_and_metadata(scorer, banking, tmp_path):
    survey, _ = banking
    path = scorer.save(tmp_path / "scorer.joblib")
    loaded = load_scorer(path)
    assert isinstance(loaded, Scorer)
    pd.testing.assert_frame_equal(
        loaded.score(survey.respondents), scorer.score(survey.respondents)
    )
    meta = loaded.metadata
    assert meta["classes"] == list(GROUPS)
    assert (
        meta["features"]["spend"] == "numeric" and meta["features"]["life_stage"] == "categorical"
    )
    assert {"cxlab_version", "sklearn_version", "date", "n", "dtypes"} <= set(meta)
    assert meta["n"] == survey.respondents["recommend"].notna().sum()
    (tmp_path / "junk.joblib").write_bytes(b"not a pickle")
    with pytest.raises(DataError):
        load_scorer(tmp_path / "junk.joblib")


def test_score_validates_columns_and_types(scorer, banking):
    r = banking[0].respondents
    with pytest.raises(DataError) as err:
        scorer.score(r.drop(columns=["spend", "life_stage"]))
    assert set(err.value.column) == {"spend", "life_stage"}
    bad = r.assign(tenure=["long"] * len(r), product_usage=np.arange(len(r)))
    with pytest.raises(DataError, match="wrongly typed") as err:
        scorer.score(bad)
    assert set(err.value.column) == {"tenure", "product_usage"}
    # unseen category and missing values are scored, not refused
    odd = r.head(5).assign(life_stage=["Retired"] * 5, spend=np.nan)
    out = scorer.score(odd)
    assert out[[f"prob_{g}" for g in GROUPS]].notna().all().all()
    # numeric text that parses is accepted
    text = r.head(5).assign(spend=r.spend.head(5).astype(str))
    assert len(scorer.score(text)) == 5


def test_score_file_csv(scorer, banking, tmp_path):
    r = banking[0].respondents
    model = scorer.save(tmp_path / "m.joblib")
    customers = r.drop(columns=["recommend"]).rename(columns={"respondent_id": "customer_id"})
    customers.to_csv(tmp_path / "customers.csv", index=False)
    out = score_file(model, tmp_path / "customers.csv", tmp_path / "out" / "scores.csv")
    scores = pd.read_csv(out)
    assert list(scores.columns) == [
        "customer_id",
        "prob_antagonist",
        "prob_neutral",
        "prob_advocate",
        "advocacy_group",
    ]
    assert len(scores) == len(r)
    np.testing.assert_allclose(scores.iloc[:, 1:4].sum(axis=1), 1.0, rtol=1e-9)
    customers.drop(columns=["tenure"]).to_csv(tmp_path / "broken.csv", index=False)
    with pytest.raises(DataError, match="broken.csv") as err:
        score_file(model, tmp_path / "broken.csv", tmp_path / "x.csv")
    assert err.value.column == ["tenure"]


def test_gradient_boosting_and_errors(banking, tmp_path):
    r = banking[0].respondents
    gb = fit_scorer(r, model="gradient_boosting", n_splits=3)
    assert gb.metrics.set_index("metric").loc["auc_ovr_macro", "value"] > 0.7
    with pytest.raises(ModelError):
        fit_scorer(r.assign(recommend=10.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax = gb.plot()
    assert ax.get_title() and ax.get_xlabel() == "Predicted group"
    ax.figure.savefig(tmp_path / "cm.png")


# ------------------------------------------------------------ hardening (issue 12)
def test_save_never_overwrites_a_file(scorer, tmp_path):
    from cxlab.errors import ParameterError

    existing = tmp_path / "survey.csv"
    existing.write_text("precious\n")
    with pytest.raises(ParameterError, match="never overwrites"):
        scorer.save(existing)
    assert existing.read_text() == "precious\n"


def test_score_file_refuses_existing_or_unknown_outputs(scorer, banking, tmp_path):
    from cxlab.errors import ParameterError

    r = banking[0].respondents.head(20)
    r.drop(columns=["recommend"]).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(ParameterError, match="suffix '.json'"):
        score_file(scorer, tmp_path / "c.csv", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
    (tmp_path / "done.csv").write_text("keep\n")
    with pytest.raises(ParameterError, match="never overwrites"):
        score_file(scorer, tmp_path / "c.csv", tmp_path / "done.csv")
    assert (tmp_path / "done.csv").read_text() == "keep\n"


@pytest.mark.parametrize("content", [None, "", "customer_id,spend,tenure\n", "folder"])
def test_unreadable_customer_files_are_data_errors(scorer, tmp_path, content):
    path = tmp_path / "customers.csv"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    with pytest.raises(DataError) as err:
        score_file(scorer, path, tmp_path / "out.csv")
    assert str(path) in str(err.value)
    assert not (tmp_path / "out.csv").exists()


def test_infinite_feature_values_are_refused_with_column_and_rows(scorer, banking, tmp_path):
    r = banking[0].respondents.head(10).drop(columns=["recommend"])
    r = r.assign(spend=r["spend"].astype(object))
    r.loc[3, "spend"] = "inf"
    r.loc[6, "spend"] = "1e309"
    r.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(DataError, match="infinite") as err:
        score_file(scorer, tmp_path / "c.csv", tmp_path / "out.csv")
    assert err.value.column == ["spend"] and err.value.rows == [5, 8]


def test_a_scorer_file_without_metadata_is_a_data_error(scorer, tmp_path):
    import joblib

    path = tmp_path / "bare.joblib"
    joblib.dump({"format": "cxlab-scorer/1", "model": scorer.model}, path)
    with pytest.raises(DataError, match="incomplete cxlab scorer"):
        load_scorer(path)
    joblib.dump(
        {
            "format": "cxlab-scorer/1",
            "model": scorer.model,
            "metadata": {},
            "metrics": None,
            "confusion": None,
        },
        path.with_name("b2.joblib"),
    )
    with pytest.raises(DataError, match="metadata.features"):
        load_scorer(path.with_name("b2.joblib"))


def test_customer_ids_are_written_as_given(scorer, banking, tmp_path):
    r = banking[0].respondents.head(5).drop(columns=["recommend"])
    r = r.assign(customer_id=[f"{k:06d}" for k in range(1, 6)])
    r.to_csv(tmp_path / "c.csv", index=False)
    out = score_file(scorer, tmp_path / "c.csv", tmp_path / "s.csv")
    assert pd.read_csv(out, dtype=str)["customer_id"].tolist() == [
        "000001",
        "000002",
        "000003",
        "000004",
        "000005",
    ]
