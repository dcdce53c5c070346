"""Screening: two stages, blind reviewers, conflicts, arbitration, agreement, full texts.

Use it through ``review.screening`` (:class:`evimap.screening.component.Screening`).
"""
