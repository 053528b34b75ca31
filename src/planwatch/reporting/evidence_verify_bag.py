"""The checks of a pack laid out as a BagIt bag (``evidence_bag``): every file
against the manifests, nothing missing or added, Payload-Oxum, and the minisign
signature of the tag manifest against the published key history."""

from __future__ import annotations

from pathlib import Path

from planwatch.reporting.evidence_bag import (
    BAG_INFO,
    BAGIT,
    COVERED,
    MANIFEST,
    PAYLOAD,
    SIGNATURE,
    TAG_MANIFEST,
    info_facts,
    parse_manifest,
    parse_tags,
    sha256_bytes,
)
from planwatch.reporting.evidence_keys import SignatureProblem, check_signature
from planwatch.reporting.evidence_manifest import sha256_file
from planwatch.reporting.evidence_result import (
    LAYOUT_BAG,
    SIGNATURE_FAILED,
    SIGNATURE_OK,
    UNSIGNED,
    Verification,
    found_files,
)


def _check_listed(pack: Path, v: Verification, sums: dict[str, str], found: set[str],
                  manifest: str) -> None:
    for path, expected in sorted(sums.items()):
        if path not in found:
            v.fail(path, f"missing (listed in {manifest})", expected, None)
            continue
        sha, _ = sha256_file(pack / path)
        v.checked += 1
        if sha != expected:
            v.fail(path, f"changed: SHA-256 differs from {manifest}", expected, sha)


def _read_sums(pack: Path, v: Verification, name: str, found: set[str]
               ) -> tuple[bytes, dict[str, str]] | None:
    if name not in found:
        v.fail(name, "missing")
        return None
    data = (pack / name).read_bytes()
    sums, bad = parse_manifest(data)
    for line in bad:
        v.fail(name, f"not a valid line (a path inside the bag, listed once): {line!r}")
    return data, sums


def verify_bag(pack: Path, keys: Path) -> Verification:
    """A bag's files, its bag-info and its signature (no link checked)."""
    v = Verification(pack, layout=LAYOUT_BAG, digest_file=TAG_MANIFEST)
    found = found_files(pack, v)
    tag = _read_sums(pack, v, TAG_MANIFEST, found)
    payload = _read_sums(pack, v, MANIFEST, found)
    if tag is None or payload is None:
        return v
    tag_bytes, tag_sums = tag
    v.manifest_sha256 = sha256_bytes(tag_bytes)
    for name in COVERED:
        if name not in tag_sums:
            v.fail(name, f"not covered by {TAG_MANIFEST}: a pack's tag manifest lists it")
    for name in sorted(p for p in tag_sums if p.startswith(f"{PAYLOAD}/")):
        v.fail(name, f"a payload file listed in {TAG_MANIFEST}: tag files only")
    _check_listed(pack, v, tag_sums, found, TAG_MANIFEST)
    payload_sums = payload[1]
    for name in sorted(p for p in payload_sums if not p.startswith(f"{PAYLOAD}/")):
        v.fail(name, f"listed in {MANIFEST} but not under {PAYLOAD}/")
    _check_listed(pack, v, payload_sums, found, MANIFEST)
    v.listed = len(payload_sums) + len(tag_sums)
    unlisted = found - set(tag_sums) - set(payload_sums) - {TAG_MANIFEST, SIGNATURE}
    for path in sorted(unlisted):
        where = MANIFEST if path.startswith(f"{PAYLOAD}/") else TAG_MANIFEST
        v.fail(path, f"added: not listed in {where}", None, sha256_file(pack / path)[0])
    if BAG_INFO in found:
        _read_info(pack, v, payload_sums)
    if BAGIT in found and parse_tags((pack / BAGIT).read_bytes()).get("BagIt-Version") is None:
        v.fail(BAGIT, "names no BagIt-Version")
    check_signature_of(pack, v, keys, tag_bytes, found)
    return v


def _read_info(pack: Path, v: Verification, payload_sums: dict[str, str]) -> None:
    try:
        tags = parse_tags((pack / BAG_INFO).read_bytes())
    except UnicodeDecodeError:
        v.fail(BAG_INFO, "not UTF-8 text")
        return
    v.manifest = info_facts(tags)
    for key in ("plan_code", "agency_code", "period"):
        if not v.manifest.get(key):
            v.fail(v.field_name(key), "missing")
    oxum = tags.get("Payload-Oxum")
    listed = [pack / p for p in payload_sums if (pack / p).is_file()]
    actual = f"{sum(p.stat().st_size for p in listed)}.{len(payload_sums)}"
    if oxum != actual:
        v.fail(f"{BAG_INFO} (Payload-Oxum)", "does not match the payload (bytes.files)",
               oxum, actual)


def check_signature_of(pack: Path, v: Verification, keys: Path, tag_bytes: bytes,
                       found: set[str]) -> None:
    """The signature of the tag manifest, against the key history ``keys``: the
    key bag-info names, the pack's plan, agency and period in its trusted comment."""
    named = (v.manifest or {}).get("key_id")
    if SIGNATURE not in found:
        if named:
            v.signature = SIGNATURE_FAILED
            v.fail(SIGNATURE, f"missing: {BAG_INFO} says key {named} signed this pack")
        else:
            v.signature, v.signature_note = UNSIGNED, "no signing key was configured when " \
                                                      "the pack was made"
        return
    try:
        key_id, comment = check_signature(keys, tag_bytes, (pack / SIGNATURE).read_bytes())
    except SignatureProblem as exc:
        v.signature = SIGNATURE_FAILED
        v.fail(SIGNATURE, str(exc))
        return
    v.key_id = key_id
    failed = len(v.failures)
    if named != key_id:
        v.fail(v.field_name("key_id"), "is not the key that signed the pack", key_id,
               str(named))
    m = v.manifest or {}
    claims = (f"plan={m.get('plan_code')} agency={m.get('agency_code')} "
              f"period={m.get('period')} key={key_id}")
    if claims not in comment:
        v.fail(f"{SIGNATURE} (trusted comment)", "does not name this pack", claims, comment)
    v.signature = SIGNATURE_OK if len(v.failures) == failed else SIGNATURE_FAILED
    v.signature_note = f"key {key_id}, from the published key history {keys}; {comment}"
