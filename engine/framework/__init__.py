"""The graph and what defines it: dtypes, shapes, errors, Graph/Operation/Tensor, the OpDef registry and op
builder, GraphDef import and export, TFRecord files. Everything else in the engine builds on this package."""
