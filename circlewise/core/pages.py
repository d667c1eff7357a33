"""Moved to `circlewise.core.perf.pages`; this name stays for the views that import it still
(circles/views/browse.py, decisions/views/browse.py) until they switch."""

from circlewise.core.perf.pages import shared_body_page, whole_page

__all__ = ["shared_body_page", "whole_page"]
