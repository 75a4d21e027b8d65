"""The publisher files kept for the tests are the publishers' files, unchanged, and listed with their source."""

from __future__ import annotations

import hashlib
import re

from tests.conftest import PUBLISHERS


def listed_checksums() -> dict[str, str]:
    text = (PUBLISHERS / "SOURCES.md").read_text(encoding="utf-8")
    return {name: sha for sha, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", text, re.M)}


def test_every_publisher_file_kept_for_the_tests_has_the_checksum_its_sources_list() -> None:
    kept = sorted(str(p.relative_to(PUBLISHERS)) for p in PUBLISHERS.rglob("*") if p.is_file())
    listed = listed_checksums()
    assert sorted(listed) == [k for k in kept if k != "SOURCES.md"]
    for name, sha in listed.items():
        assert hashlib.sha256((PUBLISHERS / name).read_bytes()).hexdigest() == sha, name


def test_every_publisher_file_kept_for_the_tests_names_its_publisher_and_licence() -> None:
    text = (PUBLISHERS / "SOURCES.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): m.group(3) for m in re.finditer(r"^\| (\S+) \| (.+?) \| (.+?) \|$", text, re.M)
    }
    for name in listed_checksums():
        assert name in rows, name
        assert re.search(r"licence|public domain|CC BY", rows[name], re.I), name
