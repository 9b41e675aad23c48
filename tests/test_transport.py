import numpy as np
import pytest
import torch

from nnwidgets.transport import pack, unpack


@pytest.mark.parametrize("dtype", ["float32", "float64", "uint8", "int32", "int16", "uint16", "int8", "uint32"])
def test_round_trip_preserves_values_shape_and_dtype(dtype):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    msg = pack(a, dtype=dtype)
    assert msg["dtype"] == dtype and msg["shape"] == [3, 4, 5]
    assert isinstance(msg["buffer"], memoryview)
    assert msg["buffer"].nbytes == a.nbytes
    b = unpack(msg)
    assert b.dtype == np.dtype(dtype) and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


def test_float16_is_half_precision_on_the_wire():
    a = np.array([[0.0, 1.0, -2.0, 65504.0], [1e-4, 3.14159, np.inf, -np.inf]], dtype=np.float32)
    msg = pack(a, dtype="float16")
    assert msg["buffer"].nbytes == a.size * 2
    b = unpack(msg)
    np.testing.assert_array_equal(b, a.astype(np.float16))


def test_non_contiguous_and_torch_inputs():
    t = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4).transpose(0, 2)  # non-contiguous
    assert not t.is_contiguous()
    b = unpack(pack(t))
    np.testing.assert_array_equal(b, t.numpy())
    sliced = np.arange(100, dtype=np.float64)[::3]
    np.testing.assert_array_equal(unpack(pack(sliced, "float64")), sliced)


def test_requires_grad_tensor_packs_without_error():
    t = torch.ones(2, 2, requires_grad=True) * 3
    np.testing.assert_array_equal(unpack(pack(t)), np.full((2, 2), 3.0, np.float32))


def test_wire_is_little_endian():
    msg = pack(np.array([1.0], dtype=">f4"))
    assert bytes(msg["buffer"]) == np.array([1.0], dtype="<f4").tobytes()


def test_zero_sized_and_scalar():
    assert unpack(pack(np.zeros((0, 3)))).shape == (0, 3)
    assert unpack(pack(np.float32(2.5))).shape == ()


def test_errors_name_the_expected_form():
    with pytest.raises(ValueError, match="wire dtype"):
        pack(np.zeros(2), dtype="complex64")
    with pytest.raises(TypeError, match="numeric"):
        pack(np.array(["a"]))
    msg = pack(np.zeros(4, np.float32))
    msg["shape"] = [5]
    with pytest.raises(ValueError, match="needs 20"):
        unpack(msg)
    with pytest.raises(ValueError, match="'dtype', 'shape' and 'buffer'"):
        unpack({"shape": [1]})


def test_every_torch_float_dtype_packs() -> None:
    """Models in bfloat16 (and float16/float64) reach the view: bfloat16 has no numpy twin."""
    import torch

    values = torch.tensor([[0.5, -1.25], [3.0, 0.0]])
    for dtype in (torch.bfloat16, torch.float16, torch.float32, torch.float64):
        got = unpack(pack(values.to(dtype)))
        np.testing.assert_array_equal(got, values.numpy())
