import strawberry

from resolvers.company.mutations.create_company import create_company
from resolvers.company.mutations.update_company import update_company
from schema.permissions import guarded


@strawberry.type
class CompanyMutations:
    create_company = strawberry.mutation(
        resolver=create_company, **guarded("company:create", "Register a company in your tenant.")
    )
    update_company = strawberry.mutation(
        resolver=update_company,
        **guarded("company:update", "Change a company; send the version you last read."),
    )
