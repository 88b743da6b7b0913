"""Screens of the fieldpad app. Only ``unlock`` may be imported before the vault is unlocked;
the others import ``store`` and are loaded by the app after unlocking."""

from pathlib import Path

#: The styles of every screen but the unlock prompt (``tui/app.tcss`` holds the prompt's): every
#: screen lists them in ``CSS_PATH`` (``_base``), so Textual loads them with the first screen
#: that may need them (the first run's too); the prompt lists none, so they are not parsed
#: before the prompt shows (start-up time), and the app loads them ahead once it is up.
#: Absolute, as Textual reads a relative one next to the module of each subclass.
SCREENS_CSS = Path(__file__).with_name("screens.tcss")
