"""``python -m sync.server serve ...`` / ``python -m sync.server admin ...`` (for tests and
deployments without the ``fieldpad`` entry point)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        from ._serve import serve_main

        return serve_main(argv[1:])
    if argv[:1] == ["admin"]:
        from ._admin import admin_main

        return admin_main(argv[1:])
    print("usage: python -m sync.server {serve|admin} ...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
