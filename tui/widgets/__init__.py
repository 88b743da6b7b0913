"""Widgets of the fieldpad app (imported by the app only, never by the CLI)."""
