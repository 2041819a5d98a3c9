from __future__ import annotations

from typing import Any

import strawberry

from adapters.bank_statements import PARSERS
from db.readmodels import banking as read
from domain.banking import handlers
from domain.banking.commands import CsvMapping, ImportBankStatement, StatementFormat
from domain.shared.errors import DomainError, ErrorCode
from resolvers.command_ports import BANKING
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.banking.types import (
    BankStatement,
    CsvMappingInput,
    ImportBankStatementError,
    ImportBankStatementInput,
    ImportBankStatementPayload,
)


def _mapping(given: CsvMappingInput | None) -> CsvMapping | None:
    if given is None:
        return None
    return CsvMapping(
        date=given.date,
        amount=given.amount,
        debit=given.debit,
        credit=given.credit,
        direction=given.direction,
        reference=given.reference,
        counterparty=given.counterparty,
        description=given.description,
        bank_ref=given.bank_ref,
        currency=given.currency,
        date_format=given.date_format,
        decimal_comma=given.decimal_comma,
        opening_balance=given.opening_balance,
        closing_balance=given.closing_balance,
    )


async def import_bank_statement(
    info: strawberry.Info, input: ImportBankStatementInput
) -> ImportBankStatementPayload:
    """Synchronous: a statement is small (at most MAX_LINES lines); its lines, matches and
    balance check commit together, so a refused file leaves nothing behind."""
    context = info.context
    try:
        bank_account_id = parse_id(input.bank_account_id, "bankAccountId", "bank account")
        upload: Any = input.file  # starlette's UploadFile
        if not callable(getattr(upload, "read", None)):  # a JSON value where a file belongs
            raise DomainError.single(
                ErrorCode.REQUIRED,
                "Send the statement as a file (GraphQL multipart request).",
                "file",
            )
        command = ImportBankStatement(
            bank_account_id=bank_account_id,
            format=StatementFormat(input.format.value),
            content=await upload.read(),
            file_name=getattr(upload, "filename", None) or "statement",
            csv_mapping=_mapping(input.csv_mapping),
            window_days=input.date_window_days,
        )
        result = await run_command(
            info,
            handlers.import_bank_statement,
            command,
            banking=BANKING,
            parser=PARSERS,
            limits=context.limits,
        )
    except DomainError as exc:
        return ImportBankStatementPayload(
            statement=None,
            duplicate_lines=0,
            auto_matched=0,
            suggested=0,
            errors=ImportBankStatementError.from_domain(exc.errors),
        )
    row = await read.statement(context.tenant_engine, result.statement.id)
    assert row is not None
    return ImportBankStatementPayload(
        statement=BankStatement.from_row(row),
        duplicate_lines=result.duplicate_lines,
        auto_matched=result.auto_matched,
        suggested=result.suggested,
        errors=[],
    )
