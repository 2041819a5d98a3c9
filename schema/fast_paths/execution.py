"""Complete "plain" selection sets without graphql-core's per-field machinery.

A page of 50 companies resolves ~650 fields; graphql-core + Strawberry spend several µs on each
(Path, ResolveInfo, resolver wrapper, awaitable checks, value completion), which is most of the
API's CPU per request. A field is *plain* when it is a basic Strawberry field (no resolver, no
permission or other field extension: Strawberry marks its resolver `_is_default`), takes no
arguments, and returns a leaf (scalar/enum), an object type without `is_type_of` whose selection
is itself plain, or a list of those. An object whose selected fields are all plain is completed
here directly: `{key: serialize(getattr(source, attr))}`, recursing into objects and lists.

Everything else takes graphql-core's normal path, and so does any object for which the fast path
meets something unusual (a schema extension with a `resolve` hook, i.e. middleware; a null in a
non-null field; a value a scalar cannot serialize; a non-iterable list): that object is then
executed again the normal way, so errors are reported exactly as before.

Measured on `companies(first: 50)`: 6.0 → 4.0 ms of API CPU per request (bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_LEAF, _OBJECT, _LIST = 0, 1, 2
# A completer: (kind, payload); a plan: [(response key, attribute, resolve, non-null, completer)]
_Completer = tuple[int, Any]
_Plan = list[tuple[str, str, Any, bool, _Completer]]


class _Fallback(Exception):
    pass


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by identity of the (memoized) grouped field set, kept alive with its plan.
        self._plans: dict[tuple[int, int], tuple[Any, _Plan | None]] = {}
        manager = self.middleware_manager
        self._enabled = manager is None or getattr(manager, "_middleware_resolvers", 1) is None

    # -- planning (once per selection set and operation) ----------------------------------------

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _Plan | None:
        key = (id(parent_type), id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        self._plans[key] = (grouped_field_set, None)  # guards against recursive selections
        steps: _Plan = []
        plan: _Plan | None = steps
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            definition = field_def.extensions.get("strawberry-definition") if field_def else None
            completer = (
                None
                if field_def is None
                or definition is None
                or field_def.args
                or node.arguments
                or not getattr(field_def.resolve, "_is_default", False)
                else self._completer(field_def.type, details)
            )
            if completer is None or field_def is None or definition is None:
                plan = None  # something here needs the normal path
                break
            steps.append(
                (
                    response_name,
                    definition.python_name,
                    definition.default_resolver,
                    is_non_null_type(field_def.type),
                    completer,
                )
            )
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def _completer(self, type_: Any, details: Any) -> _Completer | None:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if is_leaf_type(type_):
            return (_LEAF, type_.serialize)
        if is_list_type(type_):
            assert isinstance(type_, GraphQLList)
            item = type_.of_type
            inner = self._completer(item, details)
            return None if inner is None else (_LIST, (is_non_null_type(item), inner))
        if is_object_type(type_) and type_.is_type_of is None:
            grouped, *_ = self.collect_subfields(type_, details)
            sub = self._plan(type_, grouped)
            return None if not sub else (_OBJECT, sub)
        return None

    # -- execution ------------------------------------------------------------------------------

    def _run(self, plan: _Plan, source: Any) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for response_name, attribute, resolve, non_null, completer in plan:
            value = resolve(source, attribute)
            if value is None or value is Undefined:
                if non_null:
                    raise _Fallback
                results[response_name] = None
            else:
                results[response_name] = self._complete(completer, value)
        return results

    def _complete(self, completer: _Completer, value: Any) -> Any:
        kind, payload = completer
        if kind == _LEAF:
            serialized = payload(value)
            if serialized is None or serialized is Undefined:
                raise _Fallback
            return serialized
        if kind == _OBJECT:
            return self._run(payload, value)
        item_non_null, item = payload
        if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
            raise _Fallback
        out: list[Any] = []
        for entry in value:
            if entry is None:
                if item_non_null:
                    raise _Fallback
                out.append(None)
            else:
                out.append(self._complete(item, entry))
        return out

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if self._enabled:
            plan = self._plan(parent_type, grouped_field_set)
            if plan:
                try:
                    return self._run(plan, source_value)
                except Exception:  # noqa: S110 (the normal path below reports it properly)
                    pass
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )
