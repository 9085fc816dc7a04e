"""Example tests of handlers: with JobEnvironment (no network) and the pytest plugin's fixtures."""
