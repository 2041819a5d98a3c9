"""The Company aggregate on its own: invariants and the events it records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.company.model import Company
from domain.shared.errors import Conflict, DomainError

ACTOR = uuid.uuid4()
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def register(**overrides: object) -> Company:
    values: dict[str, object] = {
        "name": "Acme", "registration_number": None, "tax_number": None,
        "currency_code": "MYR", "timezone": "Asia/Kuala_Lumpur", "actor": ACTOR, "now": NOW,
    }  # fmt: skip
    values.update(overrides)
    return Company.register(**values)  # type: ignore[arg-type]


def test_registering_records_company_created_with_a_snapshot() -> None:
    company = register(name="  Acme Sdn Bhd  ", currency_code="myr")
    [event] = company.events
    assert event.event_type == "CompanyCreated"
    assert event.aggregate_id == company.id
    assert event.payload["name"] == "Acme Sdn Bhd"
    assert event.payload["currencyCode"] == "MYR"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"currency_code": "ABC"}, "currencyCode"),
        ({"currency_code": "XAU"}, "currencyCode"),  # a metal, not a currency for books
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"tax_number": "9" * 101}, "taxNumber"),
        ({"registration_number": "9" * 101}, "registrationNumber"),
    ],
)
def test_invalid_values_name_their_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        register(**overrides)
    assert [e.field for e in refused.value.errors] == [field]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(DomainError) as refused:
        register(name="", currency_code="??", timezone="nowhere")
    assert {e.field for e in refused.value.errors} == {"name", "currencyCode", "timezone"}


def test_update_records_before_and_after_of_changed_fields_only() -> None:
    company = register()
    company.events.clear()
    changes = {"name": "Acme Bhd", "timezone": "Asia/Kuala_Lumpur"}
    company.update(expected_version=1, changes=changes, actor=ACTOR, now=NOW)
    assert company.version == 2
    [event] = company.events
    assert event.payload["changes"] == {"name": {"before": "Acme", "after": "Acme Bhd"}}


def test_stale_version_is_a_conflict_and_changes_nothing() -> None:
    company = register()
    with pytest.raises(Conflict):
        company.update(expected_version=7, changes={"name": "Other"}, actor=ACTOR, now=NOW)
    assert (company.name, company.version) == ("Acme", 1)


def test_invalid_update_leaves_the_aggregate_untouched() -> None:
    company = register()
    company.events.clear()
    with pytest.raises(DomainError):
        company.update(expected_version=1, changes={"name": "New", "currency_code": "nope"},
                       actor=ACTOR, now=NOW)  # fmt: skip
    assert (company.name, company.currency_code, company.version) == ("Acme", "MYR", 1)
    assert company.events == []
