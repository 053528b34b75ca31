"""Imports run one way: vocabulary <- catalog <- ingest/quality/... <- flow <- orchestration/CLI.

Each room of ``src/planwatch`` has a layer; a module may import planwatch
modules of its own room or of lower layers only. Rooms of one layer do not
import one another, except where listed (a deliberate, documented exception).
The table is the architecture (docs/architecture.md); a new room gets a layer
here.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "planwatch"

LAYERS: dict[str, int] = {
    "__init__": 0, "config": 0, "errors": 0, "text": 0,  # settings, errors, text
    "digests": 0,  # a file's SHA-256
    "private_files": 0,  # files that hold a secret, mode 0600
    "processes": 0,  # background processes: alive, stopped, a free port
    "vocabulary": 1,
    "catalog": 2, "dbt": 2,
    "ingest": 3, "quality": 3, "warehouse": 3, "workbooks": 3,
    "reporting": 4,
    "bi": 4,  # Superset over the marts (a reader of them, as reporting is)
    "flow": 5,
    "orchestration": 6,
    "demo": 7,
    "cli": 8, "regenerate": 8,
}
# Same-layer imports that are part of the design (none today).
ALLOWED_SIDEWAYS: set[tuple[str, str]] = set()


def _room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [m for m in found if m == "planwatch" or m.startswith("planwatch.")]


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        out.append((".".join(rel.parts), path))
    return out


def test_every_room_has_a_layer() -> None:
    rooms = {_room(name) for name, _ in _modules()}
    assert rooms <= set(LAYERS), rooms - set(LAYERS)


def test_imports_run_one_way() -> None:
    wrong = []
    for name, path in _modules():
        room = _room(name)
        for target in _imports(path):
            other = _room(target) if target != "planwatch" else "__init__"
            if other == room or (room, other) in ALLOWED_SIDEWAYS:
                continue
            if LAYERS[other] >= LAYERS[room]:
                wrong.append(f"{name} imports {target} ({room}:{LAYERS[room]} -> "
                             f"{other}:{LAYERS[other]})")
    assert wrong == []


def test_the_vocabulary_imports_no_other_room() -> None:
    for name, path in _modules():
        if _room(name) == "vocabulary":
            assert {_room(t) for t in _imports(path)} <= {"vocabulary", "text"}, name


def test_no_module_is_over_500_lines() -> None:
    long = {name: n for name, path in _modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def test_dag_files_are_thin() -> None:
    """DAG files wire tasks; every task body is a call into planwatch."""
    dags = PACKAGE.parents[1] / "dags"
    for path in dags.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 80, path.name


def test_python_reads_the_marts_never_dbts_inner_layers() -> None:
    """Analytics live in dbt: Python selects from ``marts`` (and ``audit``/``raw``,
    which it writes), never from dbt's ``staging`` or ``intermediate`` models,
    whose rules a caller would otherwise repeat or depend on."""
    import re

    inner = re.compile(r"\b(?:staging|intermediate)\.(?:stg|int)_\w+")
    found = [f"{name}: {m}" for name, path in _modules()
             for m in inner.findall(path.read_text(encoding="utf-8"))]
    assert found == []
