"""Event types this context emits (payloads are built in model.py). Every payload carries
`companyId`: the event stream shows an event only to users who may enter that company."""

ACCOUNT_CREATED = "AccountCreated"
ACCOUNT_UPDATED = "AccountUpdated"
FISCAL_YEAR_CREATED = "FiscalYearCreated"
PERIOD_CLOSED = "PeriodClosed"
PERIOD_REOPENED = "PeriodReopened"
PERIOD_LOCKED = "PeriodLocked"
JOURNAL_ENTRY_CREATED = "JournalEntryCreated"
TRANSACTION_POSTED = "TransactionPosted"
JOURNAL_ENTRY_REVERSED = "JournalEntryReversed"
# One per committed batch of `bigledger import journal` (counts, not one event per entry); its
# aggregate is the company's books (aggregate id: the company).
JOURNAL_IMPORTED = "JournalImported"
COMPANY_BOOKS = "CompanyBooks"
ALL = (
    ACCOUNT_CREATED,
    ACCOUNT_UPDATED,
    FISCAL_YEAR_CREATED,
    PERIOD_CLOSED,
    PERIOD_REOPENED,
    PERIOD_LOCKED,
    JOURNAL_ENTRY_CREATED,
    TRANSACTION_POSTED,
    JOURNAL_ENTRY_REVERSED,
    JOURNAL_IMPORTED,
)
