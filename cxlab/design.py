"""Survey designs: replicate weights, and the design in words (docs/survey-design.md).

Every weighted estimate (:mod:`cxlab.estimates`, :mod:`cxlab.comparisons`, net
advocacy and shares in :mod:`cxlab.segments`) takes the sample design as arguments:
``weights``, ``strata=``, ``cluster=`` (primary sampling units), ``fpc=``,
``lonely_psu=`` and ``calibration=`` (the raking result), as R survey's
``svydesign(id=, strata=, fpc=, weights=)`` followed by ``calibrate()``; the variance
rule itself is :func:`cxlab._stats.design_variance`. This module adds replicate
weights as the alternative to linearisation:

* :func:`replicate_weights`: jackknife (JK1, JKn with strata) or Rao-Wu bootstrap
  replicate weights of a design, with the raking re-run in every replicate;
* :class:`ReplicateWeights`: replicate weight columns with R's ``svrepdesign``
  ``scale`` / ``rscales`` / ``mse`` (also for replicate weights a client delivers:
  :meth:`ReplicateWeights.from_columns`); pass it as ``method=`` to an estimate;
* :func:`describe_design`: the design in words, as the report states it.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from cxlab.design import replicate_weights
>>> from cxlab.estimates import weighted_mean
>>> df = pd.DataFrame({"y": np.arange(12.0), "weight": 1.0,
...                    "region": ["N"] * 6 + ["S"] * 6, "branch": np.repeat(range(6), 2)})
>>> rep = replicate_weights(df, strata="region", cluster="branch")
>>> rep.kind, rep.weights.shape
('JKn', (12, 6))
>>> lin = weighted_mean(df, "y", strata="region", cluster="branch", min_base=1)
>>> jk = weighted_mean(df, "y", method=rep, min_base=1)
>>> bool(np.isclose(lin["se"].iloc[0], jk["se"].iloc[0]))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._checks import Design, describe_design
from cxlab.errors import ParameterError

__all__ = ["ReplicateWeights", "replicate_weights", "describe_design"]


@dataclass(frozen=True, eq=False)
class ReplicateWeights:
    """Replicate weights and how their estimates combine into a variance.

    ``var = scale * sum_r rscales_r (theta_r - c)^2`` with ``c`` the full-sample
    estimate (``mse=True``) or the mean of the replicates (``mse=False``, R's
    default), as R survey's ``svrepdesign(repweights=, scale=, rscales=, mse=)``.

    Attributes
    ----------
    weights : pandas.DataFrame
        One column per replicate, on the rows (index) of the data.
    scale : float
    rscales : numpy.ndarray
        One per replicate.
    mse : bool
    kind : str
        ``"JK1"``, ``"JKn"``, ``"bootstrap"`` or ``"client"``.
    """

    weights: pd.DataFrame
    scale: float
    rscales: np.ndarray = field(repr=False)
    mse: bool = False
    kind: str = "client"

    @classmethod
    def from_columns(
        cls,
        data: pd.DataFrame,
        columns,
        scale: float,
        rscales=None,
        mse: bool = False,
    ) -> ReplicateWeights:
        """Replicate weights delivered with the data (columns of ``data``).

        Parameters
        ----------
        data : pandas.DataFrame
            The data holding the replicate weight columns.
        columns : list of str
            The replicate weight columns.
        scale : float
            The overall variance factor (e.g. ``(R - 1) / R`` for JK1, ``1 / R`` for a
            bootstrap, ``1 / (R (1 - rho)^2)`` for Fay's BRR).
        rscales : array-like, optional
            One factor per replicate (default all 1).
        mse : bool
            Centre at the full-sample estimate instead of the replicates' mean.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 2, 3], "r1": [0, 1.5, 1.5], "r2": [1.5, 0, 1.5],
        ...                    "r3": [1.5, 1.5, 0]})
        >>> ReplicateWeights.from_columns(df, ["r1", "r2", "r3"], scale=2 / 3).kind
        'client'
        """
        columns = list(columns)
        missing = [c for c in columns if c not in data.columns]
        if missing:
            raise ParameterError(f"replicate weight columns not found: {missing}")
        if not columns:
            raise ParameterError("name at least one replicate weight column")
        r = np.ones(len(columns)) if rscales is None else np.asarray(rscales, dtype=float)
        if r.shape != (len(columns),):
            raise ParameterError(f"rscales has {r.size} values for {len(columns)} replicates")
        return cls(data[columns].astype(float), float(scale), r, bool(mse), "client")


def replicate_weights(
    data: pd.DataFrame,
    weights: str | None = "weight",
    *,
    strata: str | None = None,
    cluster: str | None = "auto",
    fpc: str | None = None,
    lonely_psu: str = "fail",
    calibration=None,
    method: str = "jackknife",
    replicates: int = 200,
    seed: int = 0,
) -> ReplicateWeights:
    """Replicate weights of a sample design (R survey's ``as.svrepdesign``).

    Parameters
    ----------
    data : pandas.DataFrame
        The rows of the estimates.
    weights, strata, cluster, fpc, lonely_psu, calibration
        The design, as in :func:`cxlab.estimates.weighted_mean`; with ``calibration``
        each replicate starts from the design weights and is raked again.
    method : {"jackknife", "bootstrap"}
        Delete-one-PSU jackknife (JK1 without strata, JKn with), or Rao-Wu's rescaling
        bootstrap (see :func:`cxlab._stats.replicate_factors`).
    replicates : int
        Number of bootstrap replicates.
    seed : int
        Seed of the bootstrap draws.

    Returns
    -------
    ReplicateWeights
        Pass it as ``method=`` to an estimate.

    Examples
    --------
    See the module docstring.
    """
    if method not in ("jackknife", "bootstrap"):
        raise ParameterError(f"method must be 'jackknife' or 'bootstrap', got {method!r}")
    d = Design(
        data, weights, None, cluster, strata, fpc, lonely_psu, calibration, method, replicates, seed
    )
    Wr, scale, rscales, mse = d.replicates
    kind = "bootstrap" if method == "bootstrap" else ("JKn" if strata is not None else "JK1")
    table = pd.DataFrame(Wr, index=data.index, columns=[f"rep{i + 1}" for i in range(Wr.shape[1])])
    return ReplicateWeights(table, scale, np.asarray(rscales, dtype=float), mse, kind)
