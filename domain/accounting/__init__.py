"""Financial Accounting: chart of accounts, fiscal periods, journal entries that always balance."""
