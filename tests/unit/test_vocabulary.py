"""The template specs and vocabularies, and what is derived from them."""

from __future__ import annotations

import pytest

from planwatch.ingest.columns import match_header
from planwatch.quality.rules import RULES, column_rules
from planwatch.vocabulary.statuses import (
    CAPITAL_SOURCE_CHOICES,
    CAPITAL_SOURCES,
    SUBMISSION_STATUS_CODES,
    TASK_STATUSES,
    capital_source_code,
    data_status_code,
    task_status_code,
)
from planwatch.vocabulary.templates import RAW_COLUMNS, SPECS, TEMPLATES, spec
from planwatch.warehouse.tables import metadata, raw_tables
from planwatch.workbooks.layout import DROPDOWN_LISTS, headers


def test_every_template_header_names_its_own_field() -> None:
    for template in TEMPLATES:
        for field in spec(template).fields:
            for header in (field.template_header("tỷ đồng"), *field.aliases):
                found = match_header(template, header)
                # An alias may be shared (``lũy kế``): it must at least name a field.
                assert found is not None, (template, header)
            assert match_header(template, field.template_header())[0] == field, field.name


def test_raw_columns_follow_each_fields_kind() -> None:
    disbursement = spec("disbursement")
    assert disbursement.field("annual_plan").raw_columns[0].name == "annual_plan_vnd"
    assert [c.name for c in disbursement.field("capital_source").raw_columns] == [
        "capital_source", "capital_source_code"]
    assert [c.name for c in spec("tasks").field("status").raw_columns] == ["status", "status_text"]
    assert [c.name for c in spec("indicators").field("annual_target").raw_columns] == [
        "annual_target_text", "annual_target_low", "annual_target_high"]
    # codes, statuses and capital sources are never null in raw.*; the rest may be
    nullable = {c.name: c.nullable for c in disbursement.raw_columns}
    assert not nullable["project_code"] and not nullable["capital_source"]
    assert nullable["ytd_disbursed_vnd"] and nullable["capital_source_code"]


def test_the_raw_tables_are_the_specs_columns() -> None:
    for template, table in raw_tables.items():
        assert [c.name for c in table.columns] == [
            "submission_id", "source_row", *RAW_COLUMNS[template], "extra"]
        assert table.schema == "raw" and f"raw.{template}" in metadata.tables


def test_every_required_field_has_a_blocking_rule() -> None:
    for template in TEMPLATES:
        missing = {r.code for r in column_rules(template) if r.code.startswith("missing_")}
        required = {f"missing_{f.name}" for f in spec(template).fields if f.required}
        assert missing == required
        blocking = {r.code for r in RULES[template] if r.severity == "block"}
        assert required <= blocking
        assert all(r.fix_vi and "{" not in r.fix_vi for r in RULES[template]), template


def test_rule_codes_are_unique_per_suite() -> None:
    for template, rules in RULES.items():
        codes = [r.code for r in rules]
        assert len(codes) == len(set(codes)), template


def test_templates_write_every_field_with_its_unit() -> None:
    assert headers("disbursement", "tỷ đồng")[5] == "Kế hoạch vốn năm (tỷ đồng)"
    assert len(headers("tasks")) == len(SPECS["tasks"].fields)


def test_statuses_are_read_after_folding_and_never_guessed() -> None:
    assert task_status_code("  đang THỰC HIỆN, chậm tiến độ ") == "delayed"
    assert task_status_code("Đã xong") is None
    assert data_status_code("chinh thuc") == "official"
    assert data_status_code("Tạm tính") == "Tạm tính"


@pytest.mark.parametrize(("text", "code"), [
    ("NSTW", "NSTW"), ("Vốn ngân sách trung ương", "NSTW"), ("NSĐP", "NSDP"),
    ("ngân sách tỉnh", "NSDP"), ("ODA", "ODA"), ("CTMTQG giảm nghèo bền vững", "CTMTQG"),
    ("NSĐP (thu tiền sử dụng đất)", "TSDD"), ("Xổ số kiến thiết", "XSKT"),
    ("Vốn vay tín dụng", "KHAC"),
])
def test_capital_sources_get_their_code(text: str, code: str) -> None:
    assert capital_source_code(text) == code


def test_every_drop_down_choice_has_a_code_other_than_other() -> None:
    assert all(capital_source_code(c) not in (None, "KHAC") for c in CAPITAL_SOURCE_CHOICES)
    assert len({s.code for s in CAPITAL_SOURCES}) == len(CAPITAL_SOURCES)


def test_the_drop_downs_offer_the_vocabularies() -> None:
    assert list(DROPDOWN_LISTS["status"][1]) == [s.label_vi for s in TASK_STATUSES]
    assert DROPDOWN_LISTS["capital_source"][2] is False  # open: other sources exist
    assert "superseded" in SUBMISSION_STATUS_CODES
