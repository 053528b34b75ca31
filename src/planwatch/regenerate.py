"""Write every file derived from the specs and vocabularies, then check nothing drifts.

    .venv/bin/python -m planwatch.regenerate          # write
    .venv/bin/python -m planwatch.regenerate --check  # fail if a file is out of date

* the GX File Data Context's suites (``expectations/gx/``), from
  ``quality.suites``;
* the vocabulary seeds of dbt (``dbt_project/seeds/vocabulary/vocab_*.csv``),
  from ``vocabulary.statuses`` and ``vocabulary.templates``, and the rules
  (``vocab_rules.csv``) from the three message tables: ``quality.rules``,
  ``quality.catalog_rules`` and ``ingest.messages``;
* the column tables of ``docs/submission-format.md`` (between its
  ``<!-- columns:... -->`` markers), from ``vocabulary.templates``;
* ``docs/data-quality-rules.md``, every rule, from ``quality.rules``,
  ``quality.catalog_rules`` and ``ingest.messages``;
* the working-day calendar seed (``dbt_project/seeds/calendar/calendar_days.csv``),
  from the Department's file ``catalog/calendar/ngay_lam_viec.csv`` and the
  ``holidays`` package (``vocabulary.calendar``).

The tests run ``--check``'s comparison, so a spec edited without regenerating
fails them.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path

from planwatch.config import load_settings
from planwatch.ingest.messages import MESSAGES as PARSER_MESSAGES
from planwatch.quality.catalog_rules import MESSAGES as CATALOG_MESSAGES
from planwatch.quality.rules import RULES
from planwatch.vocabulary import calendar
from planwatch.vocabulary.problems import RULE_SOURCES, MessageTable
from planwatch.vocabulary.statuses import (
    CAPITAL_SOURCES,
    COMPLIANCE_STATUSES,
    DATA_STATUSES,
    INDICATOR_DIRECTIONS,
    RECEIVED_TIME_KINDS,
    SEVERITY_LABELS_VI,
    SUBMISSION_CHANNELS,
    SUBMISSION_STATUSES,
    TASK_STATUSES,
)
from planwatch.vocabulary.templates import INFO_KEYS_VI, SPECS, Field

VOCABULARY_DIR = Path("dbt_project") / "seeds" / "vocabulary"
DOCS_FILE = Path("docs") / "submission-format.md"


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["true" if v is True else "false" if v is False else v for v in row])
    return out.getvalue()


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_EXPECTATION, _CATALOG, _PARSER = RULE_SOURCES


def _rule_rows(source: str, table: MessageTable) -> list[list[object]]:
    """Rules of a message table; placeholders filled per problem are shown as …."""
    return [[code, source, severity, None, None, _PLACEHOLDER.sub("…", message)]
            for code, (severity, message, _fix) in table.items()]


def rule_rows() -> list[list[object]]:
    """Every rule a submission is checked against: code, source, severity, the
    template and GX expectation of an expectation, and what the clerk is told."""
    rows: list[list[object]] = [
        [r.code, _EXPECTATION, r.severity, template, r.expectation, r.message_vi]
        for template, rules in RULES.items() for r in rules]
    rows += _rule_rows(_CATALOG, CATALOG_MESSAGES) + _rule_rows(_PARSER, PARSER_MESSAGES)
    return rows


def vocabulary_seeds() -> dict[str, str]:
    """File name -> content of each vocabulary seed."""
    return {
        "vocab_templates.csv": _csv(
            ["template", "sheet_name_vi", "csv_suffix", "label_vi", "catalog_entity"],
            [[s.name, s.sheet_name_vi, s.csv_suffix, s.label_vi, s.catalog_entity]
             for s in SPECS.values()]),
        "vocab_task_statuses.csv": _csv(
            ["task_status", "label_vi", "is_completed", "is_late"],
            [[s.code, s.label_vi, s.is_completed, s.is_late] for s in TASK_STATUSES]),
        "vocab_data_statuses.csv": _csv(
            ["data_status", "label_vi"], [[s.code, s.label_vi] for s in DATA_STATUSES]),
        "vocab_submission_statuses.csv": _csv(
            ["submission_status", "label_vi", "is_accepted", "is_in_force"],
            [[s.code, s.label_vi, s.is_accepted, s.is_in_force] for s in SUBMISSION_STATUSES]),
        "vocab_capital_sources.csv": _csv(
            ["capital_source_code", "short_vi", "name_vi"],
            [[s.code, s.short_vi, s.name_vi] for s in CAPITAL_SOURCES]),
        "vocab_severities.csv": _csv(
            ["severity", "label_vi"], [[k, v] for k, v in SEVERITY_LABELS_VI.items()]),
        "vocab_compliance_statuses.csv": _csv(
            ["compliance_status", "label_vi"], [[s.code, s.label_vi] for s in COMPLIANCE_STATUSES]),
        "vocab_received_time_kinds.csv": _csv(
            ["received_at_kind", "label_vi"], [[k.code, k.label_vi] for k in RECEIVED_TIME_KINDS]),
        "vocab_submission_channels.csv": _csv(
            ["submitted_via", "label_vi"], [[c.code, c.label_vi] for c in SUBMISSION_CHANNELS]),
        "vocab_indicator_directions.csv": _csv(
            ["direction", "label_vi"], [[d.code, d.label_vi] for d in INDICATOR_DIRECTIONS]),
        "vocab_rules.csv": _csv(
            ["rule_code", "rule_source", "severity", "template", "expectation", "message_vi"],
            rule_rows()),
    }


_KIND_VI = {
    "label": "văn bản", "code": "mã danh mục", "text": "văn bản", "unit": "đơn vị tính",
    "status": "tình trạng (danh sách)", "data_status": "tính chất số liệu (danh sách)",
    "capital_source": "nguồn vốn", "number": "số", "percent": "số (%)",
    "money": "tiền (triệu đồng)", "date": "ngày", "target": "số, khoảng hoặc ngưỡng",
}
_KIND_EN = {
    "label": "text", "code": "catalog code", "text": "text", "unit": "unit",
    "status": "status (list)", "data_status": "data status (list)",
    "capital_source": "capital source", "number": "number", "percent": "number (%)",
    "money": "money (million VND)", "date": "date", "target": "number, range or bound",
}


def _raw(field: Field) -> str:
    return ", ".join(f"`{c.name}`" for c in field.raw_columns)


def column_tables(language: str) -> str:
    """The column tables of the submission format, one per template."""
    out = []
    for s in SPECS.values():
        if language == "vi":
            out += [f"**Sheet `{s.sheet_name_vi}`** (tệp CSV `..._{s.csv_suffix}.csv`)", "",
                    "| Tiêu đề cột | Bắt buộc | Kiểu | Nội dung |", "|---|---|---|---|"]
            out += [f"| {f.header_vi} | {'có' if f.required else ''} | {_KIND_VI[f.kind]} "
                    f"| {f.description_vi} |" for f in s.fields]
        else:
            out += [f"**Sheet `{s.sheet_name_vi}`** (template `{s.name}`, CSV "
                    f"`..._{s.csv_suffix}.csv`)", "",
                    "| header | required | kind | field → raw column | meaning |",
                    "|---|---|---|---|---|"]
            out += [f"| {f.header_vi} | {'yes' if f.required else ''} | {_KIND_EN[f.kind]} "
                    f"| `{f.name}` → {_raw(f)} | {f.description_en} |" for f in s.fields]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _replace_between(text: str, marker: str, body: str) -> str:
    """Every ``<!-- marker:start -->...<!-- marker:end -->`` span of ``text`` holds ``body``."""
    pattern = re.compile(rf"(<!-- {marker}:start -->).*?(<!-- {marker}:end -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"markers <!-- {marker}:start/end --> not found")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def _listed(items: list[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def docs_text(current: str) -> str:
    """``docs/submission-format.md`` with its generated parts brought up to date."""
    text = _replace_between(current, "columns:vi", "\n" + column_tables("vi"))
    text = _replace_between(text, "columns:en", "\n" + column_tables("en"))
    text = _replace_between(text, "statuses:vi", _listed([s.label_vi for s in TASK_STATUSES]))
    text = _replace_between(text, "data-statuses:vi",
                            _listed([s.label_vi for s in DATA_STATUSES]))
    return _replace_between(text, "info-keys", _listed(list(INFO_KEYS_VI.values())))


RULES_FILE = Path("docs") / "data-quality-rules.md"

_RULES_PREAMBLE = """\
# Data-quality rules

Generated by `python -m planwatch.regenerate` from `src/planwatch/quality/rules.py`
(the Great Expectations suites), `src/planwatch/quality/catalog_rules.py` and
`src/planwatch/ingest/messages.py`: edit there, regenerate, commit. Every
problem found is recorded in `audit.submissions.reasons` with its code, and
every expectation run in `audit.validation_results`; `marts.fct_data_quality`
has one row per rule × submission × row.

`block` rejects the submission (the whole file: a workbook is never half
loaded); `warn` accepts it with warnings. Rules across months compare a sheet
with the latest accepted earlier report of the same plan, agency and template
(`quality.history`): the year to date never falls, the months add up within
rounding, a month is not above the year to date (indicators that accumulate,
and disbursement per project × capital source), a completed task does not go
back without an explanation in its issues column, and a figure far from its
own history (a robust score on a log scale over its last
`PLANWATCH_OUTLIER_HISTORY` reports, above `PLANWATCH_OUTLIER_MAX_SCORE`) is a
warning.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_text() -> str:
    """``docs/data-quality-rules.md``: every rule, by template, then the others."""
    from planwatch.ingest import messages
    from planwatch.quality import catalog_rules
    from planwatch.quality.rules import HISTORY_RULES, RULES

    history = {r.code for rules in HISTORY_RULES.values() for r in rules}
    out = [_RULES_PREAMBLE]
    for template, rules in RULES.items():
        out += ["", f"## `{template}` (sheet `{SPECS[template].sheet_name_vi}`)", "",
                "| code | severity | across months | checks (vi) | fix (vi) | expectation |",
                "|---|---|---|---|---|---|"]
        out += [f"| `{r.code}` | {r.severity} | {'yes' if r.code in history else ''} "
                f"| {_cell(r.message_vi)} | {_cell(r.fix_vi)} | `{r.expectation}` |"
                for r in rules]
    for title, table in (("Catalog and identity rules", catalog_rules.MESSAGES),
                         ("Reading the file", messages.MESSAGES)):
        out += ["", f"## {title}", "", "| code | severity | problem (vi) | fix (vi) |",
                "|---|---|---|---|"]
        out += [f"| `{code}` | {severity} | {_cell(message)} | {_cell(fix)} |"
                for code, (severity, message, fix) in table.items()]
    return "\n".join(out) + "\n"


def derived_files(project_dir: Path) -> dict[Path, Callable[[str | None], str]]:
    """Each derived text file -> a function from its current text to what it should be."""
    files: dict[Path, Callable[[str | None], str]] = {
        project_dir / VOCABULARY_DIR / name: (lambda _old, text=text: text)
        for name, text in vocabulary_seeds().items()}
    files[project_dir / DOCS_FILE] = lambda old: docs_text(old or "")
    files[project_dir / RULES_FILE] = lambda _old: rules_text()
    files[project_dir / calendar.SEED_FILE] = lambda _old: calendar.generated_seed(project_dir)
    return files


def out_of_date(project_dir: Path) -> list[Path]:
    """The derived files that differ from what the specs give (suites included)."""
    from planwatch.quality.suites import suites_out_of_date

    stale = []
    for path, render in derived_files(project_dir).items():
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        if old != render(old):
            stale.append(path)
    return stale + suites_out_of_date(project_dir / "expectations")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    project_dir = load_settings().project_dir
    if "--check" in args:
        stale = out_of_date(project_dir)
        for path in stale:
            print(f"out of date: {path}")
        return 1 if stale else 0
    from planwatch.quality.suites import init_expectations

    for path, render in derived_files(project_dir).items():
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        new = render(old)
        if new != old:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(new, encoding="utf-8")
            print(f"written: {path}")
    init_expectations(project_dir / "expectations")
    print(f"suites written under {project_dir / 'expectations'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
