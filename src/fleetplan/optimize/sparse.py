"""A sparse model under construction: column blocks and row blocks of COO triplets.

Every constraint family appends one row block at once (numpy arrays, no loop per variable); the
finished model is a CSC matrix with bounds, costs and integrality, ready for HiGHS ``passModel``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["ColumnBlock", "RowBlock", "SparseModel"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ColumnBlock:
    """A contiguous range of variables of one kind (``y``, ``n``, ``b`` …)."""

    name: str
    start: int
    size: int

    def idx(self, local: npt.ArrayLike) -> IntArray:
        """Global column indices of local positions."""
        return self.start + np.asarray(local, dtype=np.int64)


@dataclass(frozen=True)
class RowBlock:
    """A contiguous range of constraints of one family."""

    name: str
    start: int
    size: int


@dataclass
class SparseModel:
    """Columns with bounds/cost/integrality and rows as COO triplets."""

    cost: list[FloatArray] = field(default_factory=list)
    lower: list[FloatArray] = field(default_factory=list)
    upper: list[FloatArray] = field(default_factory=list)
    integer: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    columns: dict[str, ColumnBlock] = field(default_factory=dict)
    rows: dict[str, RowBlock] = field(default_factory=dict)
    _r: list[IntArray] = field(default_factory=list)
    _c: list[IntArray] = field(default_factory=list)
    _v: list[FloatArray] = field(default_factory=list)
    _rlo: list[FloatArray] = field(default_factory=list)
    _rup: list[FloatArray] = field(default_factory=list)
    _equilibrate: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0

    def add_columns(
        self,
        name: str,
        size: int,
        *,
        cost: npt.ArrayLike = 0.0,
        lower: npt.ArrayLike = 0.0,
        upper: npt.ArrayLike = np.inf,
        integer: bool | npt.ArrayLike = False,
    ) -> ColumnBlock:
        """Append ``size`` variables; scalars broadcast. ``name`` is stored as a plain string."""
        name = str(name)
        block = ColumnBlock(name, self.n_cols, size)
        self.columns[name] = block
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (size,)).copy())
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (size,)).copy())
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (size,)).copy())
        self.integer.append(np.broadcast_to(np.asarray(integer, dtype=bool), (size,)).copy())
        self.n_cols += size
        return block

    def add_rows(
        self,
        name: str,
        size: int,
        rows: npt.ArrayLike,
        cols: npt.ArrayLike,
        vals: npt.ArrayLike,
        lower: npt.ArrayLike = -np.inf,
        upper: npt.ArrayLike = np.inf,
        *,
        equilibrate: bool = True,
    ) -> RowBlock:
        """Append ``size`` constraints ``lower <= A x <= upper``; ``rows`` are local (0..size-1).

        ``equilibrate=False`` keeps the rows as given when the solver sees them (divisor 1, see
        :meth:`row_scale`): for rows whose units are chosen so that the solver's absolute
        feasibility tolerance means what it should, whatever their largest coefficient.
        """
        name = str(name)
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        v = np.asarray(vals, dtype=float)
        if not (len(r) == len(c) == len(v)):
            raise ValueError(f"{name}: triplet lengths differ")
        if len(r) and (r.min() < 0 or r.max() >= size):
            raise ValueError(f"{name}: row index out of range")
        block = RowBlock(name, self.n_rows, size)
        self.rows[name] = block
        self._r.append(r + self.n_rows)
        self._c.append(c)
        self._v.append(v)
        self._rlo.append(np.broadcast_to(np.asarray(lower, dtype=float), (size,)).copy())
        self._rup.append(np.broadcast_to(np.asarray(upper, dtype=float), (size,)).copy())
        self._equilibrate.append(np.full(size, bool(equilibrate)))
        self.n_rows += size
        return block

    def col(self, attr: str) -> np.ndarray:
        """Concatenated column attribute: cost, lower, upper or integer."""
        parts = getattr(self, attr)
        dtype = bool if attr == "integer" else float
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    def _raw(self) -> sp.csr_matrix:
        if not self._r:
            return sp.csr_matrix((self.n_rows, self.n_cols))
        r = np.concatenate(self._r)
        c = np.concatenate(self._c)
        v = np.concatenate(self._v)
        keep = v != 0
        return sp.csr_matrix((v[keep], (r[keep], c[keep])), shape=(self.n_rows, self.n_cols))

    def row_scale(self) -> FloatArray:
        """Per-row divisor that makes each row's largest coefficient 1 (equilibration); 1 for rows
        added with ``equilibrate=False``."""
        a = self._raw()
        if a.nnz == 0:
            return np.ones(self.n_rows)
        mx = np.asarray(abs(a).max(axis=1).todense()).ravel()
        keep = np.concatenate(self._equilibrate) if self._equilibrate else np.ones(0, dtype=bool)
        return np.where((mx > 0) & keep, mx, 1.0)

    def matrix(self, scaled: bool = True) -> sp.csc_matrix:
        """The constraint matrix (duplicates summed), rows equilibrated unless ``scaled=False``."""
        a = self._raw()
        if scaled:
            a = sp.diags(1.0 / self.row_scale()) @ a
        return sp.csc_matrix(a)

    def row_bounds(self, scaled: bool = True) -> tuple[FloatArray, FloatArray]:
        if not self._rlo:
            return np.zeros(0), np.zeros(0)
        lo, up = np.concatenate(self._rlo), np.concatenate(self._rup)
        if scaled:
            s = self.row_scale()
            lo, up = lo / s, up / s
        return lo, up
