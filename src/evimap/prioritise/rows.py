"""The training rows of successive retrains, kept between them in a compact column layout.

In a simulation each retrain trains on the rows of the one before plus the few just labelled.
Taking every training row out of the feature matrix again at each retrain copies them all;
:class:`TrainingRows` keeps them and appends only the new ones. (A live ranking makes a new
cycle each time, so it takes its rows out once, in this layout.)

It keeps them with their columns renumbered ``0, 1, 2, ...`` in the order they first occur in
the training rows (the *compact layout*). liblinear's dual solver then works on a weight
vector as long as the columns the training rows hold, not every column of the matrix, with the
columns seen together stored together: fewer cache misses, the same arithmetic. Each row keeps
its values in their own order, so every sum the solver makes is made in the same order and the
fitted weights are the same, bit for bit, as a fit on the rows in the full layout (a column no
training row holds gets weight 0 either way). :attr:`TrainingRows.columns` maps them back.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


class TrainingRows:
    """The rows of a CSR feature matrix chosen for training, grown as more are chosen.

    :meth:`matrix` returns them in the compact layout. When the rows asked for begin with the
    rows of the previous call (the same matrix object), only the new ones are taken out of the
    matrix; otherwise it starts again. The matrix must not change between calls.
    """

    def __init__(self) -> None:
        self._reset(None)

    def _reset(self, X) -> None:
        # room for every row of X once: no regrowth in a simulation (np.empty takes no time)
        rows, nnz, columns = (0, 0, 0) if X is None else (X.shape[0], X.nnz, X.shape[1])
        self._X = X
        self._n_rows = 0
        self._rows = np.empty(rows, dtype=np.int64)
        self._data = np.empty(nnz, dtype=np.float64)
        self._indices = np.empty(nnz, dtype=np.int32)
        self._indptr = np.zeros(rows + 1, dtype=np.int32)
        self._nnz = 0
        self._compact = np.full(columns, -1, dtype=np.int32)
        self._columns = np.empty(columns, dtype=np.int64)
        self._n_columns = 0

    @property
    def rows(self) -> np.ndarray:
        """The rows held now, in order."""
        return self._rows[: self._n_rows]

    @property
    def columns(self) -> np.ndarray:
        """The matrix column of each compact column (``columns[j]`` is column j's)."""
        return self._columns[: self._n_columns]

    def extends(self, X, rows: np.ndarray) -> bool:
        """True if ``rows`` of ``X`` begin with the rows held now."""
        held = self._n_rows
        return X is self._X and len(rows) >= held and np.array_equal(rows[:held], self._rows[:held])

    def matrix(self, X: sparse.csr_matrix, rows: np.ndarray) -> sparse.csr_matrix:
        """Rows ``rows`` of ``X`` (in that order) in the compact layout.

        :param X: a CSR matrix with float64 values and int32 indices.
        :param rows: the rows to train on, in order.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if not self.extends(X, rows):
            self._reset(X)
        new = rows[self._n_rows :]
        if len(new):
            self._append(X, new)
        n, nnz = self._n_rows, self._nnz
        return sparse.csr_matrix(
            (self._data[:nnz], self._indices[:nnz], self._indptr[: n + 1]),
            shape=(n, self._n_columns),
            copy=False,
        )

    def _append(self, X, new: np.ndarray) -> None:
        # each row's values in their own order (a few rows: slices beat scipy's row indexing)
        if len(new) > 32:
            block = X[new]
            cols, values, lengths = block.indices, block.data, np.diff(block.indptr)
        else:
            starts, ends = X.indptr[new], X.indptr[new + 1]
            cols = np.concatenate([X.indices[a:b] for a, b in zip(starts, ends, strict=True)])
            values = np.concatenate([X.data[a:b] for a, b in zip(starts, ends, strict=True)])
            lengths = ends - starts
        ids = self._compact[cols]
        fresh = cols[ids < 0]
        if len(fresh):
            # the distinct fresh columns in order of first occurrence, without sorting: mark
            # each with the smallest of its positions in `fresh` (np.minimum.at is unbuffered)
            at = np.arange(len(fresh), dtype=np.int32)
            self._compact[fresh] = np.iinfo(np.int32).max
            np.minimum.at(self._compact, fresh, at)
            unique = fresh[self._compact[fresh] == at]
            start = self._n_columns
            self._compact[unique] = np.arange(start, start + len(unique), dtype=np.int32)
            self._columns = _grown(self._columns, start + len(unique))
            self._columns[start : start + len(unique)] = unique
            self._n_columns += len(unique)
            ids = self._compact[cols]
        nnz = self._nnz + len(cols)
        self._data = _grown(self._data, nnz)
        self._indices = _grown(self._indices, nnz)
        self._data[self._nnz : nnz] = values
        self._indices[self._nnz : nnz] = ids
        n = self._n_rows + len(new)
        self._indptr = _grown(self._indptr, n + 1)
        self._indptr[self._n_rows + 1 : n + 1] = self._nnz + np.cumsum(lengths)
        self._rows = _grown(self._rows, n)
        self._rows[self._n_rows : n] = new
        self._n_rows, self._nnz = n, nnz


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    """``array`` if it holds ``size`` items, else a copy with room for twice as many."""
    if len(array) >= size:
        return array
    out = np.empty(max(size, 2 * len(array)), dtype=array.dtype)
    out[: len(array)] = array
    return out
