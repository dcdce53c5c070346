"""``review.prioritise``: the live side of the active-learning cycle, and stopping support.

**Rankings.** :meth:`Prioritise.rank` is the core: it learns from one reviewer's own current
decisions at a stage plus the records settled there (never a co-reviewer's unsettled decision:
blind stays blind), orders the records assigned to that reviewer which the training set does
not hold, and stores the ranking with the model and the training-set size behind it. The queue
(:meth:`evimap.prioritise.order.QueueOrder.apply`) reads the newest one. :class:`Runner` calls
:meth:`~Prioritise.rank` on a background thread after every ``retrain_every`` decisions, so a
decision never waits for a model; the terminal screen starts one, and a web app can hold one
per reviewer the same way. A model only ever orders records: nothing here writes a decision.

**Stopping.** :meth:`Prioritise.sample` draws (seeded, logged as ``prioritise.sample``) a random
order of the records nobody has screened and hands the team one look at a time; those records
go to the front of every queue. :meth:`Prioritise.stopping` tests the screened sample
(:mod:`evimap.prioritise.stopping`), reports the heuristic and the estimate of relevant records
still unseen, and :meth:`Prioritise.decide` logs the team's decision (``prioritise.stop``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from evimap.errors import PrioritiseError
from evimap.members import Member, writes
from evimap.prioritise import order as queue_order
from evimap.protocol.prioritise import PrioritiseSettings
from evimap.screening import ledger, units
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import NotPermitted
from evimap.store.events import EventLog
from evimap.store.models_prioritise import (
    RankingOrderRow,
    RankingRow,
    SampleRoundRow,
    ShownRow,
)

if TYPE_CHECKING:  # pragma: no cover
    from evimap.prioritise.cycle import ModelSpec
    from evimap.review import Review

RELEVANT = {"include": 1, "maybe": 1, "exclude": 0}
"""How decisions train the model: a maybe goes on, so it counts as relevant."""


@dataclass(frozen=True)
class RankingInfo:
    """A stored ranking, as its reviewer (or an owner) may see it."""

    id: int
    stage: str
    reviewer: str
    model: dict[str, Any]
    training_size: int
    training_relevant: int
    ranked: int
    seconds: float
    at: str

    @classmethod
    def of(cls, row: RankingRow) -> RankingInfo:
        """From its table row."""
        return cls(
            row.id,
            row.stage,
            row.reviewer,
            dict(row.model),
            row.training_size,
            row.training_relevant,
            row.ranked,
            row.seconds,
            row.at.isoformat(),
        )


def training_set(
    session: Session, config: ScreeningConfig, stage: str, reviewer: str
) -> dict[int, int]:
    """``record_id -> 1/0`` the reviewer's model may learn from: their own current decisions
    at ``stage`` and the settled records there (a settlement overrides their own call).

    Other reviewers' decisions enter only through settled records, which every team member
    may see; an unsettled call of a co-reviewer never does.
    """
    labels = {
        rid: RELEVANT[d.decision]
        for (rid, _), d in ledger.current_decisions(session, stage, reviewer=reviewer).items()
        if d.decision in RELEVANT
    }
    for rid, state in ledger.stage_states(session, config, stage).items():
        if state.status == "settled" and state.settlement is not None:
            value = RELEVANT.get(state.settlement.decision)
            if value is not None:
                labels[rid] = value
    return labels


class Prioritise:
    """Prioritisation and stopping of one review (``review.prioritise``).

    :param review: the open review.
    """

    def __init__(self, review: Review):
        self._review = review
        self._features: dict[tuple, Any] = {}
        self._lock = threading.Lock()
        self._worker = None  # the process the runners retrain in (started on first use)
        self._worker_args: tuple[str, str] = ("", "")  # the review's folder and store URL
        self._runners: dict[tuple[str, str], Runner] = {}
        self._queue_order = queue_order.QueueOrder()  # the stored orders, each read once

    @property
    def settings(self) -> PrioritiseSettings:
        """The ``[prioritise]`` section of review.toml."""
        return self._review.protocol.prioritise

    @property
    def enabled(self) -> bool:
        """True when review.toml turns prioritisation on."""
        return self.settings.enabled

    def spec(self) -> ModelSpec:
        """The model review.toml names (preset plus overrides)."""
        from evimap.prioritise.cycle import ModelSpec

        return ModelSpec.from_settings(self.settings)

    # -- rankings ---------------------------------------------------------------------------

    def _matrix(self, session: Session, spec: ModelSpec, ids: list[int]):
        """The feature matrix of ``ids`` (cached while the records and features are the same)."""
        from evimap.prioritise.cycle import ActiveLearningCycle
        from evimap.prioritise.features import record_document

        key = (spec.features, tuple(sorted(spec.feature_params.items())), tuple(ids))
        with self._lock:
            cached = self._features.get(key)
        if cached is not None:
            return cached
        records = units.unit_records(session, ids)
        X = ActiveLearningCycle(spec).features([record_document(records[i]) for i in ids])
        with self._lock:
            self._features = {key: X}
        return X

    @writes
    def rank(self, stage: str, *, member: Member) -> RankingInfo | None:
        """Retrain the reviewer's model and store the ranking of their records to screen.

        Returns None (and stores nothing) while the training set lacks a relevant or an
        irrelevant record: the queue keeps its assignment order until then.

        :param stage: ``title_abstract`` or ``full_text``.
        :param member: whose queue to rank (learned from their decisions only).
        :raises PrioritiseError: when review.toml does not enable prioritisation.
        """
        from evimap.prioritise.cycle import ActiveLearningCycle

        if not self.enabled:
            raise PrioritiseError(
                "prioritisation is off: set enabled = true under [prioritise] in review.toml"
            )
        name = self._review.team.require(member).name
        config = self._review.screening.config
        config.stage(stage)
        spec = self.spec()
        with self._review.store.read() as session:
            pool = ledger.stage_pool(session, config, stage, units.unit_ids(session))
            labels = training_set(session, config, stage, name)
            mine = [rid for rid, _ in ledger.assigned_to(session, stage, name)]
            todo = [rid for rid in mine if rid not in labels]
            known = [rid for rid in pool if rid in labels]
            y = np.asarray([labels[rid] for rid in known], dtype=np.int64)
            if not todo or len(set(y.tolist())) < 2:
                return None
            ids = sorted(set(pool) | set(todo))
            X = self._matrix(session, spec, ids)
        row_of = {rid: i for i, rid in enumerate(ids)}
        cycle = ActiveLearningCycle(spec, seed=self.settings.seed)
        ranking = cycle.rank(
            X,
            np.asarray([row_of[r] for r in known], dtype=np.int64),
            y,
            np.asarray([row_of[r] for r in todo], dtype=np.int64),
        )
        ordered = [ids[i] for i in ranking.order]
        with self._review.store.transaction() as session:
            row = RankingRow(
                stage=stage,
                reviewer=name,
                model=spec.to_dict(),
                training_size=ranking.training_size,
                training_relevant=ranking.relevant,
                ranked=len(ordered),
                seconds=ranking.seconds,
            )
            session.add(row)
            session.flush()
            older = select(RankingRow.id).where(
                RankingRow.stage == stage, RankingRow.reviewer == name
            )
            session.execute(delete(RankingOrderRow).where(RankingOrderRow.ranking_id.in_(older)))
            session.add(RankingOrderRow(ranking_id=row.id, record_ids=ordered))
            session.flush()
            return RankingInfo.of(row)

    @writes
    def rank_team(self, stage: str, *, member: Member) -> dict[str, RankingInfo | None]:
        """Rank every screener's queue (owner or arbiter), each from their own decisions.

        :param stage: the stage.
        :param member: the owner or arbiter asking.
        """
        member = self._review.team.require(member)
        if not member.privileged:
            raise NotPermitted("ranking the whole team's queues is for an owner or arbiter")
        with self._review.store.read() as session:
            names = sorted(
                {n for names in ledger.assignments(session, stage).values() for n in names}
            )
        team = self._review.team
        return {name: self.rank(stage, member=team.member(name)) for name in names}

    def latest(self, stage: str, *, member: Member | None = None, reviewer: str | None = None):
        """The newest ranking of ``reviewer`` (default: the viewer's own), or None.

        :param stage: the stage.
        :param member: the viewer; only an owner or arbiter may read another's (no one reads
            none).
        :param reviewer: whose ranking.
        """
        member = self._review.team.confirm(member)
        whose = reviewer or (member.name if member else None)
        if whose is None:
            return None
        if member is None or (whose != member.name and not member.privileged):
            raise NotPermitted(
                f"{member.name if member else 'no one'} may not see {whose}'s ranking"
            )
        with self._review.store.read() as session:
            row = session.scalars(
                select(RankingRow)
                .where(RankingRow.stage == stage, RankingRow.reviewer == whose)
                .order_by(RankingRow.id.desc())
                .limit(1)
            ).first()
            return RankingInfo.of(row) if row else None

    def _order(self, session: Session, stage: str, viewer: str, ids: list[int], first=()):
        """The queue hook: ``ids`` in prioritised order (see :meth:`order.QueueOrder.apply`)."""
        return self._queue_order.apply(session, stage, viewer, ids, first)

    def _lead(self, session: Session, stage: str, viewer: str):
        """The next-record hook: the records :meth:`_order` puts first after the pilot round
        (see :meth:`order.QueueOrder.lead`)."""
        return self._queue_order.lead(session, stage, viewer)

    def _note_shown(
        self, session: Session, stage: str, reviewer: str, record_id: int, decision_id: int
    ) -> None:
        """Record which ranking showed a decided record (in the decision's transaction)."""
        if not self.enabled:
            return
        shown = self._queue_order.shown(session, stage, reviewer, record_id)
        session.add(
            ShownRow(
                decision_id=decision_id,
                ranking_id=shown.ranking_id,
                position=shown.position,
                source=shown.source,
            )
        )
        session.flush()

    def shown(self, decision_id: int) -> dict[str, Any] | None:
        """Which ranking showed the record of a decision (None if none was recorded)."""
        with self._review.store.read() as session:
            row = session.scalars(
                select(ShownRow).where(ShownRow.decision_id == decision_id)
            ).first()
            if row is None:
                return None
            return {
                "decision_id": row.decision_id,
                "ranking_id": row.ranking_id,
                "position": row.position,
                "source": row.source,
            }

    # -- stopping -----------------------------------------------------------------------------

    @writes
    def sample(self, stage: str, *, member: Member, seed: int | None = None) -> dict[str, Any]:
        """Draw the next look of the stopping sample (starting a round if none is open).

        The records go to the front of every assigned reviewer's queue; the draw is logged as
        ``prioritise.sample`` with the records drawn and the seed.

        :param stage: the stage.
        :param member: the owner or arbiter drawing.
        :param seed: the round's seed (default: ``[prioritise] seed``).
        """
        from evimap.prioritise import rounds

        member = self._review.team.require(member)
        config = self._review.screening.config
        with self._review.store.transaction() as session:
            row = rounds.draw(session, config, self.settings, stage, member, seed)
            return {
                "round": row.id,
                "drawn": row.drawn,
                "look_size": row.look_size,
                "urn": len(row.record_ids),
                "record_ids": [int(r) for r in row.record_ids[: row.drawn]],
            }

    def stopping(self, stage: str, *, member: Member | None = None) -> StopStatus:
        """The stopping test, the heuristic and the estimate of relevant records unseen.

        :param stage: the stage.
        :param member: the viewer (a reviewer sees their own run of exclusions only; no one
            sees none).
        """
        from evimap.prioritise import rounds

        member = self._review.team.confirm(member)
        config = self._review.screening.config
        with self._review.store.read() as session:
            return rounds.status(session, config, self.settings, stage, member)

    @writes
    def decide(self, stage: str, decision: str, *, member: Member, why: str = "") -> dict[str, Any]:
        """Log the team's decision to ``stop`` or ``continue`` screening a stage, with the test,
        the heuristic and the estimate at that moment (``prioritise.stop``).

        :param stage: the stage.
        :param decision: ``stop`` or ``continue``.
        :param member: the owner or arbiter deciding.
        :param why: the reasons in words.
        """
        from evimap.prioritise import rounds

        member = self._review.team.require(member)
        config = self._review.screening.config
        with self._review.store.transaction() as session:
            return rounds.decide(
                session,
                config,
                self.settings,
                stage,
                decision,
                member,
                why,
            )

    def decisions(self, stage: str, *, member: Member | None = None) -> list[dict[str, Any]]:
        """The team's decisions to stop (or go on) screening ``stage``, oldest first
        (:func:`~evimap.prioritise.rounds.stop_decisions`; the log every member reads).

        :param stage: the stage.
        :param member: the viewer.
        """
        from evimap.prioritise import rounds

        self._review.team.confirm(member)
        with self._review.store.read() as session:
            return rounds.stop_decisions(session, stage)

    def rankings(self, stage: str, *, member: Member | None = None) -> dict[str, Any]:
        """The newest ranking behind each queue ``member`` may see, by reviewer (None where
        the queue is still in assignment order): every screener's for an owner or arbiter,
        their own for a reviewer, none for no one.

        :param stage: the stage.
        :param member: the viewer.
        """
        member = self._review.team.confirm(member)
        if member is None:
            return {}
        names = self._review.screening.config.screeners if member.privileged else [member.name]
        out: dict[str, Any] = {}
        for name in names:
            info = self.latest(stage, member=member, reviewer=name)
            out[name] = None if info is None else info.__dict__
        return out

    # -- background ---------------------------------------------------------------------------

    @writes
    def start(self, stage: str, *, member: Member) -> Runner:
        """Start (or return) the background runner of one reviewer's queue.

        :param stage: the stage.
        :param member: the reviewer.
        """
        member = self._review.team.require(member)
        key = (stage, member.name)
        runner = self._runners.get(key)
        if runner is None or not runner.alive:
            runner = Runner(self, stage, member, self.settings.retrain_every)
            runner.start()
            self._runners[key] = runner
        return runner

    @writes
    def serve(self, stage: str, *, member: Member) -> Runner | None:
        """Keep ``member``'s queue at ``stage`` ranked in the background while a long-lived
        process serves them (the web app, the terminal screen): starts their runner once and
        returns it; None while prioritisation is off. Cheap to call on every request.

        :param stage: the stage.
        :param member: the reviewer being served.
        """
        if not self.enabled:
            return None
        runner = self._runners.get((stage, member.name))
        if runner is not None and runner.alive:
            return runner
        return self.start(stage, member=member)

    def ordering(self, stage: str, *, member: Member | None = None) -> dict[str, Any]:
        """How ``member``'s queue at ``stage`` is ordered now, for a screen to say so: records
        drawn for the stopping test first (``sample_next``: how many lead it), then their
        newest ranking (model, training set, when) or, until the model has one relevant and
        one irrelevant record of theirs, assignment order; their background runner's state;
        and the team's decision to stop, if that is the latest word on the stage.

        :param stage: the stage.
        :param member: the viewer (no one sees nothing but whether prioritisation is on).
        """
        from evimap.prioritise import rounds

        member = self._review.team.confirm(member)
        out: dict[str, Any] = {
            "enabled": self.enabled,
            "model": self.spec().describe() if self.enabled else None,
            "source": "assignment",
            "ranking": None,
            "runner": None,
            "sample_next": 0,
            "stopped": None,
        }
        if member is None:
            return out
        with self._review.store.read() as session:
            drawn = set(self._queue_order.sampled(session, stage))
            last = rounds.last_decision(session, stage)
        if last is not None and last["decision"] == "stop" and not drawn:
            out["stopped"] = last
        if drawn:  # the records drawn for the stopping test lead the queue
            todo = self._review.screening.queue(stage, member=member)
            out["sample_next"] = next(
                (i for i, rid in enumerate(todo) if rid not in drawn), len(todo)
            )
        if not self.enabled:
            return out
        info = self.latest(stage, member=member)
        if info is not None:
            out["ranking"] = info.__dict__
        if out["sample_next"]:
            out["source"] = "sample"
        elif info is not None:
            out["source"] = "ranking"
        runner = self._runners.get((stage, member.name))
        if runner is not None:
            out["runner"] = {
                "running": runner.alive,
                "busy": runner.busy,
                "retrains": runner.rankings,
                "pending": runner.pending,
                "every": runner.every,
                "error": None if runner.error is None else str(runner.error),
            }
        return out

    @writes
    def rank_in_worker(self, stage: str, *, member: Member) -> RankingInfo | None:
        """:meth:`rank` in the review's worker process, one retrain at a time: what the
        background runners call. A retrain is processor work that holds the interpreter; in
        the web app's own process it slowed every request while it ran (``benchmarks/
        web_load.py --prioritise``: 20 reviewers, 12,000 records, p95 27 ms without
        prioritisation, 1.1 s with retrains in threads; twenty at once, each building the same
        feature matrix, 40 s). In a process of its own, one retrain at a time, it takes the
        other core and leaves the app's interpreter alone. The worker opens the review once
        (store, protocol, feature matrix) and keeps it.

        :param stage: the stage.
        :param member: whose queue.
        """
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        review = self._review
        with self._lock:
            if self._worker is None:
                _tracker_running()
                self._worker = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
                url = review.store.engine.url.render_as_string(hide_password=False)
                self._worker_args = (str(review.folder), url)
            worker, (folder, url) = self._worker, self._worker_args
        return worker.submit(type(review).rank_in_worker, folder, url, stage, member).result()

    def _after_decision(self, stage: str, reviewer: str) -> None:
        """Tell the reviewer's runner (if one runs) that a decision was made; never waits."""
        runner = self._runners.get((stage, reviewer))
        if runner is not None:
            runner.notify()

    def stop_runners(self) -> None:
        """Stop every background runner (the review is closing)."""
        for runner in list(self._runners.values()):
            runner.stop()
        self._runners.clear()
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown(wait=True, cancel_futures=True)


class Runner:
    """Retrains one reviewer's ranking from a background thread, in the review's worker
    process (:meth:`Prioritise.rank_in_worker`).

    :meth:`notify` only counts and, every ``every`` decisions, wakes the thread: it returns at
    once, so a decision never waits for a model. The thread ranks once at start, then each time
    it is woken; errors are kept in :attr:`error` (the queue then keeps its last order).

    :param prioritise: the review's component.
    :param stage: the stage.
    :param member: whose queue.
    :param every: decisions between retrains.
    """

    def __init__(self, prioritise: Prioritise, stage: str, member: Member, every: int):
        self.prioritise = prioritise
        self.stage = stage
        self.member = member
        self.reviewer = member.name
        self.every = every
        self.error: Exception | None = None
        self.rankings = 0
        self._pending = 0
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"evimap-rank-{member.name}", daemon=True
        )
        self._wake.set()  # rank once at start

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()

    @property
    def busy(self) -> bool:
        """True while a retrain is due or running."""
        return not self._idle.is_set()

    @property
    def pending(self) -> int:
        """Decisions counted since the last wake-up (a retrain comes at :attr:`every`)."""
        return self._pending

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def notify(self, force: bool = False) -> None:
        """Count one decision; wake the thread every ``every`` decisions (or now, if forced)."""
        self._pending += 1
        if force or self._pending >= self.every:
            self._pending = 0
            self._idle.clear()
            self._wake.set()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until the thread has no retrain to do (tests and shutdown use it)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread after its current retrain."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                break
            self._wake.clear()
            try:
                ranked = self.prioritise.rank_in_worker(self.stage, member=self.member)
                if ranked is not None:
                    self.rankings += 1
                self.error = None
            except Exception as exc:  # kept for the caller; the queue keeps its last order
                self.error = exc
            if not self._wake.is_set():
                self._idle.set()


@dataclass
class StopStatus:
    """Everything the team needs to decide whether to stop screening a stage.

    :param stage: the stage.
    :param total: records at the stage.
    :param screened: records settled.
    :param relevant: records settled as relevant (include, or maybe).
    :param unseen: records nobody has decided yet.
    :param round: the open sampling round (id, seed, urn, drawn, look size), if any.
    :param test: the stopping test on the round's screened sample, if any.
    :param heuristic: each visible reviewer's run of exclusions in a row, and the threshold.
    :param pending: records decided but not settled (None for a reviewer: the lead's to see).
    :param state: where the team stands: ``no_sample``, ``screen_look``, ``draw_next``,
        ``all_drawn``, ``settle_pending``, ``may_stop`` or ``stopped``
        (:data:`evimap.prioritise.rounds.ADVICE` says each in words, in :attr:`advice`).
    :param next_look: records the next draw would add (the first look's size before a round).
    :param decided: the team's latest decision on the stage, if any.
    """

    stage: str
    total: int
    screened: int
    relevant: int
    unseen: int
    round: dict[str, Any] | None = None
    test: dict[str, Any] | None = None
    heuristic: dict[str, Any] = field(default_factory=dict)
    pending: int | None = None
    state: str = "no_sample"
    advice: str = ""
    next_look: int = 0
    decided: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "stage": self.stage,
            "total": self.total,
            "screened": self.screened,
            "relevant": self.relevant,
            "unseen": self.unseen,
            "pending": self.pending,
            "state": self.state,
            "advice": self.advice,
            "next_look": self.next_look,
            "decided": self.decided,
            "round": self.round,
            "test": self.test,
            "heuristic": self.heuristic,
        }


def _tracker_running() -> None:
    """Start multiprocessing's resource tracker (the worker process needs it) with a real
    standard error. The tracker hands its process ``sys.stderr``'s descriptor; a screen that
    captures standard error (the terminal screen: Textual's capture says -1) made the launch
    fail, so the terminal screen's queue was never ranked."""
    import contextlib
    import os
    import sys
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr is None or sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = True  # the tracker passes no descriptor then, which it handles
    if usable:
        resource_tracker.ensure_running()
        return
    with contextlib.ExitStack() as stack:
        real = sys.__stderr__ or stack.enter_context(open(os.devnull, "w"))
        stack.enter_context(contextlib.redirect_stderr(real))
        resource_tracker.ensure_running()


def open_round(session: Session, stage: str) -> SampleRoundRow | None:
    """The stage's open sampling round, if any."""
    return session.scalars(
        select(SampleRoundRow)
        .where(SampleRoundRow.stage == stage, SampleRoundRow.closed.is_(False))
        .order_by(SampleRoundRow.id.desc())
        .limit(1)
    ).first()


def log_event(session: Session, kind: str, actor: str, stage: str, **details: Any) -> None:
    """Append a ``prioritise.*`` event."""
    EventLog.append(
        session, kind, actor=actor, subject=f"stage:{stage}", details={"stage": stage, **details}
    )
