"""Who is calling and what they may do: principals and the viewer < trader < admin roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Role(IntEnum):
    """Roles from Cognito groups; each includes everything the lower ones may do."""

    VIEWER = 1
    """Reads everything."""
    TRADER = 2
    """Also submits backtests, syncs data, runs dry-run instances."""
    ADMIN = 3
    """Also promotes, rolls back, runs live, edits budgets."""

    @classmethod
    def from_group(cls, group: str) -> Role | None:
        """The role a Cognito group grants, or None for groups that grant nothing."""
        return cls.__members__.get(group.upper())


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    subject: str
    """A stable id of the caller: the user's `sub`, or the M2M client id."""
    role: Role
    groups: tuple[str, ...] = ()
    client_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    def may(self, role: Role) -> bool:
        """Whether this caller holds `role` or a higher one."""
        return self.role >= role


ANONYMOUS_ADMIN = Principal(subject="local", role=Role.ADMIN)
"""The caller when authentication is off (`TRADAI_AUTH=none`, the local default)."""
