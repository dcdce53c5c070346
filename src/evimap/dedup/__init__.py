"""Deduplication across databases: exact passes, Splink linkage, clusters that keep every source.

``review.dedup`` (:class:`~evimap.dedup.component.Dedup`) runs it on a review; the modules
below it work on records in memory and know no store.
"""
