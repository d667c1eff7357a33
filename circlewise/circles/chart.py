"""Circle packing for the org chart: each circle's sub-circles sit inside it, without overlap.

A pure function of the tree's shape, so it is tested on its own and cached by nobody. Siblings
are placed with the front-chain algorithm (Wang et al., "Visualization of large hierarchical
data by circle packing", CHI 2006; the same one d3-hierarchy uses); each parent is then drawn
round its children with some room for its name. Linear in the number of circles in practice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe

from circlewise.core.bidi import isolate

EPSILON = 1e-6


@dataclass
class ChartNode:
    """Input: a circle's id, its parent's id (or None) and a size weight (e.g. its members)."""

    id: int
    parent_id: int | None
    weight: float = 1.0


@dataclass
class Disc:
    """Output: a circle's centre and radius in chart units, and its depth (roots are 0)."""

    id: int
    x: float
    y: float
    r: float
    depth: int = 0
    children: list[int] = field(default_factory=list)


@dataclass
class _Work:
    x: float
    y: float
    r: float
    key: int


def _place(b: _Work, a: _Work, c: _Work) -> None:
    """Put c tangent to both a and b."""
    dx, dy = b.x - a.x, b.y - a.y
    d2 = dx * dx + dy * dy
    if d2:
        a2 = (a.r + c.r) ** 2
        b2 = (b.r + c.r) ** 2
        if a2 > b2:
            x = (d2 + b2 - a2) / (2 * d2)
            y = math.sqrt(max(0.0, b2 / d2 - x * x))
            c.x = b.x - x * dx - y * dy
            c.y = b.y - x * dy + y * dx
        else:
            x = (d2 + a2 - b2) / (2 * d2)
            y = math.sqrt(max(0.0, a2 / d2 - x * x))
            c.x = a.x + x * dx - y * dy
            c.y = a.y + x * dy + y * dx
    else:
        c.x = a.x + c.r
        c.y = a.y


def _intersects(a: _Work, b: _Work) -> bool:
    dr = a.r + b.r - EPSILON
    dx, dy = b.x - a.x, b.y - a.y
    return dr > 0 and dr * dr > dx * dx + dy * dy


class _Link:
    __slots__ = ("c", "next", "prev")

    def __init__(self, c: _Work) -> None:
        self.c = c
        self.next: _Link = self
        self.prev: _Link = self


def _score(node: _Link) -> float:
    a, b = node.c, node.next.c
    ab = a.r + b.r
    dx = (a.x * b.r + b.x * a.r) / ab
    dy = (a.y * b.r + b.y * a.r) / ab
    return dx * dx + dy * dy


def _enclose(circles: Sequence[_Work]) -> tuple[float, float, float]:
    """A circle enclosing all the given ones: near-minimal, and always enclosing."""
    items = [(c.x, c.y, c.r) for c in circles]
    cx = sum([x for x, _y, _r in items]) / len(items)
    cy = sum([y for _x, y, _r in items]) / len(items)
    hypot = math.hypot
    # Move the centre towards the farthest circle a few times (Badoiu-Clarkson), then measure.
    # A plain loop over tuples: this runs 40 times per parent circle, for every chart drawn.
    for step in range(1, 40):
        reach, fx, fy = -1.0, 0.0, 0.0
        for x, y, r in items:
            d = hypot(x - cx, y - cy) + r
            if d > reach:  # the first of the farthest
                reach, fx, fy = d, x, y
        dist = hypot(fx - cx, fy - cy)
        if dist < EPSILON:
            break
        move = min(reach / (step + 1) * 0.5, dist)
        cx += (fx - cx) / dist * move
        cy += (fy - cy) / dist * move
    return cx, cy, max([hypot(x - cx, y - cy) + r for x, y, r in items])


def pack_siblings(circles: list[_Work]) -> float:
    """Place circles round the origin without overlap; return the enclosing radius."""
    n = len(circles)
    if n == 0:
        return 0.0
    a = circles[0]
    a.x = a.y = 0.0
    if n == 1:
        return a.r
    b = circles[1]
    a.x, b.x, b.y = -b.r, a.r, 0.0
    if n > 2:
        _place(b, a, circles[2])
        la, lb, lc = _Link(a), _Link(b), _Link(circles[2])
        la.next = lc.prev = lb
        lb.next = la.prev = lc
        lc.next = lb.prev = la
        i = 3
        while i < n:
            c = circles[i]
            _place(la.c, lb.c, c)
            j, k = lb.next, la.prev
            sj, sk = lb.c.r, la.c.r
            retry = False
            while True:
                if sj <= sk:
                    if _intersects(j.c, c):
                        lb = j
                        la.next, lb.prev = lb, la
                        retry = True
                        break
                    sj += j.c.r
                    j = j.next
                else:
                    if _intersects(k.c, c):
                        la = k
                        la.next, lb.prev = lb, la
                        retry = True
                        break
                    sk += k.c.r
                    k = k.prev
                if j is k.next:
                    break
            if retry:
                continue
            lc = _Link(c)
            lc.prev, lc.next = la, lb
            la.next = lb.prev = lc
            lb = lc
            best, best_score = la, _score(la)
            node = lc.next
            while node is not lb:
                s = _score(node)
                if s < best_score:
                    best, best_score = node, s
                node = node.next
            la = best
            lb = la.next
            i += 1
    cx, cy, r = _enclose(circles)
    for c in circles:
        c.x -= cx
        c.y -= cy
    return r


def leaf_radius(weight: float) -> float:
    """A circle without sub-circles grows gently with its size (area ~ members)."""
    return 10.0 * math.sqrt(1.0 + max(weight, 0.0) / 3.0)


def pack(
    nodes: Iterable[ChartNode], *, padding: float = 0.08, label_room: float = 0.18
) -> dict[int, Disc]:
    """Lay out a forest of circles. Nodes whose parent is missing become roots.

    Several roots are packed side by side as siblings. Returns a Disc per node; the whole
    drawing is centred on the origin.
    """
    by_id = {n.id: n for n in nodes}
    children: dict[int | None, list[int]] = {}
    for n in by_id.values():
        parent = n.parent_id if n.parent_id in by_id else None
        children.setdefault(parent, []).append(n.id)
    for ids in children.values():
        ids.sort()

    radius: dict[int, float] = {}
    offset: dict[int, tuple[float, float]] = {}  # child centre relative to its parent's centre

    # Post-order without recursion: deep trees must not hit the recursion limit.
    order: list[int] = []
    stack: list[int] = list(children.get(None, []))
    seen: set[int] = set()
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        order.append(node_id)
        stack.extend(children.get(node_id, []))
    for node_id in reversed(order):
        kids = children.get(node_id, [])
        if not kids:
            radius[node_id] = leaf_radius(by_id[node_id].weight)
            continue
        work = sorted((_Work(0.0, 0.0, radius[k], k) for k in kids), key=lambda w: (-w.r, w.key))
        inner = pack_siblings(work)
        # Room above the children for the parent's name, and a margin all round.
        shift = inner * label_room * 0.5
        for w in work:
            offset[w.key] = (w.x, w.y + shift)
        radius[node_id] = (inner + shift) * (1 + padding) + 2.0

    discs: dict[int, Disc] = {}
    roots = children.get(None, [])
    if not roots:
        return discs
    root_work = sorted((_Work(0.0, 0.0, radius[r], r) for r in roots), key=lambda w: (-w.r, w.key))
    pack_siblings(root_work)
    for w in root_work:
        discs[w.key] = Disc(w.key, w.x, w.y, radius[w.key], 0, list(children.get(w.key, [])))
    for node_id in order:
        parent_disc = discs[node_id]
        for kid in children.get(node_id, []):
            ox, oy = offset[kid]
            discs[kid] = Disc(
                kid,
                parent_disc.x + ox,
                parent_disc.y + oy,
                radius[kid],
                parent_disc.depth + 1,
                list(children.get(kid, [])),
            )
    return discs


def bounds(discs: Iterable[Disc]) -> tuple[float, float, float, float]:
    """(min x, min y, width, height) of the drawing."""
    items = list(discs)
    if not items:
        return (0.0, 0.0, 100.0, 100.0)
    min_x = min(d.x - d.r for d in items)
    min_y = min(d.y - d.r for d in items)
    max_x = max(d.x + d.r for d in items)
    max_y = max(d.y + d.r for d in items)
    return (min_x, min_y, max_x - min_x, max_y - min_y)


# Drawing -----------------------------------------------------------------------------------


@dataclass
class Drawn:
    """Everything the template needs for one circle, numbers already formatted."""

    id: int
    href: str
    label: str
    cx: str
    cy: str
    r: str
    fill: str
    stroke: str
    opacity: str
    text: str = ""
    text_x: str = ""
    text_y: str = ""
    font_size: str = ""
    halo: str = ""
    links: list[dict[str, str]] = field(default_factory=list)
    badge: dict[str, str] = field(default_factory=dict)  # where a broken link's mark goes
    css: str = "c-disc"


def _fit(name: str, width: float, font_size: float) -> str:
    """The name, shortened with an ellipsis to fit `width` (about 0.56 em per character)."""
    max_chars = int(width / (font_size * 0.56))
    if max_chars < min(len(name), 6):
        return ""
    if len(name) <= max_chars:
        return name
    return name[: max_chars - 1].rstrip() + "…"


def draw(
    discs: dict[int, Disc],
    *,
    names: dict[int, str],
    hues: dict[int, int],
    hrefs: dict[int, str],
    labels: dict[int, str],
    links: dict[int, tuple[bool, bool]],
) -> tuple[list[Drawn], tuple[float, float, float, float]]:
    """Turn discs into drawable circles, parents before children (the document and tab order).

    `links` gives, per circle with a parent, whether its leader's and its delegate's side of
    the link holds: they are drawn as two small dots on the circle's rim facing its parent,
    joined to it. A side that does not hold is drawn hollow on a dashed line, and the circle
    gets a "!" mark there.
    """
    box = bounds(discs.values())
    size = max(box[2], box[3])
    fonts = (size / 95, size / 48)
    out: list[Drawn] = []
    parent_of = {kid: d for d in discs.values() for kid in d.children}
    opacities: dict[int, str] = {}
    order: list[int] = sorted(
        (d.id for d in discs.values() if d.depth == 0), key=lambda i: -discs[i].r
    )
    stack = list(reversed(order))
    while stack:
        disc = discs[stack.pop()]
        hue = hues.get(disc.id, 170)
        if disc.depth not in opacities:
            opacities[disc.depth] = f"{min(0.12 + 0.05 * disc.depth, 0.3):.2f}"
        item = Drawn(
            id=disc.id,
            href=hrefs[disc.id],
            label=labels[disc.id],
            cx=f"{disc.x:.1f}",
            cy=f"{disc.y:.1f}",
            r=f"{disc.r:.1f}",
            fill=f"hsl({hue} 55% 50%)",
            stroke=f"hsl({hue} 45% 38%)",
            opacity=opacities[disc.depth],
        )
        _name_text(item, disc, names[disc.id], fonts)
        parent = parent_of.get(disc.id)
        if parent is not None and disc.id in links:
            angle = _facing(disc, parent)
            item.links = _link_marks(disc, parent, links[disc.id], size, angle)
            if not all(links[disc.id]):
                item.badge = _badge(disc, size, angle)
        out.append(item)
        stack.extend(sorted(disc.children, key=lambda i: -discs[i].r)[::-1])
    return out, box


def _name_text(item: Drawn, disc: Disc, name: str, fonts: tuple[float, float]) -> None:
    """Where the circle's visible name goes: at the top of a parent, in the middle of a leaf."""
    min_font, max_font = fonts
    if disc.children:
        font = min(max(disc.r * 0.12, min_font), max_font)
        dy = disc.r - font * 1.5
        half_chord = math.sqrt(max(disc.r * disc.r - dy * dy, 0.0))
        text = _fit(name, 2 * half_chord * 0.85, font)
        text_y = disc.y - dy + font * 0.35
    else:
        # Shrink the name to fit the circle when it can stay readable; else shorten it.
        fitting = 2 * disc.r * 0.85 / (max(len(name), 1) * 0.56)
        font = min(max(min(disc.r * 0.3, fitting), min_font), max_font)
        text = _fit(name, 2 * disc.r * 0.85, font)
        text_y = disc.y + font * 0.35
    if text:
        item.text, item.font_size, item.halo = text, f"{font:.1f}", f"{font * 0.22:.1f}"
        item.text_x, item.text_y = item.cx, f"{text_y:.1f}"


def _link_marks(
    disc: Disc, parent: Disc, held: tuple[bool, bool], size: float, angle: float
) -> list[dict[str, str]]:
    """The leader's and the delegate's dots on the rim, facing the parent (`angle`)."""
    dist = math.hypot(disc.x - parent.x, disc.y - parent.y)
    gap = parent.r - dist - disc.r
    reach = max(min(gap, disc.r * 0.25, size / 90), size / 250)
    dot = f"{min(max(disc.r * 0.06, size / 400), size / 140):.1f}"
    out_x, out_y = reach * math.cos(angle), reach * math.sin(angle)
    marks = []
    for spread, is_held, css in ((-0.22, held[0], "c-leader"), (0.22, held[1], "c-delegate")):
        a = angle + spread
        x1, y1 = disc.x + disc.r * math.cos(a), disc.y + disc.r * math.sin(a)
        marks.append(
            {
                "x1": f"{x1:.1f}", "y1": f"{y1:.1f}",
                "x2": f"{x1 + out_x:.1f}", "y2": f"{y1 + out_y:.1f}",
                "r": dot, "css": css if is_held else "c-missing",
                "line": "c-link" if is_held else "c-link c-broken",
            }
        )  # fmt: skip
    return marks


def _facing(disc: Disc, parent: Disc) -> float:
    """The direction from the circle towards the nearest point of its parent's rim."""
    dx, dy = disc.x - parent.x, disc.y - parent.y
    return math.atan2(dy, dx) if math.hypot(dx, dy) > EPSILON else -math.pi / 2


def _badge(disc: Disc, size: float, angle: float) -> dict[str, str]:
    """A small "!" on the rim between the two link dots (at `angle`): the link is broken."""
    r = min(max(disc.r * 0.1, size / 220), size / 90)
    x, y = disc.x + disc.r * math.cos(angle), disc.y + disc.r * math.sin(angle)
    return {
        "cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": f"{r:.1f}",
        "ty": f"{y + r * 0.5:.1f}", "font": f"{r * 1.5:.1f}",
    }  # fmt: skip


def svg(
    drawn: list[Drawn], box: tuple[float, float, float, float], *, css_class: str, labelledby: str
) -> SafeString:
    """The whole chart as SVG markup, built here: a template loop is slow for 400 circles.

    Texts and attributes are escaped with the standard library's `html.escape`, which is what
    Django's `escape` calls, without its check for lazy strings (four per circle)."""
    pad = max(box[2], box[3]) * 0.02
    view = f"{box[0] - pad:.1f} {box[1] - pad:.1f} {box[2] + 2 * pad:.1f} {box[3] + 2 * pad:.1f}"
    parts = [
        f'<svg class="{escape(css_class)}" viewBox="{view}" role="group" '
        f'aria-labelledby="{escape(labelledby)}" preserveAspectRatio="xMidYMid meet">'
    ]
    for c in drawn:
        label = escape(c.label)
        parts.append(
            f'<a href="{escape(c.href)}" aria-label="{label}"><title>{label}</title>'
            f'<circle class="{escape(c.css)}" cx="{c.cx}" cy="{c.cy}" r="{c.r}" fill="{c.fill}" '
            f'fill-opacity="{c.opacity}" stroke="{c.stroke}"/>'
        )
        for m in c.links:
            parts.append(
                f'<line class="{m["line"]}" x1="{m["x1"]}" y1="{m["y1"]}" x2="{m["x2"]}" '
                f'y2="{m["y2"]}"/><circle class="{m["css"]}" cx="{m["x1"]}" cy="{m["y1"]}" '
                f'r="{m["r"]}"/>'
            )
        if c.badge:
            b = c.badge
            parts.append(
                f'<circle class="c-break" cx="{b["cx"]}" cy="{b["cy"]}" r="{b["r"]}"/>'
                f'<text class="c-break-mark" x="{b["cx"]}" y="{b["ty"]}" font-size="{b["font"]}" '
                f'text-anchor="middle" aria-hidden="true">!</text>'
            )
        parts.append("</a>")
        if c.text:
            # The visible name sits outside the link (clicks pass through it to the disc): a
            # shortened name must not contradict the link's accessible name, which is complete.
            parts.append(
                f'<text class="c-label" x="{c.text_x}" y="{c.text_y}" font-size="{c.font_size}" '
                f'stroke-width="{c.halo}" text-anchor="middle" aria-hidden="true">'
                f"{escape(isolate(c.text))}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text and attribute is escaped
