"""A file above the size limit, refused before it is read (``warehouse.refusals``).

The ingest refuses it from its ``stat`` (or from its descriptor's, when it grew
after it was listed): nothing is hashed, archived or quarantined. The refusal is
recorded with that stat, so that a later poll skips the file unread, and its
receipt says why, in the receipts folder and back in the sender's folder.
"""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg

from planwatch.catalog import Catalogs
from planwatch.catalog.inbox_layout import sender_of, unread_agency
from planwatch.config import Settings
from planwatch.flow.arrival import arrived_when
from planwatch.ingest.files import InboxFile, refusal_receipt_name
from planwatch.ingest.messages import too_large
from planwatch.reporting.receipts import write_back, write_refusal_receipt
from planwatch.warehouse.refusals import Refusal, record_refusal

log = logging.getLogger(__name__)


def refuse(conn: psycopg.Connection, file: InboxFile, size: int, *, settings: Settings,
           catalogs: Catalogs) -> bool:
    """Refuse ``file`` (``size`` bytes) unread; False if it was refused already.
    Commits."""
    sender = sender_of(file.inbox_path, catalogs)
    agency = unread_agency(file.inbox_path, file.name_hint[0], catalogs)
    period = file.period_hint
    plans = catalogs.plans_for(agency, period, sender.issuer_code) if agency and period else ()
    receipt = settings.receipts_dir / refusal_receipt_name(file, size)
    refusal = Refusal(
        inbox_path=file.inbox_path, file_name=file.name, stat_key=file.stat_key,
        agency_code=agency, period=period, received_at=arrived_when(file, None).received_at,
        file_modified_at=file.modified_at, receipt_path=str(receipt.relative_to(settings.home)),
        problems=(too_large(size, settings.max_file_bytes),))
    with conn.transaction():
        if not record_refusal(conn, refusal):
            return False
        name = plans[0].agency_by_code[agency].name_vi if len(plans) == 1 else None
        write_refusal_receipt(receipt, refusal, name, timezone=settings.timezone)
    conn.commit()
    log.warning("refused unread (%d bytes, above the limit): %s", size, file.inbox_path)
    write_receipt_back(receipt, file, sender.folder_of_receipts)
    return True


def write_receipt_back(receipt: Path, file: InboxFile, folder: str | None) -> None:
    """The receipt, also in the sender's ``bien_nhan/`` (after the commit: the
    receipts folder's copy is the record; a copy lost to a crash here is only a
    convenience lost). A folder that refuses it (swapped for a link) is logged."""
    if folder is None or file.inbox_root is None:
        return
    try:
        write_back(receipt, file.inbox_root, folder)
    except OSError as exc:
        log.warning("receipt of %s not written back to %s: %s", file.inbox_path, folder, exc)
