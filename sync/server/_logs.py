"""The server's log: one line per event, as JSON or as logfmt with every value escaped.

Routes call :func:`log_event` with an event name and ids, counts and route templates, never
bodies, keys, codes, signatures, names or anything a client typed into a path. Escaping is
done here, once, so that no value can end a line or forge a field whatever it holds. Lines
from other loggers (uvicorn's errors, a crash's traceback) go through the same formatter.

Why not structlog: every log site already goes through :func:`log_event`, so one formatter
on the standard logging module does the whole job.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["logfmt", "json"]
log = logging.getLogger("fieldpad.server")

#: logfmt values left bare: ids, numbers, route templates, URLs without spaces or quotes
_BARE = re.compile(r"[A-Za-z0-9_.:/@{}+,\[\]-]+")
_FIELDS = "fieldpad_fields"


def log_event(event: str, level: int = logging.INFO, exc: BaseException | None = None,
              **fields: object) -> None:
    """One structured line: ``event=push collection=.. device=.. accepted=3``. Ids and
    counts only: never bodies, keys, codes or signatures. ``bytes`` values are logged as hex;
    ``exc`` adds its type and traceback."""
    if log.isEnabledFor(level):
        data = {"event": event, **{k: _plain(v) for k, v in fields.items()}}
        # the message itself is the escaped logfmt line, for handlers other than ours
        # (pytest's caplog, a library's basicConfig); our formatters use the fields
        log.log(level, "%s", _logfmt(data), exc_info=exc, extra={_FIELDS: data})


def _plain(value: object) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _record_fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    out: dict[str, Any] = {"ts": ts.replace("+00:00", "Z"), "level": record.levelname.lower()}
    fields = getattr(record, _FIELDS, None)
    if fields is None:
        # a line from another logger: its text is one escaped value, never fields of ours
        out["event"] = "message"
        out["logger"] = record.name
        out["msg"] = record.getMessage()
    else:
        out.update(fields)
    if record.exc_info:
        out["error_type"] = record.exc_info[0].__name__ if record.exc_info[0] else "?"
        out["traceback"] = formatter.formatException(record.exc_info)
    return out


def _logfmt_value(value: Any) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    # JSON string escaping: quotes, backslashes, control characters and non-ASCII all escaped
    return text if _BARE.fullmatch(text) else json.dumps(text)


def _logfmt(fields: dict[str, Any]) -> str:
    return " ".join(f"{k}={_logfmt_value(v)}" for k, v in fields.items())


class LogfmtFormatter(logging.Formatter):
    """``ts=... level=info event=push collection=... accepted=3``: a value that is not a plain
    token is quoted with JSON's escaping, so a parser reads exactly the fields we wrote."""

    def format(self, record: logging.LogRecord) -> str:
        return _logfmt(_record_fields(record, self))


class JsonFormatter(logging.Formatter):
    """One JSON object per line (``ts``, ``level``, ``event`` and the event's fields)."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_record_fields(record, self), ensure_ascii=True, default=str)


def configure_logging(fmt: LogFormat, level: str) -> None:
    """Send every log line of this process to stderr in ``fmt`` at ``level`` (and above)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper()))
