"""The structure rules, checked on every `make test`: layers import downwards only (import-linter's layers
contract in pyproject.toml), no import cycles between modules, no file over 1,200 lines, and few
function-local imports of tagraph modules."""
import ast
import os
import pathlib
import re
import subprocess
import sys
import textwrap
import tomllib

import grimp

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LAYER_ROOTS = PYPROJECT["tool"]["importlinter"]["root_packages"]
LINT_IMPORTS = os.path.join(os.path.dirname(sys.executable), "lint-imports")
MAX_LINES, MAX_LOCAL_IMPORTS = 1200, 40


def _sources():
    dirs = {v for k, v in PYPROJECT["tool"]["setuptools"]["package-dir"].items()}
    for d in sorted(dirs):
        for p in sorted((ROOT / d).rglob("*.py")):
            if not p.name.endswith(("_pb2.py", "_pb2_grpc.py")):
                yield p


def test_the_layer_contract_holds():
    r = subprocess.run([LINT_IMPORTS], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "%d kept, 0 broken" % len(PYPROJECT["tool"]["importlinter"]["contracts"]) in r.stdout


def test_the_layer_contract_fails_on_an_upward_import(tmp_path):
    # The project's own contract, over a copy of its layer packages in which devices imports the engine.
    fake = {name: name.replace("tagraph.", "fakegraph_") for name in LAYER_ROOTS}
    for name in fake.values():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / fake["tagraph.engine"] / "graph.py").write_text("import %s\n" % fake["tagraph.devices"])
    (tmp_path / fake["tagraph.devices"] / "placer.py").write_text(
        "def place():\n    from %s import graph  # the upward import\n    return graph\n" % fake["tagraph.engine"])
    contract = next(c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if "containers" not in c)
    layers = ", ".join('"%s"' % fake[l] for l in contract["layers"])
    (tmp_path / ".importlinter").write_text(textwrap.dedent("""\
        [importlinter]
        root_packages =
        %s
        [importlinter:contract:layers]
        name = %s
        type = layers
        layers =
        %s
        """) % ("\n".join("    " + n for n in fake.values()), contract["name"],
                "\n".join("    " + fake[l] for l in contract["layers"])))
    r = subprocess.run([LINT_IMPORTS, "--config", ".importlinter"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert r.returncode != 0 and "BROKEN" in r.stdout, r.stdout + r.stderr
    assert "%s.placer -> %s.graph" % (fake["tagraph.devices"], fake["tagraph.engine"]) in r.stdout, layers


def test_no_import_cycles():
    graph = grimp.build_graph(*LAYER_ROOTS, include_external_packages=False)
    edges = {m: set() for m in graph.modules}
    for m in graph.modules:
        for dep in graph.find_modules_directly_imported_by(m):
            # A package importing its own submodules (and they it) is the ordinary pattern.
            if not (dep.startswith(m + ".") or m.startswith(dep + ".")):
                edges[m].add(dep)
    cycles = _strongly_connected(edges)
    assert not cycles, "import cycles: %s" % cycles


def _strongly_connected(edges):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_file_over_the_size_limit():
    big = {str(p.relative_to(ROOT)): n for p in _sources() if (n := p.read_text().count("\n") + 1) > MAX_LINES}
    assert not big, big


def test_few_function_local_imports_each_with_a_reason():
    local = []
    for p in _sources():
        src = p.read_text()
        lines = src.split("\n")
        for fn in ast.walk(ast.parse(src)):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Import, ast.ImportFrom)) and node is not fn:
                        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                        if getattr(node, "level", 0) or any(re.match(r"tagraph\b", n) for n in names):
                            local.append((str(p.relative_to(ROOT)), node.lineno, lines[node.lineno - 1]))
    local = sorted(set(local))
    assert len(local) <= MAX_LOCAL_IMPORTS, "%d function-local imports:\n%s" % (
        len(local), "\n".join("%s:%d" % (p, n) for p, n, _ in local))
    unexplained = [(p, n) for p, n, line in local if "#" not in line]
    assert not unexplained, "function-local imports without a reason comment: %s" % unexplained


def test_every_package_folder_is_installed():
    # pyproject.toml lists the packages one by one (package-dir maps them under tagraph.*): a folder left out
    # imports in the editable install and fails in a wheel.
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = set()
    for package, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package,) + rel))
    assert found == listed, "only on disk: %s; only in pyproject.toml: %s" % (sorted(found - listed),
                                                                               sorted(listed - found))
