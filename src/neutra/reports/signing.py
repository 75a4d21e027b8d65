"""Sign PDF reports with a standard PDF signature, and check them offline with a public key.

The consultancy's key is a bare ECDSA P-256 key pair (`generate_key_pair`):
`private.pem` (PKCS #8, file mode 0600) and `public.pem`. PDF signatures
(PAdES/CMS, via pyHanko) carry an X.509 certificate, so `sign_pdf` makes a
self-signed one for the key on the fly and embeds it; PDF readers then show
the document as signed and unchanged (and the signer as not in their trust
list, which is true: trust comes from the published public key).
`verify_pdf` checks the signature covers the whole file, that the file is
unchanged since it was signed, and that the signing certificate's public key
is the given one.

It must never fetch anything (no revocation or timestamp lookups) and never
call a changed file or another key's signature authentic.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import warnings
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from neutra.core.errors import NeutraError

__all__ = [
    "SignatureCheck",
    "SigningKeyError",
    "Verdict",
    "generate_key_pair",
    "load_private_key",
    "load_public_key",
    "public_key_id",
    "sign_pdf",
    "verify_pdf",
]

PRIVATE_KEY_FILE = "private.pem"
PUBLIC_KEY_FILE = "public.pem"
SIGNATURE_FIELD = "NeutraClaimSignature"


class SigningKeyError(NeutraError, ValueError):
    """A key file that is missing, unreadable or not a key of the kind needed."""


class Verdict(StrEnum):
    """What a signature check found."""

    AUTHENTIC = "authentic"  # unchanged since signed, by the given key
    CHANGED = "changed"  # the file was altered after signing, or never signed
    OTHER_KEY = "other-key"  # intact, but signed by another key


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The result of checking a signed PDF against a public key."""

    verdict: Verdict
    detail: str  # in words, for the person checking
    signer: str = ""  # the signing certificate's subject
    signed_at: str = ""  # the signing time the signature states (ISO 8601)

    @property
    def authentic(self) -> bool:
        return self.verdict is Verdict.AUTHENTIC


def generate_key_pair(directory: Path) -> tuple[Path, Path]:
    """Write a new ECDSA P-256 key pair into `directory`: private.pem (mode 0600) and public.pem.

    Refuses to overwrite an existing private key: certificates signed with it
    could no longer be matched to a key one still holds.
    """
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / PRIVATE_KEY_FILE
    public_path = directory / PUBLIC_KEY_FILE
    if private_path.exists():
        raise SigningKeyError(
            f"{private_path} exists: keep it (certificates it signed stay verifiable) "
            "or move it away first",
            file=str(private_path),
        )
    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created with mode 0600 from the start: never readable by others, not even for a moment.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    os.chmod(private_path, 0o600)  # an umask cannot widen it, but be explicit
    public_path.write_bytes(public_pem(key.public_key()))
    return private_path, public_path


def public_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_id(pem: bytes) -> str:
    """A short, stable id of a public key: the first 16 hex digits of its DER's SHA-256."""
    import hashlib

    key = serialization.load_pem_public_key(pem)
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def load_private_key(data: bytes, label: str) -> ec.EllipticCurvePrivateKey:
    """A private key from PEM bytes; `SigningKeyError` naming `label` when it is not an ECDSA key."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"{label} is not an unencrypted private key in PEM: {exc}", file=label
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SigningKeyError(
            f"{label} is not an ECDSA key (neutra claim keygen makes one)", file=label
        )
    return key


def load_public_key(data: bytes, label: str) -> ec.EllipticCurvePublicKey:
    """A public key from PEM bytes; `SigningKeyError` naming `label` when it is not an ECDSA key."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{label} is not a public key in PEM: {exc}", file=label) from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise SigningKeyError(f"{label} is not an ECDSA public key", file=label)
    return key


def _self_signed(
    key: ec.EllipticCurvePrivateKey, signer: str, now: dt.datetime
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, signer[:64] or "Neutra"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Neutra claim signing key"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )


def _quiet_pyhanko() -> None:
    # pyHanko imports cryptography's DSA module, which warns on import; we never use DSA.
    warnings.filterwarnings("ignore", message=".*DSA.*", category=DeprecationWarning)
    try:
        from cryptography.utils import CryptographyDeprecationWarning

        warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)
    except ImportError:  # pragma: no cover - older cryptography
        pass


def sign_pdf(
    pdf: bytes,
    private_key: ec.EllipticCurvePrivateKey,
    *,
    signer: str,
    reason: str,
    location: str = "",
    now: dt.datetime | None = None,
) -> bytes:
    """The PDF with a standard signature over the whole file, by `private_key`."""
    _quiet_pyhanko()
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    moment = now or dt.datetime.now(dt.UTC)
    certificate = _self_signed(private_key, signer, moment)
    cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    key_info = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pdf_signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([cert]),  # type: ignore[no-untyped-call]
    )
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, reason=reason, location=location or None, name=signer
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = signers.sign_pdf(writer, meta, signer=pdf_signer)
    return bytes(output.getvalue())


def looks_like_pdf(data: bytes) -> bool:
    """True when the bytes are (or were, before a change) a PDF: its header or its end marker."""
    return b"%PDF-" in data[:1024] or b"%%EOF" in data[-2048:]


def verify_pdf(data: bytes, public_key: ec.EllipticCurvePublicKey) -> SignatureCheck:
    """Check a signed PDF against the consultancy's public key, offline.

    Call `looks_like_pdf` first: bytes that are no PDF at all are bad input,
    not a changed certificate.
    """
    _quiet_pyhanko()
    # pyHanko logs every damaged signature with a traceback; the verdict says it in words.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # any damage to the file's structure is a change
        return SignatureCheck(Verdict.CHANGED, f"the file cannot be read as a signed PDF: {exc}")
    if len(signatures) != 1:
        return SignatureCheck(
            Verdict.CHANGED,
            "the file holds no signature"
            if not signatures
            else "the file holds more than one signature",
        )
    embedded = signatures[0]
    try:
        certificate = embedded.signer_cert
        context = ValidationContext(trust_roots=[certificate], allow_fetching=False)
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as exc:  # pyHanko raises many kinds on a damaged signature
        return SignatureCheck(Verdict.CHANGED, f"the signature cannot be checked: {exc}")
    try:
        damage = _contents_damage(data, embedded)
    except Exception as exc:  # a damaged structure fails in many ways inside pyHanko
        damage = f"the signature's contents are damaged: {exc}"
    if damage:
        return SignatureCheck(Verdict.CHANGED, damage)
    signer = certificate.subject.human_friendly
    signed_at = status.signer_reported_dt.isoformat() if status.signer_reported_dt else ""
    if not status.intact or not status.valid:
        return SignatureCheck(
            Verdict.CHANGED, "the file was changed after it was signed", signer, signed_at
        )
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(
            Verdict.CHANGED,
            "content was added after the signature: the signature does not cover the whole file",
            signer,
            signed_at,
        )
    expected = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if certificate.public_key.dump() != expected:
        return SignatureCheck(
            Verdict.OTHER_KEY,
            "the file is intact but was signed by another key than the one given",
            signer,
            signed_at,
        )
    return SignatureCheck(
        Verdict.AUTHENTIC,
        "authentic: unchanged since it was signed with the given key",
        signer,
        signed_at,
    )


_HEX = frozenset(b"0123456789ABCDEF")


def _contents_damage(data: bytes, embedded: Any) -> str:
    """Why the signature's own bytes (which no signature can cover) are not as signed ("" if they are).

    A PDF signature covers the file except its /Contents, so a change there
    must be caught another way: the contents must be exactly the upper-case
    hex of one DER-encoded CMS structure followed by zero padding, as written
    when signing, and the embedded certificate must be signed by its own key.
    """
    start, length, resume, _ = (int(n) for n in embedded.byte_range)
    region = data[start + length : resume]
    if len(region) < 2 or region[:1] != b"<" or region[-1:] != b">":
        return "the signature's contents are damaged"
    text = region[1:-1]
    if len(text) % 2 or not set(text) <= _HEX:
        return "the signature's contents are damaged"
    raw = bytes.fromhex(text.decode("ascii"))
    size = _der_size(raw)
    if size is None or any(raw[size:]):
        return "the signature's contents are damaged"
    signed_data = embedded.signed_data
    if signed_data["version"].native != "v1" or embedded.signer_info["version"].native != "v1":
        return "the signature's contents are damaged"
    used = embedded.signer_info["digest_algorithm"].dump()
    if [algorithm.dump() for algorithm in signed_data["digest_algorithms"]] != [used]:
        return "the signature's digest algorithms were changed"
    signer_der = embedded.signer_cert.dump()
    if any(choice.chosen.dump() != signer_der for choice in signed_data["certificates"]):
        return "the signature carries other certificates than its signer's"
    try:
        certificate = x509.load_der_x509_certificate(embedded.signer_cert.dump())
        certificate.verify_directly_issued_by(certificate)
    except Exception:  # any failure here is a certificate changed after signing
        return "the signing certificate was changed after signing"
    return ""


def _der_size(raw: bytes) -> int | None:
    """The length in bytes of the DER SEQUENCE at the start of `raw` (None: not one)."""
    if len(raw) < 2 or raw[0] != 0x30:
        return None
    first = raw[1]
    if first < 0x80:
        size = 2 + first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(raw) < 2 + count:
            return None
        size = 2 + count + int.from_bytes(raw[2 : 2 + count], "big")
    return size if size <= len(raw) else None
