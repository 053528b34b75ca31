"""The one kind of error planwatch reports to its user without a traceback: a
problem the user can act on (a catalog to fix, a plan to name, a service to
start). The CLI prints its message and exits with status 2."""

from __future__ import annotations


class UserError(RuntimeError):
    """Something the user can put right; the message says what and how."""
