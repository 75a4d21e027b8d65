"""`neutra factors download` against a loopback HTTP server serving the real publisher files.

The server listens on 127.0.0.1 only, on a port the system picks, and answers
a bounded number of requests before a bounded deadline.
"""

from __future__ import annotations

import pickle
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from neutra.formats import download
from neutra.formats.download import ChecksumError, DownloadError, UnknownEditionError
from neutra.formats.factor_import import IMPORTERS
from neutra.settings import ConfigError
from tests.cli_run import Done
from tests.cli_run import neutra as run_neutra
from tests.conftest import publisher_file

MAX_REQUESTS = 50  # more than any one test makes
SERVER_DEADLINE_S = 300.0  # the server stops answering after this, whatever happens
TRUNCATED = "/truncated.csv"  # announces the whole file, sends half, hangs up
UNANNOUNCED = "/unannounced.csv"  # sends the whole file without saying its length

USEEIO_CO2E = "epa/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
DESNZ_2024 = "desnz/ghg-conversion-factors-2024-FlatFormat_v1_1.xlsx"
DESNZ_2025_CSV = "desnz/ghg-conversion-factors-2025-flat-format.csv"


class Mirror:
    """A loopback HTTP server answering GET /<name> with the file routed to that name."""

    def __init__(self) -> None:
        self.routes: dict[str, Path] = {}
        self.requests: list[str] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                mirror.requests.append(self.path)
                if self.path == TRUNCATED:
                    body = publisher_file(USEEIO_CO2E).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                if self.path == UNANNOUNCED:  # HTTP/1.0: the body ends when the connection does
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(publisher_file(USEEIO_CO2E).read_bytes())
                    return
                path = mirror.routes.get(self.path)
                if path is None:
                    self.send_error(404, "Not Found")
                    return
                body = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output clean

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 0.2  # handle_request returns this often to look at the stop flag
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        deadline = time.monotonic() + SERVER_DEADLINE_S
        for _ in range(MAX_REQUESTS * 50):  # each turn is one request or one 0.2 s timeout
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            if len(self.requests) >= MAX_REQUESTS:
                return
            self.server.handle_request()

    def serve(self, name: str, relative: str) -> None:
        self.routes[f"/{name}"] = publisher_file(relative)


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    server = Mirror()
    server.thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.thread.join(timeout=5)
        server.server.server_close()


@pytest.fixture
def base_url(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(download.BASE_URL_VARIABLE, mirror.base_url)
    return mirror.base_url


def neutra(*args: str, home: Path, base_url: str) -> Done:
    """The command in this process, fetching from `base_url` (the loopback mirror)."""
    return run_neutra(*args, home=home, env={download.BASE_URL_VARIABLE: base_url})


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the probe is closed


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- the command, end to end --------------------------------------------------


def test_downloading_desnz_2025_stores_the_set_desnz_2025(mirror: Mirror, tmp_path: Path) -> None:
    # The official 2025 flat file is a workbook; tests/data/publishers holds its CSV export,
    # which this mirror serves under the official name (the importer reads either
    # from the content, and 2025 has no known SHA-256 to refuse it).
    mirror.serve("ghg-conversion-factors-2025-flat-format.xlsx", DESNZ_2025_CSV)
    done = neutra("factors", "download", "desnz", "2025", home=tmp_path, base_url=mirror.base_url)
    assert done.returncode == 0, done.stderr
    assert "Imported desnz-2025 version" in done.stdout
    assert "Department for Energy Security and Net Zero" in done.stdout
    listed = neutra("factors", "list", home=tmp_path, base_url=mirror.base_url)
    assert "desnz-2025" in listed.stdout
    assert leftovers(tmp_path / "downloads") == ["ghg-conversion-factors-2025-flat-format.xlsx"]


def test_downloading_desnz_2024_checks_the_official_file_and_imports_it(
    mirror: Mirror, tmp_path: Path
) -> None:
    mirror.serve("ghg-conversion-factors-2024-FlatFormat_v1_1.xlsx", DESNZ_2024)
    done = neutra("factors", "download", "desnz", "2024", home=tmp_path, base_url=mirror.base_url)
    assert done.returncode == 0, done.stderr
    assert "Imported desnz-2024 version" in done.stdout
    saved = tmp_path / "downloads" / "ghg-conversion-factors-2024-FlatFormat_v1_1.xlsx"
    assert saved.read_bytes() == publisher_file(DESNZ_2024).read_bytes()


def test_downloading_useeio_imports_the_set_under_the_name_asked(
    mirror: Mirror, tmp_path: Path
) -> None:
    mirror.serve("SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv", USEEIO_CO2E)
    done = neutra(
        "factors", "download", "useeio", "1.3-co2e", "--name", "spend",
        home=tmp_path, base_url=mirror.base_url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Imported spend version" in done.stdout
    assert "spend" in neutra("factors", "list", home=tmp_path, base_url=mirror.base_url).stdout


def test_a_second_download_of_a_verified_file_reuses_it(mirror: Mirror, tmp_path: Path) -> None:
    mirror.serve("SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv", USEEIO_CO2E)
    for _ in range(2):
        done = neutra(
            "factors", "download", "useeio", "1.3-co2e", home=tmp_path, base_url=mirror.base_url
        )
        assert done.returncode == 0, done.stderr
    assert "Already imported (no change)" in done.stdout
    assert len(mirror.requests) == 1


def test_a_missing_file_on_the_server_exits_2_with_the_official_url_and_import_command(
    mirror: Mirror, tmp_path: Path
) -> None:
    done = neutra("factors", "download", "desnz", "2025", home=tmp_path, base_url=mirror.base_url)
    assert done.returncode == 2
    official = download.edition("desnz", "2025").url
    assert "HTTP 404" in done.stderr
    assert official in done.stderr
    assert "neutra factors import desnz ghg-conversion-factors-2025-flat-format.xlsx" in done.stderr
    assert "Traceback" not in done.stderr
    assert leftovers(tmp_path / "downloads") == []


def test_offline_exits_2_with_the_official_url_and_import_command(tmp_path: Path) -> None:
    done = neutra(
        "factors", "download", "epa-hub", "2025", "--name", "hub",
        home=tmp_path, base_url=closed_port_url(),
    )  # fmt: skip
    assert done.returncode == 2
    assert "no connection" in done.stderr
    assert download.edition("epa-hub", "2025").url in done.stderr
    assert (
        "neutra factors import epa-hub ghg-emission-factors-hub-2025.xlsx --name hub" in done.stderr
    )
    assert leftovers(tmp_path / "downloads") == []


def test_an_unknown_edition_exits_2_and_lists_the_known_ones(tmp_path: Path) -> None:
    done = neutra("factors", "download", "desnz", "1999", home=tmp_path, base_url="http://x")
    assert done.returncode == 2
    assert "desnz 1999" in done.stderr
    assert "desnz 2024, desnz 2025, epa-hub 2025" in done.stderr


# --- fetch, through the Python API -------------------------------------------


def test_fetch_saves_the_file_whose_checksum_is_known_and_reports_progress(
    base_url: str, mirror: Mirror, tmp_path: Path
) -> None:
    entry = download.edition("useeio", "1.3-co2e")
    mirror.serve(entry.file_name, USEEIO_CO2E)
    seen: list[tuple[int, int | None]] = []
    path = download.fetch(entry, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / entry.file_name
    assert path.read_bytes() == publisher_file(USEEIO_CO2E).read_bytes()
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert leftovers(tmp_path) == [entry.file_name]


def test_a_wrong_checksum_is_refused_and_leaves_no_file(
    base_url: str, mirror: Mirror, tmp_path: Path
) -> None:
    entry = replace(download.edition("useeio", "1.3-co2e"), sha256="0" * 64)
    mirror.serve(entry.file_name, USEEIO_CO2E)
    with pytest.raises(ChecksumError) as refused:
        download.fetch(entry, tmp_path)
    assert refused.value.expected == "0" * 64
    assert (
        refused.value.actual == "c7f508646ee091cb2218be65dec0e2bdb6143ba8511773d486c9e87f6df84177"
    )
    assert "nothing was kept" in refused.value.message
    assert entry.url in refused.value.message
    assert leftovers(tmp_path) == []


def test_a_wrong_checksum_does_not_replace_a_file_already_there(
    base_url: str, mirror: Mirror, tmp_path: Path
) -> None:
    entry = replace(download.edition("useeio", "1.3-co2e"), sha256="0" * 64)
    mirror.serve(entry.file_name, USEEIO_CO2E)
    (tmp_path / entry.file_name).write_text("the user's own copy")
    with pytest.raises(ChecksumError):
        download.fetch(entry, tmp_path)
    assert (tmp_path / entry.file_name).read_text() == "the user's own copy"
    assert leftovers(tmp_path) == [entry.file_name]


def test_a_download_cut_short_leaves_no_partial_file(
    base_url: str, mirror: Mirror, tmp_path: Path
) -> None:
    entry = replace(download.edition("useeio", "1.3-co2e"), file_name="truncated.csv", sha256=None)
    with pytest.raises(DownloadError) as failed:
        download.fetch(entry, tmp_path)
    size = publisher_file(USEEIO_CO2E).stat().st_size
    assert f"the connection closed after {size // 2:,} of {size:,} bytes" in failed.value.message
    assert "neutra factors import useeio truncated.csv" in failed.value.message
    assert leftovers(tmp_path) == []


def test_a_file_larger_than_the_limit_is_refused_and_leaves_no_file(
    base_url: str, mirror: Mirror, tmp_path: Path
) -> None:
    entry = download.edition("useeio", "1.3-co2e")
    mirror.serve(entry.file_name, USEEIO_CO2E)
    with pytest.raises(DownloadError, match="more than the limit of 1,000 bytes"):
        download.fetch(entry, tmp_path, max_bytes=1000)
    assert leftovers(tmp_path) == []


def test_a_file_of_unannounced_length_is_cut_off_at_the_limit_and_leaves_no_file(
    base_url: str, mirror: Mirror, tmp_path: Path
) -> None:
    entry = replace(download.edition("useeio", "1.3-co2e"), file_name="unannounced.csv")
    with pytest.raises(DownloadError, match="more than the limit of 100,000 bytes"):
        download.fetch(entry, tmp_path, max_bytes=100_000)
    assert leftovers(tmp_path) == []
    assert (
        download.fetch(entry, tmp_path).stat().st_size == publisher_file(USEEIO_CO2E).stat().st_size
    )


def test_the_base_url_must_be_an_http_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(download.BASE_URL_VARIABLE, "/srv/mirror")
    with pytest.raises(ConfigError, match=download.BASE_URL_VARIABLE):
        download.download_url(download.edition("desnz", "2025"))


def test_the_base_url_replaces_the_official_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(download.BASE_URL_VARIABLE, "https://mirror.example/factors/")
    entry = download.edition("grid", "latest")
    assert download.download_url(entry) == (
        "https://mirror.example/factors/owid-carbon-intensity-electricity.csv"
    )
    monkeypatch.delenv(download.BASE_URL_VARIABLE)
    assert download.download_url(entry) == entry.url


def test_download_errors_survive_pickling() -> None:
    error = DownloadError("m", url="u", official_url="o", import_command="c")
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, DownloadError)
    assert isinstance(again, OSError)  # callers catching network errors catch it too
    assert (again.message, again.official_url, again.import_command) == ("m", "o", "c")
    unknown = pickle.loads(
        pickle.dumps(UnknownEditionError("m", publisher="p", edition="e", known=()))
    )
    assert isinstance(unknown, UnknownEditionError)
    assert isinstance(unknown, LookupError)
    assert unknown.publisher == "p"


# --- the reference file -------------------------------------------------------


def test_every_official_file_has_an_importer_and_an_https_address() -> None:
    for entry in download.editions().values():
        assert entry.publisher in IMPORTERS
        assert entry.url.startswith("https://"), entry
        assert entry.citation, entry
        assert entry.licence, entry
        assert entry.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry


def test_known_checksums_are_those_of_the_publisher_files_kept_for_the_tests() -> None:
    listed = publisher_file("SOURCES.md").read_text()
    sources = {
        Path(name).name: sha for sha, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", listed, re.M)
    }
    known = [e for e in download.editions().values() if e.sha256 is not None]
    assert len(known) == 4  # DESNZ 2024, EPA Hub 2025, the two USEEIO files
    for entry in known:
        assert sources[entry.file_name] == entry.sha256, entry.file_name
