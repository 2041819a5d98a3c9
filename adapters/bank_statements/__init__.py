"""Bank statement files read into `domain.banking.statement.ParsedStatement`.

CAMT.053 (ISO 20022 XML), OFX (1.x SGML and 2.x XML) and CSV with a column mapping. XML is read
by expat with no DTD at all: a DOCTYPE or entity declaration refuses the file (XXE, entity
expansion), so no external entity is ever fetched and nothing expands.
"""

from __future__ import annotations

from adapters.bank_statements import camt053, csv_statement, ofx
from domain.banking.commands import CsvMapping, StatementFormat
from domain.banking.statement import ParsedStatement, StatementError


class StatementParsers:
    """The `domain.banking.ports.StatementParser` for every format."""

    def parse(
        self,
        format: StatementFormat,
        content: bytes,
        mapping: CsvMapping | None,
    ) -> ParsedStatement:
        if format is StatementFormat.CAMT053:
            return camt053.parse(content)
        if format is StatementFormat.OFX:
            return ofx.parse(content)
        if mapping is None:
            raise StatementError("A CSV statement needs its column mapping.", "csvMapping")
        return csv_statement.parse(content, mapping)


PARSERS = StatementParsers()
