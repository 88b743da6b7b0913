"""The server's log: one line per event, every value escaped, so a crafted request cannot forge
a field or a line (issue 11 item 8); ids and actions only. Real server processes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from ._support import ServerProcess

# a path that, logged raw, would end the line and start a forged one, or close a quoted value
CRAFTED = ("/v1/collections/x%0Aevent%3Denrol%20device%3Dforged%22%20event%3Dforged%20x%3D%22"
           "/status")
LOGFMT_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|[^\s"=]*)(?=\s|$)')


def parse_logfmt(line: str) -> dict[str, str]:
    """Strict logfmt: the whole line must be key=value pairs; quoted values unescaped."""
    fields: dict[str, str] = {}
    pos = 0
    for m in LOGFMT_PAIR.finditer(line):
        assert line[pos:m.start()].strip() == "", f"not logfmt at {pos}: {line!r}"
        key, value = m.group(1), m.group(2)
        assert key not in fields, f"duplicate key {key} in {line!r}"
        fields[key] = json.loads(value) if value.startswith('"') else value
        pos = m.end()
    assert line[pos:].strip() == "", f"not logfmt: {line!r}"
    return fields


def _requests(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url) as client:
        r = client.get(httpx.URL(server.url + CRAFTED))
        assert r.status_code in (401, 404, 422)
        r = client.get(f"/v1/collections/{'ab' * 16}/status")  # unsigned: refused, logged
        assert r.status_code == 401


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
def test_a_crafted_path_forges_no_field_and_no_line(tmp_path: Path, fmt: str) -> None:
    log = tmp_path / "server.log"
    with ServerProcess(str(tmp_path / "server.db"), log_level="info", log=log,
                       args=("--log-format", fmt)) as server:
        _requests(server)
    lines = [x for x in log.read_text().splitlines() if x.strip()]
    records = [parse_logfmt(x) if fmt == "logfmt" else json.loads(x) for x in lines]
    assert records, "the server logged nothing at info"
    events = [r.get("event") for r in records]
    assert "forged" not in events and "enrol" not in events, records
    assert not any(r.get("device") == "forged" for r in records), records
    assert events.count("refused") >= 1
    for r in records:
        assert set(r) >= {"ts", "level", "event"}, r
        # ids, counts and route templates: nothing a client typed into a path
        assert "forged" not in json.dumps(r), r


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
def test_every_value_is_escaped(fmt: str) -> None:
    """Whatever a value holds (a newline, quotes, ``=``, a backslash, non-ASCII), the line
    reads back as exactly the fields written."""
    import logging

    from sync.server._logs import JsonFormatter, LogfmtFormatter, log_event

    hostile = 'a"b\\c\nevent=forged x="y" \u202e\x1b[31m'
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("fieldpad.server")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        log_event("refused", reason=hostile, device=b"\x01" * 16, count=3, flag=True)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    line = (LogfmtFormatter() if fmt == "logfmt" else JsonFormatter()).format(records[0])
    assert "\n" not in line and "\x1b" not in line
    fields = parse_logfmt(line) if fmt == "logfmt" else json.loads(line)
    assert fields["event"] == "refused"
    assert fields["reason"] == hostile
    assert fields["device"] == "01" * 16
    assert str(fields["count"]) == "3" and str(fields["flag"]).lower() == "true"
