"""GraphQL documents and small helpers the accounting tests share."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import GraphQLClient, TenantHandle

ERRORS = "errors { code message field }"
ACCOUNT = "id companyId code name type subtype normalBalance parentId isActive version"
LINES = (
    "lines { lineNumber accountId description currencyCode exchangeRate debit credit "
    "baseDebit baseCredit account { code name } }"
)
ENTRY = (
    "id companyId entryNumber postingDate reference description status currencyCode "
    f"totalAmount fiscalYearId reversalOf reversedBy version {LINES}"
)

CREATE_COMPANY = f"""
mutation($input: CreateCompanyInput!) {{
  createCompany(input: $input) {{ company {{ id currencyCode }} {ERRORS} }}
}}"""
CREATE_ACCOUNT = f"""
mutation($input: CreateAccountInput!) {{
  createAccount(input: $input) {{ account {{ {ACCOUNT} }} {ERRORS} }}
}}"""
UPDATE_ACCOUNT = f"""
mutation($input: UpdateAccountInput!) {{
  updateAccount(input: $input) {{ account {{ {ACCOUNT} }} {ERRORS} }}
}}"""
ACCOUNTS = f"""
query($company: ID!, $first: Int, $after: String) {{
  accounts(companyId: $company, first: $first, after: $after) {{
    edges {{ cursor node {{ {ACCOUNT} }} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
HIERARCHY = """
query($company: ID!) {
  accountHierarchy(companyId: $company) {
    account { id code parentId } depth debit credit net balance
  }
}"""
YEARS = """
query($company: ID!) {
  fiscalYears(companyId: $company) {
    id name startDate endDate periods { id number startDate endDate status }
  }
}"""
CREATE_YEAR = f"""
mutation($input: CreateFiscalYearInput!) {{
  createFiscalYear(input: $input) {{
    fiscalYear {{ id name startDate endDate
      periods {{ id number startDate endDate status version }} }}
    {ERRORS}
  }}
}}"""
PERIOD_ACTION = """
mutation($id: ID!) {{
  {action}(input: {{id: $id}}) {{ period {{ id number status version }} {errors} }}
}}"""
CREATE_ENTRY = f"""
mutation($input: CreateJournalEntryInput!) {{
  createJournalEntry(input: $input) {{ journalEntry {{ {ENTRY} }} {ERRORS} }}
}}"""
POST_ENTRY = f"""
mutation($input: PostJournalEntryInput!) {{
  postJournalEntry(input: $input) {{ journalEntry {{ {ENTRY} }} {ERRORS} }}
}}"""
REVERSE_ENTRY = f"""
mutation($input: ReverseJournalEntryInput!) {{
  reverseJournalEntry(input: $input) {{
    journalEntry {{ {ENTRY} }} reversal {{ {ENTRY} }} {ERRORS}
  }}
}}"""
ENTRY_QUERY = f"query($id: ID!) {{ journalEntry(id: $id) {{ {ENTRY} }} }}"
ENTRIES = """
query($company: ID!, $filter: JournalEntryFilter, $first: Int, $after: String) {
  journalEntries(companyId: $company, filter: $filter, first: $first, after: $after) {
    edges { cursor node { id entryNumber status postingDate totalAmount } }
    pageInfo { hasNextPage endCursor }
  }
}"""
TRIAL_BALANCE = """
query($company: ID!, $asOf: Date!) {
  trialBalance(companyId: $company, asOf: $asOf) {
    companyId asOf currencyCode totalDebit totalCredit balanced
    lines { account { id code type } debit credit totalDebits totalCredits }
  }
}"""


def period_action(action: str) -> str:
    return PERIOD_ACTION.format(action=action, errors=ERRORS)


class Books:
    """One company's books through the API, for one signed-in user."""

    def __init__(self, gql: GraphQLClient, token: str, company_id: str) -> None:
        self.gql, self.token, self.company_id = gql, token, company_id
        self.accounts: dict[str, dict[str, Any]] = {}
        self.years: list[dict[str, Any]] = []

    @classmethod
    async def open(
        cls,
        gql: GraphQLClient,
        tenant: TenantHandle,
        *,
        currency: str = "MYR",
        year_start: str | None = "2026-01-01",
        chart: str = "MALAYSIAN_SME",
        token: str | None = None,
    ) -> Books:
        token = token or tenant.token
        created = (
            await gql.data(
                CREATE_COMPANY,
                {
                    "input": {
                        "name": "Kedai Runcit Sdn Bhd",
                        "currencyCode": currency,
                        "timezone": "Asia/Kuala_Lumpur",
                        "chartOfAccounts": chart,
                    }
                },
                token,
            )
        )["createCompany"]
        assert created["errors"] == [], created
        books = cls(gql, token, created["company"]["id"])
        await books.load_accounts()
        if year_start:
            await books.create_year(year_start)
        return books

    async def load_accounts(self) -> dict[str, dict[str, Any]]:
        data = await self.gql.data(ACCOUNTS, {"company": self.company_id, "first": 100}, self.token)
        self.accounts = {e["node"]["code"]: e["node"] for e in data["accounts"]["edges"]}
        return self.accounts

    def id(self, code: str) -> str:
        return str(self.accounts[code]["id"])

    async def create_year(self, start: str, **extra: Any) -> dict[str, Any]:
        result = (
            await self.gql.data(
                CREATE_YEAR,
                {"input": {"companyId": self.company_id, "startDate": start, **extra}},
                self.token,
            )
        )["createFiscalYear"]
        assert result["errors"] == [], result
        self.years.append(result["fiscalYear"])
        return dict(result["fiscalYear"])

    def period(self, number: int, year: int = 0) -> dict[str, Any]:
        return dict(self.years[year]["periods"][number - 1])

    async def entry(
        self,
        lines: list[tuple[str, str, str]],
        *,
        date: str = "2026-03-15",
        post: bool = True,
        token: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """`lines`: (account code, "debit"|"credit", amount). Returns the payload."""
        variables = {
            "input": {
                "companyId": self.company_id,
                "postingDate": date,
                "post": post,
                "lines": [
                    {"accountId": self.id(code), side: amount} for code, side, amount in lines
                ],
                **extra,
            }
        }
        return dict(
            (await self.gql.data(CREATE_ENTRY, variables, token or self.token))[
                "createJournalEntry"
            ]
        )

    async def sale(self, amount: str, **kwargs: Any) -> dict[str, Any]:
        """Cash sale: Dr Cash at Bank, Cr Sales."""
        payload = await self.entry(
            [("1110", "debit", amount), ("4100", "credit", amount)], **kwargs
        )
        assert payload["errors"] == [], payload
        return dict(payload["journalEntry"])

    async def trial_balance(self, as_of: str = "2026-12-31") -> dict[str, Any]:
        data = await self.gql.data(
            TRIAL_BALANCE, {"company": self.company_id, "asOf": as_of}, self.token
        )
        return dict(data["trialBalance"])


async def count(engine: AsyncEngine, schema: str, table: str, where: str = "true") -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(text(f'SELECT count(*) FROM "{schema}".{table} WHERE {where}'))
            ).scalar_one()
        )


async def snapshot(engine: AsyncEngine, schema: str) -> dict[str, int]:
    """Row counts of everything a journal command may write (to prove nothing was)."""
    tables = (
        "transactions",
        "journal_lines",
        "account_balances",
        "account_daily_balances",
        "journal_requests",
        "outbox",
    )
    return {t: await count(engine, schema, t) for t in tables}


INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { userId invitationToken errors { code message field } }
}"""
ACCEPT = """
mutation($tenant: String!, $email: String!, $token: String!, $password: String!) {
  acceptInvitation(tenant: $tenant, email: $email, invitationToken: $token, password: $password) {
    accessToken errors { code message field }
  }
}"""
CREATE_ROLE = """
mutation($input: CreateRoleInput!) {
  createRole(input: $input) { role { id } errors { code message field } }
}"""


async def invite(
    gql: GraphQLClient,
    tenant: TenantHandle,
    *,
    roles: tuple[str, ...] = (),
    companies: tuple[str, ...] = (),
    company_roles: tuple[str, ...] = (),
) -> str:
    """A new member of the tenant; returns their access token."""
    email = f"user-{uuid.uuid4().hex[:8]}@{tenant.slug}.example"
    access = [{"companyId": c, "roleIds": list(company_roles)} for c in companies]
    invited = (
        await gql.data(
            INVITE,
            {"input": {"email": email, "roleIds": list(roles), "companyAccess": access}},
            tenant.token,
        )
    )["inviteUser"]
    assert invited["errors"] == [], invited
    accepted = (
        await gql.data(
            ACCEPT,
            {
                "tenant": tenant.slug,
                "email": email,
                "token": invited["invitationToken"],
                "password": "correct horse battery",
            },
        )
    )["acceptInvitation"]
    assert accepted["errors"] == [], accepted
    return str(accepted["accessToken"])


async def custom_role(
    gql: GraphQLClient, tenant: TenantHandle, name: str, permissions: list[dict[str, Any]]
) -> str:
    made = (
        await gql.data(
            CREATE_ROLE, {"input": {"name": name, "permissions": permissions}}, tenant.token
        )
    )["createRole"]
    assert made["errors"] == [], made
    return str(made["role"]["id"])
