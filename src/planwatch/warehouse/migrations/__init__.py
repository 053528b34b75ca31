"""Alembic migrations of the ``raw`` and ``audit`` schemas (see ``warehouse.migrate``)."""
