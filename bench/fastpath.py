"""Prototype of a proposed fix: execute "plain" selection sets without per-field machinery.

A page of 50 companies resolves ~650 fields; graphql-core + Strawberry spend several µs on each
(Path, ResolveInfo, resolver wrapper, awaitable checks, leaf completion), which is most of the
API's CPU per request. For an object whose selected fields are all *basic* Strawberry fields
(no resolver, no permission/field extension: Strawberry marks their resolver `_is_default`)
returning a leaf type (scalar/enum) without arguments, the result is just
`{key: serialize(getattr(source, attr))}`. This execution context computes that directly and
falls back to graphql-core's normal path for anything else: other fields, schema extensions
with a `resolve` hook (middleware), nulls in non-null fields and serialization failures (so
errors are still reported exactly as before).

Used only by `bench/launch_api.py --patch fastpath` to measure the gain; the proposed change is
to pass it as `execution_context_class` where `schema/build.py` builds `BigLedgerSchema`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, Undefined, is_leaf_type, is_non_null_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# (response key, python attribute, non-null, serialize, default resolver)
_Plan = list[tuple[str, str, bool, Callable[[Any], Any], Callable[[Any, str], Any]]]


class _Fallback(Exception):
    pass


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by identity of the (memoized) grouped field set, kept alive with its plan.
        self._plans: dict[tuple[int, int], tuple[Any, _Plan | None]] = {}

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _Plan | None:
        key = (id(parent_type), id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan: _Plan | None = []
        manager = self.middleware_manager
        if manager is not None and getattr(manager, "_middleware_resolvers", None) is not None:
            plan = None
        else:
            for response_name, details in grouped_field_set.items():
                node = details[0].node
                field_def = self.schema.get_field(parent_type, node.name.value)
                definition = (
                    field_def.extensions.get("strawberry-definition") if field_def else None
                )
                if (
                    field_def is None
                    or definition is None
                    or field_def.args
                    or node.arguments
                    or not getattr(field_def.resolve, "_is_default", False)
                ):
                    plan = None
                    break
                non_null = is_non_null_type(field_def.type)
                inner = field_def.type.of_type if non_null else field_def.type  # type: ignore[union-attr]
                if not is_leaf_type(inner):
                    plan = None
                    break
                plan.append((response_name, definition.python_name, non_null, inner.serialize,
                             definition.default_resolver))  # fmt: skip
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def execute_fields(  # type: ignore[override]
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if plan:
            results: dict[str, Any] = {}
            try:
                for response_name, attribute, non_null, serialize, resolve in plan:
                    value = resolve(source_value, attribute)
                    if value is None or value is Undefined:
                        if non_null:
                            raise _Fallback
                        results[response_name] = None
                        continue
                    serialized = serialize(value)
                    if serialized is None or serialized is Undefined:
                        raise _Fallback
                    results[response_name] = serialized
                return results
            except Exception:  # the normal path below reports it properly
                results.clear()
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )
