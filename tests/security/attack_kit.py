"""Helpers for the attacker sweep (tests/security/test_attacker.py), all driven by the schema.

- `DocumentFactory` turns every root field of the graphql-core schema into one document: its
  arguments filled from a `Target` (ids of the victim, plausible values for the rest), its result
  selected a few levels deep (every scalar a client could read).
- `judge` decides whether one answer is acceptable: no 500 and no exception text, only typed
  errors, none of the victim's markers, and nothing done with the victim's ids.
- `snapshot` fingerprints everything a tenant owns in PostgreSQL, to prove nothing changed.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    parse,
    specified_rules,
    validate,
)
from graphql.pyutils import Undefined
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.plans import ANONYMOUS_PLAN
from schema.limits import PUBLIC_CODES, RULES

# Answer anyone, by design: sign-in and invitation acceptance (refused without the right
# secrets), the federation SDL (no tenant data), the permission catalog (the same for every
# tenant), and `_entities`, which resolves nothing for a caller who is not signed in.
PUBLIC_FIELDS = frozenset(
    {"login", "refreshToken", "acceptInvitation", "_service", "permissionCatalog", "_entities"}
)
# Public fields the generated arguments aim at the victim's account with guessed secrets.
SIGN_IN_FIELDS = frozenset({"login", "refreshToken", "acceptInvitation"})

# Text that only an unhandled exception would put into a response.
EXCEPTION_TEXT = re.compile(
    r"Traceback|File \"|\b(?:Key|Value|Type|Attribute|Assertion|Index|Name|Runtime|Lookup|"
    r"Integrity|Programming|Data|Operational|Database|Interface|Internal|NotImplemented|"
    r"Recursion|ZeroDivision|Unicode(?:Decode|Encode)?)Error\b|\bException\b|sqlalchemy|"
    r"asyncpg|psycopg|Internal server error",
)

# Relay bookkeeping and projections written asynchronously by event handlers: they may move
# while we look, without anybody having touched the tenant's data.
VOLATILE_TABLES = frozenset({"processed_events", "usage_counters"})
# Whole-tenant tallies that name no company: left out of a snapshot of one company.
COUNTED_FOR_THE_TENANT = frozenset({"posting_counters"})
VOLATILE_COLUMNS = ("published_at", "dispatched_at", "attempts", "last_error")


@dataclass
class Target:
    """Who attacks, and whose things they aim at."""

    label: str
    token: str | None
    ids: dict[str, list[str]]  # kind (company, user, role, apikey, tenant, ...) -> ids to use
    victim_ids: set[str]  # using any of these makes a call hostile: it must achieve nothing
    # slug, email, invitee_email, refresh_token_id, tax_number, cursor:<Connection type>
    strings: dict[str, str]
    markers: dict[str, str]  # text of the victim's that must never appear -> what it is
    authenticated: bool = True  # False: the token is bad or absent, only public fields answer
    headers: dict[str, str] = field(default_factory=dict)
    free_text: str = "ATTACK"  # prefix of the names and descriptions the attacker writes
    versions: dict[str, int] = field(default_factory=dict)  # id -> current version
    # Whose data must not change: (schema, tenant id, company id or None for all of it).
    victims: list[tuple[str, uuid.UUID, str | None]] = field(default_factory=list)


@dataclass
class Call:
    operation: str
    field: str
    query: str
    variables: dict[str, Any]
    hostile: bool  # carries ids of the victim
    id_kinds: dict[str, str] = field(default_factory=dict)  # argument path -> id kind used
    fallbacks: list[str] = field(default_factory=list)  # arguments whose id kind was guessed

    @property
    def sent(self) -> str:
        return (self.query + json.dumps(self.variables)).lower()


def schema_field(schema: GraphQLSchema, operation: str, name: str) -> GraphQLField:
    root = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation]
    assert root is not None
    return root.fields[name]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def contains_id(type_: Any, seen: set[str] | None = None) -> bool:
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType):
        return named.name in ("ID", "_Any")
    if isinstance(named, GraphQLInputObjectType):
        seen = seen if seen is not None else set()
        if named.name in seen:
            return False
        seen.add(named.name)
        return any(contains_id(f.type, seen) for f in named.fields.values())
    return False


def _required(arg: GraphQLArgument | GraphQLInputField) -> bool:
    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined


class DocumentFactory:
    """One document per root field, generated from the schema.

    Argument values are written into the document as literals (so the cost estimate sees the
    real list lengths and page sizes); JSON-like scalars go as variables. The selection reads
    every scalar a few levels deep, as deep as the smallest plan's query limits allow: a caller
    without a valid token is measured by them, and a document refused as too complex would test
    nothing.
    """

    SHAPES = ((4, True), (4, False), (3, False), (2, False), (1, False))

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        plan = ANONYMOUS_PLAN
        self._max_tokens = plan.query_limits.max_tokens
        self._rules = (*specified_rules, *RULES[(plan.name, True)])
        self.kinds = _record_kinds(schema)
        self._shape: dict[tuple[str, str, int], tuple[int, bool]] = {}

    def roots(self) -> dict[str, GraphQLObjectType]:
        roots = {
            "query": self.schema.query_type,
            "mutation": self.schema.mutation_type,
            "subscription": self.schema.subscription_type,
        }
        return {op: t for op, t in roots.items() if t is not None}

    def fields(self, operation: str) -> list[str]:
        root = self.roots().get(operation)
        return list(root.fields) if root is not None else []

    # --- selection ------------------------------------------------------------------------

    def selection(
        self, type_: GraphQLOutputType, depth: int, nested_lists: bool, in_list: bool = False
    ) -> str:
        named = get_named_type(type_)
        if is_leaf_type(named):
            return ""
        if depth <= 0:
            return "{ __typename }"
        in_list = in_list or isinstance(get_nullable_type(type_), GraphQLList)
        if isinstance(named, GraphQLUnionType):
            parts = ["__typename"] + [
                f"... on {member.name} {self.selection(member, depth - 1, nested_lists, in_list)}"
                for member in named.types
            ]
            return "{ " + " ".join(parts) + " }"
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType), named
        parts = []
        for name, fld in named.fields.items():
            if any(_required(a) for a in fld.args.values()):
                continue
            object_list = isinstance(get_nullable_type(fld.type), GraphQLList) and not (
                is_leaf_type(get_named_type(fld.type))
            )
            if object_list and in_list and not nested_lists:
                continue
            sub = self.selection(fld.type, depth - 1, nested_lists, in_list)
            parts.append(f"{name} {sub}".strip())
        return "{ " + " ".join(parts or ["__typename"]) + " }"

    def _fits(self, query: str) -> bool:
        try:
            document = parse(query, max_tokens=self._max_tokens)
        except GraphQLError:
            return False
        return not validate(self.schema, document, self._rules)

    # --- arguments ------------------------------------------------------------------------

    def call(self, operation: str, name: str, target: Target) -> Call:
        root = self.roots()[operation]
        fld: GraphQLField = root.fields[name]
        builder = _ValueBuilder(self.schema, operation, name, target, self.kinds)
        arguments, variables = [], {}
        for arg_name, arg in fld.args.items():
            value = builder.argument(arg_name, arg)
            if value is Undefined:
                continue
            arguments.append(f"{arg_name}: {_literal(value, arg.type, variables)}")
        definitions = [f"${v}: {t}" for v, (t, _) in variables.items()]
        head = f"{operation} Attack" + (f"({', '.join(definitions)})" if definitions else "")
        args = f"({', '.join(arguments)})" if arguments else ""
        # The shape that fits, found once per field (`_entities`' cost grows with its list).
        key = (operation, name, len(variables))
        if key not in self._shape:
            self._shape[key] = self.SHAPES[-1]
            for depth, nested in self.SHAPES:
                query = f"{head} {{ {name}{args} {self.selection(fld.type, depth, nested)} }}"
                if self._fits(query):
                    self._shape[key] = (depth, nested)
                    break
        depth, nested = self._shape[key]
        query = f"{head} {{ {name}{args} {self.selection(fld.type, depth, nested)} }}"
        return Call(
            operation=operation,
            field=name,
            query=query,
            variables={v: value for v, (_, value) in variables.items()},
            hostile=bool(builder.used & target.victim_ids),
            id_kinds=builder.id_kinds,
            fallbacks=builder.fallbacks,
        )


def _record_kinds(schema: GraphQLSchema) -> frozenset[str]:
    """Names of the things that have ids: object types with an `id`, and the fields holding
    them (`FiscalYear.periods` -> period)."""
    kinds: set[str] = set()
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        if "id" in type_.fields:
            kinds.add(_norm(type_.name))
        for fname, fld in type_.fields.items():
            target = get_named_type(fld.type)
            if isinstance(target, GraphQLObjectType) and "id" in target.fields:
                kinds.add(_norm(fname).removesuffix("s"))
    return frozenset(kinds)


def _literal(value: Any, type_: Any, variables: dict[str, tuple[str, Any]]) -> str:
    """A GraphQL literal of a JSON value of `type_` (JSON-like scalars become variables)."""
    nullable = get_nullable_type(type_)
    if value is None:
        return "null"
    if isinstance(nullable, GraphQLList):
        return "[" + ", ".join(_literal(v, nullable.of_type, variables) for v in value) + "]"
    if isinstance(nullable, GraphQLInputObjectType):
        fields = nullable.fields
        return (
            "{"
            + ", ".join(f"{k}: {_literal(v, fields[k].type, variables)}" for k, v in value.items())
            + "}"
        )
    if isinstance(nullable, GraphQLEnumType):
        return str(value)
    if isinstance(value, dict | list):  # _Any, JSON: as a variable of their own
        name = f"v{len(variables)}"
        variables[name] = (str(type_), value)
        return f"${name}"
    return json.dumps(value)


# Optional free-text input fields a mutation gets (so an update is a real change); other
# optional scalars are left to their defaults, which are valid by construction.
FREE_TEXT = frozenset({"name", "fullName", "description", "reference", "memo", "note", "title"})


class _ValueBuilder:
    def __init__(
        self,
        schema: GraphQLSchema,
        operation: str,
        field_name: str,
        target: Target,
        kinds: frozenset[str],
    ) -> None:
        self.schema = schema
        self.kinds = kinds
        self.operation = operation
        self.field_name = field_name
        self.target = target
        self.used: set[str] = set()
        self.id_kinds: dict[str, str] = {}
        self.fallbacks: list[str] = []
        self.avoid: set[str] = set()  # ids used in the input object being built
        root_field = schema_field(schema, operation, field_name)
        self.arg_names = set(root_field.args)
        # A cursor is only meaningful to the connection that issued it.
        self.cursor = target.strings.get(f"cursor:{get_named_type(root_field.type).name}")

    def argument(self, name: str, arg: GraphQLArgument) -> Any:
        if _required(arg):
            return self.value(arg.type, name, context=self.field_name, path=name)
        if not self._wanted(name, arg.type):
            return Undefined
        return self.optional(arg.type, name, context=self.field_name, path=name)

    def _wanted(self, name: str, type_: Any) -> bool:
        """Optional arguments and input fields worth sending.

        Anything carrying an id always (that is the attack). For queries and subscriptions an
        optional non-id argument only narrows the answer, so only pagination and the tax-number
        lookup are sent; mutations also get nested inputs and free text (a real change).
        """
        if name == "after":
            return self.cursor is not None
        if contains_id(type_) or name in ("first", "taxNumber"):
            return True
        if self.operation != "mutation":
            return False
        return name in FREE_TEXT or isinstance(get_named_type(type_), GraphQLInputObjectType)

    def optional(self, type_: Any, name: str, *, context: str, path: str) -> Any:
        """An optional value: left out when there is nothing of the victim's to put in it."""
        named = get_named_type(type_)
        if isinstance(named, GraphQLScalarType) and named.name == "ID":
            kind = self.kind(name, context, path, record=False)
            if kind is not None and not self.pool(kind):
                return Undefined  # e.g. a parent account before there is any account
        value = self.value(type_, name, context=context, path=path)
        return Undefined if value in ([], {}) else value

    def value(self, type_: Any, name: str, *, context: str, path: str) -> Any:
        nullable = get_nullable_type(type_)
        if isinstance(nullable, GraphQLList):
            inner = get_named_type(nullable)
            if isinstance(inner, GraphQLScalarType) and inner.name == "ID":
                return self.ids(name, context, path)
            if isinstance(inner, GraphQLScalarType) and inner.name == "_Any":
                return self.representations()
            if isinstance(inner, GraphQLInputObjectType) and {"debit", "credit"} <= set(
                inner.fields
            ):  # ledger lines: one debit and one credit of the same amount, balanced
                return [
                    self.input_object(inner, name, context=context, path=f"{path}.{i}", only=side)
                    for i, side in enumerate(("debit", "credit"))
                ]
            return [self.value(nullable.of_type, name, context=context, path=path)]
        if isinstance(nullable, GraphQLInputObjectType):
            return self.input_object(nullable, name, context=context, path=path)
        if isinstance(nullable, GraphQLEnumType):
            return next(iter(nullable.values))
        assert isinstance(nullable, GraphQLScalarType), nullable
        return self.scalar(nullable.name, name, context=context, path=path)

    def input_object(
        self,
        type_: GraphQLInputObjectType,
        name: str,
        *,
        context: str,
        path: str,
        only: str | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        where = f"{context} {type_.name}"
        outer, self.avoid = self.avoid, set()
        for fname, fdef in type_.fields.items():
            if only is not None and fname in ("debit", "credit"):
                if fname == only:
                    out[fname] = self.scalar("Money", fname, context=where, path=fname)
                continue
            sub_path = f"{path}.{fname}"
            if _required(fdef):
                out[fname] = self.value(fdef.type, fname, context=where, path=sub_path)
            elif self._wanted(fname, fdef.type):
                value = self.optional(fdef.type, fname, context=where, path=sub_path)
                if value is not Undefined:
                    out[fname] = value
        if isinstance(out.get("version"), int) and isinstance(out.get("id"), str):
            out["version"] = self.target.versions.get(out["id"], 1)  # a real, current version
        self.avoid = outer
        return out

    # ids ----------------------------------------------------------------------------------

    def kind(self, name: str, context: str, path: str, *, record: bool = True) -> str | None:
        """What an id argument names, from its name (`accountId`, `roleIds`, `inherits`) or,
        for a bare `id`, from the field and input type it sits in (`revokeApiKey`,
        `UpdateRoleInput`). None when neither tells."""
        kinds = sorted(set(self.target.ids) | self.kinds, key=len, reverse=True)
        base = _norm(name)
        if base == "inherits":
            return "role"
        for suffix in ("ids", "id"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
                break
        if base:
            for kind in kinds:
                if base.endswith(kind):
                    return kind
        where = _norm(context)
        for kind in kinds:
            if kind in where:
                return kind
        if record:
            self.fallbacks.append(path)
        return None

    def pool(self, kind: str) -> list[str]:
        """The target's ids of a kind, less those already used in the same input object (no
        record made its own parent). Queries take the first (the owner, the first company:
        where most records are), mutations the last (another user than the owner, whose own
        account the escalation tests cover; a year's last period, so the current one stays
        open for postings)."""
        ids = [i for i in self.target.ids.get(kind, []) if i not in self.avoid]
        return ids[::-1] if self.operation == "mutation" else ids

    def ids(self, name: str, context: str, path: str) -> list[str]:
        kind = self.kind(name, context, path) or "company"  # unknown: most data is a company's
        self.id_kinds[path] = kind
        chosen = self.pool(kind)[:2]
        self.used.update(chosen)
        self.avoid.update(chosen)
        return chosen

    def one_id(self, name: str, context: str, path: str) -> str:
        ids = self.ids(name, context, path)
        return ids[0] if ids else str(uuid.uuid4())

    def representations(self) -> list[dict[str, Any]]:
        """`_entities`: every entity type, each with the victim's id of that kind (with no
        victim, as for the rightful owner, their own)."""
        entity = self.schema.get_type("_Entity")
        reps: list[dict[str, Any]] = []
        if isinstance(entity, GraphQLUnionType):
            for member in entity.types:
                kind = _norm(member.name)
                for value in self.target.ids.get(kind, [])[:1]:
                    if value in self.target.victim_ids or not self.target.victim_ids:
                        reps.append({"__typename": member.name, "id": value})
                        self.used.add(value)
                        self.id_kinds[f"representations.{member.name}"] = kind
        return reps

    # other scalars ------------------------------------------------------------------------

    def scalar(self, scalar: str, name: str, *, context: str, path: str) -> Any:
        key = _norm(name)
        strings = self.target.strings
        if scalar == "ID":
            return self.one_id(name, context, path)
        if scalar in ("Int", "Float"):
            number = {"first": 5, "version": 1}.get(name, 1)
            return float(number) if scalar == "Float" else number
        if scalar == "Boolean":
            return name in ("includeRevoked",)
        if scalar in ("Money", "Decimal"):
            return "1.00"
        if scalar == "DateTime":
            moment = datetime.now(UTC) + (timedelta(days=1) if key == "to" else -timedelta(days=1))
            return moment.isoformat()
        if scalar == "Date":
            return date.today().isoformat()
        if scalar == "JSON":
            return {}
        if scalar == "_Any":
            return self.representations()[:1]
        # Strings (and any string-like custom scalar): by what the argument is for.
        signs_in = "tenant" in self.arg_names
        special = {
            "tenant": strings.get("slug"),
            "password": f"{self.target.free_text}-password-0123456789",
            "invitationtoken": f"{self.target.free_text}-guessed-invitation",
            "refreshtoken": f"{strings.get('refresh_token_id', uuid.uuid4())}.forged-secret",
            "after": self.cursor,
            "taxnumber": strings.get("tax_number"),
            "currencycode": "USD",  # a company's own (base) currency
            "currency": "EUR",  # a foreign one, e.g. an exchange rate's
            "timezone": "UTC",
            "locale": "en",
            "resource": "company",
            "action": "read",
            "code": f"9{uuid.uuid4().int % 10**6:06d}",
        }
        if key == "email":
            if signs_in:
                if self.field_name == "acceptInvitation":
                    return strings.get("invitee_email")
                return strings.get("email")
            return f"{self.target.free_text.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        if key in special and special[key] is not None:
            return special[key]
        return f"{self.target.free_text}-{key}-{uuid.uuid4().hex[:8]}"


# --- judging answers --------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    """Nothing in it: null, false, 0, an empty list, or objects of nothing but those."""
    if value is None or value is False or value == [] or value == "":
        return True
    if isinstance(value, int | float) and value == 0:  # a count of nothing done
        return True
    if isinstance(value, list):
        return all(_is_empty(v) for v in value)
    if isinstance(value, dict):
        return all(_is_empty(v) for k, v in value.items() if k != "__typename")
    return False


def refused(value: Any) -> bool:
    """A field's answer that achieved nothing: empty, or a payload carrying errors and nothing
    else, or a connection without edges."""
    if _is_empty(value):
        return True
    if isinstance(value, dict):
        if "errors" in value:
            rest = {k: v for k, v in value.items() if k not in ("errors", "__typename")}
            rest.pop("tokenType", None)  # a constant ("Bearer")
            return bool(value["errors"]) and _is_empty(rest)
        if "edges" in value:  # a page: no edges, and nothing about what it pages through
            rest = {k: v for k, v in value.items() if k not in ("edges", "pageInfo")}
            return value["edges"] == [] and _is_empty(rest)
    return False


def leaked(text_: str, markers: Mapping[str, str], sent: str) -> list[str]:
    """The victim's markers found in a response (those the attacker sent are only an echo)."""
    lowered = text_.lower()
    return [
        f"{what} ({marker})"
        for marker, what in markers.items()
        if marker.lower() in lowered and marker.lower() not in sent
    ]


def judge(call: Call, target: Target, status: int, body_text: str) -> list[str]:
    """Everything wrong with one answer; an empty list when it is what an attacker should get."""
    problems: list[str] = []
    if status != 200:
        problems.append(f"HTTP {status}")
    if EXCEPTION_TEXT.search(body_text):
        problems.append(f"exception text in the response: {body_text[:300]}")
    sent = call.sent + (target.token or "").lower()
    problems += [f"leaks {what}" for what in leaked(body_text, target.markers, sent)]
    try:
        body = json.loads(body_text)
    except ValueError:
        return [*problems, f"not JSON: {body_text[:200]}"]
    problems += judge_result(call, target, body)
    return problems


def judge_result(call: Call, target: Target, body: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    errors = body.get("errors") or []
    codes = []
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        codes.append(code)
        if code not in PUBLIC_CODES:
            problems.append(
                f"untyped or unexpected error (code {code!r}): {error.get('message')!r}"
                + (
                    " — the document never ran"
                    if code is None or "VALIDATION" in str(code) or code == "QUERY_TOO_COMPLEX"
                    else ""
                )
            )
    data = body.get("data")
    value = data.get(call.field) if isinstance(data, dict) else None
    if call.field in SIGN_IN_FIELDS:  # the victim's slug and email, a guessed secret
        if not refused(value):
            problems.append(f"signed in with guessed secrets: {json.dumps(value)[:300]}")
    elif not target.authenticated and call.field not in PUBLIC_FIELDS:
        if value is not None or "UNAUTHENTICATED" not in codes:
            problems.append(f"answered without a valid token: data={value!r} codes={codes}")
    elif call.hostile and not refused(value):
        problems.append(f"did something with the victim's ids: {json.dumps(value)[:300]}")
    return problems


# --- the victim's data, fingerprinted ---------------------------------------------------------


async def snapshot(
    engine: AsyncEngine, schema: str, tenant_id: uuid.UUID, company_id: str | None = None
) -> dict[str, Any]:
    """Row count and content hash of every table of the tenant's schema and of its rows in the
    shared tables; the audit log's length separately (refused attempts may be recorded).

    With `company_id`, company data is narrowed to that company (rows with that `company_id`,
    rows whose foreign key names a row with it — a document's lines, a product's stock layers —,
    its `companies` row, outbox events naming it): the rest of the tenant may legitimately
    change meanwhile, that company must not. Tallies of the whole tenant (posting counters) are
    left out then: any company's work moves them; other tables are taken whole.
    """
    strip = "ARRAY[" + ", ".join(f"'{c}'" for c in VOLATILE_COLUMNS) + "]::text[]"

    def fingerprint(source: str) -> str:
        return (
            f"SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
            f"FROM (SELECT to_jsonb(t) - {strip} AS r FROM {source}) s"
        )

    out: dict[str, Any] = {}
    async with engine.connect() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT c.relname, bool_or(a.attname = 'company_id') FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
                    "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') "
                    "AND NOT c.relispartition GROUP BY 1 ORDER BY 1"
                ),
                {"schema": schema},
            )
        ).all()
        with_company = {table for table, has_company in tables if has_company}
        # Single-column foreign keys to a table with a company: how a child row finds its company.
        parents: dict[str, tuple[str, str, str]] = {}
        for child, column, parent, parent_column in (
            await conn.execute(
                text(
                    "SELECT c.relname, a.attname, p.relname, pa.attname FROM pg_constraint k "
                    "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1] "
                    "JOIN pg_attribute pa ON pa.attrelid = p.oid AND pa.attnum = k.confkey[1] "
                    "WHERE n.nspname = :schema AND k.contype = 'f' "
                    "AND array_length(k.conkey, 1) = 1 ORDER BY 1, 2"
                ),
                {"schema": schema},
            )
        ).all():
            if parent in with_company and parent != "companies":
                parents.setdefault(child, (column, parent, parent_column))
        for table, has_company in tables:
            if table in VOLATILE_TABLES:
                continue
            where = ""
            if company_id is not None:
                uuid.UUID(company_id)  # it goes into SQL text
                if has_company:
                    where = f"WHERE company_id = '{company_id}'"
                elif table == "companies":
                    where = f"WHERE id = '{company_id}'"
                elif table == "outbox":
                    where = f"WHERE envelope::text LIKE '%{company_id}%'"
                elif table in parents:
                    column, parent, parent_column = parents[table]
                    where = (
                        f'WHERE "{column}" IN (SELECT "{parent_column}" FROM "{schema}"."{parent}" '
                        f"WHERE company_id = '{company_id}')"
                    )
                elif table in COUNTED_FOR_THE_TENANT:
                    continue
            source = f'(SELECT * FROM "{schema}"."{table}" {where}) t'
            out[table] = tuple((await conn.execute(text(fingerprint(source)))).one())
        for table, column in (
            ("tenants", "id"),
            ("users", "tenant_id"),
            ("api_keys", "tenant_id"),
            ("refresh_tokens", "tenant_id"),
        ):
            source = f"(SELECT * FROM shared.{table} WHERE {column} = '{tenant_id}') t"
            out[f"shared.{table}"] = tuple((await conn.execute(text(fingerprint(source)))).one())
        out["audit_seq"] = (
            await conn.execute(
                text("SELECT coalesce(max(seq), 0) FROM shared.audit_log WHERE tenant_id = :t"),
                {"t": tenant_id},
            )
        ).scalar_one()
    return out


async def changes(
    engine: AsyncEngine,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    tenant_id: uuid.UUID,
    *,
    whole_tenant: bool = True,
) -> list[str]:
    """What differs between two snapshots. New audit rows are fine if they record refusals —
    for a whole tenant; a snapshot of one company leaves the rest of the tenant free to act."""
    problems = [
        f"table {name} changed: {before.get(name)} -> {after.get(name)}"
        for name in sorted(set(before) | set(after))
        if name != "audit_seq" and before.get(name) != after.get(name)
    ]
    if not whole_tenant:
        return problems
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT seq, operation, outcome FROM shared.audit_log "
                    "WHERE tenant_id = :t AND seq > :seq ORDER BY seq"
                ),
                {"t": tenant_id, "seq": before["audit_seq"]},
            )
        ).all()
    problems += [
        f"audit row {seq} records a successful {operation} in the victim's tenant"
        for seq, operation, outcome in rows
        if outcome == "ok"
    ]
    return problems
