"""Finding files in an inbox, keeping their bytes, quarantining them (no database)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from planwatch.digests import sha256_of
from planwatch.ingest.files import (
    TooLarge,
    discover,
    open_beneath,
    quarantine,
    receipt_name,
    take,
)
from planwatch.text import safe_label
from planwatch.vocabulary.problems import Problem


def test_discover_skips_links_and_orders_by_arrival(tmp_path: Path) -> None:
    (tmp_path / "2024-01").mkdir()
    late, early = tmp_path / "2024-01" / "a.xlsx", tmp_path / "2024-01" / "b.xlsx"
    late.write_bytes(b"1")
    early.write_bytes(b"2")
    os.utime(late, (2_000_000_000, 2_000_000_000))
    os.utime(early, (1_000_000_000, 1_000_000_000))
    (tmp_path / "2024-01" / "link.xlsx").symlink_to("/etc/hostname")
    files = discover(tmp_path)
    assert [f.name for f in files] == ["b.xlsx", "a.xlsx"]
    assert files[0].modified_at == datetime.fromtimestamp(1_000_000_000, tz=UTC)
    assert files[0].folder_period == "2024-01"


def test_archive_is_content_addressed_and_names_are_defused(tmp_path: Path) -> None:
    source = tmp_path / "inbox" / "2024-01" / "in.xlsx"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"bytes")
    (listed,) = discover(tmp_path / "inbox")
    sha, target = take(listed, tmp_path / "archive")
    assert sha == sha256_of(source)
    assert target == tmp_path / "archive" / sha[:2] / f"{sha}.xlsx"
    assert target.read_bytes() == b"bytes"
    assert take(listed, tmp_path / "archive") == (sha, target)  # twice: the same copy
    assert [p.name for p in (tmp_path / "archive").iterdir()] == [sha[:2]]  # no partial left
    assert safe_label("../../etc/passwd") == "passwd"
    assert "/" not in safe_label("a/../b'; drop table x;--.xlsx")
    assert safe_label("..\\..\\Báo cáo tháng 3.xlsx") == "Bao_cao_thang_3.xlsx"


def test_dot_named_submissions_are_recorded_system_files_are_not(tmp_path: Path) -> None:
    for name in (".DS_Store", "..\\..\\x.xlsx", ".hidden.csv", "a.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    assert {f.name for f in discover(tmp_path)} == {".hidden.csv", "..\\..\\x.xlsx", "a.xlsx"}


def test_partial_uploads_are_not_listed(tmp_path: Path) -> None:
    """An upload in progress (WinSCP, browsers), an open workbook's owner file and
    LibreOffice's lock are not submissions, whatever their suffix."""
    for name in ("SXD_2024-02.xlsx.filepart", "SXD_2024-02.csv.part", "~$SXD_2024-02.xlsx",
                 ".~lock.SXD_2024-02.xlsx#", "SXD_2024-02.PART", "SXD_2024-02.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    assert [f.name for f in discover(tmp_path)] == ["SXD_2024-02.xlsx"]


def test_a_file_settles_once_nothing_wrote_to_it_for_the_quiet_period(tmp_path: Path) -> None:
    path = tmp_path / "SXD_2024-02.csv"
    path.write_bytes(b"x")
    os.utime(path, (0, 0))  # a sender's old mtime does not make it settled
    (listed,) = discover(tmp_path)
    assert listed.settled(listed.ctime_ns, 0) and not listed.settled(listed.ctime_ns, 60)
    assert listed.settled(listed.ctime_ns + 60 * 10**9, 60)


def test_a_file_named_manifest_is_a_submission_like_any_other(tmp_path: Path) -> None:
    (tmp_path / "2024-01").mkdir()
    (tmp_path / "2024-01" / "manifest.json").write_bytes(b"{}")
    assert [f.name for f in discover(tmp_path)] == ["manifest.json"]


def test_quarantine_copies_the_bytes_beside_their_reasons(tmp_path: Path) -> None:
    archived = tmp_path / "archive.xlsx"
    archived.write_bytes(b"bytes")
    problem = Problem("unknown_task_code", "block", "Mã nhiệm vụ 'X' không có trong danh mục.")
    target = quarantine(archived, tmp_path / "q", "../../SDL_2024-03.xlsx", "ab" * 32,
                        period="2024-03", problems=[problem])
    assert target.parent == tmp_path / "q" / "2024-03"
    assert target.read_bytes() == b"bytes" and "/" not in target.name.removeprefix("abab")
    reasons = json.loads(target.with_name(target.name + ".reasons.json").read_text())
    assert reasons["problems"][0]["code"] == "unknown_task_code"
    unknown = quarantine(archived, tmp_path / "q", "x.xlsx", "cd" * 32, period=None, problems=[])
    assert unknown.parent.name == "unknown"


def test_receipt_names_are_unique_per_path_and_harmless() -> None:
    sha = "0123456789abcdef" * 4
    first, second = receipt_name(sha, "2024-03/a.xlsx"), receipt_name(sha, "2024-04/a.xlsx")
    assert first != second and first.startswith(sha[:16]) and "/" not in first


def test_a_file_swapped_for_a_link_after_listing_is_not_read(tmp_path: Path) -> None:
    """Listed as a file, then replaced by a link to the service's secrets (or its
    folder by a link elsewhere): opening it raises, nothing is hashed or archived."""
    inbox, secret = tmp_path / "inbox", tmp_path / "secret.env"
    secret.write_text("WAREHOUSE_URL=postgresql://owner:mat-khau@db/planwatch")
    (inbox / "2024-01").mkdir(parents=True)
    path = inbox / "2024-01" / "SXD_2024-01.csv"
    path.write_text("STT,Mã\n1,NV-1\n")
    (listed,) = discover(inbox)
    path.unlink()
    path.symlink_to(secret)
    with pytest.raises(OSError):
        take(listed, tmp_path / "archive")
    assert not (tmp_path / "archive").exists() or not any(
        b"mat-khau" in p.read_bytes() for p in (tmp_path / "archive").rglob("*") if p.is_file())
    path.unlink()
    path.write_text("STT,Mã\n1,NV-1\n")
    (listed,) = discover(inbox)
    (inbox / "2024-01").rename(inbox / "elsewhere")
    (inbox / "2024-01").symlink_to(tmp_path)  # the folder itself swapped for a link
    (tmp_path / "SXD_2024-01.csv").symlink_to(secret)
    with pytest.raises(OSError):
        listed.open()
    with pytest.raises(OSError):
        open_beneath(inbox, "../secret.env")


def test_a_file_that_grows_past_the_limit_is_refused_before_it_is_kept(tmp_path: Path) -> None:
    """Listed under the limit, grown past it before it is taken: ``take`` stops at
    the limit, from the descriptor's stat, and keeps nothing."""
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    (inbox / "2024-01").mkdir(parents=True)
    path = inbox / "2024-01" / "SDL_2024-01_nhiem_vu.csv"
    path.write_bytes(b"x" * 1000)
    (listed,) = discover(inbox)
    kept = sha256_of(path)
    assert take(listed, archive, max_bytes=1000)[0] == kept  # at the limit: kept
    with path.open("ab") as more:
        more.write(b"y")
    with pytest.raises(TooLarge) as refused:
        take(listed, archive, max_bytes=1000)
    assert refused.value.size == 1001
    assert [p.name for p in archive.rglob("*") if p.is_file()] == [f"{kept}.csv"]


def test_a_copy_of_a_file_goes_into_its_batch_after_it(tmp_path: Path) -> None:
    """Batches run side by side: the same bytes sent twice (a "gửi lại") must be
    written in the order they arrived, so the copy rides in the first's batch."""
    from planwatch.flow.ingestor import batches

    month = tmp_path / "TTH" / "SCT" / "2024-05"
    month.mkdir(parents=True)
    for n, (name, data) in enumerate([("SCT_2024-05.xlsx", b"x"), ("SCT_2024-05_nv.csv", b"y"),
                                      ("SCT_2024-05_cc.csv", b"z"),
                                      ("SCT_2024-05_gui_lai.xlsx", b"x")]):
        (month / name).write_bytes(data)
        os.utime(month / name, (1_700_000_000 + n, 1_700_000_000 + n))
    files = discover(tmp_path)
    assert [f.name for f in files][::3] == ["SCT_2024-05.xlsx", "SCT_2024-05_gui_lai.xlsx"]
    apart = batches(files, 2)
    assert [[f.name for f in b] for b in apart][1][-1] == "SCT_2024-05_gui_lai.xlsx"
    digests = {f.inbox_path: sha256_of(f.path) for f in files}
    together = [[f.name for f in b] for b in batches(files, 2, digests)]
    assert together == [["SCT_2024-05.xlsx", "SCT_2024-05_nv.csv", "SCT_2024-05_gui_lai.xlsx"],
                        ["SCT_2024-05_cc.csv"]]
