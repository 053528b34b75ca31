"""``planwatch evidence --verify``: is an evidence pack exactly as it was written,
did the Department sign it, and is it the link of its chain it claims to be?

A bag (``evidence_verify_bag``): every file against the manifests, nothing
missing or added, and the signature of the tag manifest against the published
key history (an unknown key, a changed file or comment fails; an unsigned pack
is reported as such). A pack made before bags (``manifest.json``): every file
listed in it hashed again, ``manifest.sha256`` and ``SHA256SUMS`` agreeing with
it; reported as unsigned. The link: against the previous pack's folder when one
is given (which must verify too), else against ``audit.evidence_packs`` when the
warehouse answers; with neither, the link is reported as not checked (not a
failure).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg

from planwatch.config import Settings
from planwatch.errors import UserError
from planwatch.reporting.evidence_bag import BAGIT, PAYLOAD
from planwatch.reporting.evidence_manifest import (
    MANIFEST,
    MANIFEST_SHA,
    SUMS,
    UNLISTED,
    is_safe_path,
    read_sha_file,
    render_sums,
    sha256_file,
)
from planwatch.reporting.evidence_result import (
    LAYOUT_OLD,
    LINK_FAILED,
    LINK_NOT_CHECKED,
    LINK_OK,
    SIGNATURE_OK,
    UNSIGNED,
    Verification,
    found_files,
)
from planwatch.reporting.evidence_verify_bag import verify_bag
from planwatch.warehouse.evidence import recorded_pack


def _read_manifest(pack: Path, v: Verification) -> None:
    path = pack / MANIFEST
    if not path.is_file():
        v.fail(MANIFEST, "missing")
        return
    v.manifest_sha256, _ = sha256_file(path)
    sha_file = pack / MANIFEST_SHA
    recorded = (read_sha_file(sha_file.read_text(encoding="utf-8", errors="replace"), MANIFEST)
                if sha_file.is_file() else None)
    v.recorded_sha256 = recorded
    if not sha_file.is_file():
        v.fail(MANIFEST_SHA, "missing")
    elif recorded is None:
        v.fail(MANIFEST_SHA, f"names no SHA-256 for {MANIFEST}")
    elif recorded != v.manifest_sha256:
        v.fail(MANIFEST, f"changed: its SHA-256 is not the one {MANIFEST_SHA} gives",
               recorded, v.manifest_sha256)
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        v.fail(MANIFEST, f"not readable JSON ({exc})")
        return
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        v.fail(MANIFEST, "has no list of files")
        return
    v.manifest = manifest


def verify_files(pack: Path, keys: Path) -> Verification:
    """Every file of the pack, and its signature against the key history ``keys``
    (no link checked)."""
    if (pack / BAGIT).exists() or (pack / PAYLOAD).is_dir():
        return verify_bag(pack, keys)
    return verify_old_layout(pack)


def verify_old_layout(pack: Path) -> Verification:
    """A pack made before bags: every file against its manifest.json. Unsigned."""
    v = Verification(pack, layout=LAYOUT_OLD, digest_file=MANIFEST, signature=UNSIGNED,
                     signature_note="made before packs were signed (the old layout)")
    _read_manifest(pack, v)
    found = found_files(pack, v)
    if v.manifest is None:
        return v
    listed: dict[str, dict[str, Any]] = {}
    for entry in v.manifest["files"]:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not is_safe_path(path) or path in listed:
            v.fail(str(path), "not a valid entry of the manifest's files (a path inside "
                              "the pack, listed once)")
            continue
        listed[path] = entry
    for path, entry in sorted(listed.items()):
        target = pack / path
        if path not in found:
            v.fail(path, "missing (listed in the manifest)", entry.get("sha256"), None)
            continue
        sha, size = sha256_file(target)
        v.checked += 1
        if sha != entry.get("sha256"):
            v.fail(path, "changed: SHA-256 differs", entry.get("sha256"), sha)
        elif size != entry.get("size"):
            v.fail(path, "changed: size differs", str(entry.get("size")), str(size))
    for path in sorted(found - set(listed) - set(UNLISTED)):
        v.fail(path, "added: not listed in the manifest", None, sha256_file(pack / path)[0])
    v.listed = len(listed)
    _check_sums(pack, v, list(listed.values()))
    return v


def _check_sums(pack: Path, v: Verification, files: list[dict[str, Any]]) -> None:
    path = pack / SUMS
    if not path.is_file():
        v.fail(SUMS, "missing")
        return
    # The manifest's line is held to manifest.sha256 (a changed manifest fails once, there).
    expected = render_sums(files, v.recorded_sha256 or v.manifest_sha256 or "")
    text = path.read_text(encoding="utf-8", errors="replace")
    if text == expected:
        return

    def lines(t: str) -> dict[str, str]:
        out = {}
        for line in t.splitlines():
            sha, _, name = line.partition("  ")
            out[name] = sha
        return out
    want, have = lines(expected), lines(text)
    failed = len(v.failures)
    for name in sorted(set(want) | set(have)):
        if want.get(name) != have.get(name):
            v.fail(f"{SUMS} ({name})", "disagrees with the manifest", want.get(name),
                   have.get(name))
    if len(v.failures) == failed:
        v.fail(SUMS, "changed: not as the manifest renders it (order or layout)")


def link_to_previous(v: Verification, previous: Verification) -> None:
    """The link, against the previous pack's folder (which must verify)."""
    failed = len(v.failures)
    for f in previous.failures:
        v.fail(f"previous pack {previous.pack}: {f.path}", f.problem, f.expected, f.found)
    v.link_note = f"against the previous pack {previous.pack}"
    if previous.manifest is None or v.manifest is None:
        v.link = LINK_FAILED
        return
    link = v.field_name("previous_manifest_sha256")
    if v.previous is None:
        v.fail(link, "none: this pack says it is the first of its chain, yet a previous "
                     "pack was given", previous.manifest_sha256, None)
    elif v.previous != previous.manifest_sha256:
        v.fail(link, "does not name the pack given as previous (the hash of its "
                     f"{previous.digest_file})", previous.manifest_sha256, v.previous)
    for key in ("plan_code", "agency_code"):
        if previous.manifest.get(key) != v.manifest.get(key):
            v.fail(v.field_name(key), "differs from the previous pack's",
                   str(previous.manifest.get(key)), str(v.manifest.get(key)))
    v.link = LINK_OK if len(v.failures) == failed else LINK_FAILED


def link_in_warehouse(v: Verification, url: str) -> None:
    """The link, against the chain recorded in audit.evidence_packs."""
    if v.manifest is None or v.manifest_sha256 is None:
        return
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = recorded_pack(conn, v.manifest_sha256)
            before = recorded_pack(conn, v.previous) if v.previous else None
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        v.link, v.link_note = LINK_NOT_CHECKED, f"the warehouse did not answer ({first})"
        return
    v.link_note = "against audit.evidence_packs"
    failed = len(v.failures)
    if row is None:
        v.fail(v.digest_file, "not recorded in audit.evidence_packs: no pack with this "
                              "hash was ever written", "a recorded pack", v.manifest_sha256)
    else:
        for key, column in (("previous_manifest_sha256",) * 2, ("plan_code",) * 2,
                            ("agency_code",) * 2, ("period",) * 2,
                            ("key_id", "signing_key_id")):
            if row.get(column) != v.manifest.get(key):
                v.fail(v.field_name(key), "differs from what audit.evidence_packs "
                       "recorded for this pack", str(row.get(column)),
                       str(v.manifest.get(key)))
    if v.previous and (before is None or (before["plan_code"], before["agency_code"]) != (
            v.manifest.get("plan_code"), v.manifest.get("agency_code"))):
        v.fail(v.field_name("previous_manifest_sha256"), "names no recorded pack of the "
               "same plan and agency", "a recorded pack", v.previous)
    v.link = LINK_OK if len(v.failures) == failed else LINK_FAILED


def verify_pack(pack: Path, *, keys: Path, previous: Path | None = None,
                url: str | None = None,
                offline_reason: str = "no warehouse to read the recorded chain from",
                require_signature: bool = False) -> Verification:
    """The pack's files and signature (against the key history ``keys``), then its
    link: against ``previous`` if given, else the warehouse at ``url`` (a role
    that reads the audit) if given. ``require_signature``: unsigned fails."""
    v = verify_files(pack, keys)
    if previous is not None:
        link_to_previous(v, verify_files(previous, keys))
    elif url is not None:
        link_in_warehouse(v, url)
    else:
        v.link, v.link_note = LINK_NOT_CHECKED, offline_reason
    if require_signature and v.signature == UNSIGNED:
        v.fail("signature", "the pack is unsigned (chưa ký), and a signature was required")
    return v


def verify_command(settings: Settings, pack: Path, *, previous: str | None,
                   keys: str | None, offline: bool, url: str | None,
                   require_signature: bool) -> tuple[str, bool]:
    """``planwatch evidence --verify``: what it prints, and whether the pack verified."""
    for folder in (pack, *([Path(previous)] if previous else [])):
        if not folder.is_dir():
            raise UserError(f"no evidence pack at {folder}: not a folder")
    checked = verify_pack(pack, keys=Path(keys).resolve() if keys else settings.public_keys_dir,
                          previous=Path(previous) if previous else None, url=url,
                          offline_reason="--offline was given" if offline else
                          "no warehouse configured or running to read the chain from",
                          require_signature=require_signature)
    return report(checked), checked.ok


def report(v: Verification) -> str:
    """What ``--verify`` prints: the pack, each failure, the signature, the link,
    the verdict."""
    m = v.manifest or {}
    lines = [f"evidence pack {v.pack}  ({v.layout})"]
    if m:
        lines.append(f"  plan {m.get('plan_code')}  agency {m.get('agency_code')}  "
                     f"period {m.get('period')}  created {m.get('created_at')} by "
                     f"{m.get('created_by')}")
    lines.append(f"  pack sha256   {v.manifest_sha256 or '-'} ({v.digest_file})")
    lines.append(f"  previous pack {v.previous or 'none (first pack of its chain)'}")
    lines.append(f"  files checked: {v.checked} of {v.listed} listed")
    for f in v.failures:
        lines.append(f"  FAILED  {f}")
    if v.signature == SIGNATURE_OK:
        lines.append(f"  signature OK ({v.signature_note})")
    elif v.signature == UNSIGNED:
        lines.append(f"  !!! UNSIGNED (chưa ký): {v.signature_note}. Nothing proves who made "
                     "this pack but the recorded chain.")
    else:
        lines.append("  signature FAILED")
    if v.link == LINK_NOT_CHECKED:
        lines.append(f"  !!! LINK NOT CHECKED: {v.link_note}. Give the previous pack with "
                     "--previous DIR, or reach the warehouse, to check it.")
    else:
        lines.append(f"  link {v.link.upper()} ({v.link_note})")
    if v.failures:
        lines.append(f"RESULT: FAILED — {len(v.failures)} problem(s)")
        return "\n".join(lines)
    caveats = [*(["UNSIGNED (chưa ký)"] if v.signature == UNSIGNED else []),
               *(["THE LINK WAS NOT CHECKED"] if v.link == LINK_NOT_CHECKED else [])]
    if caveats:
        lines.append(f"RESULT: every file verified; {'; '.join(caveats)}")
    else:
        lines.append("RESULT: OK — every file, the signature and the link verified")
    return "\n".join(lines)
