"""Compose the subgraph SDL with Apollo's own composition library (@apollo/composition).

The SDL is fetched the way a gateway fetches it (the `_service { sdl }` query), then piped to
compose.mjs, which runs `composeServices` and prints the result as JSON.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

from resolvers.root import build_schema

HERE = Path(__file__).resolve().parent
COMPOSE = HERE / "compose.mjs"
NODE = shutil.which("node")
ENTITIES = ("Company", "Tenant", "User")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not on PATH: cannot run Apollo composition"),
    pytest.mark.skipif(
        not (HERE / "node_modules" / "@apollo" / "composition").is_dir(),
        reason="tests/federation/node_modules/@apollo/composition is missing: "
        "run `make test`, which installs it",
    ),
]


def gateway_sdl() -> str:
    """The subgraph SDL as a gateway gets it: the `_service { sdl }` query, no auth, no DB."""
    result = asyncio.run(build_schema().execute("{ _service { sdl } }"))
    assert result.errors is None, result.errors
    assert result.data is not None
    sdl = result.data["_service"]["sdl"]
    assert isinstance(sdl, str) and sdl.strip()
    return sdl


def compose(sdl: str) -> tuple[int, dict[str, Any]]:
    assert NODE is not None
    proc = subprocess.run(
        [NODE, str(COMPOSE)],
        input=sdl,
        capture_output=True,
        text=True,
        cwd=HERE,
        timeout=120,
        check=False,
    )
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"compose.mjs crashed (exit {proc.returncode}):\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    assert set(result) >= {"ok", "errors", "hints", "supergraphSdl"}, result
    return proc.returncode, result


def test_subgraph_composes_into_a_supergraph() -> None:
    code, result = compose(gateway_sdl())
    errors = "\n".join(f"- {message}" for message in result["errors"])
    assert result["ok"], f"Apollo composition failed:\n{errors}"
    assert result["errors"] == []
    assert code == 0
    for hint in result["hints"]:
        warnings.warn(f"Apollo composition hint: {hint}", stacklevel=1)

    supergraph = result["supergraphSdl"]
    assert '@link(url: "https://specs.apollo.dev/join/' in supergraph
    assert 'BIGLEDGER @join__graph(name: "bigledger"' in supergraph
    for entity in ENTITIES:
        # e.g. type Company\n  @join__type(graph: BIGLEDGER, key: "id")\n{
        pattern = rf'^type {entity}\b[^{{]*@join__type\(graph: BIGLEDGER, key: "id"\)'
        assert re.search(pattern, supergraph, re.MULTILINE), (
            f'entity {entity} with @key(fields: "id") missing from the supergraph'
        )
    # Federation plumbing stays in the subgraph; the supergraph must not expose it.
    assert "_entities" not in supergraph
    assert "_service" not in supergraph


BROKEN_KEY_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

type Query {
  widget(id: ID!): Widget
}

type Widget @key(fields: "nope") {
  id: ID!
}
"""


def test_harness_reports_an_invalid_key() -> None:
    code, result = compose(BROKEN_KEY_SDL)
    assert result["ok"] is False
    assert code == 1
    assert result["supergraphSdl"] == ""
    errors = result["errors"]
    assert any('"nope"' in message and "Widget" in message for message in errors), errors


def test_harness_fails_when_the_real_schema_breaks_a_key() -> None:
    sdl, count = re.subn(
        r'(type Company\b[^{]*@key\(fields: )"id"', r'\1"nope"', gateway_sdl(), count=1
    )
    assert count == 1, 'no `type Company @key(fields: "id")` in the subgraph SDL'
    code, result = compose(sdl)
    assert result["ok"] is False
    assert code == 1
    errors = result["errors"]
    assert any('"nope"' in message and "Company" in message for message in errors), errors
