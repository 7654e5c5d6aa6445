"""Tests for cxlab.eventmap: the Customer Event Map, lenses and the quad map render."""

from __future__ import annotations

import warnings

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cxlab.codebook import DEFAULT_STAGES
from cxlab.errors import DataError, ParameterError
from cxlab.eventmap import event_map, lens_map, quad_map
from cxlab.moments import ACTION_COLORS, ACTIONS, prioritize

STAGES = list(DEFAULT_STAGES)


def table32(seed: int = 0) -> pd.DataFrame:
    """A synthetic 32-event priorities table (long names, some suppressed events)."""
    rng = np.random.default_rng(seed)
    words = "compare account options online resolve billing problem contact centre open new".split()
    words += "mortgage application statement receive renew insurance policy branch".split()
    rows = []
    for i in range(32):
        stage = STAGES[i] if i < 7 else STAGES[int(rng.integers(0, 7))]
        sup = i in (9, 17, 25)
        action = None if sup else str(rng.choice(list(ACTIONS)))
        rows.append(
            {
                "event_id": f"e{i:02d}",
                "name": " ".join(rng.choice(words, int(rng.integers(2, 8)))).capitalize(),
                "stage": stage,
                "stage_order": STAGES.index(stage),
                "channel": str(rng.choice(["web", "branch", "contact centre", "mobile", "mail"])),
                "action": action,
                "priority": np.nan if sup else float(rng.uniform(0, 100)),
                "n": int(rng.integers(5, 25)) if sup else int(rng.integers(40, 600)),
                "suppressed": sup,
                "moment_of_truth": (not sup) and bool(rng.random() < 0.2),
                "performance": float(rng.uniform(4, 9)),
                "importance": float(rng.normal()),
            }
        )
    t = pd.DataFrame(rows)
    t["performance_ci_low"], t["performance_ci_high"] = (
        t["performance"] - 0.3,
        t["performance"] + 0.3,
    )
    t["importance_ci_low"], t["importance_ci_high"] = t["importance"] - 0.25, t["importance"] + 0.25
    t.loc[t["suppressed"], ["performance", "importance"]] = np.nan
    return t


def _render(ax, path) -> np.ndarray:
    ax.figure.savefig(path, dpi=80)
    img = mpimg.imread(path)
    assert img.std() > 0.05, "blank chart"
    return img


def _text_boxes(ax):
    renderer = ax.figure.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in ax.texts if t.get_text().strip()]


def test_event_map_32_events(tmp_path):
    t = table32()
    ax = event_map(t)
    img = _render(ax, tmp_path / "map.png")
    texts = [x.get_text() for x in ax.texts]
    # one header per stage, in lifecycle order, and one cell label per event
    headers = [s.replace("/\n", "/").replace("\n", " ") for s in texts]
    headers = [s for s in headers if s in STAGES]
    assert headers == STAGES
    cells = [s for s in texts if "n=" in s or "n<30" in s]
    assert len(cells) == 32
    assert sum("n<30" in s for s in cells) == 3
    # cell labels do not overlap each other
    boxes = [b for b, s in zip(_text_boxes(ax), texts, strict=False) if "n=" in s or "n<30" in s]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j])
    # every action colour is used for the cells of that action (Okabe-Ito)
    fills = {p.get_facecolor()[:3] for p in ax.patches}
    for action in set(t["action"].dropna()):
        rgb = tuple(int(ACTION_COLORS[action][k : k + 2], 16) / 255 for k in (1, 3, 5))
        assert any(np.allclose(rgb, f) for f in fills), action
    assert img.shape[1] > img.shape[0]  # landscape, readable at report width


def test_event_map_by_channel_and_priority(tmp_path):
    t = table32(1)
    fig, ax = plt.subplots(figsize=(12, 9))
    out = event_map(t, ax=ax, by="channel", color="priority")
    assert out is ax
    _render(ax, tmp_path / "channel.png")
    assert any("p" in s.get_text() for s in ax.texts)
    with pytest.raises(ParameterError):
        event_map(t, by="segment")
    with pytest.raises(ParameterError):
        event_map(t, color="rainbow")
    with pytest.raises(DataError):
        event_map(t.drop(columns=["priority"]))


def test_lens_map_regroups_events(banking, tmp_path):
    survey, _ = banking
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prioritize(survey)
    for lens in ("driver", "capability", "initiative"):
        ax = lens_map(p, survey.events, lens=lens)
        _render(ax, tmp_path / f"lens_{lens}.png")
        groups = survey.events[f"lens_{lens}"].unique()
        texts = [x.get_text().replace("\n", " ") for x in ax.texts]
        assert all(g in texts for g in groups)
        plt.close(ax.figure)
    with pytest.raises(ParameterError):
        lens_map(p, survey.events, lens="colour")


@pytest.mark.parametrize("crosshair", ["mean", "midpoint"])
def test_quad_map_labels_do_not_overlap(crosshair, tmp_path):
    t = table32(2).head(16)
    ax = quad_map(t, crosshair=crosshair)
    _render(ax, tmp_path / f"quad_{crosshair}.png")
    names = set(t.loc[~t["suppressed"], "name"].map(lambda s: s.replace("\n", " ")))
    renderer = ax.figure.canvas.get_renderer()
    labels = [x for x in ax.texts if x.get_text().replace("\n", " ") in names]
    assert len(labels) == len(names)
    boxes = [x.get_window_extent(renderer) for x in labels]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (labels[i].get_text(), labels[j].get_text())
    frame = ax.get_window_extent(renderer)
    for b in boxes:  # labels stay inside the axes
        assert frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1
    # crosshairs at the event mean or the scale midpoint / zero
    lines = {round(line.get_xdata()[0], 6) for line in ax.lines if len(set(line.get_xdata())) == 1}
    cx = t["performance"].mean() if crosshair == "mean" else 5.5
    assert round(cx, 6) in lines


def test_quad_map_on_a_diagnosis(banking, tmp_path):
    survey, _ = banking
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prioritize(survey)
    ax = quad_map(p, x="performance", y="advocacy_impact")
    _render(ax, tmp_path / "quad_adv.png")
    assert "advocacy" in ax.get_ylabel().lower()
    with pytest.raises(DataError):
        quad_map(p, y="nonexistent")
    with pytest.raises(ParameterError):
        quad_map(p, crosshair="median")
