"""Building blocks every bounded context shares: errors, the event envelope, clocks, money."""
