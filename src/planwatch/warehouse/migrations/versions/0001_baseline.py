"""The warehouse as release 0.1.0 created it (before versioned migrations).

A warehouse that release created is stamped at this revision by ``planwatch
init`` and upgraded from here; a new warehouse runs it first. Frozen: never edit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA_0_1_0 = """
-- One row per file received, whatever became of it.
create table audit.files (
    file_sha256     text primary key,
    file_name       text not null,
    file_size       bigint not null,
    archive_path    text not null,
    first_seen_at   timestamptz not null default now()
);

-- One row per file and template it carries (a workbook with three data
-- sheets is three submissions sharing file_sha256). A file that cannot be read
-- at all is one rejected row whose template is what its name suggests, or null.
create table audit.submissions (
    submission_id   bigserial primary key,
    file_name       text not null,
    inbox_path      text not null,
    file_sha256     text not null,
    agency_code     text,
    period          text check (period ~ '^\\d{4}-\\d{2}$'),
    template        text check (template in ('tasks', 'indicators', 'disbursement')),
    received_at     timestamptz not null,
    processed_at    timestamptz not null default now(),
    status          text not null check (status in
                    ('accepted', 'accepted_with_warnings', 'rejected', 'duplicate', 'superseded')),
    version         integer,
    row_count       integer not null default 0,
    reasons         jsonb not null default '[]'::jsonb,
    sheet_name      text,
    receipt_path    text,
    duplicate_of    bigint references audit.submissions (submission_id),
    superseded_by   bigint references audit.submissions (submission_id),
    code_version    text
);
create index submissions_key_idx
    on audit.submissions (agency_code, period, template);
create index submissions_sha_idx on audit.submissions (file_sha256);

-- Every check run on a submission, failed or not: the auditors' trail.
create table audit.validation_results (
    submission_id   bigint not null references audit.submissions (submission_id),
    suite_name      text not null,
    expectation     text not null,
    column_name     text,
    severity        text not null check (severity in ('block', 'warn')),
    success         boolean not null,
    unexpected_count integer not null default 0,
    details         jsonb not null default '{}'::jsonb,
    validated_at    timestamptz not null default now()
);
create index validation_results_sub_idx on audit.validation_results (submission_id);

-- Pipeline events (ingest runs, builds) for operators.
create table audit.events (
    event_id        bigserial primary key,
    occurred_at     timestamptz not null default now(),
    kind            text not null,
    detail          jsonb not null default '{}'::jsonb
);

-- Raw rows, append-only: one per data row read, traceable to file and row.
create table raw.tasks (
    submission_id       bigint not null references audit.submissions (submission_id),
    source_row          integer not null,
    row_label           text,
    task_code           text not null,
    description_vi      text,
    status              text not null,
    status_text         text,
    percent_complete    numeric,
    completed_date      date,
    result_text         text,
    issues_text         text,
    proposals_text      text,
    extra               jsonb not null default '{}'::jsonb,
    primary key (submission_id, source_row)
);

create table raw.indicators (
    submission_id           bigint not null references audit.submissions (submission_id),
    source_row              integer not null,
    row_label               text,
    indicator_code          text not null,
    name_vi                 text,
    unit                    text,
    annual_target_text      text,
    annual_target_low       numeric,
    annual_target_high      numeric,
    month_value             numeric,
    ytd_value               numeric,
    same_period_last_year   numeric,
    full_year_estimate      numeric,
    data_status             text,
    source_text             text,
    note                    text,
    extra                   jsonb not null default '{}'::jsonb,
    primary key (submission_id, source_row)
);

create table raw.disbursement (
    submission_id           bigint not null references audit.submissions (submission_id),
    source_row              integer not null,
    row_label               text,
    project_code            text not null,
    name_vi                 text,
    investor                text,
    capital_source          text not null,
    annual_plan_vnd         bigint,
    carried_over_plan_vnd   bigint,
    month_disbursed_vnd     bigint,
    ytd_disbursed_vnd       bigint,
    reported_rate           numeric,
    issues_text             text,
    extra                   jsonb not null default '{}'::jsonb,
    primary key (submission_id, source_row)
);
"""


def upgrade() -> None:
    for schema in ("raw", "audit", "staging", "intermediate", "marts"):
        op.execute(f"create schema if not exists {schema}")
    op.execute(SCHEMA_0_1_0)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: drop the database instead")
