"""Comments: redaction, language, sentiment and topics against planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cxlab.codebook import Codebook
from cxlab.errors import CodebookError, ModelError
from cxlab.synth import make_study
from cxlab.text import NOT_SCORED, detect_language, redact, sentiment, topics

#: planted topics must be recovered at least this well (adjusted Rand index of the
#: dominant NMF topic against the planted topic, English comments, n_topics chosen)
MIN_ARI = 0.6
#: VADER's polarity must match the planted polarity on at least this share
MIN_POLARITY_AGREEMENT = 0.9


@pytest.fixture(scope="module")
def commented():
    """Banking studies with comments, seeds 0-2 (each ~1,900 comments)."""
    return {seed: make_study("banking", 631, seed, comments=True) for seed in (0, 1, 2)}


def test_redact_removes_each_kind_of_personal_data():
    people = pd.DataFrame(
        {"name": ["Amélie Lefèvre", "Ben Smith"], "email": ["a@x.org", "b@y.org"]}
    )
    raw = [
        "Call Amélie Lefèvre on +44 20 7946 0958 or (555) 123-4567",
        "lefèvre said to mail ben.smith@example.com, see https://bank.example/x?id=9",
        "Card 4111-1111-1111-1111, account 12345678, IBAN GB82 WEST 1234 5698 7654 32",
        "I live at SW1A 1AA, ZIP 90210-1234, Montréal H2X 1Y4. My name is Zed Quark.",
        "Nothing personal here, the wait took 45 minutes.",
    ]
    out = redact(raw, people).tolist()
    assert out[0] == "Call [name] on [phone] or [phone]"
    assert out[1] == "[name] said to mail [email], see [url]"
    assert out[2] == "Card [card], account [account], IBAN [account]"
    assert out[3] == "I live at [postcode], ZIP [postcode], Montréal [postcode]. My name is [name]."
    assert out[4] == raw[4]


def test_free_text_personal_columns_are_not_used_as_a_word_list():
    people = pd.DataFrame({"comment": ["the branch staff were very slow today"] * 5})
    assert redact(["the staff were slow"], people).tolist() == ["the staff were slow"]


def test_comments_are_redacted_at_load_and_raw_text_is_gone(commented):
    survey, truth = commented[0]
    c = survey.comments
    assert len(c) == len(truth["planted_topics"]["comments"]["topic"])
    text = "\n".join(c["text"])
    for column in ("name", "email", "phone"):
        values = survey.personal[column].astype(str)
        assert not any(v in text for v in values), column
    assert "[name]" in text and "[email]" in text and "[phone]" in text
    assert not any("_why" in col for col in survey.personal.columns)


def test_comments_stream_leaves_every_other_number_unchanged(banking):
    plain, _ = banking
    with_comments, _ = make_study("banking", 631, 0, comments=True)
    pd.testing.assert_frame_equal(plain.respondents, with_comments.respondents)
    pd.testing.assert_frame_equal(plain.event_table(), with_comments.event_table())
    assert len(plain.comments) == 0


def test_codebook_comment_items_are_checked():
    base = {
        "events": [{"id": "e1", "name": "E", "stage": "Aware", "items": {"satisfaction": "q1"}}]
    }
    ok = Codebook.from_dict(
        {**base, "comments": {"why": {"column": "q1_why", "event": "e1", "language": "en"}}}
    )
    assert ok.comments[0].event == "e1" and "q1_why" in ok.columns()
    with pytest.raises(CodebookError) as err:
        Codebook.from_dict(
            {
                **base,
                "personal_data": ["free"],
                "comments": {
                    "a": {"column": "q1", "event": "nope", "language": "xx"},
                    "b": {"column": "free"},
                },
            }
        )
    msg = str(err.value)
    for part in (
        "'nope' is not an event",
        "language 'xx'",
        "also mapped as an item",
        "personal_data",
    ):
        assert part in msg


def test_detect_language():
    assert detect_language("The staff were rude and the wait was long") == "en"
    assert detect_language("Der Berater war sehr freundlich und es ging schnell") == "de"
    assert detect_language("Je ne suis pas content, le service est lent") == "fr"
    assert detect_language("ok") == "unknown"


def test_sentiment_agrees_with_planted_polarity_and_skips_other_languages(commented):
    for seed, (survey, truth) in commented.items():
        c = survey.comments
        planted = truth["planted_topics"]["comments"]
        s = sentiment(c["text"], c["language"].tolist())
        scored = s["status"].eq("scored").to_numpy()
        english = np.array(planted["language"]) == "en"
        assert scored.sum() >= 0.9 * english.sum()
        agree = (s["polarity"].to_numpy()[scored] == np.array(planted["polarity"])[scored]).mean()
        assert agree >= MIN_POLARITY_AGREEMENT, (seed, agree)
        foreign = ~english
        assert s.loc[foreign, "status"].eq(NOT_SCORED).all()
        assert s.loc[foreign, "compound"].isna().all()


def test_planted_topics_are_recovered_over_seeds(commented):
    for seed, (survey, truth) in commented.items():
        c = survey.comments
        planted = truth["planted_topics"]["comments"]
        model = topics(c["text"], seed=seed, language=c["language"].tolist())
        english = np.array(planted["language"]) == "en"
        a = model.assignments
        keep = english & a["modelled"].to_numpy() & (a["topic"].to_numpy() >= 0)
        assert keep.sum() >= 0.95 * english.sum()
        ari = adjusted_rand_score(np.array(planted["topic"])[keep], a["topic"].to_numpy()[keep])
        assert ari >= MIN_ARI, (seed, ari, model.criterion)
        assert len(model.selection) == 7 and "silhouette" in model.criterion
        # every planted topic's key words label some topic
        terms = " ".join(model.table["terms"])
        for words in truth["planted_topics"]["topics"].values():
            assert any(w in terms for w in words), words


def test_topics_are_deterministic_and_quotes_are_redacted(commented):
    survey, _ = commented[0]
    c = survey.comments
    a = topics(c["text"], n_topics=5, seed=4, language=c["language"].tolist())
    b = topics(c["text"], n_topics=5, seed=4, language=c["language"].tolist())
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.assignments, b.assignments)
    assert a.criterion == "5 topics (given)" and a.quotes.groupby("topic").size().max() <= 3
    assert set(a.quotes["text"]) <= set(c["text"])
    with pytest.raises(ModelError):
        topics(["too few"] * 5)
