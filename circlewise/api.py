"""The REST API at /api/v1/: one NinjaAPI, a router per app, the same services as the pages.

Every answer is JSON. Errors are `{"detail": "a sentence"}` with the right status: 400 (or the
service's own status) for a request the domain refuses, 401 for no or a bad credential, 403 for
something you may see but not do, 404 for what does not exist or you may not see, and 422 for a
body or query that does not fit the schema (with `errors` listing each field).
"""

from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.openapi.schema import OpenAPISchema

from circlewise.accounts.api import router as accounts_router
from circlewise.circles.api import router as circles_router
from circlewise.core.api import router as ledger_router
from circlewise.core.api_auth import api_auth
from circlewise.core.errors import ServiceError
from circlewise.core.inputs import ApiParser, BadInput
from circlewise.decisions.api import router as decisions_router
from circlewise.discussions.api import router as discussions_router
from circlewise.meetings.api import router as meetings_router
from circlewise.meetings.api_room import router as meeting_room_router
from circlewise.notifications.api import router as notifications_router
from circlewise.reviews.api import router as reviews_router
from circlewise.selections.api import router as selections_router


class CirclewiseAPI(NinjaAPI):
    """NinjaAPI with its OpenAPI schema made once per process and path prefix: the schema only
    depends on the code (the routers, their schemas), and making it took 220 ms a request."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = self._schemas.get(path_prefix)
        if schema is None:
            schema = self._schemas[path_prefix] = super().get_openapi_schema(
                path_prefix=path_prefix
            )
        return schema

    @cached_property
    def _schemas(self) -> dict[str, OpenAPISchema]:
        return {}


api = CirclewiseAPI(
    title="Circlewise API",
    version="1",
    urls_namespace="api",
    description=(
        "Organisations, circles, roles and terms, the ledger, feeds and notifications. "
        "Authenticate with a personal access token (`Authorization: Bearer cw_...`, created "
        "on your profile page) or, from the browser, your session plus the `X-CSRFToken` "
        "header on changes. Lists are paginated with `?page=` and `?page_size=`."
    ),
    auth=api_auth,
    # JSON bodies and query strings held to circlewise.core.inputs' rules (no NUL, no lone
    # surrogate, numbers in the database's range): refused with 422 and the field.
    parser=ApiParser(),
    # The docs page serves Swagger UI from Django's static files (ninja is an installed app),
    # never from a CDN, so it works under the site's Content-Security-Policy.
    docs=Swagger(settings={"persistAuthorization": False}),
)

api.add_router("", accounts_router)
api.add_router("", circles_router)
api.add_router("", ledger_router)
api.add_router("", notifications_router)
api.add_router("", decisions_router)
api.add_router("", discussions_router)
api.add_router("", meetings_router)
api.add_router("", meeting_room_router)
api.add_router("", reviews_router)
api.add_router("", selections_router)


def _json(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return _json(request, exc.status, exc.text, field=exc.field)


@api.exception_handler(DjangoValidationError)
def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _json(request, 400, " ".join(str(m) for m in exc.messages))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, 404, _("Not found."))


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _json(request, 403, _("You do not have permission to do this."))


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = exc.message
    if message == "Unauthorized":  # ninja's own, when no credential was sent at all
        message = _(
            "Authentication required: sign in, or send a personal access token as "
            "'Authorization: Bearer cw_...'."
        )
    response = _json(request, 401, message)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _bad_input(request: HttpRequest, exc: BadInput) -> HttpResponse:
    errors = [{"field": exc.field or "body", "message": exc.text}]
    summary = f"{errors[0]['field']}: {exc.text}"
    return _json(
        request, 422, _("Check the request: %(errors)s") % {"errors": summary}, errors=errors
    )


@api.exception_handler(BadInput)
def bad_input(request: HttpRequest, exc: BadInput) -> HttpResponse:
    return _bad_input(request, exc)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, BadInput):  # ninja wraps what the parser raised
        return _bad_input(request, exc.__cause__)
    message = exc.message
    if message.startswith("Cannot parse request body"):  # ninja's own, in English
        message = _("The request body is not valid JSON.")
    return _json(request, exc.status_code, message)


def _field_name(location: Any) -> str:
    # ninja's locations start with where the value came from ("body", "query", "path") and,
    # for a body, the parameter's name; the person wants the field they sent.
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(SchemaValidationError)
def schema_validation_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = error.get("loc", ())
        message = str(error.get("msg", _("This value is not valid.")))
        message = message.removeprefix("Value error, ")  # pydantic's prefix for our own checks
        if error.get("type") == "json_invalid":
            message = _("The request body is not valid JSON.")
        errors.append({"field": _field_name(location), "message": message})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return _json(
        request, 422, _("Check the request: %(errors)s") % {"errors": summary}, errors=errors
    )
