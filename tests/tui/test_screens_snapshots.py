"""SVG snapshots of every screen at 80×24 and 120×40 (pytest-textual-snapshot).

Deterministic by construction: a fixed clock for the store and the app, steady cursors, no
random ids on screen, the same seeded notes. Update with ``--snapshot-update`` and look at the
result (``rsvg-convert`` turns an SVG into a PNG) before accepting it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from store import KdfParams, Profile, Session
from tui._sync_seam import SyncProgress, SyncResult
from tui.screens.conflict import ConflictScreen
from tui.screens.editor import EditorScreen, KindModal, TagModal
from tui.screens.history import HistoryScreen
from tui.screens.sync import SyncScreen
from tui.screens.unlock import RecoveryKeyScreen
from tui.screens.workspace import WorkspaceScreen

from .conftest import PASSPHRASE, SIZES, STORE_MS, fork, make_app, unlock

SIZE_IDS = ["80x24", "120x40"]
WORDS = ("abandon ability able about above absent absorb abstract absurd abuse access "
         "accident account accuse achieve acid acoustic acquire across act action actor "
         "actress actual")


def seeded(tmp_path: Path) -> tuple[Profile, Session, dict[str, Any]]:
    profile = Profile(tmp_path / "profile", now_ms=lambda: STORE_MS)
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    north = session.add_inspection("Northshire 2026", "Northshire CPP", role="team",
                                   scope="team")
    session.add_inspection("Westshire 2026", "Westshire CPP")
    ids: dict[str, Any] = {"north": north}
    rr = session.create(north, "record_review", "Record review R-017",
                        "IRD held within 24 h; police and health present.",
                        {"pseudonym": "R-017", "agencies": ["social work", "health", "SCRA"],
                         "age_band": "5–10", "initial_response_grade": "good",
                         "initial_response_rationale": "IRD held within 24 h.",
                         "chronology_grade": "weak",
                         "chronology_rationale": "Not updated since March; Jane Smith named."},
                        ["S2", "QI2.1"])
    ids["rr"] = rr.note_id
    session.create(north, "interview", "Parent meeting, family C",
                   "They felt listened to by the social worker.",
                   {"participant_type": "parent or carer", "agreement_obtained": True}, ["S3"])
    session.create(north, "concern", "Concern from R-017", "",
                   {"raised_by": "AI", "raised_at": "2026-03-14T09:41",
                    "nature": "No recent home visit recorded.", "immediacy": "within 24 hours",
                    "linked_note": rr.note_id[:8]}, ["status:concern"])
    shared = session.create(north, "note", "Walk round the duty team",
                            "Busy but calm.\nThe duty manager knew every case.\n", tags=["S4"])
    session.save(shared.note_id, body="Busy but calm.\nOur duty manager knew every case.\n")
    # the other device's id sorts below any real one, so the same side of the conflict is
    # shown first on every run (a random id of ours once sorted below 0202... in CI)
    fork(session, shared.note_id, shared.rev, b"\x00" * 15 + b"\x01",
         body="Busy but calm.\nThe duty manager knew most cases well.\n",
         title="Walk round, duty team")
    ids["conflict"] = shared.note_id
    fg = session.create(north, "focus_group", "Health visitors focus group",
                        "Staff described long waits for initial referral discussions in the "
                        "north of the area; two teams had their own workaround.",
                        {"number_attending": 7, "agencies": ["health"]},
                        ["S1", "status:uncertainty"])
    session.save(fg.note_id, body=fg.body + "\nManagers were aware.")
    ids["fg"] = fg.note_id
    return profile, session, ids


async def _workspace(pilot: Any, session: Session, ids: dict[str, Any]) -> None:
    await unlock(pilot, session)
    pilot.app.push_screen(WorkspaceScreen(ids["north"]))
    await pilot.pause()


def _snap(snap_compare: Any, app: Any, size: tuple[int, int], run_before: Any) -> None:
    async def settled(pilot: Any) -> None:
        await run_before(pilot)
        # let every message chain (search -> list -> preview) finish, even on a busy machine
        await pilot.app.workers.wait_for_complete()
        await pilot.wait_for_scheduled_animations()
        # a loaded CI machine once caught the sidebar half laid out after 0.15 s
        await pilot.pause(0.4)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_unlock_after_a_wrong_passphrase(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """The passphrase prompt, after one wrong attempt."""
    profile, session, _ = seeded(tmp_path)
    session.lock()

    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        pilot.app.screen.query_one("#secret", Input).value = "not it"
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_first_run(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """First run: initials and a passphrase typed twice, with strength feedback."""
    profile = Profile(tmp_path / "profile")

    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        screen.query_one("#author", Input).value = "AI"
        screen.query_one("#pass1", Input).value = "correct horse battery"
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_recovery_key(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """The recovery key, shown once (fixed words here; real ones are random)."""
    profile = Profile(tmp_path / "profile")

    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        pilot.app.switch_screen(RecoveryKeyScreen(None, WORDS))  # type: ignore[arg-type]
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_enrol(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """First run, last step: enrol with a server, or work offline (a refused code shown)."""
    from tui.screens.unlock import EnrolScreen

    profile = Profile(tmp_path / "profile")

    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        pilot.app.switch_screen(EnrolScreen(None))  # type: ignore[arg-type]
        await pilot.pause()
        screen = pilot.app.screen
        screen.query_one("#enrol-url", Input).value = "https://sync.example.org"
        screen.query_one("#enrol-code", Input).value = "TXRDRV-YBKCQ-VJKDS-6F13T-9MA63"
        screen._say("The server refused (401 invalid_code): this code was already used.", True)
        await pilot.pause()

    _snap(snap_compare, make_app(profile, enrol_now=lambda s, u, c: ""), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_inspections(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Inspections with notes, an open concern and unsynced records."""
    profile, session, _ = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_workspace(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """The workspace: kinds, states and tags on the left, notes, the preview."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await _workspace(pilot, session, ids)
        await pilot.press("j")

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_workspace_search(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Search as you type."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await _workspace(pilot, session, ids)
        await pilot.press("slash", *"wait")
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_editor_record_review(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """A record review: grades, checklist, rationale, and a minimisation warning."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(ids["north"], "record_review", ids["rr"]))
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_editor_validation(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """A new record review saved too early: the problems next to their fields."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(ids["north"], "record_review"))
        await pilot.pause()
        pilot.app.screen.query_one("#f-pseudonym", Input).value = "Jane"
        await pilot.press("ctrl+s")
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    _snap(snap_compare, make_app(profile, autosave_delay=30), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_editor_concern(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """A new concern form: the error colour on its border and title."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(ids["north"], "concern"))
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_editor_general_note_unsaved(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """A general note being typed: the unsaved indicator and a tagged passage."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        app = pilot.app
        note = session.create(ids["north"], "note", "Duty team", "Calm and busy.", tags=["S4"],
                              passages=[])
        app.push_screen(EditorScreen(ids["north"], "note", note.note_id))
        await pilot.pause()
        area = app.screen.query_one("#f-body", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        await pilot.press(*" Kind")
        await pilot.pause()

    _snap(snap_compare, make_app(profile, autosave_delay=30), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_tags_modal(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Evidence tags: the standard ones ticked, others typed."""
    profile, session, _ = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(TagModal("Tags for “Record review R-017”", ("S2", "QI2.1")))
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_new_note_kind(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Which kind of note to write."""
    profile, session, _ = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(KindModal())
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_history(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """A note's revisions with a preview of the highlighted one."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(HistoryScreen(ids["fg"]))
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_sync_done(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """A finished sync with its numbers and one note that needs a person."""
    profile, session, _ = seeded(tmp_path)

    def sync_now(session: Session, progress: Any) -> SyncResult:
        progress(SyncProgress("Northshire 2026 · team: pulling", 409, 412))
        return SyncResult(ok=True, server="https://sync.example.org", up=3, down=409,
                          bytes_up=2100, bytes_down=831_000, merged=1, seconds=1.2,
                          lines=("Northshire 2026 · team: done",
                                 "Northshire 2026 · restricted: done · 0 up · 2 down"))

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(SyncScreen(start=True))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    _snap(snap_compare, make_app(profile, sync_now=sync_now), size, run_before)


def test_history_with_diff(snap_compare, tmp_path) -> None:  # noqa: ANN001
    """History at 80x24 with the earlier revision highlighted: what changed from it to the
    current one, word by word, and who signed it."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(HistoryScreen(ids["fg"]))
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()

    _snap(snap_compare, make_app(profile), (80, 24), run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_conflict(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Both versions side by side; the first decision taken."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(ConflictScreen(ids["conflict"]))
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_help(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Help: every binding."""
    profile, session, _ = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        await pilot.press("f1")
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_settings(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Settings: idle lock, theme, clipboard, initials, server."""
    profile, session, _ = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        await pilot.press("f2")
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_evidence_matrix(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """The evidence matrix: statements and indicators against evidence status."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        from tui.screens.matrix import MatrixScreen

        await unlock(pilot, session)
        pilot.app.push_screen(MatrixScreen(ids["north"]))
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_concerns_queue(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Open concern forms, oldest first."""
    profile, session, _ = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        await pilot.press("c")
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


def _more_reviews(session: Session, ids: dict[str, Any]) -> None:
    from store.inspection import moderate

    r18 = session.create(ids["north"], "record_review", "Record review R-018", "",
                         {"pseudonym": "R-018", "chronology_grade": "adequate",
                          "outcomes_grade": "good", "views_of_child_grade": "weak"})
    moderate(session, r18.note_id, "agreed", "Read together with LR2.")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_record_reviews(snap_compare, tmp_path, size) -> None:  # noqa: ANN001
    """Records reading: reviews with their moderation, the grades per evaluation item."""
    profile, session, ids = seeded(tmp_path)
    _more_reviews(session, ids)

    async def run_before(pilot: Any) -> None:
        from tui.screens.reviews import ReviewsScreen

        await unlock(pilot, session)
        pilot.app.push_screen(ReviewsScreen(ids["north"]))
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


def test_moderate_review(snap_compare, tmp_path) -> None:  # noqa: ANN001
    """The moderation dialog at 80×24: agree or amend, notes, the grades to change."""
    profile, session, ids = seeded(tmp_path)
    _more_reviews(session, ids)

    async def run_before(pilot: Any) -> None:
        from tui.screens.reviews import ReviewsScreen

        await unlock(pilot, session)
        pilot.app.push_screen(ReviewsScreen(ids["north"]))
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()

    _snap(snap_compare, make_app(profile), (80, 24), run_before)


def test_areas_of_uncertainty(snap_compare, tmp_path) -> None:  # noqa: ANN001
    """Areas of uncertainty at 80×24: one resolved by a record review, one assigned, one open."""
    from store.inspection import assign, resolve

    profile, session, ids = seeded(tmp_path)
    north = ids["north"]
    waits = session.create(north, "note", "Out-of-hours cover", "Unclear who covers nights.",
                           tags=["status:uncertainty"])
    session.create(north, "observation", "Duty team huddle", "Allocation discussed.",
                   tags=["S4", "status:uncertainty"])
    assign(session, north, ids["fg"], "LR2")
    resolve(session, north, ids["fg"], [ids["rr"]], "IRD within 24 h in the records read.")
    assign(session, north, waits.note_id, "AI")

    async def run_before(pilot: Any) -> None:
        from tui.screens.uncertainty import UncertaintyScreen

        await unlock(pilot, session)
        pilot.app.push_screen(UncertaintyScreen(north))
        await pilot.pause()

    _snap(snap_compare, make_app(profile), (80, 24), run_before)
