"""Build input objects from GraphQL input values with a plan made once per input type.

Strawberry turns an argument's value into input objects by walking the field types on every
request: for each field of each nested value it resolves the field's type and asks a dozen
questions of it (optional? list? scalar? enum? input type? lazy?). The answers depend only on
the type, yet a `createJournalEntry` with two lines walks ~35 fields and that walk was ~9% of
the API's CPU per posting. Here the walk is done once per input type when the schema is built,
and the result is installed as the type's `from_input`, the hook Strawberry documents for a
type that builds its own values (`StrawberryObjectDefinition.from_input`).

What is built is what Strawberry would build: fields the client sent are converted by the
planned converter, fields without a default that it omitted are None, the others keep their
dataclass default. Anything this plan does not cover plainly (`Maybe`, `GlobalID`, input types
that already build themselves, generic input types), and every input type holding one, is left
to Strawberry's own conversion.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

from schema.fast_paths.type_map import converted_types

# A planned field's conversion: None (the value as graphql-core parsed it) or a function of it.
_Convert = Callable[[Any], Any]


class _NotPlannable(Exception):
    """The type needs Strawberry's own conversion (and so does every input type holding it)."""


class InputBuilder:
    """The `from_input` of one input type: its fields' conversions, planned once."""

    def __init__(self, definition: StrawberryObjectDefinition) -> None:
        self.definition = definition
        # Strawberry's implicit default: None for every field without a default of its own.
        self.omitted = {
            f.python_name: None
            for f in definition.fields
            if f.default_value is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        self.fields: list[tuple[str, str, _Convert | None]] = []

    def __call__(self, cls: type, value: Mapping[str, Any], ctx: InputContext | None) -> Any:
        kwargs = dict(self.omitted)
        for graphql_name, python_name, convert in self.fields:
            if graphql_name in value:
                field_value = value[graphql_name]
                kwargs[python_name] = field_value if convert is None else convert(field_value)
        return cls(**kwargs)


class _Planner:
    def __init__(self, scalar_registry: Mapping[object, Any], name_of: Callable[[Any], str]):
        self._scalars = scalar_registry
        self._name_of = name_of
        self.builders: dict[int, InputBuilder] = {}  # by id(definition)

    def plan(self, definitions: list[StrawberryObjectDefinition]) -> None:
        # Builders first, so a field may refer to any input type (its own too) before that
        # type is planned. A type that cannot be planned takes every type holding it out with
        # it, until none is left to take out: within a planned type, everything is planned.
        self.builders = {id(d): InputBuilder(d) for d in definitions if _plannable(d)}
        while True:
            unplannable = [key for key, b in self.builders.items() if not self._fill(b)]
            if not unplannable:
                return
            for key in unplannable:
                del self.builders[key]
            for builder in self.builders.values():
                builder.fields.clear()

    def _fill(self, builder: InputBuilder) -> bool:
        definition = builder.definition
        try:
            for field in definition.fields:
                convert = self._convert(field.resolve_type(type_definition=definition))
                builder.fields.append((self._name_of(field), field.python_name, convert))
        except _NotPlannable:
            return False
        return True

    def _convert(self, type_: Any) -> _Convert | None:
        if isinstance(type_, StrawberryMaybe) or type_ is GlobalID:
            raise _NotPlannable
        if isinstance(type_, StrawberryOptional):  # null stays null: each conversion lets it by
            return self._convert(type_.of_type)
        if isinstance(type_, LazyType):
            return self._convert(type_.resolve_type())
        if self._is_leaf(type_):
            return None
        if isinstance(type_, StrawberryList):
            return _list_of(self._convert(type_.of_type))
        if has_object_definition(type_):
            builder = self.builders.get(id(type_.__strawberry_definition__))
            if builder is None:
                raise _NotPlannable
            return _object_of(type_, builder)
        raise _NotPlannable

    def _is_leaf(self, type_: Any) -> bool:
        return (
            is_scalar(type_, self._scalars)
            or isinstance(type_, StrawberryEnumDefinition)
            or has_enum_definition(type_)
        )


def _list_of(item: _Convert | None) -> _Convert:
    if item is None:
        # Copied as Strawberry does: graphql-core hands every request the same default list.
        def copy(value: Any) -> Any:
            return value if value is None or value is UNSET else list(value)

        return copy

    def each(value: Any) -> Any:
        return value if value is None or value is UNSET else [item(x) for x in value]

    return each


def _object_of(cls: type, builder: InputBuilder) -> _Convert:
    def build(value: Any) -> Any:
        return value if value is None or value is UNSET else builder(cls, value, None)

    return build


def _plannable(definition: StrawberryObjectDefinition) -> bool:
    return (
        definition.is_input
        and definition.from_input is None
        and not definition.is_graphql_generic
        and not definition.type_var_map
    )


def install_input_builders(schema: Any) -> int:
    """Give every plain input type of `schema` (a built Strawberry schema) its planned
    `from_input`; returns how many it planned."""
    definitions = [
        definition
        for _, definition in converted_types(schema)
        if isinstance(definition, StrawberryObjectDefinition)
    ]
    planner = _Planner(
        schema.schema_converter.scalar_registry, schema.config.name_converter.from_field
    )
    planner.plan(definitions)
    for builder in planner.builders.values():
        builder.definition.from_input = builder
    return len(planner.builders)
