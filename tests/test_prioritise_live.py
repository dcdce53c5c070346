"""The live queue: rankings learned from a reviewer's own decisions, blind to co-reviewers'
unsettled ones; decisions record the ranking that showed them; the background runner; the
stopping sample and the team's decision. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from evimap.prioritise.features import PrioritiseError
from evimap.records import Record
from evimap.review import Review
from evimap.screening.errors import NotPermitted
from evimap.store.models_screening import DecisionRow
from tests.screening_support import TEAM, add_records, new_db, write_review  # noqa: F401

PRIORITISE = """
[prioritise]
enabled = true
retrain_every = 2

[prioritise.stopping]
recall_target = 0.9
confidence = 0.9
heuristic_run = 5
"""

ON_TOPIC = [
    "Repairing alliance ruptures in psychotherapy: a process study",
    "Therapeutic alliance rupture and repair episodes in brief therapy",
    "Rupture resolution training for therapists and the working alliance",
    "Withdrawal and confrontation ruptures in the therapeutic alliance",
    "Alliance repair after ruptures predicts outcome in psychotherapy",
    "Metacommunication about alliance ruptures in cognitive therapy",
]
OFF_TOPIC = [
    "Liver enzyme activity in rats fed a high fat diet",
    "Soil nitrogen and wheat yield under drought",
    "Corrosion of steel bridges in coastal climates",
    "Deep learning for traffic sign recognition in cars",
    "Enzyme kinetics of bacterial lipases at high temperature",
    "Wheat rust resistance genes mapped in durum lines",
]


def _records(copies: int = 3) -> list[Record]:
    out = []
    for c in range(copies):
        for i, title in enumerate(ON_TOPIC + OFF_TOPIC):
            out.append(
                Record(
                    title=f"{title} ({c})",
                    abstract=title.lower() + " " + ("alliance rupture" if i < 6 else "field data"),
                    year=2000 + c,
                    source_record_id=f"S{c}-{i}",
                    line=c * 100 + i,
                )
            )
    return out


@pytest.fixture
def review(tmp_path, new_db):  # noqa: F811
    folder = write_review(tmp_path / "r")
    (folder / "review.toml").write_text(
        (folder / "review.toml").read_text(encoding="utf-8") + PRIORITISE, encoding="utf-8"
    )
    opened = Review.open(folder, db=new_db())
    ids = add_records(opened, _records())
    opened.screening.assign("title_abstract", member=TEAM["O"])
    opened.ids = ids
    yield opened
    opened.close()


def _topic(review: Review, rid: int) -> bool:
    return review.ids.index(rid) % 12 < 6


def _decide(review: Review, who: str, rids: list[int]) -> None:
    for rid in rids:
        decision = "include" if _topic(review, rid) else "exclude"
        review.screening.decide("title_abstract", rid, decision, member=TEAM[who])


def _decisions(review: Review) -> int:
    with review.store.read() as session:
        return session.scalar(select(func.count()).select_from(DecisionRow))


def test_no_ranking_until_both_kinds_of_label_then_relevant_records_come_first(review):
    stage = "title_abstract"
    before = review.screening.queue(stage, member=TEAM["A"])
    assert review.prioritise.rank(stage, member=TEAM["A"]) is None  # nothing learned yet
    _decide(review, "A", [review.ids[0], review.ids[6]])  # one on topic, one off
    info = review.prioritise.rank(stage, member=TEAM["A"])
    assert info is not None and info.training_size == 2 and info.training_relevant == 1
    queue = review.screening.queue(stage, member=TEAM["A"])
    assert sorted(queue) == sorted(set(before) - {review.ids[0], review.ids[6]})
    top = queue[: len(queue) // 2]
    assert sum(_topic(review, rid) for rid in top) >= len(top) - 2


def test_the_ranking_changes_after_labels_arrive(review):
    stage = "title_abstract"
    _decide(review, "A", [review.ids[0], review.ids[6]])
    first = review.prioritise.rank(stage, member=TEAM["A"])
    order_one = review.screening.queue(stage, member=TEAM["A"])
    wheat = review.ids[11]  # "Wheat rust resistance genes": off topic, but A includes it
    review.screening.decide(stage, wheat, "include", member=TEAM["A"])
    second = review.prioritise.rank(stage, member=TEAM["A"])
    order_two = review.screening.queue(stage, member=TEAM["A"])
    assert second.id != first.id and second.training_size == first.training_size + 1
    assert set(order_two) == set(order_one) - {wheat}
    copy = review.ids[11 + 12]  # another wheat-rust record rises
    assert order_two.index(copy) < order_one.index(copy)


def test_a_co_reviewers_unsettled_decisions_do_not_change_my_order(review):
    stage = "title_abstract"
    _decide(review, "A", [review.ids[0], review.ids[6], review.ids[1]])
    review.prioritise.rank(stage, member=TEAM["A"])
    mine = review.screening.queue(stage, member=TEAM["A"])
    size = review.prioritise.latest(stage, member=TEAM["A"]).training_size
    # B decides many records A has not: none is settled (A has not decided them)
    _decide(review, "B", [r for r in review.ids if r not in (review.ids[0], review.ids[6])][:14])
    again = review.prioritise.rank(stage, member=TEAM["A"])
    assert again.training_size == size
    assert review.screening.queue(stage, member=TEAM["A"]) == mine


def test_settled_records_do_train_every_reviewer(review):
    stage = "title_abstract"
    _decide(review, "A", [review.ids[0], review.ids[6]])
    _decide(review, "B", [review.ids[0], review.ids[6], review.ids[7]])  # 0 and 6 now settled
    info = review.prioritise.rank(stage, member=TEAM["B"])
    assert info.training_size == 3
    # A learns from the two settled records and their own two decisions (the same records)
    assert review.prioritise.rank(stage, member=TEAM["A"]).training_size == 2


def test_a_decision_records_the_ranking_that_showed_it(review):
    stage = "title_abstract"
    _decide(review, "A", [review.ids[0], review.ids[6]])
    info = review.prioritise.rank(stage, member=TEAM["A"])
    first = review.screening.queue(stage, member=TEAM["A"])[0]
    done = review.screening.decide(stage, first, "include", member=TEAM["A"])
    assert review.prioritise.shown(done.id) == {
        "decision_id": done.id,
        "ranking_id": info.id,
        "position": 1,
        "source": "ranking",
    }
    with review.store.read() as session:
        model = session.execute(
            text("SELECT model FROM prioritise_rankings WHERE id = :id"), {"id": info.id}
        ).scalar()
    assert "svm" in str(model)


def test_the_model_never_decides_a_record(review):
    stage = "title_abstract"
    _decide(review, "A", [review.ids[0], review.ids[6]])
    _decide(review, "B", [review.ids[0], review.ids[6]])
    count = _decisions(review)
    review.prioritise.rank_team(stage, member=TEAM["O"])
    runner = review.prioritise.start(stage, member=TEAM["A"])
    runner.notify(force=True)
    assert runner.wait_idle(600)
    review.prioritise.sample(stage, member=TEAM["O"])
    review.prioritise.decide(stage, "stop", member=TEAM["O"], why="test")
    assert _decisions(review) == count
    with review.store.read() as session:
        reviewers = {r for (r,) in session.execute(select(DecisionRow.reviewer).distinct())}
    assert reviewers == {"A", "B"}
    unseen = review.prioritise.stopping(stage, member=TEAM["O"]).unseen
    assert unseen == len(review.ids) - 2  # left unscreened, never excluded


def test_the_background_runner_retrains_after_a_batch_of_decisions(review):
    stage = "title_abstract"
    _decide(review, "A", [review.ids[0], review.ids[6]])
    runner = review.prioritise.start(stage, member=TEAM["A"])
    assert runner.wait_idle(600) and runner.error is None
    first = review.prioritise.latest(stage, member=TEAM["A"])
    queue = review.screening.queue(stage, member=TEAM["A"])
    _decide(review, "A", queue[:2])  # retrain_every = 2: the second wakes the runner
    assert runner.wait_idle(600) and runner.error is None
    assert review.prioritise.latest(stage, member=TEAM["A"]).id > first.id
    assert runner.rankings >= 2


def test_only_the_lead_draws_samples_and_decides(review):
    with pytest.raises(NotPermitted):
        review.prioritise.sample("title_abstract", member=TEAM["A"])
    with pytest.raises(NotPermitted):
        review.prioritise.decide("title_abstract", "stop", member=TEAM["A"])
    with pytest.raises(NotPermitted):
        review.prioritise.latest("title_abstract", member=TEAM["A"], reviewer="B")


def test_sampled_records_come_first_and_the_test_reads_them_once_settled(review):
    stage = "title_abstract"
    _decide(review, "A", [review.ids[0], review.ids[6]])
    _decide(review, "B", [review.ids[0], review.ids[6]])
    drawn = review.prioritise.sample(stage, member=TEAM["O"], seed=3)
    assert drawn["urn"] == len(review.ids) - 2 and drawn["drawn"] == drawn["look_size"]
    sample = drawn["record_ids"]
    assert review.screening.queue(stage, member=TEAM["A"])[: len(sample)] == sample
    status = review.prioritise.stopping(stage, member=TEAM["O"])
    assert status.test["sample_size"] == 0 and status.test["reject"] is False
    _decide(review, "A", sample)
    _decide(review, "B", sample)
    status = review.prioritise.stopping(stage, member=TEAM["O"])
    assert status.round["screened"] == len(sample)
    assert status.test["sample_size"] == len(sample)
    assert status.test["sample_relevant"] == sum(_topic(review, r) for r in sample)
    events = review.events.read(kind="prioritise.sample")
    assert events[-1].details["record_ids"] == sample and events[-1].details["seed"] == 3
    decided = review.prioritise.decide(stage, "continue", member=TEAM["O"], why="not yet")
    assert decided["decision"] == "continue"
    stop = review.events.read(kind="prioritise.stop")[-1]
    assert stop.why == "not yet" and stop.details["test"]["sample_size"] == len(sample)
    assert "runs" not in stop.details["heuristic"]  # the log is read by blind reviewers too


def test_a_reviewer_sees_only_their_own_heuristic_run(review):
    _decide(review, "A", [review.ids[6], review.ids[7]])
    _decide(review, "B", [review.ids[8]])
    mine = review.prioritise.stopping("title_abstract", member=TEAM["A"]).heuristic
    assert mine["runs"] == {"A": 2}
    lead = review.prioritise.stopping("title_abstract", member=TEAM["O"]).heuristic
    assert lead["runs"] == {"A": 2, "B": 1}


def test_ranking_needs_prioritisation_enabled(tmp_path, new_db):  # noqa: F811
    folder = write_review(tmp_path / "off")
    with (
        Review.open(folder, db=new_db()) as review,
        pytest.raises(PrioritiseError, match="enabled = true"),
    ):
        review.prioritise.rank("title_abstract", member=TEAM["A"])


def test_the_prioritise_migration_goes_down_and_up(review):
    store = review.store
    store.downgrade("prioritise@-1")
    assert "0009_prioritise" not in store.revisions()
    with store.read() as session:
        assert session.execute(text("SELECT count(*) FROM screening_decisions")).scalar() == 0
    store.upgrade()
    assert "0009_prioritise" in store.revisions()
    with store.read() as session:
        assert session.execute(text("SELECT count(*) FROM prioritise_rankings")).scalar() == 0


def test_the_test_says_stop_only_once_every_decided_record_is_settled(review):
    stage = "title_abstract"
    lead = TEAM["O"]
    on = [r for r in review.ids if _topic(review, r)]
    off = [r for r in review.ids if not _topic(review, r)]
    _decide(review, "A", on)
    _decide(review, "B", on)
    status = review.prioritise.stopping(stage, member=lead)
    assert (status.state, status.pending, status.unseen) == ("no_sample", 0, len(off))
    # r_AL = 18 at 90%: K_tar = 3 of 18 unseen; no relevant in 11 draws rejects at look 1
    assert status.next_look == 11
    drawn = review.prioritise.sample(stage, member=lead, seed=1)
    assert drawn["look_size"] == 11
    assert review.prioritise.stopping(stage, member=lead).state == "screen_look"
    _decide(review, "A", drawn["record_ids"])
    _decide(review, "B", drawn["record_ids"])
    status = review.prioritise.stopping(stage, member=lead)
    assert status.test["reject"] and status.state == "may_stop" and status.pending == 0
    # one more record decided by one reviewer only: the guarantee does not cover it yet
    extra = next(r for r in off if r not in drawn["record_ids"])
    _decide(review, "A", [extra])
    status = review.prioritise.stopping(stage, member=lead)
    assert (status.state, status.pending) == ("settle_pending", 1)
    assert "settle them before stopping" in status.advice
    assert review.prioritise.stopping(stage, member=TEAM["A"]).pending is None  # the lead's
    _decide(review, "B", [extra])
    assert review.prioritise.stopping(stage, member=lead).state == "may_stop"
    decided = review.prioritise.decide(stage, "stop", member=lead, why="test rejects")
    assert decided["guarantee"] is True and decided["pending"] == 0
    status = review.prioritise.stopping(stage, member=lead)
    assert status.state == "stopped" and status.round is None
    assert status.decided["look"] == 1 and status.decided["guarantee"] is True
    assert review.prioritise.ordering(stage, member=TEAM["A"])["stopped"]["by"] == "O"
