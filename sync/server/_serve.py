"""``fieldpad serve``: run the sync server with uvicorn.

    serve [--db PATH | --database-url URL] [--host 127.0.0.1] [--port 8765]
          [--ssl-certfile PEM --ssl-keyfile PEM] [--log-level info]

``--port 0`` takes a free port; the bound address is printed as ``listening on URL``. TLS:
give uvicorn a certificate and key here, or (better for a team server) put a reverse proxy
(Caddy, nginx) in front that terminates TLS and passes paths and query strings unchanged:
requests are signed over the path and query the client sent.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys

from ._cli import add_db_options, db_url, describe

DEFAULT_PORT = 8765


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldpad serve", description="Run the sync server.")
    add_db_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0: any free one)")
    parser.add_argument("--ssl-certfile", metavar="PEM", help="TLS certificate (with key)")
    parser.add_argument("--ssl-keyfile", metavar="PEM", help="TLS private key")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    return parser


def serve_main(argv: list[str]) -> int:
    """Serve until interrupted; return the exit code (0 ok, 1 error, 2 usage)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 2
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        print("error: --ssl-certfile and --ssl-keyfile go together", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    import uvicorn

    from ._storage import open_storage
    from .app import create_app

    url = db_url(args)
    try:
        storage = open_storage(url)
    except Exception as exc:  # noqa: BLE001 - connection refused, bad path, bad URL
        print(f"error: cannot open the database {describe(url)}: {exc}", file=sys.stderr)
        return 1
    try:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
    except OSError as exc:
        storage.close()
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    scheme = "https" if args.ssl_certfile else "http"
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    config = uvicorn.Config(
        create_app(storage),
        log_level="warning",
        access_log=False,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    # listen before saying so: a client that connects between the line below and uvicorn's own
    # start-up is queued instead of refused (seen under load in CI)
    sock.listen(config.backlog)
    logging.getLogger("fieldpad.server").info(
        "event=listening url=%s://%s:%s database=%s", scheme, shown, port, describe(url)
    )
    print(f"listening on {scheme}://{shown}:{port}", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        storage.close()
        sock.close()
    return 0
