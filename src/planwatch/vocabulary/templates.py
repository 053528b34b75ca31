"""The submission templates, one declarative spec each (submission-format.md).

A ``Field`` is one column of a template: the header the template writes and the
other headers agencies use for it, the field name the parser gives its value,
its kind (how a cell is read and stored), whether it is required, its width in
the workbook template and what it means, in Vietnamese and English. From these
specs come:

* header matching (``ingest.columns``) and cell reading (``ingest.cells``);
* the columns of ``raw.<template>`` (``Field.raw_columns``; the SQLAlchemy
  tables in ``warehouse.tables`` and the migrations are checked against them);
* the workbook templates and the demo writer (``workbooks``, ``demo``);
* the GX column rules (``quality.suites``: required fields, value sets);
* the column tables of ``docs/submission-format.md`` (``python -m
  planwatch.regenerate``).

Adding a column: add a ``Field`` here, add a migration
(``planwatch db revision -m "..."``), run ``python -m planwatch.regenerate``,
run the tests (the dbt source and staging drift tests name what to add).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Template = Literal["tasks", "indicators", "disbursement"]
TEMPLATES: tuple[Template, ...] = ("tasks", "indicators", "disbursement")

Kind = Literal[
    "label",           # STT: a row label, text
    "code",            # a catalog code (task, indicator, project)
    "text",            # free text
    "unit",            # a unit of measure, checked against the catalog
    "status",          # a task status (vocabulary.statuses.TASK_STATUSES)
    "data_status",     # estimated / preliminary / official
    "capital_source",  # a capital source (vocabulary.statuses.CAPITAL_SOURCES)
    "number",          # a number (Decimal)
    "percent",         # a number in percent (0.0176 shown as 1.76 % reads 1.76)
    "money",           # an amount of money, stored in exact VND
    "date",            # a date
    "target",          # a target: a number, a range or a bound ("3,5 - 4", "trên 55.000")
]
NUMERIC_KINDS: frozenset[Kind] = frozenset({"number", "percent", "money"})
# Cells copied down a merged range (one project, several capital sources);
# numbers never are: they would count twice.
TEXT_KINDS: frozenset[Kind] = frozenset({"label", "code", "text", "unit", "capital_source"})
# Kinds whose cell says something about the row (a row with none is a heading).
VALUE_KINDS: frozenset[Kind] = frozenset({*NUMERIC_KINDS, "status", "data_status", "date"})
# Kinds that identify a row: never null in raw.*.
IDENTIFYING_KINDS: frozenset[Kind] = frozenset({"code", "status", "capital_source"})

SqlType = Literal["text", "numeric", "bigint", "integer", "date", "jsonb"]
_SQL_TYPE: dict[Kind, SqlType] = {
    "label": "text", "code": "text", "text": "text", "unit": "text", "status": "text",
    "data_status": "text", "capital_source": "text", "number": "numeric",
    "percent": "numeric", "money": "bigint", "date": "date",
}


@dataclass(frozen=True)
class RawColumn:
    """One column of ``raw.<template>`` filled from a field."""

    name: str
    sql_type: SqlType
    nullable: bool
    description: str


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    header_vi: str  # the header as the template writes it
    aliases: tuple[str, ...]  # other headers that name it (matched by their words)
    description_vi: str
    description_en: str
    required: bool = False
    recomputed: bool = False  # planwatch recomputes it: the value read is never trusted
    width: float = 14  # column width in the workbook template
    missing_fix_vi: str = ""  # what the clerk does when a required value is missing

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header_vi, *self.aliases)

    def template_header(self, money_unit_vi: str = "triệu đồng") -> str:
        """The header a template writes: money headers name their unit."""
        return f"{self.header_vi} ({money_unit_vi})" if self.kind == "money" else self.header_vi

    @property
    def raw_columns(self) -> tuple[RawColumn, ...]:
        """The columns of ``raw.<template>`` this field fills, in table order."""
        nullable = not (self.required and self.kind in IDENTIFYING_KINDS)
        en = self.description_en
        if self.kind == "money":
            return (RawColumn(f"{self.name}_vnd", "bigint", nullable, f"{en} In exact VND."),)
        if self.kind == "status":
            return (RawColumn(self.name, "text", nullable, f"{en} Status code."),
                    RawColumn(f"{self.name}_text", "text", True, "The status as written."))
        if self.kind == "capital_source":
            return (RawColumn(self.name, "text", nullable, f"{en} As written."),
                    RawColumn(f"{self.name}_code", "text", True,
                              "Capital source code (vocab_capital_sources)."))
        if self.kind == "target":
            return (RawColumn(f"{self.name}_text", "text", True, f"{en} As written."),
                    RawColumn(f"{self.name}_low", "numeric", True, "Its lower bound."),
                    RawColumn(f"{self.name}_high", "numeric", True, "Its upper bound."))
        return (RawColumn(self.name, _SQL_TYPE[self.kind], nullable, en),)


@dataclass(frozen=True)
class TemplateSpec:
    name: Template
    sheet_name_vi: str  # the data sheet of the workbook
    csv_suffix: str  # <AGENCY>_<YYYY-MM>_<suffix>.csv
    title_vi: str  # the report title above the header
    label_vi: str  # what the template reports, for people
    catalog_entity: Literal["task", "indicator", "project"]
    row_key: tuple[str, ...]  # fields that identify a row within a submission
    fields: tuple[Field, ...]

    @property
    def code_field(self) -> Field:
        return next(f for f in self.fields if f.kind == "code")

    @property
    def raw_columns(self) -> tuple[RawColumn, ...]:
        return tuple(c for f in self.fields for c in f.raw_columns)

    @property
    def raw_column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.raw_columns)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


# The `Thông tin` sheet of a workbook: key/value rows (submission-format.md),
# field -> key as written. `Mã kế hoạch` is optional: it names the plan when an
# agency reports to two plans of one year.
INFO_SHEET_VI = "Thông tin"
INFO_KEYS_VI: dict[str, str] = {
    "agency_code": "Mã đơn vị", "agency_name": "Tên đơn vị", "period": "Kỳ báo cáo",
    "cutoff_date": "Ngày chốt số liệu", "preparer": "Người lập", "phone": "Điện thoại",
    "email": "Email", "plan_code": "Mã kế hoạch",
}

# Columns every raw table has besides its fields' columns.
RAW_KEY_COLUMNS: tuple[RawColumn, ...] = (
    RawColumn("submission_id", "bigint", False,
              "The submission (audit.submissions) the row came in."),
    RawColumn("source_row", "integer", False,
              "1-based row number in the sheet or CSV file, header rows counted."),
)
EXTRA_COLUMN = RawColumn("extra", "jsonb", False,
                         "Columns the template does not know: header -> text.")

_LABEL = Field(
    "row_label", "label", "STT", ("số TT", "TT", "số thứ tự"),
    "Số thứ tự dòng (1, 2.1, a, -).", "Row label as written (1, 2.1, a, -).", width=6)

_ISSUES = Field(
    "issues_text", "text", "Khó khăn, vướng mắc", ("khó khăn", "vướng mắc", "tồn tại hạn chế"),
    "Khó khăn, vướng mắc trong thực hiện.", "Difficulties reported.", width=36)

SPECS: dict[Template, TemplateSpec] = {
    "tasks": TemplateSpec(
        "tasks", "Nhiệm vụ", "nhiem_vu", "BÁO CÁO TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ",
        "tiến độ thực hiện nhiệm vụ", "task", ("task_code",),
        (
            _LABEL,
            Field("task_code", "code", "Mã nhiệm vụ", ("mã NV", "mã số nhiệm vụ"),
                  "Mã nhiệm vụ theo danh mục của kế hoạch.", "Task code from the plan catalog.",
                  required=True,
                  missing_fix_vi="Ghi mã nhiệm vụ ở cột “Mã nhiệm vụ” đúng như trong danh mục "
                                 "nhiệm vụ của kế hoạch."),
            Field("description_vi", "text", "Nội dung nhiệm vụ",
                  ("nhiệm vụ", "tên nhiệm vụ", "nội dung"),
                  "Nội dung nhiệm vụ (điền sẵn từ kế hoạch).",
                  "Task text (pre-filled from the plan).", width=60),
            Field("status", "status", "Tình trạng", ("tình trạng thực hiện", "trạng thái"),
                  "Tình trạng thực hiện, chọn trong danh sách.",
                  "Task status, from the drop-down list.", required=True, width=24),
            Field("percent_complete", "percent", "Tỷ lệ hoàn thành (%)",
                  ("% hoàn thành", "tiến độ hoàn thành"),
                  "Tỷ lệ hoàn thành, từ 0 đến 100.", "Percent complete, 0 to 100.", width=12),
            Field("completed_date", "date", "Ngày hoàn thành",
                  ("thời gian hoàn thành", "ngày hoàn thành thực tế"),
                  "Ngày hoàn thành (ngày/tháng/năm).", "Completion date (day/month/year)."),
            Field("result_text", "text", "Kết quả thực hiện", ("kết quả",),
                  "Kết quả thực hiện trong kỳ.", "Results achieved.", width=50),
            _ISSUES,
            Field("proposals_text", "text", "Đề xuất, kiến nghị", ("kiến nghị", "đề xuất"),
                  "Đề xuất, kiến nghị.", "Proposals to the province.", width=36),
        ),
    ),
    "indicators": TemplateSpec(
        "indicators", "Chỉ tiêu", "chi_tieu", "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
        "kết quả thực hiện chỉ tiêu", "indicator", ("indicator_code",),
        (
            _LABEL,
            Field("indicator_code", "code", "Mã chỉ tiêu", ("mã CT", "mã số chỉ tiêu"),
                  "Mã chỉ tiêu theo danh mục của kế hoạch.",
                  "Indicator code from the plan catalog.", required=True,
                  missing_fix_vi="Ghi mã chỉ tiêu ở cột “Mã chỉ tiêu” đúng như trong danh mục "
                                 "chỉ tiêu của kế hoạch."),
            Field("name_vi", "text", "Tên chỉ tiêu", ("chỉ tiêu", "nội dung chỉ tiêu"),
                  "Tên chỉ tiêu (điền sẵn).", "Indicator name (pre-filled).", width=44),
            Field("unit", "unit", "Đơn vị tính", ("ĐVT",),
                  "Đơn vị tính, phải đúng như kế hoạch.",
                  "Unit of measure; must agree with the catalog.", required=True,
                  missing_fix_vi="Ghi đơn vị tính ở cột “Đơn vị tính” đúng như trong danh mục "
                                 "chỉ tiêu (ví dụ: %, tỷ đồng, người)."),
            Field("annual_target", "target", "Kế hoạch năm",
                  ("kế hoạch", "mục tiêu", "chỉ tiêu kế hoạch năm"),
                  "Chỉ tiêu kế hoạch năm (số, khoảng “3,5 - 4” hoặc “trên 55.000”).",
                  "The year's target: a number, a range or a bound.", width=16),
            Field("month_value", "number", "Thực hiện tháng",
                  ("thực hiện trong tháng", "kết quả tháng"),
                  "Kết quả thực hiện trong tháng.", "Value for the month."),
            Field("ytd_value", "number", "Lũy kế từ đầu năm",
                  ("lũy kế", "thực hiện lũy kế", "lũy kế thực hiện"),
                  "Lũy kế từ đầu năm đến kỳ báo cáo.", "Year-to-date value.", required=True,
                  missing_fix_vi="Ghi số lũy kế từ đầu năm đến kỳ báo cáo ở cột “Lũy kế từ đầu "
                                 "năm”; nếu là số ước tính, ghi “Ước tính” ở cột “Tính chất số "
                                 "liệu”."),
            Field("same_period_last_year", "number", "Cùng kỳ năm trước", ("cùng kỳ",),
                  "Cùng kỳ năm trước.", "Same period of last year."),
            Field("full_year_estimate", "number", "Ước cả năm",
                  ("ước thực hiện cả năm", "ước thực hiện năm"),
                  "Ước thực hiện cả năm.", "Estimate for the whole year."),
            Field("data_status", "data_status", "Tính chất số liệu", ("loại số liệu",),
                  "Ước tính, Sơ bộ hoặc Chính thức.",
                  "Estimated, preliminary or official.", width=16),
            Field("source_text", "text", "Nguồn số liệu", (),
                  "Nguồn số liệu.", "Where the figure comes from.", width=24),
            Field("note", "text", "Ghi chú", (), "Ghi chú.", "Note.", width=30),
        ),
    ),
    "disbursement": TemplateSpec(
        "disbursement", "Giải ngân", "giai_ngan", "BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN ĐẦU TƯ CÔNG",
        "tình hình giải ngân vốn đầu tư công", "project", ("project_code", "capital_source"),
        (
            _LABEL,
            Field("project_code", "code", "Mã dự án", ("mã DA", "mã số dự án"),
                  "Mã dự án theo danh mục của kế hoạch.", "Project code from the plan catalog.",
                  required=True,
                  missing_fix_vi="Ghi mã dự án ở cột “Mã dự án” đúng như trong danh mục dự án "
                                 "của kế hoạch."),
            Field("name_vi", "text", "Tên dự án", ("dự án", "danh mục dự án"),
                  "Tên dự án (điền sẵn).", "Project name (pre-filled).", width=50),
            Field("investor", "text", "Chủ đầu tư", (), "Chủ đầu tư.", "Investor.", width=30),
            Field("capital_source", "capital_source", "Nguồn vốn", (),
                  "Nguồn vốn; mỗi nguồn vốn một dòng.",
                  "Capital source; one row per source.", required=True, width=22,
                  missing_fix_vi="Ghi nguồn vốn ở cột “Nguồn vốn”, ví dụ: {capital_sources}."),
            Field("annual_plan", "money", "Kế hoạch vốn năm",
                  ("kế hoạch vốn", "KH vốn năm", "kế hoạch vốn giao", "kế hoạch vốn được giao"),
                  "Kế hoạch vốn năm được giao.", "Annual capital plan.", required=True,
                  width=16,
                  missing_fix_vi="Ghi kế hoạch vốn năm được giao ở cột “Kế hoạch vốn năm” "
                                 "(đơn vị: triệu đồng); nếu chưa được giao vốn, ghi 0."),
            Field("carried_over_plan", "money", "Kế hoạch vốn kéo dài",
                  ("vốn kéo dài", "kéo dài"),
                  "Kế hoạch vốn các năm trước kéo dài sang.",
                  "Capital plan carried over from earlier years.", width=16),
            Field("month_disbursed", "money", "Giải ngân trong tháng", ("giải ngân tháng",),
                  "Số giải ngân trong tháng.", "Disbursed in the month.", width=16),
            Field("ytd_disbursed", "money", "Lũy kế giải ngân",
                  ("lũy kế", "đã giải ngân", "giải ngân lũy kế"),
                  "Lũy kế giải ngân từ đầu năm.", "Disbursed year to date.", required=True,
                  width=16,
                  missing_fix_vi="Ghi số vốn đã giải ngân từ đầu năm đến kỳ báo cáo ở cột “Lũy "
                                 "kế giải ngân” (đơn vị: triệu đồng); nếu chưa giải ngân, ghi 0."),
            Field("reported_rate", "percent", "Tỷ lệ giải ngân (%)", ("tỷ lệ",),
                  "Tỷ lệ giải ngân; hệ thống tự tính lại.",
                  "Rate as reported; planwatch recomputes it and never trusts it.",
                  recomputed=True, width=12),
            Field(_ISSUES.name, _ISSUES.kind, _ISSUES.header_vi, ("khó khăn", "vướng mắc"),
                  _ISSUES.description_vi, _ISSUES.description_en, width=40),
        ),
    ),
}


def spec(template: Template | str) -> TemplateSpec:
    return SPECS[template]  # type: ignore[index]


# Derived lookups, for the rooms that only need one fact.
RAW_COLUMNS: dict[str, tuple[str, ...]] = {t: s.raw_column_names for t, s in SPECS.items()}
CODE_COLUMN: dict[str, str] = {t: s.code_field.name for t, s in SPECS.items()}
SHEET_NAMES_VI: dict[str, str] = {t: s.sheet_name_vi for t, s in SPECS.items()}
CSV_SUFFIXES: dict[str, str] = {t: s.csv_suffix for t, s in SPECS.items()}
# raw column -> the header a clerk sees it under, per template.
COLUMN_HEADERS_VI: dict[str, dict[str, str]] = {
    t: {c.name: f.header_vi for f in s.fields for c in f.raw_columns} for t, s in SPECS.items()
}
MONEY_RAW_COLUMNS: frozenset[str] = frozenset(
    c.name for s in SPECS.values() for f in s.fields if f.kind == "money" for c in f.raw_columns)
NUMERIC_RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    t: tuple(c.name for c in s.raw_columns if c.sql_type in ("numeric", "bigint"))
    for t, s in SPECS.items()
}
