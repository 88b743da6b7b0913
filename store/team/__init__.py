"""The team: who is on it and what this device trusts about it (DESIGN §6, issue 7).

- the signed, hash-chained roster log (``Roster``, ``SignedEvent``; pure, no I/O: the server
  checks chains with it too);
- invitations the server cannot hijack (``Invitation``, codes, join and accept proofs; pure);
- the trust book: verified rosters, pinned lead keys and invitations in flight, as this device
  keeps them (``RosterBook``);
- the members view: the devices on an inspection's team as people compare them in person;
- authority: only a lead may change an inspection's life (``require_lead``, ``NotALead``).
"""

from ._authority import (
    NotALead,
    meta_refusal,
    purge_statement,
    purge_statement_refusal,
    require_lead,
    signer_label,
)
from ._invitation import (
    ALPHABET,
    CODE_CHARS,
    AcceptanceRejected,
    BadInviteCode,
    Invitation,
    JoinRejected,
    accept_proof,
    admit,
    check_acceptance,
    format_code,
    invite_id,
    join_proof,
    parse_code,
    verify_accept,
    verify_join,
)
from ._members_view import (
    TeamDevice,
    fingerprint_text,
    team_devices,
    team_roster,
    team_view,
)
from ._roster_log import (
    ADD,
    GENESIS_PREV,
    LEAD,
    MAX_EVENT_BYTES,
    MEMBER,
    REMOVE,
    ROTATE,
    Roster,
    RosterBroken,
    RosterError,
    RosterEvent,
    RosterForged,
    RosterForked,
    RosterRolledBack,
    SignedEvent,
    canonical_json,
    check_against_known,
    fingerprint,
    key_commitment,
    sign_event,
)
from ._trust_book import (
    RosterBook,
)

__all__ = [
    "meta_refusal",
    "NotALead",
    "purge_statement",
    "purge_statement_refusal",
    "require_lead",
    "signer_label",
    "ALPHABET",
    "CODE_CHARS",
    "accept_proof",
    "AcceptanceRejected",
    "admit",
    "BadInviteCode",
    "check_acceptance",
    "format_code",
    "Invitation",
    "invite_id",
    "join_proof",
    "JoinRejected",
    "parse_code",
    "verify_accept",
    "verify_join",
    "fingerprint_text",
    "team_devices",
    "team_roster",
    "team_view",
    "TeamDevice",
    "ADD",
    "GENESIS_PREV",
    "LEAD",
    "MAX_EVENT_BYTES",
    "MEMBER",
    "REMOVE",
    "ROTATE",
    "canonical_json",
    "check_against_known",
    "fingerprint",
    "key_commitment",
    "Roster",
    "RosterBroken",
    "RosterError",
    "RosterEvent",
    "RosterForged",
    "RosterForked",
    "RosterRolledBack",
    "sign_event",
    "SignedEvent",
    "RosterBook",
]
