"""Prepared lookups return what the ORM returns, count as queries, and refuse what they cannot
reproduce; the session engine and the authentication backends built on them behave as Django's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.circles.models import Circle, Organisation
from circlewise.core.perf.prepared import Prepared
from circlewise.core.perf.sessions.db import SessionStore

from .. import factories as f

pytestmark = pytest.mark.django_db

# With CIRCLEWISE_FAST_PATHS=0 the fast path under test is off (circlewise.core.perf).
fast_paths_only = pytest.mark.skipif(
    not settings.CIRCLEWISE_FAST_PATHS,
    reason="tests a fast path, which CIRCLEWISE_FAST_PATHS=0 turns off",
)

by_pk = Prepared(User, lambda pk: User.objects.filter(pk=pk), 1)


def _fields(instance: object) -> dict[str, object]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in type(instance)._meta.concrete_fields  # type: ignore[attr-defined]
    }


def test_a_prepared_lookup_returns_the_row_the_orm_returns() -> None:
    user = f.make_user("Pia Prepared", email="pia@example.org")
    user.last_login = timezone.now() - dt.timedelta(days=3)  # a datetime to convert back
    user.save()
    f.make_user("Someone Else", email="else@example.org")

    found = by_pk.first(user.pk)
    expected = User.objects.get(pk=user.pk)

    assert isinstance(found, User)
    assert _fields(found) == _fields(expected)
    assert found.last_login == expected.last_login
    assert found.last_login is not None and found.last_login.tzinfo is not None
    assert found._state.adding is False and found._state.db == "default"
    assert by_pk.first(str(user.pk)) == expected  # as a session holds it


def test_a_prepared_lookup_with_no_row_gives_none_and_counts_as_a_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert by_pk.first(987654) is None
    assert len(queries.captured_queries) == 1


def test_several_conditions_in_their_order() -> None:
    org = Organisation.objects.create(name="Prep Org", slug="prep-org")
    circle = Circle.objects.create(organisation=org, name="Roots", slug="roots")
    in_org = Prepared(
        Circle,
        lambda org_id, slug: Circle.objects.filter(organisation_id=org_id).filter(slug=slug),
        1,
        "x",
    )
    assert in_org.first(org.pk, "roots") == circle
    assert in_org.first(org.pk + 1000, "roots") is None
    assert in_org.first(org.pk, "stems") is None


def test_a_value_of_the_wrong_type_is_refused() -> None:
    with pytest.raises((ValueError, TypeError)):
        by_pk.first("not-a-number")


@fast_paths_only
@pytest.mark.parametrize(
    "build",
    [
        lambda pk: User.objects.filter(Q(pk=pk) | Q(email="x@example.org")),
        lambda pk: User.objects.filter(pk=pk).annotate(n=Count("org_memberships")),
        lambda pk: User.objects.filter(pk=pk).only("email"),
        lambda pk: User.objects.filter(pk=pk).exclude(email=""),
    ],
    ids=["or", "annotation", "deferred", "negated"],
)
def test_what_it_cannot_reproduce_fails_on_first_use(build: object) -> None:
    with pytest.raises(ValueError):
        Prepared(User, build, 1).first(1)  # type: ignore[arg-type]


@fast_paths_only
def test_a_join_is_refused() -> None:
    joined = Prepared(Circle, lambda pk: Circle.objects.filter(pk=pk).select_related("parent"), 1)
    with pytest.raises(ValueError):
        joined.first(1)


@fast_paths_only
def test_keyword_conditions_in_another_order_than_the_samples_are_refused() -> None:
    # filter(a=.., b=..) sorts its keywords: expire_date comes before session_key.
    wrong = Prepared(
        Session,
        lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now),
        "a-key",
        timezone.now(),
    )
    with pytest.raises(ValueError):
        wrong.first("a-key", timezone.now())


def test_the_session_engine_loads_live_sessions_only() -> None:
    live = SessionStore()
    live["colour"] = "green"
    live.save()
    assert SessionStore(live.session_key)["colour"] == "green"

    expired = SessionStore()
    expired["colour"] = "red"
    expired.set_expiry(-60)
    expired.save()
    reader = SessionStore(expired.session_key)
    assert reader.get("colour") is None
    assert reader.session_key is None  # as Django's own store: the key is dropped

    missing = SessionStore("x" * 32)
    assert missing.load() == {}
    assert missing.session_key is None


def _signed_in(user: User, backend: str) -> Client:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client = Client()
    client.cookies["sessionid"] = session.session_key or ""
    return client


@pytest.mark.parametrize(
    "backend",
    [
        "circlewise.accounts.backends.ModelBackend",
        "circlewise.accounts.backends.AuthenticationBackend",
    ],
)
def test_the_backends_load_the_signed_in_user_and_refuse_a_deactivated_one(backend: str) -> None:
    user = f.make_user("Bea Backend", email="bea@example.org")
    client = _signed_in(user, backend)
    assert client.get(reverse("profile")).status_code == 200

    user.is_active = False
    user.save()
    assert client.get(reverse("profile")).status_code == 302  # signed out: to the sign-in page


def test_a_changed_password_ends_the_other_sessions() -> None:
    user = f.make_user("Pat Password", email="pat@example.org")
    client = _signed_in(user, "circlewise.accounts.backends.AuthenticationBackend")
    assert client.get(reverse("profile")).status_code == 200
    user.set_password("a-new-and-long-password")
    user.save()
    assert client.get(reverse("profile")).status_code == 302


# Rows, updates and inserts --------------------------------------------------------------------


def test_a_session_decoded_once_is_a_fresh_copy_each_time() -> None:
    """The decoded data is remembered per signed text; every load gets its own dictionary, and
    a saved change is read back (its signed text is new)."""
    session = SessionStore()
    session["basket"] = ["apples"]
    session.save()
    first = SessionStore(session.session_key)
    first["basket"].append("pears")  # changed in place, not saved
    assert SessionStore(session.session_key)["basket"] == ["apples"]
    first.modified = True
    first.save()
    assert SessionStore(session.session_key)["basket"] == ["apples", "pears"]


def test_a_session_with_a_bad_signature_is_empty() -> None:
    session = SessionStore()
    session["colour"] = "green"
    session.save()
    row = Session.objects.get(session_key=session.session_key)
    Session.objects.filter(pk=row.pk).update(session_data=row.session_data[:-3] + "AAA")
    assert SessionStore(session.session_key).get("colour") is None
