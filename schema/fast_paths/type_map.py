"""Strawberry's map of the types it converted, read here only.

`Schema.schema_converter.type_map` (GraphQL name → the converted type and its Strawberry
definition) is not public API. The input planner (`inputs.py`) finds the input types in it, and
the federation entity check (`schema/build.py`) the entity types and their keys.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any


def converted_types(schema: Any) -> Iterator[tuple[str, Any]]:
    """(GraphQL name, Strawberry definition) of every type `schema` (built) converted."""
    for name, concrete in schema.schema_converter.type_map.items():
        yield name, concrete.definition


def entity_key_fields(schema: Any) -> dict[str, frozenset[str]]:
    """Entity type name → the key fields its `resolve_reference` takes."""
    keys: dict[str, frozenset[str]] = {}
    for name, definition in converted_types(schema):
        resolve = getattr(getattr(definition, "origin", None), "resolve_reference", None)
        if resolve is not None:
            parameters = inspect.signature(resolve).parameters
            keys[name] = frozenset(p for p in parameters if p not in ("info", "cls"))
    return keys
