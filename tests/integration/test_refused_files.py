"""A file above the size limit is refused from its ``stat``, never read
(``flow.ingestor``, ``warehouse.refusals``).

Reading a huge file to hash it, then copying it to the archive and quarantine,
lets a few uploads fill the disk and hold the workers. The file is refused
before it is opened: no hash, no copy, a receipt saying why in Vietnamese, and
a record that lets the next poll skip it without reading it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import psycopg
import pytest
from fixtures.inbox import agency_path

from planwatch.flow.ingestor import Ingestor
from planwatch.flow.pending import pending_files
from planwatch.ingest.files import InboxFile, discover
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration
NAME = "SDL_2024-03_nhiem_vu.csv"


@pytest.fixture
def never_opened(monkeypatch) -> list[str]:
    """Every file planwatch opens beneath the inbox (to hash or take it), recorded."""
    opened: list[str] = []
    real = InboxFile.open

    def recording(self):
        opened.append(self.name)
        return real(self)

    monkeypatch.setattr(InboxFile, "open", recording)
    return opened


def test_a_file_above_the_limit_is_refused_unread_and_skipped_after(
        initialised_warehouse, never_opened) -> None:
    settings, url = initialised_warehouse("refused")
    settings = dataclasses.replace(settings, max_file_mb=1)
    loader = role_url(settings, url, "loader")
    path = agency_path(settings.inbox_dir, "TTH", "SDL", "2024-03", NAME)
    path.write_bytes(b"STT;Ma nhiem vu\n" + b"1;X\n" * 300_000)  # 1.1 MB

    report = Ingestor(settings, loader).ingest_inbox(settings.inbox_dir, progress=False)

    assert (report.files, dict(report.statuses)) == (1, {"rejected": 1})
    assert never_opened == []  # not hashed, not copied: refused from stat
    assert not settings.archive_dir.exists() or not any(settings.archive_dir.rglob("*.csv"))
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from audit.submissions").fetchone() == (0,)
        assert conn.execute("select count(*) from audit.inbox_index").fetchone() == (0,)
        agency, period, size, receipt = conn.execute(
            "select agency_code, period, file_size, receipt_path from audit.refused_files"
        ).fetchone()
    assert (agency, period, size) == ("SDL", "2024-03", path.stat().st_size)
    said = json.loads((settings.home / receipt).with_suffix(".json").read_text(encoding="utf-8"))
    assert said["status"] == "rejected" and said["refused_unread"] and said["file_sha256"] is None
    assert said["problems"][0]["code"] == "file_too_large"
    page = (settings.home / receipt).read_text(encoding="utf-8")
    assert "Tệp quá lớn (1,1 MB; tối đa 1 MB)" in page
    back = settings.inbox_dir / "TTH" / "SDL" / "bien_nhan" / Path(receipt).name
    assert back.read_text(encoding="utf-8") == page  # back where the clerk dropped it

    # The next poll skips it, reading nothing; a changed file is looked at anew.
    with psycopg.connect(loader) as conn:
        assert pending_files(conn, discover(settings.inbox_dir), max_bytes=2**20) == []
        with path.open("ab") as more:
            more.write(b"2;Y\n")
        assert [f.name for f in pending_files(conn, discover(settings.inbox_dir),
                                              max_bytes=2**20)] == [NAME]
    assert never_opened == []
    again = Ingestor(settings, loader).ingest_inbox(settings.inbox_dir, progress=False)
    assert again.files == 1
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from audit.refused_files").fetchone() == (2,)
