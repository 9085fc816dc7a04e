"""Runnable examples of zeebe-router; each one is run by a test under tests/examples."""
