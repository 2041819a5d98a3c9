"""The resolvers' import graph has no circle: a context's resolvers never reach back up to the
schema assembled from them (resolvers/root.py), and never borrow another module's private
helper — what two contexts share lives in a module both may import (resolvers/ids.py,
resolvers/company/scope.py, resolvers/accounting/trial_balance.py, schema/cursors.py)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

RESOLVERS = Path(__file__).resolve().parents[2] / "resolvers"
ASSEMBLY = {"root.py", "export.py"}  # the schema's assembly and the CLI that prints it


def imports(path: Path) -> Iterator[tuple[str, str | None, int]]:
    """(module, imported name or None, line) for every import, function-local ones included."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno


def context_modules() -> Iterator[Path]:
    for path in sorted(RESOLVERS.rglob("*.py")):
        if path.parent != RESOLVERS or path.name not in ASSEMBLY:
            yield path


def test_no_resolver_imports_the_schema_assembled_from_it() -> None:
    reaching_up = [
        f"{path.relative_to(RESOLVERS.parent)}:{line}"
        for path in context_modules()
        for module, name, line in imports(path)
        if module == "resolvers.root" or (module == "resolvers" and name == "root")
    ]
    assert reaching_up == []


def test_no_resolver_borrows_another_resolver_modules_private_helper() -> None:
    borrowed = [
        f"{path.relative_to(RESOLVERS.parent)}:{line} {module}.{name}"
        for path in context_modules()
        for module, name, line in imports(path)
        if module.startswith("resolvers.")
        and name is not None
        and name.startswith("_")
        and not name.startswith("__")
    ]
    assert borrowed == []
