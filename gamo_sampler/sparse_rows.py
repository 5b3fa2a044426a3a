"""Sparse input: the game reads a scipy sparse matrix without densifying it whole.

M and D read dense mini-batches, densified and standardised one batch at a time
(:class:`SparseRows`). G's convex combinations are sparse products: a class's
anchor rows stay a sparse matrix (:class:`SparseAnchors`). Standardising
centres the features, which would make the rows dense, so the anchors are only
divided by the scale and the centre is subtracted after the product: the weights
of a convex combination sum to one, so ``alpha @ (X / s) - m / s`` equals
``alpha @ ((X - m) / s)``.
"""

import warnings

import numpy as np
import torch
from scipy import sparse

# The most elements (rows x features) densified at once where the game or
# predict reads many rows: 2**24 float32 values are 64 MiB.
DENSE_CHUNK_ELEMENTS = 2**24


# G's convex combinations use sparse products when the anchor rows store fewer
# than this share of their values; above it, on one CPU core, dense products
# were as fast or faster (measured on 300 anchors of 2,000 and 20,000 features).
SPARSE_PRODUCT_DENSITY = 0.1


def rows_per_chunk(n_features):
    """Rows of ``n_features`` features that fit in one dense chunk."""
    return max(1, DENSE_CHUNK_ELEMENTS // max(1, n_features))


def dense_chunks(X):
    """Yield the rows of sparse ``X`` as dense arrays, a bounded chunk at a time."""
    step = rows_per_chunk(X.shape[1])
    for start in range(0, X.shape[0], step):
        yield X[start : start + step].toarray()


def torch_csr(X):
    """A scipy sparse matrix as a float32 torch sparse CSR tensor."""
    X = sparse.csr_matrix(X, dtype=np.float32)
    with warnings.catch_warnings():
        # torch warns once that sparse CSR support is in beta.
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            torch.as_tensor(X.indptr, dtype=torch.int64),
            torch.as_tensor(X.indices, dtype=torch.int64),
            torch.as_tensor(X.data),
            size=X.shape,
            check_invariants=False,
        )


class _SparseProduct(torch.autograd.Function):
    """``alpha @ X`` for dense ``alpha`` and sparse CSR ``X``, with ``X`` also
    given transposed: torch's own product with a sparse operand is many times
    slower, forwards (dense @ sparse) or backwards (it transposes ``X``)."""

    @staticmethod
    def forward(ctx, alpha, rows, columns):
        ctx.rows = rows
        return torch.sparse.mm(columns, alpha.T).T

    @staticmethod
    def backward(ctx, grad):
        return torch.sparse.mm(ctx.rows, grad.T).T, None, None


def sparse_combination(alpha, rows, columns, shift):
    """Convex combinations ``alpha @ rows - shift`` of sparse anchor rows.

    Parameters
    ----------
    alpha : torch.Tensor of shape (n_combinations, n_anchors)
        Convex weights (rows sum to one).
    rows, columns : torch.Tensor
        The anchors ``X / scale`` as sparse CSR tensors, of shape
        ``(n_anchors, n_features)`` and transposed.
    shift : torch.Tensor of shape (n_features,)
        ``mean / scale``.

    Returns
    -------
    torch.Tensor of shape (n_combinations, n_features)
        The combinations of the standardised anchors.
    """
    return _SparseProduct.apply(alpha, rows, columns) - shift


class SparseAnchors:
    """A class's anchor rows, kept sparse for :func:`sparse_combination`.

    Parameters
    ----------
    X : scipy sparse matrix of shape (n_anchors, n_features)
        The anchor rows, in original units.
    standardizer : Standardizer
        The scaling of the game.
    device : torch.device
        Where the game runs.

    Attributes
    ----------
    rows, columns : torch.Tensor
        ``X / scale`` as float32 sparse CSR tensors, and its transpose.
    shift : torch.Tensor of shape (n_features,)
        ``mean / scale``, float32.
    """

    def __init__(self, X, standardizer, device):
        scaled = sparse.csr_matrix(X, dtype=np.float64) @ sparse.diags(
            1.0 / standardizer.scale
        )
        self.rows = torch_csr(scaled).to(device)
        self.columns = torch_csr(scaled.T).to(device)
        shift = (standardizer.mean / standardizer.scale).astype(np.float32)
        self.shift = torch.as_tensor(shift, device=device)
        self.shape = X.shape

    def __len__(self):
        return self.shape[0]


class SparseRows:
    """Training rows held as a sparse matrix and read as dense standardised rows.

    It stands in for the dense float32 tensor ``standardizer.transform(X)`` in
    the game: ``len``, ``shape``, ``device``, and indexing by an index tensor,
    array or slice, which returns those rows dense (float32, on ``device``,
    the same bits as the dense tensor's rows).

    Parameters
    ----------
    X : scipy sparse matrix of shape (n_samples, n_features)
        The rows, in original units.
    standardizer : Standardizer
        The scaling of the game.
    device : torch.device
        Where the game runs.
    """

    def __init__(self, X, standardizer, device):
        self.X = sparse.csr_matrix(X)
        self.standardizer = standardizer
        self.device = device
        self.shape = X.shape

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        dense = self.standardizer.transform(self.X[index].toarray())
        return torch.as_tensor(dense, device=self.device)

    def anchors(self, anchor_index):
        """The anchor rows of each generator class, from their indices.

        They stay sparse (:class:`SparseAnchors`) when, all classes together,
        fewer than ``SPARSE_PRODUCT_DENSITY`` of their values are stored; else
        they are dense standardised tensors, as for dense input, since a dense
        product is then faster.
        """
        index = [
            i.cpu().numpy() if isinstance(i, torch.Tensor) else i for i in anchor_index
        ]
        parts = [self.X[i] for i in index]
        stored = sum(part.nnz for part in parts)
        size = sum(part.shape[0] * part.shape[1] for part in parts)
        if stored < SPARSE_PRODUCT_DENSITY * size:
            return [
                SparseAnchors(part, self.standardizer, self.device) for part in parts
            ]
        return [self[i] for i in index]
