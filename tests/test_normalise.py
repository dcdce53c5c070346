"""Normalisers shared by all importers."""

from __future__ import annotations

import pytest

from evimap.numbers import n_of, percent
from evimap.records.normalise import (
    clean_text,
    normalise_doi,
    normalise_issn,
    normalise_pages,
    normalise_year,
    parse_author,
    split_list,
)


@pytest.mark.parametrize(
    ("raw", "doi"),
    [
        ("10.1037/INT0000097", "10.1037/int0000097"),
        ("https://doi.org/10.1080/10503307.2013.838652", "10.1080/10503307.2013.838652"),
        ("http://dx.doi.org/10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("doi: 10.1037//0022-006x.64.3.447.", "10.1037//0022-006x.64.3.447"),
        ("10.1371/journal.pone.0209483 [doi]", "10.1371/journal.pone.0209483"),
        ("S0048-9697(17)30912-9 [pii]", ""),
        ("", ""),
    ],
)
def test_dois_are_bare_and_lower_case(raw, doi):
    assert normalise_doi(raw) == doi


def test_issns_are_hyphenated_and_deduplicated():
    assert normalise_issn("03064530 (ISSN)") == ["0306-4530"]
    assert normalise_issn("1879-1026 (Electronic); 0048-9697 (Linking); 1879-1026") == [
        "1879-1026",
        "0048-9697",
    ]
    assert normalise_issn("2226719x") == ["2226-719X"]


@pytest.mark.parametrize(
    ("raw", "year"),
    [("2019//", 2019), ("2017 Nov 15", 2017), ("2022/11/05/", 2022), ("n.d.", None), (1996, 1996)],
)
def test_years(raw, year):
    assert normalise_year(raw) == year


def test_pages():
    assert normalise_pages("212", "222") == "212-222"
    assert normalise_pages("e0209483") == "e0209483"
    assert normalise_pages("115--128") == "115-128"


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("Safran, Jeremy D.", "Safran", "Jeremy D."),
        ("Phillips J.C.", "Phillips", "J.C."),
        ("Smith JA", "Smith", "JA"),
        ("A. Hayashi", "Hayashi", "A."),
        ("Stillman, Andrew N. (andrew.stillman@uconn.edu) ", "Stillman", "Andrew N."),
        ("Dolz Marco, R.", "Dolz Marco", "R."),
    ],
)
def test_author_names_split_into_family_and_given(name, family, given):
    author = parse_author(name)
    assert (author.family, author.given) == (family, given)


def test_clean_text_collapses_space_and_markup():
    assert clean_text("<p>Background&amp;aims:\n   two  lines</p>") == "Background&aims: two lines"


def test_split_list_drops_blanks_and_repeats():
    assert split_list("a; b;; a ;c") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("n", "d", "p"),
    [(2, 14, 14.3), (1, 8, 12.5), (12, 25, 48.0), (1, 3, 33.3), (2, 3, 66.7), (1, 0, None)],
)
def test_percentages_round_half_up(n, d, p):
    assert percent(n, d) == p


def test_n_of_shows_the_denominator():
    assert n_of(2, 14) == "2/14 (14.3%)"
