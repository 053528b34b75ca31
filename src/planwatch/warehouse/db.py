"""Connections to the warehouse: ``WAREHOUSE_URL`` or the embedded server.

A URL these return carries its password (the embedded server's superuser's, read
from its file): it is for connecting, and goes to child processes only in their
environment. What is shown to people is ``shown_url``: no password, and where it is.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import make_url

from planwatch.config import Settings, load_settings
from planwatch.warehouse.embedded import EmbeddedPostgres

log = logging.getLogger(__name__)


def warehouse_url(settings: Settings | None = None) -> str:
    settings = settings or load_settings()
    if settings.warehouse_url:
        return settings.warehouse_url
    server = EmbeddedPostgres(settings.state_dir)
    status = server.start()
    for change in status.changes:  # an old server upgraded: say so, once
        log.warning("embedded PostgreSQL: %s", change)
    assert status.port is not None
    return server.owner_url(status.port)


def running_warehouse_url(settings: Settings) -> str | None:
    """The warehouse URL if there is one without starting anything: ``WAREHOUSE_URL``,
    else the embedded server's if it is running (None otherwise)."""
    if settings.warehouse_url:
        return settings.warehouse_url
    server = EmbeddedPostgres(settings.state_dir)
    status = server.status()
    return server.owner_url(status.port) if status.running and status.port else None


def password_source(settings: Settings) -> str:
    """Where the owner's password is, said in words."""
    if settings.warehouse_url:
        return "password: in WAREHOUSE_URL"
    return f"password: in {EmbeddedPostgres(settings.state_dir).password_file}"


def shown_url(url: str, settings: Settings) -> str:
    """``url`` as it may be printed or logged: without its password, saying where
    that is."""
    bare = make_url(url)._replace(password=None).render_as_string(hide_password=False)
    return f"{bare} ({password_source(settings)})"
