"""A worker module with a bug: it raises while being imported."""

raise RuntimeError("the database URL is not configured")
