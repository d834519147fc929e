"""Feature columns against TensorFlow's recording: each categorical column's sparse ids and weights (vocabulary
lists and files, identities, hash buckets, crosses, buckets), the dense transforms, make_parse_example_spec, a
parse_example round trip through input_layer and linear_model, and the errors bad input gets."""
import base64
import re

import numpy as np
import pytest

import tagraph.compat.v1 as tf1
import tagraph.engine as tg
from feature_column_reference import ARRAYS, DATA, FC, META, RECORD, check_error, names, run_with_recorded_values
from tagraph.engine.feature_column.feature_column import _LazyBuilder


def _ids():
    with tg.Graph().as_default():
        c = RECORD.columns(tg)
        builder = _LazyBuilder(RECORD.features(tg))
        pairs = {name: c[name]._get_sparse_tensors(builder) for name in RECORD.IDS}
        fetches = {name: (ids,) if weights is None else (ids, weights) for name, (ids, weights) in pairs.items()}
        dense = {name: c[name]._transform_feature(builder) for name in ("price_b", "age_b", "price", "score")}
        with tg.Session() as sess:
            sess.run(tg.tables_initializer())
            got, got_dense = sess.run([fetches, dense])
        return c, pairs, got, got_dense


_IDS = _ids()


@pytest.mark.parametrize("name", RECORD.IDS)
def test_a_categorical_columns_ids_are_tensorflows(name):
    c, pairs, got, _ = _IDS
    want = META["ids"][name]
    assert c[name].name == want["column"]
    assert c[name]._num_buckets == c[name].num_buckets == want["num_buckets"]
    assert (pairs[name].weight_tensor is not None) == want["weighted"]
    for k, part in enumerate(("ids", "weights")[:len(got[name])]):
        for field in ("indices", "values", "dense_shape"):
            value = np.asarray(getattr(got[name][k], field))
            expected = ARRAYS["%s:%s:%s" % (part, name, field)]
            assert value.dtype == expected.dtype, (part, field, value.dtype, expected.dtype)
            np.testing.assert_array_equal(value, expected, err_msg="%s %s" % (part, field))


@pytest.mark.parametrize("name", ["price_b", "age_b", "price", "score"])
def test_a_dense_columns_transform_is_tensorflows(name):
    got = _IDS[3][name]
    want = ARRAYS["transform:" + name]
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)


def _spec_of(columns):
    return RECORD.spec_json(FC.make_parse_example_spec(columns))


def test_make_parse_example_spec_is_tensorflows():
    with tg.Graph().as_default():
        c = RECORD.columns(tg)
        dense, linear = RECORD.parse_columns(FC, c)
        assert _spec_of(dense + linear) == META["parse"]["spec"]
        assert _spec_of(list(c.values())) == META["parse"]["all_spec"]


def test_parsed_examples_give_tensorflows_input_layer_and_linear_model():
    serialized = [base64.b64decode(s) for s in META["parse"]["examples"]]
    with tg.Graph().as_default():
        c = RECORD.columns(tg)
        dense, linear = RECORD.parse_columns(FC, c)
        batch = tg.placeholder(tg.string, [None], name="examples")
        parsed = tg.parse_example(batch, FC.make_parse_example_spec(dense + linear))
        deep = FC.input_layer(parsed, dense)
        wide = FC.linear_model(parsed, linear)
        assert names(tg.global_variables()) == META["parse"]["variables"]
        got_deep, got_wide = run_with_recorded_values("parse", [deep, wide], {batch: serialized})
    np.testing.assert_allclose(got_deep, ARRAYS["parse:deep"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_wide, ARRAYS["parse:wide"], rtol=1e-5, atol=1e-6)


def _normalized(message):
    # The columns' reprs name TensorFlow's dtypes and classes: tf.float32, <class 'tensorflow...X'>.
    message = re.sub(r"<class '[\w.]+\.(\w+)'>", r"<class \1>", message)
    return re.sub(r"\btf\.(\w+)", r"tg.\1", message)


# Errors whose message ends with a tensor's repr, which differs between the two.
_UP_TO_GIVEN = {"rank0_feature"}


@pytest.mark.parametrize("name", sorted(RECORD.ERRORS))
def test_bad_input_raises_tensorflows_error(name):
    got, want = check_error(name)
    if name in _UP_TO_GIVEN:
        got, want = got.split(" Given:")[0], want.split(" Given:")[0]
    assert _normalized(want) in _normalized(got), (got, want)


def test_a_missing_vocabulary_file_is_found_when_the_column_is_made():
    with pytest.raises(ValueError, match="vocabulary_file in letter does not exist"):
        FC.categorical_column_with_vocabulary_file("letter", str(DATA / "no_such_vocabulary.txt"))
    column = FC.categorical_column_with_vocabulary_file("letter", str(DATA / "letters.txt"))
    assert column.vocabulary_size == 4 and column.default_value == -1 and column.num_oov_buckets == 0


def test_columns_are_tensorflows_namedtuples():
    price = FC.numeric_column("price", default_value=2)
    assert price == FC.numeric_column("price", shape=1, default_value=[2]) != FC.numeric_column("price")
    assert price.default_value == (2,) and price.shape == (1,) and price.dtype == tg.float32
    assert type(price).__name__ == "NumericColumn" and price._fields == ("key", "shape", "default_value", "dtype",
                                                                         "normalizer_fn")
    color = FC.categorical_column_with_vocabulary_list("color", ["a", "b"])
    assert FC.embedding_column(color, 3).name == "color_embedding"
    assert FC.indicator_column(color).name == "color_indicator"
    assert FC.crossed_column([color, "x"], 4).name == "color_X_x"
    shared = FC.shared_embedding_columns([color, FC.categorical_column_with_vocabulary_list("b", ["a", "b"])], 2)
    assert [s.name for s in shared] == ["color_shared_embedding", "b_shared_embedding"]
    assert shared[0]._var_scope_name == "b_color_shared_embedding"
    assert {price: 1}[FC.numeric_column("price", default_value=2)] == 1      # hashable, compared by value


def test_the_compat_namespace_has_the_columns():
    assert tf1.feature_column.input_layer is FC.input_layer
    assert tf1.feature_column.crossed_column is FC.crossed_column
    with pytest.raises(NotImplementedError, match="tf.feature_column.sequence_numeric_column"):
        tf1.feature_column.sequence_numeric_column  # noqa: B018


def test_an_unknown_rank_feature_is_expanded_when_run():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, None, name="x")
        out = FC.input_layer({"x": x}, [FC.numeric_column("x")])
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(out, {x: [1.0, 2.0]}), [[1.0], [2.0]])
            np.testing.assert_array_equal(sess.run(out, {x: [[1.0], [2.0]]}), [[1.0], [2.0]])
            with pytest.raises(tg.errors.InvalidArgumentError, match="cannot have rank 0"):
                sess.run(out, {x: 1.0})


def test_an_unknown_rank_sparse_feature_is_expanded_when_run():
    with tg.Graph().as_default():
        sp = tg.sparse_placeholder(tg.string, name="words")
        column = FC.indicator_column(FC.categorical_column_with_vocabulary_list("words", ["a", "b"]))
        out = FC.input_layer({"words": sp}, [column])
        with tg.Session() as sess:
            sess.run(tg.tables_initializer())
            rank1 = tg.SparseTensorValue([[0], [2]], [b"b", b"a"], [3])
            np.testing.assert_array_equal(sess.run(out, {sp: rank1}), [[0, 1], [0, 0], [1, 0]])
            rank2 = tg.SparseTensorValue([[0, 0], [0, 1]], [b"b", b"a"], [2, 2])
            np.testing.assert_array_equal(sess.run(out, {sp: rank2}), [[1, 1], [0, 0]])
