"""Behind a real reverse proxy: Debian's nginx, started here on loopback with TLS from a
throw-away certificate, in front of `neutra serve` (waitress).

Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3), so
nginx forwards each one's own address, as it would on a network. What users
rely on: the log-in throttle counts each client by its own address (one
cannot lock everyone out), HTTPS is known behind the proxy (HSTS is sent,
the HTTPS redirect does not loop, a log-in with an https Origin passes the
CSRF check), and a client that bypasses the proxy cannot claim HTTPS.
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need
from tests.web.conftest import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made for this test and thrown away with it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert = folder / "cert.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    secret = folder / "key.pem"
    secret.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, secret


NGINX_CONF = """
daemon off;
master_process off;
pid {home}/nginx.pid;
error_log {home}/nginx-error.log info;
events {{ worker_connections 64; }}
http {{
  access_log {home}/nginx-access.log;
  client_body_temp_path {home}/nginx-body;
  proxy_temp_path {home}/nginx-proxy;
  fastcgi_temp_path {home}/nginx-fastcgi;
  uwsgi_temp_path {home}/nginx-uwsgi;
  scgi_temp_path {home}/nginx-scgi;
  # The usual settings of a TLS-terminating proxy in front of an app server.
  proxy_set_header Host $http_host;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto $scheme;
  server {{
    listen 127.0.0.1:{https_port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{ proxy_pass http://127.0.0.1:{app_port}; }}
  }}
  server {{
    listen 127.0.0.1:{http_port};
    location / {{ proxy_pass http://127.0.0.1:{app_port}; }}
  }}
}}
"""


@dataclass(frozen=True)
class Proxied:
    https_port: int
    http_port: int
    app_port: int
    cert: Path


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def proxied(
    tmp_path_factory: pytest.TempPathFactory, database_url: str | None
) -> Iterator[Proxied]:
    need(
        os.access(NGINX, os.X_OK),
        "no nginx for the reverse-proxy test (apt-get install nginx-light)",
    )
    home = tmp_path_factory.mktemp("neutra-proxy")
    (home / "static").mkdir()
    cert, key = _certificate(home)
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "NEUTRA_HOME": str(home),
        "SECRET_KEY": "reverse-proxy-test-" + "k" * 40,
        "NEUTRA_TASKS": "immediate",
        "NEUTRA_TRUSTED_PROXIES": "127.0.0.1",
        "NEUTRA_BEHIND_TLS_PROXY": "1",
        "NEUTRA_SSL_REDIRECT": "1",
        "NEUTRA_LOGIN_FAILURES_PER_ADDRESS": "3",
        "NEUTRA_LOGIN_FAILURES_PER_USERNAME": "100",
    }
    for name in ("NEUTRA_DEBUG", "DATABASE_URL", "NEUTRA_SECURE_COOKIES", "NEUTRA_HSTS_SECONDS"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    app_log = home / "serve.log"
    with app_log.open("w") as log:
        app = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "neutra",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(app_port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(app_port, app, app_log, "neutra serve")
        conf = home / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                home=home,
                cert=cert,
                key=key,
                https_port=https_port,
                http_port=http_port,
                app_port=app_port,
            )
        )
        nginx_log = home / "nginx-error.log"
        nginx = subprocess.Popen(
            [NGINX, "-p", str(home), "-c", str(conf), "-e", str(nginx_log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(http_port, nginx, nginx_log, "nginx")
            yield Proxied(https_port, http_port, app_port, cert)
        finally:
            _stop(nginx)
    finally:
        _stop(app)


def _https(proxied: Proxied, source: str) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(proxied.cert))
    return http.client.HTTPSConnection(
        "127.0.0.1", proxied.https_port, context=context, source_address=(source, 0), timeout=30
    )


def _get(connection: http.client.HTTPConnection, path: str, **headers: str) -> Any:
    connection.request("GET", path, headers=headers)
    answer = connection.getresponse()
    answer.body = answer.read()
    return answer


def _log_in(proxied: Proxied, source: str, username: str, **headers: str) -> Any:
    """A log-in attempt as a browser makes it: the page (CSRF cookie and token), then the POST."""
    connection = _https(proxied, source)
    page = _get(connection, "/accounts/login/")
    assert page.status == 200, page.body[:500]
    cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie", ""))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert cookie is not None
    assert token is not None
    form = f"csrfmiddlewaretoken={token.group(1).decode()}&username={username}&password=wrong"
    connection.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie.group(1)}",
            "Origin": f"https://127.0.0.1:{proxied.https_port}",
            "Referer": f"https://127.0.0.1:{proxied.https_port}/accounts/login/",
            **headers,
        },
    )
    answer = connection.getresponse()
    answer.body = answer.read()
    connection.close()
    return answer


def test_the_throttle_counts_each_client_by_its_own_address_behind_the_proxy(
    proxied: Proxied,
) -> None:
    # Three failures from 127.0.0.2 (with a made-up X-Forwarded-For each time, which the
    # proxy keeps left of the address it saw: it must not help).
    for attempt in range(3):
        answer = _log_in(
            proxied,
            "127.0.0.2",
            f"mallory{attempt}",
            **{"X-Forwarded-For": f"198.51.100.{attempt}"},
        )
        assert answer.status == 200  # the form again: wrong password, and CSRF passed
        assert b"did not match" in answer.body
    assert _log_in(proxied, "127.0.0.2", "mallory9").status == 429
    # Another client, at another address, is not locked out by them.
    other = _log_in(proxied, "127.0.0.3", "alice")
    assert other.status == 200
    assert b"did not match" in other.body


def test_https_behind_the_proxy_gets_hsts_and_no_redirect_loop(proxied: Proxied) -> None:
    page = _get(_https(proxied, "127.0.0.1"), "/accounts/login/")
    assert page.status == 200
    assert page.getheader("Strict-Transport-Security", "").startswith("max-age=31536000")
    assert "Secure" in page.getheader("Set-Cookie", "")
    # Plain HTTP through the proxy is sent to HTTPS, once.
    plain = _get(
        http.client.HTTPConnection("127.0.0.1", proxied.http_port, timeout=30), "/accounts/login/"
    )
    assert plain.status == 301
    assert plain.getheader("Location", "").startswith("https://")


def test_a_client_that_bypasses_the_proxy_cannot_claim_https(proxied: Proxied) -> None:
    direct = http.client.HTTPConnection(
        "127.0.0.1", proxied.app_port, source_address=("127.0.0.4", 0), timeout=30
    )
    answer = _get(direct, "/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert answer.status == 301  # not believed: still plain HTTP, redirected
    assert answer.getheader("Strict-Transport-Security") is None


def test_stopping_serve_with_sigterm_stops_its_worker_too(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "static").mkdir(parents=True)
    port = free_port()
    env = {
        **os.environ,
        "NEUTRA_HOME": str(home),
        "NEUTRA_TASKS": "database",  # serve starts its background worker process
        "SECRET_KEY": "sigterm-test-" + "k" * 40,
    }
    env.pop("DATABASE_URL", None)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "neutra", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    _wait_for(port, serve, log, "neutra serve")
    found = re.search(r"background worker pid (\d+)", log.read_text())
    assert found, log.read_text()[-2000:]
    worker = Path(f"/proc/{found.group(1)}")
    assert worker.exists()
    serve.terminate()  # SIGTERM, as a service manager stops it
    assert serve.wait(timeout=60) is not None
    assert not worker.exists(), "the worker outlived its server"
