"""Assemble the one Apollo Federation v2 schema from per-context Query/Mutation/Subscription."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension, ParserCache, SchemaExtension, ValidationCache
from strawberry.federation import Schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.fast_execution import FastLeafExecutionContext
from schema.input_builders import install_input_builders
from schema.limits import QueryLimits, is_unexpected, masking
from schema.scalars import SCALARS

logger = logging.getLogger("bigledger.graphql")


def _merge(name: str, parts: Sequence[type]) -> type:
    """One root type whose fields are the union of each context's mixin."""
    return strawberry.type(type(name, tuple(parts), {}))


class OperationScope(SchemaExtension):
    """Start each operation's scope (fresh dataloaders) in the task that runs the operation.

    graphql-core resolves list items in parallel tasks; a scope created lazily inside those
    tasks would give each item its own loaders and defeat batching.
    """

    def on_execute(self) -> Iterator[None]:
        begin = getattr(self.execution_context.context, "begin_operation", None)
        if begin is not None:
            begin()
        yield


class BigLedgerSchema(Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Unexpected errors are logged here with their stack and the request id (taken from
        # the logging context); the client only sees the masked message.
        for error in errors:
            if is_unexpected(error):
                logger.error(
                    "unexpected error in %s",
                    ".".join(map(str, error.path or [])) or "operation",
                    exc_info=error.original_error,
                )


def assemble(
    *,
    queries: Sequence[type],
    mutations: Sequence[type],
    subscriptions: Sequence[type],
    types: Sequence[type] = (),
    mutation_field_extensions: Sequence[Callable[[], FieldExtension]] = (),
) -> BigLedgerSchema:
    extensions: list[Any] = [
        QueryLimits,
        OperationScope,
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        masking,
    ]
    mutation = _merge("Mutation", mutations)
    # Applied to every mutation, present and future (e.g. the audit trail); added last, so
    # each wraps everything the field declares itself (its permission check included).
    for mutation_field in mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        for make in mutation_field_extensions:
            mutation_field.extensions = [*mutation_field.extensions, make()]
    schema = BigLedgerSchema(
        query=_merge("Query", queries),
        mutation=mutation,
        subscription=_merge("Subscription", subscriptions),
        types=list(types),
        extensions=extensions,
        federation_version="2.7",
        execution_context_class=FastLeafExecutionContext,
        config=StrawberryConfig(scalar_map=SCALARS),
    )
    install_input_builders(schema)
    return schema
