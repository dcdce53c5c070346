"""When may screening stop? A test with a stated guarantee, a heuristic, and an estimate.

**The test** is Callaghan & Müller-Hansen (2020), "Statistical stopping criteria for automated
screening in systematic reviews", Systematic Reviews 9:273. After ``N_AL`` records were screened
in the model's order with ``r_AL`` relevant among them, draw records at random from the
``M = N - N_AL`` not yet seen (the urn). With ``k`` relevant among ``n`` drawn, recall would be
below the target ``t`` only if the urn held at least

    K_tar = floor((r_AL + k) / t - r_AL + 1)

relevant records. The null hypothesis "recall < t" is rejected when the hypergeometric
probability of seeing ``k`` or fewer relevant records in ``n`` draws from an urn of ``M`` with
``K_tar`` relevant is below ``1 - confidence`` (the p-value; it is largest at ``K = K_tar``, so
it bounds every ``K`` of the null). ``k_target`` is computed with exact fractions, so no float
rounding can move the floor.

*Checked against buscarpy 0.0.2* (``calculate_h0``, the authors' package): its ``k_hat`` and
p-value are this formula (``urns.cumsum()`` is ``k``; ``r_seen - urns.cumsum()`` is ``r_AL``;
``N - (len - urn_size)`` is ``M``). buscarpy treats every tail of the screened sequence as if it
were a random sample and takes the smallest p-value: that is the paper's "ranked
quasi-sampling", conservative only if the model found relevant records faster than random
draws would, and with no guarantee against the many looks. Where an urn is too small to hold
``K_tar`` relevant records scipy gives NaN and buscarpy's ``min`` can return it (40 relevant
seen, one record left: NaN; here 0, as the null is impossible). On its published example
(``generate_dataset(random_seed=12345)``, 10,000 and 12,000 seen) :func:`ranked_p_value` gives
buscarpy's p-values (0.1098 and 0.0094). evimap's rule tests a real
random sample (the records are drawn by evimap, seeded, and logged), and
:func:`ranked_p_value` keeps the quasi-sampling variant for comparison only.

**Looks.** A p-value is exact for one test of a sample of fixed size. The team may look more
than once, so evimap looks at fixed sample sizes ``n_1, 2 n_1, 3 n_1, ...`` (``n_1`` is the
smallest sample that rejects if it holds no relevant record) and spends the error over the
looks: look ``j`` rejects at ``alpha_j = alpha * 6 / (pi^2 j^2)``, which sums to ``alpha``. By
the union bound the chance of stopping below the target is at most ``alpha = 1 - confidence``,
however many looks are made. The paper's own practice, a test after every drawn record at the
full ``alpha``, is kept as ``looks="every"`` for the benchmark.

**The heuristic** "stop after ``N`` irrelevant records in a row" has no guarantee: its recall
depends on the set, the model and luck. It is reported, labelled as such.

**The estimate** of relevant records still unseen is ``k / n * M - k``, with an exact
(Clopper-Pearson-style) interval for the urn's relevant count from the hypergeometric
distribution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np
from scipy.stats import hypergeom

from evimap.errors import PrioritiseError


def k_target(r_seen: int, r_before: int, target: float) -> int:
    """The fewest relevant records the urn must hold for recall to be below ``target``.

    :param r_seen: relevant records seen in all (before the sample and in it).
    :param r_before: relevant records seen before the sample was drawn.
    :param target: the recall target, e.g. 0.95.
    """
    exact = Fraction(r_seen) / Fraction(str(target)) - r_before + 1
    return math.floor(exact)


def p_value(urn: int, r_before: int, sample: Sequence[int], target: float) -> float:
    """The p-value of "recall is below ``target``" from a random sample of the urn.

    :param urn: records not yet seen when the sample was drawn (``M``).
    :param r_before: relevant records seen before the sample (``r_AL``).
    :param sample: labels (1/0) of the records drawn, in any order.
    :param target: the recall target.
    """
    n = len(sample)
    k = int(sum(sample))
    if n == 0:
        return 1.0
    if n > urn:
        raise PrioritiseError(f"a sample of {n} from an urn of {urn} records")
    needed = k_target(r_before + k, r_before, target)
    if needed > urn:
        return 0.0  # so many relevant records cannot be left: recall meets the target
    if n == urn:
        return 0.0 if k < needed else 1.0  # everything was screened: no uncertainty
    return float(min(1.0, hypergeom.cdf(k, urn, needed, n)))


def ranked_p_value(labels: Sequence[int], total: int, target: float) -> float:
    """The paper's ranked quasi-sampling (buscarpy's ``calculate_h0``), for comparison only.

    Every tail of the screened sequence is treated as a random sample of what was unseen before
    it, and the smallest p-value is returned. No guarantee: see the module notes.

    :param labels: 1/0 of every screened record, in screening order.
    :param total: records in the whole set (``N``).
    :param target: the recall target.
    """
    values = [int(v) for v in labels]
    seen = len(values)
    if seen == 0:
        return 1.0
    r_seen = sum(values)
    best = 1.0
    k = 0
    for size, label in enumerate(reversed(values), start=1):
        k += label
        urn = total - (seen - size)
        best = min(best, p_value(urn, r_seen - k, [1] * k + [0] * (size - k), target))
    return best


def first_look_size(urn: int, r_before: int, target: float, alpha: float) -> int:
    """The smallest sample that rejects "recall < target" at ``alpha`` if it holds no relevant
    record (at least 1; the whole urn when nothing smaller does).

    :param urn: records not yet seen.
    :param r_before: relevant records seen.
    :param target: the recall target.
    :param alpha: 1 - confidence (of the first look).
    """
    low, high = 1, max(urn, 1)
    if p_value(urn, r_before, [0] * high, target) >= alpha:
        return high
    while low < high:
        mid = (low + high) // 2
        if p_value(urn, r_before, [0] * mid, target) < alpha:
            high = mid
        else:
            low = mid + 1
    return low


def look_alpha(alpha: float, look: int) -> float:
    """The error spent at look ``look`` (1-based): ``alpha * 6 / (pi^2 look^2)``; they sum to
    ``alpha``.

    :param alpha: 1 - confidence.
    :param look: the look's number.
    """
    return alpha * 6.0 / (math.pi**2 * look**2)


def remaining_estimate(
    urn: int, sample: Sequence[int], confidence: float
) -> tuple[float | None, int, int]:
    """Relevant records still unseen outside the sample: estimate and exact interval.

    :param urn: records not seen when the sample was drawn.
    :param sample: labels of the sample.
    :param confidence: the two-sided interval's level.
    :returns: ``(estimate, low, high)`` of relevant records in the urn not in the sample; the
        estimate is None before anything was sampled (JSON has no NaN).
    """
    n = len(sample)
    k = int(sum(sample))
    if n == 0:
        return None, 0, urn
    if n >= urn:
        return 0.0, 0, 0
    alpha = 1 - confidence
    counts = np.arange(k, urn - (n - k) + 1)
    upper_tail = hypergeom.sf(k - 1, urn, counts, n)  # P(X >= k | K)
    lower_tail = hypergeom.cdf(k, urn, counts, n)  # P(X <= k | K)
    plausible = counts[(upper_tail > alpha / 2) & (lower_tail > alpha / 2)]
    low = int(plausible.min()) if len(plausible) else k
    high = int(plausible.max()) if len(plausible) else k
    return k / n * urn - k, low - k, high - k


def irrelevant_run(labels: Sequence[int]) -> int:
    """How many irrelevant records end the screened sequence (the heuristic's count).

    :param labels: 1/0 in screening order.
    """
    run = 0
    for label in reversed(list(labels)):
        if label:
            break
        run += 1
    return run


@dataclass(frozen=True)
class TestResult:
    """The stopping test on a round's sample as it stands.

    :param total: records at the stage (``N``).
    :param urn: records unseen when the round began (``M``).
    :param relevant_before: relevant records seen before the round (``r_AL``).
    :param sample_size: sampled records screened and used (``n``: the last full look).
    :param sample_relevant: relevant among them (``k``).
    :param look: the number of the look tested (0: no look complete yet).
    :param look_size: records per look (``n_1``).
    :param k_target: relevant records the urn must hold for recall to miss the target.
    :param p_value: the p-value of "recall is below the target".
    :param alpha: the error this look may spend.
    :param reject: the null is rejected: the team may stop with the stated guarantee.
    :param remaining: estimated relevant records still unseen.
    :param remaining_low: low end of its interval.
    :param remaining_high: high end of its interval.
    :param recall_target: the target.
    :param confidence: the confidence.
    """

    total: int
    urn: int
    relevant_before: int
    sample_size: int
    sample_relevant: int
    look: int
    look_size: int
    k_target: int
    p_value: float
    alpha: float
    reject: bool
    remaining: float | None
    remaining_low: int
    remaining_high: int
    recall_target: float
    confidence: float

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def check_sample(
    total: int,
    urn: int,
    relevant_before: int,
    sample: Sequence[int],
    look_size: int,
    target: float,
    confidence: float,
) -> TestResult:
    """The test at the last complete look of a round's sample.

    :param total: records at the stage.
    :param urn: records unseen when the round began.
    :param relevant_before: relevant records seen before the round.
    :param sample: labels of the sampled records screened so far, in the drawn order (a
        prefix of the round's random permutation).
    :param look_size: records per look.
    :param target: the recall target.
    :param confidence: the confidence level.
    """
    alpha = 1 - confidence
    looks = len(sample) // look_size if look_size else 0
    if len(sample) >= urn and urn > 0:
        looks = max(looks, math.ceil(urn / look_size))
    used = list(sample[: min(len(sample), looks * look_size, urn)])
    k = int(sum(used))
    spent = look_alpha(alpha, looks) if looks else alpha
    p = p_value(urn, relevant_before, used, target) if looks else 1.0
    estimate, low, high = remaining_estimate(urn, used, confidence)
    return TestResult(
        total=total,
        urn=urn,
        relevant_before=relevant_before,
        sample_size=len(used),
        sample_relevant=k,
        look=looks,
        look_size=look_size,
        k_target=k_target(relevant_before + k, relevant_before, target),
        p_value=p,
        alpha=spent,
        reject=bool(looks and p < spent),
        remaining=estimate,
        remaining_low=low,
        remaining_high=high,
        recall_target=target,
        confidence=confidence,
    )
