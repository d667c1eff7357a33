"""Django's SQLite backend, converting each statement's placeholders once.

Django writes SQL with `%s` placeholders and its SQLite cursor turns them into `?` with a regular
expression on every execution (about 15 µs a statement; a consent answer runs about twenty). The
ORM's statements are a bounded set of texts, the values travelling apart as parameters, so the
converted text is remembered per text here. Everything else is Django's backend.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

# Converted statements by their text; emptied when full, so that a program that builds SQL with
# values in its text cannot grow it without bound.
_CONVERTED: dict[str, str] = {}
_CONVERTED_MAX = 4096


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is not None:  # "pyformat" style: the names vary with the parameters
            converted: str = super().convert_query(query, param_names=param_names)
            return converted
        found = _CONVERTED.get(query)
        if found is None:
            found = super().convert_query(query)
            if len(_CONVERTED) >= _CONVERTED_MAX:
                _CONVERTED.clear()
            _CONVERTED[query] = found
        return found


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)
