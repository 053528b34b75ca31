"""The plan catalog: agencies, tasks, indicators and projects from the dbt seeds."""

from planwatch.catalog.seeds import (
    Agency,
    Catalog,
    CatalogError,
    Indicator,
    Project,
    Task,
    load_catalog,
)

__all__ = [
    "Agency",
    "Catalog",
    "CatalogError",
    "Indicator",
    "Project",
    "Task",
    "load_catalog",
]
