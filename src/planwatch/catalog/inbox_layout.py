"""Who sent a file: the inbox's folders, one per reporting unit, from the catalog.

The inbox holds a folder per issuer (a province or ministry) and in it a folder
per agency of any of its plans: ``inbox/<issuer_code>/<agency_code>/``. Agency
codes are unique only within a plan (every province has its ``SKHDT``) and
stable across an issuer's years, so the pair names one reporting unit, and its
folder serves every year. Below its folder an agency arranges files as it
likes; the period comes from the file. The folder, not the file, says who sent
it: a file whose contents name another agency is rejected
(``quality.catalog_rules``).

Beside the agencies' folders, each issuer has a shared folder, ``_chung``, for
the Department's own imports (a report received on paper or by email and put
in by its staff): a file there is taken for the agency its contents name and
recorded as a Department import. An agency code is upper case, so no agency's
folder can be ``_chung``.

A ``bien_nhan/`` folder anywhere below an agency's (or the shared) folder holds
the receipts planwatch writes back for the clerk who dropped the file; nothing
in it is ever taken as a submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from planwatch.catalog.model import Catalogs
from planwatch.vocabulary.statuses import SUBMISSION_CHANNEL_CODES

SHARED_FOLDER = "_chung"  # an issuer's folder for the Department's own imports
RECEIPTS_FOLDER = "bien_nhan"  # receipts written back beside an agency's files

# How a file came in (audit.submissions.submitted_via; vocabulary.statuses).
AGENCY_FOLDER, SHARED, OUTSIDE = SUBMISSION_CHANNEL_CODES


@dataclass(frozen=True)
class Sender:
    """What a file's place in the inbox says of who sent it."""

    issuer_code: str | None  # the issuer whose folder holds it
    agency_code: str | None  # the agency whose folder holds it (None: shared or none)
    via: str  # AGENCY_FOLDER, SHARED or OUTSIDE
    folder: str  # the inbox-relative folder that says so ("TTH/SKHDT"), or the file's own

    @property
    def folder_of_receipts(self) -> str | None:
        """Where receipts go back for the clerk: ``<sender folder>/bien_nhan``."""
        return f"{self.folder}/{RECEIPTS_FOLDER}" if self.via != OUTSIDE else None


def sender_of(inbox_path: str, catalogs: Catalogs) -> Sender:
    """The sender a file's inbox path (``TTH/SKHDT/2024/03/bao_cao.xlsx``) names:
    an agency of one of the issuer's plans, the issuer's shared folder, or neither
    (a file at the root, in a month folder of the old layout, in an unknown folder)."""
    parts = PurePosixPath(inbox_path).parts
    if len(parts) >= 3:
        issuer = catalogs.issuer_of(inbox_path)
        folder = parts[1]
        if issuer is not None:
            if folder == SHARED_FOLDER:
                return Sender(issuer, None, SHARED, f"{parts[0]}/{folder}")
            if folder in agency_codes_of(catalogs, issuer):
                return Sender(issuer, folder, AGENCY_FOLDER, f"{parts[0]}/{folder}")
    return Sender(catalogs.issuer_of(inbox_path), None, OUTSIDE,
                  str(PurePosixPath(inbox_path).parent))


def unread_agency(inbox_path: str, name_agency: str | None, catalogs: Catalogs) -> str | None:
    """The agency a file is placed under before (or without) reading it: its
    folder's, else a known agency its name gives (``InboxFile.name_hint``)."""
    sender = sender_of(inbox_path, catalogs)
    if sender.agency_code:
        return sender.agency_code
    return name_agency if name_agency in catalogs.agency_codes else None


def agency_codes_of(catalogs: Catalogs, issuer_code: str) -> frozenset[str]:
    """The agencies of any of the issuer's plans (their codes are stable across years)."""
    return frozenset(a for c in catalogs if c.plan.issuer_code == issuer_code
                     for a in c.agency_by_code)


def sender_folders(catalogs: Catalogs) -> list[str]:
    """Every folder ``planwatch init`` makes: per issuer, one per agency of any of
    its plans and the shared one, inbox-relative."""
    return sorted(f"{issuer}/{folder}" for issuer in catalogs.issuer_codes
                  for folder in (*agency_codes_of(catalogs, issuer), SHARED_FOLDER))


def agency_folder(issuer_code: str, agency_code: str) -> str:
    """An agency's folder, inbox-relative (where its files go, and the demo's)."""
    return f"{issuer_code}/{agency_code}"


def make_sender_folders(inbox: Path, catalogs: Catalogs) -> list[str]:
    """Create every sender's folder and its ``bien_nhan/`` (idempotent); returns
    the folders that were new. Folders only: access (an SFTP chroot per agency)
    is the operator's (docs/runbook.md)."""
    created = []
    for folder in sender_folders(catalogs):
        path = inbox / folder
        if not path.is_dir():
            created.append(folder)
        (path / RECEIPTS_FOLDER).mkdir(parents=True, exist_ok=True)
    return created


def is_receipts_folder(relative_folder: str) -> bool:
    """A folder named ``bien_nhan`` below an issuer's sender folder (depth three
    or more): its files are receipts, never submissions."""
    parts = PurePosixPath(relative_folder).parts
    return len(parts) >= 3 and parts[-1] == RECEIPTS_FOLDER
