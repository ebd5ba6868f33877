"""Headless commands and the entry point; imports the session, never Textual directly."""
