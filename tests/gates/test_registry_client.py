"""The OCI distribution client against a real registry (crane), and through a real token server.

The token server is a small HTTP server in this test on 127.0.0.1 that does what Docker Hub and
GHCR do (401 with a Bearer challenge, a token endpoint that checks Basic credentials) and
forwards the authorized requests to crane, which has no auth of its own.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2
import pytest

from seaway.registry import (
    OCI_MANIFEST,
    Credentials,
    RegistryClient,
    RegistryError,
    load_docker_config,
    parse_reference,
)
from seaway.registry.auth import credentials_for
from tests.oci_registry import Registry


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", "", ""),
        ("nginx:1.27", "docker.io", "library/nginx", "1.27", ""),
        ("bitnami/redis:7", "docker.io", "bitnami/redis", "7", ""),
        ("ghcr.io/org/app:v1", "ghcr.io", "org/app", "v1", ""),
        ("localhost/app", "localhost", "app", "", ""),
        ("127.0.0.1:5000/shop/api:1.0@sha256:" + "ab" * 32, "127.0.0.1:5000", "shop/api", "1.0",
         "sha256:" + "ab" * 32),
    ],
)  # fmt: skip
def test_references_are_read_as_docker_reads_them(
    text: str, registry: str, repository: str, tag: str, digest: str
) -> None:
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [("Shop/API", "repository 'shop/API'"), ("app@sha256:12", "digest 'sha256:12'")],
)
def test_bad_references_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="is not") as caught:
        parse_reference(text)
    assert message.lower() in str(caught.value).lower()


def test_docker_config_credentials(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    auth = base64.b64encode(b"ci:s3cret").decode()
    config.write_text(
        json.dumps(
            {
                "auths": {
                    "https://index.docker.io/v1/": {"auth": auth},
                    "ghcr.io": {"username": "bot", "password": "tok"},
                },
                "credsStore": "desktop",
            }
        )
    )
    found = load_docker_config(config)
    assert credentials_for("docker.io", found) == Credentials("ci", "s3cret")
    assert credentials_for("ghcr.io", found) == Credentials("bot", "tok")
    assert credentials_for("quay.io", found) is None
    assert "s3cret" not in repr(found)
    assert load_docker_config(tmp_path / "absent.json") == {}
    config.write_text("{not json")
    with pytest.raises(RegistryError, match=r"config\.json: cannot read the Docker config"):
        load_docker_config(config)


def test_read_and_write_against_crane(oci_registry: Registry) -> None:
    digest = oci_registry.push_image("client/app", "1.0.0", labels={"team": "shop"})
    oci_registry.tag("client/app", "1.0.0", "stable")
    ref = parse_reference(f"{oci_registry.host}/client/app:stable")
    with RegistryClient(insecure=[oci_registry.host], credentials={}) as client:
        assert client.resolve(ref) == digest
        manifest = client.manifest(ref)
        assert manifest.digest == digest
        assert sorted(client.tags(ref)) == ["1.0.0", "stable"]
        assert client.image_config(ref)["config"]["Labels"] == {"team": "shop"}

        config = b'{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]}}'
        config_digest = client.push_blob(ref, config)
        assert client.blob(ref, config_digest) == config
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "size": len(config),
                "digest": config_digest,
            },
            "layers": [],
        }
        data = json.dumps(document).encode()
        pushed = client.push_manifest(ref, "written", data, OCI_MANIFEST)
        with pytest.raises(RegistryError) as missing:
            client.manifest(ref.with_tag("no-such-tag"))
        assert missing.value.not_found
    # crane, an independent client, reads what ours wrote.
    assert oci_registry.run("digest", f"{oci_registry.host}/client/app:written") == pushed


def test_plain_http_only_when_asked(oci_registry: Registry) -> None:
    ref = parse_reference(f"{oci_registry.host}/client/app:1.0.0")
    with (
        RegistryClient(credentials={}, timeout=5) as client,
        pytest.raises(RegistryError, match="must be listed as insecure"),
    ):
        client.resolve(ref)


TOKEN = "t0ken-for-tests"


class _Guard(BaseHTTPRequestHandler):
    upstream = ""
    realm = ""

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        if self.path.startswith("/token"):
            good = "Basic " + base64.b64encode(b"ci:s3cret").decode()
            if self.headers.get("Authorization") != good or "scope=repository" not in self.path:
                self._reply(401, b'{"details":"bad login"}', {})
                return
            self._reply(200, json.dumps({"token": TOKEN}).encode(), {})
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            challenge = f'Bearer realm="{self.realm}",service="guard"'
            self._reply(401, b"{}", {"WWW-Authenticate": challenge})
            return
        length = int(self.headers.get("Content-Length") or 0)
        sent = httpx2.request(
            self.command,
            self.upstream + self.path,
            headers={
                k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type")
            },
            content=self.rfile.read(length) if length else None,
        )
        keep = ("content-type", "docker-content-digest", "location", "link")
        self._reply(
            sent.status_code, sent.content, {k: v for k, v in sent.headers.items() if k in keep}
        )

    do_GET = do_HEAD = do_PUT = do_POST = _handle


@pytest.fixture
def guarded(oci_registry: Registry) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Guard)
    host = f"127.0.0.1:{server.server_address[1]}"
    _Guard.upstream = f"http://{oci_registry.host}"
    _Guard.realm = f"http://{host}/token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()


def test_bearer_token_from_docker_config_credentials(oci_registry: Registry, guarded: str) -> None:
    digest = oci_registry.push_image("guarded/app", "1.0.0")
    ref = parse_reference(f"{guarded}/guarded/app:1.0.0")
    good = {guarded: Credentials("ci", "s3cret")}
    with RegistryClient(insecure=[guarded], credentials=good) as client:
        assert client.resolve(ref) == digest
        assert client.tags(ref) == ["1.0.0"]
    bad = {guarded: Credentials("ci", "wrong")}
    with (
        RegistryClient(insecure=[guarded], credentials=bad) as client,
        pytest.raises(RegistryError, match="the token service refused: HTTP 401"),
    ):
        client.resolve(ref)
