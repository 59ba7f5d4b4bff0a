"""The resource tree as a picture: the app on the left, its kinds, then each object, laid out
here so the template only draws (an SVG, no script)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from seaway.api.ui import badges

ROW = 34
TOP = 20
COLUMNS = (10, 230, 450)
BOX_WIDTH = (180, 180, 300)
BOX_HEIGHT = 26


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    label: str
    detail: str
    badge: badges.Badge


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class TreePicture:
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    width: int
    height: int


def _mid(box: Box) -> int:
    return box.y + BOX_HEIGHT // 2


def _edge(left: Box, right: Box) -> Edge:
    return Edge(left.x + left.width, _mid(left), right.x, _mid(right))


def _worst(nodes: Sequence[Mapping[str, Any]]) -> str:
    order = ("Degraded", "Missing", "Suspended", "Progressing", "Unknown", "Healthy")
    seen = {str((n.get("health") or {}).get("status") or "") for n in nodes}
    return next((h for h in order if h in seen), "")


def picture(app: str, app_health: str, nodes: Sequence[Mapping[str, Any]]) -> TreePicture:
    """`nodes` as the API's resource tree gives them (sorted by kind)."""
    objects: list[Box] = []
    kinds: list[Box] = []
    edges: list[Edge] = []
    for kind, group in groupby(nodes, key=lambda n: str(n.get("kind", ""))):
        members = list(group)
        first = len(objects)
        for node in members:
            health = str((node.get("health") or {}).get("status") or "")
            where = f"{node.get('namespace')}/" if node.get("namespace") else ""
            objects.append(
                Box(
                    COLUMNS[2],
                    TOP + ROW * len(objects),
                    BOX_WIDTH[2],
                    f"{where}{node.get('name', '')}",
                    str(node.get("status") or ""),
                    badges.health(health),
                )
            )
        middle = (objects[first].y + objects[-1].y) // 2
        kind_box = Box(
            COLUMNS[1],
            middle,
            BOX_WIDTH[1],
            kind,
            f"{len(members)}",
            badges.health(_worst(members)),
        )
        kinds.append(kind_box)
        edges.extend(_edge(kind_box, o) for o in objects[first:])
    top = (kinds[0].y + kinds[-1].y) // 2 if kinds else TOP
    root = Box(COLUMNS[0], top, BOX_WIDTH[0], app, "Application", badges.health(app_health))
    edges.extend(_edge(root, k) for k in kinds)
    height = TOP * 2 + ROW * max(len(objects), 1)
    return TreePicture(
        (root, *kinds, *objects), tuple(edges), COLUMNS[2] + BOX_WIDTH[2] + 10, height
    )
