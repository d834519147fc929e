"""Prints the Markdown table of supported ops (a kernel column per device kind) for the README.

    python -m tagraph.serialization.op_table
"""
import tagraph.engine  # noqa: F401  (installs the op loader: listing the kernels imports every family)
import tagraph.serialization  # noqa: F401  (registers the saver ops' kernels)
from tagraph.devices import kernel_registry
from tagraph.devices.kind import registered_kinds
from tagraph.engine.framework.op_builder import op_defs

__all__ = ["device_types", "rows", "markdown"]


def device_types():
    """The table's kernel columns: every registered device kind, the host's first."""
    return [k.device_type for k in registered_kinds()]


def rows():
    """(op type, has a kernel on each of device_types()...) for every op with a kernel or a TensorFlow OpDef."""
    names = sorted(set(op_defs()) | set(kernel_registry.registered_op_types()))
    types = device_types()
    return [(n,) + tuple(kernel_registry.has_kernel(n, t) for t in types) for n in names]


def markdown():
    types = device_types()
    lines = ["| op | %s |" % " | ".join(types), "| --- |%s" % "".join(" :-: |" for _ in types)]
    for name, *has in rows():
        lines.append("| %s | %s |" % (name, " | ".join("yes" if h else "" for h in has)))
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
