"""The app's face for its screens (``tui._host.Host``, issue 14): the screens, the palette and
the team's commands reach the app through it instead of importing ``tui.app``. Nothing type-checks
``tui`` yet, so this test is what keeps the face and the app in step."""

from __future__ import annotations

import inspect
from pathlib import Path

from tui._host import Host
from tui.app import FieldpadApp


def _members(protocol: type) -> set[str]:
    """Every attribute, property and method the protocol declares itself."""
    declared = set(protocol.__dict__.get("__annotations__", {}))
    declared |= {n for n, v in vars(protocol).items()
                 if not n.startswith("_") and (callable(v) or isinstance(v, property))}
    return declared


def test_the_face_names_what_screens_use() -> None:
    members = _members(Host)
    # what the screens and the palette call through ``self.fp`` / ``app``; a sample that
    # shows the reader of the protocol is not empty or stale
    assert {"session", "now", "monotonic", "unlocked", "sync_now", "team_now", "new_note",
            "show_notes", "current_inspection", "action_sync", "push_screen"} <= members


def test_the_app_has_every_member_of_its_face(tmp_path: Path) -> None:
    app = FieldpadApp(tmp_path)  # nothing opened yet: the profile opens on first use
    missing = sorted(n for n in _members(Host)
                     if inspect.getattr_static(app, n, None) is None
                     and n not in ("settings", "session", "last_sync", "last_sync_at",
                                   "enrol_now", "kdf_params"))
    assert missing == []
    # the ones that start as None are set in __init__ (an attribute, not a typo)
    for name in ("settings", "session", "last_sync", "last_sync_at", "enrol_now", "kdf_params"):
        assert name in vars(app), name
