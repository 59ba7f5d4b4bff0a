"""Build a one-layer OCI image from an app's files, with no Docker engine, and push it.

The layer is reproducible (sorted entries, zero times and owners, gzip without a timestamp), so
the same files give the same digest on every run and a rebuilt commit is recognised as such.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from seaway.registry import OCI_CONFIG, OCI_MANIFEST, Reference, RegistryClient

LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


class BuildError(Exception):
    pass


@dataclass(frozen=True)
class Built:
    reference: Reference
    digest: str
    files: int


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def collect(root: Path, paths: list[str]) -> list[Path]:
    """Every file named, folders walked; BuildError naming a path that is not there."""
    found: set[Path] = set()
    for name in paths:
        path = root / name
        if path.is_file():
            found.add(path)
        elif path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and ".git" not in p.parts)
        else:
            raise BuildError(f"image.files: {name} is not in {root}")
    return sorted(found)


def layer_tar(root: Path, files: list[Path], prefix: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in files:
            data = path.read_bytes()
            info = tarfile.TarInfo(f"{prefix.strip('/')}/{path.relative_to(root).as_posix()}")
            info.size = len(data)
            info.mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def image_config(diff_id: str, created_by: str) -> bytes:
    document = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": created_by}],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def build_and_push(
    client: RegistryClient, reference: Reference, root: Path, paths: list[str], prefix: str
) -> Built:
    files = collect(root, paths)
    tar = layer_tar(root, files, prefix)
    layer = gzip.compress(tar, mtime=0)
    config = image_config(_sha256(tar), "seaway ci run")
    layer_digest = client.push_blob(reference, layer)
    config_digest = client.push_blob(reference, config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": config_digest},
        "layers": [{"mediaType": LAYER_MEDIA_TYPE, "size": len(layer), "digest": layer_digest}],
    }
    data = json.dumps(manifest, separators=(",", ":")).encode()
    client.push_manifest(reference, reference.tag or "latest", data, OCI_MANIFEST)
    # The digest the registry serves for the tag, not the one computed here: what is signed and
    # deployed is what a puller gets.
    return Built(reference, client.resolve(reference), len(files))
