"""OFX bank and credit-card statements: 1.x (SGML, leaf elements left unclosed) and 2.x (XML).

Both are read by one tokenizer: an element with text and no closing tag before the next tag is
a leaf. A DOCTYPE or entity declaration refuses the file. OFX states no opening balance: the
ledger balance (LEDGERBAL) is the closing one, so opening = closing - the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import unescape

from domain.banking.statement import ParsedLine, ParsedStatement, StatementError, derived_bank_ref

_TAG = re.compile(r"<(/?)([A-Za-z0-9_.]+)\s*>")
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CHARSET = re.compile(rb"CHARSET:\s*(\S+)")
MAX_DEPTH = 32


@dataclass
class _Element:
    tag: str
    text: str = ""
    children: list[_Element] = field(default_factory=list)

    def child(self, tag: str) -> _Element | None:
        return next((c for c in self.children if c.tag == tag), None)

    def value(self, path: str) -> str:
        node: _Element | None = self
        for part in path.split("/"):
            node = node.child(part) if node is not None else None
        return node.text if node is not None else ""

    def search(self, tags: tuple[str, ...]) -> list[_Element]:
        found = [self] if self.tag in tags else []
        for c in self.children:
            found += c.search(tags)
        return found


def _decode(content: bytes) -> str:
    charset = _CHARSET.search(content[:1024])
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        if charset is not None and charset.group(1) in (b"1252", b"NONE", b"ISO-8859-1"):
            return content.decode("cp1252", errors="replace")
        raise StatementError("The OFX file is neither UTF-8 nor declared CHARSET:1252.") from None


def _tree(text: str) -> _Element:
    start = text.upper().find("<OFX>")
    if start < 0:
        raise StatementError("This is not an OFX file (no <OFX> element).")
    root = _Element("#document")
    stack = [root]
    position = start
    for match in _TAG.finditer(text, start):
        between = text[position : match.start()].strip()
        position = match.end()
        top = stack[-1]
        if between:
            if top.children or top is root:
                raise StatementError(f"Text {between[:30]!r} where an element was expected.")
            top.text = unescape(between)
        closing, tag = match.group(1) == "/", match.group(2).upper()
        if stack[-1].text and stack[-1].tag != tag:
            stack.pop()  # an SGML leaf: its value, and no closing tag
        if not closing:
            if len(stack) > MAX_DEPTH:
                raise StatementError(f"The OFX nests deeper than {MAX_DEPTH} elements.")
            node = _Element(tag)
            stack[-1].children.append(node)
            stack.append(node)
            continue
        if tag not in (n.tag for n in stack[1:]):
            raise StatementError(f"</{tag}> closes no open element.")
        while stack[-1].tag != tag:
            if stack[-1].children:  # an aggregate left open: malformed
                raise StatementError(f"<{stack[-1].tag}> is not closed before </{tag}>.")
            stack.pop()
        stack.pop()
    if stack[-1].text:
        stack.pop()
    if len(stack) > 1:
        raise StatementError(f"<{stack[1].tag}> is not closed: the file is cut short.")
    ofx = root.child("OFX")
    if ofx is None:
        raise StatementError("This is not an OFX file (no <OFX> element).")
    return ofx


def _date(text: str, where: str) -> date:
    digits = text[:8]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise StatementError(f"{where}: {text!r} is not an OFX date (YYYYMMDD...).") from None


def _amount(text: str, where: str) -> Decimal:
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # some banks write a decimal comma
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise StatementError(f"{where}: {text!r} is not an amount.") from None
    if not value.is_finite():
        raise StatementError(f"{where}: {text!r} is not an amount.")
    return value


def parse(content: bytes) -> ParsedStatement:
    if _DECLARATION.search(content):
        raise StatementError(
            "The file declares a DOCTYPE or entities (refused: statements never need them)."
        )
    ofx = _tree(_decode(content))
    statements = ofx.search(("STMTRS", "CCSTMTRS"))
    if len(statements) != 1:
        raise StatementError(f"The file holds {len(statements)} statements; import one per file.")
    stmt = statements[0]
    currency = stmt.value("CURDEF").upper()
    if len(currency) != 3:
        raise StatementError("The statement has no currency (CURDEF).")
    transactions = stmt.child("BANKTRANLIST")
    if transactions is None:
        raise StatementError("The statement has no transaction list (BANKTRANLIST).")
    ledger = stmt.child("LEDGERBAL")
    if ledger is None or not ledger.value("BALAMT"):
        raise StatementError("The statement has no ledger balance (LEDGERBAL).")
    occurrences: dict[tuple[object, ...], int] = {}
    lines: list[ParsedLine] = []
    for number, trn in enumerate((c for c in transactions.children if c.tag == "STMTTRN"), 1):
        where = f"STMTTRN {number}"
        posted = trn.value("DTPOSTED")
        if not posted:
            raise StatementError(f"{where}: no DTPOSTED.")
        amount_text = trn.value("TRNAMT")
        if not amount_text:
            raise StatementError(f"{where}: no TRNAMT.")
        line = ParsedLine(
            booking_date=_date(posted, where),
            value_date=_date(trn.value("DTUSER"), where) if trn.value("DTUSER") else None,
            amount=_amount(amount_text, where),
            currency=trn.value("CURRENCY/CURSYM").upper() or currency,
            bank_ref=trn.value("FITID"),
            reference=trn.value("REFNUM") or trn.value("CHECKNUM"),
            counterparty=trn.value("NAME") or trn.value("PAYEE/NAME"),
            description=trn.value("MEMO"),
        )
        if not line.bank_ref:
            key = (line.booking_date, line.amount, line.reference, line.description)
            occurrences[key] = occurrences.get(key, 0) + 1
            line = ParsedLine(
                **{**line.__dict__, "bank_ref": derived_bank_ref(line, occurrences[key])}
            )
        lines.append(line)
    start = transactions.value("DTSTART")
    end = transactions.value("DTEND")
    account = stmt.value("BANKACCTFROM/ACCTID") or stmt.value("CCACCTFROM/ACCTID")
    return ParsedStatement(
        currency=currency,
        lines=tuple(lines),
        opening_balance=None,
        closing_balance=_amount(ledger.value("BALAMT"), "LEDGERBAL"),
        start_date=_date(start, "DTSTART") if start else None,
        end_date=_date(end, "DTEND") if end else None,
        account_number=account or None,
    )
