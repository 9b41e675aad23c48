"""Tables as users have them: numpy arrays, pandas DataFrames and Series.

A DataFrame's columns name the features; a Series is one row, its index names
them. Categorical columns (pandas ``category``, or ``object`` / ``string`` /
``bool`` columns) reach the model as each value's *code*: its position in the
column's categories (a ``category`` column's own order, else the sorted
distinct values), i.e. ``df[col].astype("category").cat.codes``. So a model
trained on those codes gets what it expects; What-if offers the categories as
a select. A model trained on one-hot columns should be given those columns.
pandas is imported only when a pandas object is passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .errors import ExplanationInputError


@dataclass
class Table:
    """Values as a float tensor, and what the container said about its columns."""

    values: torch.Tensor  # (F,) for a row, (N, F) for a table
    names: list[str] | None = None  # from the columns / the Series index
    categories: dict[int, list[str]] = field(default_factory=dict)  # column -> its categories, by code


def _pandas(x: object) -> Any:
    module = type(x).__module__
    if not module.startswith("pandas"):
        return None
    import pandas as pd

    return pd


def _is_categorical(col: Any, pd: Any) -> bool:
    return isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or pd.api.types.is_string_dtype(col) \
        or pd.api.types.is_bool_dtype(col)


def as_table(
    x: object, *, dtype: torch.dtype = torch.float32, what: str = "x", categories: dict[int, list[str]] | None = None,
) -> Table:
    """``x`` (a tensor, numpy array, DataFrame or Series) as a float :class:`Table`.

    ``categories`` (of another table, e.g. ``x``'s for ``data``) fixes the codes, so
    both tables code one category alike; a value outside them is an error."""
    if isinstance(x, torch.Tensor):
        return Table(x)
    pd = _pandas(x)
    if pd is None:
        if isinstance(x, np.ndarray):
            if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
                raise ExplanationInputError(
                    f"{what} must be numeric; got a numpy array of dtype {x.dtype} (use a DataFrame for categorical columns)"
                )
            return Table(torch.as_tensor(x.astype(np.float64)).to(dtype))
        return Table(x)  # type: ignore[arg-type]  (the caller's checks name what is expected)
    if isinstance(x, pd.Series):
        frame, row = x.to_frame().T, True
        # A row of mixed types is an object Series: restore each column's own dtype.
        frame = frame.infer_objects()
    elif isinstance(x, pd.DataFrame):
        frame, row = x, False
    else:
        raise ExplanationInputError(f"{what} must be a tensor, numpy array, DataFrame or Series; got {type(x).__name__}")
    names = [str(c) for c in frame.columns]
    given = categories or {}
    found: dict[int, list[str]] = {}
    columns = []
    for i, name in enumerate(frame.columns):
        col = frame[name]
        if i in given or _is_categorical(col, pd):
            known = given.get(i)
            if known is None:
                cats = col.astype("category").cat.categories
                known = [str(c) for c in cats]
            lookup = {c: k for k, c in enumerate(known)}
            codes = np.array([lookup.get(str(v), -1) for v in col], dtype=np.float64)
            if (codes < 0).any():
                bad = col[codes < 0].iloc[0]
                raise ExplanationInputError(
                    f"{what}: column {str(name)!r} has value {bad!r}, which is not one of its categories {known}"
                )
            found[i] = known
            columns.append(codes)
        else:
            try:
                columns.append(col.to_numpy(dtype=np.float64))
            except (TypeError, ValueError) as exc:
                raise ExplanationInputError(f"{what}: column {str(name)!r} is not numeric ({col.dtype}): {exc}") from exc
    values = torch.as_tensor(np.stack(columns, axis=1) if columns else np.zeros((len(frame), 0))).to(dtype)
    return Table(values[0] if row else values, names, found)


def from_numpy(x: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    """A numpy array as a tensor: floats in ``dtype`` (the model's), integers (token ids,
    uint8 pictures) and booleans as they are."""
    t = torch.as_tensor(np.ascontiguousarray(x))
    return t.to(dtype) if t.is_floating_point() else t


def table_batch(x: object, data: object, feature_names: Any, dtype: torch.dtype) -> tuple[object, object, Any]:
    """A batch ``x`` and its ``data`` as tensors when they are numpy arrays or pandas
    tables, with the feature names from the columns unless given (others unchanged)."""
    categories = None
    if _pandas(x) is not None:
        table = as_table(x, dtype=dtype)
        x, categories = table.values, table.categories
        feature_names = feature_names if feature_names is not None else table.names
    elif isinstance(x, np.ndarray):
        x = from_numpy(x, dtype)
    if _pandas(data) is not None:
        data = as_table(data, dtype=dtype, what="data", categories=categories).values
    elif isinstance(data, np.ndarray):
        data = from_numpy(data, dtype)
    return x, data, feature_names
