"""Hot single-row lookups with their SQL compiled once.

Every signed-in request reads its session, its user and, on an organisation's pages, the
organisation by its slug. Through the ORM each of these costs about 0.3 ms of CPU, most of it
building and compiling the same query again (docs/performance.md measures it): more than the rest
of a cached page. `Prepared` compiles a queryset once per database connection and then only runs
its SQL with new parameters, converting the row as the ORM would (`from_db`, the backend's
converters). Queries are still counted and logged like any other, and the result is a model
instance like the ORM's.

It handles what these lookups need and refuses anything else when it is first compiled: one model,
its concrete columns, no joins, and a WHERE clause of plain lookups, each taking one parameter or
none (`ended_at__isnull=True` is part of the SQL, not a parameter). The
parameters of the compiled SQL are checked against those `Prepared` computes itself, so a query it
cannot reproduce fails loudly on its first use instead of running with wrong parameters.

With the fast paths off (`circlewise.core.perf.enabled()`), `first` runs the queryset through the
ORM and nothing is compiled here.

Writes go through the ORM (`create`, `bulk_create(ignore_conflicts=True)`, `QuerySet.update`);
reads through the ORM or `Prepared`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.lookups import Lookup
from django.db.models.sql.where import AND, WhereNode

from circlewise.core import perf

_MAX_INT = 2**63 - 1
_MIN_INT = -(2**63)


class _Compiled:
    __slots__ = ("adapters", "converters", "fields", "sql")

    def __init__(
        self,
        sql: str,
        fields: list[str],
        adapters: list[Callable[[Any], Any]],
        converters: list[Any],
    ) -> None:
        self.sql = sql
        self.fields = fields
        self.adapters = adapters
        self.converters = converters


class Prepared[M: Model]:
    """A queryset of the form `Model.objects.filter(a=..., b__gt=...)` compiled once.

    `build` makes the queryset from parameter values, one condition per value in their order
    (conditions without a parameter, such as `x__isnull=True`, take no value):
    chain `filter()` calls when there are several, since `filter(a=.., b=..)` sorts its keywords.
    `samples` are values it is compiled with (any valid values of the right types: they never
    reach the database). `first(*values)` runs
    it with other values and returns the row's instance, or None. For lookups by a unique key:
    no order is applied, so with several matching rows any one of them is returned.
    """

    def __init__(self, model: type[M], build: Callable[..., QuerySet[M]], *samples: Any) -> None:
        self.model = model
        self.build = build
        self.samples = samples
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        queryset = self.build(*self.samples).order_by()[:1]
        query = queryset.query
        if query.select_related or query.annotations or query.deferred_loading[0]:
            raise ValueError("Prepared handles plain querysets only (no joins, no annotations)")
        lookups = _plain_lookups(query.where)
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        fields = [field.attname for field in self.model._meta.concrete_fields]
        selected = [col.target.attname for col, _, _ in compiler.select]
        if selected != fields:
            raise ValueError(
                f"Prepared expected the columns {fields}, the query selects {selected}"
            )
        adapters = []
        for lookup in lookups:
            _, own = compiler.compile(lookup)
            if len(own) > 1:
                raise ValueError(f"Prepared cannot take the condition {lookup!r}")
            if own:  # a condition without a parameter (`x__isnull=True`) is part of the SQL
                adapters.append(_adapter(lookup, connection))
        try:
            expected = [adapt(sample) for adapt, sample in zip(adapters, self.samples, strict=True)]
        except (ValidationError, TypeError, ValueError) as error:
            raise ValueError(f"Prepared cannot reproduce the parameters {params!r}") from error
        if list(params) != expected:
            raise ValueError(f"Prepared cannot reproduce the parameters {params!r}")
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        return _Compiled(sql, fields, adapters, list(converters.items()))

    def first(self, *values: Any) -> M | None:
        if not perf.enabled():
            return next(iter(self.build(*values).order_by()[:1]), None)
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection)
        params = [adapt(value) for adapt, value in zip(compiled.adapters, values, strict=True)]
        if any(type(p) is int and not _MIN_INT <= p <= _MAX_INT for p in params):
            # No column holds it (an id from a path, 2**64): no row, as the ORM's own integer
            # lookups answer, rather than an error from the database driver.
            return None
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = list(row)
            for position, (functions, expression) in compiled.converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
        return self.model.from_db(alias, compiled.fields, row)


def _plain_lookups(where: WhereNode) -> list[Lookup[Any]]:
    if where.connector != AND or where.negated:
        raise ValueError("Prepared handles a WHERE clause of lookups joined by AND only")
    lookups: list[Lookup[Any]] = []
    for child in where.children:
        if isinstance(child, WhereNode):
            lookups.extend(_plain_lookups(child))
        elif isinstance(child, Lookup) and child.rhs_is_direct_value():
            lookups.append(child)
        else:
            raise ValueError(f"Prepared cannot take the condition {child!r}")
    return lookups


def _adapter(lookup: Lookup[Any], connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """The function that turns a Python value into this lookup's database parameter."""
    field: Field[Any, Any] = lookup.lhs.output_field

    def adapt(value: Any) -> Any:
        return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)

    return adapt
