"""``fieldpad serve``: run the sync server with uvicorn.

    serve [--config PATH] [--db PATH | --database-url URL] [--host H] [--port N]
          [--ssl-certfile PEM --ssl-keyfile PEM] [--trusted-proxy ADDR ...]
          [--log-level LEVEL] [--log-format logfmt|json] [--metrics | --no-metrics]

Settings come from the file given with ``--config``, then ``FIELDPAD_SERVER_*`` variables, then
these options (see ``_settings.py``). ``--port 0`` takes a free port; the bound address is
printed as ``listening on URL``. TLS: give uvicorn a certificate and key here, or (better for a
team server) put a reverse proxy (Caddy, nginx) in front that terminates TLS and passes paths
and query strings unchanged: requests are signed over the path and query the client sent.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from types import FrameType
from typing import Any

from ._cli import add_settings_options, describe, settings_from
from ._logs import configure_logging, log_event
from ._settings import ServerSettings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldpad serve",
        description="Run the sync server. Settings: --config FILE, then FIELDPAD_SERVER_* "
                    "variables, then these options.",
        epilog="Exit codes: 0 stopped, 1 cannot start (database, address), 2 bad options or "
               "settings.",
    )
    add_settings_options(parser)
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 8765; 0: any free one)")
    parser.add_argument("--ssl-certfile", metavar="PEM", help="TLS certificate chain (with key)")
    parser.add_argument("--ssl-keyfile", metavar="PEM", help="TLS private key")
    parser.add_argument("--trusted-proxy", action="append", metavar="ADDR",
                        help="a reverse proxy (address or network) whose X-Forwarded-For is "
                             "believed; repeat for more (default: none)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--log-format", choices=["logfmt", "json"])
    parser.add_argument("--metrics", action=argparse.BooleanOptionalAction, default=None,
                        help="serve Prometheus metrics at /v1/metrics")
    return parser


def serve_main(argv: list[str]) -> int:
    """Serve until interrupted; return the exit code (0 ok, 1 error, 2 usage)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 2
    try:
        settings = settings_from(
            args, host=args.host, port=args.port, ssl_certfile=args.ssl_certfile,
            ssl_keyfile=args.ssl_keyfile, trusted_proxies=args.trusted_proxy,
            log_level=args.log_level, log_format=args.log_format, metrics=args.metrics,
        )
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if bool(settings.ssl_certfile) != bool(settings.ssl_keyfile):
        print("error: ssl_certfile and ssl_keyfile (--ssl-certfile, --ssl-keyfile) go together",
              file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    return _serve(settings)


def _serve(settings: ServerSettings) -> int:
    import uvicorn

    from ._storage import open_storage
    from .app import create_app

    url = settings.database
    try:
        storage = open_storage(url)
    except Exception as exc:  # noqa: BLE001 - any failure to open becomes one sentence
        print(f"error: cannot open the database {describe(url)}: {exc}", file=sys.stderr)
        return 1
    host = settings.host
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, settings.port))
    except OSError as exc:
        storage.close()
        print(f"error: cannot listen on {host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    bound, port = sock.getsockname()[:2]
    scheme = "https" if settings.ssl_certfile else "http"
    shown = f"[{bound}]" if family == socket.AF_INET6 else bound
    app = create_app(storage, limits=settings.limits, metrics=settings.metrics)
    config = uvicorn.Config(
        app,
        log_level="warning",
        log_config=None,  # our handler (configure_logging) formats uvicorn's lines too
        access_log=False,
        server_header=False,
        # forwarded headers only from the proxies the operator named; never from the
        # FORWARDED_ALLOW_IPS default of loopback, which lets any local client pick its address
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
        timeout_keep_alive=30,
        # on SIGTERM requests under way get this long to finish before they are cancelled and
        # the storage closed: inside deploy/fieldpad.service's TimeoutStopSec=30s, after which
        # systemd kills the process
        timeout_graceful_shutdown=20,
    )
    server = _server(config)
    # SIGTERM (systemd's stop) and SIGINT (ctrl+c) are handled from here on: before uvicorn
    # installs its own handlers a signal is remembered and the server stops as soon as it has
    # started; after uvicorn stops it raises the signal again for these handlers, which no
    # longer kill the process (or raise KeyboardInterrupt) before the storage is closed below
    previous = _handle_stop_signals(server)
    # listen before saying so: a client that connects between the line below and uvicorn's own
    # start-up is queued instead of refused (seen under load in CI)
    sock.listen(config.backlog)
    log_event("listening", url=f"{scheme}://{shown}:{port}", database=describe(url),
              backend=type(storage).__name__, trusted_proxies=",".join(settings.trusted_proxies),
              metrics=settings.metrics, log_format=settings.log_format)
    print(f"listening on {scheme}://{shown}:{port}", flush=True)
    try:
        server.run(sockets=[sock])  # on a signal: stops listening, finishes requests under way
    finally:
        storage.close()
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log_event("stopped")  # requests finished, storage closed
    return 0


def _server(config: Any) -> Any:  # uvicorn.Config -> a uvicorn.Server that says why it stops
    import uvicorn

    class Server(uvicorn.Server):
        #: The signal that stopped it (``"SIGTERM"``), recorded by the handler and logged from
        #: the event loop: a signal handler that wrote a log line could cut into another line.
        stop_reason: str | None = None

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if self.stop_reason is None:
                self.stop_reason = signal.Signals(sig).name
            super().handle_exit(sig, frame)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            log_event("stop", reason=self.stop_reason or "shutdown",
                      in_flight=len(self.server_state.tasks))
            await super().shutdown(sockets=sockets)

    return Server(config)


def _handle_stop_signals(server: Any) -> dict[int, Any]:
    """Route SIGTERM and SIGINT to ``server`` until uvicorn takes them over, and for the
    signal uvicorn raises again once stopped; returns the handlers to put back (none off the
    main thread, where signals never arrive: a caller running the server in a thread stops it
    itself)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, server.handle_exit) for sig in (signal.SIGTERM, signal.SIGINT)}
