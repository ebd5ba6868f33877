"""Screens of the TUI: list (home), entry editor, help, prompts."""
