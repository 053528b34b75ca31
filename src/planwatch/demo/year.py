"""A deterministic, realistic year of a plan's agency submissions, mess included.

``write_demo_year(catalog, out_dir, calendar=...)`` writes what each agency sent
into its own inbox folder (``catalog.inbox_layout``), arranged as many clerks do,
by month: ``out_dir/<issuer>/<agency>/<YYYY-MM>/``, but for one agency's February
report, which the Department imports for it (received on paper) into the
issuer's shared folder (``<issuer>/_chung/<YYYY-MM>/``); and the manifest beside
``out_dir`` saying what each file is meant to be. Each file's arrival time is its
modification time.

The year, in shares of agencies or agency-months (each case at least once when
the catalog allows it): most agencies send one .xlsx per month, ~20 % send CSV
files instead (UTF-8 with/without BOM or Windows-1258, `,` or `;`); the true
values come from ``simulation``, the mess from ``mess``, the cases (missing,
late, resubmitted, duplicate, invalid) from ``cases`` and ``defects``, the files
from ``rendering``. Same catalog and seed, same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import random
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from planwatch.catalog.inbox_layout import SHARED_FOLDER, agency_folder
from planwatch.catalog.model import Catalog
from planwatch.demo.cases import Calendar, Slot, arrival_time, assign_cases
from planwatch.demo.content import AgencyYear, month_sheets
from planwatch.demo.defects import apply_correction, apply_defect
from planwatch.demo.history_cases import HISTORY_CASES, apply_history_case
from planwatch.demo.manifest import INVALID_REASONS, DemoFile, DemoManifest, manifest_path
from planwatch.demo.mess import agency_profiles, mess_tags
from planwatch.demo.rendering import render_csv, render_xlsx
from planwatch.demo.seeding import seeded
from planwatch.demo.simulation import indicator_year, project_lines, task_year
from planwatch.vocabulary.periods import period_of, previous_month
from planwatch.vocabulary.templates import Template, spec


def write_demo_year(
    catalog: Catalog,
    out_dir: Path,
    *,
    calendar: Calendar | None = None,
    seed: int | None = None,
    months: Iterable[int] | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    manifest_to: Path | None = None,
) -> DemoManifest:
    """Write a year of the plan's submissions for every reporting agency; returns
    the manifest.

    Files go to ``out_dir/<issuer>/<agency>/<YYYY-MM>/``; the manifest to ``manifest_to``, by
    default beside ``out_dir`` (``manifest_path``). The year is the plan's; ``seed`` defaults to it.
    Arrival times follow ``calendar`` (default: the configured deadline). ``months``
    limits which months are written (the year is planned in full either way, so
    a month's files do not depend on which other months are written). An
    agency-month folder that already holds files is an error unless ``overwrite``, which
    removes only files named like demo submissions (``<AGENCY>_<YYYY-MM>...``).
    ``progress`` shows a tqdm bar (default: when stderr is a terminal).
    """
    out_dir = Path(out_dir)
    calendar = calendar or Calendar.configured()
    year = catalog.plan.year
    seed = year if seed is None else seed
    wanted = sorted(set(months or range(1, 13)))
    if any(not 1 <= m <= 12 for m in wanted):
        raise ValueError(f"months must be 1..12, got {wanted}")
    agencies = catalog.reporting_agencies()
    codes = [a.agency_code for a in agencies]
    issuer = catalog.plan.issuer_code
    for m, code in ((m, c) for m in wanted for c in codes):
        folder = out_dir / agency_folder(issuer, code) / period_of(year, m)
        if folder.is_dir() and any(folder.iterdir()):
            if not overwrite:
                raise FileExistsError(f"{folder} is not empty (use overwrite=True)")
            for path in folder.iterdir():
                if path.is_file() and path.name.startswith(f"{code}_{period_of(year, m)}"):
                    path.unlink()

    profiles = agency_profiles(catalog, agencies, seed)
    ays: dict[str, AgencyYear] = {}
    for agency in agencies:
        code = agency.agency_code
        profile = profiles[code]
        ays[code] = AgencyYear(
            plan=catalog.plan, agency=agency, profile=profile, templates=catalog.templates_of(code),
            tasks=[(t, task_year(t, year, seed)) for t in catalog.tasks_of(code)],
            indicators=[(i, indicator_year(i, seed)) for i in catalog.indicators_of(code)],
            lines=[line for p in catalog.projects_of(code)
                   for line in project_lines(p, agency, profile.money_decimals, seed)],
            seed=seed,
        )
    slots = assign_cases(ays, seed)
    edge_rng = seeded(seed, "edges")
    present = sorted(k for k, s in slots.items() if s.case != "missing")
    late_keys = [k for k in present if slots[k].late]
    ontime_keys = [k for k in present if not slots[k].late]
    edges = set(edge_rng.sample(late_keys, min(2, len(late_keys))))
    edges |= set(edge_rng.sample(ontime_keys, min(3, len(ontime_keys))))
    imported = _department_import(slots, profiles, seed)

    files: list[DemoFile] = []
    missing: list[dict[str, str]] = []
    show = sys.stderr.isatty() if progress is None else progress
    work = [(m, code) for m in wanted for code in codes]
    for month, code in tqdm(work, desc=f"demo {year}", unit="agency-month", disable=not show):
        ay = ays[code]
        slot = slots[(code, month)]
        period = period_of(year, month)
        rel = (f"{issuer}/{SHARED_FOLDER}" if (code, month) == imported
               else agency_folder(issuer, code)) + f"/{period}/"
        folder = out_dir / rel
        if slot.case == "missing":
            missing.append({"agency_code": code, "period": period})
            continue
        rng = seeded(seed, "file", code, month)
        at = arrival_time(period, slot.late, rng, (code, month) in edges, calendar)
        folder.mkdir(parents=True, exist_ok=True)
        written = _write_agency_month(catalog, ay, slot, month, folder, rel, at, rng, calendar)
        for f in written:
            f.department_import = (code, month) == imported
        files.extend(written)

    manifest = DemoManifest(
        seed=seed, plan_code=catalog.plan_code, year=year, timezone=calendar.timezone,
        deadline=f"before day {calendar.settings.deadline_day} of the reporting month, "
                 f"local time, the last day moved under rule {calendar.settings.deadline_rule}, "
                 f"plus {calendar.settings.grace_days} day(s) of grace",
        agencies=codes, files=files, missing=missing,
    )
    for f in files:
        f.path = f.path.replace(os.sep, "/")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest.write_json(manifest_to or manifest_path(out_dir))
    return manifest


def _write(path: Path, data: bytes, at: dt.datetime) -> tuple[str, int]:
    path.write_bytes(data)
    ts = int(at.timestamp())
    os.utime(path, ns=(ts * 1_000_000_000, ts * 1_000_000_000))
    return hashlib.sha256(data).hexdigest(), len(data)


def _department_import(slots: dict[tuple[str, int], Slot], profiles: dict,
                       seed: int) -> tuple[str, int] | None:
    """The agency-month whose report the Department imports into the shared folder:
    an on-time, ordinary February workbook (drawn from a stream of its own, so
    that no other file changes)."""
    candidates = sorted(k for k, s in slots.items() if k[1] == 2 and s.case == "normal"
                        and not s.late and profiles[k[0]].kind != "csv")
    return seeded(seed, "department import").choice(candidates) if candidates else None


def _write_agency_month(
    catalog: Catalog, ay: AgencyYear, slot: Slot, month: int, folder: Path, rel: str,
    at: dt.datetime, rng: random.Random, calendar: Calendar,
) -> list[DemoFile]:
    code = ay.agency.agency_code
    year = catalog.plan.year
    period = period_of(year, month)
    profile = ay.profile
    sheets = month_sheets(ay, month)
    out: list[DemoFile] = []
    reason = slot.case if slot.case in INVALID_REASONS else None
    hit: Template | None = None
    true_sheets = copy.deepcopy(sheets) if reason else None
    history = HISTORY_CASES.get(slot.case)
    if history:
        hit = apply_history_case(slot.case, sheets, ay, month, seeded(rng.random(), "history"))
    elif reason:
        hit = apply_defect(reason, sheets, catalog, seeded(rng.random(), "defect"))
    checks = {"checks": list(history.fires), "needs_earlier": 1 not in history.months} \
        if history else {}

    if profile.kind == "csv":
        for sheet in sheets:
            name = f"{code}_{period}_{spec(sheet.template).csv_suffix}.csv"
            data, encoding = render_csv(ay, sheet, period, rng)
            sha, size = _write(folder / name, data, at)
            mess = mess_tags(profile, {sheet.template}, "csv")
            if encoding != profile.encoding:
                mess.append("cp1258_fallback_utf8")
            bad = reason is not None and hit == sheet.template
            checked = checks if hit == sheet.template else {}
            out.append(DemoFile(
                path=rel + name, agency_code=code, period=period, kind="csv",
                templates=[sheet.template], arrival_at=at.isoformat(),
                is_late=calendar.is_late(at, period),
                outcome="invalid" if bad else "valid", reason=reason if bad else None,
                encoding=encoding, delimiter=profile.delimiter, sha256=sha, size=size,
                mess=mess, **checked,
            ))
        return out

    info_period = (period_of(*previous_month(year, month)) if reason == "period_mismatch"
                   else period)
    templates = [s.template for s in sheets]
    mess = mess_tags(profile, {s.template for s in sheets}, "xlsx")
    created = at - dt.timedelta(minutes=rng.randint(20, 2 * 24 * 60))
    name = f"{code}_{period}.xlsx"
    if slot.case == "resubmission":
        true_sheets = copy.deepcopy(sheets)
        prev_sheets = month_sheets(ay, month - 1) if month > 1 else None
        changed = apply_correction(sheets, prev_sheets, seeded(rng.random(), "fix"))
        data = render_xlsx(ay, sheets, info_period, created, seeded(rng.random()))
        sha, size = _write(folder / name, data, at)
        v2_name = f"{code}_{period}_v2.xlsx"
        at2 = at + dt.timedelta(days=rng.randint(2, 5), hours=rng.randint(-6, 6))
        v2 = render_xlsx(ay, true_sheets, info_period, at2 - dt.timedelta(hours=2),
                         seeded(rng.random()))
        sha2, size2 = _write(folder / v2_name, v2, at2)
        out.append(DemoFile(
            path=rel + name, agency_code=code, period=period, kind="xlsx", templates=templates,
            arrival_at=at.isoformat(), is_late=calendar.is_late(at, period), outcome="valid",
            superseded_by=rel + v2_name, sha256=sha, size=size, mess=mess,
        ))
        out.append(DemoFile(
            path=rel + v2_name, agency_code=code, period=period, kind="xlsx",
            templates=templates, arrival_at=at2.isoformat(), is_late=calendar.is_late(at2, period),
            outcome="resubmission", reason=f"corrects {changed}", supersedes=rel + name,
            sha256=sha2, size=size2, mess=mess,
        ))
        return out

    data = render_xlsx(ay, sheets, info_period, created, seeded(rng.random()))
    sha, size = _write(folder / name, data, at)
    out.append(DemoFile(
        path=rel + name, agency_code=code, period=period, kind="xlsx", templates=templates,
        arrival_at=at.isoformat(), is_late=calendar.is_late(at, period),
        outcome="invalid" if reason else "valid", reason=reason, sha256=sha, size=size,
        mess=mess, **checks,
    ))
    # Half the clerks whose file was rejected send it again fixed, from the receipt
    # (the cases across months stay as they are: later months compare with them).
    if reason and not history and true_sheets and rng.random() < 0.5:
        fixed_name = f"{code}_{period}_da_sua.xlsx"
        at2 = at + dt.timedelta(hours=rng.randint(5, 72))
        fixed = render_xlsx(ay, true_sheets, period, at2 - dt.timedelta(hours=1),
                            seeded(rng.random()))
        sha2, size2 = _write(folder / fixed_name, fixed, at2)
        out.append(DemoFile(
            path=rel + fixed_name, agency_code=code, period=period, kind="xlsx",
            templates=templates, arrival_at=at2.isoformat(), is_late=calendar.is_late(at2, period),
            outcome="correction", reason=f"fixes {reason}", supersedes=rel + name,
            sha256=sha2, size=size2, mess=mess,
        ))
    if slot.case == "duplicate":
        dup_name = f"{code}_{period}_gui_lai.xlsx"
        at2 = at + dt.timedelta(hours=rng.randint(2, 40))
        sha2, size2 = _write(folder / dup_name, data, at2)
        out.append(DemoFile(
            path=rel + dup_name, agency_code=code, period=period, kind="xlsx",
            templates=templates, arrival_at=at2.isoformat(), is_late=calendar.is_late(at2, period),
            outcome="duplicate", duplicate_of=rel + name, sha256=sha2, size=size2, mess=mess,
        ))
    return out


def copy_period(demo_inbox: Path, inbox: Path, period: str, issuer: str = "*") -> int:
    """Land a demo month in ``inbox``: every agency's ``<period>`` folder (of the
    issuer, or of every issuer) copied to the same place, times kept; returns how
    many folders."""
    folders = sorted(demo_inbox.glob(f"{issuer}/*/{period}"))
    for folder in folders:
        shutil.copytree(folder, inbox / folder.relative_to(demo_inbox),
                        copy_function=shutil.copy2, dirs_exist_ok=True)
    return len(folders)
