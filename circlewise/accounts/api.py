"""API operations on the caller's own account: who am I, personal access tokens, and the calendar
feed's address."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user, request_token, require_session_or_write_token

from . import permissions, services
from .calendar import feed_url
from .models import CalendarFeed, PersonalAccessToken, User
from .schemas import CalendarOut, MeOut, TokenCreatedOut, TokenIn, TokenOut
from .selectors import tokens_of

router = Router(tags=["me"])


@router.get("/me", response=responses(MeOut), operation_id="getMe", summary="Who you are")
def get_me(request: HttpRequest) -> dict[str, Any]:
    user: User = auth_user(request)
    token = request_token(request)
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "pronouns": user.pronouns,
        "timezone": user.timezone,
        "date_joined": user.date_joined,
        "authenticated_by": "session" if token is None else "token",
        "token_scope": None if token is None else token.scope,
    }


@router.get(
    "/tokens",
    response=list[TokenOut],
    operation_id="listTokens",
    summary="Your personal access tokens (needs a session or a read-and-write token)",
)
@paginate(Pages)
def list_tokens(request: HttpRequest) -> Any:
    user = require_session_or_write_token(request)
    return tokens_of(user).order_by("-created_at", "-pk")


@router.post(
    "/tokens",
    response=responses(TokenCreatedOut, 201),
    operation_id="createToken",
    summary="Create a personal access token; the token is shown only in this answer",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    user = require_session_or_write_token(request)
    token, raw = services.create_token(user=user, name=payload.name, scope=payload.scope)
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "token": raw})


@router.delete(
    "/tokens/{token_id}",
    response=responses(TokenOut),
    operation_id="revokeToken",
    summary="Revoke one of your tokens; it stops working at once",
)
def revoke_token(request: HttpRequest, token_id: int) -> PersonalAccessToken:
    user = require_session_or_write_token(request)
    token = permissions.get_token_for(user, token_id)
    return services.revoke_token(user=user, token=token)


@router.get(
    "/me/calendar",
    response=responses(CalendarOut),
    operation_id="getCalendar",
    summary="Your calendar feed's secret address, if you have one (needs a session or a "
    "read-and-write token)",
)
def get_calendar(request: HttpRequest) -> dict[str, Any]:
    user = require_session_or_write_token(request)
    feed = CalendarFeed.objects.filter(user=user).first()
    return {"url": feed_url(feed, request) if feed is not None else None}


@router.post(
    "/me/calendar",
    response=responses(CalendarOut),
    operation_id="renewCalendar",
    summary="Make a new secret address for your calendar feed; any earlier one stops working",
)
def renew_calendar(request: HttpRequest) -> dict[str, Any]:
    user = require_session_or_write_token(request)
    return {"url": feed_url(services.renew_calendar_feed(user=user), request)}


@router.delete(
    "/me/calendar",
    response=responses(CalendarOut),
    operation_id="stopCalendar",
    summary="Stop your calendar feed: its address no longer works",
)
def stop_calendar(request: HttpRequest) -> dict[str, Any]:
    user = require_session_or_write_token(request)
    services.stop_calendar_feed(user=user)
    return {"url": None}
