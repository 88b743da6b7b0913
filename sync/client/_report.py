"""What a sync tells: its progress while it runs and its report when it ends. Read by the
engine, the trust checks and the team actions that fill it, and by the CLI and app that word it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Progress:
    """Where a sync stands, for the progress bar and the progress line."""

    collection: str = ""
    phase: str = "connecting"
    up_records: int = 0
    up_bytes: int = 0
    down_records: int = 0
    down_bytes: int = 0
    pull_total: int = 0  # records the server said it has that this device lacks


@dataclass
class SyncReport:
    up_records: int = 0
    up_bytes: int = 0
    down_records: int = 0
    down_bytes: int = 0
    requests: int = 0
    wire_sent: int = 0
    wire_received: int = 0
    seconds: float = 0.0
    merged: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    created_collections: int = 0
    delivered_keys: int = 0
    waiting_for_keys: list[str] = field(default_factory=list)
    # the problems that only say this device is not admitted yet, and whose sync comes next
    # (also in ``problems``): alone, they make ``fieldpad sync`` exit 5, not 1
    not_admitted: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)  # what an honest server never does
    admitted: list[str] = field(default_factory=list)  # devices this lead device added
    linked: list[str] = field(default_factory=list)  # own new devices this device vouched for
    joined: list[str] = field(default_factory=list)  # inspections this device joined
    purged: list[str] = field(default_factory=list)  # inspections purged here
    # closed team inspections this lead device may purge now (a sync never purges by itself)
    purge_due: list[str] = field(default_factory=list)
    access_ended: list[str] = field(default_factory=list)  # collections no longer listed
    # what this sync did to heal streams (issue 11), in words, and the counts behind them
    healed: list[str] = field(default_factory=list)
    resent: int = 0  # own records the server had lost, sent again
    repaired: int = 0  # own records the server held damaged, replaced by this device's copies
    reported_damage: int = 0  # records set aside here that the server confirmed damaged

    def wait_for_admission(self, why: str) -> None:
        """This device cannot read a collection until another device's sync admits it."""
        self.problems.append(why)
        self.not_admitted.append(why)

    @property
    def only_waiting(self) -> bool:
        """Not done only because this device waits to be admitted (or for its keys)."""
        return bool(self.not_admitted) and not self.alerts and not self.quarantined \
            and all(p in self.not_admitted for p in self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems
