"""Prints the Markdown table of supported ops (CPU and GPU kernel columns) for the README.

    python -m tagraph.serialization.op_table
"""
import tagraph.engine  # noqa: F401  (registers the engine's ops)
from tagraph.devices import kernel_registry
from tagraph.engine.framework.op_builder import op_defs


def _load_all_op_modules():
    # Ops whose kernels live above the engine layer register when their package is imported.
    import importlib
    for name in ("tagraph.serialization",):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def rows():
    """(op type, has CPU kernel, has GPU kernel) for every op with a kernel or a TensorFlow OpDef."""
    _load_all_op_modules()
    names = sorted(set(op_defs()) | set(kernel_registry.registered_op_types()))
    return [(n, kernel_registry.has_kernel(n, "CPU"), kernel_registry.has_kernel(n, "GPU")) for n in names]


def markdown():
    lines = ["| op | CPU | GPU |", "| --- | :-: | :-: |"]
    for name, cpu, gpu in rows():
        lines.append("| %s | %s | %s |" % (name, "yes" if cpu else "", "yes" if gpu else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
