"""Open-ended comments: redaction, language, lexicon sentiment and topics.

Comments are personal data. :func:`redact` replaces e-mail addresses, phone numbers,
card and account numbers, postcodes / ZIP codes, URLs and every value of the survey's
personal-data columns (names) with a tag (``[email]``, ``[phone]``, ``[card]``,
``[account]``, ``[postcode]``, ``[url]``, ``[name]``). :func:`cxlab.load_survey` applies
it while reading, so only redacted text exists after loading (``Survey.comments``).

* :func:`detect_language`: a stop-word vote among the languages a codebook may declare
  (``COMMENT_LANGUAGES``), "unknown" when no language wins.
* :func:`sentiment`: VADER (``vaderSentiment``, which ships its lexicon) for English;
  any other language is reported "not scored (language)", never scored with the
  English lexicon.
* :func:`topics`: TF-IDF (English stop words and the words of the sentiment lexicon,
  which say how a customer felt rather than what about) and NMF or LDA from
  scikit-learn; the number of topics, when not given, is the one whose assignment of
  comments to their dominant topic has the highest mean silhouette (cosine distance
  of the TF-IDF vectors; Rousseeuw 1987). Nothing is downloaded.

Examples
--------
>>> redact(["Call me on +1-555-123-4567 or mail anna.smith@example.com"]).tolist()
['Call me on [phone] or mail [email]']
>>> detect_language("Le conseiller était très aimable et la banque est proche")
'fr'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._style import OKABE_ITO, new_ax
from cxlab.codebook import COMMENT_LANGUAGES
from cxlab.display import Card
from cxlab.errors import ModelError, ParameterError

__all__ = [
    "TAGS",
    "Redactor",
    "redact",
    "detect_language",
    "sentiment",
    "topics",
    "TopicModel",
    "NOT_SCORED",
]

#: the tags redaction leaves in place of what it removes
TAGS = ("[email]", "[phone]", "[card]", "[account]", "[postcode]", "[url]", "[name]")
#: the sentiment status of a comment in a language without a lexicon
NOT_SCORED = "not scored (language)"

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
# a run of digits with optional separators (+, spaces, dots, dashes, brackets)
_DIGITS = re.compile(r"(?<![\w@])\+?\(?\d[\d ().-]{4,}\d(?!\w)")
_ZIP4 = re.compile(r"(?<![\d-])\d{5}-\d{4}(?![\d-])")  # US ZIP+4 (before phone numbers)
_POSTCODES = (
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"),  # UK
    re.compile(r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b"),  # Canada
    re.compile(r"\b\d{5}(?:-\d{4})?\b"),  # US ZIP, French and German postcodes
)
# "my name is Anna Smith": a name the personal-data columns do not hold
_SELF_NAME = re.compile(
    r"(?i:\bmy name is|\bname's|\bcall me|\bje m'appelle|\bich heiße|\bich heisse)"
    r"\s+[A-ZÀ-Ý][\w'-]+(?:\s+[A-ZÀ-Ý][\w'-]+)?"
)
_TAG_FOR_COLUMN = (
    (re.compile(r"mail", re.I), "[email]"),
    (re.compile(r"phone|tel|mobile|cell", re.I), "[phone]"),
)


def _digits_tag(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    separated = bool(re.search(r"[ ().+-]", text))
    if 13 <= len(digits) <= 19 and re.fullmatch(r"[\d -]+", text):
        return "[card]"
    if separated and 7 <= len(digits) <= 15:
        return "[phone]"
    if len(digits) >= 6:
        return "[account]"
    return text


def _identifier_like(values: pd.Series) -> bool:
    """A column of names, e-mails or phones (short values), not free text."""
    words = values.str.split().str.len()
    return bool(len(values)) and float((words <= 4).mean()) >= 0.9


@dataclass(frozen=True)
class Redactor:
    """A redaction rule set built once for a survey (see :func:`redact`).

    Parameters
    ----------
    personal : DataFrame, optional
        The survey's personal-data columns. Every value of a column of short values
        (names, e-mails, phones: 90% of values at most four words) is removed; the
        words (three letters or more) of name columns are removed on their own too.
        Free-text personal-data columns are not used as a list of values.
    """

    personal: pd.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self):
        values: dict[str, str] = {}
        words: set[str] = set()
        frame = self.personal if self.personal is not None else pd.DataFrame()
        for column in frame.columns:
            col = frame[column].dropna().astype(str).str.strip()
            col = col[col.str.len() >= 3]
            if not _identifier_like(col):
                continue
            tag = next((t for rx, t in _TAG_FOR_COLUMN if rx.search(str(column))), "[name]")
            for v in col.unique():
                values.setdefault(v.lower(), tag)
            if tag == "[name]":
                words.update(w.lower() for v in col for w in re.findall(r"[^\W\d_]{3,}", v))
        object.__setattr__(self, "_values", values)
        pattern = None
        if values or words:
            alts = sorted(set(values) | words, key=len, reverse=True)
            pattern = re.compile(
                r"(?<!\w)(?:" + "|".join(map(re.escape, alts)) + r")(?!\w)", re.IGNORECASE
            )
        object.__setattr__(self, "_pattern", pattern)

    def __call__(self, text) -> str:
        """The redacted text ("" for a missing value)."""
        if text is None or (isinstance(text, float) and np.isnan(text)):
            return ""
        s = str(text)
        s = _URL.sub("[url]", s)
        s = _EMAIL.sub("[email]", s)
        if self._pattern is not None:
            s = self._pattern.sub(lambda m: self._values.get(m.group(0).lower(), "[name]"), s)
        s = _SELF_NAME.sub(lambda m: re.split(r"\s+(?=[A-ZÀ-Ý])", m.group(0))[0] + " [name]", s)
        s = _IBAN.sub("[account]", s)
        s = _ZIP4.sub("[postcode]", s)
        s = _DIGITS.sub(_digits_tag, s)
        for rx in _POSTCODES:
            s = rx.sub("[postcode]", s)
        return s


def redact(texts: Sequence | pd.Series, personal: pd.DataFrame | None = None) -> pd.Series:
    """Texts with personal data replaced by tags.

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        The comments (missing values become "").
    personal : pandas.DataFrame, optional
        The survey's personal-data columns (``Survey.personal`` or the raw columns):
        their values (names, e-mails, phones) are removed wherever they appear.

    Returns
    -------
    pandas.Series
        The redacted texts (index kept for a Series).

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"name": ["Anna Smith"]})
    >>> redact(["Anna Smith here, card 4111 1111 1111 1111, ZIP 90210"], people).tolist()
    ['[name] here, card [card], ZIP [postcode]']
    """
    rule = Redactor(personal)
    index = texts.index if isinstance(texts, pd.Series) else None
    return pd.Series([rule(t) for t in texts], index=index, dtype=object)


# ----------------------------------------------------------------- language
_STOP = {
    "en": "the and to was is it of for my i you with that this not very they but were be at me "
    "a an no too are so have had on in all what",
    "fr": "le la les et est de des un une pas très je il elle pour avec que qui mon ma nous été",
    "de": "der die das und ist nicht ich sehr ein eine mit zu für war es mein wir sie auf den",
    "es": "el la los las y es de que no muy un una con para por mi fue se lo del",
    "it": "il lo la gli le e è di che non molto un una con per mio mia sono stato del",
    "nl": "de het een en is niet ik zeer met voor van dat was mijn wij zij op te",
    "pt": "o a os as e é de que não muito um uma com para por meu minha foi do da",
}
_STOP_SETS = {k: set(v.split()) for k, v in _STOP.items() if k in COMMENT_LANGUAGES}


def detect_language(text: str) -> str:
    """The language of a comment by a stop-word vote ("unknown" without a winner).

    Parameters
    ----------
    text : str
        One comment.

    Examples
    --------
    >>> detect_language("The staff were friendly"), detect_language("ok")
    ('en', 'unknown')
    """
    words = re.findall(r"[^\W\d_]+", str(text).lower())
    votes = {k: sum(w in s for w in words) for k, s in _STOP_SETS.items()}
    best = max(votes.values(), default=0)
    winners = [k for k, v in votes.items() if v == best]
    return winners[0] if best > 0 and len(winners) == 1 else "unknown"


# ----------------------------------------------------------------- sentiment
def sentiment(texts: Sequence | pd.Series, language: str | Sequence = "en") -> pd.DataFrame:
    """Lexicon sentiment of each comment: VADER for English, others not scored.

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        Redacted comments.
    language : str or sequence of str
        One language for all, or one per comment (``"auto"``: detected).

    Returns
    -------
    pandas.DataFrame
        ``language, compound`` (-1 to 1; NaN when not scored), ``polarity``
        (``negative`` below -0.05, ``positive`` above 0.05, else ``neutral``; NaN when
        not scored) and ``status`` (``scored``, ``"not scored (language)"`` or
        ``empty``), one row per comment.

    Examples
    --------
    >>> sentiment(["Great service, thank you", "Service lent", ""], ["en", "fr", "en"])["status"].tolist()
    ['scored', 'not scored (language)', 'empty']
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = list(texts)
    langs = [language] * len(texts) if isinstance(language, str) else list(language)
    if len(langs) != len(texts):
        raise ParameterError(
            f"language has {len(langs)} values for {len(texts)} comments", location="language"
        )
    langs = [
        detect_language(t) if lang == "auto" else lang for t, lang in zip(texts, langs, strict=True)
    ]
    analyzer = SentimentIntensityAnalyzer()
    rows = []
    for t, lang in zip(texts, langs, strict=True):
        plain = re.sub(r"\[\w+\]", " ", str(t or "")).strip()
        if not plain:
            rows.append((lang, np.nan, np.nan, "empty"))
        elif lang != "en":
            rows.append((lang, np.nan, np.nan, NOT_SCORED))
        else:
            c = float(analyzer.polarity_scores(plain)["compound"])
            pol = "positive" if c > 0.05 else "negative" if c < -0.05 else "neutral"
            rows.append((lang, c, pol, "scored"))
    return pd.DataFrame(rows, columns=["language", "compound", "polarity", "status"])


# -------------------------------------------------------------------- topics
@dataclass(frozen=True, repr=False)
class TopicModel(Card):
    """Topics of a set of comments (:func:`topics`).

    Attributes
    ----------
    table : DataFrame
        One row per topic: ``topic, label, terms, n, share`` (share of the modelled
        comments whose dominant topic it is).
    assignments : DataFrame
        One row per input comment: ``topic`` (dominant topic; -1 when the comment has
        no modelled word or is not modelled), ``weight`` (its share of the comment's
        topic weight), ``modelled``.
    quotes : DataFrame
        ``topic, rank, text``: the most representative redacted comments per topic.
    selection : DataFrame
        ``n_topics, silhouette`` of every number of topics tried (empty when given).
    criterion : str
        How the number of topics was chosen, in words.
    method, seed
    """

    table: pd.DataFrame
    assignments: pd.DataFrame
    quotes: pd.DataFrame
    selection: pd.DataFrame
    criterion: str
    method: str
    seed: int

    @property
    def n_topics(self) -> int:
        return len(self.table)

    def summary(self) -> pd.DataFrame:
        """The topic table with up to two quotes per topic."""
        q = self.quotes[self.quotes["rank"] <= 2].groupby("topic")["text"].agg(" | ".join)
        return self.table.assign(quotes=self.table["topic"].map(q).fillna(""))

    def plot(self, ax=None):
        """Share of comments per topic (horizontal bars).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """
        t = self.table.iloc[::-1]
        ax = new_ax(ax, (8, 0.45 * len(t) + 1.5))
        ax.barh(t["label"], 100 * t["share"], color=OKABE_ITO["blue"], edgecolor="black", lw=0.5)
        ax.set_xlabel("Share of comments (%)")
        ax.set_title(f"Topics of {int(self.table['n'].sum()):,} comments ({self.method.upper()})")
        ax.grid(axis="x", alpha=0.3)
        return ax


def _strip_tags(texts) -> list[str]:
    return [re.sub(r"\[\w+\]", " ", str(t or "")) for t in texts]


def _sentiment_words() -> frozenset:
    """Words of VADER's lexicon: left out of topics (they say how, not what)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return frozenset(w for w in SentimentIntensityAnalyzer().lexicon if w.isalpha())


def _vectorizer(n_docs: int):
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    return TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | _sentiment_words()),
        token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
        min_df=max(2, int(0.002 * n_docs)),
        max_df=0.5,
        sublinear_tf=True,
    )


def _fit(x, k: int, method: str, seed: int):
    if method == "nmf":
        from sklearn.decomposition import NMF

        model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=200, tol=1e-3)
    else:
        from sklearn.decomposition import LatentDirichletAllocation

        model = LatentDirichletAllocation(
            n_components=k, random_state=seed, learning_method="batch"
        )
    w = model.fit_transform(x)
    return w, model.components_


def _top_terms(components, vocab, n: int) -> list[list[str]]:
    """Each topic's terms by weight x exclusivity (the topic's share of the term's
    weight over all topics), so words spread over every topic do not label one."""
    total = components.sum(axis=0)
    exclusive = np.divide(components, total, out=np.zeros_like(components), where=total > 0)
    score = components * exclusive
    return [[vocab[j] for j in np.argsort(-row, kind="stable")[:n]] for row in score]


def topics(
    texts: Sequence | pd.Series,
    n_topics: int | None = None,
    *,
    seed: int = 0,
    method: str = "nmf",
    language: str | Sequence = "en",
    k_range: tuple[int, int] = (2, 8),
    n_terms: int = 8,
    n_quotes: int = 3,
) -> TopicModel:
    """Topics of redacted comments: TF-IDF and NMF (or LDA), deterministic per seed.

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        Redacted comments (tags are ignored).
    n_topics : int, optional
        The number of topics; None chooses it in ``k_range`` by the highest mean
        silhouette of the dominant-topic assignment (see the module docstring).
    seed : int
        Seed of the model (NMF is initialised by NNDSVDa, LDA by the seed).
    method : {"nmf", "lda"}
        The factorisation.
    language : str or sequence of str
        Only English comments are modelled (scikit-learn's English stop words); the
        others are reported as not modelled (``assignments.modelled`` False).
    k_range : tuple of int
        Smallest and largest number of topics tried.
    n_terms : int
        Top terms per topic, ranked by weight x exclusivity (label: the first three).
    n_quotes : int
        Representative comments per topic (highest share of the topic in the comment).

    Returns
    -------
    TopicModel

    Raises
    ------
    ModelError
        Fewer than 20 English comments or too few distinct words.

    Examples
    --------
    >>> docs = ["long wait in the queue"] * 15 + ["rude unhelpful staff member"] * 15
    >>> model = topics(docs, n_topics=2, seed=0)
    >>> sorted(model.table["n"].tolist())
    [15, 15]
    """
    if method not in ("nmf", "lda"):
        raise ParameterError(f"method must be 'nmf' or 'lda', got {method!r}", location="method")
    index = texts.index if isinstance(texts, pd.Series) else None
    texts = [str(t or "") for t in texts]
    langs = [language] * len(texts) if isinstance(language, str) else list(language)
    langs = [
        detect_language(t) if lang == "auto" else lang for t, lang in zip(texts, langs, strict=True)
    ]
    modelled = np.array(
        [lang == "en" and bool(t.strip()) for t, lang in zip(texts, langs, strict=True)]
    )
    docs = [t for t, m in zip(_strip_tags(texts), modelled, strict=True) if m]
    if len(docs) < 20:
        raise ModelError(f"{len(docs)} English comments, fewer than the 20 a topic model needs")
    vec = _vectorizer(len(docs))
    try:
        x = vec.fit_transform(docs)
    except ValueError as err:
        raise ModelError(f"too few distinct words to model topics ({err})") from None
    vocab = vec.get_feature_names_out()
    selection = pd.DataFrame(columns=["n_topics", "silhouette"])
    if n_topics is None:
        from sklearn.metrics import silhouette_score

        lo, hi = int(k_range[0]), min(int(k_range[1]), x.shape[1] - 1, len(docs) // 5)
        if hi < lo:
            raise ModelError("too few comments or words to choose a number of topics")
        rows = []
        for k in range(lo, hi + 1):
            labels = _fit(x, k, method, seed)[0].argmax(axis=1)
            ok = len(set(labels)) > 1
            rows.append((k, float(silhouette_score(x, labels, metric="cosine")) if ok else -1.0))
        selection = pd.DataFrame(rows, columns=["n_topics", "silhouette"])
        best = selection.loc[selection["silhouette"].idxmax()]
        n_topics = int(best["n_topics"])
        criterion = (
            f"{n_topics} topics: the number between {lo} and {hi} whose assignment of each "
            f"comment to its main topic has the highest mean silhouette "
            f"({best['silhouette']:.2f}, cosine distance of the TF-IDF vectors)"
        )
    else:
        n_topics = int(n_topics)
        if n_topics < 1:
            raise ParameterError("n_topics must be at least 1", location="n_topics")
        criterion = f"{n_topics} topics (given)"
    w, comp = _fit(x, n_topics, method, seed)
    terms = _top_terms(comp, vocab, n_terms)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total[:, None] > 0, w / total[:, None], 0.0)
    dominant = np.where(total > 0, share.argmax(axis=1), -1)
    weight = np.where(total > 0, share.max(axis=1), np.nan)
    topic_all = np.full(len(texts), -1)
    weight_all = np.full(len(texts), np.nan)
    topic_all[modelled] = dominant
    weight_all[modelled] = weight
    n_by = np.bincount(dominant[dominant >= 0], minlength=n_topics)
    table = pd.DataFrame(
        {
            "topic": np.arange(n_topics),
            "label": [" / ".join(t[:3]) for t in terms],
            "terms": [", ".join(t) for t in terms],
            "n": n_by,
            "share": n_by / max(int((dominant >= 0).sum()), 1),
        }
    )
    modelled_texts = [t for t, m in zip(texts, modelled, strict=True) if m]
    quotes = []
    for k in range(n_topics):
        order = np.lexsort((-w[:, k], -share[:, k]))
        seen: list[str] = []
        for i in order:
            if dominant[i] != k or modelled_texts[i] in seen:
                continue
            seen.append(modelled_texts[i])
            if len(seen) == n_quotes:
                break
        quotes.extend((k, r + 1, t) for r, t in enumerate(seen))
    order = table.sort_values(["n", "topic"], ascending=[False, True])["topic"].to_numpy()
    remap = {int(old): new for new, old in enumerate(order)}
    table = table.set_index("topic").loc[order].reset_index()
    table["topic"] = np.arange(n_topics)
    assignments = pd.DataFrame(
        {
            "topic": [remap.get(int(t), -1) for t in topic_all],
            "weight": weight_all,
            "modelled": modelled,
        },
        index=index,
    )
    quotes = pd.DataFrame(quotes, columns=["topic", "rank", "text"])
    quotes["topic"] = quotes["topic"].map(remap)
    quotes = quotes.sort_values(["topic", "rank"]).reset_index(drop=True)
    return TopicModel(table, assignments, quotes, selection, criterion, method, int(seed))
