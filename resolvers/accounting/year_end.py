import strawberry

from resolvers.accounting.mutations.close_fiscal_year import close_fiscal_year
from schema.permissions import guarded


@strawberry.type
class YearEndMutations:
    close_fiscal_year = strawberry.mutation(
        resolver=close_fiscal_year,
        **guarded(
            "period:close",
            "Year-end close: post a closing entry on the year's last day moving every revenue "
            "and expense balance of the year to the retained earnings account, then close all "
            "the year's periods. The year's income statement still shows its figures (closing "
            "entries are left out of it); the next year's starts at zero.",
        ),
    )
