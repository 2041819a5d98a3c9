"""Assemble the one Apollo Federation v2 schema from per-context Query/Mutation/Subscription."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension, ParserCache, SchemaExtension, ValidationCache
from strawberry.federation import Schema
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from schema.fast_paths.execution import FastLeafExecutionContext
from schema.fast_paths.inputs import install_input_builders
from schema.fast_paths.type_map import entity_key_fields
from schema.limits import QueryLimits, is_unexpected
from schema.public_errors import Classifier, PublicErrors, root_error
from schema.request_rules import BAD_USER_INPUT, RequestRules
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


def _never(exc: BaseException) -> bool:
    return False


def _bad_representation(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT})


class BigLedgerSchema(Schema):
    # Which exceptions mean a backing server is unreachable (set by `assemble`).
    unavailable: Classifier = staticmethod(_never)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Unexpected errors are logged here with their stack and the request id (taken from
        # the logging context); the client only sees the masked message.
        for error in errors:
            if not is_unexpected(error):
                continue
            where = ".".join(map(str, error.path or [])) or "operation"
            cause = root_error(error)
            if cause is not None and self.unavailable(cause):
                logger.warning("service unavailable in %s: %r", where, cause)
            else:
                logger.error("unexpected error in %s", where, exc_info=error.original_error)

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Federation `_entities`, for every entity type: a representation must be an object
        naming an entity type and carrying exactly that type's key fields, each a scalar;
        anything else is the caller's mistake, answered with a BAD_USER_INPUT error in its
        place (Strawberry would pass stray keys on to `resolve_reference` and fail)."""
        results: list[Any] = []
        for representation in representations:
            problem = self._representation_problem(representation)
            if problem is None:
                results.extend(super().entities_resolver(info, [representation]))
            else:
                results.append(_bad_representation(problem))
        return results

    def _representation_problem(self, representation: object) -> str | None:
        if not isinstance(representation, dict):
            return "A representation must be an object with the entity's type name and key."
        type_name = representation.get("__typename")
        keys = self._entity_keys().get(type_name) if isinstance(type_name, str) else None
        if keys is None:
            return f"{str(type_name)[:64]!r} is not an entity type of this service."
        given = set(representation) - {"__typename"}
        if given != keys:
            expected = ", ".join(sorted(keys))
            return f"A {type_name} representation carries exactly its key: {expected}."
        if not all(
            isinstance(representation[k], str | int) and not isinstance(representation[k], bool)
            for k in keys
        ):
            return f"A {type_name} representation's key values must be strings."
        return None

    def _entity_keys(self) -> dict[str, frozenset[str]]:
        """Entity type name -> the key fields its `resolve_reference` takes (built once)."""
        known: dict[str, frozenset[str]] | None = getattr(self, "_entity_key_cache", None)
        if known is None:
            known = self._entity_key_cache = entity_key_fields(self)
        return known


def assemble(
    *,
    queries: Sequence[type],
    mutations: Sequence[type],
    subscriptions: Sequence[type],
    types: Sequence[type] = (),
    mutation_field_extensions: Sequence[Callable[[], FieldExtension]] = (),
    unavailable: Classifier = _never,
    retry_after_seconds: int = 5,
) -> BigLedgerSchema:
    """`unavailable` tells which exceptions mean a backing server is unreachable: those errors
    reach the client as SERVICE_UNAVAILABLE (retry after `retry_after_seconds`), not masked."""
    extensions: list[Any] = [
        QueryLimits,
        RequestRules,
        OperationScope,
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: PublicErrors(unavailable=unavailable, retry_after=retry_after_seconds),
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
    schema.unavailable = unavailable
    install_input_builders(schema)
    return schema
