"""Keyword highlighting and the [screening] protocol section."""

from __future__ import annotations

import pytest

from evimap.errors import ProtocolError
from evimap.protocol import parse_protocol
from evimap.screening.highlight import highlight
from tests.screening_support import PROTOCOL


def _words(text, spans):
    return [(text[s.start : s.end], s.kind) for s in spans]


def test_whole_words_truncation_and_phrases():
    text = "Ruptures in the Therapeutic\n alliance; a rat study, not ratings or Mice."
    spans = highlight(text, ["rupture*", "therapeutic alliance"], ["rat", "mice"])
    assert _words(text, spans) == [
        ("Ruptures", "include"),
        ("Therapeutic\n alliance", "include"),
        ("rat", "exclude"),
        ("Mice", "exclude"),
    ]


def test_overlapping_hits_keep_the_longer_one():
    text = "alliance rupture repair"
    spans = highlight(text, ["rupture repair"], ["rupture"])
    assert _words(text, spans) == [("rupture repair", "include")]
    assert highlight("", ["x"], ["y"]) == []
    assert highlight("a * b", ["*"], []) == []


def _protocol(extra: str) -> str:
    return PROTOCOL.format(blind="true", pilot=0, maybe_advances="false") + extra


def test_screening_section_defaults_and_stage_settings():
    protocol = parse_protocol(PROTOCOL.split("[screening]")[0])
    settings = protocol.screening
    assert settings.title_abstract.blind and settings.title_abstract.reviewers_per_record == 2
    assert settings.full_text.reason_required and not settings.title_abstract.reason_required
    assert settings.options == ["include", "exclude", "maybe"]


def test_screening_section_errors_name_the_key():
    with pytest.raises(ProtocolError) as error:
        parse_protocol(_protocol("\n[screening.full_text]\nblnd = true\n"))
    assert "screening.full_text.blnd" in str(error.value)
    with pytest.raises(ProtocolError, match="role"):
        parse_protocol(_protocol('\n[[screening.reviewers]]\nname = "Z"\nrole = "boss"\n'))
    with pytest.raises(ProtocolError, match="used twice"):
        parse_protocol(_protocol('\n[[screening.reviewers]]\nname = "A"\n'))
    bad_reason = PROTOCOL.replace("maybe_advances = {maybe_advances}", 'reasons = ["E7"]')
    with pytest.raises(ProtocolError, match="not criterion codes"):
        parse_protocol(bad_reason.format(blind="true", pilot=0))
