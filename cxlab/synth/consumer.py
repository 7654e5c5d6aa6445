"""Synthetic customer-experience studies with known truth.

The generator mirrors the source study (banking and automotive consumers in five
countries) and plants every effect the framework talks about, so that each cxlab
model can be checked against the truth it should recover. See
``docs/data-model.md`` for the data-generating model.

Examples
--------
>>> from cxlab.synth import make_study
>>> survey, truth = make_study("automotive", n_respondents=300, seed=2)
>>> sorted(set(truth["planted_actions"].values()))
['basics', 'delight', 'fix', 'right-size']
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.codebook import DEFAULT_STAGES, EMOTIVE_ATTRIBUTES, TACTILE_ATTRIBUTES, Codebook
from cxlab.errors import ParameterError
from cxlab.survey import Survey, survey_from_frame

__all__ = ["make_study", "make_frame", "write_study", "INDUSTRIES"]

# ------------------------------------------------------------------ the design
# (id, name, stage, channel, lenses, significance, investment, brand exp, baseline exp,
#  tactile, emotive, advocacy impact, share of respondents who rate it, planted action)
# fmt: off
_EVENTS = {
    "banking": [
        ("compare_options", "Compare account options", "Aware", "web", ("retention", "Digital content", "Website refresh"),
         5.5, 4.0, 7.2, 5.5, 7.2, 7.2, 0.1, 0.8, "maintain"),
        ("open_checking", "Open a checking account", "Shop/Buy", "store/branch", ("loyalty", "Account opening", "Branch redesign"),
         5.5, 2.5, 7.2, 5.5, 7.2, 7.2, 0.12, 0.85, "maintain"),
        ("mortgage_decision", "Obtain a mortgage decision", "Shop/Buy", "agent", ("loyalty", "Lending", "Lending platform"),
         9.0, 8.8, 7.5, 6.0, 7.6, 7.6, 0.45, 0.55, "delight"),
        ("setup_online", "Set up online banking", "Set Up", "web", ("retention", "Digital channels", "Website refresh"),
         6.0, 4.0, 7.2, 5.5, 7.2, 7.2, 0.12, 0.8, "maintain"),
        ("resolve_issue", "Resolve a problem with the contact centre", "Use & Support", "contact centre", ("pain", "Contact centre", "Contact centre upgrade"),
         8.0, 6.5, 7.8, 5.0, 5.7, 5.7, 0.4, 0.7, "fix"),
        ("branch_service", "Get help at a branch counter", "Use & Support", "store/branch", ("pain", "Branch operations", "Branch redesign"),
         5.0, 3.5, 6.5, 6.8, 6.2, 4.0, 0.1, 0.6, "basics"),
        ("monthly_statement", "Receive a monthly statement", "Pay", "mail", ("retention", "Billing", "Statement redesign"),
         2.2, 1.5, 5.0, 4.5, 8.4, 8.3, 0.02, 0.95, "right-size"),
    ],
    "automotive": [
        ("research_models", "Research models and prices", "Aware", "web", ("retention", "Digital content", "Website refresh"),
         6.0, 4.0, 7.2, 5.5, 7.2, 7.2, 0.1, 0.85, "maintain"),
        ("test_drive", "Book and take a test drive", "Shop/Buy", "dealer", ("loyalty", "Dealer network", "Dealer experience"),
         6.0, 5.0, 7.2, 5.5, 7.2, 7.2, 0.12, 0.75, "maintain"),
        ("buy_car", "Negotiate and buy the car", "Shop/Buy", "dealer", ("loyalty", "Sales", "Dealer experience"),
         9.2, 9.0, 7.5, 6.0, 7.6, 7.6, 0.45, 0.6, "delight"),
        ("arrange_finance", "Arrange financing", "Shop/Buy", "agent", ("pain", "Finance", "Finance platform"),
         8.0, 7.5, 7.8, 5.0, 5.7, 5.7, 0.4, 0.7, "fix"),
        ("vehicle_handover", "Collect the new car", "Set Up", "dealer", ("loyalty", "Dealer network", "Dealer experience"),
         6.0, 6.0, 7.2, 5.5, 7.2, 7.2, 0.12, 0.6, "maintain"),
        ("service_booking", "Book a service appointment", "Use & Support", "contact centre", ("pain", "Contact centre", "Contact centre upgrade"),
         5.0, 3.0, 6.5, 6.8, 6.2, 4.0, 0.1, 0.7, "basics"),
        ("receive_invoice", "Receive the service invoice", "Pay", "mail", ("retention", "Billing", "Statement redesign"),
         2.2, 1.8, 5.0, 4.5, 8.4, 8.3, 0.02, 0.9, "right-size"),
        ("trade_in", "Trade in or upgrade", "Add/Renew/Upgrade", "dealer", ("retention", "Sales", "Loyalty programme"),
         6.0, 6.5, 7.2, 5.5, 7.2, 7.2, 0.12, 0.5, "maintain"),
    ],
}
# fmt: on
INDUSTRIES = tuple(_EVENTS)

_ITEM_CODES = {
    "significance": "sig",
    "personal_investment": "inv",
    "brand_expectation": "exb",
    "baseline_expectation": "exc",
    "efficiency": "eff",
    "consistency": "con",
    "availability": "ava",
    "reliability": "rel",
    "responsiveness": "res",
    "convenience": "cnv",
    "trustworthy": "tru",
    "genuine": "gen",
    "empathetic": "emp",
    "dignity": "dig",
    "honesty": "hon",
    "respect": "rsp",
    "satisfaction": "sat",
}

# planted satisfaction model: b_T(PI) = t0 + t1 PI, b_E(PI) = e0 + e1 PI
_SAT_MODEL = {
    "intercept": 1.2,
    "tactile": {"const": 0.50, "investment": -0.02},
    "emotive": {"const": 0.10, "investment": 0.04},
    "investment": 0.05,
    "sd_respondent": 0.5,
    "sd_noise": 0.8,
}

_COUNTRIES = ["US", "Canada", "UK", "France", "Germany"]
_AGE_BANDS = ["18-29", "30-44", "45-65"]
_GENDERS = ["Female", "Male"]
_POPULATION = {
    "country": {"US": 0.40, "Canada": 0.10, "UK": 0.20, "France": 0.15, "Germany": 0.15},
    "age_band": {"18-29": 0.25, "30-44": 0.35, "45-65": 0.40},
    "gender": {"Female": 0.51, "Male": 0.49},
}
_SAMPLE = {
    "country": [0.30, 0.18, 0.22, 0.15, 0.15],
    "age_band": [0.40, 0.35, 0.25],
    "gender": [0.42, 0.58],
}
_AGE_EFFECT = {"18-29": -0.6, "30-44": 0.0, "45-65": 0.6}

_SEGMENTS = {
    "Young digital": {
        "life_stage": "Young adult",
        "product_usage": "Light",
        "behaviour_profile": "Digital-first",
        "profitability": "Low",
        "spend": 350.0,
        "tenure": 2.5,
        "advocacy_shift": -0.3,
        "by_age": [0.60, 0.20, 0.10],
    },
    "Busy families": {
        "life_stage": "Family",
        "product_usage": "Moderate",
        "behaviour_profile": "Multichannel",
        "profitability": "Medium",
        "spend": 700.0,
        "tenure": 6.0,
        "advocacy_shift": 0.0,
        "by_age": [0.25, 0.45, 0.20],
    },
    "Established heavy users": {
        "life_stage": "Established",
        "product_usage": "Heavy",
        "behaviour_profile": "Multichannel",
        "profitability": "High",
        "spend": 1400.0,
        "tenure": 11.0,
        "advocacy_shift": 0.3,
        "by_age": [0.10, 0.25, 0.35],
    },
    "Branch loyalists": {
        "life_stage": "Pre-retirement",
        "product_usage": "Moderate",
        "behaviour_profile": "Branch-loyal",
        "profitability": "Medium",
        "spend": 800.0,
        "tenure": 15.0,
        "advocacy_shift": 0.1,
        "by_age": [0.05, 0.10, 0.35],
    },
}
_SEG_LEVELS = {
    "life_stage": ["Young adult", "Family", "Established", "Pre-retirement"],
    "product_usage": ["Light", "Moderate", "Heavy"],
    "behaviour_profile": ["Digital-first", "Multichannel", "Branch-loyal"],
    "profitability": ["Low", "Medium", "High"],
}
_GROUP_SPEND = {"advocate": 1.30, "neutral": 1.0, "antagonist": 0.85, "agitator": 0.75}
_GROUP_TENURE = {"advocate": 1.40, "neutral": 1.0, "antagonist": 0.80, "agitator": 0.65}
_GROUP_REFERRALS = {"advocate": 1.2, "neutral": 0.4, "antagonist": 0.1, "agitator": 0.05}
_GROUP_SERVICE = {"advocate": 0.9, "neutral": 1.0, "antagonist": 1.5, "agitator": 2.5}
_COSTS = {
    "maintain": 150_000.0,
    "delight": 400_000.0,
    "fix": 250_000.0,
    "basics": 60_000.0,
    "right-size": -20_000.0,
}

_FIRST = [
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Hugo",
    "Isla",
    "Jonas",
    "Kara",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wendy",
    "Xavier",
    "Yara",
    "Zoe",
    "Léa",
    "Jürgen",
    "Amélie",
    "Søren",
]
_LAST = [
    "Smith",
    "Martin",
    "Müller",
    "Dubois",
    "Brown",
    "Schmidt",
    "Taylor",
    "Bernard",
    "Wilson",
    "Fischer",
    "Roy",
    "Tremblay",
    "Lefèvre",
    "Weber",
    "Evans",
    "Moreau",
    "Clarke",
    "Becker",
    "Gagnon",
    "Walker",
    "Hoffmann",
    "Laurent",
    "Wright",
    "Schulz",
    "Fontaine",
]
_COMMENTS = [
    "The person who helped me with {event} was dismissive, please call me back on {phone}.",
    "{event} took far too long. My name is {name} if you want to follow up.",
    "Very happy with {event}, thank you!",
    "Nothing to add.",
    "Email me at {email} about {event}, it was a mess.",
    "{event} was fine but I expected more for the price.",
]


def _check_args(industry, n_respondents, seed):
    if industry not in _EVENTS:
        raise ParameterError(
            f"industry must be one of {list(_EVENTS)}, got {industry!r}", location="industry"
        )
    if not isinstance(n_respondents, int | np.integer) or n_respondents < 10:
        raise ParameterError(
            f"n_respondents must be an integer >= 10, got {n_respondents!r}",
            location="n_respondents",
        )
    if not isinstance(seed, int | np.integer):
        raise ParameterError(f"seed must be an integer, got {seed!r}", location="seed")


def _event_attributes(index: int) -> tuple[list[str], list[str]]:
    """Each event asks four of the six tactile and emotive attributes (dignity always)."""
    tac = [a for i, a in enumerate(TACTILE_ATTRIBUTES) if (i + index) % 3 != 0]
    emo_rest = [a for a in EMOTIVE_ATTRIBUTES if a != "dignity"]
    emo = ["dignity"] + [a for i, a in enumerate(emo_rest) if (i + index) % 5 not in (0, 1)]
    return tac[:4], emo[:4]


def _codebook_dict(industry: str, extra_personal=True) -> dict:
    events = []
    for k, ev in enumerate(_EVENTS[industry], start=1):
        eid, name, stage, channel, lenses = ev[:5]
        tac, emo = _event_attributes(k)
        names = [
            "significance",
            "personal_investment",
            "brand_expectation",
            "baseline_expectation",
            *tac,
            *emo,
            "satisfaction",
        ]
        items = {item: f"q{k}_{_ITEM_CODES[item]}" for item in names}
        events.append(
            {
                "id": eid,
                "name": name,
                "stage": stage,
                "channel": channel,
                "lenses": {"driver": lenses[0], "capability": lenses[1], "initiative": lenses[2]},
                "items": items,
            }
        )
    labels = lambda levels: {i + 1: v for i, v in enumerate(levels)}  # noqa: E731
    return {
        "name": f"Sample {industry} customer experience study",
        "industry": industry,
        "respondent_id": "resp_id",
        "duration": "duration_sec",
        "missing_codes": [98, 99, -99],
        "scales": {"rating": {"min": 1, "max": 10}, "recommend": {"min": 0, "max": 10}},
        "default_scale": "rating",
        "stages": list(DEFAULT_STAGES),
        "personal_data": ["name", "email", "phone", "comment"] if extra_personal else [],
        "demographics": {
            "country": {"column": "country", "labels": labels(_COUNTRIES)},
            "age": {
                "column": "age",
                "type": "numeric",
                "min": 18,
                "max": 65,
                "bands": [18, 30, 45, 65],
            },
            "gender": {"column": "gender", "labels": labels(_GENDERS)},
        },
        "respondent_items": {
            "recommend": {"column": "q_recommend", "type": "rating", "scale": "recommend"},
            "retention_intent": {"column": "q_retain", "type": "rating"},
            "complained": {"column": "q_complained", "type": "binary"},
            "warned_others": {"column": "q_warned", "type": "binary"},
            "spend": {"column": "spend", "type": "numeric", "min": 0},
            "tenure": {"column": "tenure_years", "type": "numeric", "min": 0},
            "referrals": {"column": "referrals", "type": "numeric", "min": 0},
            "service_cost": {"column": "service_cost", "type": "numeric", "min": 0},
        },
        "segments": {k: {"column": k, "labels": labels(v)} for k, v in _SEG_LEVELS.items()},
        "events": events,
    }


def make_frame(
    industry: str = "banking", n_respondents: int = 631, seed: int = 0, comments: bool = False
) -> tuple[pd.DataFrame, dict, dict]:
    """The raw wide data file of a synthetic study, its codebook dict and its truth.

    This is what a client would send: codes, missing-value codes (98, 99, -99) and
    personal data included. :func:`make_study` validates it into a :class:`Survey`.

    Parameters
    ----------
    industry : str, optional
        The industry.
    n_respondents : int
        Number of respondents.
    seed : int or None
        Random seed (determinism).
    comments : bool
        Add a "why?" comment column per event (``q{k}_why``) with planted topics,
        polarity and personal data (:mod:`cxlab.synth.comments`), declared in the
        codebook's ``comments``; ``truth["planted_topics"]``. Drawn from a random
        stream of their own: every other value is the same as without comments.
    """
    _check_args(industry, n_respondents, seed)
    rng = np.random.default_rng([int(seed), INDUSTRIES.index(industry)])
    n = int(n_respondents)
    spec = _EVENTS[industry]
    m = _SAT_MODEL

    country = rng.choice(len(_COUNTRIES), size=n, p=_SAMPLE["country"])
    band = rng.choice(3, size=n, p=_SAMPLE["age_band"])
    age = np.where(
        band == 0,
        rng.integers(18, 30, n),
        np.where(band == 1, rng.integers(30, 45, n), rng.integers(45, 66, n)),
    )
    gender = rng.choice(2, size=n, p=_SAMPLE["gender"])
    seg_names = list(_SEGMENTS)
    seg_by_age = np.array([_SEGMENTS[s]["by_age"] for s in seg_names]).T  # age band x segment
    seg_by_age = seg_by_age / seg_by_age.sum(axis=1, keepdims=True)
    u = rng.random(n)
    segment = (u[:, None] > np.cumsum(seg_by_age[band], axis=1)).sum(axis=1)

    frame = {"resp_id": [f"R{seed % 1000:03d}-{i + 1:06d}" for i in range(n)]}
    frame["country"] = country + 1
    frame["age"] = age
    frame["gender"] = gender + 1
    for var, levels in _SEG_LEVELS.items():
        modal = np.array([levels.index(_SEGMENTS[s][var]) for s in seg_names])[segment]
        other = rng.integers(0, len(levels), n)
        frame[var] = np.where(rng.random(n) < 0.8, modal, other) + 1

    # respondent-level tendencies: tactile and emotive latents correlated 0.5
    r_t = rng.standard_normal(n)
    r_e = 0.5 * r_t + np.sqrt(0.75) * rng.standard_normal(n)
    u_sat = rng.normal(0, m["sd_respondent"], n)
    straight = rng.random(n) < 0.015
    straight_value = rng.integers(6, 10, n)

    latent = np.zeros(n)
    attribute_columns: set[str] = set()
    truth_events = {}
    sat_obs = {}
    for k, ev in enumerate(spec, start=1):
        (eid, _, _, _, _, sig, inv, bexp, cexp, tac_mu, emo_mu, impact, p_rated, action) = ev
        rated = rng.random(n) < p_rated
        tac, emo = _event_attributes(k)

        def rating(mu, sd, size=n):
            return np.clip(np.rint(mu + rng.normal(0, sd, size)), 1, 10)

        cols = {}
        cols["significance"] = rating(sig, 1.2)
        cols["personal_investment"] = rating(inv, 1.0)
        cols["brand_expectation"] = rating(bexp, 1.2)
        cols["baseline_expectation"] = rating(cexp, 1.2)
        t_lat = tac_mu + 0.7 * r_t + rng.normal(0, 0.9, n)
        e_lat = emo_mu + 0.7 * r_e + rng.normal(0, 0.9, n)
        for a in tac:
            cols[a] = np.where(
                straight, straight_value, np.clip(np.rint(t_lat + rng.normal(0, 0.7, n)), 1, 10)
            )
        for a in emo:
            cols[a] = np.where(
                straight, straight_value, np.clip(np.rint(e_lat + rng.normal(0, 0.7, n)), 1, 10)
            )
        # item non-response on attributes happens before the outcome is generated, so
        # the composites the analyst sees (means of the answered items) are the ones
        # satisfaction was generated from: the planted model is correctly specified
        attr_missing = {}
        for a in (*tac, *emo):
            attr_missing[a] = rng.random(n) < 0.03
        tactile = _answered_mean([cols[a] for a in tac], [attr_missing[a] for a in tac])
        emotive = _answered_mean([cols[a] for a in emo], [attr_missing[a] for a in emo])
        pi = cols["personal_investment"]
        b_t = m["tactile"]["const"] + m["tactile"]["investment"] * pi
        b_e = m["emotive"]["const"] + m["emotive"]["investment"] * pi
        sat = (
            m["intercept"]
            + b_t * tactile
            + b_e * emotive
            + m["investment"] * pi
            + u_sat
            + rng.normal(0, m["sd_noise"], n)
        )
        cols["satisfaction"] = np.clip(np.rint(sat), 1, 10)
        sat_obs[eid] = np.where(rated, cols["satisfaction"], np.nan)
        for a, missing in attr_missing.items():
            cols[a] = np.where(missing, rng.choice([98.0, 99.0], n), cols[a])
            attribute_columns.add(f"q{k}_{_ITEM_CODES[a]}")
        for item, values in cols.items():
            frame[f"q{k}_{_ITEM_CODES[item]}"] = np.where(rated, values, np.nan)
        truth_events[eid] = {
            "significance": sig,
            "personal_investment": inv,
            "brand_expectation": bexp,
            "baseline_expectation": cexp,
            "tactile": tac_mu,
            "emotive": emo_mu,
            "advocacy_impact": impact,
            "p_rated": p_rated,
            "action": action,
            "tactile_attributes": tac,
            "emotive_attributes": emo,
        }

    # advocacy from event experiences (deviation from each event's mean satisfaction)
    for ev in spec:
        eid, impact = ev[0], ev[11]
        s = sat_obs[eid]
        latent += impact * np.nan_to_num(s - np.nanmean(s))
    shift = np.array([_SEGMENTS[s]["advocacy_shift"] for s in seg_names])[segment]
    age_effect = np.array([_AGE_EFFECT[b] for b in _AGE_BANDS])[band]
    rec = np.clip(np.rint(7.8 + latent + shift + age_effect + rng.normal(0, 1.6, n)), 0, 10)
    frame["q_recommend"] = rec
    frame["q_retain"] = np.clip(np.rint(2.5 + 0.7 * rec + rng.normal(0, 1.2, n)), 1, 10)
    p_complain = 1 / (1 + np.exp(-(-2.2 + 0.55 * (6 - rec))))
    complained = rng.random(n) < p_complain
    warned = rng.random(n) < 0.6 * p_complain
    frame["q_complained"] = complained.astype(float)
    frame["q_warned"] = warned.astype(float)
    group = np.where(rec >= 9, "advocate", np.where(rec >= 7, "neutral", "antagonist")).astype(
        object
    )
    group[(group == "antagonist") & (complained | warned)] = "agitator"
    g_spend = np.array([_GROUP_SPEND[g] for g in group])
    g_tenure = np.array([_GROUP_TENURE[g] for g in group])
    base_spend = np.array([_SEGMENTS[s]["spend"] for s in seg_names])[segment]
    base_tenure = np.array([_SEGMENTS[s]["tenure"] for s in seg_names])[segment]
    frame["spend"] = np.round(base_spend * g_spend * rng.lognormal(-0.08, 0.4, n), 2)
    frame["tenure_years"] = np.round(base_tenure * g_tenure * rng.lognormal(-0.08, 0.4, n), 1)
    frame["referrals"] = rng.poisson([_GROUP_REFERRALS[g] for g in group]).astype(float)
    frame["service_cost"] = np.round(
        80.0 * np.array([_GROUP_SERVICE[g] for g in group]) * rng.lognormal(-0.05, 0.3, n), 2
    )
    duration = rng.normal(600, 150, n).clip(200, None)
    speeders = rng.random(n) < 0.03
    frame["duration_sec"] = np.rint(np.where(speeders, rng.uniform(60, 150, n), duration))

    # personal data (fake but realistic)
    first = rng.choice(_FIRST, n)
    last = rng.choice(_LAST, n)
    frame["name"] = [f"{a} {b}" for a, b in zip(first, last, strict=True)]
    frame["email"] = [
        f"{a.lower()}.{b.lower()}{i % 97}@example.com"
        for i, (a, b) in enumerate(zip(first, last, strict=True))
    ]
    frame["phone"] = [
        f"+1-555-{rng.integers(100, 999)}-{rng.integers(1000, 9999)}" for _ in range(n)
    ]
    templates = rng.integers(0, len(_COMMENTS), n)
    ev_names = [ev[1].lower() for ev in spec]
    ev_pick = rng.integers(0, len(spec), n)
    frame["comment"] = [
        _COMMENTS[t].format(
            event=ev_names[e],
            name=frame["name"][i],
            phone=frame["phone"][i],
            email=frame["email"][i],
        )
        for i, (t, e) in enumerate(zip(templates, ev_pick, strict=True))
    ]
    df = pd.DataFrame(frame)

    # item non-response: 3% of answered ratings become 98 (don't know) or 99 (refused)
    rating_cols = [c for c in df.columns if c.startswith("q") and c not in attribute_columns]
    for col in rating_cols:
        answered = df[col].notna().to_numpy()
        hit = answered & (rng.random(n) < 0.03)
        df.loc[hit, col] = rng.choice([98.0, 99.0], hit.sum())
    spend_missing = rng.random(n) < 0.02
    df.loc[spend_missing, "spend"] = -99.0

    ratio_high = _ratio(max(ev[6] for ev in spec))
    ratio_low = _ratio(min(ev[6] for ev in spec))
    planted = {ev[0]: ev[13] for ev in spec if ev[13] != "maintain"}
    truth = {
        "industry": industry,
        "n_respondents": n,
        "seed": int(seed),
        "n_questions": 4 * len(spec) + (7 if industry == "banking" else 9),
        "satisfaction_model": m,
        "crossover": (m["tactile"]["const"] - m["emotive"]["const"])
        / (m["emotive"]["investment"] - m["tactile"]["investment"]),
        "highest_investment_event": max(spec, key=lambda e: e[6])[0],
        "lowest_investment_event": min(spec, key=lambda e: e[6])[0],
        "ratio_at_highest_event": ratio_high,
        "ratio_at_lowest_event": ratio_low,
        "advocacy_impact": {ev[0]: ev[11] for ev in spec},
        "planted_actions": planted,
        "maintain_events": [ev[0] for ev in spec if ev[13] == "maintain"],
        "high_value_event": next(ev[0] for ev in spec if ev[13] == "fix"),
        "improvement_costs": {ev[0]: _COSTS[ev[13]] for ev in spec},
        "events": truth_events,
        "segments": {
            s: {k: v for k, v in _SEGMENTS[s].items() if k != "by_age"} for s in seg_names
        },
        "segment_of": [seg_names[i] for i in segment],
        "spend_by_group": _GROUP_SPEND,
        "tenure_by_group": _GROUP_TENURE,
        "referrals_by_group": _GROUP_REFERRALS,
        "service_cost_by_group": _GROUP_SERVICE,
        "age_effect_on_recommend": _AGE_EFFECT,
        "population_margins": _POPULATION,
        "sample_margins": {
            "country": dict(zip(_COUNTRIES, _SAMPLE["country"], strict=True)),
            "age_band": dict(zip(_AGE_BANDS, _SAMPLE["age_band"], strict=True)),
            "gender": dict(zip(_GENDERS, _SAMPLE["gender"], strict=True)),
        },
        "straight_liners": int(straight.sum()),
        "speeders": int(speeders.sum()),
        "missing_codes": [98, 99, -99],
    }
    codebook = _codebook_dict(industry)
    if comments:
        from cxlab.synth.comments import add_comments

        comment_rng = np.random.default_rng([int(seed), INDUSTRIES.index(industry), 19])
        df, codebook["comments"], truth["planted_topics"] = add_comments(
            df,
            [ev[0] for ev in spec],
            sat_obs,
            np.array(_COUNTRIES)[country],
            comment_rng,
        )
    return df, codebook, truth


def _answered_mean(values: list[np.ndarray], missing: list[np.ndarray]) -> np.ndarray:
    """Row mean of the answered items (of all items where none was answered)."""
    block, gone = np.column_stack(values), np.column_stack(missing)
    n_answered = (~gone).sum(axis=1)
    answered_mean = np.where(gone, 0.0, block).sum(axis=1) / np.maximum(n_answered, 1)
    return np.where(n_answered > 0, answered_mean, block.mean(axis=1))


def _ratio(pi: float) -> float:
    m = _SAT_MODEL
    return (m["emotive"]["const"] + m["emotive"]["investment"] * pi) / (
        m["tactile"]["const"] + m["tactile"]["investment"] * pi
    )


def make_study(
    industry: str = "banking", n_respondents: int = 631, seed: int = 0, comments: bool = False
) -> tuple[Survey, dict]:
    """A synthetic study with known truth.

    Parameters
    ----------
    industry : {"banking", "automotive"}
        Banking (7 events, 35 questions) or automotive (8 events, 41 questions).
    n_respondents : int
        Any size: 631 like the source study, or 100,000 for benchmarks.
    seed : int
        Same seed, same study.
    comments : bool
        With a redacted "why?" comment per rated event (``Survey.comments``) and
        ``truth["planted_topics"]`` (see :func:`make_frame`).

    Returns
    -------
    survey : Survey
        Validated exactly as a client file would be (missing codes removed).
    truth : dict
        The planted parameters: ``planted_actions``, ``satisfaction_model``,
        ``crossover``, ``ratio_at_highest_event``, ``advocacy_impact``,
        ``population_margins``, ``segment_of``... (see ``docs/data-model.md``).

    Examples
    --------
    >>> survey, truth = make_study("banking", n_respondents=631, seed=0)
    >>> truth["planted_actions"]["resolve_issue"]
    'fix'
    """
    import warnings

    from cxlab.errors import DataQualityWarning

    frame, codebook, truth = make_frame(industry, n_respondents, seed, comments=comments)
    with warnings.catch_warnings():
        # planted straight-liners and speeders are part of the design
        warnings.simplefilter("ignore", DataQualityWarning)
        survey = survey_from_frame(
            frame,
            Codebook.from_dict(codebook, source=f"synth:{industry}"),
            file=f"synth:{industry}:{n_respondents}:{seed}",
            source={
                "path": f"synth:{industry}:{n_respondents}:{seed}",
                "sha256": None,
                "format": "synthetic",
            },
        )
    return survey, truth


def write_study(
    industry: str = "banking",
    n_respondents: int = 631,
    seed: int = 0,
    folder: str | Path = ".",
    formats: tuple[str, ...] = ("csv", "sav"),
    stem: str | None = None,
    comments: bool = False,
) -> dict[str, Path]:
    """Write a synthetic study's data files, codebook YAML, truth JSON and cost table.

    Returns a dict of the written paths (``csv``, ``sav``, ``xlsx``, ``codebook``,
    ``truth``, ``costs``).

    Parameters
    ----------
    industry : str, optional
        The industry.
    n_respondents : int
        Number of respondents.
    seed : int or None
        Random seed (determinism).
    folder : str or path-like
        The folder.
    formats : sequence of str
        Output formats.
    stem : str
        File name without suffix.
    comments : bool
        Write the "why?" comment columns with the personal-data columns, as a client's
        export would (see :func:`make_frame`).
    """
    from cxlab.io import write_data

    frame, codebook, truth = make_frame(industry, n_respondents, seed, comments=comments)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or industry
    paths = {}
    cb = Codebook.from_dict(codebook)
    for fmt in formats:
        paths[fmt] = write_data(frame, folder / f"{stem}.{fmt}", codebook=cb)
    paths["codebook"] = cb.save(folder / f"{stem}_codebook.yaml")
    paths["truth"] = folder / f"{stem}_truth.json"
    paths["truth"].write_text(json.dumps(truth, indent=1, default=json_default), encoding="utf-8")
    costs = pd.DataFrame(
        {
            "event_id": list(truth["improvement_costs"]),
            "cost": list(truth["improvement_costs"].values()),
        }
    )
    paths["costs"] = folder / f"{stem}_improvement_costs.csv"
    costs.to_csv(paths["costs"], index=False)
    return paths


def json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value))
