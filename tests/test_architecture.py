"""The layout keeps its promises (docs/architecture.md): stages that never call back.

* no import cycle among the modules of mutusim (function-level imports count);
* each stage imports only the stages before it:
  core → inputs → model → analysis → present → cli;
* the module defining Result reaches no solver library;
* every module has a curated ``__all__`` and no module is named like what it exports;
* every public function documents each of its parameters (numpydoc).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mutusim"
#: Stages in data-flow order; a module may import its own stage and those before it.
ORDER = ["errors", "_files", "core", "inputs", "model", "analysis", "present", "cli"]
ENGINES = {"pulp", "highspy"}


def _modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = f.with_suffix("").relative_to(PACKAGE.parent).parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    return {
        n: {m for m in _imports(n, p) if m in MODULES and m != n and m != "mutusim"}
        for n, p in MODULES.items()
    }


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "mutusim"


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(v: str, path: list[str]) -> bool:
        state[v] = 1
        for w in sorted(graph[v]):
            if w.startswith(v + ".") or v.startswith(w + "."):
                continue  # a package and its own modules
            if state.get(w) == 1:
                cycle.extend([*path, v, w])
                return True
            if w not in state and visit(w, [*path, v]):
                return True
        state[v] = 2
        return False

    for v in sorted(graph):
        if v not in state and visit(v, []):
            break
    assert not cycle, f"import cycle: {' -> '.join(cycle)}"


def test_each_stage_imports_only_earlier_stages():
    bad = []
    for module, targets in _graph().items():
        stage = _stage(module)
        if stage not in ORDER:
            continue  # the package's __init__ assembles the public API
        for target in targets:
            other = _stage(target)
            if other in ORDER and ORDER.index(other) > ORDER.index(stage):
                bad.append(f"{module} -> {target}")
    assert not bad, "a stage calls back into a later one:\n" + "\n".join(sorted(bad))


def test_result_reaches_no_solver():
    graph = _graph()
    seen, todo = set(), ["mutusim.core.result"]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += graph[m]
    reached = {m for m in seen if {i.split(".")[0] for i in _imports(m, MODULES[m])} & ENGINES}
    assert not reached, f"Result reaches a solver library through {sorted(reached)}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n != "mutusim"))
def test_modules_have_a_curated_all_and_are_not_named_like_an_export(name):
    module = importlib.import_module(name)
    if MODULES[name].name == "__init__.py":
        return  # stage packages hold only their docstring
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert all(hasattr(module, x) for x in exported), name
    short = name.rsplit(".", 1)[-1]
    assert short not in exported, f"module {name} is named like a name it exports"


def _public_functions():
    for name in sorted(MODULES):
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj) and obj.__module__ == name:
                yield f"{name}.{attr}", obj


@pytest.mark.parametrize(("qualname", "func"), list(_public_functions()))
def test_public_functions_document_every_parameter(qualname, func):
    doc = inspect.getdoc(func) or ""
    assert doc, f"{qualname} has no docstring"
    params = [
        p
        for p in inspect.signature(func).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL,) and p.name not in ("self", "cls")
    ]
    if not params:
        return
    assert "Parameters\n----------" in doc, f"{qualname} has no numpydoc Parameters section"
    section = doc.split("Parameters\n----------", 1)[1]
    section = re.split(r"\n\n[A-Z][a-z]+\n-{3,}", section)[0]
    documented = set()
    for line in section.splitlines():
        if line and not line.startswith(" "):
            head = line.split(" : ")[0]
            documented |= {x.strip().lstrip("*") for x in head.split(",")}
    missing = [p.name for p in params if p.name not in documented]
    assert not missing, f"{qualname}: parameters {missing} are not documented"


def test_public_api_is_curated():
    import mutusim as ms

    assert all(hasattr(ms, x) for x in ms.__all__)
    assert ms.__version__ != "0+unknown"
    # the plotting library loads only when a figure is asked for
    assert "plot" in ms.__all__
