"""Variable scopes of a process instance: lookup through parents, Zeebe-style propagation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Scope"]


@dataclass(eq=False)
class Scope:
    """The variables of one element instance (or of the process instance at the root)."""

    key: int
    parent: Scope | None = None
    variables: dict[str, Any] = field(default_factory=dict)

    def visible(self) -> dict[str, Any]:
        """Every variable visible here: local ones shadow those of the parents."""
        chain: list[Scope] = []
        scope: Scope | None = self
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        merged: dict[str, Any] = {}
        for item in reversed(chain):
            merged.update(item.variables)
        return merged

    def set_local(self, variables: Mapping[str, Any]) -> None:
        """Set ``variables`` in this scope."""
        self.variables.update(variables)

    def propagate(self, variables: Mapping[str, Any]) -> None:
        """Set each variable in the nearest scope (from here up) that has it, else the root."""
        for name, value in variables.items():
            scope: Scope | None = self
            root = self
            while scope is not None:
                if name in scope.variables:
                    scope.variables[name] = value
                    break
                root = scope
                scope = scope.parent
            else:
                root.variables[name] = value
