"""A straight-line plan's steps as one generated Python function, so a run costs what its kernels cost.

The interpreter loop (``straight_line._execute``) spends most of a small op's time on bookkeeping: reading
the step tuple, building the argument list, indexing the slot list. The generated function does the same
calls with every slot a local variable and every kernel and context a closure variable:

    def run(vals):
        s0 = vals[0]; s1 = vals[1]          # constants and feeds, set before the run
        _i = 0
        s2 = k0(c0, s0, s1)
        _i = 1
        _t = k1(c1, s2); s3 = _t[0]; s4 = _t[1]
        return [s3, s4]

A failing step is reported with its index (:class:`StepFailed`), so the plan can name its node. Plans with
more steps than ``MAX_STEPS`` keep the interpreter: compiling a function that large costs more than it saves.
"""
__all__ = ["compile_steps", "StepFailed", "MAX_STEPS"]

MAX_STEPS = 3000


class StepFailed(Exception):
    """Raised by a generated run: step ``index`` raised ``error``."""

    def __init__(self, index, error):
        super().__init__(index, error)
        self.index = index
        self.error = error


def compile_steps(steps, fetch_slots):
    """A function ``run(vals) -> [fetched values]`` doing ``steps`` over the slot list ``vals``, or None
    where the plan is too large to be worth it. ``fetch_slots`` may hold None (a fetched op)."""
    if len(steps) > MAX_STEPS:
        return None
    written, read_first = set(), []
    body = []
    names = []
    for i, (fn, ctx, ins, out) in enumerate(steps):
        for s in ins:
            if s not in written and s not in read_first:
                read_first.append(s)
        args = ", ".join(["c%d" % i] + ["s%d" % s for s in ins])
        body.append("        _i = %d" % i)
        if out.__class__ is int:
            body.append("        s%d = k%d(%s)" % (out, i, args))
            written.add(out)
        elif out is None:
            body.append("        k%d(%s)" % (i, args))
        else:
            body.append("        _t = k%d(%s)" % (i, args))
            for j, o in enumerate(out):
                if o is not None:
                    body.append("        s%d = _t[%d]" % (o, j))
                    written.add(o)
        names.extend(("k%d" % i, "c%d" % i))
    for s in fetch_slots:
        if s is not None and s not in written and s not in read_first:
            read_first.append(s)
    fetched = ", ".join("None" if s is None else "s%d" % s for s in fetch_slots)
    src = ["def _make(%s):" % ", ".join(names + ["StepFailed"]),
           "    def run(vals):"]
    src += ["        s%d = vals[%d]" % (s, s) for s in read_first]
    src += ["        _i = -1", "        try:"]
    src += ["    " + line for line in body] or ["            pass"]
    src += ["        except Exception as _e:",
            "            raise StepFailed(_i, _e) from None",
            "        return [%s]" % fetched,
            "    return run"]
    namespace = {}
    exec(compile("\n".join(src), "<tagraph plan>", "exec"), namespace)  # noqa: S102 - our own generated code
    values = []
    for fn, ctx, _, _ in steps:
        values.extend((fn, ctx))
    return namespace["_make"](*values, StepFailed)
