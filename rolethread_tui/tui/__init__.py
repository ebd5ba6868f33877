"""The Textual app: screens and widgets over one shared domain `Session`."""
