"""Markdown for aims, domains and proposals: rendered with markdown-it-py, sanitised with nh3."""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from .lru import BytesLRU, bytes_limit, text_size

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


# Rendered texts by their source: a page shows the same aims and proposals again and again. Bounded
# in bytes (a few long proposals must not take what thousands of short aims share).
_rendered: BytesLRU[str, str] = BytesLRU(bytes_limit("MARKDOWN_CACHE_MB", 8), text_size)


def _render(text: str) -> str:
    html = _rendered.get(text)
    if html is None:
        html = _render_now(text)
        _rendered.put(text, html)
    return html


def _render_now(text: str) -> str:
    html = _md.render(text)
    # Headings inside user content start at h2 so the page keeps one h1.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> SafeString:
    return mark_safe(_render(text or ""))  # noqa: S308 - sanitised by nh3 above
