"""Testing tools: an embedded Zeebe gateway, a no-network job environment and pytest fixtures."""
