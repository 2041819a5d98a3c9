"""What the client sees of an operation's errors (every transport goes through this).

- The client's own mistakes and our coded errors pass as they are (see `limits.is_unexpected`).
- A backing server that cannot be reached (PostgreSQL, Redis: the schema is told which
  exceptions mean that) becomes SERVICE_UNAVAILABLE with `retryAfter`, so clients retry; the
  HTTP view answers such a result with 503 and Retry-After.
- Anything else is a bug: masked ("Internal server error", logged with the request id by
  `BigLedgerSchema.process_errors`).
- With introspection off (production), "Did you mean …?" hints are cut from messages: they
  would spell out the schema introspection hides.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from schema.limits import is_unexpected

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
INTERNAL_ERROR = "Internal server error. Quote the request id to support."
UNAVAILABLE_MESSAGE = "The service is briefly unavailable; retry in a few seconds."
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")

Classifier = Callable[[BaseException], bool]


def root_error(error: GraphQLError) -> BaseException | None:
    """The exception behind a (possibly re-located) GraphQL error."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


class PublicErrors(MaskErrors):
    def __init__(self, *, unavailable: Classifier, retry_after: int) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=INTERNAL_ERROR)
        self.unavailable = unavailable
        self.retry_after = retry_after

    def _suggestions_hidden(self) -> bool:
        context = getattr(self, "execution_context", None)
        services = getattr(getattr(context, "context", None), "services", None)
        return not getattr(services, "introspection", True)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        hide_suggestions = self._suggestions_hidden()
        public: list[GraphQLError] = []
        for error in errors:
            if self.should_mask_error(error):
                cause = root_error(error)
                if cause is not None and self.unavailable(cause):
                    error = GraphQLError(
                        UNAVAILABLE_MESSAGE,
                        error.nodes,
                        path=error.path,
                        extensions={"code": SERVICE_UNAVAILABLE, "retryAfter": self.retry_after},
                    )
                else:
                    error = self.anonymise_error(error)
            elif hide_suggestions and "Did you mean" in error.message:
                # A copy: validation errors are cached and shared by every request.
                error = GraphQLError(
                    _SUGGESTION.sub("", error.message),
                    error.nodes,
                    path=error.path,
                    original_error=error.original_error,
                    extensions=error.extensions,
                )
            public.append(error)
        return public
