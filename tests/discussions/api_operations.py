"""The discussions' API operations, for the table in tests/api/operations.py: how to build a
request for each in the `world` (in Garden, open, or Care, private; Cy writes), and who may use
it. Access: "circle_visible" reads a circle's threads (and a presented proposal's);
"item_visible": whoever sees the topic comments on it; "author": the draft's author (others get
404: a draft is hidden); "in_circle": a member of the circle comments on a shared draft;
"comment_author": the comment's author."""

from __future__ import annotations

from typing import Any

from circlewise.circles.models import Circle
from circlewise.decisions import services as decisions
from circlewise.discussions import services
from tests.api.operations import Op
from tests.conftest import World


def _item(w: World, c: Circle) -> int:
    return decisions.add_backlog_item(circle=c, actor=w.circle_member, topic="A shed").pk


def _draft(w: World, c: Circle, *, shared: bool = False) -> int:
    proposal = decisions.create_proposal(
        circle=c, author=w.circle_member, title="A shed", driver="Tools rust.", text="Build one."
    )
    if shared:
        services.share_draft(proposal=proposal, actor=w.circle_member)
    return proposal.pk


def _presented(w: World, c: Circle) -> int:
    proposal = decisions.create_proposal(
        circle=c, author=w.circle_member, title="A shed", driver="Tools rust.", text="Build one."
    )
    decisions.present(proposal=proposal, actor=w.circle_member)
    return proposal.pk


def _comment(w: World, c: Circle) -> int:
    item = decisions.add_backlog_item(circle=c, actor=w.circle_member, topic="A shed")
    return services.post_comment(actor=w.circle_member, item=item, text="Where?").pk


def _req(method: str, path: str, body: Any = None) -> tuple[str, str, Any]:
    return method, path, body


DISCUSSION_OPS: tuple[Op, ...] = (
    Op("listThreads", "circle_visible", lambda w, c: _req("GET", f"/circles/{c.pk}/threads")),
    Op(
        "getItemThread",
        "circle_visible",
        lambda w, c: _req("GET", f"/backlog/{_item(w, c)}/thread"),
    ),
    Op(
        "commentOnItem",
        "item_visible",
        lambda w, c: _req("POST", f"/backlog/{_item(w, c)}/thread/comments", {"text": "Hi"}),
    ),
    Op(
        "getProposalThread",
        "circle_visible",
        lambda w, c: _req("GET", f"/proposals/{_presented(w, c)}/thread"),
    ),
    Op(
        "commentOnDraft",
        "in_circle",
        lambda w, c: _req(
            "POST", f"/proposals/{_draft(w, c, shared=True)}/thread/comments", {"text": "Hi"}
        ),
    ),
    Op("shareDraft", "author", lambda w, c: _req("POST", f"/proposals/{_draft(w, c)}/share")),
    Op(
        "stopSharingDraft",
        "author",
        lambda w, c: _req("DELETE", f"/proposals/{_draft(w, c, shared=True)}/share"),
    ),
    Op(
        "editComment",
        "comment_author",
        lambda w, c: _req("PATCH", f"/comments/{_comment(w, c)}", {"text": "There."}),
    ),
    Op(
        "withdrawComment",
        "comment_author",
        lambda w, c: _req("POST", f"/comments/{_comment(w, c)}/withdraw"),
    ),
)

DISCUSSION_METHODS = {
    "listThreads": "GET",
    "getItemThread": "GET",
    "commentOnItem": "POST",
    "getProposalThread": "GET",
    "commentOnDraft": "POST",
    "shareDraft": "POST",
    "stopSharingDraft": "DELETE",
    "editComment": "PATCH",
    "withdrawComment": "POST",
}
