"""``fieldpad note add|list|show|edit|history|restore|delete|import|concern``: scriptable notes,
and how ``note show`` presents sealed fields (never their plaintext unless ``--reveal``)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from itertools import chain, repeat
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from operator import getitem
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._printable import printable
from ._common import (
    Parents,
    add_inspection_option,
    add_json_option,
    command,
    fields_by_kind,
    group,
    name_values,
    note_fields,
    out,
    read_body,
    tags,
    unlock,
    warn,
    warn_minimisation,
)

if TYPE_CHECKING:
    from store import Listing, Note, Profile, Session

TAG_HELP = ("evidence tag: S1-S4, QI2.1, status:nsc|uncertainty|concern, strength, afd, covid, "
            "#code")


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    from store.inspection import KINDS

    actions = group(sub, "note", "scriptable notes")
    p = command(actions, "add", "add a note; prints its id", parents.unlock, cmd_note_add,
                epilog=fields_by_kind)
    add_inspection_option(p)
    p.add_argument("--kind", choices=KINDS, default="note", help="the record kind (default note)")
    p.add_argument("--title", required=True, help="the note's title")
    p.add_argument("--body-file", metavar="FILE", help="the note's text ('-' for stdin)")
    p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                   help="a field of the kind's form (repeat; the fields are listed below)")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help=TAG_HELP)

    p = command(actions, "list", "list notes", parents.unlock, cmd_note_list)
    add_inspection_option(p, "every inspection")
    p.add_argument("--kind", choices=KINDS, help="only notes of this kind")
    p.add_argument("--search", metavar="WORDS", help="only notes matching these words")
    p.add_argument("--deleted", action="store_true", help="include deleted notes")
    add_json_option(p)

    p = command(actions, "show", "show one note", parents.unlock, cmd_note_show)
    p.add_argument("id", help="the note's id or a unique prefix")
    add_json_option(p)
    p.add_argument("--reveal", action="store_true",
                   help="also show sealed fields (the child identifier) if this device may "
                        "open them; recorded in the inspection's audit log")

    p = command(actions, "concern", "raise a concern from a note (a concern form linked to "
                "it); prints the concern's id", parents.unlock, cmd_note_concern,
                epilog=partial(fields_by_kind, ("concern",)))
    p.add_argument("id", help="the note the concern arose from")
    p.add_argument("--nature", required=True, help="the nature of the concern")
    p.add_argument("--immediacy", required=True, metavar="IMMEDIACY",
                   help="immediate, within 24 hours or routine")
    p.add_argument("--title", help="default: Concern from <the note's title>")
    p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                   help="another field of the concern form, e.g. child_identifier=... "
                        "(sealed for the leads' devices when saved)")

    p = command(actions, "edit", "change a note (a new revision in its history)",
                parents.unlock, cmd_note_edit, epilog=fields_by_kind)
    p.add_argument("id", help="the note's id or a unique prefix")
    p.add_argument("--title", help="the new title")
    p.add_argument("--body-file", metavar="FILE", help="the new text ('-' for stdin)")
    p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                   help="set a field of the note's kind (an empty VALUE clears it)")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="add a tag")
    p.add_argument("--untag", action="append", default=[], metavar="TAG", help="remove a tag")

    p = command(actions, "history", "a note's revisions, each with who signed it",
                parents.unlock, cmd_note_history)
    p.add_argument("id", help="the note's id or a unique prefix")
    add_json_option(p)
    p.add_argument("--devices", action="store_true",
                   help="show the fingerprint of the device that signed each revision")

    p = command(actions, "fields", "the fields of a record kind: name, type, label, choices "
                "(no unlock needed)", parents.common, cmd_note_fields)
    p.set_defaults(no_profile=True)
    p.add_argument("kind", choices=KINDS, help="the record kind")
    add_json_option(p)

    p = command(actions, "diff", "what changed between two revisions, field by field and word "
                "by word", parents.unlock, cmd_note_diff)
    p.add_argument("id", help="the note's id or a unique prefix")
    p.add_argument("old", nargs="?", help="revision id, prefix or number (default: the one "
                                          "before NEW)")
    p.add_argument("new", nargs="?", help="revision id, prefix or number (default: current)")
    add_json_option(p)

    p = command(actions, "restore", "make an earlier revision current again", parents.unlock,
                cmd_note_restore)
    p.add_argument("id", help="the note's id or a unique prefix")
    p.add_argument("rev", help="revision id (or a unique prefix) from `note history`")

    p = command(actions, "delete", "delete a note (it stays in history)", parents.unlock,
                cmd_note_delete)
    p.add_argument("id", help="the note's id or a unique prefix")

    p = command(actions, "import", "import Markdown files or folders, one note a file",
                parents.unlock, cmd_note_import)
    p.add_argument("paths", nargs="+", metavar="PATH", help="Markdown files or folders")
    add_inspection_option(p)
    p.add_argument("--kind", choices=KINDS, default="note",
                   help="the kind of the notes made (default note)")


def cmd_note_add(profile: Profile, args: argparse.Namespace) -> int:
    body = read_body(args.body_file) or ""  # a bad file is refused before unlocking
    session = unlock(profile, args)
    ins = session.find_inspection(args.inspection)
    note = session.create(ins, args.kind, args.title, body,
                          note_fields(args.kind, args.field), tags(args.tag))
    warn_minimisation(session, note)
    out(note.note_id)
    return 0


#: One ``note list --json`` row, laid out as ``json.dumps(row, ensure_ascii=False)`` lays out
#: a dict of these keys in this order; each ``%s`` an already escaped JSON value.
_JSON_ROW = ('  {"id": %s, "inspection": %s, "kind": %s, "title": %s, "state": %s, '
             '"author": %s, "updated": %s, "tags": %s, "rev": %s}')


_JSON_PARTS = _JSON_ROW.split("%s")


def _json_rows(columns: tuple[list[str], ...]) -> Iterator[str]:
    """Each row's text (``_JSON_ROW`` filled in from ``columns``), made by one join of its
    parts: at 50,000 rows of nine values, half the time of ``%``."""
    parts = chain.from_iterable(zip(map(repeat, _JSON_PARTS[:-1]), columns, strict=True))
    return map("".join, zip(*parts, repeat(_JSON_PARTS[-1])))


def _printable_json(text: str, columns: tuple[list[str], ...]) -> bool:
    """Whether ``text``, the rows of json's escapes of ``columns``, is printable but for the
    rows' own line feeds. json escaped every control character below 0x20, so ASCII text
    (known without a scan) can hold only DEL; otherwise each column is checked, by the
    same rule when it is ASCII."""
    if text.isascii():
        return "\x7f" not in text
    for column in columns:
        joined = "".join(column)
        if ("\x7f" in joined) if joined.isascii() else not joined.isprintable():
            return False
    return True


def _updated_texts(hlcs: list[str]) -> list[str]:
    """Each note's ``updated`` as ISO text (its HLC's wall clock, to the second), made once
    per distinct second: a list of 50,000 notes made a datetime for each (a third of a
    second) where a profile written over a few hours has only some thousand seconds."""
    # the wall clock's digits less its last three (milliseconds): the second, as text, so
    # that the 50,000 distinct walls need no int() each, only the few distinct seconds. As
    # this version writes an HLC (13 digits of wall clock, then "-") that is its first ten
    # characters, cut without a Python step per note; any other, its text before the "-"
    if set(map(getitem, hlcs, repeat(slice(13, 14)))) <= {"-"} \
            and "".join(map(getitem, hlcs, repeat(slice(0, 13)))).isdigit():
        seconds = list(map(getitem, hlcs, repeat(slice(0, 10))))
    else:
        seconds = [h.partition("-")[0][:-3] for h in hlcs]
    iso = {s: datetime.fromtimestamp(int(s or "0"), UTC).isoformat(timespec="seconds")
           for s in set(seconds)}
    return list(map(iso.__getitem__, seconds))


def _columns(session: Session, listing: Listing, escape: Callable[[str], str],
             ) -> tuple[list[str], ...]:
    """The list's columns, each value passed through ``escape``: (id, inspection, kind,
    title, state, author, updated, tags, rev). Values that repeat (kinds, states, authors,
    inspections, tag sets, seconds) escaped once each, so a list of 50,000 notes costs a few
    calls per note rather than a dict and a dozen calls."""
    def once(values: list[Any], text: Callable[[Any], str] = escape) -> list[str]:
        table = {v: text(v) for v in set(values)}
        return list(map(table.__getitem__, values))

    def inspection(iid: bytes) -> str:
        ins = session.inspections.get(iid)
        return escape(ins.name if ins else "")

    return (list(map(escape, listing.note_id)),
            once(listing.inspection_id, inspection),
            once(listing.kind),
            list(map(escape, listing.title)),
            once(listing.state),
            once(listing.author),
            once(_updated_texts(listing.hlc)),
            once(listing.tags, lambda t: "[" + ", ".join(map(escape, t)) + "]"),
            list(map(escape, listing.rev)))


def cmd_note_list(profile: Profile, args: argparse.Namespace) -> int:
    session = unlock(profile, args)
    ins = session.find_inspection(args.inspection) if args.inspection else None
    if args.search:
        from store import Listing

        from .._matches import seen_match

        # a member sees the raiser's part of a concern only
        listing = Listing.of([n for n in session.search(args.search, ins)
                              if args.kind in (None, n.kind)
                              and seen_match(session, n, args.search)])
    else:
        # straight from the list cache when no note was made (a cold command)
        listing = session.listing(ins, kind=args.kind, include_deleted=args.deleted)
    from store import collector_paused

    with collector_paused():  # tens of thousands of rows, none in a cycle
        if args.json:
            # one note a line, as ``json.dumps`` writes each row: ``indent`` would take json's
            # pure-Python encoder, seconds at 50,000; json's own C escaper per value
            columns = _columns(session, listing, encode_basestring)
            text = "[\n" + ",\n".join(_json_rows(columns)) + "\n]" if len(listing) else "[]"
            if _printable_json(text, columns):  # a check of 14 MB spared
                print(text)
            else:  # escaped as any output is
                out(text)
        else:
            flags = {"conflicted": "!", "deleted": "x"}
            lines = [f"{i[:8]} {flags.get(state, ' ')} {kind:<14} "
                     f"{printable(title, one_line=True)[:36]:<36} {author:<6} {updated[:16]}"
                     for i, _, kind, title, state, author, updated, _, _
                     in zip(*_columns(session, listing, str), strict=True)]
            if lines:
                out("\n".join(lines))
    return 0


def cmd_note_show(profile: Profile, args: argparse.Namespace) -> int:
    from store.inspection import as_seen, leads_part, template_for

    session = unlock(profile, args)
    note = session.get(args.id)
    # a member raised the concern; its decision and referral are the lead's part of the form:
    # left out of everything shown (fields, passages tagged in them, values kept from a
    # conflict), by the form's rule
    left_out = leads_part(session, note)
    note = as_seen(session, note)
    ins = session.inspections.get(note.inspection_id)
    # sealed fields (the child identifier): never their plaintext unless --reveal asks for it
    sealed = sealed_view(session, note, getattr(args, "reveal", False))
    revealed = [name for name, view in sealed.items() if "value" in view]
    if revealed and ins is not None:
        session.record_audit(ins, "reveal", note=note.note_id, fields=revealed)
    data = public_dict(note, sealed)
    data["inspection"] = ins.name if ins else ""
    if args.json:
        out(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    out(f"# {note.title}")
    out(f"{template_for(note.kind, note.template).label} · {data['inspection']} · "
        f"{note.author} · {data['updated']} · {note.state}")
    if note.tags:
        out("tags: " + " ".join(note.tags))
    for name, value in note.fields.items():
        if name in sealed:
            out(sealed_line(name, sealed[name]))
            continue
        out(f"{name}: {', '.join(value) if isinstance(value, list) else value}")
    if left_out:
        out("(the lead's decision and referral are shown to the inspection's leads)")
    out("")
    out(note.body)
    for name, value in data["kept"].items():
        out(f"\n[kept from a concurrent edit] {name}: {value}")
    return 0


def cmd_note_edit(profile: Profile, args: argparse.Namespace) -> int:
    from store import FieldpadError

    body = read_body(args.body_file)  # a bad file is refused before unlocking
    session = unlock(profile, args)
    note = session.get(args.id)
    changes: dict[str, Any] = {}
    if args.title is not None:
        changes["title"] = args.title
    if body is not None:
        changes["body"] = body
    if args.field:
        changes["fields"] = note_fields(note.kind, args.field, note.fields)
    if args.tag or args.untag:
        drop = set(tags(args.untag))
        changes["tags"] = tuple(t for t in dict.fromkeys(note.tags + tags(args.tag))
                                if t not in drop)
    if not changes:
        raise FieldpadError("nothing to change: give --title, --body-file, --field or --tag")
    if note.passages and ("body" in changes or "fields" in changes):
        # tagged passages follow their words into the new text, as in the app's editor
        from store.inspection import follow_passages

        kept, lost = follow_passages(note.passages, note.body, note.fields,
                                     changes.get("body", note.body),
                                     changes.get("fields", note.fields))
        changes["passages"] = tuple(kept)
        for p in lost:
            warn(f"warning: passage tag {p.tag} removed: its words are no longer in the text")
    note = session.save(note.note_id, **changes)
    warn_minimisation(session, note)
    out(note.rev)
    return 0


def cmd_note_history(profile: Profile, args: argparse.Namespace) -> int:
    session = unlock(profile, args)
    revs = session.history(args.id)
    # who signed each revision, from the verified roster (never from the payload)
    who = [session.author_of(r.note.collection_id, r.signer) for r in revs]
    if args.json:
        out(json.dumps([{"rev": r.rev, "parents": list(r.parents), "author": a.name,
                         "device": r.signer.hex(), "fingerprint": a.fingerprint,
                         "on_roster": a.on_roster, "state": r.state, "title": r.title,
                         "pushed": r.pushed, "updated": r.updated.isoformat(timespec="seconds")}
                        for r, a in zip(revs, who, strict=True)], indent=2, ensure_ascii=False))
    else:
        for r, a in zip(revs, who, strict=True):
            device = f" {a.fingerprint or a.device}" if args.devices else ""
            out(f"{r.rev[:8]}…{r.rev.split('.')[1]:<5} {r.updated.isoformat(timespec='seconds')} "
                f"{a.name:<6}{device} {r.state:<10} {r.title}")
    return 0


def cmd_note_fields(profile: Profile | None, args: argparse.Namespace) -> int:
    """``fieldpad note fields KIND [--json]``: what ``--field NAME=VALUE`` accepts for a kind."""
    from store.inspection import template_for

    specs = template_for(args.kind).fields
    if args.json:
        out(json.dumps([{"name": f.name, "type": f.type, "label": f.label,
                         "required": f.required, "choices": list(f.choices)} for f in specs],
                       indent=2, ensure_ascii=False))
        return 0
    width = max((len(f.name) for f in specs), default=4)
    for f in specs:
        choices = f" ({', '.join(f.choices)})" if f.choices else ""
        required = " *" if f.required else ""
        out(f"{f.name:<{width}}  {f.type:<11} {f.label}{required}{choices}")
    return 0


def cmd_note_diff(profile: Profile, args: argparse.Namespace) -> int:
    """``[-deleted-]{+inserted+}`` per changed field, as ``git diff --word-diff``."""
    from store import diff_revisions
    from store.diff import diff_notes
    from store.inspection import as_seen

    session = unlock(profile, args)
    old, new, _ = diff_revisions(session, args.id, args.old, args.new)
    # a concern on an inspection this device does not lead: the raiser's part only (its
    # fields, and passages tagged in them)
    changes = diff_notes(as_seen(session, old.note), as_seen(session, new.note))
    history = [r.rev for r in session.history(old.note.note_id)]
    who = {r.rev: session.author_of(r.note.collection_id, r.signer).name for r in (old, new)}
    if args.json:
        out(json.dumps({"old": {"rev": old.rev, "author": who[old.rev]},
                        "new": {"rev": new.rev, "author": who[new.rev]},
                        "changes": [c.as_dict() for c in changes]}, indent=2,
                       ensure_ascii=False))
        return 0
    for label, r in (("old", old), ("new", new)):
        out(f"{label}: revision {history.index(r.rev) + 1} · {who[r.rev]} · "
            f"{r.updated.isoformat(timespec='seconds')} · {r.rev}")
    if not changes:
        out("no changes")
    for c in changes:
        out(f"\n## {c.label}")
        out(c.as_text())
    return 0


def cmd_note_restore(profile: Profile, args: argparse.Namespace) -> int:
    note = unlock(profile, args).restore(args.id, args.rev)
    out(note.rev)
    return 0


def cmd_note_delete(profile: Profile, args: argparse.Namespace) -> int:
    note = unlock(profile, args).delete(args.id)
    out(f"deleted {note.note_id} (its history keeps every revision)")
    return 0


def cmd_note_import(profile: Profile, args: argparse.Namespace) -> int:
    from store import FieldpadError, ValidationFailed

    from ._input_files import BadInputFile
    from ._markdown import collect_markdown, parse_markdown

    try:  # read all before unlocking
        files = collect_markdown([Path(p) for p in args.paths])
        if not files:
            raise FieldpadError("no Markdown files (.md, .markdown) found in the paths given")
        parsed = [(path, *parse_markdown(path)) for path in files]
    except BadInputFile as exc:
        raise BadInputFile(f"{exc}; nothing was imported") from None
    session = unlock(profile, args)
    ins = session.find_inspection(args.inspection)
    created = []
    with session.db.atomic():
        for path, title, body in parsed:
            try:
                created.append((path, session.create(ins, args.kind, title, body)))
            except ValidationFailed as exc:
                raise FieldpadError(f"{path}: {exc}; nothing was imported") from None
    for path, note in created:
        out(f"{note.note_id}  {path}")
        warn_minimisation(session, note)
    warn(f"imported {len(created)} notes into {ins.name}")
    return 0


def cmd_note_concern(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad note concern NOTE_ID --nature TEXT --immediacy X``: prints the concern's id."""
    from store.inspection import raise_concern

    extra = name_values(args.field)
    session = unlock(profile, args)
    note = raise_concern(session, args.id, args.nature, args.immediacy, title=args.title,
                         fields=extra)
    warn_minimisation(session, note)
    out(note.note_id)
    return 0


# -- sealed fields ----------------------------------------------------------------------------
def _devices(n: int) -> str:
    return f"{n} lead device" + ("" if n == 1 else "s")


def sealed_view(session: Session, note: Note, reveal: bool) -> dict[str, dict[str, Any]]:
    """Per filled sealed field: how many devices it is sealed for, whether this device can
    open it, and (only with ``reveal``) its value. Never the plaintext otherwise."""
    from store.crypto import is_sealed, sealed_recipients
    from store.inspection import sealed_names

    view_of: dict[str, dict[str, Any]] = {}
    for name in sealed_names(note):
        value = note.fields.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        if is_sealed(value):
            plain = session.unseal(note, name)
            view: dict[str, Any] = {"sealed": True, "recipients": len(sealed_recipients(value)),
                                    "readable": plain is not None}
        else:  # saved before sealing existed: sealed at the note's next save
            plain = value
            view = {"sealed": False, "recipients": 0, "readable": True}
        if reveal and plain is not None:
            view["value"] = plain
        view_of[name] = view
    return view_of


def sealed_line(name: str, view: dict[str, Any]) -> str:
    if not view["sealed"]:
        what = "not sealed yet (saved before sealing; sealed at its next save)"
    else:
        what = f"sealed for {_devices(view['recipients'])}"
    if "value" in view:
        return f"{name}: {view['value']}  ({what})"
    if view["readable"]:
        return f"{name}: {what}; this device can open it (--reveal shows it)"
    return f"{name}: {what}"


def public_dict(note: Note, sealed: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``note.as_dict()`` with no plaintext of a sealed field (a blob is ciphertext: kept)."""
    from store.crypto import is_sealed

    data = note.as_dict()
    data["fields"] = {k: v for k, v in data["fields"].items()
                      if k not in sealed or is_sealed(v)}
    data["kept"] = {k: v for k, v in data["kept"].items()
                    if k.removeprefix("fields.") not in sealed
                    or all(is_sealed(x) for x in (v if isinstance(v, list) else [v]))}
    data["sealed"] = sealed
    return data
