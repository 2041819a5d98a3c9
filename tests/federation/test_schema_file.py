"""schema.graphql (the exported subgraph SDL) must match the schema the code builds."""

from __future__ import annotations

import asyncio
import difflib
from pathlib import Path

from resolvers.export import subgraph_sdl
from resolvers.root import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
FIX = "run `make schema` to regenerate schema.graphql and commit it"


def test_schema_file_is_current() -> None:
    assert SCHEMA_FILE.is_file(), f"{SCHEMA_FILE} does not exist: {FIX}"
    current = subgraph_sdl()
    exported = SCHEMA_FILE.read_text(encoding="utf-8")
    if exported != current:
        diff = "".join(
            list(
                difflib.unified_diff(
                    exported.splitlines(keepends=True),
                    current.splitlines(keepends=True),
                    "schema.graphql",
                    "subgraph_sdl()",
                )
            )[:80]
        )
        raise AssertionError(f"schema.graphql is stale: {FIX}\n{diff}")


def test_export_is_what_a_gateway_fetches() -> None:
    result = asyncio.run(build_schema().execute("{ _service { sdl } }"))
    assert result.errors is None, result.errors
    assert result.data is not None
    sdl = subgraph_sdl()
    assert sdl == result.data["_service"]["sdl"].rstrip("\n") + "\n"
    assert sdl.endswith("\n") and not sdl.endswith("\n\n")
