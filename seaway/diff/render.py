"""Objects as YAML a person reads, and the unified diff between two of them."""

from __future__ import annotations

import difflib
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Scripts and config files in ConfigMaps diff line by line only as block scalars.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(obj: Any) -> str:
    if obj is None:
        return ""
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=True, default_flow_style=False, width=100)


def unified_yaml(old: Any, new: Any, *, from_name: str, to_name: str, context: int = 3) -> str:
    lines = difflib.unified_diff(
        to_yaml(old).splitlines(keepends=True),
        to_yaml(new).splitlines(keepends=True),
        fromfile=from_name,
        tofile=to_name,
        n=context,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
