"""The ``fieldpad`` command (DESIGN §7): one module per command group, each owning its parser
and its handlers; ``_common`` holds what they share (the global and unlocking options, output,
unlocking, ``NAME=VALUE`` arguments).

Only argparse and the standard library load up front: every handler imports the store when it
runs, so ``fieldpad --version`` and the app's unlock prompt start fast.
"""

from ._common import EXIT_ERROR, EXIT_LOCKED, EXIT_NETWORK, EXIT_OK, EXIT_USAGE
from ._main import build_parser, main, run

__all__ = [
    "EXIT_ERROR",
    "EXIT_LOCKED",
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "run",
]
