"""The screening page's position, back and forward walk the order the reviewer's queue is served
in: the assignment order without prioritisation; with it, the records decided in the order they
were decided, then the queue in ranking order. A co-reviewer's unsettled decisions never move
them."""

from __future__ import annotations

from tests.test_web_stopping import STAGE, _as, _on_topic, _runner, served  # noqa: F401
from tests.web_support import web  # noqa: F401

PAGE = f"/r/prio/screen/{STAGE}"
NAVIGATION = ("position", "assigned", "back", "forward", "next_todo")


def _decide(client, ids: list[int], rid: int) -> dict:
    on = _on_topic(ids, rid)
    answer = client.post(
        f"{PAGE}/decide.json",
        json={
            "record_id": rid,
            "decision": "include" if on else "exclude",
            "reason": "E1" * (not on),
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _where(page: dict) -> tuple:
    return (page["record"]["record_id"], *(page[k] for k in NAVIGATION))


def test_with_prioritisation_back_is_what_i_decided_and_forward_my_queue(served):  # noqa: F811
    app, review, ids = served
    ana, member = _as(app, "ana"), review.team.member("ana")
    ana.get(f"{PAGE}.json")  # starts ana's ranker
    decided = [ids[5], ids[0], ids[2]]  # out of assignment order: off topic, on, on
    for rid in decided:
        _decide(ana, ids, rid)
    runner = _runner(review, "ana")
    assert runner.wait_idle(600) and runner.error is None
    assert review.prioritise.latest(STAGE, member=member) is not None
    queue = review.screening.queue(STAGE, member=member)
    assert queue[0] not in (ids[1], ids[3])  # the ranking, not the assignment, leads
    page = ana.get(f"{PAGE}.json").json()
    assert page["ordering"]["source"] == "ranking"
    assert _where(page) == (queue[0], 4, len(ids), ids[2], queue[1], queue[1])
    back = ana.get(f"{PAGE}.json?record={page['back']}").json()
    assert _where(back) == (ids[2], 3, len(ids), ids[0], queue[0], queue[0])
    start = ana.get(f"{PAGE}.json?record={ids[5]}").json()
    assert (start["position"], start["back"], start["forward"]) == (1, None, ids[0])
    html = ana.get(PAGE, headers={"accept": "text/html"}).text
    assert f"<span>4 of {len(ids)}</span>" in html
    assert f'href="{PAGE}?record={ids[2]}" rel="prev"' in html
    assert f'href="{PAGE}?record={queue[1]}" rel="next"' in html
    # deciding moves on to the queue's next; back is then the record just decided, and stays
    # so whatever the retrain this decision sets off does to the queue
    following = _decide(ana, ids, queue[0])["next"]
    assert following == queue[1]
    page = ana.get(f"{PAGE}.json?record={following}").json()
    assert (page["position"], page["back"]) == (5, queue[0])
    # a changed mind on an earlier record keeps its place
    again = ana.post(
        f"{PAGE}/decide.json", json={"record_id": ids[0], "decision": "exclude", "reason": "E1"}
    ).json()
    page = ana.get(f"{PAGE}.json?record={again['next']}").json()
    assert (page["position"], page["back"]) == (5, queue[0])
    assert ana.get(f"{PAGE}.json?record={ids[0]}").json()["position"] == 2
    assert runner.wait_idle(600) and runner.error is None


def test_a_co_reviewers_unsettled_decisions_do_not_move_my_page(served):  # noqa: F811
    app, review, ids = served
    ana, zbyszek = _as(app, "ana"), _as(app, "zbyszek")
    ana.get(f"{PAGE}.json")
    for rid in (ids[0], ids[4], ids[1]):
        _decide(ana, ids, rid)
    assert _runner(review, "ana").wait_idle(600)
    records = [
        None,
        ids[4],
        ids[1],
        *review.screening.queue(STAGE, member=review.team.member("ana"))[:3],
    ]

    def pages() -> list[tuple]:
        return [
            _where(ana.get(f"{PAGE}.json" + (f"?record={r}" if r else "")).json()) for r in records
        ]

    before = pages()
    # zbyszek calls ana's records the other way (conflicts) and decides others ana has not
    for rid in (ids[0], ids[4], *ids[8:16]):
        on = _on_topic(ids, rid) != (rid in (ids[0], ids[4]))
        answer = zbyszek.post(
            f"{PAGE}/decide.json",
            json={
                "record_id": rid,
                "decision": "include" if on else "exclude",
                "reason": "E2" * (not on),
            },
        )
        assert answer.status_code == 200, answer.text
    assert _runner(review, "zbyszek").wait_idle(600)
    assert (
        review.screening.progress(STAGE, member=review.team.member("olga"))["records_conflict"] == 2
    )
    assert pages() == before


def test_without_prioritisation_the_page_walks_the_assignment_order(web):  # noqa: F811
    app, review, ids = web
    ana = _as(app, "ana")
    screen = "/r/webrev/screen/title_abstract"
    for rid in (ids[2], ids[0]):  # a reviewer who jumped ahead, then came back
        ana.post(f"{screen}/decide.json", json={"record_id": rid, "decision": "include"})
    page = ana.get(f"{screen}.json").json()
    assert _where(page) == (ids[1], 2, 6, ids[0], ids[2], ids[3])
    there = ana.get(f"{screen}.json?record={ids[2]}").json()
    assert _where(there) == (ids[2], 3, 6, ids[1], ids[3], ids[1])
    assert ana.get(f"{screen}.json?record={ids[5]}").json()["forward"] is None
