"""A real OCI registry for tests: `crane registry serve` on 127.0.0.1, storage in a temp folder.

crane (go-containerregistry, built by the testbed) is also the independent client the tests push
images with, so what Seaway's own registry client reads was not written by it.
"""

from __future__ import annotations

import io
import socket
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from testbed.build import BuildError, ensure_built
from testbed.components import CRANE

_START_TIMEOUT = 20.0


@dataclass
class Registry:
    crane: Path
    host: str
    work: Path

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(self.crane), *args, "--insecure"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if done.returncode != 0:
            raise AssertionError(f"crane {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def push_image(
        self, repository: str, tag: str, content: str = "", labels: dict[str, str] | None = None
    ) -> str:
        """Push a one-layer image (a file holding `content`); return its digest."""
        ref = f"{self.host}/{repository}:{tag}"
        layer = self.work / f"layer-{time.monotonic_ns()}.tar"
        data = (content or f"{repository}:{tag}").encode()
        with tarfile.open(layer, "w") as tar:
            info = tarfile.TarInfo("app/content")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        self.run("append", "-f", str(layer), "-t", ref)
        if labels:
            args = [f"--label={k}={v}" for k, v in labels.items()]
            self.run("mutate", ref, *args, "-t", ref)
        return self.run("digest", ref)

    def tag(self, repository: str, source_tag: str, new_tag: str) -> None:
        self.run("tag", f"{self.host}/{repository}:{source_tag}", new_tag)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def oci_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    try:
        crane = ensure_built(CRANE, log=False).binary("crane")
    except BuildError as exc:
        pytest.skip(f"crane {CRANE.version} could not be built here: {exc}")
    work = tmp_path_factory.mktemp("registry")
    storage = work / "storage"
    storage.mkdir()
    host = f"127.0.0.1:{_free_port()}"
    log = (work / "registry.log").open("wb")
    proc = subprocess.Popen(
        [str(crane), "registry", "serve", "--address", host, "--disk", str(storage)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            try:
                if httpx2.get(f"http://{host}/v2/").status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"crane registry did not start: {(work / 'registry.log').read_text()}"
                )
            time.sleep(0.05)
        yield Registry(crane, host, work)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
