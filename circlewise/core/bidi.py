"""Names and titles shown isolated from the text around them.

People write names in any script; a name's direction (or a stray U+202E RIGHT-TO-LEFT OVERRIDE)
must not reorder the sentence it sits in. In a page's text a name goes in `<bdi>` (the `bdi`
template filter); where markup cannot go (the `<title>`, attributes, `<option>` labels, SVG text)
it goes between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE.
"""

from __future__ import annotations

from typing import Any

FSI, PDI = "\u2068", "\u2069"


def isolate(value: Any) -> str:
    """The text between isolate marks; "" stays ""."""
    text = "" if value is None else str(value)
    return f"{FSI}{text}{PDI}" if text else ""
