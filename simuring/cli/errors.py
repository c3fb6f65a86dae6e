"""Errors the CLI reports as one line and exit status 2 (no traceback)."""


class UserError(Exception):
    """Bad input from the user: a script, a parameter, a file."""
