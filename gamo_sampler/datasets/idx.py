"""Reader of idx files, the format of MNIST and Fashion-MNIST."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

__all__ = ["read_idx"]

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path):
    """Read an idx file (the MNIST / Fashion-MNIST format), gzipped or plain.

    The header is two zero bytes, a type code, the number of dimensions and
    one big-endian int32 per dimension; the values follow, big-endian.
    Gzip compression is recognised from the file content, not its name.

    Parameters
    ----------
    path : str or path-like
        File to read.

    Returns
    -------
    array : ndarray
        Array of the shape stored in the header, in native byte order
        (uint8 for images and labels).

    Raises
    ------
    ValueError
        If the header is not an idx header or the size does not match it.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from gamo_sampler.datasets import read_idx
    >>> raw = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big") + bytes([7, 8, 9])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "labels-idx1-ubyte")
    ...     with open(path, "wb") as f:
    ...         _ = f.write(raw)
    ...     read_idx(path).tolist()
    [7, 8, 9]
    """
    raw = Path(path).read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        raw = gzip.decompress(raw)
    return _parse_idx(raw, source=str(path))


def _parse_idx(raw, *, source):
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{source} is not an idx file (bad magic number).")
    dtype = _IDX_DTYPES[raw[2]]
    n_dims = raw[3]
    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise ValueError(f"{source}: idx header is truncated.")
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)
    )
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header_size != expected:
        raise ValueError(
            f"{source}: header announces shape {shape} ({expected} bytes of "
            f"data) but the file holds {len(raw) - header_size} bytes."
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))
