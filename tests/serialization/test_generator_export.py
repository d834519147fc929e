"""A graph reading ``Dataset.from_generator`` cannot be exported (its generator is Python code of this
process, which TensorFlow's docs say is not serialized in a GraphDef): export_meta_graph and SavedModel refuse
it with an error naming from_generator; the meta graph Saver.save writes beside a checkpoint is still written,
as TensorFlow writes it."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver, export_meta_graph, saved_model


def _generator_graph():
    def gen():
        for i in range(3):
            yield np.float32(i)
    x = tg.data.make_one_shot_iterator(tg.data.Dataset.from_generator(gen, tg.float32, [])).get_next()
    v = tg.get_variable("v", [], initializer=tg.zeros_initializer())
    return x, v


def test_export_meta_graph_refuses_from_generator(tmp_path):
    with tg.Graph().as_default():
        _generator_graph()
        with pytest.raises(ValueError, match="from_generator.*cannot be exported"):
            export_meta_graph(str(tmp_path / "model.meta"))
        assert not (tmp_path / "model.meta").exists()


def test_saved_model_refuses_from_generator(tmp_path):
    with tg.Graph().as_default():
        x, v = _generator_graph()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            builder = saved_model.builder.SavedModelBuilder(str(tmp_path / "export"))
            with pytest.raises(ValueError, match="from_generator"):
                builder.add_meta_graph_and_variables(sess, ["serve"])


def test_a_graph_without_generators_still_exports(tmp_path):
    with tg.Graph().as_default():
        tg.data.make_one_shot_iterator(tg.data.Dataset.range(3)).get_next()
        mg = export_meta_graph(str(tmp_path / "model.meta"))
        assert any(n.op == "OneShotIterator" for n in mg.graph_def.node)


def test_saver_save_still_writes_its_meta_graph_and_the_pipeline_runs(tmp_path):
    with tg.Graph().as_default():
        x, v = _generator_graph()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            assert [float(sess.run(x)) for _ in range(3)] == [0.0, 1.0, 2.0]
            path = Saver().save(sess, str(tmp_path / "ckpt"))
        assert (tmp_path / "ckpt.meta").exists() and path.endswith("ckpt")
