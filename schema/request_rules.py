"""Rules every request meets before anything runs, whatever transport carries it (HTTP GET/POST,
both websocket protocols): one operation chosen, and no NUL character in any text.

- **NUL (U+0000).** PostgreSQL cannot store it in text or jsonb, so a NUL anywhere in a string
  argument used to end as an internal error deep in a resolver. It is refused here once, for
  every argument and input field of every type (String, ID, JSON, federation `_Any`, …):
  literals in the document by a validation rule (cached with the document's other rules),
  variables by one walk over their values.
- **Operation choice.** A document with several operations and no `operationName` is refused,
  as the GraphQL spec says (Strawberry would otherwise run the first named one).

Both are reported as GraphQL errors with code BAD_USER_INPUT; nothing has run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

BAD_USER_INPUT = "BAD_USER_INPUT"
NUL = "\x00"
_NUL_MESSAGE = "Text may not contain the NUL character (\\u0000)"


class NoNulInLiterals(ValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if NUL in node.value:
            self.report_error(
                GraphQLError(f"{_NUL_MESSAGE}.", node, extensions={"code": BAD_USER_INPUT})
            )


def first_nul(value: Any, path: str) -> str | None:
    """The path of the first string (or object key) in `value` holding a NUL, if any."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                return path
            found = first_nul(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_nul(item, f"{path}[{index}]")
            if found:
                return found
    return None


class RequestRules(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.validation_rules = (*ctx.validation_rules, NoNulInLiterals)
        yield

    def on_execute(self) -> Iterator[None]:
        # Raised here, the error is the operation's result on every path (execute and stream).
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx._provided_operation_name is None:
            operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
            if operations > 1:
                raise GraphQLError(
                    f"The document has {operations} operations: name the one to run "
                    "in operationName.",
                    extensions={"code": BAD_USER_INPUT},
                )
        where = first_nul(ctx.variables or {}, "$")
        if where is not None:
            raise GraphQLError(
                f"{_NUL_MESSAGE} (variable {where.replace('$.', '$', 1)}).",
                extensions={"code": BAD_USER_INPUT, "field": where.replace("$.", "", 1)},
            )
        yield
