"""The one decision of what becomes of a submission, from the problems found.

Every room that shows a status (the audit row, the agency's receipt, the Data
Docs, the reports) takes it from here or from the warehouse, which stores what
this decided:

* any blocking problem anywhere in the file rejects every submission of the
  file (a workbook is never half-loaded);
* else a submission with a warning (its own or the file's) is accepted with
  warnings, and one without is accepted.

A duplicate (the same bytes received before) is decided before any check; a
superseded version is one the warehouse replaced by a newer accepted one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.statuses import (
    ACCEPTED,
    ACCEPTED_WITH_WARNINGS,
    DUPLICATE,
    REJECTED,
    SubmissionStatus,
)


def sheet_statuses(file_problems: Sequence[Problem],
                   sheet_problems: Sequence[Sequence[Problem]]) -> list[SubmissionStatus]:
    """The status of each sheet of one file (``sheet_problems`` in sheet order)."""
    blocked = any(p.is_blocking for p in file_problems) or any(
        p.is_blocking for problems in sheet_problems for p in problems)
    if blocked:
        return [REJECTED] * len(sheet_problems)
    return [ACCEPTED_WITH_WARNINGS if file_problems or problems else ACCEPTED
            for problems in sheet_problems]


# What a receipt says of a whole file, most serious first.
_FILE_ORDER: tuple[SubmissionStatus, ...] = (REJECTED, DUPLICATE, ACCEPTED_WITH_WARNINGS)


def file_status(statuses: Iterable[str]) -> str:
    """What a file's receipt says overall, from its submissions' statuses."""
    found = set(statuses)
    return next((s for s in _FILE_ORDER if s in found), ACCEPTED)
