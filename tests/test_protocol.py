"""review.toml: the template is valid; errors name file, line and key, all at once."""

from __future__ import annotations

import pytest

from evimap.errors import ProtocolError
from evimap.protocol import load_protocol, parse_protocol
from evimap.protocol.template import render_template


def test_the_init_template_is_a_valid_protocol():
    protocol = parse_protocol(render_template('Repairing "alliance" ruptures'))
    assert protocol.title == 'Repairing "alliance" ruptures'
    assert [c.code for c in protocol.criteria] == ["I1", "E1"]
    assert protocol.search.fields == ["title", "abstract", "keywords"]


def test_every_problem_is_reported_at_once_with_line_and_key():
    text = (
        render_template("x")
        .replace('kind = "inclusion"', 'kind = "include"')
        .replace("date = ", "dated = ")
    )
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "my-review/review.toml")
    messages = [str(p) for p in caught.value.problems]
    search_line = text.splitlines().index("[search]") + 1
    assert f"my-review/review.toml:{search_line} [search.date]: is missing" in messages
    assert any(
        m.startswith("my-review/review.toml:") and "[search.dated]: is not a protocol key" in m
        for m in messages
    )
    assert any(
        "[criteria[0].kind]: Input should be 'inclusion' or 'exclusion' (got 'include')" in m
        for m in messages
    )


def test_a_bad_search_date_says_what_was_expected():
    text = render_template("x").replace('date = "', 'date = "July ')
    with pytest.raises(ProtocolError, match=r"\[search.date\]: expected a date as YYYY, YYYY-MM"):
        parse_protocol(text)


def test_duplicate_criterion_codes_are_refused():
    text = render_template("x").replace('code = "E1"', 'code = "I1"')
    with pytest.raises(ProtocolError, match="criterion code 'I1' is used twice"):
        parse_protocol(text)


def test_toml_syntax_errors_give_the_line():
    with pytest.raises(ProtocolError) as caught:
        parse_protocol('title = "x"\n[question\n', "r.toml")
    assert caught.value.problems[0].line == 2
    assert str(caught.value).startswith("r.toml:2: not valid TOML")


def test_a_missing_protocol_says_how_to_create_one(tmp_path):
    with pytest.raises(ProtocolError, match="create one with `evimap init`"):
        load_protocol(tmp_path)


def test_criteria_look_up_by_code():
    protocol = parse_protocol(render_template("x"))
    assert protocol.criterion("E1").kind == "exclusion"
    with pytest.raises(KeyError, match="the protocol has I1, E1"):
        protocol.criterion("E9")
