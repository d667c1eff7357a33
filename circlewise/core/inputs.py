"""What Circlewise takes from outside, and the limits it holds it to: one place for every page,
form, API operation and service.

Odd input gets a clear answer in the 4xx range and changes nothing:

- ids: the database holds none above 2**63 - 1, so a path with a larger one is not found (404),
  on pages and in the API alike (`InputMiddleware.process_view`); the compiled lookups of
  `core/perf/prepared.py` find nothing for them either;
- page numbers: `page_number()` for pages, `core.api.Pages` for the API, both up to MAX_PAGE;
- text: no NUL character (U+0000: PostgreSQL cannot store it) and no lone surrogate (not
  Unicode: neither database can), in any path, query string (`InputMiddleware`) or JSON body
  (`ApiParser`, which also keeps numbers within the database's range); forms refuse NUL
  themselves, and their bodies cannot carry surrogates (Django decodes them as U+FFFD);
- length: every text a person writes has a limit that no real use reaches (`TEXT_LIMIT`,
  `PROPOSAL_TEXT_LIMIT`, or the column's own for one-line fields). Forms and API schemas state
  it, so people learn it beside the field, and `core/fields.py` checks it (with the two rules
  above) whenever a row is saved, whatever wrote it: a service refuses with a ServiceError
  naming the field.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.datastructures import MultiValueDict
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from ninja.parser import Parser
from pydantic import StringConstraints

# The largest id (and any whole number) a BIGINT column holds.
MAX_ID = 2**63 - 1
# No list has this many pages; beyond it a page number is refused rather than multiplied into an
# offset the database cannot take.
MAX_PAGE = 1_000_000

# A proposal's own text: some 15,000 words, 40 printed pages. Longer is not a proposal a circle
# can consent to in a meeting, and it costs every reader's page.
PROPOSAL_TEXT_LIMIT = 100_000
# Every other text of several lines (an aim, a domain, a driver, a reason, a comment, a message):
# some 3,000 words.
TEXT_LIMIT = 20_000

# The same limits in the API's schemas (and so in its OpenAPI document).
Text = Annotated[str, StringConstraints(max_length=TEXT_LIMIT)]
ProposalText = Annotated[str, StringConstraints(max_length=PROPOSAL_TEXT_LIMIT)]

API_PREFIX = "/api/"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BadInput(BadRequest):
    """Input refused before anything ran, with a sentence for the person (400 on a page, 422 with
    the field in the API)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.text = message
        self.field = field


def text_problem(value: str) -> str | None:
    """Why `value` cannot be taken as text, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("It contains a null character (U+0000), which cannot be stored.")
    return _("It contains a character that is not valid Unicode (a lone surrogate).")


def length_problem(value: str, limit: int | None, label: str = "") -> str | None:
    """Why `value` is too long for a field of `limit` characters, or None."""
    if limit is None or len(value) <= limit:
        return None
    return _("%(field)s is too long: %(length)s characters, where at most %(limit)s fit.") % {
        "field": capfirst(label) if label else _("This text"),
        "length": formats.number_format(len(value), force_grouping=True),
        "limit": formats.number_format(limit, force_grouping=True),
    }


def page_number(value: str | None) -> int:
    """A page number from a query string: 1 when absent; refused (400) unless a whole number
    from 1 to MAX_PAGE."""
    if value is None or value == "":
        return 1
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise BadInput(
            _("The page number must be a whole number from 1 to %(max)s.")
            % {"max": formats.number_format(MAX_PAGE, force_grouping=True)},
            field="page",
        )
    return int(value)


def whole_number(value: str | None) -> int | None:
    """A whole number from a query string within the database's range, or None for anything
    else (absent, not a number, out of range)."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def bad_input_response(request: HttpRequest, message: str, *, field: str = "") -> HttpResponse:
    """A 400 that says what was wrong: JSON on the API's paths, our own page elsewhere (drawn
    without the request's context: it may come before the session or the user are read)."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message, "field": field or None}, status=400)
    return HttpResponse(render_to_string("400.html", {"message": message}), status=400)


class InputMiddleware:
    """Refuses a path or query string that holds text no database can take (400), and treats a
    path whose id no database can hold as not found (404)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = text_problem(request.path)
        if problem is None:
            for key, values in request.GET.lists():
                problem = next(
                    (p for p in map(text_problem, [key, *values]) if p is not None), None
                )
                if problem is not None:
                    break
        if problem is not None:
            return bad_input_response(request, _("The address cannot be read: %s") % problem)
        response: HttpResponse = self.get_response(request)
        return response

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        # Pages convert ids to numbers (`<int:...>`); the API's path parameters arrive as text
        # and are named `..._id`.
        for name, value in kwargs.items():
            if isinstance(value, str):
                if not name.endswith("id") or not (value.isascii() and value.isdigit()):
                    continue
                value = int(value)
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_ID:
                if request.path.startswith(API_PREFIX):
                    return JsonResponse({"detail": _("Not found.")}, status=404)
                raise Http404
        return None


def _json_problem(value: Any, location: list[str]) -> BadInput | None:
    """The first string that cannot be stored, or number out of range, in a parsed JSON value."""
    if isinstance(value, str):
        problem = text_problem(value)
        return BadInput(problem, field=".".join(location) or "body") if problem else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if -MAX_ID - 1 <= value <= MAX_ID:
            return None
        return BadInput(
            _("This number is out of range: at most %(max)s.") % {"max": MAX_ID},
            field=".".join(location) or "body",
        )
    if isinstance(value, dict):
        for key, item in value.items():
            found = _json_problem(key, location) or _json_problem(item, [*location, str(key)])
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _json_problem(item, [*location, str(index)])
            if found is not None:
                return found
    return None


class ApiParser(Parser):
    """The API's JSON bodies and query strings, held to the same rules as everything else.

    A body's problem is raised from `parse_body`, which django-ninja wraps in its "cannot parse"
    error; circlewise.api's handler finds our BadInput behind it and answers 422 with the field.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        problem = _json_problem(data, [])
        if problem is not None:
            raise problem
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        for key, value in parsed.items():
            for item in value if isinstance(value, list) else [value]:
                digits = item.removeprefix("-") if isinstance(item, str) else ""
                if len(digits) > 18 and digits.isascii() and digits.isdigit():
                    problem = _json_problem(int(digits), [key])
                    if problem is not None:
                        raise problem
        return parsed
