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
)
