"""The command palette (ctrl+p): every action of the app, named "Area: Action".

Which commands are offered depends on where the palette was opened: a locked app offers only
quitting; the editor adds its own ("Note: Save revision", ...). Nothing here imports ``store``
at module level (the palette exists before unlocking).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from ._host import Host

Command = tuple[str, Callable[[], object], str]


def commands_for(app: Host, screen: object) -> Iterator[Command]:
    from .screens.conflict import ConflictScreen
    from .screens.editor import EditorScreen
    from .screens.inspections import InspectionsScreen
    from .screens.matrix import MatrixScreen
    from .screens.sync import SyncScreen
    from .screens.workspace import WorkspaceScreen

    if app.session is None:
        yield "App: Quit", app.action_quit, "Leave fieldpad"
        return
    from store.inspection import KIND_LABELS, KIND_NOUNS, KINDS

    for kind in KINDS:
        yield (f"Note: New {KIND_NOUNS[kind]}", partial(app.new_note, kind),
               f"Write a new {KIND_LABELS[kind].lower()} in the current inspection")
    if isinstance(screen, EditorScreen):
        yield "Note: Save revision", screen.action_save, "Validate and save a revision (ctrl+s)"
        yield "Note: Tags", screen.action_tags, "Evidence tags of this note (ctrl+g)"
        yield ("Note: Tag passage", screen.action_tag_passage,
               "Tag the selected passage of the text (ctrl+t)")
        yield "Note: History", screen.action_history, "Earlier revisions; restore one (ctrl+o)"
        yield "Note: Close", screen.action_back, "Save and go back (esc)"
    if isinstance(screen, WorkspaceScreen):
        yield "Note: Open", screen.action_edit, "Open the highlighted note (enter, e)"
        yield "Note: Tag", screen.action_tag, "Evidence tags of the highlighted note (t)"
        yield ("Note: Raise concern", screen.action_raise_concern,
               "A concern form linked to the highlighted note (c)")
        yield "Note: History", screen.action_history, "Revisions of the highlighted note (h)"
        yield "Note: Delete", screen.action_delete, "Delete the highlighted note (d)"
        yield "Search: Search notes", screen.action_search, "Search as you type (/)"
        yield "Search: Filters", screen.action_filters, "Kinds, states, tags, authors (f)"
        yield ("Evidence: Matrix", screen.action_matrix,
               "Statements against evidence status; drill down to the notes (m)")
        yield ("Evidence: Export…", screen.action_export,
               "DOCX, CSV or Markdown for report writers: plaintext files (E)")
    if isinstance(screen, InspectionsScreen):
        yield "Inspection: Open", screen.action_open, "Open the highlighted inspection (enter)"
        yield "Inspection: New", screen.action_new, "Add a local inspection (n)"
        yield ("Evidence: Export…", screen.action_export,
               "DOCX, CSV or Markdown for report writers: plaintext files (E)")
        # the retention actions that apply to the highlighted inspection, as in the footer
        if screen.check_action("close_inspection", ()):
            yield ("Inspection: Close…", screen.action_close_inspection,
                   "Close it; it can be purged after a retention period (x)")
        if screen.check_action("timeline", ()):
            yield ("Inspection: Timeline…", screen.action_timeline,
                   "Notification date and holiday weeks: phase and week (w)")
        if screen.check_action("reopen", ()):
            yield "Inspection: Reopen", screen.action_reopen, "No purge date any more (o)"
        if screen.check_action("purge", ()):
            yield ("Inspection: Purge…", screen.action_purge,
                   "Destroy its keys and notes on every device (shift+p)")
    if isinstance(screen, MatrixScreen):
        yield "Evidence: Show notes", screen.action_show, "The notes behind this cell (enter)"
        yield ("Evidence: Areas of uncertainty", screen.action_uncertainty,
               "Notes tagged status:uncertainty: assign, resolve with evidence (u)")
    if isinstance(screen, ConflictScreen):
        yield "Conflict: Take left", screen.action_take_left, "Keep the left version (←)"
        yield "Conflict: Take right", screen.action_take_right, "Keep the right version (→)"
        yield "Conflict: Keep both", screen.action_both, "Keep both, one after the other (b)"
        yield "Conflict: Edit", screen.action_edit, "Write the combined text yourself (e)"
        yield "Conflict: Apply", screen.action_apply, "Apply the decisions (ctrl+s)"
    if isinstance(screen, SyncScreen):
        yield "Sync: Sync again", screen.action_retry, "Run the sync again (r)"
    else:
        yield "Sync: Sync now", app.action_sync, "Send and fetch records (s)"
    yield from _team_commands(app, screen)
    yield from _records_commands(screen)
    yield from _uncertainty_commands(app, screen)
    yield "Sync: Resolve conflicts", app.action_conflicts, "Notes edited on two devices"
    yield ("Sync: Enrol this device…", app.action_enrol,
           "With your team's server and the one-time code from your lead (also in settings)")
    yield "Go: Inspections", app.action_inspections, "The list of inspections"
    yield "Concerns: Queue", app.action_concerns_queue, "Open concern forms, oldest first"
    yield "App: Lock", app.action_lock, "Lock now: keys and plaintext are wiped (ctrl+l)"
    yield "App: Help", app.action_help, "Every key binding (f1, ?)"
    yield "App: Settings", app.action_settings, "Idle lock, theme, clipboard (f2)"
    yield "App: Quit", app.action_quit, "Leave fieldpad (ctrl+q)"


def _records_commands(screen: object) -> Iterator[Command]:
    """Record reviews (moderation) and the concerns queue's steps."""
    from .screens.concerns import ConcernsScreen
    from .screens.editor import EditorScreen
    from .screens.reviews import ReviewsScreen
    from .screens.workspace import WorkspaceScreen

    if isinstance(screen, WorkspaceScreen):
        yield ("Reviews: Record reviews", screen.action_reviews,
               "Moderation and the summary of grades across the reviews (R)")
    if isinstance(screen, EditorScreen) and screen.kind != "concern":
        yield ("Note: Raise concern", screen.action_raise_concern,
               "A concern form linked to this note (ctrl+r)")
    if isinstance(screen, ReviewsScreen):
        yield "Reviews: Moderate", screen.action_moderate, "Agree or amend the review (m)"
        yield "Reviews: Open", screen.action_open, "Open the highlighted review (enter)"
    if isinstance(screen, ConcernsScreen):
        yield "Concerns: Open", screen.action_open, "Open the concern form (enter)"
        if not screen.check_action("decision", ()):
            return  # the lead's steps: not on a concern this device may not decide on
        yield ("Concerns: Record decision", screen.action_decision,
               "The lead's decision, rationale and time (d)")
        yield ("Concerns: Record referral", screen.action_referral,
               "Partner lead contacted, time, method, reference (r)")
        yield "Concerns: Close", screen.action_close, "Close the concern (x)"


def _uncertainty_commands(app: Host, screen: object) -> Iterator[Command]:
    """Areas of uncertainty: from the workspace, and the list's own actions."""
    from .screens.uncertainty import UncertaintyScreen
    from .screens.workspace import WorkspaceScreen

    if isinstance(screen, WorkspaceScreen):
        def areas(inspection: object = screen.inspection) -> None:
            app.push_screen(UncertaintyScreen(inspection))  # type: ignore[arg-type]

        yield ("Evidence: Areas of uncertainty", areas,
               "Notes tagged status:uncertainty: assign, resolve with evidence (m, then u)")
    if isinstance(screen, UncertaintyScreen):
        yield "Uncertainty: Open note", screen.action_open, "Open the highlighted note (enter)"
        yield "Uncertainty: Assign", screen.action_assign, "Who looks into it (a)"
        yield ("Uncertainty: Resolve", screen.action_resolve,
               "The notes whose evidence resolved it, and a comment (r)")
        yield "Uncertainty: Reopen", screen.action_reopen, "It is not resolved after all (o)"


def _team_commands(app: Host, screen: object) -> Iterator[Command]:
    """The team screen's actions: from anywhere they open it on the current inspection."""
    from .screens.team import TeamScreen, open_team

    if isinstance(screen, TeamScreen):
        yield ("Team: Mark verified", screen.action_verify,
               "After comparing the highlighted device's fingerprint in person (v)")
        yield ("Team: Remove a member…", screen.action_remove,
               "Lead: remove the highlighted device's user; every key rotates (x)")
        yield ("Team: Revoke a device…", screen.action_revoke,
               "A lost or stolen device: the server refuses it from now on (r)")
    else:
        yield ("Team: Devices and fingerprints", partial(open_team, app),
               "Who is on the team; compare fingerprints in person (T in the workspace)")
    yield ("Team: Invite a member…", partial(open_team, app, "invite"),
           "Lead: a one-time code to give in person (i on the team screen)")
    yield ("Team: Link another device of mine…", partial(open_team, app, "link"),
           "A code to type on your new device; a lead's device adds it at its next sync (l)")
    yield ("Team: Join with a code…", partial(open_team, app, "join"),
           "Join an inspection's team with the code your lead gave you (shift+j)")


class FieldpadCommands(Provider):
    def _commands(self) -> list[Command]:
        return list(commands_for(self.app, self.screen))  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
