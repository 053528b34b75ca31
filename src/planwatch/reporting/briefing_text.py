"""The briefing's sentences, written from its figures: three or four a theme.

What rose or fell since last month, what lags, who has not reported. Pure: a
``Briefing`` in, sentences out, no database. A sentence is a list of parts,
each plain text or a ``Figure`` (the page marks a figure as such, the PDF
prints its text), so that every number a reader sees is one of the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from planwatch.reporting.briefing import TITLES_VI, Briefing, Figure, month_label
from planwatch.vocabulary.statuses import COMPLIANCE_STATUS_LABELS_VI
from planwatch.vocabulary.templates import SPECS

Part = str | Figure
Sentence = list[Part]



@dataclass(frozen=True)
class Page:
    """One theme's page: its title, its key figures (label, figure), its sentences."""

    theme: str
    title_vi: str
    key_figures: list[tuple[str, Figure]]
    sentences: list[Sentence]


def plain(sentence: Sentence) -> str:
    """A sentence as text (the PDF's)."""
    return "".join(p.text if isinstance(p, Figure) else p for p in sentence)


def joined(parts: Sequence[Sentence], last: str = " và ") -> Sentence:
    """``a, b và c`` of parts that are themselves sentences."""
    out: Sentence = []
    for i, part in enumerate(parts):
        if i:
            out.append(last if i == len(parts) - 1 else ", ")
        out.extend(part)
    return out


def _moved(change: Figure | None, previous: Figure | None, before: str, *,
           comma: bool = True) -> Sentence:
    """``tăng 2 so với tháng 11/2024 (45)``, or ``bằng tháng 11/2024``."""
    if change is None or change.value is None or previous is None:
        return []
    lead = ", " if comma else " "
    if Decimal(change.value) == 0:
        return [f"{lead}không đổi so với {before} (", previous, ")"]
    word = "tăng" if Decimal(change.value) > 0 else "giảm"
    return [f"{lead}{word} ", change, f" so với {before} (", previous, ")"]


def _template_vi(code: str) -> str:
    spec = SPECS.get(code)  # type: ignore[call-overload]
    return f"biểu {spec.label_vi}" if spec else code


def _who(rows: Sequence[dict]) -> Sentence:
    """``Sở A (biểu …, biểu …) và Sở B (biểu …)``."""
    by_name: dict[str, list[str]] = {}
    for row in rows:
        by_name.setdefault(row["agency_name_vi"], []).append(_template_vi(row["template"]))
    return joined([[f"{name} ({', '.join(templates)})"] for name, templates in by_name.items()])


def compliance(b: Briefing) -> Page:
    p, when = b.period, month_label(b.period)
    before = month_label(b.previous) if b.previous else ""
    f = b.figures
    first: Sentence = [f"{when.capitalize()} có ", f[f"compliance.on_time.{p}"], "/",
                       f[f"compliance.expected.{p}"], " biểu báo cáo được gửi đúng hạn, đạt ",
                       f[f"compliance.on_time_rate.{p}"]]
    first += _moved(b.get(f"compliance.on_time_rate.change.{p}"),
                    b.get(f"compliance.on_time_rate.{b.previous}"), before) + ["."]
    sentences = [first]
    late = b.lists.get("compliance.late", [])
    if late:
        sentences.append([f[f"compliance.late.{p}"], " biểu gửi trễ hạn: ", *_who(late), "."])
    else:
        sentences.append(["Không có biểu nào gửi trễ hạn."])
    missing = b.lists.get("compliance.missing", [])
    if missing:
        sentences.append(["Chưa gửi báo cáo (", f[f"compliance.missing.{p}"], " biểu): ",
                          *_who(missing), "."])
    else:
        sentences.append(["Mọi đơn vị đều đã gửi báo cáo của tháng."])
    rejected = b.lists.get("compliance.rejected", [])
    if rejected:
        label = COMPLIANCE_STATUS_LABELS_VI["rejected"]
        sentences.append([f"{label} (", f[f"compliance.rejected.{p}"], " biểu): ",
                          *_who(rejected), "."])
    return Page("compliance", TITLES_VI["compliance"], [
        (COMPLIANCE_STATUS_LABELS_VI["on_time"], f[f"compliance.on_time_rate.{p}"]),
        (COMPLIANCE_STATUS_LABELS_VI["late"], f[f"compliance.late.{p}"]),
        (COMPLIANCE_STATUS_LABELS_VI["missing"], f[f"compliance.missing.{p}"]),
        ("Bị từ chối", f[f"compliance.rejected.{p}"])], sentences)


def targets(b: Briefing) -> Page:
    p, when = b.period, month_label(b.period)
    before = month_label(b.previous) if b.previous else ""
    f = b.figures
    sentences: list[Sentence] = [
        [f[f"targets.reported.{p}"], "/", f["targets.total"],
         f" chỉ tiêu chủ yếu có số liệu {when}; ", f[f"targets.attained.{p}"],
         " chỉ tiêu đã đạt mục tiêu của kế hoạch và ", f[f"targets.projected.{p}"],
         " chỉ tiêu dự kiến đạt cả năm."]]
    moved = _moved(b.get(f"targets.attained.change.{p}"),
                   b.get(f"targets.attained.{b.previous}"), before, comma=False)
    if moved:
        sentences.append(["Số chỉ tiêu đã đạt", *moved, "."])
    lagging = b.lists.get("targets.lagging", [])
    if lagging:
        sentences.append(["Chỉ tiêu dự kiến chưa đạt: ", *joined([
            [f"{i['name_vi']} (", i["ytd"], ", bằng ", i["ratio"],
             f" mục tiêu «{i['target_text']}»)"] for i in lagging]), "."])
    else:
        sentences.append(["Mọi chỉ tiêu có số liệu đều dự kiến đạt mục tiêu cả năm."])
    unreported = f["targets.total"].value - f[f"targets.reported.{p}"].value  # type: ignore[operator]
    if unreported > 0:
        sentences.append([f"Các chỉ tiêu còn lại chưa có số liệu {when}."])
    return Page("targets", TITLES_VI["targets"], [
        ("Có số liệu", f[f"targets.reported.{p}"]),
        ("Đã đạt", f[f"targets.attained.{p}"]),
        ("Dự kiến đạt cả năm", f[f"targets.projected.{p}"])], sentences)


def disbursement(b: Briefing) -> Page:
    p, when = b.period, month_label(b.period)
    before = month_label(b.previous) if b.previous else ""
    ytd = b.get(f"disbursement.ytd.{p}")
    if ytd is None:
        return Page("disbursement", TITLES_VI["disbursement"], [],
                    [[f"Chưa có báo cáo giải ngân nào đến {when}."]])
    f = b.figures
    sentences: list[Sentence] = [
        [f"Lũy kế đến {when} giải ngân ", ytd, ", đạt ", f[f"disbursement.rate.{p}"],
         " kế hoạch vốn năm (", f[f"disbursement.annual_plan.{p}"],
         "); mục tiêu của kế hoạch là hoàn thành 100% kế hoạch vốn."],
        ["Trong tháng giải ngân ", f[f"disbursement.month.{p}"], "; tỷ lệ giải ngân",
         *(_moved(b.get(f"disbursement.rate.change.{p}"), b.get(f"disbursement.rate."
                                                                   f"{b.previous}"), before,
                  comma=False)
           or [" là tháng đầu tiên có số liệu"]), "."],
        ["Các dự án trọng điểm đạt ", f[f"disbursement.key_rate.{p}"], " kế hoạch vốn năm."]]
    lagging = b.lists.get("disbursement.lagging", [])
    if lagging:
        sentences.append(["Giải ngân thấp nhất: ", *joined([
            [f"{r['name_vi']} ({r['capital_source']}: ", r["rate"], ")"] for r in lagging]),
            "."])
    return Page("disbursement", TITLES_VI["disbursement"], [
        ("Lũy kế", ytd), ("Tỷ lệ", f[f"disbursement.rate.{p}"]),
        ("Trong tháng", f[f"disbursement.month.{p}"])], sentences)


def tasks(b: Briefing) -> Page:
    p, when = b.period, month_label(b.period)
    before = month_label(b.previous) if b.previous else ""
    f = b.figures
    sentences: list[Sentence] = [
        [f"{when.capitalize()} có ", f[f"tasks.reported.{p}"], "/", f["tasks.total"],
         " nhiệm vụ được báo cáo; ", f[f"tasks.done.{p}"], " nhiệm vụ đã hoàn thành (",
         f[f"tasks.completed_late.{p}"], " hoàn thành quá hạn)."]]
    moved = _moved(b.get(f"tasks.done.change.{p}"), b.get(f"tasks.done.{b.previous}"),
                   before, comma=False)
    if moved:
        sentences.append(["Số nhiệm vụ hoàn thành", *moved, "."])
    by_agency = b.lists.get("tasks.delayed_by_agency", [])
    if f[f"tasks.behind.{p}"].value:
        most: Sentence = ["; nhiều nhất ở ", *joined(
            [[f"{r['name_vi']} (", r["count"], ")"] for r in by_agency])] if by_agency else []
        sentences.append([f[f"tasks.behind.{p}"], " nhiệm vụ đang chậm tiến độ", *most, "."])
    else:
        sentences.append(["Không có nhiệm vụ nào chậm tiến độ."])
    if f[f"tasks.not_started.{p}"].value:
        sentences.append([f[f"tasks.not_started.{p}"], " nhiệm vụ chưa được triển khai."])
    else:
        sentences.append(["Không có nhiệm vụ nào chưa được triển khai."])
    return Page("tasks", TITLES_VI["tasks"], [
        ("Hoàn thành", f[f"tasks.done.{p}"]), ("Chậm tiến độ", f[f"tasks.behind.{p}"]),
        ("Được báo cáo", f[f"tasks.reported.{p}"])], sentences)


def quality(b: Briefing) -> Page:
    p, when = b.period, month_label(b.period)
    before = month_label(b.previous) if b.previous else ""
    f = b.figures
    sentences: list[Sentence] = [
        [f"{when.capitalize()} nhận ", f[f"quality.submissions.{p}"], " bài nộp; ",
         f[f"quality.rejected.{p}"], " bài bị từ chối",
         *_moved(b.get(f"quality.rejected.change.{p}"), b.get(f"quality.rejected.{b.previous}"),
                 before), "."]]
    by_agency = b.lists.get("quality.problems_by_agency", [])
    if by_agency:
        sentences.append([f[f"quality.failed_checks.{p}"], " kiểm tra không đạt, ",
                          f[f"quality.problems.{p}"], " lỗi và lưu ý trong số liệu; nhiều nhất ở ",
                          *joined([[f"{r['name_vi']} (", r["count"], ")"] for r in by_agency]),
                          "."])
    else:
        sentences.append(["Không có lỗi hay lưu ý nào trong số liệu của tháng."])
    sentences.append(["Từ đầu năm, ", f[f"quality.changed.{p}"],
                      " số liệu đã thay đổi sau hạn gửi, trong đó ", f[f"quality.restated.{p}"],
                      " do gửi lại khi kỳ đã khóa sổ."])
    return Page("quality", TITLES_VI["quality"], [
        ("Bài nộp", f[f"quality.submissions.{p}"]), ("Bị từ chối", f[f"quality.rejected.{p}"]),
        ("Lỗi, lưu ý", f[f"quality.problems.{p}"])], sentences)


def pages(b: Briefing) -> list[Page]:
    return [compliance(b), targets(b), disbursement(b), tasks(b), quality(b)]


@dataclass(frozen=True)
class Change:
    """A figure an earlier briefing showed, as it showed it and as it is now."""

    issued: Figure
    now: Figure | None


def changes_sentences(changes: Sequence[Change], issued_period: str,
                      issued_at: str) -> list[Sentence]:
    """What the briefing of ``issued_period`` (issued at ``issued_at``, as written
    for people) showed that has changed since."""
    if not changes:
        return []
    out: list[Sentence] = [[f"Số liệu đã nêu trong bản tin {month_label(issued_period)} "
                            f"(phát hành lúc {issued_at}) đã thay đổi do đơn vị gửi lại hoặc "
                            "điều chỉnh số liệu sau đó (số đã nêu → số hiện nay):"]]
    for change in changes:
        now: Sentence = [change.now] if change.now is not None else ["không còn số liệu"]
        out.append([f"{change.issued.label_vi}: ", change.issued, " → ", *now, "."])
    return out
