"""Widgets of the TUI: they read the session and post messages, never change files."""
