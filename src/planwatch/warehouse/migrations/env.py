"""Alembic environment: planwatch hands it an open connection (``warehouse.migrate``)."""

from __future__ import annotations

from alembic import context

from planwatch.warehouse import tables
from planwatch.warehouse.migrate import include_name

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=tables.metadata,
    version_table_schema="audit",
    include_schemas=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
