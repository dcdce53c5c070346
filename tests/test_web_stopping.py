"""Prioritised screening in the web app: the screen page keeps each reviewer's queue ranked
in the background and says how it is ordered; the dashboard shows when the team may stop
(the test, the heuristic, the estimate, the rankings) and lets an owner or arbiter draw the
random sample and record the decision; a reviewer sees only their own; shutdown stops the
rankers."""

from __future__ import annotations

import pytest

from evimap.records import Record
from evimap.review import Review
from tests.test_prioritise_live import OFF_TOPIC as LIVE_OFF_TOPIC
from tests.test_prioritise_live import ON_TOPIC as LIVE_ON_TOPIC
from tests.web_support import (
    CODEBOOK,
    PROTOCOL,
    REPORT,
    TEAM,
    add_records,
    client_for,
    login,
    password,
)

PRIORITISE = """
[prioritise]
enabled = true
retrain_every = 2

[prioritise.stopping]
recall_target = 0.9
confidence = 0.9
heuristic_run = 3
"""

ON_TOPIC, OFF_TOPIC = LIVE_ON_TOPIC[:4], LIVE_OFF_TOPIC[:4]
STAGE = "title_abstract"


def _records(copies: int = 3) -> list[Record]:
    out = []
    for c in range(copies):
        for i, title in enumerate(ON_TOPIC + OFF_TOPIC):
            out.append(
                Record(
                    title=f"{title} ({c})",
                    abstract=title.lower() + (" alliance rupture" if i < 4 else " field data"),
                    year=2000 + c,
                    source_record_id=f"P{c}-{i}",
                    line=c * 100 + i,
                )
            )
    return out


def _open(folder, prioritise: bool = True, db: str | None = None) -> tuple[Review, list[int]]:
    folder.mkdir(parents=True)
    protocol = PROTOCOL.format(title="Prioritised review") + (PRIORITISE if prioritise else "")
    (folder / "review.toml").write_text(protocol, encoding="utf-8")
    (folder / "codebook.toml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "report.toml").write_text(REPORT, encoding="utf-8")
    review = Review.open(folder, db=db)
    ids = add_records(review, _records())
    for name, role in TEAM.items():
        review.accounts.add(name, role, password(name))
    review.screening.assign(STAGE, member=review.team.member("olga"))
    return review, ids


@pytest.fixture
def served(tmp_path):
    """``(app, review, ids)``: a review with prioritisation on, served by the app."""
    from evimap.web import create_app

    review, ids = _open(tmp_path / "prio")
    yield create_app([review]), review, ids
    review.close()


def _as(app, name):
    client = client_for(app)
    client.headers["x-csrf-token"] = login(client, name)
    return client


def _on_topic(ids: list[int], rid: int) -> bool:
    return ids.index(rid) % 8 < 4


def _runner(review: Review, name: str):
    return review.prioritise.serve(STAGE, member=review.team.member(name))


def test_the_screen_page_starts_my_ranker_and_my_queue_follows_my_decisions(served):
    app, review, ids = served
    ana = _as(app, "ana")
    page = ana.get(f"/r/prio/screen/{STAGE}.json").json()
    order = page["ordering"]
    assert order["enabled"] and order["source"] == "assignment" and order["ranking"] is None
    assert order["runner"]["running"] and order["runner"]["every"] == 2
    runner = _runner(review, "ana")
    assert runner.wait_idle(600) and runner.rankings == 0  # nothing to learn from yet
    on, off = ids[0], ids[4]
    for rid, decision in ((on, "include"), (off, "exclude")):
        answer = ana.post(
            f"/r/prio/screen/{STAGE}/decide.json",
            json={"record_id": rid, "decision": decision, "reason": "E1" * (rid == off)},
        )
        assert answer.status_code == 200, answer.text
    assert runner.wait_idle(600) and runner.error is None and runner.rankings >= 1
    page = ana.get(f"/r/prio/screen/{STAGE}.json").json()
    order = page["ordering"]
    assert order["source"] == "ranking"
    assert order["ranking"]["training_size"] == 2 and order["ranking"]["training_relevant"] == 1
    queue = review.screening.queue(STAGE, member=review.team.member("ana"))
    assert all(_on_topic(ids, r) for r in queue[:4])  # the rest of the on-topic records first
    assert page["record"]["record_id"] == queue[0]
    html = ana.get(f"/r/prio/screen/{STAGE}", headers={"accept": "text/html"}).text
    assert 'id="ordering" data-source="ranking"' in html and "learned from 2 of your" in html
    # blind: zbyszek's queue did not learn from ana's unsettled calls
    zb = _as(app, "zbyszek").get(f"/r/prio/screen/{STAGE}.json").json()
    assert zb["ordering"]["source"] == "assignment"


def test_a_decision_through_the_api_alone_keeps_the_queue_ranked(served):
    app, review, ids = served
    ana = _as(app, "ana")  # never opens the screen page
    for rid, decision in ((ids[1], "include"), (ids[5], "exclude")):
        ana.post(
            f"/r/prio/screen/{STAGE}/decide.json",
            json={"record_id": rid, "decision": decision, "reason": "E1" * (decision != "include")},
        )
    runner = _runner(review, "ana")
    assert runner.wait_idle(600) and runner.error is None
    assert review.prioritise.latest(STAGE, member=review.team.member("ana")) is not None


def test_the_dashboard_shows_when_to_stop_and_the_lead_samples_and_decides(served):
    app, review, ids = served
    olga, ana = _as(app, "olga"), _as(app, "ana")
    for rid in ids[4:7]:  # three exclusions in a row: ana's heuristic is reached
        ana.post(
            f"/r/prio/screen/{STAGE}/decide.json",
            json={"record_id": rid, "decision": "exclude", "reason": "E1"},
        )
    lead = olga.get("/r/prio/dashboard.json").json()["stages"][0]["stopping"]
    status = lead["status"]
    assert status["total"] == len(ids) and status["unseen"] == len(ids) - 3
    assert status["test"] is None and status["round"] is None and status["state"] == "no_sample"
    assert status["pending"] == 3 and status["next_look"] > 0  # ana's, not yet zbyszek's
    assert status["heuristic"]["runs"] == {"ana": 3, "zbyszek": 0}
    assert status["heuristic"]["fired"]["ana"] is True
    assert set(lead["rankings"]) == {"ana", "zbyszek"} and lead["decisions"] == []
    mine = ana.get("/r/prio/dashboard.json").json()["stages"][0]["stopping"]
    assert set(mine["rankings"]) == {"ana"} and mine["status"]["heuristic"]["runs"] == {"ana": 3}
    assert mine["status"]["pending"] is None  # the team's progress is the lead's to see
    # nothing assigned at full text yet: no panel there
    assert olga.get("/r/prio/dashboard.json").json()["stages"][1]["stopping"] is None

    refused = ana.post(f"/r/prio/stop/{STAGE}/sample.json", json={})
    assert refused.status_code == 403 and refused.json()["ok"] is False
    refused = ana.post(f"/r/prio/stop/{STAGE}/decide.json", json={"decision": "stop", "why": "w"})
    assert refused.status_code == 403
    no_reason = olga.post(f"/r/prio/stop/{STAGE}/decide.json", json={"decision": "stop"})
    assert no_reason.status_code == 422  # a decision is recorded with its reasons

    drawn = olga.post(f"/r/prio/stop/{STAGE}/sample.json", json={"seed": 5}).json()
    assert drawn["ok"] and drawn["urn"] == len(ids) - 3 and drawn["drawn"] == drawn["look_size"]
    page = ana.get(f"/r/prio/screen/{STAGE}.json").json()
    sample = [r for r in drawn["record_ids"] if r not in ids[4:7]]
    assert page["record"]["record_id"] == sample[0]  # the sample leads every assigned queue
    assert page["ordering"]["source"] == "sample"
    assert page["ordering"]["sample_next"] == len(sample)
    html = ana.get(f"/r/prio/screen/{STAGE}", headers={"accept": "text/html"}).text
    assert f"Your next {len(sample)} records were drawn at random" in html
    status = olga.get("/r/prio/dashboard.json").json()["stages"][0]["stopping"]["status"]
    assert status["round"]["seed"] == 5 and status["test"]["sample_size"] == 0
    assert status["test"]["reject"] is False and status["state"] == "screen_look"
    events = review.events.read(kind="prioritise.sample")
    assert events[-1].details["record_ids"] == drawn["record_ids"]

    answer = olga.post(
        f"/r/prio/stop/{STAGE}/decide.json",
        json={"decision": "continue", "why": "the sample is not screened yet"},
    )
    assert answer.status_code == 200 and answer.json()["decision"] == "continue"
    decisions = ana.get("/r/prio/dashboard.json").json()["stages"][0]["stopping"]["decisions"]
    assert [(d["by"], d["decision"], d["why"]) for d in decisions] == [
        ("olga", "continue", "the sample is not screened yet")
    ]
    assert decisions[0]["guarantee"] is False and decisions[0]["unscreened"] == len(ids) - 3
    bad = olga.post(f"/r/prio/stop/{STAGE}/decide.json", json={"decision": "exclude-rest"})
    assert bad.status_code == 422  # only stop or continue: no model ever excludes a record


def test_the_dashboard_page_and_its_forms(served):
    app, review, ids = served
    olga = _as(app, "olga")
    html = olga.get("/r/prio/dashboard", headers={"accept": "text/html"}).text
    assert 'id="stop-title_abstract"' in html and "Heuristic, without a guarantee" in html
    assert 'action="/r/prio/stop/title_abstract/sample"' in html
    assert "no random sample drawn yet" in html and "Draw a random sample (" in html
    token = olga.headers["x-csrf-token"]
    form = olga.post(
        f"/r/prio/stop/{STAGE}/sample",
        data={"csrf_token": token, "seed": ""},  # an empty seed: review.toml's
        follow_redirects=False,
    )
    assert form.status_code == 303
    assert form.headers["location"] == "/r/prio/dashboard#stop-title_abstract"
    round_ = review.prioritise.stopping(STAGE, member=review.team.member("olga")).round
    assert round_["seed"] == review.prioritise.settings.seed
    html = olga.get("/r/prio/dashboard", headers={"accept": "text/html"}).text
    assert "Draw the next look" in html and 'data-verdict="screen_look"' in html
    ana_html = _as(app, "ana").get("/r/prio/dashboard", headers={"accept": "text/html"}).text
    assert 'id="stop-title_abstract"' in ana_html and "/stop/title_abstract/sample" not in ana_html


def test_shutdown_stops_the_rankers_the_app_started(tmp_path):
    from fastapi.testclient import TestClient

    from evimap.web import create_app

    review, _ = _open(tmp_path / "prio")
    try:
        app = create_app([review])
        with TestClient(app) as client:
            client.headers["x-csrf-token"] = login(client, "ana")
            assert client.get(f"/r/prio/screen/{STAGE}.json").json()["ordering"]["runner"]
            runner = _runner(review, "ana")
            assert runner.alive
        assert not runner.alive
        member = review.team.member("ana")
        assert review.prioritise.ordering(STAGE, member=member)["runner"] is None
    finally:
        review.close()


def test_with_prioritisation_off_nothing_is_ranked_or_shown(tmp_path):
    from evimap.web import create_app

    review, _ = _open(tmp_path / "prio", prioritise=False)
    try:
        app = create_app([review])
        ana = _as(app, "ana")
        page = ana.get(f"/r/prio/screen/{STAGE}.json").json()
        assert page["ordering"] == {
            "enabled": False,
            "model": None,
            "source": "assignment",
            "ranking": None,
            "runner": None,
            "sample_next": 0,
            "stopped": None,
        }
        assert ana.get("/r/prio/dashboard.json").json()["stages"][0]["stopping"] is None
        html = ana.get("/r/prio/dashboard", headers={"accept": "text/html"}).text
        assert "When to stop" not in html
        # the test needs no model (as `evimap stop --sample`): the API still draws a sample
        drawn = _as(app, "olga").post(f"/r/prio/stop/{STAGE}/sample.json", json={"seed": 1})
        assert drawn.status_code == 200 and drawn.json()["drawn"] == drawn.json()["look_size"]
        assert review.prioritise.ordering(STAGE, member=review.team.member("ana"))["runner"] is None
    finally:
        review.close()


def test_rankers_and_the_stopping_panel_on_postgresql(tmp_path, postgres_url):
    from evimap.web import create_app
    from tests import pg

    review, ids = _open(tmp_path / "prio", db=pg.fresh_database(postgres_url, "evimap_webstop"))
    try:
        app = create_app([review])
        ana, olga = _as(app, "ana"), _as(app, "olga")
        assert ana.get(f"/r/prio/screen/{STAGE}.json").json()["ordering"]["runner"]["running"]
        for rid, decision in ((ids[0], "include"), (ids[4], "exclude")):
            answer = ana.post(
                f"/r/prio/screen/{STAGE}/decide.json",
                json={"record_id": rid, "decision": decision, "reason": "E1" * (rid == ids[4])},
            )
            assert answer.status_code == 200, answer.text
        runner = _runner(review, "ana")
        assert runner.wait_idle(600) and runner.error is None and runner.rankings >= 1
        page = ana.get(f"/r/prio/screen/{STAGE}.json").json()
        assert page["ordering"]["source"] == "ranking"
        assert _on_topic(ids, page["record"]["record_id"])
        drawn = olga.post(f"/r/prio/stop/{STAGE}/sample.json", json={"seed": 2}).json()
        panel = olga.get("/r/prio/dashboard.json").json()["stages"][0]["stopping"]
        assert panel["status"]["round"]["drawn"] == drawn["drawn"]
        assert panel["rankings"]["ana"]["training_size"] == 2
    finally:
        review.close()


def test_after_the_team_stops_the_pages_say_so(served):
    app, review, ids = served
    olga, ana = _as(app, "olga"), _as(app, "ana")
    answer = olga.post(
        f"/r/prio/stop/{STAGE}/decide.json", json={"decision": "stop", "why": "budget spent"}
    )
    assert answer.status_code == 200 and answer.json()["guarantee"] is False
    status = olga.get("/r/prio/dashboard.json").json()["stages"][0]["stopping"]["status"]
    assert status["state"] == "stopped" and status["decided"]["why"] == "budget spent"
    html = olga.get("/r/prio/dashboard", headers={"accept": "text/html"}).text
    assert "Screening stopped" in html and "Without the test's guarantee" in html
    assert "Stop screening this stage" not in html
    page = ana.get(f"/r/prio/screen/{STAGE}", headers={"accept": "text/html"}).text
    assert 'id="stopped"' in page and "budget spent" in page
