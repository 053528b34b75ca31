"""What ``planwatch evidence --verify`` finds about a pack: its failures, its
signature, its link; shared by the checks of each layout (``evidence_verify``,
``evidence_verify_bag``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planwatch.reporting.evidence_bag import BAG_INFO, INFO_LABELS

LINK_OK, LINK_FAILED, LINK_NOT_CHECKED = "ok", "failed", "not checked"
SIGNATURE_OK, SIGNATURE_FAILED, UNSIGNED = "ok", "failed", "unsigned"
LAYOUT_BAG, LAYOUT_OLD = "BagIt bag", "before bags (manifest.json, SHA256SUMS)"


@dataclass(frozen=True)
class Failure:
    path: str
    problem: str
    expected: str | None = None
    found: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.problem}"
        if self.expected is not None or self.found is not None:
            pad = " " * 10
            text += (f"\n{pad}expected {self.expected or '-'}"
                     f"\n{pad}found    {self.found or '-'}")
        return text


@dataclass
class Verification:
    pack: Path
    layout: str = LAYOUT_BAG
    # What the pack says it is (plan_code, agency_code, period, created_at,
    # created_by, previous_manifest_sha256, key_id): bag-info, or an old manifest.
    manifest: dict[str, Any] | None = None
    manifest_sha256: str | None = None  # the pack's hash as found (its tag manifest's)
    recorded_sha256: str | None = None  # old layout: what manifest.sha256 says it is
    digest_file: str = "tagmanifest-sha256.txt"  # the file whose hash is the pack's
    checked: int = 0
    listed: int = 0
    failures: list[Failure] = field(default_factory=list)
    link: str = LINK_NOT_CHECKED
    link_note: str = ""
    signature: str = UNSIGNED
    key_id: str | None = None
    signature_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, path: str, problem: str, expected: str | None = None,
             found: str | None = None) -> None:
        self.failures.append(Failure(path, problem, expected, found))

    @property
    def previous(self) -> str | None:
        return (self.manifest or {}).get("previous_manifest_sha256")

    def field_name(self, key: str) -> str:
        """Where the pack states ``key`` (for a failure's path)."""
        if self.layout == LAYOUT_OLD:
            return f"manifest.json ({key})"
        label = next((k for k, v in INFO_LABELS.items() if v == key), key)
        return f"{BAG_INFO} ({label})"


def found_files(pack: Path, v: Verification) -> set[str]:
    """Every regular file under the pack (POSIX paths); links are failures."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(pack, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            rel = path.relative_to(pack).as_posix()
            if path.is_symlink():
                v.fail(rel, "a link, not a file: packs hold files only")
            elif path.is_file():
                found.add(rel)
    return found
