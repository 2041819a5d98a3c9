"""Strawberry types, inputs, errors and permissions per context; `schema.build` assembles them."""
