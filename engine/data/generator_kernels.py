"""GeneratorDataset's kernel: elements made by three library functions, as TensorFlow runs them.

``init_func(init_func_other_args)`` gives a pass's state when its iterator starts; each ``get_next`` calls
``next_func(state + next_func_other_args)``, whose OutOfRangeError ends the pass; ``finalize_func(state +
finalize_func_other_args)`` runs once at the end of the pass, or when the iterator closes before it.
``Dataset.from_generator`` builds one whose functions call a Python generator (see generator_dataset).
"""
from tagraph.engine.framework import errors
from tagraph.engine.data.dataset_kernels import (DatasetValue, ElementIterator, dataset_function,
                                                 register_dataset_kernel)

__all__ = []


class _Generator(DatasetValue):
    kind = "Generator"

    def __init__(self, ctx, init_args, next_args, finalize_args):
        super().__init__(ctx)
        self.op_type = ctx.op.type
        self.functions = [dataset_function(ctx, a) for a in ("init_func", "next_func", "finalize_func")]
        self.args = [list(init_args), list(next_args), list(finalize_args)]

    def make_iterator(self, prefix="Iterator::Root"):
        return _GeneratorIterator(self, prefix + "::Generator")


class _GeneratorIterator(ElementIterator):
    def __init__(self, d, prefix):
        # The functions' errors come out as they are (no "user-defined function" wrapping), as TensorFlow's.
        init, nxt, fin = d.functions
        self.init = lambda args: init(list(args) + d.args[0])
        self.next = lambda state: nxt(list(state) + d.args[1])
        self.finalize = lambda state: fin(list(state) + d.args[2])
        self.state = None
        self.done = False

    def get_next(self):
        if self.done:
            return None
        if self.state is None:
            self.state = self.init([])
        try:
            return self.next(self.state)
        except errors.OutOfRangeError:
            self._finish()
            return None

    def _finish(self):
        self.done = True
        state, self.state = self.state, None
        if state is not None:
            self.finalize(state)

    def close(self):
        if not self.done:
            self._finish()


@register_dataset_kernel("GeneratorDataset")
def _generator(ctx, *inputs):
    n_init = len(ctx.attrs.get("Tinit_func_args") or ())
    n_next = len(ctx.attrs.get("Tnext_func_args") or ())
    return _Generator(ctx, inputs[:n_init], inputs[n_init:n_init + n_next], inputs[n_init + n_next:])
