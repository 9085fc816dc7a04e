"""A module whose attributes are not workers."""

from __future__ import annotations

answer = 42


def make_nothing() -> None:
    """A factory that returns nothing useful."""


def make_broken() -> object:
    """A factory that fails."""
    raise ValueError("no credentials")
