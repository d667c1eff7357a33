from __future__ import annotations


def test_ping_answers_anyone_without_touching_the_database(client, db, django_assert_num_queries):
    # given nobody signed in
    # when a load balancer (or the benchmark) asks for the ping
    with django_assert_num_queries(0):
        response = client.get("/-/ping/")
    # then it answers at once, in plain text
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


def test_ping_refuses_to_change_anything(client, db):
    # given the ping, which only reads
    # when someone posts to it
    response = client.post("/-/ping/")
    # then the method is not allowed
    assert response.status_code == 405
