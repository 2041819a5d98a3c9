"""Access rules on their own: inheritance, company scope, conditions, delegation."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domain.identity.access import (
    AccessGrants,
    CompanyAccess,
    Condition,
    ConditionKind,
    Forbidden,
    Permission,
    RecordFacts,
    Role,
    RoleGraph,
)
from domain.identity.builtin_roles import ACCOUNTANT, BUILTIN_ROLES, OWNER, VIEWER

USER = uuid.uuid4()
A, B = uuid.uuid4(), uuid.uuid4()
P = Permission.of


def grants(
    *roles: Role, tenant_roles: tuple[Role, ...] = (), access: tuple[CompanyAccess, ...] = ()
) -> AccessGrants:
    graph = RoleGraph([*BUILTIN_ROLES, *roles])
    return AccessGrants.resolve(USER, graph, [r.id for r in tenant_roles], access)


def test_inherited_permissions_apply_only_in_companies_one_may_enter() -> None:
    g = grants(access=(CompanyAccess(A, (ACCOUNTANT.id,)),))
    assert g.allows("journal", "post", A) and g.allows(
        "company", "read", A
    )  # viewer via accountant
    assert not g.allows("journal", "post", B) and not g.allows("company", "read", B)
    assert g.visible_companies() == {A}
    assert not g.allows("role", "create")


def test_owner_enters_every_company_and_holds_everything() -> None:
    g = grants(tenant_roles=(OWNER,))
    assert g.visible_companies() is None and g.can_enter(B)
    assert g.allows("journal", "reverse", B) and g.allows("role", "assign")
    assert OWNER.id in g.role_ids


def test_amount_condition_allows_up_to_the_limit() -> None:
    at_most = Condition(ConditionKind.AMOUNT_AT_MOST, Decimal("1000.00"))
    small = Role(uuid.uuid4(), "Junior", (P("journal:post", at_most),))
    g = grants(small, access=(CompanyAccess(A, (small.id,)),))
    g.check("journal", "post", company_id=A, facts=RecordFacts(amount=Decimal("1000.00")))
    with pytest.raises(Forbidden, match=r"amounts up to 1000\.00"):
        g.check("journal", "post", company_id=A, facts=RecordFacts(amount=Decimal("1000.0001")))
    with pytest.raises(Forbidden):  # nothing known about the record: the condition is not proven
        g.check("journal", "post", company_id=A)


def test_an_unconditional_permission_wins_over_a_conditional_one() -> None:
    limited = Role(
        uuid.uuid4(), "Limited", (P("company:update", Condition(ConditionKind.OWN_RECORDS)),)
    )
    g = grants(
        limited, tenant_roles=(limited,), access=(CompanyAccess(A, (), (P("company:update"),)),)
    )
    g.check("company", "update", company_id=A, facts=RecordFacts(owner_id=uuid.uuid4()))


def test_cycles_are_found_and_closure_is_cycle_safe() -> None:
    x = Role(uuid.uuid4(), "X", (), inherits=(VIEWER.id,))
    y = Role(uuid.uuid4(), "Y", (), inherits=(x.id,))
    graph = RoleGraph([*BUILTIN_ROLES, x, y])
    assert graph.cycle_through(x.id, [y.id]) == ["X", "Y", "X"]
    assert graph.cycle_through(y.id, [VIEWER.id]) is None
    looped = RoleGraph(
        [Role(x.id, "X", (P("a:b"),), (y.id,)), Role(y.id, "Y", (P("c:d"),), (x.id,))]
    )
    assert {p.name for p in looped.permissions([x.id])} == {"a:b", "c:d"}


def test_delegation_needs_the_permission_and_no_looser_conditions() -> None:
    own_only = P("company:update", Condition(ConditionKind.OWN_RECORDS))
    g = grants(access=(CompanyAccess(A, (), (own_only, P("company:read"))),))
    assert g.holds_all([own_only], A)
    assert not g.holds_all([P("company:update")], A)  # would drop the condition
    assert not g.holds_all([P("company:read")], B)


def test_grants_survive_the_cache_round_trip() -> None:
    g = grants(tenant_roles=(VIEWER,), access=(CompanyAccess(A, (ACCOUNTANT.id,)),))
    assert AccessGrants.from_json(g.to_json()) == g
