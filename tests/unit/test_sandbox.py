"""The parse sandbox: a child process that may die or hang, never the caller."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.corpus import dimension_bomb, small_tasks_book

from planwatch.ingest.sandbox import ParseSandbox

MAX_BYTES = 10 << 20


@pytest.fixture()
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "SKHDT_2024-06.xlsx"
    path.write_bytes(small_tasks_book())
    return path


@pytest.fixture()
def bomb(tmp_path: Path) -> Path:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(dimension_bomb())
    return path


def _codes(parsed) -> list[str]:
    return [p.code for p in parsed.problems]


def test_a_child_out_of_memory_is_a_crashed_parse_and_is_replaced(workbook: Path) -> None:
    with ParseSandbox(memory_mb=1, timeout_s=60, max_bytes=MAX_BYTES) as sandbox:
        parsed = sandbox.parse(workbook, workbook.name)
        assert _codes(parsed) == ["parse_crashed"]
        assert all(p.severity == "block" for p in parsed.problems) and not parsed.sheets
        sandbox.memory_mb = 1024  # the next file gets a fresh child
        again = sandbox.parse(workbook, workbook.name)
    assert _codes(again) == [] and [s.template for s in again.sheets] == ["tasks"]


def test_a_child_too_slow_is_a_timeout_and_is_replaced(workbook: Path) -> None:
    with ParseSandbox(memory_mb=1024, timeout_s=0.001, max_bytes=MAX_BYTES) as sandbox:
        parsed = sandbox.parse(workbook, workbook.name)
        assert _codes(parsed) == ["parse_timeout"]
        assert sandbox._child is None  # killed, not left running
        sandbox.timeout_s = 60
        assert _codes(sandbox.parse(workbook, workbook.name)) == []


def test_a_dimension_bomb_is_refused_before_the_native_reader_runs(bomb: Path,
                                                                 workbook: Path) -> None:
    with ParseSandbox(memory_mb=1024, timeout_s=60, max_bytes=MAX_BYTES) as sandbox:
        parsed = sandbox.parse(bomb, bomb.name)
        child = sandbox._child
        assert _codes(parsed) == ["sheet_too_large"]
        assert "1048576" in parsed.problems[0].message_vi
        # The child did not die: the same process reads the next file.
        assert _codes(sandbox.parse(workbook, workbook.name)) == []
        assert sandbox._child is child and child is not None and child.poll() is None


def _limit_memory() -> None:
    limit = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_the_native_reader_alone_would_abort_on_the_dimension_bomb(bomb: Path) -> None:
    """Why the inspector exists: python-calamine allocates the whole used range
    (~550 GB here) and aborts the process, which no ``try`` can catch."""
    code = ("import sys; from python_calamine import CalamineWorkbook; "
            "CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name('Nhiệm vụ')")
    run = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True,
                         preexec_fn=_limit_memory, timeout=60,
                         env={**os.environ, "RUST_BACKTRACE": "0"})
    assert run.returncode != 0 and b"memory allocation" in run.stderr


def test_the_child_gets_none_of_the_services_environment(workbook: Path, monkeypatch) -> None:
    """Code that reads untrusted bytes never holds a password of the service."""
    monkeypatch.setenv("PLANWATCH_TEST_SECRET", "hunter2-mat-khau")
    with ParseSandbox(memory_mb=1024, timeout_s=60, max_bytes=MAX_BYTES) as sandbox:
        parsed = sandbox.parse(workbook, workbook.name)
        child = sandbox._child
        assert child is not None
        environ = Path(f"/proc/{child.pid}/environ").read_bytes()
    assert _codes(parsed) == [] and parsed.sheets[0].rows  # it still reads the file
    assert b"hunter2" not in environ and b"WAREHOUSE_URL" not in environ


class _PicklingChild(ParseSandbox):
    """A child subverted by a file: it replies with a pickle that would run a
    command when unpickled."""

    def __init__(self, marker: Path) -> None:
        super().__init__(memory_mb=1024, timeout_s=60, max_bytes=MAX_BYTES)
        self.marker = marker

    def _start(self) -> subprocess.Popen[bytes]:
        if self._child is None:
            code = ("import os, pickle, struct, sys\n"
                    "class Gadget:\n"
                    "    def __reduce__(self):\n"
                    f"        return (os.system, ('touch {self.marker}',))\n"
                    "sys.stdin.buffer.read(8)\n"
                    "data = pickle.dumps(Gadget())\n"
                    "sys.stdout.buffer.write(struct.pack('>Q', len(data)) + data)\n"
                    "sys.stdout.buffer.flush()\n"
                    "sys.stdin.buffer.read()\n")
            self._child = subprocess.Popen([sys.executable, "-c", code],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        return self._child


def test_a_reply_that_would_run_code_is_a_crashed_parse(workbook: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with _PicklingChild(marker) as sandbox:
        parsed = sandbox.parse(workbook, workbook.name)
    assert _codes(parsed) == ["parse_crashed"] and not marker.exists()


def test_a_parsed_file_crosses_the_pipe_as_json_with_its_types() -> None:
    from datetime import date, datetime
    from decimal import Decimal

    from planwatch.vocabulary.parsed import ParsedFile, ParsedSheet
    from planwatch.vocabulary.problems import Problem

    row = {"source_row": 7, "percent_complete": Decimal("87.50"),
           "completed_date": date(2024, 3, 1), "seen_at": datetime(2024, 3, 1, 8, 30),
           "money": 15_734_900_000_000, "note": None,
           "result_text": "Hoàn thành", "extra": {"Ghi chú thêm": "[\"decimal\", \"1\"]"}}
    parsed = ParsedFile("SXD_2024-03.xlsx", "xlsx", agency_code="SXD", period="2024-03",
                        info={"Mã đơn vị": "SXD"},
                        sheets=[ParsedSheet("tasks", "Nhiệm vụ", rows=[dict(row)],
                                            problems=[Problem("x", "warn", "m", row=7)],
                                            columns={"Tiến độ (%)": "percent_complete"})],
                        problems=[Problem("y", "block", "n")])
    again = ParsedFile.from_json(parsed.to_json())
    assert again == parsed and again.sheets[0].rows[0] == row
    assert [type(v) for v in again.sheets[0].rows[0].values()] == [type(v) for v in row.values()]
