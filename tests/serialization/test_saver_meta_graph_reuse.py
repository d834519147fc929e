"""Saves of a finalized graph reuse the meta graph's bytes: the same bytes a fresh export gives, rebuilt when
the graph's collections change."""
import numpy as np

import tagraph.engine as tg
from tagraph.serialization import Saver, meta_graph_io


def test_finalized_graph_saves_write_a_fresh_exports_bytes(tmp_path, monkeypatch):
    with tg.Graph().as_default() as g:
        v = tg.Variable(np.arange(3, dtype=np.float32), name="v")
        saver = Saver()
        g.finalize()
        built = []
        real = meta_graph_io.export_meta_graph
        monkeypatch.setattr(meta_graph_io, "export_meta_graph", lambda *a, **k: built.append(1) or real(*a, **k))
        with tg.Session() as sess:
            sess.run(v.initializer)
            paths = [saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step) for step in (1, 2, 3)]
        assert len(built) == 1
        metas = [open(p + ".meta", "rb").read() for p in paths]
        assert metas[0] == metas[1] == metas[2]
        fresh = real(graph=g, saver_def=saver.saver_def, allow_generator_datasets=True)
        assert metas[0] == fresh.SerializeToString(deterministic=True)
        # A collection that grows (allowed on a finalized graph) makes the next save export again.
        g.add_to_collection("extra", v)
        with tg.Session() as sess:
            sess.run(v.initializer)
            path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=4)
        assert len(built) == 2
        assert "extra" in meta_graph_io.read_meta_graph_file(path + ".meta").collection_def
