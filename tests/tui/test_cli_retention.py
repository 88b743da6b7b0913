"""``fieldpad inspection close|reopen|purge|purges`` end to end, in subprocesses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from store import Profile, close_inspection

from .test_cli import PASSPHRASE, Cli, cli  # noqa: F401 - the fixture

__all__ = ["cli"]


def _backdate(cli: Cli, name: str, days: int, ago: int) -> None:
    """Close ``name`` as if ``ago`` days had passed since (what a real clock would take)."""
    profile = Profile(cli.profile)
    session = profile.unlock(PASSPHRASE)
    ins = session.find_inspection(name)
    close_inspection(session, ins, days, now=datetime.now(UTC) - timedelta(days=ago))
    session.lock()
    profile.close()


def test_close_prints_the_purge_date_and_reopen_clears_it(cli: Cli) -> None:  # noqa: F811
    cli("inspection", "add", "Northshire 2026")
    r = cli("inspection", "close", "Northshire 2026", "--retention-days", "30")
    due = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    assert "closed Northshire 2026" in r.stdout and due in r.stdout
    rows = {i["name"]: i for i in json.loads(cli("inspection", "list", "--json").stdout)}
    assert rows["Northshire 2026"]["retention"] == f"closed · purge after {due}"
    assert rows["Notebook"]["retention"] == "open"
    assert f"purge after {due}" in cli("inspection", "list").stdout
    r = cli("inspection", "close", "Notebook")  # default: 90 days
    assert (datetime.now(UTC) + timedelta(days=90)).date().isoformat() in r.stdout
    cli("inspection", "reopen", "Northshire 2026")
    rows = {i["name"]: i for i in json.loads(cli("inspection", "list", "--json").stdout)}
    assert rows["Northshire 2026"]["retention"] == "open"
    r = cli("inspection", "reopen", "Northshire 2026", code=1)
    assert "not closed" in r.stderr


def test_close_with_an_open_concern_asks_first_and_names_it(cli: Cli) -> None:  # noqa: F811
    cli("inspection", "add", "Northshire 2026")
    cli("note", "add", "--inspection", "Northshire 2026", "--kind", "concern", "--title",
        "Concern from R-017", "--field", "raised_at=2026-03-14T09:41", "--field",
        "nature=No recent home visit", "--field", "immediacy=immediate")
    r = cli("inspection", "close", "Northshire 2026", code=1)
    assert "1 open concern" in r.stderr and "“Concern from R-017” (raised" in r.stderr
    assert "--with-open-concerns" in r.stderr
    rows = {i["name"]: i for i in json.loads(cli("inspection", "list", "--json").stdout)}
    assert rows["Northshire 2026"]["retention"] == "open"
    r = cli("inspection", "close", "Northshire 2026", "--with-open-concerns")
    assert "closed Northshire 2026" in r.stdout


def test_bad_retention_days_are_a_usage_error(cli: Cli) -> None:  # noqa: F811
    for bad in ("0", "3651", "ten"):
        r = cli("inspection", "close", "Notebook", "--retention-days", bad, code=2)
        assert "--retention-days" in r.stderr


def test_purge_is_refused_before_the_period_ends(cli: Cli) -> None:  # noqa: F811
    cli("inspection", "add", "Old")
    r = cli("inspection", "purge", "Old", "--yes", code=1)
    assert "close it first" in r.stderr
    cli("inspection", "close", "Old", "--retention-days", "10")
    r = cli("inspection", "purge", "Old", "--yes", code=1)
    due = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    assert "can be purged from " + due in r.stderr
    assert [i["name"] for i in json.loads(cli("inspection", "list", "--json").stdout)] == [
        "Notebook", "Old"]


def test_purge_asks_for_the_name_then_destroys_and_logs(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    cli("inspection", "add", "Old")
    body = tmp_path / "b.md"
    body.write_text("the doomed text\n")
    cli("note", "add", "--inspection", "Old", "--title", "doomed", "--body-file", str(body))
    keep = cli("note", "add", "--inspection", "Notebook", "--title", "kept").stdout.strip()
    _backdate(cli, "Old", 10, 11)
    assert "purge due" in cli("inspection", "list").stdout
    r = cli("inspection", "purge", "Old", input="old\n", code=1)  # the name, exactly
    assert "does not match" in r.stderr and "nothing was purged" in r.stderr
    assert "destroys its keys and all 1 of its notes on this device" in r.stderr
    cli("inspection", "purge", "Old", input="", code=1)  # no answer: nothing happens
    assert len(json.loads(cli("note", "list", "--json", "--inspection", "Old").stdout)) == 1
    r = cli("inspection", "purge", "Old", input="Old\n")
    assert "purged Old: 1 notes" in r.stdout
    names = [i["name"] for i in json.loads(cli("inspection", "list", "--json").stdout)]
    assert names == ["Notebook"]
    assert [n["id"] for n in json.loads(cli("note", "list", "--json").stdout)] == [keep]
    r = cli("inspection", "purge", "Old", "--yes", code=1)
    assert "no inspection called 'Old'" in r.stderr
    log = json.loads(cli("inspection", "purges", "--json").stdout)
    assert [(e["name"], e["notes"], e["scope"]) for e in log] == [("Old", 1, "local")]
    assert "Old" in cli("inspection", "purges").stdout


def test_purge_with_yes_asks_nothing(cli: Cli) -> None:  # noqa: F811
    cli("inspection", "add", "Old")
    _backdate(cli, "Old", 1, 2)
    r = cli("inspection", "purge", "Old", "--yes", input="")
    assert r.stdout.startswith("purged Old: 0 notes") and "Type" not in r.stderr


def test_the_server_hook_runs_before_the_local_purge(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """In process: a server that refuses leaves the local inspection untouched."""
    import argparse

    import sync.client as sync_client
    from store import FieldpadError, KdfParams
    from tui.cli import _inspection

    profile = Profile(tmp_path / "p")
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    ins = session.add_inspection("Team", role="team", scope="team")
    close_inspection(session, ins, 1, now=datetime.now(UTC) - timedelta(days=2))
    session.lock()
    calls = []

    def refuse(s, i) -> None:  # noqa: ANN001
        calls.append(i.name)
        raise FieldpadError("the server could not be reached")

    monkeypatch.setattr(sync_client, "request_server_purge", refuse)
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    args = argparse.Namespace(name="Team", yes=True, passphrase_fd=None,
                              passphrase_file=str(secret))
    try:
        _inspection.cmd_inspection_purge(profile, args)
    except FieldpadError:
        pass
    else:  # pragma: no cover
        raise AssertionError("the purge went on without the server")
    finally:
        from tui.cli._common import lock_all

        lock_all()
    assert calls == ["Team"]
    s2 = profile.unlock(PASSPHRASE)
    assert s2.find_inspection("Team").name == "Team"
    s2.lock()
    profile.close()
