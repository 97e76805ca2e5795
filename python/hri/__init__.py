"""hri — human-rights indicators for migrants from survey microdata, from Python.

The same engine as the Rust crate: design-based estimates, standard errors, intervals and
degrees of freedom equal to R's ``survey`` package, computed in one pass over the rows for a
whole table; polars in, polars out (tables cross as Arrow, without copying the data).

>>> import polars as pl, hri
>>> df = pl.DataFrame({"w": [1.0, 2.0, 1.0, 2.0], "y": [1.0, 2.0, 3.0, 4.0],
...                    "g": ["a", "a", "b", "b"], "s": [1, 1, 2, 2], "p": [1, 2, 3, 4]})
>>> design = hri.Design("w", strata="s", psu="p")
>>> hri.estimate(df, design, "mean", var="y", by=[["g"]])["estimate"].to_list()
[1.6666666666666667, 3.6666666666666665, 2.6666666666666665]

Errors are exceptions of the :class:`HriError` hierarchy; their message names the column,
stratum, condition or file at fault.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import polars as pl

from ._hri import (
    CatalogueError,
    ColumnError,
    ConditionError,
    DataError,
    Design,
    DesignError,
    HriError,
    ProjectError,
    RequestError,
    WriteError,
    __version__,
)
from ._hri import Catalogue
from . import _hri

__all__ = [
    "Design",
    "estimate",
    "gap",
    "run",
    "Run",
    "Catalogue",
    "HriError",
    "DesignError",
    "DataError",
    "ColumnError",
    "ConditionError",
    "RequestError",
    "CatalogueError",
    "ProjectError",
    "WriteError",
    "__version__",
]

Frame = Union[pl.DataFrame, pl.LazyFrame]
Columns = Union[str, Sequence[str]]


class _Source:
    """A data frame as the native module reads it: the names of its columns, and a
    selection of them as an Arrow stream (a LazyFrame is collected with only those
    columns; categorical and enum columns cross as strings)."""

    def __init__(self, frame: Frame):
        if not isinstance(frame, (pl.DataFrame, pl.LazyFrame)):
            raise TypeError(
                f"expected a polars DataFrame or LazyFrame, got {type(frame).__name__}"
            )
        self._frame = frame

    def names(self) -> list:
        return self._frame.collect_schema().names()

    def select(self, columns: list) -> pl.DataFrame:
        frame = self._frame.select(columns)
        schema = frame.collect_schema()
        as_text = [
            name
            for name, dtype in schema.items()
            if isinstance(dtype, (pl.Categorical, pl.Enum)) or dtype in (pl.Categorical, pl.Enum)
        ]
        if as_text:
            frame = frame.with_columns([pl.col(c).cast(pl.String) for c in as_text])
        if isinstance(frame, pl.LazyFrame):
            frame = frame.collect()
        return frame


def _names(value: Optional[Columns], what: str) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    names = list(value)
    if not all(isinstance(v, str) for v in names):
        raise TypeError(f"{what}: expected a column name or a list of column names")
    return names


def _by_lists(by) -> list:
    """``by`` as a list of column lists: None → [], "a" → [["a"]], ["a", "b"] → [["a", "b"]]
    (one crossed disaggregation), [["a"], ["b", "c"]] → as given."""
    if by is None:
        return []
    if isinstance(by, str):
        return [[by]]
    items = list(by)
    if all(isinstance(b, str) for b in items):
        return [items] if items else []
    out = []
    for b in items:
        if isinstance(b, str):
            out.append([b])
        else:
            out.append(_names(b, "by"))
    return out


def _probs(probs) -> Optional[list]:
    if probs is None:
        return None
    if isinstance(probs, (int, float)):
        return [float(probs)]
    return [float(p) for p in probs]


def estimate(
    df: Frame,
    design: Design,
    stat: str,
    var: Optional[Columns] = None,
    denominator: Optional[str] = None,
    condition: Optional[str] = None,
    where: Optional[str] = None,
    by=None,
    overall: bool = True,
    probs=None,
    ci: str = "wald",
    level: float = 0.95,
    df_method: Optional[str] = None,
) -> pl.DataFrame:
    """Estimates of a statistic for the whole population and for domains, in one pass.

    Args:
        df: the data, a polars DataFrame or LazyFrame (only the columns used are read).
        design: the sampling design.
        stat: ``"mean"``, ``"total"``, ``"ratio"``, ``"proportion"`` or ``"quantile"``.
        var: the analysis column, or several (one measure each; ratios: numerators).
        denominator: the ratio's denominator column.
        condition: proportions: an SQL condition whose share is estimated (a NULL result
            puts the row out of the estimate, counted in ``excluded_missing``).
        where: the universe, an SQL condition: rows outside it score zero and keep their
            place in the design (R's ``subset``), counted in ``excluded_universe``.
        by: disaggregations: a list of column lists, one table each, all in one pass
            (``[["sex"], ["sex", "age_group"]]``); a single list of names is one crossed
            disaggregation; a name alone is one disaggregation.
        overall: add the whole population's row (always there when ``by`` is empty).
        probs: quantile probabilities.
        ci: interval: ``"wald"``, ``"logit"``, ``"xlogit"``, ``"beta"`` (Korn–Graubard),
            ``"wilson"`` (proportions), ``"woodruff"`` (quantiles, always used for them).
        level: confidence level.
        df_method: ``"design"`` (default: t with the design degrees of freedom) or
            ``"infinite"`` (the normal).

    Returns:
        A polars DataFrame: ``variable``, the by-columns (null where a row's
        disaggregation does not use them), ``prob`` (quantiles), ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``df``, ``cv``, ``n``, ``pop``, ``deff``,
        ``excluded_universe``, ``excluded_missing``.
    """
    table = _hri.estimate(
        _Source(df),
        design,
        stat,
        _names(var, "var"),
        denominator,
        condition,
        where,
        _by_lists(by),
        bool(overall),
        _probs(probs),
        ci,
        float(level),
        df_method,
    )
    return pl.DataFrame(table)


def gap(
    df: Frame,
    design: Design,
    stat: str = "mean",
    var: Optional[Columns] = None,
    by: Optional[Columns] = None,
    group: Optional[str] = None,
    reference: Optional[str] = None,
    column: Optional[str] = None,
    denominator: Optional[str] = None,
    condition: Optional[str] = None,
    where: Optional[str] = None,
    probs=None,
    ci: str = "wald",
    level: float = 0.95,
    df_method: Optional[str] = None,
) -> pl.DataFrame:
    """Gaps between a group and a reference group, within the other by-columns.

    The two domains share PSUs, so their covariance enters the gap's standard error (as
    R's ``svycontrast`` on ``svyby(..., covmat = TRUE)``).

    Args:
        df, design, stat, var, denominator, condition, where, probs, ci, level, df_method:
            as in :func:`estimate`.
        by: the domain columns; the first holds the groups unless ``column`` is given.
        group: the group compared.
        reference: the reference group.
        column: the column whose groups are compared (default: the first of ``by``).

    Returns:
        A polars DataFrame: ``variable``, the by-columns, ``reference``, ``estimate``
        (group − reference), ``se``, ``ci_low``, ``ci_high``, ``df``, ``ratio``,
        ``ratio_se``, ``ratio_ci_low``, ``ratio_ci_high``, ``p_value``,
        ``group_estimate``, ``reference_estimate``.
    """
    if group is None or reference is None:
        raise RequestError("gap needs `group` and `reference`")
    table = _hri.gap(
        _Source(df),
        design,
        stat,
        _names(var, "var"),
        denominator,
        condition,
        where,
        _names(by, "by"),
        group,
        reference,
        column,
        _probs(probs),
        ci,
        float(level),
        df_method,
    )
    return pl.DataFrame(table)


class Run:
    """A project run: every round's indicator table and summary scores.

    Attributes:
        indicators: the indicator table of every round, one after the other
            (``time_period`` tells them apart).
        summaries: the scores rolled up per kind within attributes and rights, and the
            composite when the catalogue asks for one, of every round (``level`` column).
        derivations: each round's derivation report (rows per group, rows set to unknown).
        periods: the rounds, in the project file's order.
    """

    def __init__(self, native):
        self._native = native
        self.indicators: pl.DataFrame = pl.DataFrame(native.indicators())
        self.summaries: pl.DataFrame = pl.DataFrame(native.summaries())
        self.derivations: pl.DataFrame = pl.DataFrame(native.derivations())
        self.periods: list = native.periods()

    def write(self, out_dir=None):
        """Writes every output file (CSV, Parquet, JSON, SDMX-CSV, HTML report, derivation
        report) into ``out_dir`` (default: the project's ``out``), as ``hri run`` does; a
        failure leaves the folder as it was. Returns the folder."""
        import os

        target = self._native.default_out() if out_dir is None else os.fspath(out_dir)
        return self._native.write(target)

    def __repr__(self) -> str:
        return f"Run(periods={self.periods}, {self.indicators.height} indicator rows)"


def run(project) -> Run:
    """Runs a project file (``hri run``'s format: data files, design, rounds, joins and
    derivations); nothing is written until :meth:`Run.write`."""
    import os

    return Run(_hri.run(os.fspath(project)))
