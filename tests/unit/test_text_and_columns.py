"""Text normalisation and header matching."""

from __future__ import annotations

import unicodedata

import pytest

from planwatch.ingest.columns import find_header, match_header, two_row_headers
from planwatch.text import clean_text, fold
from planwatch.workbooks.writing import needs_quote


def test_clean_text_unifies_forms_and_spaces() -> None:
    nfd = unicodedata.normalize("NFD", "Tình trạng")
    assert clean_text(f"  {nfd}\u00a0 ") == "Tình trạng"
    assert clean_text("Hương Thuỷ") == clean_text("Hương Thủy") == "Hương Thủy"
    assert clean_text("Hoà Vang") == "Hòa Vang"
    assert clean_text("kỹ thuật") == "kỹ thuật"  # ậ: dot below then circumflex, untouched
    assert clean_text("hoàng quý khoẻ") == "hoàng quý khỏe"
    assert clean_text("a\u200bb") == "ab"


def test_fold_is_for_matching_only() -> None:
    assert fold("THÔNG TIN") == fold("thong_tin") == fold("Thông tin") == "thong tin"
    assert fold("Đang thực hiện, chậm tiến độ") == "dang thuc hien cham tien do"
    assert fold("Tỷ lệ (%)") == "ty le %"


def test_formula_like_text() -> None:
    assert needs_quote("=HYPERLINK(\"http://x\")")
    assert needs_quote("@SUM(A1)")
    assert not needs_quote("-")
    assert not needs_quote("Đã xong")


@pytest.mark.parametrize(("template", "header", "field"), [
    ("disbursement", "Kế hoạch vốn năm 2024 (triệu đồng)", "annual_plan"),
    ("disbursement", "Kế hoạch vốn kéo dài (triệu đồng)", "carried_over_plan"),
    ("disbursement", "Lũy kế giải ngân đến 14/3 (tỷ đồng)", "ytd_disbursed"),
    ("disbursement", "Giải ngân Lũy kế", "ytd_disbursed"),
    ("disbursement", "Tỷ lệ giải ngân (%)", "reported_rate"),
    ("disbursement", " NGUỒN VỐN", "capital_source"),
    ("tasks", "Tỷ lệ hoàn thành (%)", "percent_complete"),
    ("tasks", "Mã nhiệm vụ", "task_code"),
    ("tasks", "TÌNH TRẠNG", "status"),
    ("indicators", "Mã chỉ tiêu", "indicator_code"),
    ("indicators", "Tên chỉ tiêu", "name_vi"),
    ("indicators", "ĐVT", "unit"),
    ("indicators", "Lũy kế từ đầu năm", "ytd_value"),
])
def test_headers_match_by_words(template, header, field) -> None:
    found = match_header(template, header)
    assert found is not None and found[0].name == field


def test_two_row_header_with_merged_group_titles() -> None:
    top = ["STT", "Mã dự án", "Nguồn vốn", "Kế hoạch vốn (triệu đồng)", None,
           "Giải ngân", None]
    bottom = [None, None, None, "Năm 2024", "Kéo dài", "Trong tháng", "Lũy kế"]
    headers = two_row_headers(top, bottom, [(3, 4), (5, 6)])
    assert headers[4] == "Kế hoạch vốn (triệu đồng) Kéo dài"
    rows = [["BÁO CÁO GIẢI NGÂN"], top, bottom, ["1", "DA-01", "NSTW", 100.0, 0.0, 5.0, 10.0]]
    match = find_header("disbursement", rows, [((1, 3), (1, 4)), ((1, 5), (1, 6))])
    assert match is not None and (match.first_row, match.last_row) == (1, 2)
    fields = {i: c.name for i, c in match.columns.items()}
    assert fields == {0: "row_label", 1: "project_code", 2: "capital_source",
                      3: "annual_plan", 4: "carried_over_plan", 5: "month_disbursed",
                      6: "ytd_disbursed"}
    # Without merge information (CSV) the group title is carried right.
    csv_match = find_header("disbursement", rows, [])
    assert csv_match is not None
    assert {i: c.name for i, c in csv_match.columns.items()} == fields


def test_a_visible_column_wins_over_a_hidden_one_of_the_same_field() -> None:
    rows = [["Mã dự án", "Nguồn vốn", "Kế hoạch vốn năm", "Lũy kế giải ngân đến 14/5",
             "Lũy kế giải ngân đến 14/6"]]
    visible = find_header("disbursement", rows, [], hidden={3})
    assert visible is not None
    assert visible.columns[4].name == "ytd_disbursed" and 3 in visible.duplicates
    plain = find_header("disbursement", rows, [])  # nothing hidden: the leftmost wins
    assert plain is not None and plain.columns[3].name == "ytd_disbursed"


def test_header_found_below_title_rows_single_row_preferred() -> None:
    rows = [["BÁO CÁO TIẾN ĐỘ"], [None], ["STT", "Mã nhiệm vụ", "Tình trạng"],
            ["1", "NV-1-01", "Hoàn thành"]]
    match = find_header("tasks", rows, [])
    assert match is not None and (match.first_row, match.last_row) == (2, 2)
    assert find_header("tasks", [["a", "b"], ["c", "d"]], []) is None


def test_names_shown_to_people_carry_no_control_bidi_or_zero_width_character() -> None:
    from planwatch.reporting.pages import environment
    from planwatch.reporting.receipts import render_html
    from planwatch.text import shown

    spoofed = "bao_cao_\u202egpj.xlsx"  # shows as "bao_cao_xlsx.jpg" in a browser
    assert shown(spoofed) == "bao_cao_gpj.xlsx"
    assert shown("SXD\u200b_2024\u2066-03\u2069.csv\x00\x1b") == "SXD_2024-03.csv  "
    assert shown("Sở Xây dựng\u200f") == "Sở Xây dựng"
    assert environment().from_string("{{ name }}").render(name=spoofed) == "bao_cao_gpj.xlsx"
    page = render_html({"file_name": spoofed, "file_sha256": "ab" * 32, "status": "rejected"})
    assert "\u202e" not in page and "bao_cao_gpj.xlsx" in page
