"""Voice of the customer: the survey's (redacted) comments as evidence and as drivers.

:func:`analyse_comments` models the topics of a survey's comments
(:func:`cxlab.text.topics`), scores their sentiment (:func:`cxlab.text.sentiment`)
and joins both to the events and to advocacy:

* ``by_event``: the weighted share of each event's comments about each topic, with
  its interval (respondents are clusters), and the mean sentiment: a Customer Event
  Map lens (which topics customers raise at which event);
* ``advocacy``: the weighted share of advocates' and of antagonists' (agitators
  included) comments about each topic, and their difference with a Welch interval and
  Holm-adjusted p-value over the topics (:func:`cxlab.comparisons.compare`);
* ``quotes``: two or three representative redacted comments per event and top
  topic, only from event x topic cells with at least ``min_base`` respondents.

Examples
--------
>>> from cxlab.synth import make_study
>>> survey, truth = make_study("banking", n_respondents=300, seed=0, comments=True)
>>> v = analyse_comments(survey, min_base=20, n_topics=5)
>>> v.model.n_topics, "[email]" in " ".join(v.comments["text"]) or "@" not in " ".join(v.comments["text"])
(5, True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab._style import ADVOCACY_COLORS, new_ax
from cxlab.comparisons import compare
from cxlab.display import Card
from cxlab.errors import ModelError
from cxlab.estimates import weighted_mean, weighted_proportion
from cxlab.text import TopicModel, sentiment, topics

__all__ = ["Verbatims", "analyse_comments"]


@dataclass(frozen=True, repr=False)
class Verbatims(Card):
    """Topics, sentiment, event shares, advocacy contrasts and quotes of the comments.

    Attributes
    ----------
    model : TopicModel
    comments : DataFrame
        One row per comment: ``respondent_id, event_id, language, text, topic, label,
        compound, polarity, status``.
    by_event : DataFrame
        ``event_id, topic, label, share, ci_low, ci_high, n, suppressed, sentiment``.
    advocacy : DataFrame or None
        ``topic, label, advocate, antagonist, difference, ci_low, ci_high, p_value,
        p_adjusted, n_advocate, n_antagonist, suppressed`` (None without groups).
    quotes : DataFrame
        ``event_id, topic, label, rank, text``.
    table : DataFrame
        The topic table of ``model`` with the mean sentiment of each topic.
    language : DataFrame
        ``language, n, sentiment, topics``: how many comments per language and
        whether they were scored and modelled.
    """

    model: TopicModel
    comments: pd.DataFrame
    by_event: pd.DataFrame
    advocacy: pd.DataFrame | None
    quotes: pd.DataFrame
    table: pd.DataFrame
    language: pd.DataFrame
    min_base: int

    def summary(self) -> pd.DataFrame:
        """The topics with their share, sentiment and (when known) advocacy contrast."""
        out = self.table.copy()
        if self.advocacy is not None:
            out = out.merge(
                self.advocacy[["topic", "advocate", "antagonist", "p_adjusted"]],
                on="topic",
                how="left",
            )
        return out

    def top_by_event(self, names: dict | None = None, n: int = 2) -> pd.DataFrame:
        """The ``n`` largest topics of each event with share, sentiment and quotes.

        Cells under ``min_base`` are left out (their share is suppressed and they
        are never quoted).

        Parameters
        ----------
        names : dict, optional
            Event id -> event name.
        n : int
            Topics per event.
        """
        t = self.by_event[~self.by_event["suppressed"] & (self.by_event["share"] > 0)]
        t = t.sort_values(["event_id", "share"], ascending=[True, False])
        t = t.groupby("event_id", sort=False).head(n)
        q = self.quotes.groupby(["event_id", "topic"])["text"].agg(
            lambda x: " | ".join(f"\u201c{v}\u201d" for v in x)
        )
        out = t.assign(
            quotes=[q.get((e, k), "") for e, k in zip(t["event_id"], t["topic"], strict=True)]
        )
        out.insert(1, "event", out["event_id"].map(names or {}).fillna(out["event_id"]))
        cols = ["event", "label", "share", "ci_low", "ci_high", "sentiment", "n", "quotes"]
        return out[cols].reset_index(drop=True)

    def describe(self) -> str:
        """The findings in plain words (markdown)."""
        n = len(self.comments)
        lang = self.language.set_index("language")["n"]
        other = int(lang.drop("en", errors="ignore").sum())
        top = self.table.iloc[0]
        text = (
            f"{n:,} comments (redacted: personal data replaced by tags such as [name] and "
            f"[email]). {self.model.criterion}. The largest topic is **{top['label']}** "
            f"({100 * top['share']:.0f}% of the modelled comments)."
        )
        if other:
            text += (
                f" {other:,} comments in other languages are neither topic-modelled nor "
                "sentiment-scored (not scored (language))."
            )
        if self.advocacy is not None:
            a = self.advocacy[~self.advocacy["suppressed"]]
            sig = a[a["p_adjusted"] < 0.05].sort_values("difference")
            if len(sig):
                worst = sig.iloc[0]
                text += (
                    f" Antagonists raise **{worst['label']}** more than advocates "
                    f"({100 * worst['antagonist']:.0f}% vs {100 * worst['advocate']:.0f}% of "
                    "their comments, Holm-adjusted p < 0.05)."
                    if worst["difference"] < 0
                    else ""
                )
            else:
                text += (
                    " No topic differs between advocates' and antagonists' comments after "
                    "the Holm adjustment."
                )
        return text

    def plot(self, ax=None):
        """Topics vs advocacy: share of advocates' and antagonists' comments per topic.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """
        if self.advocacy is None:
            raise ModelError("no advocacy groups were given, so there is no contrast to plot")
        t = self.advocacy.iloc[::-1].reset_index(drop=True)
        ax = new_ax(ax, (8, 0.55 * len(t) + 1.8))
        y = np.arange(len(t))
        for offset, group in ((0.17, "advocate"), (-0.17, "antagonist")):
            est = 100 * t[group].to_numpy(dtype=float)
            lo = 100 * t[f"{group}_ci_low"].to_numpy(dtype=float)
            hi = 100 * t[f"{group}_ci_high"].to_numpy(dtype=float)
            err = np.vstack([est - lo, hi - est]).clip(0)
            ax.errorbar(
                est,
                y + offset,
                xerr=err,
                fmt="o",
                color=ADVOCACY_COLORS[group],
                ecolor=ADVOCACY_COLORS[group],
                capsize=3,
                label=f"{group}s' comments",
            )
        labels = [
            f"{lab}{' *' if (p is not None and np.isfinite(p) and p < 0.05) else ''}"
            for lab, p in zip(t["label"], t["p_adjusted"], strict=True)
        ]
        ax.set_yticks(y, labels)
        ax.set_xlabel(
            "Share of the group's comments about the topic (%), 95% intervals; "
            "* Holm-adjusted p < 0.05"
        )
        ax.set_title("Topics of comments: advocates vs antagonists (agitators included)")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", frameon=False)
        return ax


def _shares(data: pd.DataFrame, by: list[str], topic_ids, min_base: int) -> pd.DataFrame:
    """Weighted share of the comments of each ``by`` cell about each topic."""
    parts = []
    for k in topic_ids:
        d = data.assign(_is=(data["topic"] == k).astype(float))
        t = weighted_proportion(
            d, "_is", by=by, weights="weight", cluster="respondent_id", min_base=min_base
        )
        parts.append(t.assign(topic=k))
    return pd.concat(parts, ignore_index=True)


def analyse_comments(
    survey,
    *,
    groups: pd.Series | None = None,
    min_base: int = 30,
    n_topics: int | None = None,
    seed: int = 0,
    level: float = 0.95,
    n_quotes: int = 3,
) -> Verbatims:
    """Topics, sentiment, event lens, advocacy contrast and quotes of the comments.

    Parameters
    ----------
    survey : Survey
        With comments (``Survey.comments``, redacted at load) and weights.
    groups : pandas.Series, optional
        Advocacy group per respondent, aligned with ``survey.respondents``
        (:func:`cxlab.segments.classify_advocacy`); agitators count as antagonists.
    min_base : int
        Smallest number of respondents for a reported share or a quoted cell.
    n_topics : int, optional
        Number of topics (None: chosen, see :func:`cxlab.text.topics`).
    seed : int
        Random seed (determinism).
    level : float
        Confidence level of the intervals.
    n_quotes : int
        Quotes per event and top topic (at most).

    Returns
    -------
    Verbatims

    Raises
    ------
    ModelError
        The survey has no comments, or too few to model.
    """
    c = survey.comments
    if c is None or len(c) == 0:
        raise ModelError("the survey has no comments (its codebook declares no comment items)")
    weight = survey.respondents.set_index("respondent_id")["weight"]
    model = topics(c["text"], n_topics, seed=seed, language=c["language"].tolist())
    sent = sentiment(c["text"].tolist(), c["language"].tolist())
    labels = dict(zip(model.table["topic"], model.table["label"], strict=True))
    data = c.assign(
        topic=model.assignments["topic"].to_numpy(),
        label=[labels.get(t, "") for t in model.assignments["topic"]],
        compound=sent["compound"].to_numpy(),
        polarity=sent["polarity"].to_numpy(),
        status=sent["status"].to_numpy(),
        weight=c["respondent_id"].map(weight).to_numpy(dtype=float),
    )
    modelled = data[model.assignments["modelled"].to_numpy()].copy()
    topic_ids = list(model.table["topic"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # ---- topic shares and sentiment by event (a Customer Event Map lens)
        ev = modelled[modelled["event_id"].notna()]
        by_event = pd.DataFrame()
        if len(ev):
            by_event = _shares(ev, ["event_id"], topic_ids, min_base)
            senti = (
                ev.groupby(["event_id", "topic"])
                .apply(lambda g: _wmean(g["compound"], g["weight"]), include_groups=False)
                .rename("sentiment")
                .reset_index()
            )
            by_event = by_event.merge(senti, on=["event_id", "topic"], how="left")
            by_event["label"] = by_event["topic"].map(labels)
            by_event = by_event[
                [
                    "event_id",
                    "topic",
                    "label",
                    "estimate",
                    "ci_low",
                    "ci_high",
                    "n",
                    "suppressed",
                    "sentiment",
                ]
            ].rename(columns={"estimate": "share"})
            by_event.loc[by_event["suppressed"], "sentiment"] = np.nan
        # ---- topics by advocacy group, compared (Holm over the topics)
        advocacy = None
        if groups is not None:
            g = pd.Series(
                np.asarray(groups, dtype=object), index=survey.respondents["respondent_id"]
            )
            g = g.replace({"agitator": "antagonist"})
            d = modelled.assign(group=modelled["respondent_id"].map(g).to_numpy())
            d = d[d["group"].isin(["advocate", "antagonist"])]
            long = pd.concat(
                [
                    d.assign(topic_k=str(k), present=(d["topic"] == k).astype(float))
                    for k in topic_ids
                ],
                ignore_index=True,
            )
            cmp = compare(
                long,
                "present",
                by="group",
                within="topic_k",
                stat="mean",
                reference="antagonist",
                weights="weight",
                cluster="respondent_id",
                min_base=min_base,
                level=level,
            )
            share = weighted_proportion(
                long,
                "present",
                by=["topic_k", "group"],
                weights="weight",
                cluster="respondent_id",
                min_base=min_base,
                level=level,
            )
            wide = share.pivot(
                index="topic_k", columns="group", values=["estimate", "ci_low", "ci_high"]
            )
            advocacy = pd.DataFrame({"topic": topic_ids, "label": [labels[k] for k in topic_ids]})
            key = advocacy["topic"].astype(str)
            for grp in ("advocate", "antagonist"):
                advocacy[grp] = key.map(wide[("estimate", grp)])
                advocacy[f"{grp}_ci_low"] = key.map(wide[("ci_low", grp)])
                advocacy[f"{grp}_ci_high"] = key.map(wide[("ci_high", grp)])
            cmp = cmp.set_index("topic_k")
            advocacy["difference"] = key.map(cmp["difference"])
            advocacy["ci_low"] = key.map(cmp["ci_low"])
            advocacy["ci_high"] = key.map(cmp["ci_high"])
            advocacy["p_value"] = key.map(cmp["p_value"])
            advocacy["p_adjusted"] = key.map(cmp["p_adjusted"])
            advocacy["n_advocate"] = key.map(cmp["n_a"])
            advocacy["n_antagonist"] = key.map(cmp["n_b"])
            advocacy["suppressed"] = key.map(cmp["suppressed"]).fillna(True)
        # topic keys as text: suppression blanks the numeric columns of small cells
        topic_sent = weighted_mean(
            modelled.dropna(subset=["compound"]).assign(_topic=lambda d: d["topic"].astype(str)),
            "compound",
            by="_topic",
            weights="weight",
            cluster="respondent_id",
            min_base=min_base,
        ).set_index("_topic")["estimate"]
    table = model.table.assign(sentiment=model.table["topic"].astype(str).map(topic_sent))
    quotes = _quotes(modelled, by_event, model, n_quotes)
    lang = (
        data.groupby("language")
        .agg(n=("text", "size"), scored=("status", lambda s: int((s == "scored").sum())))
        .reset_index()
    )
    lang["modelled"] = lang["language"].eq("en")
    comments = data.drop(columns="weight")
    return Verbatims(model, comments, by_event, advocacy, quotes, table, lang, int(min_base))


def _wmean(x: pd.Series, w: pd.Series) -> float:
    ok = x.notna().to_numpy()
    return float(np.average(x[ok], weights=w[ok])) if ok.any() else np.nan


def _quotes(modelled, by_event, model, n_quotes: int) -> pd.DataFrame:
    """Representative comments per event and top topic, from cells at min_base or more."""
    rows = []
    if len(by_event) == 0:
        return pd.DataFrame(columns=["event_id", "topic", "label", "rank", "text"])
    w = model.assignments.loc[modelled.index, "weight"]
    ranked = modelled.assign(_w=w.to_numpy())
    for (eid, k), cell in by_event[~by_event["suppressed"]].groupby(["event_id", "topic"]):
        pool = ranked[(ranked["event_id"] == eid) & (ranked["topic"] == k)]
        pool = pool.sort_values("_w", ascending=False, kind="stable")
        texts = list(dict.fromkeys(pool["text"]))[:n_quotes]
        label = cell["label"].iloc[0]
        rows.extend((eid, k, label, r + 1, t) for r, t in enumerate(texts))
    return pd.DataFrame(rows, columns=["event_id", "topic", "label", "rank", "text"])
