"""Scoring customers who were not surveyed: predict the advocacy group from the customer file.

A scikit-learn pipeline (numeric fields median-imputed and scaled, categorical fields
one-hot encoded with ``handle_unknown="ignore"``; a multinomial logistic regression or a
histogram gradient boosting classifier; wrapped in ``CalibratedClassifierCV``) is
trained on surveyed respondents, whose advocacy group is known, and applied to the
customer file. Performance is measured on held-out folds of a seeded stratified K-fold:
one-vs-rest macro AUC, the multiclass Brier score and a confusion matrix.

Saved scorers are joblib pickles with their training metadata (features and dtypes,
classes, cxlab and scikit-learn versions, date, n). Only load scorer files you trust:
unpickling runs code.

Examples
--------
>>> from cxlab.synth import make_study
>>> from cxlab.scoring import fit_scorer
>>> survey, _ = make_study(n_respondents=400, seed=4)
>>> scorer = fit_scorer(survey.respondents, n_splits=3)
>>> list(scorer.score(survey.respondents.head(2)).columns)
['prob_antagonist', 'prob_neutral', 'prob_advocate', 'advocacy_group']
"""

from __future__ import annotations

import datetime as _dt
import pathlib
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxlab._advocacy import advocacy_groups
from cxlab._style import new_ax
from cxlab.display import Card
from cxlab.errors import CxlabWarning, DataError, ModelError, ParameterError

__all__ = [
    "Scorer",
    "fit_scorer",
    "load_scorer",
    "score_file",
    "check_new_file",
    "DEFAULT_FEATURES",
    "SCORE_FORMATS",
]

GROUPS: tuple[str, ...] = ("antagonist", "neutral", "advocate")
#: Customer-file fields used when ``numeric`` / ``categorical`` are not given (those present).
DEFAULT_FEATURES: dict[str, tuple[str, ...]] = {
    "numeric": ("spend", "tenure", "referrals", "service_cost", "complained"),
    "categorical": ("life_stage", "product_usage", "behaviour_profile", "profitability"),
}
_FORMAT = "cxlab-scorer/1"
_FIRST_ROW = 2  # file line of the first data row of a customer file (one header line)
#: suffixes a score file may be written as
SCORE_FORMATS = (".csv", ".xlsx", ".parquet")


def _prepare(frame: pd.DataFrame, features: dict[str, str], where: str = "") -> pd.DataFrame:
    """Check presence and types of the features; return a clean frame for the pipeline."""
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise DataError(
            "columns needed by the scorer are missing", file=where or None, column=missing
        )
    out, wrong, infinite = {}, [], {}
    for c, kind in features.items():
        s = frame[c]
        if kind == "numeric":
            if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
                values = s.astype(float).to_numpy()
            else:
                conv = pd.to_numeric(s, errors="coerce")
                if (conv.isna() & s.notna()).any():
                    wrong.append(c)
                    continue
                values = conv.to_numpy(dtype=float, na_value=np.nan)
            if np.isinf(values).any():
                infinite[c] = np.flatnonzero(np.isinf(values))
            out[c] = values
        else:
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                wrong.append(c)
                continue
            out[c] = s.astype(object).where(s.notna(), "missing").astype(str).to_numpy(dtype=object)
    if wrong:
        raise DataError(
            "wrongly typed columns (numeric fields must be numbers, categorical fields labels)",
            file=where or None,
            column=wrong,
        )
    if infinite:
        rows = sorted({int(i) + _FIRST_ROW for idx in infinite.values() for i in idx})
        raise DataError(
            "infinite or overflowing numbers (e.g. inf, 1e309); numeric fields must be finite",
            file=where or None,
            column=list(infinite),
            rows=rows,
        )
    return pd.DataFrame(out, index=frame.index)


def _pipeline(numeric, categorical, model: str, seed: int, calibration: str, cv: int):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                list(numeric),
            ),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(categorical)),
        ]
    )
    if model == "logistic":
        clf = LogisticRegression(max_iter=2000)
    elif model == "gradient_boosting":
        clf = HistGradientBoostingClassifier(random_state=seed, max_iter=200, early_stopping=True)
    else:
        raise ParameterError(f"model={model!r}; use 'logistic' or 'gradient_boosting'")
    return CalibratedClassifierCV(
        Pipeline([("prepare", pre), ("model", clf)]), method=calibration, cv=cv
    )


@dataclass(frozen=True, repr=False)
class Scorer(Card):
    """A fitted advocacy scorer.

    Attributes
    ----------
    model : CalibratedClassifierCV
        The calibrated pipeline fitted on all training rows.
    metadata : dict
        ``features`` ({name: "numeric"|"categorical"}), ``dtypes``, ``classes``,
        ``model``, ``cxlab_version``, ``sklearn_version``, ``date``, ``n``,
        ``n_splits``, ``seed``.
    metrics : DataFrame
        ``metric, value`` on held-out folds: ``auc_ovr_macro``, ``brier``,
        ``brier_baseline`` (predicting the class shares), ``log_loss``, ``accuracy``, ``n``.
    confusion : DataFrame
        Held-out confusion matrix (rows true group, columns predicted group).
    """

    model: Any
    metadata: dict
    metrics: pd.DataFrame
    confusion: pd.DataFrame
    held_out: pd.DataFrame = field(repr=False, default=None)

    @property
    def table(self) -> pd.DataFrame:
        """The cross-validated metrics."""
        return self.metrics

    def summary(self) -> pd.DataFrame:
        """Cross-validated metrics, rounded."""
        return self.metrics.round(4)

    def score(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Probabilities per advocacy group and the predicted group for each row of ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame
            The data.

        Raises
        ------
        DataError
            Columns missing or of the wrong type (numeric vs categorical).
        """
        X = _prepare(frame, self.metadata["features"])
        proba = self.model.predict_proba(X)
        classes = list(self.model.classes_)
        out = pd.DataFrame(
            {f"prob_{g}": proba[:, classes.index(g)] for g in self.metadata["classes"]},
            index=frame.index,
        )
        best = np.asarray(self.metadata["classes"])[out.to_numpy().argmax(axis=1)]
        out["advocacy_group"] = pd.Categorical(best, list(self.metadata["classes"]), ordered=True)
        return out

    def save(self, path) -> pathlib.Path:
        """Write the scorer (joblib pickle with metadata) to ``path``; returns the path.

        An existing file is never overwritten (:class:`~cxlab.errors.ParameterError`).

        Parameters
        ----------
        path : str or path-like
            The file.
        """
        import joblib

        path = check_new_file(path, "path")
        payload = {
            "format": _FORMAT,
            "model": self.model,
            "metadata": self.metadata,
            "metrics": self.metrics,
            "confusion": self.confusion,
        }
        try:
            with open(path, "xb") as handle:
                joblib.dump(payload, handle)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path

    def plot(self, ax=None):
        """Held-out confusion matrix as row percentages.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """
        import seaborn as sns

        ax = new_ax(ax, (5.5, 4.5))
        pct = 100 * self.confusion.div(self.confusion.sum(axis=1), axis=0)
        sns.heatmap(
            pct,
            annot=True,
            fmt=".0f",
            cmap="cividis",
            vmin=0,
            vmax=100,
            ax=ax,
            cbar_kws={"label": "% of true group"},
        )
        auc = self.metrics.set_index("metric").loc["auc_ovr_macro", "value"]
        ax.set_xlabel("Predicted group")
        ax.set_ylabel("True group")
        ax.tick_params(axis="y", rotation=0)
        ax.set_title(f"Advocacy scorer, held-out folds (AUC {auc:.2f})")
        return ax


def fit_scorer(
    respondents: pd.DataFrame,
    group=None,
    *,
    numeric: list[str] | tuple[str, ...] | None = None,
    categorical: list[str] | tuple[str, ...] | None = None,
    model: str = "logistic",
    n_splits: int = 5,
    seed: int = 0,
    calibration: str = "sigmoid",
    calibration_cv: int = 3,
    n_jobs: int | None = None,
    threads: int | None = 1,
) -> Scorer:
    """Train and cross-validate a scorer of the advocacy group from customer-file fields.

    Parameters
    ----------
    respondents : DataFrame
        Surveyed customers with the customer-file fields and ``recommend`` (or ``group``).
    group : Series or column name, optional
        Advocacy group; default from ``recommend`` (agitators merged into antagonists).
    numeric, categorical : sequence of str, optional
        Features; default those of :data:`DEFAULT_FEATURES` present in ``respondents``.
    model : {"logistic", "gradient_boosting"}
    n_splits : int
        Stratified K-fold splits for the held-out metrics (shuffled, seeded).
    seed : int
    calibration : {"sigmoid", "isotonic"}
    calibration_cv : int
        Internal folds of ``CalibratedClassifierCV``.
    n_jobs : int, optional
        Parallel folds.
    threads : int or None
        BLAS / OpenMP threads during the fit (default 1; None leaves them alone). Many
        small solves run faster single-threaded, and threaded OpenBLAS / OpenMP
        spin-wait badly on a busy machine (5-20x slower measured on 2 busy cores);
        use ``n_jobs`` for parallel folds instead.

    Returns
    -------
    Scorer
        Trained on all rows with a known group; metrics from held-out folds. The fit is
        unweighted (a prediction model, not a population estimate).
    """
    import sklearn
    from sklearn.metrics import confusion_matrix, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    import cxlab

    if numeric is None:
        numeric = [c for c in DEFAULT_FEATURES["numeric"] if c in respondents.columns]
    if categorical is None:
        categorical = [c for c in DEFAULT_FEATURES["categorical"] if c in respondents.columns]
    features = {c: "numeric" for c in numeric} | {c: "categorical" for c in categorical}
    if not features:
        raise ParameterError("no features: pass numeric= and/or categorical=")
    g = advocacy_groups(respondents, group, three=True)
    keep = g.notna().to_numpy()
    y = g[keep].astype(str).to_numpy()
    counts = pd.Series(y).value_counts()
    if len(counts) < 3 or counts.min() < n_splits:
        raise ModelError(
            f"each advocacy group needs at least {n_splits} rows; have {counts.to_dict()}"
        )
    X = _prepare(respondents.loc[keep], features)
    pipe = _pipeline(numeric, categorical, model, seed, calibration, calibration_cv)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings(), threadpool_limits(limits=threads):
        warnings.simplefilter("ignore", category=UserWarning)
        proba = cross_val_predict(pipe, X, y, cv=folds, method="predict_proba", n_jobs=n_jobs)
        pipe.fit(X, y)
    classes = sorted(GROUPS)  # sklearn orders classes alphabetically
    P = pd.DataFrame(proba, columns=classes)[list(GROUPS)].to_numpy()
    Y = (y[:, None] == np.asarray(GROUPS)[None, :]).astype(float)
    prevalence = Y.mean(axis=0)
    pred = np.asarray(GROUPS)[P.argmax(axis=1)]
    metrics = pd.DataFrame(
        {
            "metric": ["auc_ovr_macro", "brier", "brier_baseline", "log_loss", "accuracy", "n"],
            "value": [
                roc_auc_score(Y, P, multi_class="ovr", average="macro"),
                float(((P - Y) ** 2).sum(axis=1).mean()),
                float(((prevalence[None, :] - Y) ** 2).sum(axis=1).mean()),
                float(-np.log(np.clip((P * Y).sum(axis=1), 1e-15, 1)).mean()),
                float((pred == y).mean()),
                float(len(y)),
            ],
        }
    )
    confusion = pd.DataFrame(
        confusion_matrix(y, pred, labels=list(GROUPS)),
        index=pd.Index(GROUPS, name="true"),
        columns=pd.Index(GROUPS, name="predicted"),
    )
    metadata = {
        "features": features,
        "dtypes": {c: str(respondents[c].dtype) for c in features},
        "classes": list(GROUPS),
        "model": model,
        "calibration": calibration,
        "cxlab_version": getattr(cxlab, "__version__", "unknown"),
        "sklearn_version": sklearn.__version__,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "n": int(len(y)),
        "n_splits": int(n_splits),
        "seed": int(seed),
    }
    held_out = pd.DataFrame(P, columns=[f"prob_{c}" for c in GROUPS], index=respondents.index[keep])
    held_out["advocacy_group"] = y
    return Scorer(pipe, metadata, metrics, confusion, held_out)


def load_scorer(path) -> Scorer:
    """Load a scorer written by :meth:`Scorer.save` (only from a trusted source).

    Parameters
    ----------
    path : str or path-like
        The file.

    Raises
    ------
    DataError
        The file is not a cxlab scorer.
    """
    import joblib
    import sklearn

    path = pathlib.Path(path)
    try:
        payload = joblib.load(path)
    except Exception as err:  # noqa: BLE001 - any unpickling failure is a bad file
        raise DataError(
            f"cannot read the scorer file ({type(err).__name__})", file=str(path)
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise DataError("not a cxlab scorer file", file=str(path))
    missing = [k for k in ("model", "metadata", "metrics", "confusion") if k not in payload]
    meta = payload.get("metadata")
    if not missing and not (
        isinstance(meta, dict)
        and isinstance(meta.get("features"), dict)
        and isinstance(meta.get("classes"), list | tuple)
    ):
        missing = ["metadata.features", "metadata.classes"]
    if missing or not hasattr(payload["model"], "predict_proba"):
        raise DataError(
            "an incomplete cxlab scorer file (missing "
            + (", ".join(missing) if missing else "a fitted model")
            + "); save scorers with Scorer.save",
            file=str(path),
        )
    if meta.get("sklearn_version") != sklearn.__version__:
        warnings.warn(
            f"scorer trained with scikit-learn {meta.get('sklearn_version')}, "
            f"running {sklearn.__version__}",
            CxlabWarning,
            stacklevel=2,
        )
    return Scorer(payload["model"], meta, payload["metrics"], payload["confusion"])


_ID_COLUMNS = ("customer_id", "respondent_id", "id")


def _read_table(path: pathlib.Path, id_column: str | None = None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx", ".xls", ".parquet"):
        raise DataError("customer file must be .csv, .xlsx or .parquet", file=str(path))
    if not path.exists():
        raise DataError("file not found", file=str(path))
    if path.is_dir():
        raise DataError("expected a customer file, got a folder", file=str(path))
    if path.stat().st_size == 0:
        raise DataError("the file is empty", file=str(path))
    try:
        if suffix in (".csv", ".txt"):  # ids kept as written (000123 stays 000123)
            ids = {c: str for c in (*_ID_COLUMNS, *([id_column] if id_column else []))}
            frame = pd.read_csv(path, dtype=ids)
        elif suffix in (".xlsx", ".xls"):
            frame = pd.read_excel(path)
        else:
            frame = pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise DataError("the file has no header row", file=str(path)) from None
    except Exception as err:  # noqa: BLE001 - any reader failure is an unreadable file
        raise DataError(
            f"not a readable customer file ({type(err).__name__})", file=str(path)
        ) from None
    if len(frame) == 0:
        raise DataError("the file has a header but no data rows", file=str(path))
    return frame


def score_file(
    model_path, customers_path, out_path, *, id_column: str | None = None
) -> pathlib.Path:
    """Score a customer file with a saved scorer and write the scores.

    Parameters
    ----------
    model_path : path or Scorer
        A scorer saved with :meth:`Scorer.save` (or a :class:`Scorer`).
    customers_path : path
        Customer file (.csv, .xlsx or .parquet) with the scorer's feature columns.
    out_path : path
        Output file (.csv, .xlsx or .parquet by suffix; parent folders are created).
        An existing file is never overwritten.
    id_column : str, optional
        Identifier copied to the output; default the first of ``customer_id``,
        ``respondent_id``, ``id`` present, else a 1-based ``row`` number. No other input
        column is copied (customer files may hold personal data).

    Returns
    -------
    pathlib.Path
        ``out_path``, with columns ``<id>, prob_antagonist, prob_neutral, prob_advocate,
        advocacy_group``.

    Raises
    ------
    DataError
        Missing or wrongly typed columns (named), an unknown id column or file type.
    ParameterError
        ``out_path`` exists already or has a suffix other than .csv, .xlsx, .parquet.
    """
    customers_path, out_path = pathlib.Path(customers_path), pathlib.Path(out_path)
    check_new_file(out_path, "out_path", SCORE_FORMATS)
    scorer = model_path if isinstance(model_path, Scorer) else load_scorer(model_path)
    frame = _read_table(customers_path, id_column)
    if id_column is None:
        id_column = next((c for c in _ID_COLUMNS if c in frame.columns), None)
    elif id_column not in frame.columns:
        raise DataError(
            "id column not in the customer file", file=str(customers_path), column=id_column
        )
    try:
        scores = scorer.score(frame)
    except DataError as err:
        raise DataError(
            err.rule, file=str(customers_path), column=err.column, rows=err.rows
        ) from err
    ids = frame[id_column] if id_column else pd.Series(np.arange(1, len(frame) + 1), name="row")
    out = pd.concat(
        [ids.rename(id_column or "row").reset_index(drop=True), scores.reset_index(drop=True)],
        axis=1,
    )
    out["advocacy_group"] = out["advocacy_group"].astype(str)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    suffix = out_path.suffix.lower()
    with open(out_path, "xb") as handle:  # never replaces a file created meanwhile
        if suffix == ".xlsx":
            out.to_excel(handle, index=False)
        elif suffix == ".parquet":
            out.to_parquet(handle, index=False)
        else:
            handle.write(out.to_csv(index=False).encode("utf-8"))
    return out_path


def check_new_file(path, what: str, suffixes: tuple[str, ...] | None = None) -> pathlib.Path:
    """Refuse an output path that exists already (cxlab never overwrites a file) or,
    with ``suffixes``, one whose suffix is not among them.

    Parameters
    ----------
    path : str or path-like
        The file.
    what : str
        What the table or figure shows.
    suffixes : sequence of str
        File suffixes.

    Raises
    ------
    ParameterError
    """
    path = pathlib.Path(path)
    if path.exists() or path.is_symlink():
        raise ParameterError(f"{path} exists already; cxlab never overwrites a file", location=what)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise ParameterError(
            f"{path} has the suffix {path.suffix!r}; use one of {', '.join(suffixes)}",
            location=what,
        )
    return path
