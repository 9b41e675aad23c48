"""Packing numpy arrays and torch tensors into binary-buffer dicts."""

from __future__ import annotations

from typing import Any

import numpy as np

# dtypes the JS decoder understands; all little-endian on the wire.
WIRE_DTYPES = ("float32", "float16", "float64", "uint8", "int8", "int16", "int32", "uint16", "uint32")


_NUMPY_FLOATS = ("torch.float16", "torch.float32", "torch.float64")


def _to_numpy(array: Any) -> np.ndarray:
    # torch is imported lazily: transport itself needs only numpy.
    if type(array).__module__.startswith("torch"):
        array = array.detach()
        if array.dtype.is_floating_point and str(array.dtype) not in _NUMPY_FLOATS:
            # bfloat16 and the float8 types have no numpy twin: widen on the way out.
            array = array.float()
        array = array.cpu().numpy()
    return np.asarray(array)


def pack(array: Any, dtype: str = "float32") -> dict[str, Any]:
    """Pack an array (numpy, torch, or nested lists) as ``{dtype, shape, buffer}``.

    The data are cast to ``dtype`` (float32 by default; float16 or uint8 where a
    view can afford less precision), made C-contiguous and little-endian, and
    exposed as a ``memoryview`` that ipywidgets sends as a binary buffer.
    """
    if dtype not in WIRE_DTYPES:
        raise ValueError(f"wire dtype must be one of {', '.join(WIRE_DTYPES)}; got {dtype!r}")
    arr = _to_numpy(array)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"only numeric arrays can be packed; got dtype {arr.dtype}")
    wire = np.dtype(dtype).newbyteorder("<")
    out = np.require(arr.astype(wire, copy=False), requirements="C")
    # A flat byte view: ipywidgets sends it as is, and memoryview cannot cast
    # an empty multi-dimensional view.
    flat = out.reshape(-1).view(np.uint8)
    return {"dtype": dtype, "shape": list(out.shape), "buffer": memoryview(flat)}


def unpack(message: dict[str, Any]) -> np.ndarray:
    """Decode a ``{dtype, shape, buffer}`` dict back into a numpy array (a copy)."""
    try:
        dtype, shape, buffer = message["dtype"], message["shape"], message["buffer"]
    except (KeyError, TypeError) as exc:
        raise ValueError("expected a dict with keys 'dtype', 'shape' and 'buffer'") from exc
    if dtype not in WIRE_DTYPES:
        raise ValueError(f"wire dtype must be one of {', '.join(WIRE_DTYPES)}; got {dtype!r}")
    wire = np.dtype(dtype).newbyteorder("<")
    raw = memoryview(buffer).cast("B")
    expected = int(np.prod(shape, dtype=np.int64)) * wire.itemsize
    if raw.nbytes != expected:
        raise ValueError(
            f"buffer holds {raw.nbytes} bytes but shape {tuple(shape)} of {dtype} needs {expected}"
        )
    return np.frombuffer(raw, dtype=wire).reshape(shape).astype(wire.newbyteorder("="), copy=True)
