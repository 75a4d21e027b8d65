"""Content hashes of input files, for provenance.

Light on purpose (the standard library only): a command can start hashing its
input files before it imports the heavy libraries it needs (`hash_in_background`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FileHash", "file_sha256", "hash_in_background"]

_BLOCK_BYTES = 16 << 20
# Bytes where DuckDB's CSV reader and the careful reader may read a cell
# differently (DuckDB drops spaces between a quote and its delimiter).
_AMBIGUOUS = (b' "', b'" ', b'\t"', b'"\t')


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks so big files stay out of memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FileHash(threading.Thread):
    """SHA-256 of a file in big blocks, in a thread while DuckDB reads the same file.

    hashlib lets go of the GIL on big blocks, so both run at once. For a CSV
    (`text`), it also notes whether the bytes hold anything DuckDB's CSV reader may
    read differently from the careful reader. `join()`, then read `sha256` and
    `ambiguous`; `error` says why a file could not be read to its end (the hash is
    then "").
    """

    def __init__(self, path: Path, *, text: bool = True) -> None:
        super().__init__(daemon=True)
        self.path, self.text = path, text
        self.sha256 = ""
        self.ambiguous = False
        self.error: str | None = None

    @classmethod
    def of(cls, path: Path, *, text: bool, started: FileHash | None = None) -> FileHash:
        """`started` if it hashes this file the same way, else a new thread, started."""
        if started is not None and started.path == path and started.text == text:
            return started
        hashing = cls(path, text=text)
        hashing.start()
        return hashing

    def run(self) -> None:
        digest = hashlib.sha256()
        tail = b""
        ambiguous = False
        quotes = 0
        try:
            with self.path.open("rb") as handle:
                while block := handle.read(_BLOCK_BYTES):
                    digest.update(block)
                    if not self.text:
                        continue
                    quotes += block.count(b'"')
                    if not ambiguous:
                        ambiguous = _ambiguous(tail + block[:1]) or _ambiguous(block)
                    tail = block[-1:]
        except OSError as exc:
            self.error = exc.strerror or type(exc).__name__
            return
        # An odd count of quotes leaves one open: readers differ on where a file so cut ends.
        self.sha256, self.ambiguous = digest.hexdigest(), ambiguous or quotes % 2 == 1


def hash_in_background(paths: Iterable[Path]) -> dict[Path, FileHash]:
    """Start hashing the CSV and Parquet files among `paths`, each in a thread.

    For `read_activities(..., hashing=...)`: a command starts them before its heavy
    imports, which hold one core while the hashing uses the other.
    """
    started: dict[Path, FileHash] = {}
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in (".csv", ".parquet") and path.is_file() and path not in started:
            started[path] = FileHash.of(path, text=suffix == ".csv")
    return started


def _ambiguous(block: bytes) -> bool:
    """Whether a space or tab stands beside a quote (see `_AMBIGUOUS`).

    Looking for a space or a tab at all is a memchr; most blocks of most files
    have neither beside a quote, and many have none at all.
    """
    if block.find(b" ") < 0 and block.find(b"\t") < 0:
        return False
    return any(pair in block for pair in _AMBIGUOUS)
