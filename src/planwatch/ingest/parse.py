"""An agency's file -> ``ParsedFile``: identity, data rows, problems.

Runs inside the parse sandbox (``sandbox.py``): it reads untrusted bytes.
Steps: read the workbook or CSV (``readers``), find the ``Thông tin`` sheet
and the data sheets by name, each sheet's header by content (``columns``),
sort its rows into data, subtotal and heading rows, decide how the file
writes numbers, then read every cell by its column's kind (``cells``).
Nothing here knows the plan catalog: codes are checked afterwards.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planwatch.ingest.cells import CellReader, as_text, parse_target
from planwatch.ingest.columns import HeaderMatch, find_header
from planwatch.ingest.messages import CONTENT_VI, problem, too_large
from planwatch.ingest.numbers import (
    DEFAULT_CONVENTION,
    Convention,
    majority,
    money_unit_in,
    period_in_text,
    text_convention,
)
from planwatch.ingest.readers import WORKBOOK_READERS, RawBook, RawSheet, read_csv
from planwatch.ingest.xlsx_inspect import DEFAULT_LIMITS, Limits, UnreadableFile
from planwatch.text import fold
from planwatch.vocabulary.parsed import ParsedFile, ParsedSheet, file_kind
from planwatch.vocabulary.periods import mm_yyyy
from planwatch.vocabulary.statuses import capital_source_code, data_status_code, task_status_code
from planwatch.vocabulary.templates import (
    INFO_KEYS_VI,
    INFO_SHEET_VI,
    NUMERIC_KINDS,
    TEMPLATES,
    TEXT_KINDS,
    VALUE_KINDS,
    Template,
    spec,
)

INFO_FIELDS = {fold(key): name for name, key in INFO_KEYS_VI.items()}


def compact(name: str) -> str:
    return fold(name).replace(" ", "")


INFO_KEY = compact(INFO_SHEET_VI)
SHEET_KEYS: dict[str, Template] = {compact(spec(t).sheet_name_vi): t for t in TEMPLATES}
_SUBTOTAL = re.compile(r"^(tong cong|tong so|trong do|cong|tong)\b")
_COLUMN_NUMBERS = re.compile(r"^\(?\d{1,2}\)?$|^\(?[a-z]\)?$")


@dataclass
class SheetDraft:
    """A data sheet after its header is found, before its cells are read."""

    template: Template
    raw: RawSheet
    header: HeaderMatch
    data_rows: list[int] = field(default_factory=list)  # 0-based sheet rows
    skipped_rows: int = 0  # subtotal rows left out
    money_unit: str | None = None  # from a note above the header
    stated_period: str | None = None


def parse_file(path: Path, file_name: str, *, max_bytes: int,
               limits: Limits = DEFAULT_LIMITS) -> ParsedFile:
    kind = file_kind(file_name)
    parsed = ParsedFile(file_name, kind or "xlsx")
    size = path.stat().st_size
    if size == 0:
        parsed.problems.append(problem("empty_file"))
        return parsed
    if size > max_bytes:
        parsed.problems.append(too_large(size, max_bytes))
        return parsed
    if kind is None:
        suffix = Path(file_name).suffix.lower()
        parsed.problems.append(problem("unsupported_file_type", suffix=suffix or "(không có)"))
        return parsed
    try:
        if kind == "csv":
            book = read_csv(path, csv_template(file_name) or "csv", max_bytes)
        else:
            book = WORKBOOK_READERS[f".{kind}"](path, limits)
    except UnreadableFile as exc:
        sheet = exc.detail.split(":")[0] if exc.code == "sheet_too_large" else None
        parsed.problems.append(problem(exc.code, sheet=sheet, detail=exc.detail,
                                       content=CONTENT_VI.get(exc.detail, CONTENT_VI["other"])))
        return parsed
    if book.legacy_encoding:
        parsed.problems.append(problem("legacy_encoding",
                                       encoding=book.legacy_encoding.upper()))
    drafts = _csv_drafts(book, parsed) if book.kind == "csv" else _workbook_drafts(book, parsed)
    _check_stated_periods(drafts, parsed)
    conventions, decided = _decide_conventions(drafts)
    for draft in drafts:
        parsed.sheets.append(_read_sheet(draft, conventions[draft.template],
                                         decided[draft.template]))
    return parsed


# -- finding the sheets --------------------------------------------------------


def _workbook_drafts(book: RawBook, parsed: ParsedFile) -> list[SheetDraft]:
    chosen: dict[Template, RawSheet] = {}
    for sheet in book.sheets:
        key = compact(sheet.name)
        template = next((t for k, t in SHEET_KEYS.items() if k in key), None)
        if INFO_KEY in key and not sheet.hidden:
            _read_info(sheet, parsed)
        elif template and sheet.hidden:
            parsed.problems.append(problem("hidden_sheet_ignored", sheet=sheet.name))
        elif template and template in chosen:
            parsed.problems.append(problem("duplicate_sheet", sheet=sheet.name,
                                           template_vi=spec(template).sheet_name_vi,
                                           used=chosen[template].name))
        elif template:
            chosen[template] = sheet
        elif not sheet.hidden and any(v is not None for row in sheet.rows for v in row):
            parsed.problems.append(problem("sheet_ignored", sheet=sheet.name))
    if not chosen:
        parsed.problems.append(problem("no_data_sheet"))
    drafts = []
    for template in TEMPLATES:
        if template in chosen:
            draft = _draft(template, chosen[template], parsed)
            if draft:
                drafts.append(draft)
    return drafts


def csv_template(file_name: str) -> Template | None:
    """The template a CSV file's name says (``..._nhiem_vu.csv`` -> tasks), if any."""
    stem = fold(Path(file_name).stem).replace(" ", "")
    for template in TEMPLATES:
        if stem.endswith(spec(template).csv_suffix.replace("_", "")):
            return template
    return None


def _csv_drafts(book: RawBook, parsed: ParsedFile) -> list[SheetDraft]:
    sheet = book.sheets[0]
    template = csv_template(parsed.file_name)
    if template is None:  # not named by the rule: the header says which template
        found = [(len(m.columns), t) for t in TEMPLATES if (m := find_header(t, sheet.rows, []))]
        template = max(found)[1] if found else None
    if template is None:
        parsed.problems.append(problem("unknown_csv_template"))
        return []
    sheet.name = spec(template).sheet_name_vi
    draft = _draft(template, sheet, parsed)
    return [draft] if draft else []


def _read_info(sheet: RawSheet, parsed: ParsedFile) -> None:
    """Key/value rows: the first two non-empty cells of each row."""
    for row in sheet.rows:
        cells = [v for v in row if v is not None]
        if len(cells) < 2:
            continue
        key = INFO_FIELDS.get(fold(str(cells[0])))
        if key is None:
            continue
        parsed.info[key] = as_text(cells[1]) or ""
        if key == "period":
            parsed.period = period_in_text(cells[1])
        elif key in ("agency_code", "plan_code"):
            setattr(parsed, key, parsed.info[key].upper() or None)


def _draft(template: Template, sheet: RawSheet, parsed: ParsedFile) -> SheetDraft | None:
    header = find_header(template, sheet.rows, sheet.merges, sheet.hidden_columns)
    code_header = spec(template).code_field.header_vi
    if header is None:
        parsed.problems.append(problem("header_not_found", sheet=sheet.name,
                                       code_header=code_header))
        return None
    draft = SheetDraft(template, sheet, header)
    for column in header.missing_required(template):
        parsed.problems.append(problem("missing_required_column", sheet=sheet.name,
                                       column=column.header_vi))
    for index in header.duplicates:
        parsed.problems.append(problem("duplicate_column", sheet=sheet.name,
                                       column=header.headers[index]))
    for row in sheet.rows[: header.first_row]:
        for value in row:
            text = as_text(value) or ""
            folded = fold(text)
            if ("don vi tinh" in folded or folded.startswith("dvt")) and money_unit_in(text):
                draft.money_unit = money_unit_in(text)
            if "ky bao cao" in folded or folded.startswith("thang "):
                draft.stated_period = draft.stated_period or period_in_text(text)
    _fill_merged_down(sheet, header)
    _sort_rows(draft)
    return draft  # read even with a column missing: every problem is reported at once


def _fill_merged_down(sheet: RawSheet, header: HeaderMatch) -> None:
    """A code or text merged down over several data rows (one project, two capital
    sources) belongs to each of them. Numbers are not copied: they would count twice."""
    kinds = {i: c.kind for i, c in header.columns.items()}
    for (top, col), (bottom, _) in sheet.merges:
        if top <= header.last_row or kinds.get(col) not in TEXT_KINDS:
            continue
        value = sheet.rows[top][col] if col < len(sheet.rows[top]) else None
        for r in range(top + 1, min(bottom, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            row.extend([None] * (col + 1 - len(row)))
            row[col] = value if row[col] is None else row[col]


def _sort_rows(draft: SheetDraft) -> None:
    """Data rows in; empty, heading and subtotal rows out.

    A subtotal row is labelled ``Tổng cộng``, ``Tổng số``, ``Trong đó``... and has
    no code; the unnumbered lines without a code right under it (``- Vốn NSTW``)
    detail it and are left out with it.
    """
    rows, header = draft.raw.rows, draft.header
    start = header.last_row + 1
    if start < len(rows) and _is_column_numbers(rows[start]):
        start += 1
    by_field = {c.name: i for i, c in header.columns.items()}
    code_col = next(i for i, c in header.columns.items() if c.kind == "code")
    label_col = by_field.get("row_label")
    name_cols = [by_field[f] for f in ("row_label", "name_vi", "description_vi")
                 if f in by_field]
    value_cols = [i for i, c in header.columns.items() if c.kind in VALUE_KINDS]
    under_subtotal = False
    for r in range(start, len(rows)):
        row = rows[r]

        def cell(i: int | None, row: list[Any] = row) -> Any:
            return row[i] if i is not None and i < len(row) else None

        if row.count(None) == len(row):  # every cell empty
            continue
        code = fold(str(cell(code_col) or ""))
        if not code or _SUBTOTAL.match(code):  # "Tổng cộng" may sit in the code column
            labels = [fold(str(cell(i))) for i in (code_col, *name_cols) if cell(i) is not None]
            has_values = any(cell(i) is not None for i in value_cols)
            names = [as_text(cell(i)) or "" for i in name_cols if i != label_col]
            if any(_SUBTOTAL.match(text) for text in labels) or (
                    under_subtotal and _details_a_subtotal(cell(label_col), names,
                                                           label_col is not None)):
                draft.skipped_rows += has_values
                under_subtotal = True
                continue
            under_subtotal = False
            if not has_values:
                continue  # a heading ("I", "Dự án trọng điểm") or an unfilled line
        under_subtotal = False
        draft.data_rows.append(r)


_BULLET = re.compile(r"^[-+*•·–—]")


def _details_a_subtotal(label: Any, names: list[str], has_label_column: bool) -> bool:
    """A line without a number of its own: the STT empty or a bullet (``-``), or,
    in a sheet without an STT column, its name starting with a bullet."""
    text = as_text(label)
    if text:
        return bool(_BULLET.match(text))
    return has_label_column or any(_BULLET.match(n) for n in names)


def _is_column_numbers(row: list[Any]) -> bool:
    """The ``(1) (2) (3)`` row some agencies put under the header."""
    cells = [as_text(v) or "" for v in row if v is not None]
    return len(cells) >= 3 and all(_COLUMN_NUMBERS.match(fold(c) or c) for c in cells)


def _check_stated_periods(drafts: list[SheetDraft], parsed: ParsedFile) -> None:
    for draft in drafts:
        stated = draft.stated_period
        if stated and parsed.period and stated != parsed.period:
            parsed.problems.append(problem(
                "period_mismatch_in_sheet", sheet=draft.raw.name, value=mm_yyyy(stated),
                expected=mm_yyyy(parsed.period)))
        parsed.period = parsed.period or stated



# -- numbers: one convention per column, else per file ------------------------


def _decide_conventions(drafts: list[SheetDraft]
                        ) -> tuple[dict[str, dict[str, Convention]], dict[str, dict[str, bool]]]:
    evidence: dict[tuple[str, str], list[Convention | None]] = defaultdict(list)
    for draft in drafts:
        for col, column in draft.header.columns.items():
            if column.kind not in NUMERIC_KINDS and column.kind != "target":
                continue
            for r in draft.data_rows:
                row = draft.raw.rows[r]
                value = row[col] if col < len(row) else None
                if isinstance(value, str):
                    evidence[(draft.template, column.name)].append(text_convention(value))
    file_level = majority(c for found in evidence.values() for c in found)
    conventions: dict[str, dict[str, Convention]] = defaultdict(dict)
    decided: dict[str, dict[str, bool]] = defaultdict(dict)
    for (template, name), found in evidence.items():
        own = majority(found)
        conventions[template][name] = own or file_level or DEFAULT_CONVENTION
        decided[template][name] = bool(own or file_level)
    return conventions, decided


# -- reading the cells -----------------------------------------------------------

def _read_sheet(draft: SheetDraft, conventions: dict[str, Convention],
                decided: dict[str, bool]) -> ParsedSheet:
    header, raw = draft.header, draft.raw
    reader = CellReader(raw.name, conventions, decided)
    for index, column in header.columns.items():
        if column.kind == "money":
            reader.money_units[column.name] = (money_unit_in(header.headers[index])
                                                or draft.money_unit or "trieu dong")
    extras = {i: text for i, text in header.headers.items()
              if i not in header.columns and i not in header.duplicates}
    sheet = ParsedSheet(draft.template, raw.name,
                        columns={header.headers[i]: c.name for i, c in header.columns.items()})
    sheet.skipped_rows = draft.skipped_rows
    unit_col = next((i for i, c in header.columns.items() if c.kind == "unit"), None)
    columns = list(header.columns.items())
    percent_cells = raw.percent_cells
    to_raw = RawRowWriter(draft.template)
    for r in draft.data_rows:
        cells = raw.rows[r]
        width = len(cells)
        unit = (as_text(cells[unit_col]) if unit_col is not None and unit_col < width
                else None)
        values: dict[str, Any] = {}
        for i, column in columns:
            value = cells[i] if i < width else None
            if column.kind == "target":
                values[column.name] = parse_target(value, conventions.get(column.name, "vi"))
            else:
                values[column.name] = reader.read(column, value, r + 1,
                                                   (r, i) in percent_cells, unit)
        extra = {text: found for i, text in extras.items()
                 if (found := as_text(cells[i] if i < width else None)) is not None}
        sheet.rows.append(to_raw(values, r + 1, extra))
    sheet.problems.extend(reader.problems)
    return sheet


class RawRowWriter:
    """Field values -> the columns of raw.<template> (``Field.raw_columns``).

    The column names are made once per sheet, so every row's dict shares them
    (and the sandbox's pickle writes each once); a capital source text is
    matched once per distinct text.
    """

    def __init__(self, template: Template) -> None:
        self.fields = {f.name: (f.kind, f"{f.name}_text", f"{f.name}_code", f"{f.name}_low",
                                f"{f.name}_high", f"{f.name}_vnd") for f in spec(template).fields}
        self._sources: dict[str, str | None] = {}

    def __call__(self, values: dict[str, Any], source_row: int,
                 extra: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {"source_row": source_row, "extra": extra}
        for name, value in values.items():
            kind, text, code, low, high, vnd = self.fields[name]
            if kind == "status":
                row[text], row[name] = value, task_status_code(value)
            elif kind == "data_status":
                row[name] = data_status_code(value)
            elif kind == "capital_source":
                if value not in self._sources:
                    self._sources[value] = capital_source_code(value)
                row[name], row[code] = value, self._sources[value]
            elif kind == "target":
                row[text], row[low], row[high] = value
            elif kind == "money":
                row[vnd] = value
            else:
                row[name] = value
        return row
