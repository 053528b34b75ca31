"""Who recorded a period event or an evidence pack, and when: stamped by the
database, not by the client.

``planwatch period close|reopen`` wrote the event's actor ("name (db role …)")
and time in its own SQL, and ``planwatch evidence`` its pack's record with the
time it chose: any client holding the loader's login could write another actor
or a past time. Triggers now set, on every insert, whatever the client sent:

* ``period_events``: ``occurred_at`` to the server's ``clock_timestamp()`` and
  ``actor`` to the name given followed by `` (db role <session_user>)``;
* ``evidence_packs``: two new columns, ``recorded_at`` (the server's clock) and
  ``recorded_by_role`` (``session_user``); ``created_by`` and ``created_at``
  stay what the pack's manifest says. Packs recorded before this migration
  have neither (NULL: not stamped).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("evidence_packs", sa.Column("recorded_at", sa.DateTime(timezone=True)),
                  schema="audit")
    op.add_column("evidence_packs", sa.Column("recorded_by_role", sa.Text()), schema="audit")
    op.execute("""
create function audit.stamp_period_event() returns trigger
language plpgsql as $$
begin
    new.occurred_at := clock_timestamp();
    new.actor := btrim(new.actor) || ' (db role ' || session_user || ')';
    return new;
end $$;
create trigger period_events_stamped before insert on audit.period_events
    for each row execute function audit.stamp_period_event();

create function audit.stamp_evidence_pack() returns trigger
language plpgsql as $$
begin
    new.recorded_at := clock_timestamp();
    new.recorded_by_role := session_user;
    return new;
end $$;
create trigger evidence_packs_stamped before insert on audit.evidence_packs
    for each row execute function audit.stamp_evidence_pack();
""")


def downgrade() -> None:
    op.execute("""
drop trigger evidence_packs_stamped on audit.evidence_packs;
drop function audit.stamp_evidence_pack();
drop trigger period_events_stamped on audit.period_events;
drop function audit.stamp_period_event();
""")
    op.drop_column("evidence_packs", "recorded_by_role", schema="audit")
    op.drop_column("evidence_packs", "recorded_at", schema="audit")
