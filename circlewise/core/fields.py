"""Text fields that hold what people write to the limits of circlewise.core.inputs.

Every text a person writes is one of these. Whenever a row is written (`save`, `create`,
`update`, `bulk_create`: each prepares its values through `get_db_prep_save`), a value that is
too long, or holds a NUL character or a lone surrogate, is refused with a ServiceError naming the
field, so the service's transaction rolls back and nothing is saved; the page shows the sentence
beside the field, the API answers 400 with it. Forms and API schemas state the same limits, so
that most people meet them there first.

The limit is checked here, not by the database (a TEXT column has none, and SQLite ignores a
VARCHAR's length), so each field describes itself to migrations as Django's own: no migration,
and nothing about the columns changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from .errors import ServiceError
from .inputs import PROPOSAL_TEXT_LIMIT, TEXT_LIMIT, length_problem, text_problem

__all__ = ["PROPOSAL_TEXT_LIMIT", "TEXT_LIMIT", "CharField", "TextField"]

if TYPE_CHECKING:  # Django's fields are generic only to the type checker
    _Char = models.CharField[Any, str]
    _Text = models.TextField[Any, str]
else:
    _Char, _Text = models.CharField, models.TextField


def _check(field: models.Field[Any, Any], value: Any) -> None:
    if not isinstance(value, str):
        return
    label = str(field.verbose_name)
    problem = length_problem(value, field.max_length, label) or text_problem(value)
    if problem is not None:
        raise ServiceError(problem, field=field.name)


class CharField(_Char):
    """A one-line text, up to its `max_length`."""

    def get_db_prep_save(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        _check(self, value)
        return super().get_db_prep_save(value, connection)

    def deconstruct(self) -> Any:
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class TextField(_Text):
    """A text of several lines, up to `max_length` characters (TEXT_LIMIT unless given)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", TEXT_LIMIT)
        super().__init__(*args, **kwargs)

    def get_db_prep_save(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        _check(self, value)
        return super().get_db_prep_save(value, connection)

    def deconstruct(self) -> Any:
        name, _, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, "django.db.models.TextField", args, kwargs
