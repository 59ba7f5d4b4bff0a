"""The one error of the registry client: it names the image and what the registry said."""

from __future__ import annotations


class RegistryError(Exception):
    """A registry request failed; `status` is the HTTP status when there was one."""

    def __init__(self, what: str, detail: str, status: int | None = None) -> None:
        self.what = what
        self.detail = detail
        self.status = status
        super().__init__(f"{what}: {detail}")

    @property
    def not_found(self) -> bool:
        return self.status == 404
