"""Metrics of an ordering, on hand-made orders whose values are worked out by hand."""

from __future__ import annotations

import pytest

from evimap.prioritise.metrics import atd, recall_curve, records_to_recall, rrf, summarise, wss


def test_wss_rrf_atd_of_a_hand_made_order():
    order = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]  # N = 10, R = 2: found after 1 and 3 records
    assert records_to_recall(order, 0.95) == 3
    assert wss(order, 0.95) == pytest.approx(7 / 10 - 0.05)
    assert wss(order, 1.0) == pytest.approx(0.7)
    assert rrf(order, 0.10) == pytest.approx(0.5)  # 1 of 2 after the first record
    assert atd(order) == pytest.approx((1 + 3) / 2 / 10)


def test_the_perfect_and_the_worst_order():
    best = [1] * 5 + [0] * 95
    worst = [0] * 95 + [1] * 5
    assert wss(best, 1.0) == pytest.approx(0.95)
    assert wss(worst, 1.0) == pytest.approx(0.0)
    assert rrf(best, 0.10) == 1.0 and rrf(worst, 0.10) == 0.0
    assert atd(best) == pytest.approx(3 / 100)
    # 95% of 5 relevant needs all 5: ceil(4.75)
    assert records_to_recall(worst, 0.95) == 100
    assert wss(worst, 0.95) == pytest.approx(-0.05)


def test_recall_reaches_95_percent_with_19_of_20():
    order = [1] * 19 + [0] * 80 + [1]  # the 20th relevant record is last
    assert records_to_recall(order, 0.95) == 19
    assert wss(order, 0.95) == pytest.approx(81 / 100 - 0.05)
    assert wss(order, 1.0) == pytest.approx(0.0)
    assert list(recall_curve([0, 1, 1])) == [0.0, 0.5, 1.0]


def test_rrf_rounds_the_screened_share_up():
    order = [0, 0, 1] + [0] * 12  # N = 15: 10% is 1.5 records, so 2 are screened
    assert rrf(order, 0.10) == 0.0
    assert rrf([0, 1] + [0] * 13, 0.10) == 1.0


def test_summary_of_an_order_without_relevant_records():
    metrics = summarise([0, 0, 0])
    assert metrics.relevant == 0 and metrics.atd == 0.0 and metrics.rrf10 == 0.0
