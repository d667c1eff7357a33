"""The selection's pages: started from the role, each step's form posted to `act`, secret
nominations kept out of every page until the reveal, bad input refused with a message."""

from django.urls import reverse

from circlewise.circles.models import RoleAssignment
from circlewise.selections.models import Nomination, Selection, Step

from .. import factories as f
from .helpers import nominating, proposed, revealed, secretary


def _act(selection):
    return reverse("selections:selection_act", args=["willow", selection.pk])


def _page(client, selection):
    url = reverse("selections:selection_detail", args=["willow", selection.pk])
    answer = client.get(url)
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_member_starts_a_selection_from_the_role(world, client):
    # given Cy on the page of Garden's secretary role
    client.force_login(world.circle_member)
    role = secretary(world)
    role_page = client.get(reverse("circles:role_detail", args=["willow", "garden", role.pk]))
    start = reverse("selections:selection_start", args=["willow", "garden", role.pk])
    assert start in role_page.content.decode()
    # when she starts it, facilitated by Fay, for six months
    answer = client.post(
        start, {"facilitator": world.facilitator.pk, "term_months": 6, "qualifications": "Clear"}
    )
    # then she is on the selection's page, at its first step
    selection = Selection.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse(
        "selections:selection_detail", args=["willow", selection.pk]
    )
    assert (selection.step, selection.term_months, selection.facilitator) == (
        Step.PREPARE, 6, world.facilitator,
    )  # fmt: skip


def test_a_term_out_of_range_is_refused_with_a_message(world, client):
    client.force_login(world.circle_member)
    start = reverse("selections:selection_start", args=["willow", "garden", secretary(world).pk])
    answer = client.post(start, {"facilitator": world.facilitator.pk, "term_months": 99})
    assert answer.status_code == 400
    assert "A term lasts between 1 and 60 months." in answer.content.decode()
    assert not Selection.objects.exists()


def test_someone_outside_the_circle_cannot_start_one(world, client):
    client.force_login(world.member)
    start = reverse("selections:selection_start", args=["willow", "garden", secretary(world).pk])
    assert client.get(start).status_code == 403
    assert client.post(start, {"facilitator": world.facilitator.pk}).status_code == 403


def test_a_nomination_is_on_no_page_until_the_reveal(world, client):
    selection = nominating(world)
    client.force_login(world.circle_member)
    answer = client.post(
        _act(selection),
        {"action": "nominate", "nominate-nominee": world.member.pk,
         "nominate-reason": "Mo keeps the seed records beautifully"},
    )  # fmt: skip
    assert answer.status_code == 302
    # Cy sees her own nomination; Fay (the facilitator) and Mo see neither name nor reason
    assert "You nominated" in _page(client, selection)
    for other in (world.facilitator, world.member):
        client.force_login(other)
        page = _page(client, selection)
        assert "seed records" not in page and "You nominated" not in page
        assert "1 of 3 has nominated." in page
        feed = client.get(reverse("circles:circle_detail", args=["willow", "garden"]))
        assert "seed records" not in feed.content.decode()


def test_after_the_reveal_everyone_sees_the_grid(world, client):
    selection = revealed(world)
    client.force_login(world.member)
    page = _page(client, selection)
    assert "Cy writes clearly." in page and "She keeps records well." in page
    assert "Having heard everyone" in page  # the change-round form


def test_the_change_round_through_the_page(world, client):
    selection = revealed(world)
    client.force_login(world.member)
    refused = client.post(
        _act(selection), {"action": "change", "change-nominee": world.circle_member.pk}
    )
    assert refused.status_code == 400
    assert "Say why you change your nomination." in refused.content.decode()
    assert not Nomination.objects.filter(round="change").exists()
    answer = client.post(
        _act(selection),
        {"action": "change", "change-nominee": world.circle_member.pk,
         "change-reason": "Cy's minutes are the clearest."},
    )  # fmt: skip
    assert answer.status_code == 302
    assert Nomination.objects.get(round="change").nominee == world.circle_member


def test_the_nominee_is_asked_last_and_the_last_consent_fills_the_role(world, client):
    selection = proposed(world)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    client.force_login(fay)
    early = client.post(_act(selection), {"action": "answer", "answer-answer": "consent"})
    assert early.status_code == 409
    assert "The nominee answers last" in early.content.decode()
    for person in (mo, cy, fay):
        client.force_login(person)
        answer = client.post(_act(selection), {"action": "answer", "answer-answer": "consent"})
        assert answer.status_code == 302
    selection.refresh_from_db()
    assert selection.step == Step.COMPLETED
    assert RoleAssignment.objects.current().get(role=secretary(world)).holder == fay
    assert "holds" in _page(client, selection)


def test_an_objection_without_a_reason_is_refused_and_nothing_recorded(world, client):
    selection = proposed(world)
    client.force_login(world.member)
    answer = client.post(_act(selection), {"action": "answer", "answer-answer": "objection"})
    assert answer.status_code == 400
    assert "harm the circle" in answer.content.decode()
    assert not selection.candidates.get().answers.exists()


def test_an_unknown_action_is_a_clear_400(world, client):
    selection = nominating(world)
    client.force_login(world.member)
    answer = client.post(_act(selection), {"action": "crown"})
    assert answer.status_code == 400
    assert "Choose what to do." in answer.content.decode()


def test_a_selection_in_a_private_circle_is_missing_for_those_outside(world, client):
    f.add(world.care, world.facilitator)
    from circlewise.selections import services

    selection = services.start_selection(
        role=f.role(world.care, "secretary"), actor=world.circle_member
    )
    client.force_login(world.member)
    url = reverse("selections:selection_detail", args=["willow", selection.pk])
    assert client.get(url).status_code == 404
    assert client.post(_act(selection), {"action": "reveal"}).status_code == 404
    listing = client.get(reverse("selections:selection_list", args=["willow"])).content.decode()
    assert url not in listing


def test_the_list_shows_what_waits_for_the_viewer(world, client):
    nominating(world)
    client.force_login(world.member)
    listing = client.get(reverse("selections:selection_list", args=["willow"])).content.decode()
    assert "waiting for you" in listing


def test_several_roles_are_selected_at_once(world, client):
    client.force_login(world.circle_member)
    url = reverse("selections:selection_start_many", args=["willow", "garden"])
    roles = [f.role(world.garden, "secretary"), f.role(world.garden, "delegate")]
    page = client.get(url).content.decode()
    assert "Secretary" in page and "Delegate" in page
    answer = client.post(url, {"roles": [r.pk for r in roles], "facilitator": world.facilitator.pk})
    assert answer.status_code == 302
    assert set(Selection.objects.values_list("role_id", flat=True)) == {r.pk for r in roles}
    # and a role with a selection under way is no longer offered
    assert "Secretary" not in client.get(url).content.decode().split("<form")[1]


def test_several_roles_at_once_is_all_or_nothing(world, client):
    client.force_login(world.circle_member)
    url = reverse("selections:selection_start_many", args=["willow", "garden"])
    answer = client.post(url, {"roles": [f.role(world.garden, "secretary").pk]})
    assert answer.status_code == 400
    assert "Choose who facilitates the selections." in answer.content.decode()
    assert not Selection.objects.exists()
    client.force_login(world.member)
    assert client.get(url).status_code == 403
