"""Dropping a backlog item, and reopening one: moved to decisions.services.backlog (kept here
for the modules that still import it by this name)."""

from .services.backlog import drop_backlog_item, reopen_backlog_item

__all__ = ["drop_backlog_item", "reopen_backlog_item"]
