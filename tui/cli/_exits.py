"""The exit codes, by name: what they mean and which command returns which are in ``_common``
(``EXIT_CODES``). Apart, so that the package's face gives them without importing argparse.
And how the process ends: :func:`tui.cli.run` sets ``LEFT``."""

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_NETWORK = 0, 1, 2, 3, 4
#: This device may not sync (yet): revoked, removed, or waiting to be admitted or for its keys.
EXIT_DEVICE = 5
#: ctrl+c (the shell's 128 + SIGINT): main() says nothing half-written was kept.
EXIT_INTERRUPTED = 130

#: Set by :func:`tui.cli.run` (the console script), whose process ends right after the
#: command: what the sessions held is left here for the process's end to free at once.
LEFT: list[object] | None = None
