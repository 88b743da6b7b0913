"""The team as people see it (issue 7): the devices on an inspection's verified team roster,
with fingerprints to compare in person. Shared by ``fieldpad team list`` and the app's team
screen, so both show exactly the same thing."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._roster_log import FP_CONTEXT, Roster

if TYPE_CHECKING:
    from store import Inspection, Session


def fingerprint_text(sign_key: bytes) -> str:
    """A device fingerprint as people compare it, e.g. ``"K7QX-2M4T-..."``: 20 base32
    characters (100 bits) of SHA-256("fieldpad/v1/fp" | signing key), in groups of four."""
    code = base64.b32encode(hashlib.sha256(FP_CONTEXT + sign_key).digest()).decode()[:20]
    return "-".join(code[i:i + 4] for i in range(0, 20, 4))


@dataclass(frozen=True)
class TeamDevice:
    """One device of the team roster."""

    user: str
    role: str
    device_id: bytes
    fingerprint: str
    active: bool
    verified: bool
    this_device: bool

    @property
    def short_id(self) -> str:
        return self.device_id.hex()[:8]


def team_roster(session: Session, inspection: Inspection) -> Roster | None:
    """The verified team roster of ``inspection`` on this device, or None (none yet)."""
    return session.team_roster(inspection.inspection_id)


def team_devices(session: Session, roster: Roster | None) -> list[TeamDevice]:
    """Every device on the roster, active first, then by user."""
    if roster is None:
        return []
    verified = session.rosters.verified()
    out = []
    for did in {*(d.device_id for d in roster.devices()), *roster.removed()}:
        dev = roster.device(did)
        if dev is None:
            continue
        out.append(TeamDevice(dev.user, dev.role, did, fingerprint_text(dev.sign_key),
                              roster.is_active(did), did in verified,
                              did == session.device_id))
    return sorted(out, key=lambda d: (not d.active, d.user, d.device_id))


def team_view(session: Session, inspection: Inspection) -> list[TeamDevice]:
    return team_devices(session, team_roster(session, inspection))
