"""nginx/default.conf run by a real nginx in front of gunicorn with DJANGO_SECURE_HTTPS=true:
a TLS terminator in TRUSTED_PROXY_NETWORKS passes `X-Forwarded-Proto: https` on (no
redirect loop), anyone else's header is replaced by the scheme nginx was reached with.

The server block is the repository's file; only its port, upstream address and file paths
are pointed at the test's own. Loopback is a /8: the trusted proxy calls from 127.0.0.2, a
stranger from 127.0.0.1."""

import http.client
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.stack import free_port
from tests.support.processes import REPO_DIR, WebServer, child_env, stop, wait_for

pytestmark = [
    pytest.mark.process,
    pytest.mark.timeout(120),
    pytest.mark.skipif(shutil.which("nginx") is None, reason="needs an nginx binary"),
]

TRUSTED_PEER = "127.0.0.2"
STRANGER = "127.0.0.1"
PAGE = "/api/docs/"  # any page that is not a health probe: those are never redirected


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"default.conf no longer has {old!r}"
    return text.replace(old, new)


class Nginx:
    def __init__(self, workdir: Path, upstream: str, trusted: str) -> None:
        self.port = free_port()
        trusted_conf = workdir / "trusted-proxies.conf"
        subprocess.run(
            [str(REPO_DIR / "nginx" / "trusted-proxies.sh"), str(trusted_conf)],
            env={**os.environ, "TRUSTED_PROXY_NETWORKS": trusted},
            check=True,
        )
        conf = (REPO_DIR / "nginx" / "default.conf").read_text()
        conf = replace_once(conf, "/etc/nginx/trusted-proxies.conf", str(trusted_conf))
        conf = replace_once(conf, "listen 80 ", f"listen 127.0.0.1:{self.port} ")
        conf = replace_once(conf, "http://web:8000", upstream)
        conf = replace_once(conf, "/var/log/nginx/access.log", str(workdir / "access.log"))
        (workdir / "default.conf").write_text(conf)
        temp_paths = "".join(
            f"{kind}_temp_path {workdir / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (workdir / "nginx.conf").write_text(
            "daemon off;\nmaster_process off;\n"
            f"pid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'};\n"
            "events { worker_connections 64; }\n"
            f"http {{\n{temp_paths}include {workdir / 'default.conf'};\n}}\n"
        )
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(workdir), "-e", str(workdir / "error.log"),
             "-c", str(workdir / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(self._listening, 20, f"nginx on port {self.port}")
        except BaseException:
            self.close()
            raise

    def _listening(self) -> bool:
        assert self.proc.poll() is None, "nginx exited"
        try:
            self.get(STRANGER, "/livez")
        except ConnectionRefusedError:
            return False
        return True

    def get(self, source: str, path: str, headers: dict | None = None):
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=15, source_address=(source, 0)
        )
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            return response
        finally:
            conn.close()

    def close(self) -> None:
        stop(self.proc)


@pytest.fixture
def web(tmp_path, transactional_db):
    server = WebServer(child_env(DJANGO_SECURE_HTTPS="true"), tmp_path / "gunicorn.log")
    yield server
    server.close()


@pytest.fixture
def nginx(tmp_path, web):
    workdir = tmp_path / "nginx"
    workdir.mkdir()
    server = Nginx(workdir, web.url, trusted=f"{TRUSTED_PEER}/32")
    yield server
    server.close()


def test_https_said_by_the_trusted_proxy_is_served_without_a_redirect(nginx):
    response = nginx.get(TRUSTED_PEER, PAGE, {"X-Forwarded-Proto": "https"})
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security")  # Django saw https


def test_the_trusted_proxy_saying_http_is_redirected_to_https(nginx):
    response = nginx.get(TRUSTED_PEER, PAGE, {"X-Forwarded-Proto": "http"})
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1{PAGE}"


def test_a_strangers_https_header_is_replaced_by_the_scheme_nginx_saw(nginx):
    response = nginx.get(STRANGER, PAGE, {"X-Forwarded-Proto": "https"})
    assert response.status == 301
    assert response.getheader("Location").startswith("https://")


def test_anything_but_http_or_https_from_the_trusted_proxy_counts_as_the_scheme_nginx_saw(
    nginx,
):
    for value in ("https, http", "ftp", ""):
        response = nginx.get(TRUSTED_PEER, PAGE, {"X-Forwarded-Proto": value})
        assert response.status == 301, value


def test_nobody_is_trusted_when_no_network_is_set(tmp_path, web):
    workdir = tmp_path / "untrusting"
    workdir.mkdir()
    server = Nginx(workdir, web.url, trusted="")
    try:
        response = server.get(TRUSTED_PEER, PAGE, {"X-Forwarded-Proto": "https"})
    finally:
        server.close()
    assert response.status == 301
    assert (workdir / "trusted-proxies.conf").read_text() == ""


def test_the_network_list_takes_only_addresses_and_networks(tmp_path):
    out = tmp_path / "trusted-proxies.conf"
    script = str(REPO_DIR / "nginx" / "trusted-proxies.sh")
    listed = "10.0.0.0/8, 192.0.2.7,2001:db8::/32"
    subprocess.run(
        [script, str(out)], env={**os.environ, "TRUSTED_PROXY_NETWORKS": listed}, check=True
    )
    assert out.read_text() == "10.0.0.0/8 1;\n192.0.2.7 1;\n2001:db8::/32 1;\n"
    injected = "10.0.0.0/8 1; include /etc/passwd"
    result = subprocess.run(
        [script, str(out)],
        env={**os.environ, "TRUSTED_PROXY_NETWORKS": injected},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "not an address or network: 1;" in result.stderr
    assert not out.exists() or "include" not in out.read_text()
