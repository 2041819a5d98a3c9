"""Helpers of the banking tests: statements uploaded as a browser would (GraphQL multipart)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import GraphQLClient

FILES = Path(__file__).parent / "files"
ERRORS = "errors { code message field }"
LINE = """id lineNumber kind bookingDate amount reference counterparty description bankRef
  matched matchKind
  matches { journalEntryId lineNumber postingDate amount }
  suggestions { journalEntryId lineNumber score }"""
STATEMENT = f"""id companyId bankAccountId format fileName externalId currencyCode startDate
  endDate openingBalance closingBalance lineCount newLineCount lines {{ {LINE} }}"""
IMPORT = f"""
mutation Import($input: ImportBankStatementInput!) {{
  importBankStatement(input: $input) {{
    statement {{ {STATEMENT} }} duplicateLines autoMatched suggested {ERRORS}
  }}
}}"""
MATCH = f"""
mutation($input: MatchBankLineInput!) {{
  matchBankLine(input: $input) {{ line {{ {LINE} }} {ERRORS} }}
}}"""
UNMATCH = f"""
mutation($input: UnmatchBankLineInput!) {{
  unmatchBankLine(input: $input) {{ line {{ {LINE} }} {ERRORS} }}
}}"""
CREATE_ENTRY = f"""
mutation($input: CreateEntryFromBankLineInput!) {{
  createEntryFromBankLine(input: $input) {{
    line {{ {LINE} }} journalEntry {{ id status postingDate totalAmount
      lines {{ accountId debit credit }} }} {ERRORS}
  }}
}}"""
AUTO_MATCH = f"""
mutation($input: AutoMatchBankLinesInput!) {{
  autoMatchBankLines(input: $input) {{ matched suggested {ERRORS} }}
}}"""
STATEMENT_QUERY = f"query($id: ID!) {{ bankStatement(id: $id) {{ {STATEMENT} }} }}"
STATEMENTS = "query($account: ID!) { bankStatements(bankAccountId: $account) { id } }"
RECONCILIATION = f"""
query($account: ID!, $statement: ID!) {{
  bankReconciliation(bankAccountId: $account, statementId: $statement) {{
    asOf statementBalance bookBalance matchedTotal unmatchedBankTotal unmatchedBookTotal
    difference reconciled unmatchedBankLines {{ {LINE} }}
    unmatchedBookLines {{ journalEntryId entryNumber lineNumber postingDate amount reference }}
  }}
}}"""


async def import_statement(
    gql: GraphQLClient,
    token: str,
    bank_account_id: str,
    content: bytes,
    format: str,
    *,
    file_name: str = "statement",
    csv_mapping: dict[str, Any] | None = None,
) -> dict[str, Any]:
    variables = {
        "input": {
            "bankAccountId": bank_account_id,
            "file": None,
            "format": format,
            "csvMapping": csv_mapping,
        }
    }
    response = await gql.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": IMPORT, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (file_name, content, "application/octet-stream")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"]["importBankStatement"])


def camt053(
    lines: list[tuple[str, str, str, str]],
    *,
    opening: str = "0.00",
    start: str = "2026-03-01",
    end: str = "2026-03-31",
    currency: str = "MYR",
    statement_id: str = "STMT-1",
) -> bytes:
    """A CAMT.053.001.08 statement: lines are (booking date, signed amount, bank ref, text)."""
    from decimal import Decimal

    closing = Decimal(opening) + sum((Decimal(a) for _, a, _, _ in lines), Decimal(0))

    def amount(value: Decimal) -> str:
        side = "CRDT" if value >= 0 else "DBIT"
        return f'<Amt Ccy="{currency}">{abs(value)}</Amt><CdtDbtInd>{side}</CdtDbtInd>'

    entries = "".join(
        f"<Ntry>{amount(Decimal(a))}<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{d}</Dt></BookgDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>{text}</Ustrd>"
        "</RmtInf></TxDtls></NtryDtls></Ntry>"
        for d, a, ref, text in lines
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>M-{statement_id}</MsgId><CreDtTm>{end}T23:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><FrToDt><FrDtTm>{start}T00:00:00</FrDtTm>"
        f"<ToDtTm>{end}T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><Othr><Id>514012345678</Id></Othr></Id><Ccy>{currency}</Ccy></Acct>"
        f"<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>{amount(Decimal(opening))}"
        f"<Dt><Dt>{start}</Dt></Dt></Bal>"
        f"<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>{amount(closing)}"
        f"<Dt><Dt>{end}</Dt></Dt></Bal>{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()
