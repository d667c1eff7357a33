"""API pieces every router shares (errors, pagination), and the ledger's own endpoints: the
organisation's and a circle's feed, the ledger head, verifying the chain, and exporting it."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from circlewise.circles.permissions import (
    get_circle_by_id_for,
    get_organisation_for,
    hidden_circle_ids,
)
from circlewise.circles.schemas import PersonOut

from . import cache, export, ledger
from .api_auth import auth_user
from .feed import HIDDEN_VERBS, circle_feed, organisation_feed, sentence
from .inputs import MAX_PAGE
from .models import LedgerEvent

# Shared pieces -----------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in a sentence fit to show a person.")
    field: str | None = Field(None, description="The input field it concerns, if one does.")


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


def responses(schema: Any, status: int = 200) -> dict[int, Any]:
    """The success schema and the documented error answers every operation may give."""
    return {
        status: schema,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
    }


class Pages(PageNumberPagination):
    """`?page=2&page_size=20`; the default size is settings.API_PAGE_SIZE, at most 200 a page
    (more is given as 200); a page number above inputs.MAX_PAGE is refused."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="How many items there are on all pages.")
        page: int
        page_size: int

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=settings.API_PAGE_SIZE, max_page_size=200, **kwargs)

    def _get_page_size(self, requested_page_size: int | None) -> int:
        # Read the setting per request, so it can change without a restart (and in tests).
        if requested_page_size is None:
            return int(settings.API_PAGE_SIZE)
        return min(requested_page_size, self.max_page_size)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        return {
            "items": queryset[offset : offset + page_size],
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": page_size,
        }


# Feeds and the ledger ----------------------------------------------------------------------


class FeedPages(Pages):
    """Pages of an organisation's feed, whose total is not counted over the whole ledger on every
    request: the view attaches `cw_count`, which knows the total from the ledger's version."""

    def _items_count(self, queryset: QuerySet[Any]) -> int:
        counted = getattr(queryset, "cw_count", None)
        return int(counted()) if counted is not None else super()._items_count(queryset)


def _feed_count(organisation: Any, hidden_private_ids: set[int]) -> int:
    """How many events the reader's organisation feed holds, kept under the ledger's version.

    The organisation's ledger_sequence is how many events it holds (the chain is verified on it):
    subtract what the reader may not see, counted on the (organisation, circle) index for the
    private circles, and once per version for drafts.
    """

    def compute() -> int:
        events = LedgerEvent.objects.filter(
            organisation_id=organisation.pk, sequence__lte=organisation.ledger_sequence
        )
        hidden = 0
        if hidden_private_ids:
            hidden += events.filter(circle_id__in=hidden_private_ids).count()
            events = events.filter(Q(circle_id__isnull=True) | ~Q(circle_id__in=hidden_private_ids))
        if HIDDEN_VERBS:
            hidden += events.filter(verb__in=HIDDEN_VERBS).count()
        return int(organisation.ledger_sequence) - hidden

    return cache.value(
        f"feed-count:{organisation.pk}:{','.join(map(str, sorted(hidden_private_ids)))}",
        version=cache.organisation_version(organisation),
        compute=compute,
    )


class EventOut(Schema):
    id: int
    sequence: int = Field(description="The event's place in its organisation's chain.")
    occurred_at: dt.datetime
    verb: str
    sentence: str = Field(
        description="What happened to what, and who did it (the circle, or Circlewise, where "
        "nobody did), as a sentence in plain text."
    )
    url: str = Field(description="The address of the page of what it is about.")
    actor: PersonOut | None
    circle_id: int | None
    object_type: str
    object_id: int | None
    hash: str

    @staticmethod
    def resolve_sentence(obj: LedgerEvent) -> str:
        return sentence(obj).text

    @staticmethod
    def resolve_url(obj: LedgerEvent) -> str:
        return sentence(obj).url


class LedgerOut(Schema):
    organisation: str
    sequence: int = Field(description="How many events the chain holds.")
    head: str = Field(description="The hash of the last event.")


class LedgerVerifyOut(Schema):
    ok: bool
    events: int = Field(description="How many events were checked.")
    head: str
    broken_at: int | None = Field(description="The sequence of the first event that fails.")
    reason: str


router = Router(tags=["feeds"])


@router.get(
    "/organisations/{slug}/feed",
    response=list[EventOut],
    operation_id="getOrganisationFeed",
    summary="What happened in an organisation, newest first",
)
@paginate(FeedPages)
def organisation_feed_endpoint(request: HttpRequest, slug: str) -> QuerySet[LedgerEvent]:
    user = auth_user(request)
    organisation = get_organisation_for(user, slug)
    hidden = set(hidden_circle_ids(user, organisation))
    feed: QuerySet[LedgerEvent] = organisation_feed(organisation.pk, set(), hidden)
    feed.cw_count = lambda: _feed_count(organisation, hidden)  # type: ignore[attr-defined]
    return feed


@router.get(
    "/circles/{circle_id}/feed",
    response=list[EventOut],
    operation_id="getCircleFeed",
    summary="What happened in a circle, newest first",
)
@paginate(Pages)
def circle_feed_endpoint(request: HttpRequest, circle_id: int) -> QuerySet[LedgerEvent]:
    circle = get_circle_by_id_for(auth_user(request), circle_id)
    # Filtering by organisation too lets the (organisation, circle, sequence) index serve it.
    feed: QuerySet[LedgerEvent] = circle_feed(circle.pk).filter(
        organisation_id=circle.organisation_id
    )
    return feed


@router.get(
    "/organisations/{slug}/ledger",
    response=responses(LedgerOut),
    operation_id="getLedger",
    summary="The head of an organisation's ledger (admins)",
    tags=["ledger"],
)
def ledger_head(request: HttpRequest, slug: str) -> dict[str, Any]:
    organisation = get_organisation_for(auth_user(request), slug, need="admin")
    return {
        "organisation": organisation.slug,
        "sequence": organisation.ledger_sequence,
        "head": organisation.ledger_head,
    }


@router.post(
    "/organisations/{slug}/ledger/verify",
    response=responses(LedgerVerifyOut),
    operation_id="verifyLedger",
    summary="Check every event of an organisation's hash chain (admins)",
    tags=["ledger"],
)
def ledger_verify(request: HttpRequest, slug: str) -> dict[str, Any]:
    organisation = get_organisation_for(auth_user(request), slug, need="admin")
    report = ledger.verify_organisation(organisation)
    return {
        "ok": report.ok,
        "events": report.events,
        "head": report.head,
        "broken_at": report.broken_at,
        "reason": report.reason,
    }


def _errors() -> dict[int, Any]:
    return {status: schema for status, schema in responses(None).items() if status != 200}


def _jsonl(description: str) -> dict[str, Any]:
    """The 200 answer of an export: JSON lines (docs/ledger-export.md), not one JSON document."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {"application/jsonl": {"schema": {"type": "string"}}},
            }
        }
    }


@router.get(
    "/organisations/{slug}/ledger/export",
    response=_errors(),
    operation_id="exportLedger",
    summary="The whole hash chain as JSON lines, to check offline (admins)",
    description=(
        "A header line, then every event in sequence order with its hashes, up to the head at "
        "the time of the request. Events the caller may not see in the feeds (a private circle "
        "they are not in, a draft) are sealed: their sequence and hashes without their content. "
        "Check it with `manage.py verify_ledger --file` or /-/verify_ledger_export.py."
    ),
    tags=["ledger"],
    openapi_extra=_jsonl("The organisation's whole chain, one JSON object per line."),
)
def ledger_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    user = auth_user(request)
    organisation = get_organisation_for(user, slug, need="admin")
    lines = export.export_lines(organisation, scope=export.WHOLE_CHAIN, viewer=user)
    return export.streamed(
        request, lines, filename=export.filename_for(organisation, export.WHOLE_CHAIN)
    )


@router.get(
    "/organisations/{slug}/feed/export",
    response=_errors(),
    operation_id="exportOrganisationFeed",
    summary="The events the caller sees, with payloads and hashes, as JSON lines",
    description=(
        "A header line, then each event of the organisation's feed that the caller may see, in "
        "sequence order, with its payload and hashes. Each event can be checked against its "
        "own hash, and against the one before it where the two are consecutive."
    ),
    openapi_extra=_jsonl("The caller's view of the chain, one JSON object per line."),
)
def feed_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    user = auth_user(request)
    organisation = get_organisation_for(user, slug)
    lines = export.export_lines(organisation, scope=export.MEMBER_VIEW, viewer=user)
    return export.streamed(
        request, lines, filename=export.filename_for(organisation, export.MEMBER_VIEW)
    )
