"""Schema ``catalog``: the plan catalogs as tables ``planwatch init`` loads.

Until now dbt loaded the plans, their agencies, tasks, indicators, projects and
districts as seeds (``raw.plans``, ``raw.plan_*``). At national scale (340
plan-years, ~87,000 rows) ``dbt seed`` took 72 s to load them again after any
change, against 0.3 s for COPY of the same rows; and a seed reload made the next
build rebuild every plan. Init now loads each plan that changed into these
tables in one transaction (``warehouse.catalog_tables``) and records it in
``audit.plan_catalog_loads``; the next build rebuilds that plan only. dbt reads
the tables as sources.

The database holds the catalog's own rules: codes unique within a plan, every
row's plan known, a lead agency, district or monitoring department in its
plan's catalog (deferred: a plan's rows arrive together), values from their
vocabularies. The seed tables are dropped (with dbt's staging views over them,
which the next build creates again, over the new tables).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SEED_TABLES = ("plans", "plan_agencies", "plan_districts", "plan_tasks", "plan_indicators",
               "plan_projects")


def _text(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _in_plan(columns: list[str], table: str, referred: list[str], name: str
             ) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["plan_code", *columns], [f"catalog.{table}.plan_code",
                                  *(f"catalog.{table}.{c}" for c in referred)],
        name=name, deferrable=True, initially="DEFERRED")


def _of_plan() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["plan_code"], ["catalog.plans.plan_code"],
                                   ondelete="CASCADE", deferrable=True, initially="DEFERRED")


def upgrade() -> None:
    op.execute("create schema if not exists catalog")
    op.create_table(
        "plans",
        _text("plan_code", False), _text("issuer_code", False), _text("issuer_name_vi", False),
        _text("issuer_kind", False), sa.Column("year", sa.Integer(), nullable=False),
        _text("decision_number"), sa.Column("decision_date", sa.Date()),
        _text("title_vi", False), _text("basis_vi"), _text("monitoring_agency_code", False),
        _text("source_document"),
        sa.PrimaryKeyConstraint("plan_code", name="plans_pkey"),
        sa.CheckConstraint("issuer_kind in ('province', 'ministry')", name="plans_issuer_kind"),
        schema="catalog",
    )
    op.create_table(
        "plan_agencies",
        _text("plan_code", False), _text("agency_code", False), _text("name_vi", False),
        _text("short_name_vi"), _text("kind"), _text("role", False), _text("section", False),
        _text("district_code"), _text("contact_name"), _text("contact_email"),
        _text("contact_phone"),
        sa.PrimaryKeyConstraint("plan_code", "agency_code", name="plan_agencies_pkey"),
        sa.CheckConstraint("role in ('lead', 'coordinator', 'receiver')",
                           name="plan_agencies_role"),
        _of_plan(),
        schema="catalog",
    )
    op.create_table(
        "plan_districts",
        _text("plan_code", False), _text("district_code", False), _text("name_vi", False),
        _text("kind"), _text("agency_code"), _text("section", False),
        sa.PrimaryKeyConstraint("plan_code", "district_code", name="plan_districts_pkey"),
        _of_plan(),
        _in_plan(["agency_code"], "plan_agencies", ["agency_code"],
                 "plan_districts_agency_in_plan"),
        schema="catalog",
    )
    op.create_foreign_key(
        "plan_agencies_district_in_plan", "plan_agencies", "plan_districts",
        ["plan_code", "district_code"], ["plan_code", "district_code"],
        source_schema="catalog", referent_schema="catalog", deferrable=True,
        initially="DEFERRED")
    op.create_foreign_key(
        "plans_monitoring_agency_in_plan", "plans", "plan_agencies",
        ["plan_code", "monitoring_agency_code"], ["plan_code", "agency_code"],
        source_schema="catalog", referent_schema="catalog", deferrable=True,
        initially="DEFERRED")
    op.create_table(
        "plan_tasks",
        _text("plan_code", False), _text("task_code", False), _text("lead_agency_code", False),
        _text("section", False), _text("description_vi", False), _text("deadline_text"),
        sa.Column("is_key_task", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("plan_code", "task_code", name="plan_tasks_pkey"),
        _of_plan(),
        _in_plan(["lead_agency_code"], "plan_agencies", ["agency_code"],
                 "plan_tasks_lead_in_plan"),
        schema="catalog",
    )
    op.create_table(
        "plan_indicators",
        _text("plan_code", False), _text("indicator_code", False), _text("name_vi", False),
        _text("unit", False), sa.Column("target_low", sa.Numeric()),
        sa.Column("target_high", sa.Numeric()), sa.Column("target_tolerance", sa.Numeric()),
        _text("direction", False), _text("lead_agency_code", False), _text("section", False),
        _text("target_text"),
        sa.PrimaryKeyConstraint("plan_code", "indicator_code", name="plan_indicators_pkey"),
        sa.CheckConstraint(
            "direction in ('higher_is_better', 'lower_is_better', 'within_range')",
            name="plan_indicators_direction"),
        _of_plan(),
        _in_plan(["lead_agency_code"], "plan_agencies", ["agency_code"],
                 "plan_indicators_lead_in_plan"),
        schema="catalog",
    )
    op.create_table(
        "plan_projects",
        _text("plan_code", False), _text("project_code", False), _text("name_vi", False),
        _text("lead_agency_code", False), sa.Column("is_key_project", sa.Boolean(),
                                                    nullable=False),
        _text("funding", False), _text("section", False), _text("district_code"),
        sa.PrimaryKeyConstraint("plan_code", "project_code", name="plan_projects_pkey"),
        sa.CheckConstraint("funding in ('public', 'private')", name="plan_projects_funding"),
        _of_plan(),
        _in_plan(["lead_agency_code"], "plan_agencies", ["agency_code"],
                 "plan_projects_lead_in_plan"),
        _in_plan(["district_code"], "plan_districts", ["district_code"],
                 "plan_projects_district_in_plan"),
        schema="catalog",
    )
    op.create_table(
        "plan_catalog_loads",
        sa.Column("load_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        _text("plan_code", False),
        _text("action", False),
        _text("rows_sha256"),
        sa.Column("row_counts", JSONB(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.CheckConstraint("action in ('loaded', 'removed')", name="plan_catalog_loads_action"),
        schema="audit",
    )
    op.create_index("plan_catalog_loads_plan", "plan_catalog_loads", ["plan_code", "load_id"],
                    schema="audit")
    for table in SEED_TABLES:
        op.execute(f"drop table if exists raw.{table} cascade")


def downgrade() -> None:
    op.drop_table("plan_catalog_loads", schema="audit")
    op.execute("drop schema catalog cascade")
