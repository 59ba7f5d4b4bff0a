"""A small OCI distribution client: resolve tags to digests, list tags, read and write
manifests and blobs, with docker config.json credentials and bearer-token auth.

An I/O edge that imports nothing else of Seaway: `gates` stores attestations through it and
`promote` polls it for new image tags.
"""

from seaway.registry.auth import Credentials, credentials_for, load_docker_config
from seaway.registry.client import (
    DOCKER_MANIFEST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    Manifest,
    RegistryClient,
)
from seaway.registry.errors import RegistryError
from seaway.registry.reference import Reference, parse_reference

__all__ = [
    "DOCKER_MANIFEST",
    "OCI_CONFIG",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "Credentials",
    "Manifest",
    "Reference",
    "RegistryClient",
    "RegistryError",
    "credentials_for",
    "load_docker_config",
    "parse_reference",
]
