"""Signed PDFs: authentic with the right key; any changed byte, another key or added content is caught."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from neutra.reports.rendering import render_pdf
from neutra.reports.signing import (
    SigningKeyError,
    Verdict,
    generate_key_pair,
    load_private_key,
    load_public_key,
    looks_like_pdf,
    sign_pdf,
    verify_pdf,
)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    folder = tmp_path_factory.mktemp("keys")
    private, _ = generate_key_pair(folder)
    pdf = render_pdf("<h1>Acme is carbon neutral for 2024</h1><p>1,251 units</p>")
    key = load_private_key(private.read_bytes(), "private.pem")
    return sign_pdf(pdf, key, signer="Jane Doe", reason="claim"), folder


def test_a_signed_pdf_is_authentic_with_its_public_key(signed: tuple[bytes, Path]) -> None:
    data, folder = signed
    check = verify_pdf(data, load_public_key((folder / "public.pem").read_bytes(), "public.pem"))
    assert check.verdict is Verdict.AUTHENTIC
    assert "Jane Doe" in check.signer


def test_every_single_changed_byte_is_caught(signed: tuple[bytes, Path]) -> None:
    data, folder = signed
    key = load_public_key((folder / "public.pem").read_bytes(), "public.pem")
    # Every 11th byte, including the signature's own /Contents, which the signature cannot cover.
    survivors = []
    for position in range(0, len(data), 11):
        changed = bytearray(data)
        changed[position] ^= 0x01
        if verify_pdf(bytes(changed), key).authentic:
            survivors.append(position)
    assert survivors == []


def test_content_appended_after_signing_is_caught(signed: tuple[bytes, Path]) -> None:
    data, folder = signed
    key = load_public_key((folder / "public.pem").read_bytes(), "public.pem")
    assert verify_pdf(data + b"\n%extra\n", key).verdict is Verdict.CHANGED


def test_another_key_is_told_apart_from_a_change(
    signed: tuple[bytes, Path], tmp_path: Path
) -> None:
    data, _ = signed
    _, other = generate_key_pair(tmp_path)
    check = verify_pdf(data, load_public_key(other.read_bytes(), "other.pem"))
    assert check.verdict is Verdict.OTHER_KEY


def test_an_unsigned_pdf_is_not_authentic(signed: tuple[bytes, Path]) -> None:
    _, folder = signed
    key = load_public_key((folder / "public.pem").read_bytes(), "public.pem")
    assert verify_pdf(render_pdf("<p>unsigned</p>"), key).verdict is Verdict.CHANGED


def test_garbage_is_no_pdf_and_a_garbage_key_is_refused() -> None:
    assert not looks_like_pdf(b"hello world" * 100)
    with pytest.raises(SigningKeyError):
        load_public_key(b"not a key", "k.pem")
    with pytest.raises(SigningKeyError):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "k.pem")


def test_the_private_key_is_readable_by_its_owner_only_and_never_overwritten(
    tmp_path: Path,
) -> None:
    private, _ = generate_key_pair(tmp_path)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    with pytest.raises(SigningKeyError):
        generate_key_pair(tmp_path)
