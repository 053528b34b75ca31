"""Evidence packs as signed BagIt bags, without a database: a small bag written by
planwatch's own bag writer (``evidence_bag.write_tag_files``) and signed with a
real minisign key, then checked by planwatch and by tools planwatch did not
write — the ``bagit`` library and its ``bagit.py`` script, ``sha256sum`` and
Debian's ``minisign`` (CI installs it; the tests that need it say so and skip
only where the binary is absent). The whole pack made from a warehouse is
``tests/integration/test_evidence.py``'s."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import bagit
import minisign
import pytest

from planwatch.config import Settings, load_settings
from planwatch.errors import UserError
from planwatch.reporting import evidence_keys
from planwatch.reporting.evidence_bag import (
    BAG_INFO,
    GUIDE,
    KEYS,
    MANIFEST,
    SIGNATURE,
    TAG_MANIFEST,
    PackInfo,
    sha256_bytes,
    write_tag_files,
)
from planwatch.reporting.evidence_guide import guide_text
from planwatch.reporting.evidence_manifest import render_manifest, render_sums, sha_line
from planwatch.reporting.evidence_result import SIGNATURE_FAILED, SIGNATURE_OK, UNSIGNED
from planwatch.reporting.evidence_verify import report, verify_pack

MINISIGN = shutil.which("minisign")
needs_minisign = pytest.mark.skipif(MINISIGN is None, reason="Debian's minisign is not "
                                    "installed here (CI installs it: apt-get install minisign)")
BAGIT_SCRIPT = Path(sys.executable).parent / "bagit.py"
RAW = "data/submissions/7/raw_rows.csv"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A home of the test's own: data under it, the key history in it, the
    secret key kept outside it (as a mounted secret would be)."""
    return replace(load_settings(), home=tmp_path / "home", signing_key="",
                   signing_key_password_file="", public_keys_path="")


def _signing(settings: Settings, secret: Path) -> Settings:
    evidence_keys.new_key(settings, secret)
    return replace(settings, signing_key=str(secret))


def _bag(root: Path, signer: evidence_keys.Signer | None, *, period: str = "2024-01",
         previous: str | None = None) -> str:
    """A small pack, as ``planwatch evidence`` lays one out; returns its hash."""
    payload = {RAW: "\ufeffsubmission_id,source_row,ten\n7,5,Sở Tài chính\n".encode(),
               "data/files/ab12.xlsx": b"PK\x03\x04 bytes of a workbook",
               "data/pack.json": json.dumps({"submissions": [7]}).encode()}
    for path, data in payload.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    key_id = signer.key_id if signer else None
    info = PackInfo(plan_code="PLAN-X", agency_code="STC", agency_name_vi="Sở Tài chính",
                    period=period, created_at="2024-02-21T03:00:00+00:00",
                    created_by="kiem.toan", previous=previous, key_id=key_id,
                    software="0.1.0", payload_bytes=sum(len(d) for d in payload.values()),
                    payload_files=len(payload))
    tags = {GUIDE: guide_text(plan_code="PLAN-X", agency_code="STC",
                              agency_name_vi="Sở Tài chính", period=period,
                              created_at=info.created_at, created_by="kiem.toan",
                              dbt_included=False, key_id=key_id).encode()}
    if signer:
        tags[f"{KEYS}/{key_id}.pub"] = signer.public_file.read_bytes()
    return write_tag_files(root, info, {p: sha256_bytes(d) for p, d in payload.items()},
                           tags, signer)


@pytest.fixture
def signed(settings: Settings, tmp_path: Path):
    settings = _signing(settings, tmp_path / "secrets" / "signing.key")
    signer = evidence_keys.load_signer(settings)
    assert signer is not None
    pack = tmp_path / "pack"
    _bag(pack, signer)
    return settings, signer, pack


def _verify(settings: Settings, pack: Path, **kwargs):
    v = verify_pack(pack, keys=settings.public_keys_dir, **kwargs)
    return v, report(v)


def _minisign(pack: Path, public: Path) -> subprocess.CompletedProcess:
    return subprocess.run([MINISIGN, "-Vm", TAG_MANIFEST, "-p", str(public)], cwd=pack,
                          capture_output=True, text=True)


def _bagit_rewrite(pack: Path, path: str, data: bytes) -> None:
    """Change a payload file and recompute every sum with the bagit library, as
    someone rewriting the pack end to end would (a consistent rewrite)."""
    (pack / path).write_bytes(data)
    cwd = os.getcwd()
    try:
        bagit.Bag(str(pack)).save(manifests=True)
    finally:
        os.chdir(cwd)


def test_a_signed_bag_verifies_with_planwatch_and_with_bagit_and_sha256sum(signed) -> None:
    settings, signer, pack = signed
    v, text = _verify(settings, pack)
    assert v.ok and v.signature == SIGNATURE_OK and v.key_id == signer.key_id, text
    assert f"signature OK (key {signer.key_id}" in text
    assert "agency=STC period=2024-01" in text  # the signed trusted comment
    bagit.Bag(str(pack)).validate()
    done = subprocess.run([sys.executable, str(BAGIT_SCRIPT), "--validate", str(pack)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "is valid" in done.stderr, done.stderr
    for manifest in (MANIFEST, TAG_MANIFEST):
        done = subprocess.run(["sha256sum", "--strict", "-c", manifest], cwd=pack,
                              capture_output=True, text=True)
        assert done.returncode == 0 and "FAILED" not in done.stdout, done.stdout
    assert f"Planwatch-Signing-Key-Id: {signer.key_id}" in (pack / BAG_INFO).read_text()
    assert f"minisign -Vm {TAG_MANIFEST} -p {signer.key_id}.pub" in (
        pack / GUIDE).read_text(encoding="utf-8")


@needs_minisign
def test_minisign_verifies_the_signature_with_the_published_key(signed) -> None:
    settings, signer, pack = signed
    done = _minisign(pack, settings.public_keys_dir / f"{signer.key_id}.pub")
    assert done.returncode == 0, done.stderr
    assert "Signature and comment signature verified" in done.stdout
    assert f"agency=STC period=2024-01 key={signer.key_id}" in done.stdout


def test_a_bag_rewritten_end_to_end_passes_bagit_but_fails_planwatch(signed) -> None:
    settings, _, pack = signed
    _bagit_rewrite(pack, RAW, "\ufeffsubmission_id,source_row,ten\n7,5,Sở Nội vụ\n".encode())
    bagit.Bag(str(pack)).validate()  # consistent in itself: the sums alone prove nothing
    v, text = _verify(settings, pack)
    assert not v.ok and v.signature == SIGNATURE_FAILED
    assert f"FAILED  {SIGNATURE}: the signature does not match" in text
    assert "RESULT: FAILED" in text


@needs_minisign
def test_a_bag_rewritten_end_to_end_fails_minisign(signed) -> None:
    settings, signer, pack = signed
    _bagit_rewrite(pack, RAW, b"submission_id\n8\n")
    done = _minisign(pack, settings.public_keys_dir / f"{signer.key_id}.pub")
    assert done.returncode != 0 and "Signature verification failed" in done.stderr


def test_a_changed_or_added_file_fails_and_names_the_file(signed) -> None:
    settings, _, pack = signed
    (pack / RAW).write_bytes((pack / RAW).read_bytes() + b"8,6,x\n")
    (pack / "data" / "files" / "extra.xlsx").write_bytes(b"not received")
    (pack / "NOTE.txt").write_text("added beside the tag files")
    v, text = _verify(settings, pack)
    assert f"FAILED  {RAW}: changed: SHA-256 differs from {MANIFEST}" in text
    assert f"FAILED  data/files/extra.xlsx: added: not listed in {MANIFEST}" in text
    assert f"FAILED  NOTE.txt: added: not listed in {TAG_MANIFEST}" in text
    assert "Payload-Oxum" in text  # bagit's own count disagrees too
    assert v.signature == SIGNATURE_OK  # the signed tag manifest itself is intact


def test_a_pack_signed_with_a_key_not_in_the_published_history_fails(
        signed, settings: Settings, tmp_path: Path) -> None:
    """Someone with a key of their own re-signs a rewritten pack (and puts their
    public key in it): the key history does not know it."""
    published, _, pack = signed
    other = replace(settings, home=tmp_path / "elsewhere")
    other = _signing(other, tmp_path / "secrets" / "other.key")
    forger = evidence_keys.load_signer(other)
    assert forger is not None and forger.key_id != evidence_keys.history(published)[0]
    forged = tmp_path / "forged"
    _bag(forged, forger)
    v, text = _verify(published, forged)
    assert not v.ok and v.signature == SIGNATURE_FAILED
    assert f"signed with key {forger.key_id}, which is not in the published key history" in text
    if MINISIGN:  # and the Department's public key does not verify it either
        done = _minisign(forged, published.public_keys_dir / f"{published_id(published)}.pub")
        assert done.returncode != 0


def published_id(settings: Settings) -> str:
    return evidence_keys.history(settings)[0]


def test_a_removed_signature_fails_and_a_stripped_pack_is_only_unsigned(signed) -> None:
    settings, signer, pack = signed
    (pack / SIGNATURE).unlink()
    v, text = _verify(settings, pack)
    assert f"FAILED  {SIGNATURE}: missing: {BAG_INFO} says key {signer.key_id}" in text
    # Rewritten as an unsigned pack: offline it is reported as unsigned, loudly, and
    # fails where a signature is required.
    info = (pack / BAG_INFO).read_text().replace(signer.key_id, "none")
    (pack / BAG_INFO).write_text(info)
    shutil.rmtree(pack / KEYS)
    cwd = os.getcwd()
    try:
        bagit.Bag(str(pack)).save(manifests=True)
    finally:
        os.chdir(cwd)
    v, text = _verify(settings, pack)
    assert v.ok and v.signature == UNSIGNED and "UNSIGNED (chưa ký)" in text
    v, text = _verify(settings, pack, require_signature=True)
    assert not v.ok and "a signature was required" in text


def test_an_old_key_still_verifies_the_packs_it_signed_after_a_new_key(
        signed, tmp_path: Path) -> None:
    settings, old, pack = signed
    rotated = _signing(settings, tmp_path / "secrets" / "signing-2027.key")
    new = evidence_keys.load_signer(rotated)
    assert new is not None and new.key_id != old.key_id
    assert evidence_keys.history(rotated) == sorted([old.key_id, new.key_id])
    _bag(tmp_path / "next", new, period="2024-02")
    for folder, key_id in ((pack, old.key_id), (tmp_path / "next", new.key_id)):
        v, text = _verify(rotated, folder)
        assert v.ok and v.key_id == key_id, text


def test_an_unsigned_bag_verifies_and_says_it_is_unsigned(settings: Settings,
                                                          tmp_path: Path) -> None:
    assert evidence_keys.load_signer(settings) is None  # none configured
    pack = tmp_path / "pack"
    _bag(pack, None)
    assert not (pack / SIGNATURE).exists()
    v, text = _verify(settings, pack)
    assert v.ok and v.signature == UNSIGNED
    assert "UNSIGNED (chưa ký)" in text and "RESULT: every file verified; UNSIGNED" in text
    assert "CHƯA KÝ" in (pack / GUIDE).read_text(encoding="utf-8")
    assert "Planwatch-Signing-Key-Id: none" in (pack / BAG_INFO).read_text()
    bagit.Bag(str(pack)).validate()


def test_a_pack_of_the_old_layout_still_verifies_as_unsigned(settings: Settings,
                                                             tmp_path: Path) -> None:
    """A pack made before packs were bags: manifest.json, manifest.sha256, SHA256SUMS."""
    pack = tmp_path / "old"
    files = []
    for path, data in (("files/ab12.xlsx", b"PK workbook"), ("HUONG_DAN.txt", b"guide")):
        (pack / path).parent.mkdir(parents=True, exist_ok=True)
        (pack / path).write_bytes(data)
        files.append({"path": path, "sha256": sha256_bytes(data), "size": len(data)})
    manifest = render_manifest({"format": "planwatch-evidence-pack/1", "plan_code": "PLAN-X",
                                "agency_code": "STC", "period": "2024-01",
                                "previous_manifest_sha256": None, "files": files})
    (pack / "manifest.json").write_bytes(manifest)
    (pack / "manifest.sha256").write_text(sha_line(sha256_bytes(manifest), "manifest.json"))
    (pack / "SHA256SUMS").write_text(render_sums(files, sha256_bytes(manifest)))
    v, text = _verify(settings, pack)
    assert v.ok and v.signature == UNSIGNED, text
    assert "before bags" in text and "made before packs were signed" in text
    (pack / "files" / "ab12.xlsx").write_bytes(b"PK changed")
    v, text = _verify(settings, pack)
    assert not v.ok and "files/ab12.xlsx: changed" in text


# -- the keys ------------------------------------------------------------------

def test_a_new_secret_key_is_private_and_its_public_key_published(
        settings: Settings, tmp_path: Path) -> None:
    secret = tmp_path / "secrets" / "signing.key"
    key_id, public = evidence_keys.new_key(settings, secret)
    assert secret.stat().st_mode & 0o777 == 0o600
    assert public == settings.public_keys_dir / f"{key_id}.pub"
    text = public.read_text()
    assert text.startswith(f"untrusted comment: minisign public key {key_id}\n")
    assert minisign.SecretKey.from_file(secret).get_public_key() == \
        minisign.PublicKey.from_file(public)
    with pytest.raises(UserError, match="exists"):
        evidence_keys.new_key(settings, secret)  # never over a key


@pytest.mark.parametrize("where", ["data", "keys", "source"])
def test_a_secret_key_is_never_made_beside_the_data(settings: Settings, where: str) -> None:
    folder = {"data": settings.data_dir / "archive", "keys": settings.public_keys_dir,
              "source": settings.project_dir / "secrets"}[where]
    with pytest.raises(UserError, match="lies inside"):
        evidence_keys.new_key(settings, folder / "signing.key")
    assert not (folder / "signing.key").exists()


def test_a_key_file_others_can_read_is_refused(settings: Settings, tmp_path: Path) -> None:
    settings = _signing(settings, tmp_path / "secrets" / "signing.key")
    os.chmod(settings.signing_key, 0o644)
    with pytest.raises(UserError, match="mode 0644: others may read it"):
        evidence_keys.load_signer(settings)
    os.chmod(settings.signing_key, 0o600)
    assert evidence_keys.load_signer(settings) is not None


def test_a_key_inside_the_data_or_the_packs_folder_is_refused(
        settings: Settings, tmp_path: Path) -> None:
    settings = _signing(settings, tmp_path / "secrets" / "signing.key")
    with pytest.raises(UserError, match="inside the pack's folder"):
        evidence_keys.load_signer(settings, tmp_path / "secrets")
    inside = settings.data_dir / "signing.key"
    inside.parent.mkdir(parents=True)
    shutil.copy(settings.signing_key, inside)
    os.chmod(inside, 0o600)
    with pytest.raises(UserError, match="inside the data folder"):
        evidence_keys.load_signer(replace(settings, signing_key=str(inside)))


def test_a_key_whose_public_key_is_not_published_is_refused(
        settings: Settings, tmp_path: Path) -> None:
    settings = _signing(settings, tmp_path / "secrets" / "signing.key")
    for public in settings.public_keys_dir.glob("*.pub"):
        public.unlink()
    with pytest.raises(UserError, match="not in the published key history"):
        evidence_keys.load_signer(settings)


def test_an_encrypted_key_opens_with_its_password_file_only(
        settings: Settings, tmp_path: Path) -> None:
    settings = _signing(settings, tmp_path / "secrets" / "signing.key")
    secret = minisign.SecretKey.from_file(settings.signing_key)
    secret.encrypt("mật khẩu dài", opslimit=1 << 15, memlimit=1 << 20)
    Path(settings.signing_key).write_bytes(bytes(secret) + b"\n")
    with pytest.raises(UserError, match="PLANWATCH_SIGNING_KEY_PASSWORD_FILE"):
        evidence_keys.load_signer(settings)
    password = tmp_path / "secrets" / "password"
    password.write_text("sai\n")
    os.chmod(password, 0o600)
    settings = replace(settings, signing_key_password_file=str(password))
    with pytest.raises(UserError, match="does not open"):
        evidence_keys.load_signer(settings)
    password.write_text("mật khẩu dài\n")
    signer = evidence_keys.load_signer(settings)
    assert signer is not None
    _bag(tmp_path / "pack", signer)
    v, text = _verify(settings, tmp_path / "pack")
    assert v.ok and v.signature == SIGNATURE_OK, text
