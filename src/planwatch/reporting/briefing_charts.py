"""The briefing's charts (matplotlib): one per theme, drawn from its figures.

Readable in print and in grey: shades of grey with hatches tell the series
apart, never colour alone; labels in Vietnamese; numbers written the
Vietnamese way (``1.234,5``, ``reporting.vietnamese``). The font is the DejaVu
Sans matplotlib ships (it has Vietnamese letters), so a chart looks the same on
every machine. A chart becomes inline SVG for the page (``svg``: text as paths,
nothing loaded) and vector graphics on its page of the PDF (``briefing_pdf``).
Only ``matplotlib.figure.Figure`` is used (no pyplot): no global state, safe in
a worker.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure as Canvas
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from planwatch.reporting.briefing import BILLION, TITLES_VI, Briefing
from planwatch.reporting.vietnamese import number_vi
from planwatch.vocabulary.periods import split_period
from planwatch.vocabulary.statuses import COMPLIANCE_STATUS_LABELS_VI, TASK_STATUS_LABELS_VI

STYLE = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10,
    "axes.spines.top": False, "axes.spines.right": False, "hatch.linewidth": 0.6,
    "svg.fonttype": "path", "svg.hashsalt": "planwatch", "pdf.fonttype": 42,
    "axes.edgecolor": "#333333", "axes.labelcolor": "#1b1f24", "xtick.color": "#333333",
    "ytick.color": "#333333", "legend.frameon": False,
}
# (face colour, hatch) per series: distinct in grey and on a black-and-white printer.
SHADES = [("#333333", ""), ("#9a9a9a", "////"), ("#ffffff", "...."), ("#d4d4d4", "xxxx"),
          ("#ffffff", ""), ("#6b6b6b", "\\\\\\\\")]
SIZE = (7.6, 3.5)  # inches: the chart of a theme on the page
TARGETS_ROW = 0.36  # inches per target in its chart


@contextmanager
def style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def _month_ticks(ax: Axes, months: list[str]) -> None:
    ax.set_xticks(range(len(months)), [f"T{split_period(m)[1]}" for m in months])
    ax.set_xlabel(f"Tháng (năm {split_period(months[0])[0]})")


def _numbers(ax: Axes, axis: str = "y", *, integer: bool = True) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    if integer:
        target.set_major_locator(MaxNLocator(integer=True))
    target.set_major_formatter(FuncFormatter(lambda v, _: number_vi(v, 1)))


def _percent(ax: Axes, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{number_vi(v, 0)}%"))


def _value(figure) -> float:  # type: ignore[no-untyped-def]
    return float(figure.value) if figure is not None and figure.value is not None else 0.0


def _stacked(ax: Axes, b: Briefing, theme: str, codes: list[str], labels: dict[str, str],
             ylabel: str) -> None:
    bottom = [0.0] * len(b.months)
    for (face, hatch), code in zip(SHADES, codes, strict=False):
        heights = [_value(f) for f in b.series(f"{theme}.{code}")]
        if not any(heights):
            continue
        ax.bar(range(len(b.months)), heights, bottom=bottom, color=face, hatch=hatch,
               edgecolor="#1b1f24", linewidth=0.6, label=labels[code], width=0.7)
        bottom = [x + y for x, y in zip(bottom, heights, strict=True)]
    _month_ticks(ax, b.months)
    _numbers(ax)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8)


def draw_compliance(ax: Axes, b: Briefing) -> None:
    _stacked(ax, b, "compliance", ["on_time", "late", "missing", "rejected", "not_yet_due"],
             COMPLIANCE_STATUS_LABELS_VI, "Số biểu báo cáo")
    ax.set_title("Biểu báo cáo phải gửi theo kết quả, từng tháng")


def draw_tasks(ax: Axes, b: Briefing) -> None:
    _stacked(ax, b, "tasks", ["completed", "completed_late", "not_started", "delayed",
                              "in_progress", "recurring"],
             {**TASK_STATUS_LABELS_VI, "completed": "Hoàn thành đúng hạn"},
             "Số nhiệm vụ được báo cáo")
    ax.set_title("Nhiệm vụ được báo cáo theo tình trạng, từng tháng")


def draw_disbursement(ax: Axes, b: Briefing) -> None:
    months = range(len(b.months))
    monthly = [_value(f) / float(BILLION) for f in b.series("disbursement.month")]
    ax.bar(months, monthly, color="#d4d4d4", hatch="////", edgecolor="#1b1f24",
           linewidth=0.6, width=0.7, label="Giải ngân trong tháng (tỷ đồng, trục trái)")
    _month_ticks(ax, b.months)
    _numbers(ax, integer=False)
    ax.set_ylabel("Tỷ đồng")
    rate = ax.twinx()
    rate.spines["right"].set_visible(True)
    rates = [_value(f) * 100 if f is not None else None for f in b.series("disbursement.rate")]
    shown = [(i, r) for i, r in zip(months, rates, strict=True) if r is not None]
    rate.plot([i for i, _ in shown], [r for _, r in shown], color="#1b1f24", marker="o",
              linewidth=1.6, markersize=4, label="Tỷ lệ giải ngân lũy kế (%, trục phải)")
    rate.axhline(100, color="#1b1f24", linestyle="--", linewidth=1,
                 label="Mục tiêu: hoàn thành 100% kế hoạch vốn")
    rate.set_ylim(0, 110)
    _percent(rate)
    rate.set_ylabel("% kế hoạch vốn năm")
    handles = ax.get_legend_handles_labels()[0] + rate.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + rate.get_legend_handles_labels()[1]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2,
              fontsize=8)
    ax.set_title("Giải ngân trong tháng và lũy kế so với kế hoạch vốn năm")


def draw_quality(ax: Axes, b: Briefing) -> None:
    months = range(len(b.months))
    for offset, (measure, label), (face, hatch) in zip(
            (-0.2, 0.2), (("rejected", "Bài nộp bị từ chối"),
                          ("problems", "Lỗi, lưu ý trong số liệu")),
            (SHADES[0], SHADES[1]), strict=True):
        ax.bar([m + offset for m in months], [_value(f) for f in b.series(f"quality.{measure}")],
               width=0.4, color=face, hatch=hatch, edgecolor="#1b1f24", linewidth=0.6,
               label=label)
    _month_ticks(ax, b.months)
    _numbers(ax)
    ax.set_ylabel("Số lượng")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize=8)
    ax.set_title("Bài nộp bị từ chối và lỗi trong số liệu, từng tháng")


def _target_label(item: dict) -> str:
    return "\n".join(textwrap.wrap(f"{item['code']} {item['name_vi']}", 44)[:2]) \
        if len(f"{item['code']} {item['name_vi']}") <= 88 else \
        "\n".join(textwrap.wrap(f"{item['code']} {item['name_vi']}", 44, max_lines=2,
                                placeholder=" …"))


def draw_targets(ax: Axes, b: Briefing) -> None:
    items = b.lists.get("targets.indicators", [])
    if not items:
        ax.text(0.5, 0.5, "Chưa có số liệu chỉ tiêu của tháng", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return
    rows = range(len(items))
    ratios = [min(_value(i["ratio"]) * 100, 150) for i in items]
    for row, ratio, item in zip(rows, ratios, items, strict=True):
        ahead = bool(item["is_projected_attained"])
        ax.barh(row, ratio, height=0.65, color="#6b6b6b" if ahead else "#ffffff",
                hatch="" if ahead else "////", edgecolor="#1b1f24", linewidth=0.6)
    goal = ax.axvline(100, color="#1b1f24", linestyle="--", linewidth=1, label="Mục tiêu (100%)")
    ax.set_yticks(list(rows), [_target_label(i) for i in items], fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 150)
    _percent(ax, "x")
    ax.set_xlabel("Mức đạt so với mục tiêu của kế hoạch (%; trên 150% vẽ bằng 150%)")
    ax.legend(handles=[Patch(facecolor="#6b6b6b", edgecolor="#1b1f24", label="Dự kiến đạt cả năm"),
                       Patch(facecolor="#ffffff", hatch="////", edgecolor="#1b1f24",
                             label="Dự kiến chưa đạt"), goal],
              loc="lower center", bbox_to_anchor=(0.35, 1.0), ncol=3, fontsize=8)


DRAW: dict[str, Callable[[Axes, Briefing], None]] = {
    "compliance": draw_compliance, "targets": draw_targets,
    "disbursement": draw_disbursement, "tasks": draw_tasks, "quality": draw_quality,
}


def chart_size(theme: str, b: Briefing) -> tuple[float, float]:
    if theme == "targets":
        return (SIZE[0], 0.9 + TARGETS_ROW * max(len(b.lists.get("targets.indicators", [])), 3))
    return SIZE


_ID = re.compile(r'(\bid=")|(href="#)|(url\(#)')


def svg(theme: str, b: Briefing) -> str:
    """The chart of ``theme`` as an ``<svg>`` element for the page: its ids prefixed
    with the theme (five charts share one document), sized to its box."""
    with style():
        canvas = Canvas(figsize=chart_size(theme, b), layout="constrained")
        DRAW[theme](canvas.add_subplot(), b)
        out = io.StringIO()
        canvas.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    text = re.sub(r"<!--.*?-->\s*", "", text[text.index("<svg"):], flags=re.S)
    text = _ID.sub(lambda m: m.group(0) + f"{theme}-", text)
    label = f"Biểu đồ: {TITLES_VI[theme]}"
    return re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                  rf'<svg \1role="img" aria-label="{label}" class="chart"', text, count=1)

