"""Company Management: the first bounded context — a tenant's legal entities."""
