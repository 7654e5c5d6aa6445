"""Written findings for surveys unlike the sample: no events, no advocacy, no costs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab import narrative


def _net(value=17.0, suppressed=False):
    return pd.DataFrame(
        {"value": [np.nan if suppressed else value], "ci_low": [np.nan if suppressed else 9.5],
         "ci_high": [np.nan if suppressed else 24.5], "pct_advocate": [44.0], "pct_antagonist": [27.0],
         "n": [20 if suppressed else 100], "suppressed": [suppressed]}
    )  # fmt: skip


def _drivers():
    t = pd.DataFrame(
        {"driver": ["x1", "x2", "x3"], "label": ["staff", "speed", "price"],
         "importance": [0.20, 0.08, 0.02], "share": [0.6667, 0.2667, 0.0667],
         "sign": ["+", "+", "-"]}
    )  # fmt: skip
    t.attrs.update(method="shapley", r_squared=0.30, n=240)
    return t


def _clean(text: str) -> None:
    assert "nan" not in text.lower(), text
    assert "None" not in text, text


def test_executive_summary_without_events_uses_the_key_drivers():
    text = narrative.executive_summary(
        "Acme", _net(), None, key_drivers=_drivers(), outcome="satisfaction"
    )
    assert "+17.0" in text and "staff (67% of the explained variance)" in text
    assert "no customer events" in text and "moments of truth" not in text
    _clean(text)
    bare = narrative.executive_summary("Acme", None, None)
    assert "no likelihood-to-recommend item" in bare and "no key-driver analysis" in bare
    _clean(bare)
    small = narrative.executive_summary("Acme", _net(suppressed=True), None, key_drivers=_drivers(),
                                        outcome="satisfaction")  # fmt: skip
    assert "too few respondents" in small and "20" not in small
    _clean(small)


def test_advocacy_finding_states_its_cut_points_and_agitators():
    rule = "advocates 6-7, neutral 5, antagonists 1-4 on the 1-7 scale"
    text = narrative.advocacy_finding(_net(), cuts=rule, agitators=False)
    assert text.endswith(f"Cut points: {rule}.") and "agitators" not in text.split("Cut")[0]
    assert "antagonists or agitators" in narrative.advocacy_finding(_net())


def test_key_drivers_finding_quotes_its_numbers():
    text = narrative.key_drivers_finding(_drivers(), "satisfaction", "outcome satisfaction")
    for part in ("**satisfaction**", "staff (67%", "speed (27%", "30% of its variance", "R\u00b2 0.30",
                 "240 respondents", "Shapley", "price moves the outcome the other way",
                 "Outcome and drivers: outcome satisfaction."):  # fmt: skip
        assert part in text, part
    _clean(text)
    assert "Too few" in narrative.key_drivers_finding(pd.DataFrame(), "satisfaction")


def test_value_finding_without_costs_speaks_of_benefit_in_the_currency():
    ranking = pd.DataFrame(
        {"name": ["Call", "Apply"], "action": ["delight", "fix"], "npv": [np.nan, np.nan],
         "npv_ci_low": [np.nan] * 2, "npv_ci_high": [np.nan] * 2, "roi": [np.nan] * 2,
         "benefit": [52_000.0, 9_000.0], "benefit_ci_low": [30_000.0, -1_000.0],
         "benefit_ci_high": [80_000.0, 20_000.0]}
    )  # fmt: skip
    text = narrative.value_finding(ranking, currency="EUR", cost_based=False,
                                   customers="per 1,000 customers")  # fmt: skip
    assert "No improvement costs were given" in text and "EUR 52,000 (per 1,000 customers)" in text
    assert "net present value of" not in text and "1 of 2 events" in text
    _clean(text)
    priced = ranking.assign(npv=[2.5e6, 1e5], npv_lo=[1e6, -5e4], npv_hi=[4e6, 2e5], roi=[3.0, 0.5])
    assert "a net present value of 2,500,000 currency units" in narrative.value_finding(priced)


def test_segments_finding_for_an_outcome_mean():
    seg = pd.DataFrame({"region": ["N", "S", "E"], "value": [5.25, 4.1, np.nan], "n": [80, 90, 12],
                        "suppressed": [False, False, True]})  # fmt: skip
    text = narrative.segments_finding(seg, "region", "mean satisfaction")
    assert "mean satisfaction is highest for **N** (5.25, n=80)" in text and "E" not in text
    one = narrative.segments_finding(seg.iloc[[0, 2]], "region", "mean satisfaction")
    assert "only **N** reaches the minimum base" in one


def test_coverage_and_scales_findings():
    coverage = pd.DataFrame(
        {"section": ["Sample and data quality", "Weighting to population margins"],
         "included": [True, False],
         "reason": ["", "no weighting targets given (weighting_targets), so results are unweighted"],
         "basis": ["250 respondents; ids from row number", ""]}
    )  # fmt: skip
    text = narrative.coverage_finding(coverage)
    assert "- Sample and data quality: 250 respondents; ids from row number" in text
    assert "- **Weighting to population margins**: no weighting targets given" in text
    scales = pd.DataFrame({"scale": ["quality", "tiny"], "n_items": [3, 2], "n": [240, 10],
                           "alpha": [0.84, np.nan], "omega": [0.85, np.nan]})  # fmt: skip
    s = narrative.scales_finding(scales)
    assert "quality (3 items): alpha 0.84, omega 0.85 (good)" in s and "assess tiny" in s
    _clean(s)


def test_sample_finding_without_events_and_ids():
    text = narrative.sample_finding(
        250, 0, 0, weights_text="unweighted", respondent_id="row number"
    )
    assert "250 respondents** of a respondent-level survey (no customer events)" in text
    assert "numbered by row" in text and "results are unweighted" in text
