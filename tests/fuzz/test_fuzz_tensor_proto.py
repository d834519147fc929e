"""TensorProto decoding (``make_ndarray``): what a Const in a GraphDef, a gRPC request and a SignatureDef
default hand the engine. Shapes are claims; only the proto's own bytes are facts."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tagraph.engine.framework import errors, tensor_util
from tagraph.engine.framework.allocation_limits import allocation_limit
from tagraph.protos import tensor_pb2

from fuzz_harness import check, fuzz_settings, mutate, mutations

_DTYPES = list(range(0, 25)) + [101, 107, 114, 120, 200, -1]
_DIMS = st.one_of(st.integers(0, 8), st.integers(-2, 2**63 - 1), st.sampled_from([10**6, 10**12, 2**31, 2**62]))


@st.composite
def tensor_protos(draw):
    p = tensor_pb2.TensorProto(dtype=draw(st.sampled_from(_DTYPES)) % 2**31)
    for d in draw(st.lists(_DIMS, max_size=draw(st.sampled_from([4, 4, 70])))):
        p.tensor_shape.dim.add(size=d)
    if draw(st.booleans()):
        p.tensor_shape.unknown_rank = True
    if draw(st.booleans()):
        p.tensor_content = draw(st.binary(max_size=64))
    n = draw(st.integers(0, 6))
    p.float_val.extend(draw(st.lists(st.floats(width=32), max_size=n)))
    p.double_val.extend(draw(st.lists(st.floats(), max_size=n)))
    p.int_val.extend(draw(st.lists(st.integers(-2**31, 2**31 - 1), max_size=n)))
    p.int64_val.extend(draw(st.lists(st.integers(-2**63, 2**63 - 1), max_size=n)))
    p.half_val.extend(draw(st.lists(st.integers(-2**31, 2**31 - 1), max_size=n)))
    p.string_val.extend(draw(st.lists(st.binary(max_size=8), max_size=n)))
    p.bool_val.extend(draw(st.lists(st.booleans(), max_size=n)))
    p.scomplex_val.extend(draw(st.lists(st.floats(width=32), max_size=n)))
    p.uint32_val.extend(draw(st.lists(st.integers(0, 2**32 - 1), max_size=n)))
    p.uint64_val.extend(draw(st.lists(st.integers(0, 2**64 - 1), max_size=n)))
    return p


@fuzz_settings(300)
@given(tensor_protos())
def test_make_ndarray_structured(proto):
    out = check("TensorProto", tensor_util.make_ndarray, proto, input_size=proto.ByteSize())
    if isinstance(out, np.ndarray):
        assert list(out.shape) == [d.size for d in proto.tensor_shape.dim]


_SEEDS = [tensor_util.make_tensor_proto(v).SerializeToString() for v in (
    np.float32([[1, 2], [3, 4]]), np.int64([5]), np.array([b"a", b"bc"], dtype=object), 3.5,
    np.float16([1, 2, 3]), np.complex64([1 + 2j]), np.bool_([True, False]))]


def _parse_and_decode(data):
    p = tensor_pb2.TensorProto()
    try:
        p.ParseFromString(data)
    except Exception:  # noqa: BLE001 - protobuf's DecodeError: not ours to test
        return None
    return tensor_util.make_ndarray(p)


@fuzz_settings(300)
@given(st.sampled_from(_SEEDS), mutations(st))
def test_make_ndarray_mutated_bytes(seed, ops):
    data = mutate(seed, ops)
    check("TensorProto", _parse_and_decode, data, input_size=len(data))


# --- regression tests for findings -------------------------------------------------------------------

def _proto(dtype, dims, **fields):
    p = tensor_pb2.TensorProto(dtype=dtype)
    for d in dims:
        p.tensor_shape.dim.add(size=d)
    for k, v in fields.items():
        getattr(p, k).extend(v)
    return p


@pytest.mark.parametrize("dtype, dims, fields", [
    (1, [10**12], {"float_val": [1.0]}),        # one value repeated to 10**12 elements
    (7, [10**12], {"string_val": [b"x"]}),
    (1, [2**33], {}),                           # no values: zeros, 32 GiB
    (20, [10**12], {}),                         # resource
])
def test_shape_claiming_more_than_the_limit_is_refused_before_allocating(dtype, dims, fields):
    with allocation_limit(64 << 20):
        with pytest.raises(errors.ResourceExhaustedError):
            tensor_util.make_ndarray(_proto(dtype, dims, **fields))


def test_shape_overflowing_int64_is_invalid_argument():
    with pytest.raises(errors.InvalidArgumentError, match="overflow"):
        tensor_util.make_ndarray(_proto(1, [2**62, 2**62], float_val=[1.0]))


@pytest.mark.parametrize("dtype", [21, 101, 107, 120, 999])   # variant, float_ref, string_ref, resource_ref, bogus
def test_unusable_dtypes_are_documented_errors(dtype):
    with pytest.raises((errors.InvalidArgumentError, errors.UnimplementedError)):
        tensor_util.make_ndarray(_proto(dtype, [3]))
