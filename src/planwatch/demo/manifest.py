"""The demo manifest: what each file of a demo year is meant to be.

Written beside the inbox (``manifest_path``), never into it: valid, invalid
and why, duplicate, resubmission, when it arrived and which kinds of mess it
carries. It states intent only; tests check the warehouse against it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from planwatch.demo.history_cases import HISTORY_CASES

Outcome = Literal["valid", "invalid", "duplicate", "resubmission", "correction"]
# The outcomes of a file the pipeline accepts ("correction": the file that fixes a
# rejected one; "resubmission": a corrected version of an accepted one).
ACCEPTED_OUTCOMES: tuple[Outcome, ...] = ("valid", "resubmission", "correction")
INVALID_REASONS: tuple[str, ...] = (
    "period_mismatch",
    "unknown_task_code",
    "invalid_status",
    "unit_mismatch",
    "missing_required_column",
    # Cases across months that reject the file (demo.history_cases).
    *(case for case, spec in HISTORY_CASES.items() if spec.blocks),
)


def manifest_path(out_dir: Path) -> Path:
    """Where the manifest of a demo inbox goes: beside it, ``<inbox>.manifest.json``."""
    out_dir = Path(out_dir)
    return out_dir.with_name(f"{out_dir.name}.manifest.json")


@dataclass
class DemoFile:
    """One file of the demo year and what it is meant to be."""

    path: str  # relative to out_dir, "/"-separated
    agency_code: str
    period: str  # YYYY-MM (the folder)
    kind: Literal["xlsx", "csv"]
    templates: list[str]
    arrival_at: str  # ISO 8601, +07:00; also the file's mtime
    is_late: bool
    outcome: Outcome
    reason: str | None = None  # invalid: one of INVALID_REASONS
    duplicate_of: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    encoding: str | None = None  # csv only
    delimiter: str | None = None  # csv only
    sha256: str = ""
    size: int = 0
    mess: list[str] = field(default_factory=list)
    # The cross-month rules meant to fire on this file (demo.history_cases), and
    # whether they can only fire when its agency's earlier months were loaded.
    checks: list[str] = field(default_factory=list)
    needs_earlier: bool = False
    # Put by the Department into the issuer's shared folder, for the agency.
    department_import: bool = False


@dataclass
class DemoManifest:
    seed: int
    plan_code: str
    year: int
    timezone: str
    deadline: str
    agencies: list[str]
    files: list[DemoFile]
    missing: list[dict[str, str]]  # [{"agency_code", "period"}]

    def counts(self) -> dict[str, int]:
        """Files by outcome and invalid reason, plus late, missing and kinds."""
        out: dict[str, int] = {
            "files": len(self.files),
            "xlsx": sum(f.kind == "xlsx" for f in self.files),
            "csv": sum(f.kind == "csv" for f in self.files),
            "late": sum(f.is_late for f in self.files),
            "missing_agency_months": len(self.missing),
        }
        for outcome in ("valid", "invalid", "duplicate", "resubmission", "correction"):
            out[outcome] = sum(f.outcome == outcome for f in self.files)
        for reason in INVALID_REASONS:
            out[f"invalid:{reason}"] = sum(f.reason == reason for f in self.files)
        for case in HISTORY_CASES:
            out[f"checks:{case}"] = sum(case in f.checks for f in self.files)
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts()
        return data

    def write_json(self, path: Path) -> None:
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read_json(cls, path: Path) -> DemoManifest:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data.pop("counts", None)
        data["files"] = [DemoFile(**f) for f in data["files"]]
        return cls(**data)
