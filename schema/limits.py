"""Query limits and error masking, built once per process.

The validation rules are created here once: the validation cache is keyed by the rule classes,
so building a limiter per request would make every request miss it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension, max_aliases, query_depth_limiter

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2_000

_RULES = (
    query_depth_limiter.create_validator(MAX_DEPTH, should_ignore=None),
    max_aliases.create_validator(MAX_ALIASES),
)

# Errors we raise on purpose carry one of these codes and reach the client as they are.
PUBLIC_CODES = frozenset(
    {"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT", "NOT_FOUND", "SUBSCRIBER_OVERFLOW"}
)

logger = logging.getLogger("bigledger.graphql")


class QueryLimits(SchemaExtension):
    """Depth, alias and token limits (per request object; shared, prebuilt rules)."""

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.parse_options["max_tokens"] = MAX_TOKENS
        ctx.validation_rules = ctx.validation_rules + _RULES
        yield


def is_unexpected(error: GraphQLError) -> bool:
    """Parse/validation errors and our coded errors are for the client; anything else is a bug."""
    if error.original_error is None:
        return False
    if isinstance(error.original_error, GraphQLError):
        return is_unexpected(error.original_error)
    code = (error.extensions or {}).get("code")
    return code not in PUBLIC_CODES


def masking() -> MaskErrors:
    return MaskErrors(
        should_mask_error=is_unexpected,
        error_message="Internal server error. Quote the request id to support.",
    )
