"""``Problem``: one thing wrong with a file, told so that a clerk can fix it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from planwatch.vocabulary.statuses import Severity

# Where a rule is checked: a Great Expectations expectation (quality.rules), a
# check against the plan catalog (quality.catalog_rules) or the parser reading
# the file (ingest.messages). dbt gets every rule code with its source as the
# seed vocab_rules (python -m planwatch.regenerate).
RuleSource = Literal["expectation", "catalog", "parser"]
RULE_SOURCES: tuple[RuleSource, ...] = ("expectation", "catalog", "parser")


@dataclass
class Problem:
    """``code`` is stable English for machines (e.g. ``unknown_task_code``);
    ``message_vi`` says what is wrong and ``fix_vi`` what to do, in Vietnamese.
    ``severity`` ``block`` rejects the submission, ``warn`` only flags it.
    ``sheet``, ``row`` (the sheet's row number), ``column``, ``value`` and
    ``expected`` say where and what; the ``earlier_*`` fields, for a rule that
    compares with an earlier month, what was reported then and in which file.
    """

    code: str
    severity: Severity
    message_vi: str
    fix_vi: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    # The row's item (task, indicator or project code), where the problem is on a row.
    item: str | None = None
    # Rules against history: the value of the latest accepted earlier report,
    # its month and the submission and file it came from.
    earlier_value: str | None = None
    earlier_period: str | None = None
    earlier_submission_id: int | None = None
    earlier_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def is_blocking(self) -> bool:
        return self.severity == "block"


# code -> (severity, message_vi, fix_vi); ``{placeholders}`` are filled from the
# fields given to ``problem_from``.
MessageTable = dict[str, tuple[Severity, str, str]]


def problem_from(table: MessageTable, code: str, *, sheet: str | None = None,
                 row: int | None = None, column: str | None = None, value: Any = None,
                 expected: str | None = None, **fields: Any) -> Problem:
    """The Problem a message table says for ``code``, its placeholders filled."""
    severity, message, fix = table[code]
    values = {"sheet": sheet, "column": column, "value": value, "expected": expected, **fields}
    return Problem(code, severity, message.format(**values), fix.format(**values), sheet=sheet,
                   row=row, column=column, value=None if value is None else str(value),
                   expected=expected)


def distinct(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, in order (a file's own problems are shared by its sheets)."""
    seen: set[int] = set()
    out = []
    for p in problems:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out
