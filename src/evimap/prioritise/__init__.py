"""Screening prioritisation: active learning orders each reviewer's queue, and stopping rules
tell the team, with a stated guarantee, when screening may stop.

Parts: :mod:`.features` (TF-IDF, embeddings), :mod:`.models` (classifiers, balance, queries),
:mod:`.cycle` (the active-learning cycle), :mod:`.simulate` and :mod:`.metrics` (simulations
with labels as the oracle), :mod:`.stopping` and :mod:`.stopsim` (the stopping test, the
heuristic, the estimate), :mod:`.live` (rankings of the live queues, the background runner,
sampling rounds). Modules import scikit-learn lazily so ``evimap --help`` stays fast.
"""
