"""Numbers, money, dates and periods as agencies write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planwatch.ingest.numbers import (
    NotADate,
    NotANumber,
    date_from_serial,
    majority,
    money_unit_in,
    number_from_float,
    parse_date_text,
    parse_number,
    period_in_text,
    text_convention,
    to_vnd,
)


@pytest.mark.parametrize(("text", "convention"), [
    ("1,76", "vi"), ("1.234.567", "vi"), ("1.234.567,5", "vi"), ("3,5", "vi"),
    ("1.5", "en"), ("0.250", "en"), ("1,234,567", "en"), ("1,234.5", "en"),
    ("55.000", None), ("1,234", None), ("285", None), ("-", None),
])
def test_a_text_proves_its_own_convention_only_when_it_can(text, convention) -> None:
    assert text_convention(text) == convention


@pytest.mark.parametrize(("text", "convention"), [
    ("trên 55.000", None),  # was "en": the word glued to the digits looked like a decimal
    ("55.000 ha", None),
    ("3,5 - 4", "vi"),
    ("dưới 1,76%", "vi"),
    ("khoảng 1.234.567 đồng", "vi"),
    ("3.5 - 4", "en"),
    ("1,5 - 2.5", None),  # the numbers contradict each other: no evidence
    ("12 345.678", "en"), ("1\u00a0234,5", "vi"),  # space-grouped: one number
])
def test_only_the_numbers_in_a_text_are_evidence(text, convention) -> None:
    assert text_convention(text) == convention


@pytest.mark.parametrize(("text", "convention", "value"), [
    ("55.000", "vi", "55000"),
    ("55.000", "en", "55"),  # the column plainly uses the English convention
    ("1,234", "en", "1234"),
    ("1,234", "vi", "1.234"),
    ("1,76", "en", "1.76"),  # decisive text wins over the column's convention
    ("1.5", "vi", "1.5"),  # never 15
    ("1.234.567,5", "vi", "1234567.5"),
    ("1 234 567", "vi", "1234567"),
    ("1\u00a0234", "vi", "1234"),
    ("(1.234)", "vi", "-1234"),
    ("-12,5", "vi", "-12.5"),
    ("\u221212,5", "vi", "-12.5"),
    ("'150", "vi", "150"),
])
def test_parse_number(text, convention, value) -> None:
    assert parse_number(text, convention).value == Decimal(value)


def test_percent_and_approximation_are_reported() -> None:
    parsed = parse_number("1,76%", "vi")
    assert (parsed.value, parsed.percent) == (Decimal("1.76"), True)
    approx = parse_number("khoảng 3,5", "vi")
    assert (approx.value, approx.approximate) == (Decimal("3.5"), True)
    assert parse_number("ước tính 50", "vi").value == Decimal(50)


def test_ambiguity_is_flagged() -> None:
    assert parse_number("55.000", "vi").ambiguous
    assert not parse_number("55.000,0", "vi").ambiguous
    assert not parse_number("55000", "vi").ambiguous


@pytest.mark.parametrize("text", ["abc", "12a", "1.23.456", "1,2,3,4.5.6", "", "1..2", "50 ha"])
def test_not_a_number(text) -> None:
    with pytest.raises(NotANumber):
        parse_number(text, "vi")


def test_majority_needs_a_clear_winner() -> None:
    assert majority(["vi", "vi", "en", None]) == "vi"
    assert majority(["vi", "en"]) is None
    assert majority([None, None]) is None


def test_excel_doubles_read_as_excel_shows_them() -> None:
    assert number_from_float(0.0176) * 100 == Decimal("1.76")
    assert number_from_float(0.1 + 0.2) == Decimal("0.3")
    assert number_from_float(159800.0) == Decimal(159800)
    with pytest.raises(NotANumber):
        number_from_float(float("nan"))


def test_money_units_from_headers_and_exact_vnd() -> None:
    assert money_unit_in("Kế hoạch vốn năm (tỷ đồng) ") == "ty dong"
    assert money_unit_in("Lũy kế giải ngân (triệu đồng)") == "trieu dong"
    assert money_unit_in("Đơn vị tính: triệu đồng") == "trieu dong"
    assert money_unit_in("Lũy kế (1.000 đồng)") == "1000 dong"
    assert money_unit_in("Giải ngân (đồng)") == "dong"
    assert money_unit_in("Tỷ lệ giải ngân (%)") is None
    assert money_unit_in("Lũy kế giải ngân") is None
    assert to_vnd(Decimal("4.788"), "ty dong") == (4_788_000_000, False)
    assert to_vnd(Decimal("1234.5"), "trieu dong") == (1_234_500_000, False)
    assert to_vnd(Decimal("0.0000005"), "trieu dong") == (1, True)


@pytest.mark.parametrize(("text", "day"), [
    ("05/03/2024", dt.date(2024, 3, 5)),
    ("5/3/24", dt.date(2024, 3, 5)),
    ("05-03-2024", dt.date(2024, 3, 5)),
    ("05.03.2024", dt.date(2024, 3, 5)),
    ("2024-03-05", dt.date(2024, 3, 5)),
    ("ngày 5 tháng 3 năm 2024", dt.date(2024, 3, 5)),
    ("45356", dt.date(2024, 3, 5)),
    ("05/03/2024 08:30", dt.date(2024, 3, 5)),  # exported with its time
    ("5/3/24 16:45:10", dt.date(2024, 3, 5)),
])
def test_dates_are_day_first(text, day) -> None:
    assert parse_date_text(text) == day


@pytest.mark.parametrize("text", ["03/25/2024", "31/02/2024", "hôm qua", "05/03/1850"])
def test_bad_dates(text) -> None:
    with pytest.raises(NotADate):
        parse_date_text(text)


def test_serial_dates() -> None:
    assert date_from_serial(45356) == dt.date(2024, 3, 5)
    with pytest.raises(NotADate):
        date_from_serial(3)


@pytest.mark.parametrize(("value", "period"), [
    ("03/2024", "2024-03"), ("3/2024", "2024-03"), ("tháng 3 năm 2024", "2024-03"),
    ("Kỳ báo cáo: tháng 01/2024 (số liệu đến ngày 14/01/2024)", "2024-01"),
    ("2024-03", "2024-03"), (dt.date(2024, 3, 1), "2024-03"), ("13/2024", None), ("", None),
])
def test_periods(value, period) -> None:
    assert period_in_text(value) == period


@pytest.mark.parametrize(("value", "period"), [
    # The data window of the reporting regime, 15th to 14th: dates, not a period.
    ("Kỳ báo cáo: từ ngày 15/05/2024 đến ngày 14/06/2024", None),
    ("Số liệu từ 2024-05-15 đến 2024-06-14", None),
    ("Kỳ báo cáo: tháng 06/2024 (từ ngày 15/05/2024 đến ngày 14/06/2024)", "2024-06"),
    # A value that is one whole date stands for its month.
    ("01/06/2024", "2024-06"), ("2024-06-14", "2024-06"), ("31/02/2024", None),
])
def test_full_dates_are_not_periods(value, period) -> None:
    assert period_in_text(value) == period


def test_control_characters_and_absurd_numbers_never_reach_the_database(tmp_path) -> None:
    from planwatch.ingest.parse import parse_file

    csv = ("STT;Mã dự án;Nguồn vốn;Kế hoạch vốn năm;Lũy kế giải ngân\r\n"
           "1;DA-01\x00;NS\x01TW;100;99999999999999999999\r\n")
    path = tmp_path / "SKHDT_2024-03_giai_ngan.csv"
    path.write_bytes(csv.encode("utf-8"))
    parsed = parse_file(path, path.name, max_bytes=2**20)
    (row,) = parsed.sheets[0].rows
    assert (row["project_code"], row["capital_source"]) == ("DA-01", "NSTW")
    assert row["ytd_disbursed_vnd"] is None
    assert [p.code for p in parsed.sheets[0].problems] == ["number_too_large"]
