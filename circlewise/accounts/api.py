"""API operations on the caller's own account: who am I, and personal access tokens."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user, request_token, require_session_or_write_token

from . import permissions, services
from .models import PersonalAccessToken, User
from .selectors import tokens_of

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    email: str
    name: str
    pronouns: str
    timezone: str
    date_joined: dt.datetime
    authenticated_by: Literal["session", "token"]
    token_scope: Literal["read", "write"] | None = Field(
        description="The scope of the token this request came with; null for a session."
    )


class TokenOut(Schema):
    id: int
    name: str
    scope: Literal["read", "write"]
    hint: str = Field(description="The token's first characters, to recognise it by.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. Shown only in this answer: copy it now.")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"


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
