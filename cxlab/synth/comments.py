"""Synthetic open-ended comments with planted topics, polarity and personal data.

Each rated event gets a "why?" comment from 60% of its raters. The comment is about
one of the event's two planted topics (70% / 30%), positive with probability
``1 / (1 + exp(-(satisfaction - 6)))``, written from templates, and one in four
mentions the respondent's own fake name, e-mail or phone (as real comments do). About
one in five comments of respondents in France and Germany is in French or German.
Everything is drawn from a random stream of its own, so a study with comments has
exactly the numbers of the same study without them.

``truth["planted_topics"]``: ``topics`` (topic -> planted key words), ``events``
(event -> {topic: probability}) and ``comments`` (``respondent_id, event_id,
topic, polarity, language``, one entry per comment).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TOPICS", "add_comments"]

#: planted topics: key words, subjects, then positive and negative predicates
TOPICS = {
    "waiting": (
        ["wait", "queue", "hold"],
        ["the wait", "the queue", "the time on hold", "waiting in the queue"],
        ["felt short", "was quick", "moved fast"],
        ["was endless", "took ages", "was far too long"],
    ),
    "staff": (
        ["staff", "advisor", "friendly"],
        ["the staff", "my advisor", "the advisor at the desk", "the staff member"],
        ["was friendly and helpful", "was kind and patient", "was polite"],
        ["was rude", "was dismissive and unhelpful", "was impolite"],
    ),
    "fees": (
        ["fees", "charges", "interest"],
        ["the fees", "the charges", "the interest rate", "the monthly fees and charges"],
        ["seemed fair", "seemed low", "seemed reasonable"],
        ["seemed outrageous", "seemed a rip off", "seemed unfair"],
    ),
    "digital": (
        ["app", "website", "login"],
        ["the app", "the website", "the online login", "the app and website"],
        ["was easy to use", "worked smoothly", "was simple"],
        ["kept crashing", "was buggy", "failed to load"],
    ),
    "paperwork": (
        ["paperwork", "forms", "documents"],
        ["the paperwork", "the forms", "the documents", "the paperwork and forms"],
        ["was clear", "was simple", "was painless"],
        ["was confusing", "was endless", "was a mess"],
    ),
}
_OPENERS = (
    ["Great experience:", "Really happy,", "Excellent,", "Good job,"],
    ["Terrible experience:", "Very disappointed,", "Awful,", "Not happy,"],
)
_ENDINGS = (["Thank you!", "", ""], ["Please fix this.", "", ""])
_FOREIGN = {
    "fr": [
        "Le conseiller était très aimable et le service est rapide.",
        "Je ne suis pas content, le service est lent et les frais sont élevés.",
    ],
    "de": [
        "Der Berater war sehr freundlich und es ging schnell.",
        "Ich bin nicht zufrieden, es war sehr langsam und die Gebühren sind hoch.",
    ],
}
_CONTACT = [
    " My name is {name}, please follow up.",
    " Call me back on {phone}.",
    " Email me at {email} about it.",
    " {name} here, hoping someone reads this.",
]
#: two planted topics per event position (first more likely), cycling over the topics
_ORDER = list(TOPICS)


def _event_topics(index: int) -> dict[str, float]:
    first = _ORDER[index % len(_ORDER)]
    second = _ORDER[(index + 2) % len(_ORDER)]
    return {first: 0.7, second: 0.3}


def add_comments(
    df: pd.DataFrame,
    event_ids: list[str],
    satisfaction: dict[str, np.ndarray],
    countries: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict, dict]:
    """Add a ``q{k}_why`` comment column per event to a synthetic frame.

    Parameters
    ----------
    df : pandas.DataFrame
        The synthetic frame with ``resp_id, name, email, phone`` (not modified).
    event_ids : list of str
        The events in codebook order (column ``q{k}_why`` for the k-th).
    satisfaction : dict
        Event id -> satisfaction per respondent (NaN: not rated).
    countries : numpy.ndarray
        Country label per respondent (French and German comments in France, Germany).
    rng : numpy.random.Generator
        The comments' own random stream.

    Returns
    -------
    frame, codebook comments section, planted truth
    """
    n = len(df)
    out = df.copy()
    planted = {"respondent_id": [], "event_id": [], "topic": [], "polarity": [], "language": []}
    spec = {}
    for k, eid in enumerate(event_ids, start=1):
        probs = _event_topics(k - 1)
        names, p = list(probs), np.array(list(probs.values()))
        sat = satisfaction[eid]
        rated = ~np.isnan(sat)
        writes = rated & (rng.random(n) < 0.6)
        topic = rng.choice(len(names), size=n, p=p)
        p_pos = 1 / (1 + np.exp(-(np.nan_to_num(sat, nan=6.0) - 6.0)))
        positive = rng.random(n) < p_pos
        pick = rng.integers(0, 12, (n, 4))  # opener, subject, predicate, ending
        contact = np.where(rng.random(n) < 0.25, rng.integers(0, len(_CONTACT), n), -1)
        foreign = rng.random(n) < 0.2
        texts = []
        for i in range(n):
            if not writes[i]:
                texts.append("")
                continue
            lang = {"France": "fr", "Germany": "de"}.get(str(countries[i]), "en")
            lang = lang if foreign[i] else "en"
            if lang == "en":
                pol = 0 if positive[i] else 1
                _, subjects, *predicates = TOPICS[names[topic[i]]]
                opener, ending = _OPENERS[pol], _ENDINGS[pol]
                text = (
                    f"{opener[pick[i, 0] % len(opener)]} {subjects[pick[i, 1] % len(subjects)]} "
                    f"{predicates[pol][pick[i, 2] % 3]}. {ending[pick[i, 3] % len(ending)]}"
                ).strip()
            else:
                text = _FOREIGN[lang][0 if positive[i] else 1]
            if contact[i] >= 0:
                row = df.iloc[i]
                text += _CONTACT[contact[i]].format(
                    name=row["name"], phone=row["phone"], email=row["email"]
                )
            texts.append(text)
            planted["respondent_id"].append(str(df["resp_id"].iloc[i]))
            planted["event_id"].append(eid)
            planted["topic"].append(names[topic[i]] if lang == "en" else None)
            planted["polarity"].append("positive" if positive[i] else "negative")
            planted["language"].append(lang)
        out[f"q{k}_why"] = texts
        spec[f"why_{eid}"] = {"column": f"q{k}_why", "event": eid, "language": "auto"}
    truth = {
        "topics": {t: v[0] for t, v in TOPICS.items()},
        "events": {eid: _event_topics(k) for k, eid in enumerate(event_ids)},
        "comments": planted,
    }
    return out, spec, truth
