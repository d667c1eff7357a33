"""Every route the site answers is in the permission table, and every entry there still exists."""

from __future__ import annotations

from . import permission_table as table


def test_every_route_and_api_operation_is_in_the_permission_table():
    # given every URL pattern (through every include) and every API operation
    found = table.found_routes()
    # when each is looked up in the permission table
    unlisted = []
    for route in found:
        if route.kind == "third_party":
            listed = table.third_party_for(route.pattern) is not None
        else:
            listed = table.entry(route.key) is not None
        if not listed:
            unlisted.append(route)
    keys = {route.key for route in found}
    stale = [entry.key for entry in table.ROUTES if entry.key not in keys]
    stale += [
        f"{tp.prefix}*"
        for tp in table.THIRD_PARTY
        if not any(r.kind == "third_party" and r.pattern.startswith(tp.prefix) for r in found)
    ]
    table.FIGURES["inventory"] = (len(found), len(unlisted))
    # then nothing is missing from the table, and the table names nothing that is gone
    problems = [f"unlisted {r.kind}: {r.key}  ({r.pattern or '/'})" for r in unlisted]
    problems += [f"listed but gone: {key}" for key in stale]
    assert not problems, "The permission table is out of date:\n  " + "\n  ".join(problems)


def test_the_table_uses_only_known_levels_targets_and_methods():
    # given the permission table
    # when each entry's target, methods and levels are read
    wrong = [
        f"{route.key}: {problem}"
        for route in table.ROUTES
        for problem in (
            [f"unknown target {route.target!r}"] if route.target not in table.TARGETS else []
        )
        + [
            f"unknown level {level!r}"
            for level in route.access.values()
            if level not in table.LEVELS
        ]
        + [
            f"unknown method {method!r}"
            for method in route.access
            if method not in {"GET", "POST", "PUT", "PATCH", "DELETE"}
        ]
        + (["no methods"] if not route.access else [])
    ]
    wrong += [
        f"{tp.prefix}: unknown level {tp.level!r}"
        for tp in table.THIRD_PARTY
        if tp.level not in table.LEVELS
    ]
    keys = [route.key for route in table.ROUTES]
    wrong += [f"{key}: listed twice" for key in sorted({k for k in keys if keys.count(k) > 1})]
    # then every one is something the matrix knows how to check
    assert not wrong, "\n".join(wrong)
