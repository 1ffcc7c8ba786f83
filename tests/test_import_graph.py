"""The library's imports point one way: no cycle among its modules, none into benchmarks/.

Every import counts, at module level or inside a function (type-only ones too), and so
does an ``importlib.import_module(f"mpsbench.x.{name}")``: it may import any module
under ``mpsbench.x``.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"


def module_files() -> dict[str, Path]:
    """Each module of the package by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted((SOURCE / "mpsbench").rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_names(module: str, path: Path, modules: set[str]) -> set[str]:
    """Every dotted name the module imports: ``from a import b`` gives ``a.b``, and ``a``
    unless every name is a module of ``modules`` (a package's submodules need only the
    package's ``__init__`` to be importable, which imports nothing of theirs); a dynamic
    import of an f-string gives its constant prefix and ``*``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *filter(None, [node.module])])
            imported = {f"{base}.{alias.name}" for alias in node.names}
            names |= imported if imported <= modules else {base, *imported}
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module"
              and node.args and isinstance(node.args[0], ast.JoinedStr)):
            prefix = node.args[0].values[0]
            if isinstance(prefix, ast.Constant):
                names.add(f"{prefix.value}*")
    return names


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Each module's imports of the package's other modules; every name each imports."""
    modules = module_files()
    imports = {module: imported_names(module, path, set(modules))
               for module, path in modules.items()}
    graph = {}
    for module, names in imports.items():
        graph[module] = {target for name in names for target in modules
                         if target != module and (target == name or name.endswith("*")
                                                  and target.startswith(name[:-1]))}
    return graph, imports


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """The modules ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_graph_sees_imports_in_functions_and_dynamic_ones():
    graph, _ = import_graph()
    assert "mpsbench.commands" in graph["mpsbench.cli"]
    assert "mpsbench.commands.run" in graph["mpsbench.commands"]  # import_module
    assert "mpsbench.commands.table" in graph["mpsbench.commands.run"]  # in a function


def test_no_import_cycles():
    graph, _ = import_graph()
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(reversed(error.args[1]))}")


def test_the_library_never_imports_the_benchmarks():
    _, imports = import_graph()
    found = {module: sorted(n for n in names if n.split(".")[0] == "benchmarks")
             for module, names in imports.items()}
    assert {module: names for module, names in found.items() if names} == {}


@pytest.mark.parametrize("low", ["mpsbench.spans", "mpsbench.timing", "mpsbench.frameworks",
                                 "mpsbench.launch"])
def test_the_low_level_modules_know_nothing_of_the_selfcheck(low):
    graph, _ = import_graph()
    assert sorted(m for m in reachable(graph, low) if m.startswith("mpsbench.selfcheck")) == []
