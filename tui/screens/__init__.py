"""Screens of the fieldpad app. Only ``unlock`` may be imported before the vault is unlocked;
the others import ``store`` and are loaded by the app after unlocking."""
