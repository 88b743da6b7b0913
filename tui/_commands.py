"""The scriptable commands behind ``fieldpad`` (everything but the TUI and the server)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from store import (
    FieldpadError,
    KdfParams,
    Note,
    Profile,
    Session,
    ValidationFailed,
    default_profile_dir,
    verify_all,
)
from store._kdf import DEFAULT_ITERATIONS, DEFAULT_LANES, MIB
from store._templates import coerce_field, parse_tags, template_for

from ._markdown import collect_markdown, parse_markdown
from ._passphrase import PassphraseSource


def run(args: argparse.Namespace) -> int:
    profile = Profile(Path(args.profile) if args.profile else default_profile_dir())
    action = getattr(args, "action", None) or getattr(args, "what", None)
    handler = _HANDLERS[(args.command, action)]
    try:
        return handler(profile, args)
    finally:
        while _OPEN:
            _OPEN.pop().lock()  # seals the head cache and wipes the keys


_OPEN: list[Session] = []


def out(text: str = "") -> None:
    print(text)


def warn(text: str) -> None:
    print(text, file=sys.stderr)


def _unlock(profile: Profile, args: argparse.Namespace) -> Session:
    if not profile.has_vault:
        raise FieldpadError(f"no vault in {profile.directory}: run `fieldpad init` first")
    session = profile.unlock(PassphraseSource(args).get())
    _OPEN.append(session)
    for damage in session.damaged:
        warn(f"warning: {damage}. Run `fieldpad doctor`.")
    return session


# -- vault ------------------------------------------------------------------------------------
def cmd_init(profile: Profile, args: argparse.Namespace) -> int:
    if profile.has_vault:
        raise FieldpadError(f"{profile.directory} already has a vault; `fieldpad passwd` changes "
                            "its passphrase")
    params = KdfParams.new(args.kdf_memory_mib * MIB if args.kdf_memory_mib else None,
                           DEFAULT_ITERATIONS, DEFAULT_LANES)
    passphrase = PassphraseSource(args).new(0, "passphrase")
    session, words = profile.init(passphrase, params, author=args.author)
    session.lock()
    profile.close()
    out(f"Created a vault in {profile.directory}.")
    out("")
    out("Your recovery key: write it down now and keep it apart from this laptop.")
    out("It is shown only this once. With it you can set a new passphrase if you forget yours.")
    out("")
    w = words.split()
    for i in range(0, len(w), 6):
        out("   " + "  ".join(f"{n + 1:2d}.{word:<9}" for n, word in enumerate(w[i:i + 6], i)))
    out("")
    return 0


def cmd_unlock_check(profile: Profile, args: argparse.Namespace) -> int:
    if args.recovery:
        session = profile.unlock_recovery(_recovery_words(args))
    else:
        session = _unlock(profile, args)
    n = len(session.list_notes())
    session.lock()
    out(f"unlocked: {n} notes in {profile.directory}")
    return 0


def _recovery_words(args: argparse.Namespace) -> str:
    src = PassphraseSource(args)
    if src.scripted:
        return src.line(0, "recovery key")
    if not sys.stdin.isatty():
        return sys.stdin.readline()
    return input("Recovery key (24 words): ")


def cmd_passwd(profile: Profile, args: argparse.Namespace) -> int:
    src = PassphraseSource(args)
    if args.new_passphrase_file:
        new = PassphraseSource(argparse.Namespace(passphrase_file=args.new_passphrase_file)).get()
    else:
        new = src.new(1, "new passphrase (second line)")
    if args.recovery:
        profile.reset_passphrase_with_recovery(_recovery_words(args), new)
    else:
        profile.change_passphrase(src.get("Current passphrase: "), new)
    out("Passphrase changed. Your recovery key still works.")
    return 0


# -- inspections ------------------------------------------------------------------------------
def cmd_inspection_add(profile: Profile, args: argparse.Namespace) -> int:
    session = _unlock(profile, args)
    ins = session.add_inspection(args.name, args.partnership)
    out(ins.id_hex)
    return 0


def cmd_inspection_timeline(profile: Profile, args: argparse.Namespace) -> int:
    from datetime import date

    from store._timeline import TimelineError, make_timeline, where_is

    try:
        notification = date.fromisoformat(args.notification)
        holidays = [date.fromisoformat(d) for d in args.holiday]
        timeline = make_timeline(notification, holidays=holidays)
    except (ValueError, TimelineError) as exc:
        raise ValidationFailed([_issue("timeline", str(exc))]) from None
    session = _unlock(profile, args)
    ins = session.find_inspection(args.name)
    ins.extra = {**ins.extra, "timeline": timeline.to_dict()}
    session.publish_inspection(ins, session.collection_for(ins, "note"))
    for step in timeline.schedule():
        out(f"{step.start.isoformat()}  week {step.week:>2}  {step.label}")
    out(f"today: {where_is(timeline, date.today()).label}")
    return 0


def cmd_inspection_list(profile: Profile, args: argparse.Namespace) -> int:
    from store import retention_state

    session = _unlock(profile, args)
    rows = []
    for ins in session.list_inspections():
        notes = session.list_notes(ins)
        rows.append({"id": ins.id_hex, "name": ins.name, "partnership": ins.partnership,
                     "scope": ins.scope, "notes": len(notes),
                     "unpushed": sum(not n.pushed for n in notes) if ins.scope == "team" else 0,
                     "retention": retention_state(ins).label})
    if args.json:
        out(json.dumps(rows, indent=2))
    else:
        for r in rows:
            closed = f"  ({r['retention']})" if r["retention"] != "open" else ""
            out(f"{r['id'][:8]}  {r['name']:<28} {r['partnership']:<24} {r['notes']:>5} notes"
                + closed)
    return 0


# -- notes ------------------------------------------------------------------------------------
def _read_body(path: str | None) -> str | None:
    if path is None:
        return None
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def _fields(kind: str, pairs: list[str], base: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = {f.name: f for f in template_for(kind).fields}
    fields = dict(base or {})
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValidationFailed([_issue(pair, "write fields as NAME=VALUE")])
        if name not in spec:
            raise ValidationFailed([_issue(name, f"a {kind} has no such field; it has: "
                                                 + ", ".join(spec))])
        try:
            fields[name] = coerce_field(spec[name], value) if value != "" else None
        except ValueError as exc:
            raise ValidationFailed([_issue(name, str(exc))]) from None
        if fields[name] is None:
            del fields[name]
    return fields


def _issue(field: str, message: str):  # noqa: ANN202
    from store._templates import ValidationIssue

    return ValidationIssue(field, message)


def _warn_minimisation(session: Session, note: Note) -> None:
    for w in session.minimisation_warnings(note):
        warn(f"warning: {w.message}")


def _tags(values: list[str]) -> tuple[str, ...]:
    try:
        return tuple(parse_tags(values))
    except ValueError as exc:
        raise ValidationFailed([_issue("tag", str(exc))]) from None


def cmd_note_add(profile: Profile, args: argparse.Namespace) -> int:
    session = _unlock(profile, args)
    ins = session.find_inspection(args.inspection)
    note = session.create(ins, args.kind, args.title, _read_body(args.body_file) or "",
                          _fields(args.kind, args.field), _tags(args.tag))
    _warn_minimisation(session, note)
    out(note.note_id)
    return 0


def _row(session: Session, note: Note) -> dict[str, Any]:
    ins = session.inspections.get(note.inspection_id)
    return {"id": note.note_id, "inspection": ins.name if ins else "", "kind": note.kind,
            "title": note.title, "state": note.state, "author": note.author,
            "updated": note.updated.isoformat(timespec="seconds"), "tags": list(note.tags),
            "rev": note.rev}


def cmd_note_list(profile: Profile, args: argparse.Namespace) -> int:
    session = _unlock(profile, args)
    ins = session.find_inspection(args.inspection) if args.inspection else None
    if args.search:
        notes = [n for n in session.search(args.search, ins) if args.kind in (None, n.kind)]
    else:
        notes = session.list_notes(ins, kind=args.kind, include_deleted=args.deleted)
    rows = [_row(session, n) for n in notes]
    if args.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for r in rows:
            flag = {"conflicted": "!", "deleted": "x"}.get(r["state"], " ")
            out(f"{r['id'][:8]} {flag} {r['kind']:<14} {r['title'][:36]:<36} {r['author']:<6} "
                f"{r['updated'][:16]}")
    return 0


def cmd_note_show(profile: Profile, args: argparse.Namespace) -> int:
    from ._concern_cmd import public_dict, sealed_line, sealed_view

    session = _unlock(profile, args)
    note = session.get(args.id)
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
    out("")
    out(note.body)
    for name, value in data["kept"].items():
        out(f"\n[kept from a concurrent edit] {name}: {value}")
    return 0


def cmd_note_edit(profile: Profile, args: argparse.Namespace) -> int:
    session = _unlock(profile, args)
    note = session.get(args.id)
    changes: dict[str, Any] = {}
    if args.title is not None:
        changes["title"] = args.title
    body = _read_body(args.body_file)
    if body is not None:
        changes["body"] = body
    if args.field:
        changes["fields"] = _fields(note.kind, args.field, note.fields)
    if args.tag or args.untag:
        drop = set(_tags(args.untag))
        changes["tags"] = tuple(t for t in dict.fromkeys(note.tags + _tags(args.tag))
                                if t not in drop)
    if not changes:
        raise FieldpadError("nothing to change: give --title, --body-file, --field or --tag")
    note = session.save(note.note_id, **changes)
    _warn_minimisation(session, note)
    out(note.rev)
    return 0


def cmd_note_history(profile: Profile, args: argparse.Namespace) -> int:
    session = _unlock(profile, args)
    revs = session.history(args.id)
    if args.json:
        out(json.dumps([{"rev": r.rev, "parents": list(r.parents), "author": r.author,
                         "state": r.state, "title": r.title, "pushed": r.pushed,
                         "updated": r.updated.isoformat(timespec="seconds")} for r in revs],
                       indent=2, ensure_ascii=False))
    else:
        for r in revs:
            out(f"{r.rev[:8]}…{r.rev.split('.')[1]:<5} {r.updated.isoformat(timespec='seconds')} "
                f"{r.author:<6} {r.state:<10} {r.title}")
    return 0


def cmd_note_restore(profile: Profile, args: argparse.Namespace) -> int:
    session = _unlock(profile, args)
    note = session.restore(args.id, args.rev)
    out(note.rev)
    return 0


def cmd_note_delete(profile: Profile, args: argparse.Namespace) -> int:
    session = _unlock(profile, args)
    note = session.delete(args.id)
    out(f"deleted {note.note_id} (its history keeps every revision)")
    return 0


def cmd_note_import(profile: Profile, args: argparse.Namespace) -> int:
    files = collect_markdown([Path(p) for p in args.paths])
    if not files:
        raise FieldpadError("no Markdown files (.md, .markdown) found in the paths given")
    parsed = [(path, *parse_markdown(path)) for path in files]  # read all before unlocking
    session = _unlock(profile, args)
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
        _warn_minimisation(session, note)
    warn(f"imported {len(created)} notes into {ins.name}")
    return 0


def cmd_doctor(profile: Profile, args: argparse.Namespace) -> int:
    from ._doctor_cmd import doctor_text, repair

    session = _unlock(profile, args)
    report = verify_all(session)
    if args.repair:
        return repair(session, report)
    return doctor_text(session, report, args.json)


def cmd_config_list(profile: Profile, args: argparse.Namespace) -> int:
    from store._settings import SETTINGS

    values = _unlock(profile, args).settings()
    for key, setting in SETTINGS.items():
        out(f"{key} = {json.dumps(values[key])}")
        out(f"    {setting.doc}")
    return 0


def cmd_config_get(profile: Profile, args: argparse.Namespace) -> int:
    from store._settings import SETTINGS

    if args.key not in SETTINGS:
        raise FieldpadError(f"no setting {args.key!r}; `fieldpad config list` shows them")
    value = _unlock(profile, args).settings()[args.key]
    out(value if isinstance(value, str) else json.dumps(value))
    return 0


def cmd_config_set(profile: Profile, args: argparse.Namespace) -> int:
    from store._settings import SETTINGS

    setting = SETTINGS.get(args.key)
    if setting is None:
        raise FieldpadError(f"no setting {args.key!r}; `fieldpad config list` shows them")
    try:
        value = setting.parse(args.value)
    except ValueError as exc:
        raise ValidationFailed([_issue(args.key, str(exc))]) from None
    _unlock(profile, args).set_setting(args.key, value)
    return 0


def cmd_enrol(profile: Profile, args: argparse.Namespace) -> int:
    from store._settings import SETTINGS
    from sync.client import SyncClient, fingerprint

    session = _unlock(profile, args)
    url = SETTINGS["server"].parse(args.url).rstrip("/")
    session.set_setting("server", url)  # validates the URL before anything is sent
    keys = session.keys.device
    with SyncClient(url, session.device_id, None) as client:
        result = client.enrol(args.code.strip(), keys.sign_pub, keys.kx_pub)
    session.rosters.set_user(result["user"])
    out(f"Enrolled this device as {result['user']} with {url}.")
    out(f"Device fingerprint: {fingerprint(keys.sign_pub)}")
    out("Compare it in person with your lead. Next: `fieldpad team join CODE` with the code "
        "your lead gives you (a lead's first device just runs `fieldpad sync`).")
    return 0


def cmd_sync(profile: Profile, args: argparse.Namespace) -> int:
    from sync.client import client_for, sync

    from ._progress import ProgressLine

    session = _unlock(profile, args)
    line = ProgressLine(enabled=not args.quiet)
    with client_for(session) as client:
        try:
            report = sync(session, client, line.update)
        finally:
            line.close()
    out(f"synced: up {_records(report.up_records)} ({_kb(report.up_bytes)}), down "
        f"{_records(report.down_records)} ({_kb(report.down_bytes)}) in {report.seconds:.1f} s")
    if report.merged:
        out(f"{len(report.merged)} notes edited on two devices were merged automatically.")
    for note_id in report.conflicted:
        title = session.notes[note_id].title if note_id in session.notes else note_id
        out(f"needs you: {title!r} was edited on two devices; both versions are kept "
            f"(`fieldpad note show {note_id[:8]}`).")
    for label in dict.fromkeys(report.waiting_for_keys):
        out(f"waiting for the key to {label}: a teammate's device delivers it at its next sync")
    for label in report.access_ended:
        out(f"no longer shared with this device: {label} (removed by a lead, or the access "
            "ended); what is already here stays readable here")
    for dev in report.admitted:
        out(f"added to the team after checking its invitation proof: {dev}")
    for name in report.joined:
        out(f"joined {name}: the team roster was checked against your lead's invitation")
    for name in report.purged:
        out(f"purged inspection {name}: its keys and notes were destroyed on this device")
    for name in report.purge_due:
        out(f"retention period over: {name} can be purged now; you lead it, so see what that "
            f"destroys with `fieldpad inspection purge {shlex.quote(name)}`")
    for line in report.healed:
        out(f"healed {line}")
    for q in report.quarantined:
        warn(f"set aside (failed verification): {q}")
    for p in report.problems:
        warn(f"{'ALERT' if p in report.alerts else 'problem'}: {p}")
    return 0 if report.ok and not report.quarantined else 1


def _records(n: int) -> str:
    return f"{n} record" if n == 1 else f"{n} records"


def _kb(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"


from ._concern_cmd import (  # noqa: E402 - they import from this module
    cmd_concern_list,
    cmd_concern_step,
    cmd_note_concern,
)
from ._export_cmd import cmd_evidence, cmd_export  # noqa: E402 - it imports from this module
from ._retention_cmd import (  # noqa: E402 - it imports from this module
    cmd_inspection_close,
    cmd_inspection_purge,
    cmd_inspection_purges,
    cmd_inspection_reopen,
)
from ._review_cmd import cmd_review_moderate, cmd_review_summary  # noqa: E402
from ._team_cmd import HANDLERS as _TEAM_HANDLERS  # noqa: E402 - the same
from ._uncertainty_cmd import HANDLERS as _UNCERTAINTY_HANDLERS  # noqa: E402 - the same

_HANDLERS = {
    ("review", "summary"): cmd_review_summary,
    ("review", "moderate"): cmd_review_moderate,
    ("concern", "list"): cmd_concern_list,
    ("concern", "step"): cmd_concern_step,
    ("note", "concern"): cmd_note_concern,
    ("export", None): cmd_export,
    ("evidence", None): cmd_evidence,
    ("enrol", None): cmd_enrol,
    ("sync", None): cmd_sync,
    ("config", "list"): cmd_config_list,
    ("config", "get"): cmd_config_get,
    ("config", "set"): cmd_config_set,
    ("init", None): cmd_init,
    ("unlock", "check"): cmd_unlock_check,
    ("passwd", None): cmd_passwd,
    ("inspection", "add"): cmd_inspection_add,
    ("inspection", "list"): cmd_inspection_list,
    ("inspection", "timeline"): cmd_inspection_timeline,
    ("inspection", "close"): cmd_inspection_close,
    ("inspection", "reopen"): cmd_inspection_reopen,
    ("inspection", "purge"): cmd_inspection_purge,
    ("inspection", "purges"): cmd_inspection_purges,
    ("note", "add"): cmd_note_add,
    ("note", "list"): cmd_note_list,
    ("note", "show"): cmd_note_show,
    ("note", "edit"): cmd_note_edit,
    ("note", "history"): cmd_note_history,
    ("note", "restore"): cmd_note_restore,
    ("note", "delete"): cmd_note_delete,
    ("note", "import"): cmd_note_import,
    ("doctor", None): cmd_doctor,
    **_TEAM_HANDLERS,
    **_UNCERTAINTY_HANDLERS,
}
