"""Query limits per plan (depth, aliases, tokens, cost), introspection switch, which errors are
the client's (masking itself: schema.public_errors).

Every plan's validation rules are created here once, at import: the validation cache is keyed
by the rule classes, so building a limiter per request would make every request miss it. A
request picks its plan's prebuilt tuple; a caller who is not signed in gets the free plan's.

Depth, aliases and cost are measured by one rule in one pass over the document, each fragment
measured once (memoised) however often it is spread. Strawberry's own limiters re-walk a
fragment at every spread, which is exponential in the depth of spread fan-out (strawberry
0.341.2: an 864-byte document of 21 fragments each spreading the next twice blocks the event
loop for 18 s, doubling with every further fragment), and they raise KeyError on an unknown
fragment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import InvalidOperationTypeError

from domain.identity import plans
from schema.relay import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

# Errors we raise on purpose carry one of these codes and reach the client as they are.
PUBLIC_CODES = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "BAD_USER_INPUT",
        "NOT_FOUND",
        "SUBSCRIBER_OVERFLOW",
        "FEATURE_DISABLED",
        "LIMIT_EXCEEDED",
        "RATE_LIMITED",
        "SERVICE_UNAVAILABLE",
    }
)
TOO_COMPLEX = "QUERY_TOO_COMPLEX"

logger = logging.getLogger("bigledger.graphql")

Measure = tuple[int, int, int]  # depth, aliases, cost
_NOTHING: Measure = (0, 0, 0)


def _field_def(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None


class DocumentMeasure:
    """Depth, aliases and estimated cost of each operation of a document.

    - depth: as strawberry's QueryDepthLimiter counts it (fields with a selection; introspection
      fields are not counted);
    - aliases: every aliased field, a fragment's counted once per spread;
    - cost: each field costs 1; a field taking `first` multiplies its selection by `first`
      (its default when absent; `MAX_PAGE_SIZE` when it is a variable, whose value validation
      cannot see — and at most `MAX_PAGE_SIZE`, which resolvers enforce); any other list field
      multiplies by the length of a literal list argument, or `MAX_PAGE_SIZE`, except the page
      (edges) of a paginated field, sized already. Introspection costs nothing here (graphql-core
      bounds its depth).
    """

    def __init__(self, context: ValidationContext) -> None:
        self._schema = context.schema
        self._fragments = {
            d.name.value: d
            for d in context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[tuple[str, bool, bool], Measure] = {}
        self._active: set[tuple[str, bool, bool]] = set()

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        root = self._schema.get_root_type(operation.operation)
        return self._selections(operation.selection_set, root, paged=False, meta=False)

    def _type(self, condition: NamedTypeNode | None, parent: Any) -> Any:
        return self._schema.get_type(condition.name.value) if condition else parent

    def _selections(
        self, selection_set: SelectionSetNode, parent: Any, *, paged: bool, meta: bool
    ) -> Measure:
        depth = aliases = cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                d, a, c = self._field(selection, parent, paged=paged, meta=meta)
            elif isinstance(selection, InlineFragmentNode):
                d, a, c = self._selections(
                    selection.selection_set,
                    self._type(selection.type_condition, parent),
                    paged=paged,
                    meta=meta,
                )
            elif isinstance(selection, FragmentSpreadNode):
                d, a, c = self._fragment(selection.name.value, paged=paged, meta=meta)
            else:  # pragma: no cover - the grammar has no other selection
                continue
            depth, aliases, cost = max(depth, d), aliases + a, cost + c
        return depth, aliases, cost

    def _fragment(self, name: str, *, paged: bool, meta: bool) -> Measure:
        key = (name, paged, meta)
        known = self._memo.get(key)
        if known is not None:
            return known
        fragment = self._fragments.get(name)
        if fragment is None or key in self._active:
            return _NOTHING  # unknown or cyclic: other rules report it
        self._active.add(key)
        try:
            measure = self._selections(
                fragment.selection_set,
                self._type(fragment.type_condition, None),
                paged=paged,
                meta=meta,
            )
        finally:
            self._active.discard(key)
        self._memo[key] = measure
        return measure

    def _field(self, node: FieldNode, parent: Any, *, paged: bool, meta: bool) -> Measure:
        aliases = 1 if node.alias else 0
        meta = meta or node.name.value.startswith("__")
        if node.selection_set is None:
            return 0, aliases, 0 if meta else 1
        field = None if meta else _field_def(parent, node.name.value)
        size, child_paged = (1, False) if field is None else self._size(node, field, paged)
        child_type = get_named_type(field.type) if field is not None else None
        depth, child_aliases, cost = self._selections(
            node.selection_set, child_type, paged=child_paged, meta=meta
        )
        if meta:
            return 0, aliases + child_aliases, 0
        return 1 + depth, aliases + child_aliases, 1 + size * cost

    @staticmethod
    def _size(node: FieldNode, field: GraphQLField, paged: bool) -> tuple[int, bool]:
        """How many times the field's selection runs, and whether it is a paginated field."""
        arguments = {a.name.value: a.value for a in node.arguments or ()}
        if "first" in field.args:
            value = arguments.get("first")
            if isinstance(value, IntValueNode):
                size = int(value.value)
            elif isinstance(value, VariableNode):
                size = MAX_PAGE_SIZE
            elif value is None and isinstance(field.args["first"].default_value, int):
                size = field.args["first"].default_value
            else:
                size = DEFAULT_PAGE_SIZE
            return max(0, min(size, MAX_PAGE_SIZE)), True
        if is_list_type(get_nullable_type(field.type)):
            if paged:
                return 1, False
            definition = field.extensions.get("strawberry-definition")
            hint = getattr(definition, "metadata", None) or {}
            if "list_size" in hint:  # a list bounded by the domain (see schema.limits.bounded_list)
                return int(hint["list_size"]), False
            lists = [v for v in arguments.values() if isinstance(v, ListValueNode)]
            return (len(lists[0].values) if lists else MAX_PAGE_SIZE), False
        return 1, False


def _too_complex(message: str, node: Any, limit: str, value: int, allowed: int) -> GraphQLError:
    return GraphQLError(
        message,
        node,
        extensions={"code": TOO_COMPLEX, "limit": limit, "value": value, "allowed": allowed},
    )


def plan_rule(plan: plans.Plan) -> type[ValidationRule]:
    limits = plan.query_limits

    class PlanQueryLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            measure = DocumentMeasure(context)
            for operation in context.document.definitions:
                if isinstance(operation, OperationDefinitionNode):
                    self._check(context, measure, operation)

        @staticmethod
        def _check(
            context: ValidationContext,
            measure: DocumentMeasure,
            operation: OperationDefinitionNode,
        ) -> None:
            name = operation.name.value if operation.name else "anonymous"
            try:
                depth, aliases, cost = measure.operation(operation)
            except RecursionError:
                context.report_error(
                    GraphQLError(
                        f"'{name}' nests fragments too deeply.",
                        operation,
                        extensions={"code": TOO_COMPLEX, "limit": "maxDepth"},
                    )
                )
                return
            if depth > limits.max_depth:
                context.report_error(
                    _too_complex(
                        f"'{name}' exceeds maximum operation depth of {limits.max_depth}",
                        operation,
                        "maxDepth",
                        depth,
                        limits.max_depth,
                    )
                )
            if aliases > limits.max_aliases:
                context.report_error(
                    _too_complex(
                        f"{aliases} aliases found. Allowed: {limits.max_aliases}",
                        operation,
                        "maxAliases",
                        aliases,
                        limits.max_aliases,
                    )
                )
            if cost > limits.max_cost:
                context.report_error(
                    _too_complex(
                        f"'{name}' costs {cost}, over the {limits.max_cost} the {plan.name} "
                        "plan allows (each field costs 1; list fields multiply their "
                        "selection by `first`). Ask for fewer items or fields.",
                        operation,
                        "maxCost",
                        cost,
                        limits.max_cost,
                    )
                )

    PlanQueryLimits.__name__ = PlanQueryLimits.__qualname__ = f"{plan.name.title()}QueryLimits"
    return PlanQueryLimits


def _rules(plan: plans.Plan, introspection: bool) -> tuple[type[ValidationRule], ...]:
    rule = _PLAN_RULE[plan.name]
    return (rule,) if introspection else (rule, NoSchemaIntrospectionCustomRule)


_PLAN_RULE = {name: plan_rule(plan) for name, plan in plans.PLANS.items()}
RULES: dict[tuple[str, bool], tuple[type[ValidationRule], ...]] = {
    (name, introspection): _rules(plan, introspection)
    for name, plan in plans.PLANS.items()
    for introspection in (True, False)
}


def plan_of(context: Any) -> plans.Plan:
    tenant = getattr(context, "tenant_context", None)
    return tenant.plan if isinstance(tenant, plans.TenantContext) else plans.ANONYMOUS_PLAN


class QueryLimits(SchemaExtension):
    """The request's plan's limits (per request object; shared, prebuilt rules)."""

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        plan = plan_of(ctx.context)
        introspection = bool(getattr(getattr(ctx.context, "services", None), "introspection", True))
        ctx.parse_options["max_tokens"] = plan.query_limits.max_tokens
        ctx.validation_rules = ctx.validation_rules + RULES[(plan.name, introspection)]
        yield


def bounded_list(size: int, **field_options: Any) -> Any:
    """A list field whose length the domain bounds (a role's permissions, a permission's
    conditions): the cost estimate counts it as `size` items instead of a full page."""
    return strawberry.field(metadata={"list_size": size}, **field_options)


def is_unexpected(error: GraphQLError) -> bool:
    """Parse/validation errors and our coded errors are for the client; anything else is a bug."""
    if error.original_error is None:
        return False
    if isinstance(error.original_error, GraphQLError):
        return is_unexpected(error.original_error)
    if isinstance(error.original_error, InvalidOperationTypeError):
        return False  # e.g. a query sent over a subscriptions-only protocol: the client's mistake
    if error.path is None and isinstance(error.original_error, ValueError | TypeError):
        return False  # before execution: a scalar refused the client's value (Money "1.00001")
    code = (error.extensions or {}).get("code")
    return code not in PUBLIC_CODES

