# ruff: noqa: S603, S607, S102  (poppler-utils from PATH; the documented snippet is executed)
"""Proof of a manifest: the PDF, verify_manifest, the public key, the verification page (/v/),
short-lived access links and who may create them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core import signing as django_signing
from django.core.management import CommandError, call_command
from PIL import Image

from wufei.core.errors import Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.labels.fonts import missing_characters
from wufei.manifests import actions, pdf, proof, signing
from wufei.manifests.models import AccessLink, ManifestLine, Signature
from wufei.plans.tests.clock import frozen
from wufei.registry.tests.factories import OrganizationFactory, member_of, regulator

from .conftest import NOW

pytestmark = pytest.mark.django_db
POPPLER = shutil.which("pdftoppm") and shutil.which("pdffonts") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="needs poppler-utils")
DOCS = Path(__file__).resolve().parents[3] / "docs" / "signatures.md"


def _submitted(trip):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    return actions.submit(trip.shipper_user, m)


def _in_transit(trip):
    m = _submitted(trip)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    m = actions.sign_handover(trip.shipper_user, m)
    return actions.sign_pickup(trip.driver_user, m)


def _arrived(trip):
    m = _in_transit(trip)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    m.refresh_from_db()
    return m


def _closed(trip):
    m = actions.sign_receipt(trip.receiver_user, _arrived(trip))
    return actions.record_treatment(trip.receiver_user, m)


def _verify(number, *extra):
    out, err = [], []

    class Sink:
        def __init__(self, into):
            self.into = into

        def write(self, text):
            self.into.append(text)

        def flush(self):
            pass

    try:
        args = [a for a in (number, *extra) if a is not None]
        call_command("verify_manifest", *args, stdout=Sink(out), stderr=Sink(err))
    except CommandError as exc:
        return False, "".join(out) + str(exc)
    return True, "".join(out)


# --- PDF ------------------------------------------------------------------------------------


def _png(data: bytes, tmp_path: Path, name: str, dpi: int = 100) -> Image.Image:
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(data)
    stem = tmp_path / name
    cmd = ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*cmd, str(src), str(stem)], check=True)
    return Image.open(f"{stem}.png").convert("L")


def _title_box(image: Image.Image, dpi: int = 100) -> bytes:
    px = dpi / 25.4  # the title sits between 14 and 24 mm from the top, left of the QR
    return image.crop((int(30 * px), int(13 * px), int(165 * px), int(25 * px))).tobytes()


def test_captions_and_titles_are_all_in_the_embedded_font():
    assert missing_characters(pdf.CAPTIONS + "".join(pdf.TITLES.values())) == set()


@needs_poppler
def test_pdf_embeds_the_font_and_draws_the_chinese_text(trip, tmp_path, monkeypatch, client):
    m = _closed(trip)
    data = pdf.render_manifest(m, base_url="https://wufei.example.cn")
    assert data.startswith(b"%PDF")
    path = tmp_path / "m.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in fonts.stdout.splitlines()[2:] if line.strip()]
    assert rows and all("WufeiLabelKai" in row[0] for row in rows), fonts.stdout
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), fonts.stdout  # emb sub uni

    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "危险废物转移联单" in text and m.number in text
    assert trip.receiver.name in text and trip.vehicle.plate in text
    assert trip.containers[0].ident_code in text
    sig = Signature.objects.filter(manifest=m).first()
    flat = re.sub(r"\s+", "", text)
    assert sig.content_sha256 in flat and sig.platform_signature[:30] in flat
    assert signing.key_id() in text and "所有签名有效" in text

    # Ink in the title box, and a different title draws a different picture (missing glyphs
    # would all be the same empty box).
    first = _png(data, tmp_path, "first")
    monkeypatch.setitem(pdf.TITLES, "hazardous", "医疗废物转移联单")
    second = _png(pdf.render_manifest(m), tmp_path, "second")
    a, b = _title_box(first), _title_box(second)
    assert sum(1 for p in a if p < 100) / len(a) > 0.03
    assert sum(1 for p, q in zip(a, b, strict=True) if (p < 100) != (q < 100)) / len(a) > 0.01

    # The QR opens the verification page.
    codes = [r.text for r in zxingcpp.read_barcodes(_png(data, tmp_path, "qr", dpi=200))]
    assert codes == ["https://wufei.example.cn" + proof.verify_url(m, "")]
    page = client.get(codes[0].removeprefix("https://wufei.example.cn"))
    assert page.status_code == 200 and m.number in page.content.decode()


def test_pdf_download_needs_view_permission(trip, client):
    m = _submitted(trip)
    url = f"/manifests/{m.pk}/pdf"
    assert client.get(url).status_code == 302  # login first
    client.force_login(member_of(OrganizationFactory()))
    assert client.get(url).status_code == 404
    client.force_login(trip.driver_user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# --- verify_manifest ------------------------------------------------------------------------


def test_verify_manifest_accepts_an_intact_manifest(trip):
    m = _closed(trip)
    ok, out = _verify(m.number)
    assert ok, out
    assert out.count("[valid]") == 5 and "every signature is valid" in out


def test_verify_manifest_detects_a_tampered_signature_row(trip):
    m = _in_transit(trip)
    Signature.objects.filter(manifest=m, step="handover").update(signer_name="别人")
    ok, out = _verify(m.number)
    assert not ok and "[INVALID] handover" in out and "FAILED" in out
    assert "[valid] submit" in out and "[valid] pickup" in out


def test_verify_manifest_detects_content_changed_after_signing(trip):
    m = _in_transit(trip)
    assert _verify(m.number)[0]
    ManifestLine.objects.filter(manifest=m).update(quantity_tonnes=Decimal("0.3000"))
    ok, out = _verify(m.number)
    assert not ok and "no longer matches the last signature" in out
    assert "[INVALID]" not in out  # the rows are intact; the content is not


def test_unsigned_steps_in_progress_are_pending_not_tampering(trip):
    m = _arrived(trip)  # arrival weights recorded, receipt not signed yet
    ok, out = _verify(m.number)
    assert ok, out
    assert "pending (not signed yet): Arrival weights" in out
    ManifestLine.objects.filter(manifest=m).update(name="别的废物")
    assert not _verify(m.number)[0]


def test_a_missing_or_reordered_signature_breaks_the_chain(trip):
    m = _in_transit(trip)
    Signature.objects.filter(manifest=m, step="handover").delete()
    ok, out = _verify(m.number)
    assert not ok and "is missing" in out


def test_verify_with_another_public_key_fails_and_with_the_published_one_passes(
    trip, tmp_path, client
):
    m = _submitted(trip)
    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    ok, out = _verify(m.number, "--public-key", str(other))
    assert not ok and "not a known platform key" in out
    published = tmp_path / "public-key.json"
    published.write_bytes(client.get("/manifests/public-key").content)
    assert _verify(m.number, "--public-key", str(published))[0]


def test_export_verifies_offline_with_only_the_public_key(trip, tmp_path, client, monkeypatch):
    m = _arrived(trip)
    export = tmp_path / "proof.json"
    key = tmp_path / "public-key.json"
    key.write_bytes(client.get("/manifests/public-key").content)
    ok, _out = _verify(m.number, "--export", str(export))
    assert ok
    data = json.loads(export.read_text(encoding="utf-8"))
    assert len(data["signatures"]) == 3 and data["pending"]
    assert data["signatures"][0]["statement"].startswith(f"wufei-sig-1|{m.number}|submit|")

    ok, out = _verify(None, "--from-export", str(export), "--public-key", str(key))
    assert ok, out

    # The documented snippet, as printed in docs/signatures.md, passes ...
    snippet = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1)
    assert len(snippet.strip().splitlines()) <= 10
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, "signatures.md", "exec"), {})

    # ... and both fail on a changed quantity or signer.
    data["content"]["lines"][0]["quantity_tonnes"] = "0.3"
    export.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert not _verify(None, "--from-export", str(export), "--public-key", str(key))[0]
    with pytest.raises(AssertionError, match="content changed"):
        exec(compile(snippet, "signatures.md", "exec"), {})
    data["signatures"][1]["signer_name"] = "别人"
    export.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InvalidSignature):
        exec(compile(snippet, "signatures.md", "exec"), {})


# --- public key, verification page ----------------------------------------------------------


def test_public_key_endpoint(client):
    response = client.get("/manifests/public-key")
    assert response.status_code == 200
    doc = response.json()
    raw = base64.b64decode(doc["public_key_base64"])
    assert raw == signing.public_key_bytes() and doc["key_id"] == signing.key_id()
    pem = serialization.load_pem_public_key(doc["public_key_pem"].encode())
    assert pem.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == raw
    assert doc["algorithm"] == "Ed25519" and doc["statement_version"] == "wufei-sig-1"


def test_verification_page_with_a_valid_token(trip, client):
    m = _in_transit(trip)
    url = proof.verify_url(m, "")
    assert url == f"/v/{proof.verify_token(m)}"
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert m.number in body and trip.producer.org.name in body and trip.vehicle.plate in body
    assert body.count('data-testid="sig-valid"') == 3 and "sig-invalid" not in body
    assert trip.producer.org.contact_phone not in body or not trip.producer.org.contact_phone
    assert trip.containers[0].ident_code not in body  # only what a roadside check needs

    Signature.objects.filter(manifest=m, step="pickup").update(signer_name="别人")
    body = client.get(url).content.decode()
    assert body.count('data-testid="sig-invalid"') == 1


def test_verification_page_refuses_forged_and_guessed_tokens(trip, client):
    m = _submitted(trip)
    token = proof.verify_token(m)
    pk, mac = token.split(":", 1)
    forged = [
        f"{pk}:{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        f"{int(pk) + 1}:{mac}",
        django_signing.Signer().sign(pk),  # right key, wrong salt
        pk,
        m.number,
    ]
    for bad in forged:
        assert client.get(f"/v/{bad}").status_code == 404, bad


# --- access links ---------------------------------------------------------------------------


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_access_link_opens_the_manifest_without_login_until_it_expires(trip, client):
    m = _in_transit(trip)
    url = proof.create_access_link(trip.driver_user, m, minutes=120)
    token = _token(url)
    link = AccessLink.objects.get(manifest=m)
    assert link.token_sha256 == proof.token_sha256(token) and token not in link.token_sha256
    assert link.expires_at == NOW + dt.timedelta(minutes=120)
    event = AuditEvent.objects.get(action="manifests.access_link.create")
    assert event.object_id == str(link.pk) and token not in json.dumps(event.after)

    response = client.get(f"/manifests/l/{token}")
    body = response.content.decode()
    assert response.status_code == 200
    assert m.number in body and trip.containers[0].ident_code in body and trip.driver.name in body
    client.get(f"/manifests/l/{token}")
    link.refresh_from_db()
    assert link.opened_count == 2

    wrong = token[:-1] + ("x" if token[-1] != "x" else "y")
    assert client.get(f"/manifests/l/{wrong}").status_code == 404
    assert client.get("/manifests/l/nothing").status_code == 404

    with frozen(NOW + dt.timedelta(minutes=121)):
        expired = client.get(f"/manifests/l/{token}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert expired.status_code == 410
    assert "此链接已过期" in expired.content.decode()
    assert m.number not in expired.content.decode()
    link.refresh_from_db()
    assert link.opened_count == 2


def test_who_may_create_an_access_link(trip):
    m = _submitted(trip)
    with pytest.raises(NotFound):
        proof.create_access_link(member_of(OrganizationFactory()), m)
    with pytest.raises(Forbidden):
        proof.create_access_link(member_of(trip.producer.org, role="reader"), m)
    with pytest.raises(ValidationFailed):
        proof.create_access_link(trip.shipper_user, m, minutes=0)
    with pytest.raises(ValidationFailed):
        proof.create_access_link(trip.shipper_user, m, minutes=24 * 60 + 1)
    for actor in (trip.shipper_user, trip.driver_user, trip.receiver_user, regulator("3306")):
        assert "/manifests/l/" in proof.create_access_link(actor, m, minutes=30)
    assert AccessLink.objects.filter(manifest=m).count() == 4


def test_link_button_view(trip, client):
    m = _submitted(trip)
    url = f"/manifests/{m.pk}/links"
    client.force_login(member_of(OrganizationFactory()))
    assert client.post(url, {"minutes": "30"}).status_code == 404
    client.force_login(trip.driver_user)
    assert client.get(url).status_code == 405
    response = client.post(url, {"minutes": "30"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<svg" in body
    link_url = re.search(r'data-testid="link-url">([^<]+)<', body).group(1)
    assert link_url.startswith("http://testserver/manifests/l/")
    assert client.get(link_url.removeprefix("http://testserver")).status_code == 200
    response = client.post(url, {"minutes": "0"})
    assert response.status_code == 400


def test_key_rotation_keeps_old_signatures_verifiable_through_retired_keys(
    trip, tmp_path, monkeypatch, settings
):
    m = _submitted(trip)
    old_pem = signing.public_key_pem()
    old_id = signing.key_id()
    new_key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    original_var = settings.VAR_DIR
    settings.VAR_DIR = str(tmp_path)
    monkeypatch.setenv("WUFEI_SIGNING_KEY", new_key.decode())
    signing.private_key.cache_clear()
    try:
        assert signing.key_id() != old_id
        ok, out = _verify(m.number)
        assert not ok and f"Signed with key {old_id}, which is not a known platform key" in out

        retired = tmp_path / "keys" / "retired"
        retired.mkdir(parents=True)
        (retired / f"{old_id}.pem").write_text(old_pem)
        for c in trip.containers:
            actions.scan_load(trip.driver_user, m, c.ident_code)
        m = actions.sign_handover(trip.shipper_user, m)
        ids = list(Signature.objects.filter(manifest=m).values_list("key_id", flat=True))
        assert ids == [old_id, signing.key_id()]
        ok, out = _verify(m.number)
        assert ok, out
        assert proof.public_key_document()["retired_key_ids"] == [old_id]
    finally:
        monkeypatch.undo()
        settings.VAR_DIR = original_var
        signing.private_key.cache_clear()
    assert signing.key_id() == old_id
