"""The shape of ``core``: no import cycles, imports only point down the wings, small folders, exact ``__all__``.

The cycle check is a copy of ``../shared/tools/import_cycles.py`` (it counts imports inside functions and under
``TYPE_CHECKING`` too: a late import is still a loop in the design).
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Wings from the bottom up; a module may import its own wing, the base and the wings below it.
WINGS = ("data", "model", "evaluation", "run", "dashboard")
BASE = ("core.errors", "core.config", "core.words")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != here:
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = [p for root in ("core", "ui", "pages") for p in sorted((ROOT / root).rglob("*.py"))] + [ROOT / "app.py"]
    known = {_module_name(p) for p in files}
    known |= {m.rpartition(".")[0] for m in known if "." in m}
    return {_module_name(p): _imports(p, known) for p in files}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_among_core_ui_and_pages() -> None:
    assert _cycles(_graph()) == []


def test_a_cycle_is_found_when_there_is_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _wing(module: str) -> int | None:
    parts = module.split(".")
    return WINGS.index(parts[1]) if len(parts) > 1 and parts[0] == "core" and parts[1] in WINGS else None


def _points_up(module: str, target: str) -> bool:
    """True when ``module`` (in core) may not import ``target``."""
    if target.startswith(("ui", "pages", "app")):
        return True
    if module in BASE:
        return target.startswith("core.") and target not in BASE
    if module in ("core.cli", "core.__main__"):
        return _wing(target) == WINGS.index("dashboard")
    here, there = _wing(module), _wing(target)
    return here is not None and there is not None and there > here


def test_imports_only_point_down_the_wings() -> None:
    upward = []
    for module, targets in _graph().items():
        if module.startswith("core"):
            upward += [f"{module} -> {target}" for target in targets if _points_up(module, target)]
    assert upward == []


def test_the_base_modules_import_no_wing() -> None:
    graph = _graph()
    assert {m: sorted(t for t in graph[m] if t.startswith("core")) for m in BASE} == {
        "core.errors": [], "core.config": ["core.errors"], "core.words": []}


def test_no_folder_of_core_holds_more_than_twelve_modules() -> None:
    sizes = {str(d.relative_to(ROOT)): len(list(d.glob("*.py"))) for d in [ROOT / "core", *(ROOT / "core").rglob("*/")]
             if d.is_dir() and d.name != "__pycache__"}
    assert {folder: n for folder, n in sizes.items() if n > 12} == {}


def _packages() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "core").rglob("__init__.py") if p.parent != ROOT / "core")


@pytest.mark.parametrize("package", _packages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_wing_lists_exactly_its_modules_and_documents_them(package: Path) -> None:
    name = _module_name(package / "__init__.py")
    wing = importlib.import_module(name)
    present = sorted([p.stem for p in package.glob("*.py") if p.stem != "__init__"]
                     + [d.name for d in package.iterdir() if (d / "__init__.py").exists()])
    assert sorted(wing.__all__) == present
    assert all(f"    {module} " in (wing.__doc__ or "") or f"    {module}/" in (wing.__doc__ or "")
               for module in present), "the docstring map names every module"
    assert "May import" in (wing.__doc__ or "")


def _public_definitions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return sorted(n for n in names if not n.startswith("_") and n not in ("logger",))


MODULES = sorted(p for p in (ROOT / "core").rglob("*.py") if p.name not in ("__init__.py", "__main__.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_all_is_exactly_the_public_names(path: Path) -> None:
    module = importlib.import_module(_module_name(path))
    assert sorted(module.__all__) == _public_definitions(path)
