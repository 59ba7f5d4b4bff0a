"""A token over real HTTP: `git http-backend` behind a server that demands Basic auth."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from seaway.source import AuthError, HttpsToken, RepoCache
from tests.gitrepo import Upstream
from tests.source.conftest import configmap

TOKEN = "ghp_S3cretT0kenValue0123456789"


class GitHttpHandler(BaseHTTPRequestHandler):
    """Runs git http-backend as a CGI program for each request that has the right password."""

    project_root: Path
    token: str
    requests: list[str]

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            _user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return password == self.token

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        self.requests.append(self.path)
        if not self._authorized():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="seaway-test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ["PATH"],
            "GIT_PROJECT_ROOT": str(self.project_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_USER": "seaway",
            "REMOTE_ADDR": "127.0.0.1",
        }
        for name, value in self.headers.items():
            env["HTTP_" + name.upper().replace("-", "_")] = value
        done = subprocess.run(
            ["git", "http-backend"], input=self._body(), env=env, capture_output=True, check=False
        )
        head, _, body = done.stdout.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def served(tmp_path: Path, upstream: Upstream) -> Iterator[tuple[str, str, list[str]]]:
    sha = upstream.commit({"app/cm.yaml": configmap("web", env="https")})
    root = tmp_path / "served"
    root.mkdir()
    upstream.bare_copy(root / "app.git")
    requests: list[str] = []
    handler = type(
        "Handler",
        (GitHttpHandler,),
        {"project_root": root, "token": TOKEN, "requests": requests},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/app.git", sha, requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_good_token_fetches_and_checks_out(
    cache: RepoCache, served: tuple[str, str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    url, sha, requests = served
    caplog.set_level(logging.DEBUG, logger="seaway.source")
    creds = HttpsToken(TOKEN)
    assert cache.ls_remote(url, "main", creds) == sha
    tree = cache.checkout(url, sha, creds)
    assert "https" in (tree / "app/cm.yaml").read_text()
    assert cache.fetch_count == 1
    assert requests, "the server saw no request"
    assert caplog.records, "expected debug logs of the git commands"
    assert TOKEN not in caplog.text
    # Nothing of the token is left in the mirror's config either.
    config = (cache.mirror_path(url) / "config").read_text()
    assert TOKEN not in config
    assert "Authorization" not in config


def test_bad_token_is_a_clear_error_without_the_token(
    cache: RepoCache, served: tuple[str, str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    url, sha, _ = served
    caplog.set_level(logging.DEBUG, logger="seaway.source")
    wrong = HttpsToken("wrong-" + TOKEN)
    with pytest.raises(AuthError) as info:
        cache.ls_remote(url, "main", wrong)
    message = str(info.value)
    assert message.startswith(f"git ls-remote of {url} failed: the repo refused the configured")
    assert wrong.token not in message
    assert TOKEN not in message
    with pytest.raises(AuthError) as fetch_info:
        cache.checkout(url, sha, wrong)
    assert "git fetch of" in str(fetch_info.value)
    assert wrong.token not in str(fetch_info.value)
    for secret in wrong.secrets():
        assert secret not in caplog.text


def test_missing_token_says_credentials_are_needed(
    cache: RepoCache, served: tuple[str, str, list[str]]
) -> None:
    url, _, _ = served
    with pytest.raises(AuthError, match="needs credentials and none are configured"):
        cache.ls_remote(url, "main")


def test_token_in_the_url_is_redacted(cache: RepoCache, served: tuple[str, str, list[str]]) -> None:
    url, _, _ = served
    with_password = url.replace("http://", f"http://git:wrong-{TOKEN}@")
    with pytest.raises(AuthError) as info:
        cache.ls_remote(with_password, "main")
    assert TOKEN not in str(info.value)
    assert "git:***@127.0.0.1" in str(info.value)
