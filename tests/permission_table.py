"""The permission table: every route of the site and every API operation, with who may use it.

One entry per route. Pages are named by their URL name ("circles:circle_detail"), API operations
by method and path template ("GET /api/v1/circles/{circle_id}"). Each entry says which kind of
object the route addresses and the access level each HTTP method needs. Third-party routes
(django-allauth under /accounts/, the Django admin under /admin/) are listed by pattern prefix with
one coarse level each.

The route inventory test (test_route_inventory.py) fails when a route exists that is not listed
here, or when an entry here names a route that no longer exists. The permission matrix test
(test_permission_matrix.py) requests every route as every persona with every method and compares
the answer with what this table says, through a hand-written account of who each persona is.

Access levels:

- public: anyone, signed in or not.
- authenticated: any signed-in person.
- owner: the person the object belongs to (their own notification or token); anyone else gets 404.
- org_member: a current member of the organisation in the URL.
- org_admin: an admin of that organisation.
- circle_visible: an organisation member who may see the circle (open, or private and a member).
- circle_steward: the leader or facilitator of the circle or of its parent circle, or an org admin.
- parent_steward: the leader or facilitator of the circle's PARENT circle, or an org admin.
- circle_creator: creating a circle: inside a parent, an org admin or a steward (leader or
  facilitator) of that parent; at the top, an org admin.
- steward_anywhere: the new-circle form: an org admin, or a steward of any circle of the
  organisation (the form offers the circles they steward as parents); with ?parent=, as
  circle_creator for that parent.
- staff: Django admin staff (no persona is staff: everyone is sent to the admin's login).
- nobody: the route answers 404 to everyone (django-ninja's API root).

The consent process adds (a draft is hidden from everyone but its author, at every level):

- in_circle: a current member of the circle (taking part: asking, reacting, answering a round).
- proposal_visible: whoever sees the circle; a draft only its author.
- author: the proposal's author (editing and presenting a draft).
- steer: the circle's own facilitator or leader, being a member (not an org admin, not the
  parent's stewards): advancing, opening and closing rounds, synthesising.
- author_or_steer: answering a clarifying question.
- objector: the person who raised the objection (confirming they were heard, withdrawing it).
- not_objector: any member of the circle but the objector (stating the objection back).
- backlog_keeper: dropping or reopening a backlog item: its owner (or who raised it, if nobody
  owns it), the circle's facilitator or its secretary, each a current member of the circle.

Targets (the kind of object a route addresses): none, org, circle, new_circle, person, circle_member,
role, assignment, invitation, invitation_token, token, notification; and for the consent
process: proposal, draft, question, amendment, round, objection, decision, policy, backlog_item;
an email's unsubscribe link (unsubscribe_token); and for meetings: meeting, agenda_item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PUBLIC = "public"
AUTHENTICATED = "authenticated"
OWNER = "owner"
ORG_MEMBER = "org_member"
ORG_ADMIN = "org_admin"
CIRCLE_VISIBLE = "circle_visible"
CIRCLE_STEWARD = "circle_steward"
PARENT_STEWARD = "parent_steward"
CIRCLE_CREATOR = "circle_creator"
STEWARD_ANYWHERE = "steward_anywhere"
STAFF = "staff"
NOBODY = "nobody"
# The consent process (circlewise.decisions)
IN_CIRCLE = "in_circle"
PROPOSAL_VISIBLE = "proposal_visible"
AUTHOR = "author"
STEER = "steer"
AUTHOR_OR_STEER = "author_or_steer"
OBJECTOR = "objector"
NOT_OBJECTOR = "not_objector"
BACKLOG_KEEPER = "backlog_keeper"
# Meetings (circlewise/meetings)
MEETING_PLANNER = "meeting_planner"
AGENDA_KEEPER = "agenda_keeper"
AGENDA_CONTRIBUTOR = "agenda_contributor"
MEETING_ATTENDEE = "meeting_attendee"
ACTION_GIVER = "action_giver"
ACTION_CLOSER = "action_closer"

LEVELS = (
    PUBLIC,
    AUTHENTICATED,
    OWNER,
    ORG_MEMBER,
    ORG_ADMIN,
    CIRCLE_VISIBLE,
    CIRCLE_STEWARD,
    PARENT_STEWARD,
    CIRCLE_CREATOR,
    STEWARD_ANYWHERE,
    STAFF,
    NOBODY,
    IN_CIRCLE,
    PROPOSAL_VISIBLE,
    AUTHOR,
    STEER,
    AUTHOR_OR_STEER,
    OBJECTOR,
    NOT_OBJECTOR,
    BACKLOG_KEEPER,
    MEETING_PLANNER,
    AGENDA_KEEPER,
    AGENDA_CONTRIBUTOR,
    MEETING_ATTENDEE,
    ACTION_GIVER,
    ACTION_CLOSER,
)

TARGETS = (
    "none",
    "org",
    "circle",
    "new_circle",
    "person",
    "circle_member",
    "role",
    "assignment",
    "invitation",
    "invitation_token",
    "token",
    "notification",
    "proposal",
    "draft",
    "question",
    "amendment",
    "round",
    "objection",
    "decision",
    "policy",
    "backlog_item",
    "unsubscribe_token",
    "calendar_token",
)


@dataclass(frozen=True)
class Route:
    """One page (by URL name) or one API operation (by "METHOD /api/v1/path/{param}")."""

    key: str
    target: str
    access: Mapping[str, str]
    note: str = ""

    @property
    def is_api(self) -> bool:
        return " " in self.key

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(self.access)


@dataclass(frozen=True)
class ThirdParty:
    """Every route whose pattern starts with `prefix`, at one coarse level.

    The matrix requests with GET, as every persona, the routes named in `probes` and every
    route of the area whose name ends with one of `probe_suffixes` and that takes no arguments.
    """

    prefix: str
    level: str
    probes: tuple[str, ...] = ()
    probe_suffixes: tuple[str, ...] = ()
    note: str = ""


def page(key: str, target: str, note: str = "", **access: str) -> Route:
    return Route(key, target, dict(access), note)


def api(method: str, path: str, target: str, level: str, note: str = "") -> Route:
    return Route(f"{method} {path}", target, {method: level}, note)


PAGES: tuple[Route, ...] = (
    # Accounts
    page("home", "none", GET=AUTHENTICATED),
    page("accept_invitation", "invitation_token", GET=PUBLIC, POST=PUBLIC),
    page("profile", "none", GET=AUTHENTICATED, POST=AUTHENTICATED),
    page("tokens", "none", GET=AUTHENTICATED, POST=AUTHENTICATED),
    page("revoke_token", "token", POST=OWNER),
    # Notifications
    page("notifications:list", "none", GET=AUTHENTICATED),
    page("notifications:mark_all_read", "none", POST=AUTHENTICATED),
    page("notifications:mark_read", "notification", POST=OWNER),
    page("notifications:email_preferences", "org", GET=ORG_MEMBER, POST=ORG_MEMBER),
    # The link in every email: the signed token is the permission (RFC 8058 one-click POST)
    page("notifications:unsubscribe", "unsubscribe_token", GET=PUBLIC, POST=PUBLIC),
    page("calendar", "none", GET=AUTHENTICATED, POST=AUTHENTICATED),
    page("calendar_feed", "calendar_token", GET=PUBLIC),
    # The organisation
    page("circles:org_home", "org", GET=ORG_MEMBER),
    page("circles:org_about", "org", GET=ORG_MEMBER),
    page("circles:org_glossary", "org", GET=ORG_MEMBER),
    page("circles:org_edit", "org", GET=ORG_ADMIN, POST=ORG_ADMIN),
    page("circles:org_members", "org", GET=ORG_MEMBER),
    page("circles:invite", "org", POST=ORG_ADMIN, note="the form lives on the members page"),
    page("circles:revoke_invitation", "invitation", POST=ORG_ADMIN),
    page("circles:set_admin", "person", POST=ORG_ADMIN),
    page("circles:remove_member", "person", GET=ORG_ADMIN, POST=ORG_ADMIN, note="GET confirms"),
    page("circles:person_detail", "person", GET=ORG_MEMBER),
    page("circles:circle_list", "org", GET=ORG_MEMBER),
    page("circles:org_chart", "org", GET=ORG_MEMBER),
    page("circles:circle_create", "new_circle", GET=STEWARD_ANYWHERE, POST=STEWARD_ANYWHERE),
    page("circles:terms", "org", GET=ORG_MEMBER),
    page("circles:terms_timeline", "org", GET=ORG_MEMBER, note="terms in circles the viewer sees"),
    page("circles:org_feed", "org", GET=ORG_MEMBER),
    page("circles:feed_export", "org", GET=ORG_MEMBER, note="the events the reader sees"),
    page("circles:ledger", "org", GET=ORG_ADMIN),
    page("circles:ledger_export", "org", GET=ORG_ADMIN, note="the whole chain, some sealed"),
    # One circle
    page("circles:circle_detail", "circle", GET=CIRCLE_VISIBLE),
    page("circles:circle_feed", "circle", GET=CIRCLE_VISIBLE),
    page("circles:circle_edit", "circle", GET=CIRCLE_STEWARD, POST=CIRCLE_STEWARD),
    page("circles:circle_archive", "circle", GET=PARENT_STEWARD, POST=PARENT_STEWARD),
    page("circles:member_add", "circle", GET=CIRCLE_STEWARD, POST=CIRCLE_STEWARD),
    page("circles:member_end", "circle_member", GET=CIRCLE_STEWARD, POST=CIRCLE_STEWARD),
    page("circles:role_create", "circle", GET=CIRCLE_STEWARD, POST=CIRCLE_STEWARD),
    page("circles:role_detail", "role", GET=CIRCLE_VISIBLE),
    page("circles:role_edit", "role", GET=CIRCLE_STEWARD, POST=CIRCLE_STEWARD),
    page("circles:role_assign", "role", GET=CIRCLE_STEWARD, POST=CIRCLE_STEWARD),
    page("circles:assignment_end", "assignment", GET=CIRCLE_STEWARD, POST=CIRCLE_STEWARD),
    # Infrastructure
    page("ping", "none", GET=PUBLIC, note="liveness probe"),
    page("ledger_verifier", "none", GET=PUBLIC, note="the standalone export check: code only"),
    # The API's own pages
    page("api:api-root", "none", GET=NOBODY, note="django-ninja's root: always 404"),
    page("api:openapi-json", "none", GET=PUBLIC),
    page("api:openapi-view", "none", GET=PUBLIC),
)

V1 = "/api/v1"
GET_, POST_, PATCH_, DELETE_ = "GET", "POST", "PATCH", "DELETE"
PUT_ = "PUT"

API: tuple[Route, ...] = (
    # Accounts (circlewise/accounts/api.py)
    api(GET_, f"{V1}/me", "none", AUTHENTICATED),
    api(GET_, f"{V1}/tokens", "none", AUTHENTICATED),
    api(GET_, f"{V1}/me/calendar", "none", AUTHENTICATED),
    api(POST_, f"{V1}/me/calendar", "none", AUTHENTICATED),
    api(DELETE_, f"{V1}/me/calendar", "none", AUTHENTICATED),
    api(POST_, f"{V1}/tokens", "none", AUTHENTICATED),
    api(DELETE_, f"{V1}/tokens/{{token_id}}", "token", OWNER),
    # Organisations (circlewise/circles/api.py)
    api(GET_, f"{V1}/organisations", "none", AUTHENTICATED, note="lists only the caller's own"),
    api(GET_, f"{V1}/organisations/{{slug}}", "org", ORG_MEMBER),
    api(PATCH_, f"{V1}/organisations/{{slug}}", "org", ORG_ADMIN),
    api(GET_, f"{V1}/organisations/{{slug}}/members", "org", ORG_MEMBER),
    api(POST_, f"{V1}/organisations/{{slug}}/invitations", "org", ORG_ADMIN),
    api(
        DELETE_,
        f"{V1}/organisations/{{slug}}/invitations/{{invitation_id}}",
        "invitation",
        ORG_ADMIN,
    ),
    api(GET_, f"{V1}/organisations/{{slug}}/circles", "org", ORG_MEMBER),
    api(POST_, f"{V1}/organisations/{{slug}}/circles", "new_circle", CIRCLE_CREATOR),
    api(GET_, f"{V1}/organisations/{{slug}}/terms", "org", ORG_MEMBER),
    # Circles, members, roles and terms
    api(GET_, f"{V1}/circles/{{circle_id}}", "circle", CIRCLE_VISIBLE),
    api(PATCH_, f"{V1}/circles/{{circle_id}}", "circle", CIRCLE_STEWARD),
    api(POST_, f"{V1}/circles/{{circle_id}}/archive", "circle", PARENT_STEWARD),
    api(GET_, f"{V1}/circles/{{circle_id}}/members", "circle", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/circles/{{circle_id}}/members", "circle", CIRCLE_STEWARD),
    api(
        DELETE_, f"{V1}/circles/{{circle_id}}/members/{{user_id}}", "circle_member", CIRCLE_STEWARD
    ),
    api(GET_, f"{V1}/circles/{{circle_id}}/roles", "circle", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/circles/{{circle_id}}/roles", "circle", CIRCLE_STEWARD),
    api(GET_, f"{V1}/roles/{{role_id}}", "role", CIRCLE_VISIBLE),
    api(PATCH_, f"{V1}/roles/{{role_id}}", "role", CIRCLE_STEWARD),
    api(POST_, f"{V1}/roles/{{role_id}}/assignments", "role", CIRCLE_STEWARD),
    api(POST_, f"{V1}/assignments/{{assignment_id}}/end", "assignment", CIRCLE_STEWARD),
    # Feeds and the ledger (circlewise/core/api.py)
    api(GET_, f"{V1}/organisations/{{slug}}/feed", "org", ORG_MEMBER),
    api(GET_, f"{V1}/circles/{{circle_id}}/feed", "circle", CIRCLE_VISIBLE),
    api(GET_, f"{V1}/organisations/{{slug}}/ledger", "org", ORG_ADMIN),
    api(POST_, f"{V1}/organisations/{{slug}}/ledger/verify", "org", ORG_ADMIN),
    api(GET_, f"{V1}/organisations/{{slug}}/ledger/export", "org", ORG_ADMIN),
    api(GET_, f"{V1}/organisations/{{slug}}/feed/export", "org", ORG_MEMBER),
    # Notifications (circlewise/notifications/api.py)
    api(GET_, f"{V1}/notifications", "none", AUTHENTICATED),
    api(POST_, f"{V1}/notifications/{{notification_id}}/read", "notification", OWNER),
    api(POST_, f"{V1}/notifications/read-all", "none", AUTHENTICATED),
    api(GET_, f"{V1}/organisations/{{slug}}/email-preferences", "org", ORG_MEMBER),
    api(PUT_, f"{V1}/organisations/{{slug}}/email-preferences", "org", ORG_MEMBER),
)

# The consent process's pages (circlewise/decisions/urls.py)
DECISION_PAGES: tuple[Route, ...] = (
    page("decisions:needs_me", "org", GET=ORG_MEMBER),
    page("decisions:needs_me_count", "org", GET=ORG_MEMBER),
    page("decisions:circle_proposals", "circle", GET=CIRCLE_VISIBLE),
    page("decisions:proposal_create", "circle", GET=IN_CIRCLE, POST=IN_CIRCLE),
    page("decisions:backlog", "circle", GET=CIRCLE_VISIBLE),
    page(
        "decisions:backlog_add",
        "circle",
        GET=CIRCLE_VISIBLE,
        POST=CIRCLE_VISIBLE,
        note="members of other circles raise topics with it",
    ),
    page(
        "decisions:backlog_close",
        "backlog_item",
        POST=IN_CIRCLE,
        note="done; dropping here is held to backlog_drop's rule and reason",
    ),
    page(
        "decisions:backlog_drop",
        "backlog_item",
        GET=BACKLOG_KEEPER,
        POST=BACKLOG_KEEPER,
        note="GET confirms and asks why",
    ),
    page(
        "decisions:backlog_reopen",
        "backlog_item",
        POST=BACKLOG_KEEPER,
        note="the matrix's item is open: those allowed get 409",
    ),
    page("decisions:decision_settings", "circle", GET=CIRCLE_STEWARD, POST=CIRCLE_STEWARD),
    page("decisions:proposal_detail", "proposal", GET=PROPOSAL_VISIBLE),
    page("decisions:proposal_versions", "proposal", GET=PROPOSAL_VISIBLE),
    page("decisions:proposal_edit", "draft", GET=AUTHOR, POST=AUTHOR),
    page("decisions:proposal_present", "draft", POST=AUTHOR),
    page("decisions:question_ask", "proposal", POST=IN_CIRCLE),
    page("decisions:question_answer", "question", POST=AUTHOR_OR_STEER),
    page("decisions:reaction_add", "proposal", POST=IN_CIRCLE),
    page("decisions:amendment_suggest", "proposal", POST=IN_CIRCLE),
    page(
        "decisions:amendment_resolve", "amendment", POST=STEER, note="synthesis by the facilitator"
    ),
    page("decisions:proposal_advance", "proposal", POST=STEER),
    page("decisions:step_end_change", "proposal", POST=STEER),
    page(
        "decisions:proposal_revise",
        "proposal",
        GET=IN_CIRCLE,
        POST=STEER,
        note="GET sends members to the form on the proposal's page",
    ),
    page("decisions:round_open", "proposal", POST=STEER),
    page("decisions:round_answer", "round", POST=IN_CIRCLE),
    page("decisions:round_close", "round", POST=STEER),
    page("decisions:objection_detail", "objection", GET=PROPOSAL_VISIBLE),
    page("decisions:objection_discuss", "objection", POST=IN_CIRCLE),
    page("decisions:objection_state_back", "objection", POST=NOT_OBJECTOR),
    page("decisions:objection_confirm", "objection", POST=OBJECTOR),
    page("decisions:objection_withdraw", "objection", POST=OBJECTOR),
    page("decisions:decision_detail", "decision", GET=CIRCLE_VISIBLE),
    page("decisions:policy_register", "org", GET=ORG_MEMBER),
    page("decisions:policy_detail", "policy", GET=CIRCLE_VISIBLE),
    page("decisions:policy_review", "policy", POST=IN_CIRCLE),
    page("decisions:policy_withdraw_consent", "policy", POST=IN_CIRCLE),
)

# The consent process's API (circlewise/decisions/api.py)
DECISION_API: tuple[Route, ...] = (
    api(GET_, f"{V1}/circles/{{circle_id}}/proposals", "circle", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/circles/{{circle_id}}/proposals", "circle", IN_CIRCLE),
    api(GET_, f"{V1}/proposals/{{proposal_id}}", "proposal", PROPOSAL_VISIBLE),
    api(PATCH_, f"{V1}/proposals/{{proposal_id}}", "draft", AUTHOR),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/present", "draft", AUTHOR),
    api(GET_, f"{V1}/proposals/{{proposal_id}}/versions", "proposal", PROPOSAL_VISIBLE),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/versions", "proposal", STEER, note="revise"),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/questions", "proposal", IN_CIRCLE),
    api(POST_, f"{V1}/questions/{{question_id}}/answer", "question", AUTHOR_OR_STEER),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/reactions", "proposal", IN_CIRCLE),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/amendments", "proposal", IN_CIRCLE),
    api(POST_, f"{V1}/amendments/{{amendment_id}}/resolve", "amendment", STEER),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/advance", "proposal", STEER),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/step-end", "proposal", STEER),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/rounds", "proposal", STEER),
    api(GET_, f"{V1}/rounds/{{round_id}}", "round", PROPOSAL_VISIBLE),
    api(POST_, f"{V1}/rounds/{{round_id}}/answers", "round", IN_CIRCLE),
    api(POST_, f"{V1}/rounds/{{round_id}}/close", "round", STEER),
    api(GET_, f"{V1}/objections/{{objection_id}}", "objection", PROPOSAL_VISIBLE),
    api(POST_, f"{V1}/objections/{{objection_id}}/messages", "objection", IN_CIRCLE),
    api(POST_, f"{V1}/objections/{{objection_id}}/state-back", "objection", NOT_OBJECTOR),
    api(POST_, f"{V1}/objections/{{objection_id}}/confirm", "objection", OBJECTOR),
    api(POST_, f"{V1}/objections/{{objection_id}}/withdraw", "objection", OBJECTOR),
    api(GET_, f"{V1}/organisations/{{slug}}/decisions", "org", ORG_MEMBER),
    api(GET_, f"{V1}/decisions/{{decision_id}}", "decision", CIRCLE_VISIBLE),
    api(GET_, f"{V1}/organisations/{{slug}}/policies", "org", ORG_MEMBER),
    api(GET_, f"{V1}/policies/{{policy_id}}", "policy", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/policies/{{policy_id}}/review", "policy", IN_CIRCLE),
    api(POST_, f"{V1}/policies/{{policy_id}}/withdraw-consent", "policy", IN_CIRCLE),
    api(GET_, f"{V1}/circles/{{circle_id}}/backlog", "circle", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/circles/{{circle_id}}/backlog", "circle", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/backlog/{{item_id}}/close", "backlog_item", IN_CIRCLE),
    api(POST_, f"{V1}/backlog/{{item_id}}/drop", "backlog_item", BACKLOG_KEEPER),
    api(POST_, f"{V1}/backlog/{{item_id}}/reopen", "backlog_item", BACKLOG_KEEPER),
    api(GET_, f"{V1}/circles/{{circle_id}}/decision-settings", "circle", CIRCLE_VISIBLE),
    api(PATCH_, f"{V1}/circles/{{circle_id}}/decision-settings", "circle", CIRCLE_STEWARD),
    api(GET_, f"{V1}/organisations/{{slug}}/needs-me", "org", ORG_MEMBER),
)

THIRD_PARTY: tuple[ThirdParty, ...] = (
    ThirdParty(
        "accounts/",
        PUBLIC,
        probes=("account_login", "account_signup", "account_reset_password"),
        note="django-allauth: sign-in, sign-up (closed: accounts come from invitations), resets",
    ),
    ThirdParty(
        "admin/",
        STAFF,
        probes=("admin:index",),
        probe_suffixes=("_changelist",),
        note="the Django admin and its actions: staff only",
    ),
)

ROUTES: tuple[Route, ...] = PAGES + API + DECISION_PAGES + DECISION_API

# Figures for the terminal summary, filled in by the two tests.
FIGURES: dict[str, tuple[int, int]] = {}


def entry(key: str) -> Route | None:
    for route in ROUTES:
        if route.key == key:
            return route
    return None


def third_party_for(pattern: str) -> ThirdParty | None:
    """The longest third-party prefix covering a route pattern."""
    best: ThirdParty | None = None
    for tp in THIRD_PARTY:
        if pattern.startswith(tp.prefix) and (best is None or len(tp.prefix) > len(best.prefix)):
            best = tp
    return best


# Discovering the routes that exist ---------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A route that exists: a URL pattern (by name, or by pattern when it has none) or an API
    operation ("METHOD /api/v1/path/{param}")."""

    key: str
    pattern: str
    kind: str  # "page", "api" or "third_party"


def _is_ninja_operation(callback: object) -> bool:
    return getattr(callback, "__qualname__", "").startswith("PathView.get_view")


def found_routes() -> list[Found]:
    """Every URL pattern of config.urls, through every include, and every ninja operation."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[Found] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
                continue
            pattern = prefix + str(p.pattern)
            if _is_ninja_operation(p.callback):
                ninja_patterns.append(pattern)  # listed below, one per method, from the API
                continue
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            if third_party_for(pattern) is not None:
                found.append(Found(pattern, pattern, "third_party"))
            else:
                found.append(Found(name or pattern, pattern, "page"))

    ninja_patterns: list[str] = []
    walk(get_resolver().url_patterns, "", "")
    operations = api_operations()
    found.extend(operations)
    # An operation of some other NinjaAPI would not be among circlewise.api's: list it as a page
    # (by its pattern) so that the inventory reports it.
    known = {op.pattern for op in operations}
    for pattern in ninja_patterns:
        template = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
        if template not in known:
            found.append(Found(pattern, pattern, "page"))
    return found


def api_operations() -> list[Found]:
    from django.urls import reverse
    from ninja.utils import normalize_path

    from circlewise.api import api as ninja_api

    root = reverse("api:api-root")  # "/api/v1/"
    ops: list[Found] = []
    if not hasattr(ninja_api, "_get_bound_routers"):  # django-ninja's internals moved: use the
        document = ninja_api.get_openapi_schema()  # OpenAPI document (which omits hidden ones)
        for path, operations in document["paths"].items():
            for method in operations:
                ops.append(Found(f"{method.upper()} {path}", path, "api"))
        return ops
    for bound in ninja_api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = normalize_path("/".join(i for i in (bound.prefix, path) if i)).lstrip("/")
            full = re.sub(r"{(?:\w+:)?(\w+)}", r"{\1}", full)
            for operation in path_view.operations:
                for method in operation.methods:
                    key = f"{method.upper()} {root}{full}"
                    ops.append(Found(key, f"{root}{full}", "api"))
    return ops


# Discussions (circlewise/discussions): a backlog item's thread is read and written by whoever
# sees the item (circle_visible); a draft's thread is its author's until shared, then its
# circle's members' (the matrix's drafts are not shared: their author alone sees them); a
# presented proposal's thread is read where the proposal is and takes no comment (409). A comment
# is edited and withdrawn by its author ("author": the target's owner wrote it).
TARGETS = (*TARGETS, "comment")

DISCUSSION_PAGES: tuple[Route, ...] = (
    page("discussions:circle_threads", "circle", GET=CIRCLE_VISIBLE),
    page("discussions:item_thread", "backlog_item", GET=CIRCLE_VISIBLE, POST=CIRCLE_VISIBLE),
    page(
        "discussions:item_propose",
        "backlog_item",
        GET=IN_CIRCLE,
        POST=IN_CIRCLE,
        note="turn the discussion into a proposal: whoever may propose in the circle",
    ),
    page(
        "discussions:proposal_thread",
        "proposal",
        GET=PROPOSAL_VISIBLE,
        POST=IN_CIRCLE,
        note="a presented proposal's or an unshared draft's thread refuses comments with 409",
    ),
    page("discussions:share", "draft", POST=AUTHOR),
    page("discussions:unshare", "draft", POST=AUTHOR, note="not shared: 409"),
    page("discussions:comment_edit", "comment", GET=AUTHOR, POST=AUTHOR),
    page("discussions:comment_withdraw", "comment", POST=AUTHOR),
)

DISCUSSION_API: tuple[Route, ...] = (
    api(GET_, f"{V1}/circles/{{circle_id}}/threads", "circle", CIRCLE_VISIBLE),
    api(GET_, f"{V1}/backlog/{{item_id}}/thread", "backlog_item", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/backlog/{{item_id}}/thread/comments", "backlog_item", CIRCLE_VISIBLE),
    api(GET_, f"{V1}/proposals/{{proposal_id}}/thread", "proposal", PROPOSAL_VISIBLE),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/thread/comments", "proposal", IN_CIRCLE),
    api(POST_, f"{V1}/proposals/{{proposal_id}}/share", "draft", AUTHOR),
    api(DELETE_, f"{V1}/proposals/{{proposal_id}}/share", "draft", AUTHOR),
    api(PATCH_, f"{V1}/comments/{{comment_id}}", "comment", AUTHOR),
    api(POST_, f"{V1}/comments/{{comment_id}}/withdraw", "comment", AUTHOR),
)

ROUTES = ROUTES + DISCUSSION_PAGES + DISCUSSION_API


# Meetings (circlewise/meetings): a meeting is seen by whoever sees its circle; the circle's
# meetings are planned by its planners (meeting_planner: the circle's or its parent's leader or
# facilitator, an org admin, or the circle's secretary being a member); a meeting is changed,
# cancelled and its agenda kept by the planners and by the facilitator and secretary it names
# (agenda_keeper, being members); every member of the circle proposes items (agenda_contributor:
# a keeper, or anyone in_circle). A meeting that is over or cancelled refuses changes with 409.
TARGETS = (*TARGETS, "meeting", "agenda_item", "action_item")

MEETING_PAGES: tuple[Route, ...] = (
    page("meetings:circle_meetings", "circle", GET=CIRCLE_VISIBLE),
    page("meetings:meeting_new", "circle", GET=MEETING_PLANNER, POST=MEETING_PLANNER),
    page("meetings:meeting_detail", "meeting", GET=CIRCLE_VISIBLE),
    page("meetings:meeting_edit", "meeting", GET=AGENDA_KEEPER, POST=AGENDA_KEEPER),
    page("meetings:meeting_cancel", "meeting", GET=AGENDA_KEEPER, POST=AGENDA_KEEPER),
    page("meetings:meeting_ics", "meeting", GET=CIRCLE_VISIBLE),
    page("meetings:agenda_add", "meeting", POST=AGENDA_CONTRIBUTOR),
    # The live room: who takes part (the circle's members, and the agenda's keepers); what each
    # action needs is the services' to say (a member starting a round: 403; an empty one: 400).
    page("meetings:meeting_room", "meeting", GET=AGENDA_CONTRIBUTOR),
    page("meetings:room_display", "meeting", GET=AGENDA_CONTRIBUTOR),
    page("meetings:room_act", "meeting", POST=AGENDA_CONTRIBUTOR, note="no action: 400"),
    # Evaluating: who was in the room (meeting_attendee: the matrix's meetings are not held, so
    # nobody was: 403 to all who see them); the trend: whoever sees the circle.
    page("meetings:meeting_evaluate", "meeting", GET=MEETING_ATTENDEE, POST=MEETING_ATTENDEE),
    page(
        "meetings:circle_evaluations",
        "circle",
        GET=CIRCLE_VISIBLE,
        POST=IN_CIRCLE,
        note="a point to improve sent to the backlog by a member; no card named: 400",
    ),
    # Minutes: approved ones are read by whoever sees the circle, a draft by the agenda's keepers,
    # who write it up and approve it (the matrix's meetings have none yet: 409).
    page("meetings:meeting_minutes", "meeting", GET=CIRCLE_VISIBLE, POST=AGENDA_KEEPER),
    # Any member of the circle objects to minutes out for consent (none here: 409); the circle's
    # record of approved minutes is read by whoever sees it; the search by any member of the
    # organisation, through the circles they see.
    page("meetings:minutes_object", "meeting", POST=IN_CIRCLE, note="no minutes yet: 409"),
    page("meetings:circle_minutes", "circle", GET=CIRCLE_VISIBLE),
    page("meetings:minutes_search", "org", GET=ORG_MEMBER),
    # Action items: given by the circle's members (and its planners: action_giver), closed by
    # their owner (the target's owner), the circle's facilitator or secretary, or its planners
    # (action_closer); a person's own list is theirs in any organisation they are in.
    page("meetings:circle_actions", "circle", GET=CIRCLE_VISIBLE, POST=ACTION_GIVER),
    page("meetings:action_close", "action_item", POST=ACTION_CLOSER),
    page("meetings:my_actions", "org", GET=ORG_MEMBER),
    page("meetings:agenda_accept", "agenda_item", POST=AGENDA_KEEPER, note="not proposed: 409"),
    page("meetings:agenda_decline", "agenda_item", POST=AGENDA_KEEPER),
    page("meetings:agenda_remove", "agenda_item", POST=AGENDA_KEEPER),
    page("meetings:agenda_move", "agenda_item", POST=AGENDA_KEEPER),
)

MEETING_API: tuple[Route, ...] = (
    api(GET_, f"{V1}/circles/{{circle_id}}/meetings", "circle", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/circles/{{circle_id}}/meetings", "circle", MEETING_PLANNER),
    api(GET_, f"{V1}/meetings/{{meeting_id}}", "meeting", CIRCLE_VISIBLE),
    api(PATCH_, f"{V1}/meetings/{{meeting_id}}", "meeting", AGENDA_KEEPER),
    api(POST_, f"{V1}/meetings/{{meeting_id}}/cancel", "meeting", AGENDA_KEEPER),
    api(POST_, f"{V1}/meetings/{{meeting_id}}/agenda", "meeting", AGENDA_CONTRIBUTOR),
    api(POST_, f"{V1}/agenda-items/{{item_id}}/accept", "agenda_item", AGENDA_KEEPER),
    api(POST_, f"{V1}/agenda-items/{{item_id}}/decline", "agenda_item", AGENDA_KEEPER),
    api(POST_, f"{V1}/agenda-items/{{item_id}}/move", "agenda_item", AGENDA_KEEPER),
    api(DELETE_, f"{V1}/agenda-items/{{item_id}}", "agenda_item", AGENDA_KEEPER),
    api(GET_, f"{V1}/meetings/{{meeting_id}}/minutes", "meeting", CIRCLE_VISIBLE),
    api(PUT_, f"{V1}/meetings/{{meeting_id}}/minutes", "meeting", AGENDA_KEEPER),
    api(POST_, f"{V1}/meetings/{{meeting_id}}/minutes/approve", "meeting", AGENDA_KEEPER),
    api(POST_, f"{V1}/meetings/{{meeting_id}}/minutes/consent", "meeting", AGENDA_KEEPER),
    api(POST_, f"{V1}/meetings/{{meeting_id}}/minutes/objections", "meeting", IN_CIRCLE),
    api(GET_, f"{V1}/organisations/{{slug}}/minutes", "org", ORG_MEMBER, note="?q= required"),
    # The room through the API: whoever may open the room's page reads it and acts in it (each
    # action then by its own rule, room.act); the turn log, the trend and the action items are
    # read by whoever sees the circle.
    api(GET_, f"{V1}/meetings/{{meeting_id}}/room", "meeting", AGENDA_CONTRIBUTOR),
    api(
        POST_,
        f"{V1}/meetings/{{meeting_id}}/room",
        "meeting",
        AGENDA_KEEPER,
        note="the check opens the room: its keepers; a member joins, speaks, raises a hand",
    ),
    api(GET_, f"{V1}/meetings/{{meeting_id}}/turns", "meeting", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/meetings/{{meeting_id}}/evaluations", "meeting", MEETING_ATTENDEE),
    api(GET_, f"{V1}/circles/{{circle_id}}/evaluations", "circle", CIRCLE_VISIBLE),
    api(GET_, f"{V1}/circles/{{circle_id}}/actions", "circle", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/circles/{{circle_id}}/actions", "circle", ACTION_GIVER),
    api(POST_, f"{V1}/actions/{{action_id}}/close", "action_item", ACTION_CLOSER),
)

ROUTES = ROUTES + MEETING_PAGES + MEETING_API


# Role improvement reviews (circlewise/reviews): a review is seen only by those taking part in
# it (review_party: its focus person, its reviewers and its facilitator, being able to see the
# role's circle): 404 to everyone else, admins and the circle's other members too. The focus
# person (review_focus) asks reviewers and writes the opening words and the summary; reviewers
# (reviewer) give feedback; the focus person or the facilitator (review_writer) write down the
# areas and the plan; every reviewer and the focus person (review_answerer) answer the plan and
# say how the last one went; the facilitator (review_facilitator) moves it on and completes it.
# A review is started by the holder of the term (role_holder). The matrix's review is at its
# first step, so most steps answer 409 to those let through.
REVIEW_PARTY = "review_party"
REVIEW_FOCUS = "review_focus"
REVIEWER = "reviewer"
REVIEW_WRITER = "review_writer"
REVIEW_ANSWERER = "review_answerer"
REVIEW_FACILITATOR = "review_facilitator"
ROLE_HOLDER = "role_holder"
LEVELS = (
    *LEVELS,
    REVIEW_PARTY,
    REVIEW_FOCUS,
    REVIEWER,
    REVIEW_WRITER,
    REVIEW_ANSWERER,
    REVIEW_FACILITATOR,
    ROLE_HOLDER,
)
TARGETS = (*TARGETS, "review")

REVIEW_PAGES: tuple[Route, ...] = (
    page("reviews:my_reviews", "org", GET=ORG_MEMBER, note="only the reviews one takes part in"),
    page("reviews:review_start", "assignment", GET=ROLE_HOLDER, POST=ROLE_HOLDER),
    page("reviews:review_detail", "review", GET=REVIEW_PARTY),
    page("reviews:review_act", "review", POST=REVIEW_PARTY, note="no action: 400"),
)

REVIEW_API: tuple[Route, ...] = (
    api(GET_, f"{V1}/organisations/{{slug}}/reviews", "org", ORG_MEMBER, note="one's own only"),
    api(POST_, f"{V1}/assignments/{{assignment_id}}/reviews", "assignment", ROLE_HOLDER),
    api(GET_, f"{V1}/reviews/{{review_id}}", "review", REVIEW_PARTY),
    api(POST_, f"{V1}/reviews/{{review_id}}/reviewers", "review", REVIEW_FOCUS),
    api(DELETE_, f"{V1}/reviews/{{review_id}}/reviewers/{{person_id}}", "review", REVIEW_FOCUS),
    api(POST_, f"{V1}/reviews/{{review_id}}/opening", "review", REVIEW_FOCUS),
    api(POST_, f"{V1}/reviews/{{review_id}}/move-on", "review", REVIEW_FACILITATOR),
    api(POST_, f"{V1}/reviews/{{review_id}}/feedback", "review", REVIEWER),
    api(POST_, f"{V1}/reviews/{{review_id}}/last-plan", "review", REVIEW_ANSWERER),
    api(POST_, f"{V1}/reviews/{{review_id}}/summary", "review", REVIEW_FOCUS),
    api(POST_, f"{V1}/reviews/{{review_id}}/areas", "review", REVIEW_WRITER),
    api(POST_, f"{V1}/reviews/{{review_id}}/plan", "review", REVIEW_WRITER),
    api(POST_, f"{V1}/reviews/{{review_id}}/plan/answer", "review", REVIEW_ANSWERER),
    api(POST_, f"{V1}/reviews/{{review_id}}/complete", "review", REVIEW_FACILITATOR),
)

ROUTES = ROUTES + REVIEW_PAGES + REVIEW_API


# Selections of a role's holder (circlewise/selections): a selection is seen by whoever sees its
# circle (selection_viewer; 404 for everyone else, in lists too), although its nominations stay
# each author's own until they are revealed (what the answer holds, not who is let in). Members
# of the circle on its roster (elector) add qualifications, answer, nominate and change; its
# facilitator (selection_facilitator) prepares, opens the nominations, reveals them, closes the
# change round, hands the proposal over and moves the step's end; the facilitator, or the member
# they handed over to (selection_proposer), proposes; the facilitator or whoever manages the
# circle's roles (selection_canceller) cancels. A member of a role's circle, or whoever manages
# its roles, starts one (selection_starter). The matrix's selections are at their first step, so
# the later steps answer 409 to those let through.
SELECTION_VIEWER = "selection_viewer"
ELECTOR = "elector"
SELECTION_FACILITATOR = "selection_facilitator"
SELECTION_PROPOSER = "selection_proposer"
SELECTION_CANCELLER = "selection_canceller"
SELECTION_STARTER = "selection_starter"
LEVELS = (
    *LEVELS,
    SELECTION_VIEWER,
    ELECTOR,
    SELECTION_FACILITATOR,
    SELECTION_PROPOSER,
    SELECTION_CANCELLER,
    SELECTION_STARTER,
)
TARGETS = (*TARGETS, "selection")

_SEL = f"{V1}/selections/{{selection_id}}"
SELECTION_API: tuple[Route, ...] = (
    api(GET_, f"{V1}/circles/{{circle_id}}/selections", "circle", CIRCLE_VISIBLE),
    api(POST_, f"{V1}/roles/{{role_id}}/selections", "role", SELECTION_STARTER),
    api(GET_, _SEL, "selection", SELECTION_VIEWER, note="nominations: one's own until revealed"),
    api(POST_, f"{_SEL}/preparation", "selection", SELECTION_FACILITATOR),
    api(POST_, f"{_SEL}/qualifications", "selection", ELECTOR),
    api(POST_, f"{_SEL}/preparation/answer", "selection", ELECTOR),
    api(POST_, f"{_SEL}/nominations/open", "selection", SELECTION_FACILITATOR),
    api(POST_, f"{_SEL}/nominations", "selection", ELECTOR),
    api(POST_, f"{_SEL}/reveal", "selection", SELECTION_FACILITATOR),
    api(POST_, f"{_SEL}/changes", "selection", ELECTOR),
    api(POST_, f"{_SEL}/change-round/close", "selection", SELECTION_FACILITATOR),
    api(POST_, f"{_SEL}/hand-over", "selection", SELECTION_FACILITATOR),
    api(POST_, f"{_SEL}/step-end", "selection", SELECTION_FACILITATOR),
    api(POST_, f"{_SEL}/candidates", "selection", SELECTION_PROPOSER),
    api(POST_, f"{_SEL}/renewal", "selection", SELECTION_PROPOSER),
    api(POST_, f"{_SEL}/candidates/integrate", "selection", SELECTION_PROPOSER),
    api(
        POST_,
        f"{_SEL}/answers",
        "selection",
        ELECTOR,
        note="recording someone else's answer (for_person_id): the facilitator",
    ),
    api(POST_, f"{_SEL}/objection/withdraw", "selection", ELECTOR),
    api(POST_, f"{_SEL}/cancel", "selection", SELECTION_CANCELLER),
)

SELECTION_PAGES: tuple[Route, ...] = (
    page("selections:selection_list", "org", GET=ORG_MEMBER, note="in circles one sees"),
    page("selections:selection_start", "role", GET=SELECTION_STARTER, POST=SELECTION_STARTER),
    page(
        "selections:selection_start_many", "circle", GET=SELECTION_STARTER, POST=SELECTION_STARTER
    ),
    page("selections:selection_detail", "selection", GET=SELECTION_VIEWER),
    page("selections:selection_act", "selection", POST=SELECTION_VIEWER, note="no action: 400"),
    page("selections:step_down", "assignment", GET=ROLE_HOLDER, POST=ROLE_HOLDER),
)

ROUTES = ROUTES + SELECTION_API + SELECTION_PAGES
