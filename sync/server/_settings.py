"""The server's settings: a TOML file, ``FIELDPAD_SERVER_*`` environment variables and flags.

Later sources win: defaults, then the file given with ``--config``, then the environment, then
the command line's flags. Every field's docstring is its documentation (docs/operations.md
lists them). An unknown key, in the file or in the environment, is refused with its name.

    host = "127.0.0.1"
    port = 8765
    database = "/var/lib/fieldpad/server.db"      # or "postgresql://fieldpad@db/fieldpad"
    trusted_proxies = ["127.0.0.1"]
    log_format = "json"
    metrics = true

    [limits]
    max_batch = 500

Environment: ``FIELDPAD_SERVER_PORT=9000``, ``FIELDPAD_SERVER_TRUSTED_PROXIES=10.0.0.5,::1``,
``FIELDPAD_SERVER_LIMITS__MAX_BATCH=500``.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from ._limits import Limits

ENV_PREFIX = "FIELDPAD_SERVER_"
NESTED = "__"
DEFAULT_PORT = 8765
SERVICE_DIR = Path("/var/lib/fieldpad")

# The parsed settings file of the load under way (a source below the environment).
_FILE_DATA: ContextVar[dict[str, Any]] = ContextVar("fieldpad_server_settings_file")


class SettingsError(ValueError):
    """The settings cannot be used: the message names the file or variable, the key and what
    to do. It never quotes a value (a database URL may hold a password)."""


def default_database() -> str:
    """``$STATE_DIRECTORY/server.db`` when systemd runs us with ``StateDirectory=``,
    ``/var/lib/fieldpad/server.db`` as root, else the user's data directory."""
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if state:
        return str(Path(state) / "server.db")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return str(SERVICE_DIR / "server.db")
    import platformdirs

    return str(platformdirs.user_data_path("fieldpad") / "server.db")


class ServerSettings(BaseSettings):
    """Settings of ``fieldpad serve`` and ``fieldpad server admin``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED,
        extra="forbid",
        use_attribute_docstrings=True,
        validate_default=True,
    )

    host: str = "127.0.0.1"
    """Address to listen on. Keep 127.0.0.1 behind a reverse proxy on the same machine;
    ``0.0.0.0`` or ``::`` listen on every interface."""
    port: int = Field(DEFAULT_PORT, ge=0, le=65535)
    """TCP port to listen on (0: any free port, printed at start-up)."""
    database: str = Field(default_factory=default_database, min_length=1, repr=False)
    """An SQLite file (a path or ``sqlite:////absolute/path.db``) or a PostgreSQL URL
    (``postgresql://user@host/dbname``). Default: ``server.db`` in ``$STATE_DIRECTORY`` when
    systemd sets it, ``/var/lib/fieldpad`` as root, else the user's data directory. Prefer a
    password in ``~/.pgpass`` or ``PGPASSWORD`` to one in the URL."""
    ssl_certfile: Path | None = None
    """TLS certificate chain (PEM) to serve HTTPS directly; needs ``ssl_keyfile``. Usually a
    reverse proxy terminates TLS instead."""
    ssl_keyfile: Path | None = None
    """The private key (PEM) of ``ssl_certfile``."""
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``) of reverse proxies whose
    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed. Empty (the default): forwarded
    headers are ignored and the connecting address is the client. Without the proxy here,
    every client behind it shares one enrolment rate limit; with a wrong entry, anyone could
    choose their own. In the environment: a comma-separated list."""
    log_format: Literal["logfmt", "json"] = "logfmt"
    """``logfmt`` (``key=value``, values escaped) or ``json`` (one object a line)."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Least severe level logged. ``info`` logs one line per request that changed something
    or was refused: ids, counts and actions, never contents."""
    metrics: bool = False
    """Serve Prometheus metrics at ``/v1/metrics`` (request counts by route and status, records
    and bytes pushed and pulled, latencies, devices). Counts only, no ids; still, let only your
    Prometheus reach it (see the reverse-proxy examples)."""
    limits: Limits = Field(default_factory=Limits)
    """Sizes, rates and lifetimes the server enforces (the ``[limits]`` table)."""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
                ) from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # flags (init) over the environment over the file; no .env or secrets directory
        return init_settings, env_settings, InitSettingsSource(settings_cls, _FILE_DATA.get({}))


def field_docs(model: type[Any] = ServerSettings) -> dict[str, str]:
    """Each setting's documentation (its docstring), by name: for docs and ``--help``."""
    fields = getattr(model, "model_fields", None) or model.__pydantic_fields__
    return {name: " ".join((f.description or "").split()) for name, f in fields.items()}


def load_settings(config: Path | None = None, **flags: Any) -> ServerSettings:
    """Defaults < ``config`` (TOML) < ``FIELDPAD_SERVER_*`` < ``flags`` (None means unset)."""
    data: dict[str, Any] = {}
    if config is not None:
        data = _read_file(config)
        _check_keys(data, f"{config}")
    _check_environment()
    token = _FILE_DATA.set(data)
    try:
        return ServerSettings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as exc:
        raise SettingsError(_explain(exc, config)) from None
    finally:
        _FILE_DATA.reset(token)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"the settings file {path} does not exist") from None
    except OSError as exc:
        raise SettingsError(f"cannot read the settings file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None


def _known(model: type[Any]) -> dict[str, Any]:
    fields = getattr(model, "model_fields", None) or model.__pydantic_fields__
    return dict(fields)


def _unknown(key: str, known: list[str], where: str) -> SettingsError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return SettingsError(f"{where}: unknown setting {key!r}{hint}; known: {', '.join(known)}")


def _check_keys(data: dict[str, Any], where: str) -> None:
    known = _known(ServerSettings)
    for key, value in data.items():
        if key not in known:
            raise _unknown(key, list(known), where)
        if key == "limits" and isinstance(value, dict):
            limit_names = list(_known(Limits))
            for name in value:
                if name not in limit_names:
                    raise _unknown(name, limit_names, f"{where} [limits]")


def _check_environment() -> None:
    """A mistyped ``FIELDPAD_SERVER_*`` variable is refused rather than silently ignored."""
    known = [n.upper() for n in _known(ServerSettings)]
    limit_names = [n.upper() for n in _known(Limits)]
    for var in sorted(os.environ):
        if not var.upper().startswith(ENV_PREFIX):
            continue
        name = var.upper()[len(ENV_PREFIX):]
        if name.startswith("LIMITS" + NESTED):
            sub = name[len("LIMITS" + NESTED):]
            if sub not in limit_names:
                raise _unknown(sub.lower(), [n.lower() for n in limit_names],
                               f"environment variable {var}")
        elif name not in known:
            raise _unknown(name.lower(), [n.lower() for n in known], f"environment variable {var}")


def _explain(exc: ValidationError, config: Path | None) -> str:
    where = f" (from flags, FIELDPAD_SERVER_* or {config})" if config else ""
    parts = []
    for e in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(x) for x in e.get("loc", ()))
        parts.append(f"{loc or 'settings'}: {e.get('msg', 'invalid')}")
    return "invalid settings" + where + ": " + "; ".join(parts)
