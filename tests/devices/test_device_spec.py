"""DeviceSpec: TensorFlow's device-string grammar, canonical printing and tf.device merging."""

import pickle

import pytest

from tagraph.devices import DeviceSpec, canonical_device_name

FULL_GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"


@pytest.mark.parametrize("text, fields, printed", [
    (FULL_GPU0, ("localhost", 0, 0, "GPU", 0), FULL_GPU0),
    ("/job:localhost/replica:0/task:0/device:CPU:0", ("localhost", 0, 0, "CPU", 0),
     "/job:localhost/replica:0/task:0/device:CPU:0"),
    ("/gpu:1", (None, None, None, "GPU", 1), "/device:GPU:1"),
    ("/cpu:0", (None, None, None, "CPU", 0), "/device:CPU:0"),
    ("/device:GPU:*", (None, None, None, "GPU", None), "/device:GPU:*"),
    ("GPU:0", (None, None, None, "GPU", 0), "/device:GPU:0"),
    ("/GPU:0", (None, None, None, "GPU", 0), "/device:GPU:0"),
    ("gpu:2", (None, None, None, "GPU", 2), "/device:GPU:2"),
    ("/job:localhost", ("localhost", None, None, None, None), "/job:localhost"),
    ("/device:CPU:*", (None, None, None, "CPU", None), "/device:CPU:*"),
    ("", (None, None, None, None, None), ""),
    ("/job:ps/task:3", ("ps", None, 3, None, None), "/job:ps/task:3"),
    ("/replica:1", (None, 1, None, None, None), "/replica:1"),
    ("/job:worker/gpu:1", ("worker", None, None, "GPU", 1), "/job:worker/device:GPU:1"),
    ("/task:1/job:train", ("train", None, 1, None, None), "/job:train/task:1"),  # any order
    ("/cpu", (None, None, None, "CPU", None), "/device:CPU:*"),
    ("/gpu:*", (None, None, None, "GPU", None), "/device:GPU:*"),
    ("/device:GPU", (None, None, None, "GPU", None), "/device:GPU:*"),   # C++ parser accepts it
    ("/device:TPU:0", (None, None, None, "TPU", 0), "/device:TPU:0"),
    ("/job:my_job_2/replica:10/task:12/device:GPU:15", ("my_job_2", 10, 12, "GPU", 15),
     "/job:my_job_2/replica:10/task:12/device:GPU:15"),
])
def test_parse_and_print(text, fields, printed):
    spec = DeviceSpec.from_string(text)
    assert (spec.job, spec.replica, spec.task, spec.device_type, spec.device_index) == fields
    assert spec.to_string() == printed == str(spec)
    # Printing is a fixed point of parsing.
    assert DeviceSpec.from_string(printed) == spec


@pytest.mark.parametrize("text, device_type", [
    # The short form is case-insensitive, as in tf.DeviceSpec.
    ("/gpu:0", "GPU"), ("/GPU:0", "GPU"), ("/Gpu:0", "GPU"), ("/gPU:0", "GPU"),
    ("/cpu:0", "CPU"), ("/Cpu:0", "CPU"),
    # The long form upper-cases exactly "cpu"/"gpu" (backwards compatibility) and keeps other types
    # verbatim, as TensorFlow does: "/device:Gpu:0" names a type "Gpu", which no device has.
    ("/device:gpu:0", "GPU"), ("/device:cpu:0", "CPU"), ("/device:GPU:0", "GPU"),
    ("/device:Gpu:0", "Gpu"), ("/device:XLA_GPU:0", "XLA_GPU"),
])
def test_device_type_case_rules(text, device_type):
    assert DeviceSpec.from_string(text).device_type == device_type


def test_constructor_uppercases_lowercase_cpu_gpu_only():
    assert DeviceSpec(device_type="gpu", device_index=0).to_string() == "/device:GPU:0"
    assert DeviceSpec(device_type="cpu").to_string() == "/device:CPU:*"
    assert DeviceSpec(device_type="TPU", device_index=1).to_string() == "/device:TPU:1"
    assert DeviceSpec(replica="2", task=3.0, device_type="GPU", device_index="1").to_string() \
        == "/replica:2/task:3/device:GPU:1"
    assert DeviceSpec(job="localhost", replica=0, task=0, device_type="GPU",
                      device_index=0).to_string() == FULL_GPU0


@pytest.mark.parametrize("text", [
    "/gpu:0/cpu:0",            # two device types
    "/device:GPU:0/gpu:1",
    "/foo:1",                  # unknown attribute
    "/job",                    # attribute without value
    "/replica:x",
    "/task:-1",
    "/gpu:-1",
    "/gpu:x",
    "/device:GPU:x",
    "/device:GPU:0:1",
    "/job:bad-name",
    "/job:",
    "/device::0",
    "/device:*:0",             # an index without a type
    "/job:a:b",
])
def test_parse_errors_name_the_string(text):
    with pytest.raises(ValueError) as info:
        DeviceSpec.from_string(text)
    assert repr(text) in str(info.value)


def test_from_string_accepts_none_bytes_and_specs():
    assert DeviceSpec.from_string(None) == DeviceSpec()
    assert DeviceSpec.from_string(b"/gpu:0") == DeviceSpec(device_type="GPU", device_index=0)
    spec = DeviceSpec.from_string("/gpu:0")
    assert DeviceSpec.from_string(spec) is spec
    with pytest.raises(TypeError):
        DeviceSpec.from_string(3)


@pytest.mark.parametrize("kwargs", [
    dict(replica=-1), dict(task=1.5), dict(device_index=-2), dict(job="a b"),
    dict(device_type="G P U"), dict(task="x"), dict(device_index=True),
])
def test_constructor_rejects_bad_fields(kwargs):
    with pytest.raises(ValueError):
        DeviceSpec(**kwargs)


@pytest.mark.parametrize("outer, inner, merged", [
    # Fields set in the inner spec override the outer; unset ones keep the outer value.
    ("/job:train", "/job:ps/device:GPU:0", "/job:ps/device:GPU:0"),
    ("/job:train", "/device:GPU:1", "/job:train/device:GPU:1"),
    ("/device:GPU:0", "/job:worker", "/job:worker/device:GPU:0"),
    ("/job:worker/device:GPU:0", "/device:CPU:0", "/job:worker/device:CPU:0"),
    ("/job:worker/device:CPU:0", "/job:ps", "/job:ps/device:CPU:0"),
    # A wildcard index never overrides a concrete one, even with another type (tf.DeviceSpec).
    ("/gpu:1", "/device:GPU:*", "/device:GPU:1"),
    ("/gpu:1", "/gpu:*", "/device:GPU:1"),
    ("/job:worker/gpu:1", "/device:CPU:*", "/job:worker/device:CPU:1"),
    ("/device:GPU:*", "/gpu:2", "/device:GPU:2"),
    ("", "/gpu:0", "/device:GPU:0"),
    ("/gpu:0", "", "/device:GPU:0"),
    ("/job:localhost/replica:0/task:0/device:CPU:0", "/gpu:0", FULL_GPU0),
    ("/job:a/replica:1/task:2", "/replica:3", "/job:a/replica:3/task:2"),
])
def test_merge_like_nested_device_scopes(outer, inner, merged):
    outer_spec = DeviceSpec.from_string(outer)
    assert outer_spec.make_merged_spec(DeviceSpec.from_string(inner)).to_string() == merged
    assert outer_spec.make_merged_spec(inner).to_string() == merged    # strings accepted too


def test_nested_scopes_fold_left():
    stack = ["/job:worker", "/device:GPU:1", "/replica:0", "/device:GPU:*", "/task:2"]
    spec = DeviceSpec()
    for entry in stack:
        spec = spec.make_merged_spec(entry)
    assert spec.to_string() == "/job:worker/replica:0/task:2/device:GPU:1"


def test_immutable_hashable_equal_and_picklable():
    a = DeviceSpec.from_string("/job:localhost/gpu:0")
    b = DeviceSpec(job="localhost", device_type="GPU", device_index=0)
    assert a == b and hash(a) == hash(b) and not (a != b)
    assert a != DeviceSpec.from_string("/gpu:0")
    assert a != "/job:localhost/device:GPU:0"
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.job = "ps"
    with pytest.raises(AttributeError):
        a.device_index = 3
    assert pickle.loads(pickle.dumps(a)) == a
    assert "GPU:0" in repr(a)


def test_replace():
    spec = DeviceSpec.from_string("/job:ps/device:CPU:0")
    assert spec.replace(device_type="GPU").to_string() == "/job:ps/device:GPU:0"
    assert spec.replace(job=None).to_string() == "/device:CPU:0"
    assert spec.to_string() == "/job:ps/device:CPU:0"
    with pytest.raises(TypeError):
        spec.replace(device="GPU")


def test_fully_specified_and_matches():
    assert DeviceSpec.from_string(FULL_GPU0).is_fully_specified
    assert not DeviceSpec.from_string("/gpu:0").is_fully_specified
    assert not DeviceSpec.from_string("/job:localhost/replica:0/task:0/gpu:*").is_fully_specified
    assert DeviceSpec.from_string("/gpu:*").matches(FULL_GPU0)
    assert DeviceSpec.from_string("/job:localhost").matches(FULL_GPU0)
    assert DeviceSpec().matches(FULL_GPU0)
    assert not DeviceSpec.from_string("/gpu:1").matches(FULL_GPU0)
    assert not DeviceSpec.from_string("/cpu:0").matches(FULL_GPU0)
    assert not DeviceSpec.from_string("/job:ps").matches(FULL_GPU0)


@pytest.mark.parametrize("text, canonical", [
    ("/gpu:1", "/job:localhost/replica:0/task:0/device:GPU:1"),
    ("GPU:0", FULL_GPU0),
    ("/device:gpu:0", FULL_GPU0),
    ("/job:localhost/replica:0/task:0/device:CPU:0", "/job:localhost/replica:0/task:0/device:CPU:0"),
    ("/cpu:0", "/job:localhost/replica:0/task:0/device:CPU:0"),
    ("/job:worker/task:3/gpu:2", "/job:worker/replica:0/task:3/device:GPU:2"),
])
def test_canonical_device_name(text, canonical):
    assert canonical_device_name(text) == canonical


@pytest.mark.parametrize("text", ["", "/job:localhost", "/gpu:*", "/device:CPU:*", "/gpu:0/cpu:0"])
def test_canonical_device_name_needs_one_device(text):
    with pytest.raises(ValueError):
        canonical_device_name(text)
