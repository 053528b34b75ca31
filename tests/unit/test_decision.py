"""The one status decision: what becomes of each submission of a file."""

from __future__ import annotations

from planwatch.quality.decision import file_status, sheet_statuses
from planwatch.vocabulary.problems import Problem

BLOCK = Problem("unknown_task_code", "block", "x")
WARN = Problem("ambiguous_number", "warn", "x")


def test_clean_sheets_are_accepted() -> None:
    assert sheet_statuses([], [[], []]) == ["accepted", "accepted"]


def test_a_warning_marks_only_its_own_sheet() -> None:
    assert sheet_statuses([], [[WARN], []]) == ["accepted_with_warnings", "accepted"]


def test_a_file_level_warning_marks_every_sheet() -> None:
    assert sheet_statuses([WARN], [[], []]) == ["accepted_with_warnings"] * 2


def test_one_blocking_problem_anywhere_rejects_the_whole_file() -> None:
    assert sheet_statuses([], [[], [BLOCK], [WARN]]) == ["rejected"] * 3
    assert sheet_statuses([BLOCK], [[], []]) == ["rejected"] * 2


def test_the_receipt_says_the_most_serious_outcome() -> None:
    assert file_status(["accepted", "rejected"]) == "rejected"
    assert file_status(["duplicate", "duplicate"]) == "duplicate"
    assert file_status(["accepted", "accepted_with_warnings"]) == "accepted_with_warnings"
    assert file_status(["accepted", "superseded"]) == "accepted"
