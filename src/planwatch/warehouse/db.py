"""Connections to the warehouse: ``WAREHOUSE_URL`` or the embedded server."""

from __future__ import annotations

from planwatch.config import Settings, load_settings
from planwatch.warehouse.embedded import EmbeddedPostgres


def warehouse_url(settings: Settings | None = None) -> str:
    settings = settings or load_settings()
    if settings.warehouse_url:
        return settings.warehouse_url
    status = EmbeddedPostgres(settings.state_dir).start()
    assert status.url is not None
    return status.url


def running_warehouse_url(settings: Settings) -> str | None:
    """The warehouse URL if there is one without starting anything: ``WAREHOUSE_URL``,
    else the embedded server's if it is running (None otherwise)."""
    if settings.warehouse_url:
        return settings.warehouse_url
    status = EmbeddedPostgres(settings.state_dir).status()
    return status.url if status.running else None
