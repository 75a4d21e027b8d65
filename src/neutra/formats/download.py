"""Fetch a publisher's official factor file, named in `neutra/data/publishers.csv`.

`fetch` streams the file with urllib into NEUTRA_HOME/downloads/<file name>,
through a temporary file that is renamed only once it is complete (and matches
its known SHA-256, when there is one). NEUTRA_DOWNLOAD_BASE_URL, when set,
fetches `<base>/<file name>` instead of the official address: a mirror inside a
firewall, or a test server.

Every failure (offline, DNS, HTTP error, timeout, a connection cut short, a file
too large, a checksum mismatch) is a `NeutraError` whose message names the
official address to download by hand and the `neutra factors import` command
to run afterwards.

It must never leave a partial or unverified file under the downloaded name, and
never import anything itself: the caller imports through the importer registry.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import os
import shlex
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import BinaryIO

from neutra import __version__
from neutra.core.errors import NeutraError
from neutra.formats.factor_import import IMPORTERS
from neutra.formats.hashing import file_sha256
from neutra.settings import ConfigError, neutra_home

__all__ = [
    "BASE_URL_VARIABLE",
    "ChecksumError",
    "DownloadError",
    "Edition",
    "UnknownEditionError",
    "download_url",
    "edition",
    "editions",
    "fetch",
    "import_command",
]

BASE_URL_VARIABLE = "NEUTRA_DOWNLOAD_BASE_URL"
TIMEOUT_S = 60.0  # per connection attempt and per read: a stalled server fails, a slow one does not
MAX_BYTES = 200 * 1024 * 1024  # the largest official file is ~3 MB; anything this big is not one
CHUNK_BYTES = 64 * 1024

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes if the server said)


@dataclass(frozen=True, slots=True)
class Edition:
    """One official file of a publisher: a row of publishers.csv."""

    publisher: str  # the importer kind: desnz, epa-hub, useeio or grid
    edition: str  # what the user types, e.g. "2025"
    url: str  # the publisher's own download address
    file_name: str  # saved as NEUTRA_HOME/downloads/<file_name>
    sha256: str | None  # lower-case hex of the file the importer was checked against, if known
    citation: str  # attribution to keep wherever its figures are shown
    licence: str  # the data licence


class DownloadError(NeutraError, OSError):
    """The file could not be fetched; the message says how to get it by hand."""

    def __init__(self, message: str, *, url: str, official_url: str, import_command: str) -> None:
        super().__init__(message, url=url, official_url=official_url, import_command=import_command)
        self.url = url  # the address that was tried
        self.official_url = official_url  # the publisher's address, to download by hand
        self.import_command = import_command  # what to run after a manual download


class ChecksumError(NeutraError, ValueError):
    """The fetched file is not the one the importer was checked against; nothing was kept."""

    def __init__(
        self, message: str, *, url: str, expected: str, actual: str, import_command: str
    ) -> None:
        super().__init__(
            message, url=url, expected=expected, actual=actual, import_command=import_command
        )
        self.url = url  # the address the file came from
        self.expected = expected  # SHA-256 listed in publishers.csv
        self.actual = actual  # SHA-256 of what arrived
        self.import_command = import_command


class UnknownEditionError(NeutraError, LookupError):
    """No official file is known for this publisher and edition."""

    def __init__(
        self, message: str, *, publisher: str, edition: str, known: tuple[str, ...]
    ) -> None:
        super().__init__(message, publisher=publisher, edition=edition, known=known)
        self.publisher = publisher
        self.edition = edition
        self.known = known  # "publisher edition" of every known file


@cache
def editions() -> dict[tuple[str, str], Edition]:
    """Every official file Neutra knows, by (publisher, edition)."""
    text = (files("neutra.data") / "publishers.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    known: dict[tuple[str, str], Edition] = {}
    for row in csv.DictReader(lines):
        entry = Edition(
            publisher=row["publisher"],
            edition=row["edition"],
            url=row["url"],
            file_name=row["file_name"],
            sha256=row["sha256"].strip().lower() or None,
            citation=row["citation"],
            licence=row["licence"],
        )
        # A broken reference file is a bug in Neutra, not a user mistake: fail loudly.
        if entry.publisher not in IMPORTERS:
            raise ValueError(f"publishers.csv: unknown publisher {entry.publisher!r}")
        if (entry.publisher, entry.edition) in known:
            raise ValueError(f"publishers.csv: {entry.publisher} {entry.edition} listed twice")
        known[entry.publisher, entry.edition] = entry
    return known


def edition(publisher: str, edition_name: str) -> Edition:
    """The official file of a publisher's edition, or an error listing the known ones."""
    known = editions()
    found = known.get((publisher, edition_name))
    if found is None:
        names = tuple(f"{p} {e}" for p, e in known)
        raise UnknownEditionError(
            f"no official file is known for {publisher} {edition_name}; known: " + ", ".join(names),
            publisher=publisher,
            edition=edition_name,
            known=names,
        )
    return found


def download_url(entry: Edition) -> str:
    """Where the file is fetched from: NEUTRA_DOWNLOAD_BASE_URL/<file name>, or the official URL."""
    base = os.environ.get(BASE_URL_VARIABLE)
    if base is None:
        return entry.url
    parts = urllib.parse.urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"environment variable {BASE_URL_VARIABLE} must be an http(s) URL, not {base!r}",
            variable=BASE_URL_VARIABLE,
        )
    return f"{base.strip().rstrip('/')}/{urllib.parse.quote(entry.file_name)}"


def import_command(entry: Edition, *, name: str | None = None) -> str:
    """The command that imports the file once it is saved under its file name."""
    command = f"neutra factors import {entry.publisher} {shlex.quote(entry.file_name)}"
    if name:
        command += f" --name {shlex.quote(name)}"
    return command


def fetch(
    entry: Edition,
    folder: Path | None = None,
    *,
    name: str | None = None,
    timeout_s: float = TIMEOUT_S,
    max_bytes: int = MAX_BYTES,
    progress: Progress | None = None,
) -> Path:
    """Download `entry` into `folder` (default NEUTRA_HOME/downloads) and return its path.

    A file already there with the known SHA-256 is reused. `name` only goes into
    the import command suggested when the download fails.
    """
    folder = folder if folder is not None else neutra_home() / "downloads"
    target = folder / entry.file_name
    if entry.sha256 and target.is_file() and file_sha256(target) == entry.sha256:
        return target
    url = download_url(entry)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".part-", suffix=f"-{entry.file_name}")
    try:
        with os.fdopen(handle, "wb") as sink:
            actual = _stream(url, sink, entry, name, timeout_s, max_bytes, progress)
        if entry.sha256 and actual != entry.sha256:
            command = import_command(entry, name=name)
            raise ChecksumError(
                f"the file from {url} has SHA-256 {actual}, not {entry.sha256} (the "
                f"{entry.publisher} {entry.edition} file Neutra's importer was checked "
                "against); nothing was kept.\n"
                f"If the publisher has revised the file, download it by hand from "
                f"{entry.url}, save it as {entry.file_name}, check it, then run:\n"
                f"  {command}",
                url=url,
                expected=entry.sha256,
                actual=actual,
                import_command=command,
            )
        os.replace(temporary, target)
    except BaseException:
        # Interrupted, refused or failed (Ctrl-C included): no partial file stays behind.
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _stream(
    url: str,
    sink: BinaryIO,
    entry: Edition,
    name: str | None,
    timeout_s: float,
    max_bytes: int,
    progress: Progress | None,
) -> str:
    """Copy the body at `url` into `sink`; the SHA-256 of what was written."""

    def failed(reason: str) -> DownloadError:
        command = import_command(entry, name=name)
        return DownloadError(
            f"could not download {url}: {reason}.\n"
            f"Download it by hand from {entry.url}, save it as {entry.file_name}, then run:\n"
            f"  {command}",
            url=url,
            official_url=entry.url,
            import_command=command,
        )

    digest = hashlib.sha256()
    done = 0
    request = urllib.request.Request(url, headers={"User-Agent": f"neutra/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if total is not None and total > max_bytes:
                raise failed(
                    f"the server announces {total:,} bytes, more than the limit of {max_bytes:,} bytes"
                )
            while chunk := response.read(CHUNK_BYTES):
                done += len(chunk)
                if done > max_bytes:
                    raise failed(f"more than the limit of {max_bytes:,} bytes")
                digest.update(chunk)
                sink.write(chunk)
                if progress is not None:
                    progress(done, total)
    except DownloadError:
        raise
    except urllib.error.HTTPError as exc:
        raise failed(f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise failed(f"no connection ({exc.reason})") from exc
    except TimeoutError as exc:
        raise failed(f"no answer within {timeout_s:g} s") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise failed(f"the connection failed ({exc!r})") from exc
    # urllib returns a short body without complaint when the server hangs up early.
    if total is not None and done != total:
        raise failed(f"the connection closed after {done:,} of {total:,} bytes")
    return digest.hexdigest()
