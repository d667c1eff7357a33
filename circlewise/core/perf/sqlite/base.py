"""Django's SQLite backend, converting each statement's placeholders once.

Django writes SQL with `%s` placeholders and its SQLite cursor turns them into `?` with a regular
expression on every execution (about 15 µs a statement; a consent answer runs about twenty). The
ORM's statements are a bounded set of texts, the values travelling apart as parameters, so the
converted text is remembered per text here. Everything else is Django's backend.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

from circlewise.core.lru import BytesLRU, bytes_limit, text_size

# Converted statements by their text, bounded in bytes, so that a program that builds SQL with
# values in its text (or long IN lists) cannot grow it without bound.
_CONVERTED: BytesLRU[str, str] = BytesLRU(bytes_limit("SQL_CACHE_MB", 4), text_size)


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is not None:  # "pyformat" style: the names vary with the parameters
            converted: str = super().convert_query(query, param_names=param_names)
            return converted
        found = _CONVERTED.get(query)
        if found is None:
            found = super().convert_query(query)
            _CONVERTED.put(query, found)
        return found


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)
