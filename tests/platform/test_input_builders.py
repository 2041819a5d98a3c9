"""Every input type's planned `from_input` (schema/fast_paths/inputs.py) builds exactly what
Strawberry's own conversion builds, for values with every field, only the required ones, and
explicit nulls."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
)
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from resolvers.root import build_schema
from schema.fast_paths.inputs import InputBuilder

SCHEMA = build_schema()
_counter = itertools.count()


def _input_types() -> list[tuple[str, type, StrawberryObjectDefinition]]:
    found = []
    for name, concrete in SCHEMA.schema_converter.type_map.items():
        definition = concrete.definition
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input:
            found.append((name, definition.origin, definition))
    return sorted(found, key=lambda t: t[0])


def _value(type_: GraphQLInputType, mode: str, depth: int) -> Any:
    """A value as graphql-core hands it on: leaves are opaque (compared by identity)."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, mode, depth)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type, mode, depth) for _ in range(2)]
    if isinstance(type_, GraphQLInputObjectType):
        return _object(type_, mode, depth + 1)
    return f"leaf-{next(_counter)}"


def _object(type_: GraphQLInputObjectType, mode: str, depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for name, field in type_.fields.items():
        required = isinstance(field.type, GraphQLNonNull)
        if required or (mode == "all" and depth < 4):
            value[name] = _value(field.type, mode, depth)
        elif mode == "nulls":
            value[name] = None
    return value


def _cases() -> Iterator[Any]:
    graphql_schema: GraphQLSchema = SCHEMA._schema
    for name, cls, _definition in _input_types():
        graphql_type = graphql_schema.get_type(name)
        assert isinstance(graphql_type, GraphQLInputObjectType)
        for mode in ("all", "required", "nulls"):
            yield pytest.param(cls, _object(graphql_type, mode, 0), id=f"{name}-{mode}")


def _strawberry_way(cls: type, value: dict[str, Any]) -> Any:
    """Strawberry's own conversion: every planned hook set aside for the call."""
    planned = [(d, d.from_input) for _, _, d in _input_types()]
    for definition, _hook in planned:
        if isinstance(definition.from_input, InputBuilder):
            definition.from_input = None
    try:
        return convert_argument(value, cls, SCHEMA.schema_converter.scalar_registry, SCHEMA.config)
    finally:
        for definition, hook in planned:
            definition.from_input = hook


def test_the_posting_inputs_are_planned() -> None:
    planned = {name for name, _, d in _input_types() if isinstance(d.from_input, InputBuilder)}
    assert {"CreateJournalEntryInput", "JournalLineInput", "PostJournalEntryInput"} <= planned
    # Every input type we have is plain enough to plan; one that is not would still work
    # (Strawberry converts it), but would no longer be measured by this test.
    assert planned == {name for name, _, _ in _input_types()}


@pytest.mark.parametrize(("cls", "value"), list(_cases()))
def test_planned_build_equals_strawberrys(cls: type, value: dict[str, Any]) -> None:
    ours = convert_argument(value, cls, SCHEMA.schema_converter.scalar_registry, SCHEMA.config)
    assert ours == _strawberry_way(cls, value)
    assert type(ours) is cls
