"""Alembic environment: planwatch hands it an open connection (``warehouse.migrate``)."""

from __future__ import annotations

from alembic import context

from planwatch.warehouse.tables import metadata

MANAGED_SCHEMAS = {"raw", "audit"}


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Compare only what planwatch writes: the raw and audit schemas, and in raw only
    its own tables (dbt owns the seeds raw.plans, raw.plan_*, raw.vocab_*)."""
    if type_ == "schema":
        return name in MANAGED_SCHEMAS
    if type_ == "table":
        schema = parent_names.get("schema_name")
        if name == "alembic_version":
            return False
        return f"{schema}.{name}" in metadata.tables
    return True


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table_schema="audit",
    include_schemas=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
