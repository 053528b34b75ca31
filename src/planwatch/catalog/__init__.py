"""The plan catalogs: plans, and in each its agencies, tasks, indicators and projects."""

from planwatch.catalog.model import (
    Agency,
    Catalog,
    CatalogError,
    Catalogs,
    District,
    Indicator,
    Plan,
    Project,
    Task,
)
from planwatch.catalog.seeds import load_catalog, load_catalogs

__all__ = [
    "Agency", "Catalog", "CatalogError", "Catalogs", "District", "Indicator", "Plan",
    "Project", "Task", "load_catalog", "load_catalogs",
]
