"""Finding pending files in an inbox and keeping their exact bytes.

A file's name comes from outside: it is only ever used as text (in the audit
tables as a bound parameter, in receipts escaped). What planwatch writes is
named by the file's SHA-256, so a name like ``../../etc/passwd`` goes nowhere.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from planwatch.catalog.inbox_layout import is_receipts_folder
from planwatch.text import safe_label
from planwatch.vocabulary.parsed import FILE_KINDS
from planwatch.vocabulary.problems import Problem

ACCEPTED_SUFFIXES = {f".{kind}" for kind in FILE_KINDS}
PERIOD_DIR = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
NAME_HINT = re.compile(
    r"^(?P<agency>[A-Za-z0-9]+(?:_[A-Za-z]+)*?)_(?P<period>\d{4}-\d{2})(?:_|\.|$)"
)


@dataclass(frozen=True)
class InboxFile:
    path: Path
    inbox_path: str  # relative to the inbox, POSIX form: the file's identity there
    name: str
    size: int
    # The file's own modification time: what its sender says (``touch``, ``sftp
    # put -p`` and zip tools set it), kept as information; a received time only in
    # an operator's import of old files (``flow.arrival``).
    modified_at: datetime
    # What else stat said when the file was listed: with ``size``, the file's
    # identity for the poll's index (``stat_key``). ctime is the kernel's (any
    # write or rename sets it); a sender can set mtime, not ctime.
    mtime_ns: int = 0
    ctime_ns: int = 0
    inode: int = 0

    @property
    def changed_at(self) -> datetime:
        """When the file was last written, by the server's clock (its ctime: the
        kernel sets it on every write, rename or change of times, and no sender
        can set it back)."""
        return datetime.fromtimestamp(self.ctime_ns / 1e9, tz=UTC)

    @property
    def stat_key(self) -> tuple[int, int, int, int]:
        """(size, mtime, ctime, inode): unchanged, the file's bytes are too."""
        return self.size, self.mtime_ns, self.ctime_ns, self.inode

    def settled(self, now_ns: int, quiet_s: float) -> bool:
        """Nothing has written to the file for ``quiet_s``: its ctime (set by the
        kernel on every write, unlike the mtime a sender sets) is that old."""
        return self.ctime_ns <= now_ns - int(quiet_s * 1e9)

    # The inbox it was listed in (``discover``); None: a file handed over otherwise.
    inbox_root: Path | None = None

    def open(self) -> BinaryIO:
        """The file for reading, following no link below its inbox (``open_beneath``;
        a file handed over otherwise: no link as its last component)."""
        if self.inbox_root is None:
            return open_beneath(self.path.parent, self.path.name)
        return open_beneath(self.inbox_root, self.inbox_path)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def folder_period(self) -> str | None:
        """The reporting period named by the file's folder (``inbox/2024-03/...``)."""
        parent = Path(self.inbox_path).parent.name
        return parent if PERIOD_DIR.match(parent) else None

    @property
    def period_hint(self) -> str | None:
        """The month its folder or name gives, before the file is read (its contents
        decide): how a run for some months finds their files among every agency's."""
        return self.folder_period or self.name_hint[1]

    @property
    def name_hint(self) -> tuple[str | None, str | None]:
        """Agency and period as the file name states them, if it follows the rule."""
        match = NAME_HINT.match(self.name)
        if not match:
            return None, None
        return match.group("agency").upper(), match.group("period")


def discover(inbox: Path) -> list[InboxFile]:
    """Every regular file under ``inbox`` (links are not followed), oldest first.

    One directory read and one ``lstat`` per file: the service lists the whole
    inbox, which only grows, on every poll. A ``bien_nhan/`` folder below a
    sender's folder holds the receipts written back there: it is not listed."""
    root = inbox.resolve()
    found: list[InboxFile] = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if not is_receipts_folder(f"{prefix}{entry.name}"):
                        walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file(follow_symlinks=False) and not _system_file(entry.name):
                    found.append(_inbox_file(Path(entry.path), f"{prefix}{entry.name}",
                                             entry.stat(follow_symlinks=False), root))

    if root.is_dir():
        walk(str(root), "")
    found.sort(key=lambda f: (f.modified_at, f.inbox_path))
    return found


# Names of files still being written: an SFTP or browser upload in progress
# (WinSCP's ``.filepart``, ``.part``), an open workbook's owner file (``~$``) and
# LibreOffice's lock (``.~lock.…#``). Never a submission, whatever their suffix.
PARTIAL_UPLOADS = ("*.filepart", "*.part", "~$*", ".~lock*")


def _system_file(name: str) -> bool:
    """Dot files (``.DS_Store``) are the system's, not an agency's, and partial
    uploads are not yet anything; a dot-named workbook or CSV (``..\\x.xlsx``) is
    still a submission to record."""
    if any(fnmatch.fnmatch(name.lower(), pattern) for pattern in PARTIAL_UPLOADS):
        return True
    return name.startswith(".") and Path(name).suffix.lower() not in ACCEPTED_SUFFIXES


def discover_one(path: Path, inbox: Path) -> InboxFile:
    """One file as ``discover`` would list it; it must lie inside the inbox."""
    root = inbox.resolve()
    resolved = path.resolve()
    if path.is_symlink() or not resolved.is_relative_to(root) or not resolved.is_file():
        raise ValueError(f"not a file inside the inbox: {path}")
    return _inbox_file(resolved, resolved.relative_to(root).as_posix(), resolved.stat(), root)


def _inbox_file(path: Path, inbox_path: str, info: os.stat_result, root: Path) -> InboxFile:
    return InboxFile(
        path=path,
        inbox_path=inbox_path,
        name=path.name,
        size=info.st_size,
        modified_at=datetime.fromtimestamp(info.st_mtime, tz=UTC),
        mtime_ns=info.st_mtime_ns,
        ctime_ns=info.st_ctime_ns,
        inode=info.st_ino,
        inbox_root=root,
    )


def open_beneath(root: Path, relative: str) -> BinaryIO:
    """``root/relative`` opened for reading, following no link at any level below
    ``root`` (each folder opened from its parent's descriptor with O_NOFOLLOW):
    a file swapped for a link after it was listed (to the service's secrets, say)
    raises OSError instead of being read. Only a regular file is opened."""
    parts = PurePosixPath(relative).parts
    if not parts or any(part in ("", ".", "..") for part in parts):
        raise OSError(f"not a path beneath the inbox: {relative!r}")
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            below = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = below
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO or a device would block or lie
        os.close(fd)
        raise OSError(f"not a regular file: {relative!r}")
    return os.fdopen(fd, "rb")


class TooLarge(Exception):
    """A file above the size limit: refused before it is read (``take``)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


def take(file: InboxFile, archive_dir: Path, max_bytes: int | None = None) -> tuple[str, Path]:
    """The file's bytes, read once from one descriptor (``open_beneath``), hashed
    and copied to ``archive/<aa>/<sha256><suffix>`` as they are read; its SHA-256
    and archived path. Everything after (parse, quarantine, evidence) reads the
    archived copy, so what is hashed is what is parsed. A file above
    ``max_bytes`` (by the descriptor's stat, or by what it yields while it grows)
    raises ``TooLarge`` before more than that is read, and nothing is kept."""
    suffix = file.suffix if file.suffix in ACCEPTED_SUFFIXES else ".bin"
    archive_dir.mkdir(parents=True, exist_ok=True)
    partial = archive_dir / f".incoming-{os.getpid()}-{uuid.uuid4().hex}{suffix}"
    digest = hashlib.sha256()
    limit = max_bytes if max_bytes is not None else float("inf")
    try:
        with file.open() as source:
            if (size := os.fstat(source.fileno()).st_size) > limit:
                raise TooLarge(size)
            with partial.open("wb") as copy:
                read = 0
                for block in iter(lambda: source.read(1 << 20), b""):
                    read += len(block)
                    if read > limit:
                        raise TooLarge(read)
                    digest.update(block)
                    copy.write(block)
        sha256 = digest.hexdigest()
        target = archive_dir / sha256[:2] / f"{sha256}{suffix}"
        if target.exists():
            partial.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return sha256, target


def receipt_name(sha256: str, inbox_path: str) -> str:
    """The receipt's file name: one per file received, by hash and inbox path."""
    return f"{sha256[:16]}_{safe_label(inbox_path.replace('/', '_'))}.html"


def refusal_receipt_name(file: InboxFile, size: int) -> str:
    """The receipt's file name of a file refused unread: by its size and times."""
    return (f"tu-choi_{size}_{file.ctime_ns}_"
            f"{safe_label(file.inbox_path.replace('/', '_'))}.html")


def quarantine(archived: Path, quarantine_dir: Path, file_name: str, sha256: str, *,
               period: str | None, problems: Iterable[Problem]) -> Path:
    """A copy of a rejected file beside a JSON of its reasons, for clerks:
    ``quarantine/<YYYY-MM or unknown>/<sha>_<name>`` (idempotent)."""
    folder = quarantine_dir / (period or "unknown")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256[:12]}_{safe_label(file_name)}"
    shutil.copyfile(archived, target)
    target.with_name(target.name + ".reasons.json").write_text(
        json.dumps({"file_name": file_name, "file_sha256": sha256,
                    "problems": [p.to_dict() for p in problems]},
                   ensure_ascii=False, indent=2), encoding="utf-8")
    return target
