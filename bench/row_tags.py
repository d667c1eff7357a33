"""The per-row tags against the loops of tags and filters they replaced, on full-size data.

    python -m bench.row_tags --size full

Renders the circle page's members (the benchmark's biggest circle) and the assembly proposal's
roster, people still to answer and quick reactions, both ways, interleaved in one process; checks
that the output is the same and prints the CPU medians. The loops are those of
tests/core/test_member_rows.py and tests/decisions/test_row_tags.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from types import SimpleNamespace

from bench.run import ROOT, configure_environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["full", "quick", "tiny"], default="full")
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    configure_environment(args.size)
    sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "core"), str(ROOT / "tests" / "decisions")]
    import django

    django.setup()
    import test_member_rows as members_test
    import test_row_tags as rows_test
    from django.template import Context, Template
    from django.test import RequestFactory
    from django.urls import reverse

    from bench import generate
    from circlewise.accounts.models import User
    from circlewise.circles.models import Circle, CircleMembership, Organisation
    from circlewise.circles.views import browse
    from circlewise.decisions.models import Proposal
    from circlewise.decisions.views import browse as decisions_browse

    meta = generate.existing(generate.SIZES[args.size])
    if not meta:
        raise SystemExit(
            f"no {args.size} organisation: run `python -m bench.run --size {args.size}`"
        )
    org = Organisation.objects.get(slug=meta["org"])
    circle = Circle.objects.get(organisation=org, slug=meta["big_circle"])
    viewer = User.objects.get(pk=meta["viewer_id"])
    body = browse._circle_body(org, circle, parent_hidden=False)
    # The page now lists its members as rows (`{% member_list %}`); `{% member_rows %}` and the
    # loop it replaced take the model instances they were measured with.
    roles_of = {m.user_id: m.role_names for m in body["members"]}
    members = [
        SimpleNamespace(user=m.user, user_id=m.user_id, role_names=roles_of.get(m.user_id, []))
        for m in CircleMembership.objects.current()
        .filter(circle=circle)
        .select_related("user")
        .order_by("user__name")
    ]
    person_base = reverse("circles:person_detail", args=[org.slug, 0])[:-2]
    request = RequestFactory().get("/")
    request.user = viewer
    proposal = Proposal.objects.select_related("circle__organisation").get(
        pk=meta["consent_proposal_id"]
    )
    page = decisions_browse.proposal_context(request, proposal)
    info = page["round_info"]
    cases = {
        f"circle members ({len(members)})": (
            members_test.LOOP, members_test.TAG,
            {"members": members, "person_base": person_base},
        ),
        f"consent roster ({len(info['rows'])})": (
            rows_test.ROSTER_LOOP, rows_test.ROSTER_TAG,
            {"round_info": info, "user": viewer, "organisation": org},
        ),
        f"still to answer ({len(info['waiting'])})": (
            rows_test.WAITING_LOOP, rows_test.WAITING_TAG, {"people": info["waiting"]},
        ),
        f"quick reactions ({len(page['reaction_rows'])})": (
            rows_test.REACTIONS_LOOP, rows_test.REACTIONS_TAG,
            {"reaction_rows": page["reaction_rows"]},
        ),
    }  # fmt: skip
    for name, (loop_source, tag_source, context) in cases.items():
        loop, tag = Template(loop_source), Template(tag_source)
        if loop.render(Context(context)) != tag.render(Context(context)):
            raise SystemExit(f"{name}: the tag renders something else than the loop")
        loop_times, tag_times = [], []
        for _ in range(args.repeat):
            started = time.thread_time()
            loop.render(Context(context))
            loop_times.append(time.thread_time() - started)
            started = time.thread_time()
            tag.render(Context(context))
            tag_times.append(time.thread_time() - started)
        print(
            f"{name}: loop {statistics.median(loop_times) * 1000:.2f} ms, "
            f"tag {statistics.median(tag_times) * 1000:.2f} ms "
            f"(CPU medians of {args.repeat}, interleaved; the same output)"
        )


if __name__ == "__main__":
    main()
