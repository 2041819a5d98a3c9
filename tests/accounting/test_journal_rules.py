"""The ledger's rules, in the domain alone (no database): every invariant of accounts, periods
and journal entries, each with the error a user would see."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.accounting.commands import CreateJournalEntry
from domain.accounting.model import (
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    EntryStatus,
    FiscalPeriod,
    FiscalYear,
    JournalEntry,
    LineInput,
    PeriodStatus,
    base_amount,
)
from domain.accounting.templates import ChartTemplate, standard_chart
from domain.shared.errors import DomainError

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ACTOR = uuid.uuid4()
COMPANY = uuid.uuid4()
D = Decimal


def errors_of(excinfo: pytest.ExceptionInfo[DomainError]) -> dict[str | None, str]:
    return {e.field: e.code.value for e in excinfo.value.errors}


@pytest.fixture
def chart() -> ChartOfAccounts:
    return ChartOfAccounts(
        COMPANY, standard_chart(ChartTemplate.MALAYSIAN_SME, COMPANY, ACTOR, NOW)
    )


def acct(chart: ChartOfAccounts, code: str) -> Account:
    found = chart.by_code(code)
    assert found is not None
    return found


def year_2026() -> FiscalYear:
    return FiscalYear.create(
        company_id=COMPANY,
        start_date=date(2026, 1, 1),
        end_date=None,
        name=None,
        existing=[],
        actor=ACTOR,
        now=NOW,
    )


def draft(
    chart: ChartOfAccounts,
    *lines: LineInput,
    day: date = date(2026, 3, 15),
    base: str = "MYR",
) -> JournalEntry:
    return JournalEntry.draft(
        company_id=COMPANY,
        base_currency=base,
        transaction_date=day,
        reference="INV-1",
        description="Cash sale",
        lines=list(lines),
        accounts=chart.accounts,
        actor=ACTOR,
        now=NOW,
    )


def dr(chart: ChartOfAccounts, code: str, amount: str, **kw: object) -> LineInput:
    return LineInput(acct(chart, code).id, debit=D(amount), **kw)  # type: ignore[arg-type]


def cr(chart: ChartOfAccounts, code: str, amount: str, **kw: object) -> LineInput:
    return LineInput(acct(chart, code).id, credit=D(amount), **kw)  # type: ignore[arg-type]


def period_of(year: FiscalYear, day: date) -> FiscalPeriod:
    return next(p for p in year.periods if p.covers(day))


# -- the standard chart and accounts -------------------------------------------------------------


def test_malaysian_template_is_a_consistent_tree(chart: ChartOfAccounts) -> None:
    accounts = list(chart.accounts.values())
    assert 30 <= len(accounts) <= 60
    codes = {a.code for a in accounts}
    assert {
        "1000",
        "1110",
        "1200",
        "1300",
        "2100",
        "2200",
        "3100",
        "3200",
        "4000",
        "5000",
        "6000",
    } <= codes
    for a in accounts:
        if a.parent_id is not None:
            assert chart.accounts[a.parent_id].account_type == a.account_type
        if a.subtype is not None:
            assert a.subtype.account_type == a.account_type
    assert acct(chart, "2200").subtype is AccountSubtype.TAX
    assert acct(chart, "3200").subtype is AccountSubtype.RETAINED_EARNINGS
    assert all(not a.events for a in accounts)  # covered by CompanyCreated
    assert standard_chart(ChartTemplate.EMPTY, COMPANY, ACTOR, NOW) == []


def test_normal_balance_sides() -> None:
    sides = {t: t.normal_side.value for t in AccountType}
    assert sides == {
        AccountType.ASSET: "debit",
        AccountType.EXPENSE: "debit",
        AccountType.LIABILITY: "credit",
        AccountType.EQUITY: "credit",
        AccountType.REVENUE: "credit",
    }


def test_account_codes_are_unique_per_company_ignoring_case(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError) as refused:
        chart.open_account(
            code="1110",
            name="Second bank",
            account_type=AccountType.ASSET,
            subtype=None,
            parent_id=None,
            actor=ACTOR,
            now=NOW,
        )
    assert errors_of(refused) == {"code": "DUPLICATE"}
    chart.open_account(
        code="CASH-a",
        name="A",
        account_type=AccountType.ASSET,
        subtype=None,
        parent_id=None,
        actor=ACTOR,
        now=NOW,
    )
    with pytest.raises(DomainError):
        chart.open_account(
            code="cash-A",
            name="B",
            account_type=AccountType.ASSET,
            subtype=None,
            parent_id=None,
            actor=ACTOR,
            now=NOW,
        )


def test_account_input_is_validated_field_by_field(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError) as refused:
        chart.open_account(
            code="bad code!",
            name=" ",
            account_type=AccountType.ASSET,
            subtype=AccountSubtype.PAYABLE,
            parent_id=uuid.uuid4(),
            actor=ACTOR,
            now=NOW,
        )
    assert errors_of(refused) == {
        "code": "INVALID",
        "name": "REQUIRED",
        "subtype": "INVALID",
        "parentId": "NOT_FOUND",
    }


def test_parent_must_be_same_company_and_type(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError) as refused:
        chart.open_account(
            code="1111",
            name="Maybank",
            account_type=AccountType.ASSET,
            subtype=AccountSubtype.BANK,
            parent_id=acct(chart, "2000").id,
            actor=ACTOR,
            now=NOW,
        )
    assert errors_of(refused) == {"parentId": "INVALID"}
    other_company = standard_chart(ChartTemplate.MALAYSIAN_SME, uuid.uuid4(), ACTOR, NOW)[0]
    chart.accounts[other_company.id] = other_company  # even if it were loaded by mistake
    with pytest.raises(DomainError) as refused:
        chart.open_account(
            code="1112",
            name="CIMB",
            account_type=AccountType.ASSET,
            subtype=None,
            parent_id=other_company.id,
            actor=ACTOR,
            now=NOW,
        )
    assert errors_of(refused) == {"parentId": "NOT_FOUND"}
    made = chart.open_account(
        code="1113",
        name="RHB",
        account_type=AccountType.ASSET,
        subtype=AccountSubtype.BANK,
        parent_id=acct(chart, "1100").id,
        actor=ACTOR,
        now=NOW,
    )
    assert [e.event_type for e in made.events] == ["AccountCreated"]
    assert made.events[0].payload["companyId"] == str(COMPANY)


def test_no_cycles_in_the_tree(chart: ChartOfAccounts) -> None:
    assets, current = acct(chart, "1000"), acct(chart, "1100")
    for parent in (current, acct(chart, "1110")):  # its child, its grandchild
        with pytest.raises(DomainError) as refused:
            chart.update_account(
                assets,
                expected_version=1,
                changes={"parent_id": parent.id},
                has_postings=False,
                actor=ACTOR,
                now=NOW,
            )
        assert errors_of(refused) == {"parentId": "INVALID"}
        assert "cycle" in refused.value.errors[0].message
    with pytest.raises(DomainError):
        chart.update_account(
            assets,
            expected_version=1,
            changes={"parent_id": assets.id},
            has_postings=False,
            actor=ACTOR,
            now=NOW,
        )
    assert assets.parent_id is None and assets.version == 1


def test_type_is_fixed_once_an_account_has_postings(chart: ChartOfAccounts) -> None:
    rent = acct(chart, "6200")
    with pytest.raises(DomainError) as refused:
        chart.update_account(
            rent,
            expected_version=1,
            changes={"account_type": AccountType.ASSET, "parent_id": None},
            has_postings=True,
            actor=ACTOR,
            now=NOW,
        )
    assert errors_of(refused) == {"type": "INVALID"}
    assert rent.account_type is AccountType.EXPENSE
    # Without postings it may change; the old subtype goes with the old type.
    chart.update_account(
        rent,
        expected_version=1,
        changes={"account_type": AccountType.ASSET, "parent_id": None},
        has_postings=False,
        actor=ACTOR,
        now=NOW,
    )
    assert (rent.account_type, rent.subtype, rent.version) == (AccountType.ASSET, None, 2)
    changes = rent.events[-1].payload["changes"]
    assert changes["type"] == {"before": "EXPENSE", "after": "ASSET"}


def test_a_parent_with_sub_accounts_keeps_its_type(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError) as refused:
        chart.update_account(
            acct(chart, "6000"),
            expected_version=1,
            changes={"account_type": AccountType.ASSET},
            has_postings=False,
            actor=ACTOR,
            now=NOW,
        )
    assert errors_of(refused) == {"type": "INVALID"}


def test_deactivate_stale_version_and_no_op(chart: ChartOfAccounts) -> None:
    bank = acct(chart, "1110")
    chart.update_account(
        bank,
        expected_version=1,
        changes={"is_active": False},
        has_postings=True,
        actor=ACTOR,
        now=NOW,
    )
    assert (bank.is_active, bank.version) == (False, 2)
    with pytest.raises(DomainError) as refused:
        chart.update_account(
            bank, expected_version=1, changes={"name": "X"}, has_postings=True, actor=ACTOR, now=NOW
        )
    assert errors_of(refused) == {"version": "CONFLICT"}
    events = len(bank.events)
    chart.update_account(
        bank,
        expected_version=2,
        changes={"name": " Cash at Bank "},
        has_postings=True,
        actor=ACTOR,
        now=NOW,
    )
    assert bank.version == 2 and len(bank.events) == events  # nothing changed: no event


# -- fiscal years and periods --------------------------------------------------------------------


def test_a_year_has_twelve_monthly_periods() -> None:
    year = year_2026()
    assert (year.name, year.end_date, len(year.periods)) == ("FY2026", date(2026, 12, 31), 12)
    assert [(p.start_date, p.end_date) for p in year.periods[:2]] == [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
    ]
    assert all(p.status is PeriodStatus.OPEN for p in year.periods)
    assert year.events[0].payload["companyId"] == str(COMPANY)
    assert len(year.months()) == 12


def test_years_do_not_overlap_and_are_bounded() -> None:
    with pytest.raises(DomainError) as refused:
        FiscalYear.create(
            company_id=COMPANY,
            start_date=date(2026, 7, 1),
            end_date=None,
            name=None,
            existing=[(date(2026, 1, 1), date(2026, 12, 31))],
            actor=ACTOR,
            now=NOW,
        )
    assert errors_of(refused) == {"startDate": "CONFLICT"}
    with pytest.raises(DomainError) as refused:
        FiscalYear.create(
            company_id=COMPANY,
            start_date=date(2026, 1, 1),
            end_date=date(2027, 12, 31),
            name=None,
            existing=[],
            actor=ACTOR,
            now=NOW,
        )
    assert errors_of(refused) == {"endDate": "INVALID"}
    eighteen = FiscalYear.create(
        company_id=COMPANY,
        start_date=date(2025, 7, 1),
        end_date=date(2026, 12, 31),
        name="First",
        existing=[],
        actor=ACTOR,
        now=NOW,
    )
    assert len(eighteen.periods) == 18 and eighteen.name == "First"


def test_period_close_reopen_lock() -> None:
    period = year_2026().periods[2]
    period.close(actor=ACTOR, now=NOW)
    with pytest.raises(DomainError) as refused:
        period.close(actor=ACTOR, now=NOW)
    assert errors_of(refused) == {"id": "INVALID_STATE"}
    period.reopen(actor=ACTOR, now=NOW)
    with pytest.raises(DomainError):
        period.reopen(actor=ACTOR, now=NOW)  # already open
    period.lock(actor=ACTOR, now=NOW)
    with pytest.raises(DomainError) as refused:
        period.reopen(actor=ACTOR, now=NOW)
    assert "never reopens" in refused.value.errors[0].message
    assert period.status is PeriodStatus.LOCKED
    assert [e.event_type for e in period.events] == [
        "PeriodClosed",
        "PeriodReopened",
        "PeriodLocked",
    ]


# -- journal entries -----------------------------------------------------------------------------


def test_a_balanced_entry_drafts_then_posts_with_a_number(chart: ChartOfAccounts) -> None:
    entry = draft(chart, dr(chart, "1110", "100.50"), cr(chart, "4100", "100.5"))
    assert entry.status is EntryStatus.DRAFT and entry.entry_number is None
    assert entry.total_amount == D("100.50")
    year = year_2026()
    entry.post(
        period=period_of(year, entry.transaction_date),
        sequence=7,
        accounts=chart.accounts,
        actor=ACTOR,
        now=NOW,
    )
    assert (entry.status, entry.entry_number) == (EntryStatus.POSTED, "JE-2026-000007")
    assert [e.event_type for e in entry.events] == ["JournalEntryCreated", "TransactionPosted"]
    assert all(e.payload["companyId"] == str(COMPANY) for e in entry.events)


def test_fewer_than_two_lines(chart: ChartOfAccounts) -> None:
    for lines in ([], [dr(chart, "1110", "10")]):
        with pytest.raises(DomainError) as refused:
            draft(chart, *lines)
        assert errors_of(refused) == {"lines": "INVALID"}


def test_unbalanced(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError) as refused:
        draft(chart, dr(chart, "1110", "100.00"), cr(chart, "4100", "99.99"))
    assert errors_of(refused) == {"lines": "UNBALANCED"}
    assert "differ by 0.0100 MYR" in refused.value.errors[0].message


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        (LineInput(None, debit=D("-5")), "lines.1.debit", "INVALID"),  # negative
        (LineInput(None, credit=D("-5")), "lines.1.credit", "INVALID"),
        (LineInput(None, debit=D("1.00001")), "lines.1.debit", "INVALID"),  # over-precise
        (LineInput(None, debit=D("1E+16")), "lines.1.debit", "INVALID"),  # beyond NUMERIC(19,4)
        (LineInput(None, debit=D("NaN")), "lines.1.debit", "INVALID"),
        (LineInput(None, debit=D("5"), credit=D("5")), "lines.1.credit", "INVALID"),  # both
        (LineInput(None), "lines.1.debit", "REQUIRED"),  # neither
        (LineInput(None, debit=D("0"), credit=D("0")), "lines.1.debit", "REQUIRED"),
    ],
)
def test_bad_amounts_name_the_line_and_field(
    chart: ChartOfAccounts, line: LineInput, field: str, code: str
) -> None:
    line = LineInput(acct(chart, "4100").id, line.debit, line.credit)
    with pytest.raises(DomainError) as refused:
        draft(chart, dr(chart, "1110", "5"), line)
    assert errors_of(refused) == {field: code}


def test_over_precise_amounts_are_refused_not_rounded(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError):
        draft(chart, dr(chart, "1110", "0.00005"), cr(chart, "4100", "0.0001"))
    ok = draft(chart, dr(chart, "1110", "1.50000"), cr(chart, "4100", "1.5"))  # same value
    assert ok.lines[0].debit == D("1.5000")


def test_accounts_unknown_inactive_or_of_another_company(chart: ChartOfAccounts) -> None:
    foreign = standard_chart(ChartTemplate.MALAYSIAN_SME, uuid.uuid4(), ACTOR, NOW)[2]
    inactive = acct(chart, "1120")
    inactive.is_active = False
    accounts = {**chart.accounts, foreign.id: foreign}
    with pytest.raises(DomainError) as refused:
        JournalEntry.draft(
            company_id=COMPANY,
            base_currency="MYR",
            transaction_date=date(2026, 3, 1),
            reference=None,
            description=None,
            accounts=accounts,
            actor=ACTOR,
            now=NOW,
            lines=[
                LineInput(uuid.uuid4(), debit=D("1")),
                LineInput(inactive.id, debit=D("1")),
                LineInput(foreign.id, debit=D("1")),
                LineInput(acct(chart, "4100").id, credit=D("3")),
            ],
        )
    assert errors_of(refused) == {
        "lines.0.accountId": "NOT_FOUND",
        "lines.1.accountId": "INVALID",
        "lines.2.accountId": "NOT_FOUND",  # another company's reads as unknown
    }


def test_all_problems_are_reported_at_once(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError) as refused:
        draft(
            chart,
            LineInput(uuid.uuid4(), debit=D("-1")),
            cr(chart, "4100", "1.123456"),
            LineInput(acct(chart, "1110").id, debit=D("1"), currency_code="XXX"),
        )
    assert set(errors_of(refused)) == {
        "lines.0.accountId",
        "lines.0.debit",
        "lines.1.credit",
        "lines.2.currencyCode",
    }


def test_foreign_currency_lines_need_a_rate_and_balance_in_base(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError) as refused:
        draft(chart, dr(chart, "1110", "100", currency_code="USD"), cr(chart, "4100", "470"))
    assert errors_of(refused) == {"lines.0.exchangeRate": "REQUIRED"}
    for rate, code in (("0", "INVALID"), ("-4.7", "INVALID"), ("4.70000000001", "INVALID")):
        with pytest.raises(DomainError) as refused:
            draft(
                chart,
                dr(chart, "1110", "100", currency_code="usd", exchange_rate=D(rate)),
                cr(chart, "4100", "470"),
            )
        assert errors_of(refused) == {"lines.0.exchangeRate": code}
    with pytest.raises(DomainError) as refused:
        draft(chart, dr(chart, "1110", "100", exchange_rate=D("2")), cr(chart, "4100", "100"))
    assert errors_of(refused) == {"lines.0.exchangeRate": "INVALID"}  # base currency: rate 1
    entry = draft(
        chart,
        dr(chart, "1110", "100.00", currency_code="USD", exchange_rate=D("4.7123")),
        cr(chart, "4100", "471.23"),
    )
    line = entry.lines[0]
    assert (line.currency_code, line.debit, line.base_debit) == ("USD", D("100"), D("471.23"))


def test_base_amount_rounds_half_up_to_the_base_currency_minor_unit() -> None:
    assert base_amount(D("0.01"), D("0.5"), "MYR") == D("0.01")  # 0.005 -> up, whole sen
    assert base_amount(D("0.01"), D("0.4999"), "MYR") == D("0.00")
    assert base_amount(D("10.5"), D("1"), "JPY") == D("11")  # whole yen
    assert base_amount(D("1.2345"), D("1"), "KWD") == D("1.235")  # fils
    assert base_amount(D("999999999999999.99"), D("1"), "MYR") == D("999999999999999.99")
    assert base_amount(D("33.3333"), D("3"), "MYR") == D("100.00")


def test_a_line_that_rounds_to_zero_in_base_currency(chart: ChartOfAccounts) -> None:
    with pytest.raises(DomainError) as refused:
        draft(
            chart,
            dr(chart, "1110", "0.0001", currency_code="IDR", exchange_rate=D("0.0003")),
            cr(chart, "4100", "0.0001"),
        )
    assert errors_of(refused) == {"lines.0.debit": "INVALID"}


def test_the_rounding_spread_never_books_a_line_at_zero(chart: ChartOfAccounts) -> None:
    """Two halves of 0.01 MYR (USD 4.57 at 0.001095 each rounds up to 0.01 on its own): taking
    the difference up would leave one of them worth nothing, so the entry is refused instead."""
    rate = D("0.001095")
    with pytest.raises(DomainError) as refused:
        draft(
            chart,
            dr(chart, "4100", "0.01"),
            cr(chart, "1200", "4.57", currency_code="USD", exchange_rate=rate),
            cr(chart, "2130", "4.57", currency_code="USD", exchange_rate=rate),
        )
    assert errors_of(refused) == {"lines": "UNBALANCED"}


def test_posting_needs_an_open_period(chart: ChartOfAccounts) -> None:
    entry = draft(chart, dr(chart, "1110", "10"), cr(chart, "4100", "10"))
    with pytest.raises(DomainError) as refused:
        entry.check_postable(None, chart.accounts)
    assert errors_of(refused) == {"postingDate": "PERIOD_CLOSED"}
    year = year_2026()
    march = period_of(year, entry.transaction_date)
    for move in (march.close, march.lock):
        move(actor=ACTOR, now=NOW)
        with pytest.raises(DomainError) as refused:
            entry.post(period=march, sequence=1, accounts=chart.accounts, actor=ACTOR, now=NOW)
        assert errors_of(refused) == {"postingDate": "PERIOD_CLOSED"}
        assert entry.status is EntryStatus.DRAFT and entry.entry_number is None


def test_posting_rechecks_accounts_deactivated_since_the_draft(chart: ChartOfAccounts) -> None:
    entry = draft(chart, dr(chart, "1110", "10"), cr(chart, "4100", "10"))
    acct(chart, "4100").is_active = False
    with pytest.raises(DomainError) as refused:
        entry.check_postable(period_of(year_2026(), entry.transaction_date), chart.accounts)
    assert errors_of(refused) == {"lines.1.accountId": "INVALID"}


def test_posted_entries_post_once_and_reverse_once(chart: ChartOfAccounts) -> None:
    year = year_2026()
    entry = draft(chart, dr(chart, "1110", "10"), cr(chart, "4100", "10"))
    with pytest.raises(DomainError) as refused:
        entry.check_reversible()  # a draft
    assert errors_of(refused) == {"id": "INVALID_STATE"}
    period = period_of(year, entry.transaction_date)
    entry.post(period=period, sequence=1, accounts=chart.accounts, actor=ACTOR, now=NOW)
    with pytest.raises(DomainError) as refused:
        entry.post(period=period, sequence=2, accounts=chart.accounts, actor=ACTOR, now=NOW)
    assert errors_of(refused) == {"id": "INVALID_STATE"}
    assert entry.entry_number == "JE-2026-000001"

    mirror = entry.mirror(
        reversal_date=date(2026, 4, 2),
        description=None,
        accounts=chart.accounts,
        actor=ACTOR,
        now=NOW,
    )
    assert mirror.reversal_of == entry.id and mirror.transaction_date == date(2026, 4, 2)
    assert [(x.debit, x.credit) for x in mirror.lines] == [(D(0), D(10)), (D(10), D(0))]
    mirror.post(
        period=period_of(year, mirror.transaction_date),
        sequence=2,
        accounts=chart.accounts,
        actor=ACTOR,
        now=NOW,
    )
    entry.mark_reversed(mirror, now=NOW)
    assert (entry.status, entry.reversed_by) == (EntryStatus.REVERSED, mirror.id)
    with pytest.raises(DomainError) as refused:
        entry.mirror(
            reversal_date=None, description=None, accounts=chart.accounts, actor=ACTOR, now=NOW
        )
    assert "already reversed" in refused.value.errors[0].message
    default = draft(chart, dr(chart, "1110", "1"), cr(chart, "4100", "1"))
    default.post(period=period, sequence=3, accounts=chart.accounts, actor=ACTOR, now=NOW)
    assert (
        default.mirror(
            reversal_date=None, description=None, accounts=chart.accounts, actor=ACTOR, now=NOW
        ).transaction_date
        == default.transaction_date
    )


def test_idempotency_fingerprint_ignores_spelling_not_substance() -> None:
    account = uuid.uuid4()

    def command(amount: str, **kw: object) -> CreateJournalEntry:
        return CreateJournalEntry(
            company_id=COMPANY,
            transaction_date=date(2026, 3, 1),
            lines=(LineInput(account, debit=D(amount)), LineInput(account, credit=D(amount))),
            **kw,  # type: ignore[arg-type]
        )

    assert command("100").fingerprint() == command("100.00").fingerprint()
    assert command("100", idempotency_key="a").fingerprint() == command("100").fingerprint()
    assert command("100").fingerprint() != command("100.01").fingerprint()
    assert command("100").fingerprint() != command("100", post=True).fingerprint()
