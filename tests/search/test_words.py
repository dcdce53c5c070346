"""The word index: a run with it finds exactly what the whole-stream search (and a record by
record scan) finds; it is built after an answer, kept on disk, and never used for other
records."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from evimap.records import Author, Record
from evimap.review import Review
from evimap.search import parse, words
from evimap.search.evaluate import Matcher
from evimap.search.index import Index, Stream
from tests.search.test_component import RECORDS, add_records
from tests.search.test_scan_parity import EQUATIONS, _records, scan
from tests.search.test_translate import REFERENCE

# phrases, wildcards, proximity and fields on records written for them
FIXTURES = [
    # a phrase never runs from one keyword, or one record, into the next
    Record(title="the alliance", keywords=["therapeutic alliance", "repair work"]),
    Record(title="repair of the alliance", abstract="Alliance-repair; alliance  repair."),
    Record(title="Rupture–repair cycles", keywords=["rupture", "repair"]),
    Record(title="women and woman", abstract="wimen; womyn; wo-men", keywords=["Women"]),
    Record(title="Behaviour, behavior, behavioural", abstract="colour or color"),
    Record(title="Arthritis and gastritis", abstract="appendicitis, itis"),
    Record(title="Thérapie cognitive", abstract="ÆSTHETIC naïve co-operation, COVID-19"),
    Record(title="therapy first", abstract="then many many many words and then alliance"),
    Record(title="alliance within three words of therapy", abstract="therapy"),
    Record(title="random words then trial", abstract="trial then random"),
    Record(title="A randomised controlled trial", authors=[Author("Alliance", "Ann")]),
    Record(title="self esteem", abstract="self-esteem; selfesteem", source_title="Self Journal"),
    Record(title="", abstract="", keywords=[]),
    Record(title="repairs repaired repairing reparation rep", year=2001),
    Record(title="psychotherapeutic psychotherapist psychotherapy psycho", year=2010),
]

EXTRA = [
    ('"alliance repair"', "wos"),
    ('"therapeutic alliance repair"', "wos"),
    ('"rupture repair"', "wos"),
    ("TS=(alliance NEAR/0 repair)", "wos"),
    ("TS=(therapy NEAR/3 alliance)", "wos"),
    ("TS=(therapy NEAR/15 alliance)", "wos"),
    ("TITLE-ABS-KEY(random* PRE/2 trial*)", "scopus"),
    ("TS=(random* NEAR/2 (control* OR trial*))", "wos"),
    ('TS=(("alliance repair" OR rupture*) NEAR/2 (therap* OR cycle*))', "wos"),
    ("wom?n OR wom$n OR w?m?n", "wos"),
    ("behavio$r OR colo$r OR behavio*", "wos"),
    ("*itis OR *apy", "wos"),
    ("rep* NOT repair", "wos"),
    ("psychotherap* AND PY=2005-2015", "wos"),
    ('therapie OR aesthetic OR naive OR covid-19 OR "co operation"', "wos"),
    ('self-esteem OR "self esteem" OR selfesteem', "wos"),
    ("TI=alliance NOT AB=alliance", "wos"),
    ('AK=repair OR AK="rupture repair"', "wos"),
    ('missingword OR "missing phrase" OR missing*', "wos"),
]


def _with_words(index: Index, folder) -> Index:
    index.index_words(folder)
    assert set(index.words) == {n for n in index.streams if n != "headings"}
    return index


def _parity(records: list[Record], equations, folder) -> None:
    """Masks: scan == whole-stream search == word index (built and loaded from disk)."""
    plain = Index.build(enumerate(records), key=(len(records), 1))
    indexed = _with_words(Index.build(enumerate(records), key=(len(records), 1)), folder / "w")
    indexed.save(folder / "w")
    loaded, _ = Index.load(folder / "w")
    assert loaded.load_words(folder / "w") == sorted(indexed.words)
    for equation, syntax in equations:
        tree = parse(equation, syntax)
        expected = np.array([scan(tree, r) for r in records])
        for index in (plain, indexed, loaded):
            got = Matcher(index).mask(tree)
            assert np.array_equal(got, expected), (equation, np.flatnonzero(got != expected))


def test_word_index_finds_what_the_scan_finds_on_fixtures(tmp_path):
    _parity(FIXTURES, EXTRA, tmp_path)


def test_author_and_source_fields(tmp_path):
    plain = Index.build(enumerate(FIXTURES))
    indexed = _with_words(Index.build(enumerate(FIXTURES)), tmp_path)
    for equation, rows in [("AU=alliance OR SO=self", [10, 11]), ("AU=ann AND TI=trial", [10])]:
        tree = parse(equation)
        assert np.flatnonzero(Matcher(plain).mask(tree)).tolist() == rows
        assert np.flatnonzero(Matcher(indexed).mask(tree)).tolist() == rows


def test_word_index_finds_what_the_scan_finds_on_real_records(tmp_path):
    _parity(_records(), EQUATIONS + EXTRA, tmp_path)


def test_many_small_segments_give_the_same_results(tmp_path, monkeypatch):
    # a window of a few records at a time: each word's rows come from many segments
    monkeypatch.setattr(words, "WINDOW", 200)
    index = _with_words(Index.build(enumerate(FIXTURES * 7)), tmp_path)
    for equation, syntax in EXTRA:
        tree = parse(equation, syntax)
        expected = np.array([scan(tree, r) for r in FIXTURES * 7])
        assert np.array_equal(Matcher(index).mask(tree), expected), equation


def test_words_are_looked_up_not_searched_for(tmp_path, monkeypatch):
    records = FIXTURES * 3
    index = _with_words(Index.build(enumerate(records)), tmp_path)
    sizes = {len(s.data) for s in index.streams.values()}
    searched = []
    original = Stream.find

    def find(self, literal):
        searched.append((len(self.data), literal))
        return original(self, literal)

    monkeypatch.setattr(Stream, "find", find)
    Matcher(index).mask(parse("repair* OR wom?n OR *itis OR therapy"))
    assert searched == []  # words and wildcards: the vocabulary only
    Matcher(index).mask(parse('"alliance repair" OR TS=(therapy NEAR/3 alliance)'))
    assert searched  # phrases and proximity: checked on the candidate records' bytes only
    assert not {n for n, _ in searched} & sizes


def test_builders_of_one_index_at_once_never_mix_their_files(tmp_path, monkeypatch):
    """Two runs (two CLI calls, or the web app and the CLI) may save the same index and build
    its word index into the same folder at once; each writes its own temporary files, so
    neither truncates or renames a file the other is writing, and what is left answers as the
    scan does. (Each wrote to one shared temporary name: a CI run once found a CSV of matches
    wrong after three CLI calls in one process.)"""
    monkeypatch.setattr(words, "WINDOW", 300)  # many segments: the builds overlap for longer
    records = FIXTURES * 40
    built = [Index.build(enumerate(records), key=(len(records), 1)) for _ in range(4)]
    errors: list[BaseException] = []

    def build(index: Index) -> None:
        try:
            index.save(tmp_path)  # the laid-out streams too, as a run saves them
            index.index_words(tmp_path)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(index,)) for index in built]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not list(tmp_path.glob("*.tmp*"))  # nothing of any build left behind
    loaded, _ = Index.load(tmp_path)
    assert loaded.load_words(tmp_path) == sorted(built[0].words)
    for equation, syntax in EXTRA:
        tree = parse(equation, syntax)
        expected = np.array([scan(tree, r) for r in records])
        for index in (*built, loaded):
            assert np.array_equal(Matcher(index).mask(tree), expected), equation


def test_vocabulary_lookups(tmp_path):
    index = _with_words(Index.build(enumerate(FIXTURES)), tmp_path)
    title = index.words["title"]
    vocab = [title.vocab[i].decode() for i in range(title.size)]
    assert vocab == sorted(vocab) and len(set(vocab)) == len(vocab)
    assert title.rows("repair").tolist() == [1, 2]
    assert title.rows("repair*").tolist() == [1, 2, 13]
    assert title.rows("wom?n").tolist() == [3]
    assert title.rows("*itis").tolist() == [5]
    assert title.rows("absent").tolist() == []
    plain = Index.build(enumerate(FIXTURES))
    for pattern in ("rep*", "repai?", "*airs", "wom$n", "psychotherap*", "missing"):
        assert index.expand(pattern) == plain.expand(pattern), pattern


def test_a_stale_or_broken_word_index_is_never_used(tmp_path):
    folder = tmp_path / "cache"
    first = _with_words(Index.build(enumerate(FIXTURES), key=(15, 15)), folder)
    # other records, same folder: a different key, and other bytes, so other files
    changed = FIXTURES[:-1] + [Record(title="repair")]
    other = Index.build(enumerate(changed), key=(15, 16))
    assert other.load_words(folder) == []
    # the same key but a stream with other bytes (a record edited in place): that stream's word
    # index is refused (the others hold the same bytes)
    same_key = Index.build(enumerate(changed), key=(15, 15))
    assert "title" not in same_key.load_words(folder)
    assert "abstract" in same_key.words
    assert Matcher(same_key).mask(parse("TI=repair"))[-1]
    # a truncated file, or a missing manifest, is not used
    again = Index.build(enumerate(FIXTURES), key=(15, 15))
    assert again.load_words(folder) == sorted(first.words)
    tag = again._word_meta("title")[0]
    rows = folder / f"w.{tag}.rows.bin"
    rows.write_bytes(rows.read_bytes()[:-4])
    assert "title" not in Index.build(enumerate(FIXTURES), key=(15, 15)).load_words(folder)
    (folder / f"w.{tag}.words.json").unlink()
    assert "title" not in Index.build(enumerate(FIXTURES), key=(15, 15)).load_words(folder)


def test_a_cancelled_build_leaves_nothing_behind(tmp_path):
    index = Index.build(enumerate(FIXTURES))
    stop = threading.Event()
    stop.set()
    with pytest.raises(words.BuildCancelled):
        index.index_words(tmp_path, stop=stop)
    assert index.words == {}
    assert list(tmp_path.iterdir()) == []


# ---- in a review ------------------------------------------------------------------------------


def test_review_builds_the_word_index_after_a_run_and_drops_it_when_records_change(review):
    before = review.search.run(log=False)
    assert review.search.wait_for_words(60)
    index = review.search.index()
    assert {"title", "abstract", "keywords", "subject"} <= set(index.words)
    cache = review.search.cache_dir
    manifests = sorted(p.name for p in cache.glob("w.*.words.json"))
    assert manifests
    assert all(json.loads((cache / m).read_text())["key"] == list(index.key) for m in manifests)
    # a new session maps it and gives the same answer
    again = Review.open(review.folder)
    try:
        assert set(again.search.index().words) >= {"title", "abstract"}
        assert again.search.run(log=False).matched_ids() == before.matched_ids()
    finally:
        again.close()
    # new records: the old word index is not used, and the new record is found
    add_records(
        review,
        [("Scopus", "2-s2.0-9", Record(title="Zygomatic alliance repair in psychotherapy"))],
        name="more.ris",
    )
    after = review.search.run("zygomatic", log=False)
    assert after.count == 1
    fresh = review.search.index()
    assert fresh is not index and fresh.size == index.size + 1
    assert not any(m in manifests for m in (p.name for p in cache.glob("w.*.words.json")))
    assert review.search.wait_for_words(60)
    assert "title" in fresh.words
    assert fresh.words["title"].rows("zygomatic").tolist() == [fresh.size - 1]
    assert review.search.run("zygomatic", log=False).count == 1


@pytest.fixture
def review(tmp_path):
    """A review on SQLite with the records of the component tests."""
    folder = tmp_path / "rr"
    Review.init(folder, title="Rupture repair").close()
    toml = folder / "review.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        "\n".join(
            "equation = '" + REFERENCE + "'" if line.startswith("equation = ") else line
            for line in text.splitlines()
        ),
        encoding="utf-8",
    )
    opened = Review.open(folder)
    add_records(opened, [(d, s, copy.deepcopy(r)) for d, s, r in RECORDS])
    yield opened
    opened.close()


def test_cli_run_answers_then_leaves_the_word_index_for_the_next_call(review):
    # a real process: it prints the answer, then lets the word index finish before it exits
    folder = review.folder
    command = [sys.executable, "-c", "from evimap.cli import main; main()", "search", "run"]
    done = subprocess.run(
        [*command, str(folder), "--format", "json"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["matched"] == 3
    cache = review.search.cache_dir
    built = {p.name.split(".")[1] for p in cache.glob("w.*.words.json")}
    assert {"title", "abstract", "keywords", "subject"} <= built
    again = subprocess.run(
        [*command, str(folder), "--format", "json", "-e", "zygomatic OR alliance"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["matched"] == 2


def test_records_added_while_the_word_index_is_built(review):
    first = review.search.run(log=False)  # starts the builder
    old_key = list(review.search.index().key)
    more = [("Scopus", "2-s2.0-8", Record(title="Quokka alliance ruptures"))]
    add_records(review, more, name="x.ris")
    second = review.search.run(log=False)  # the old build is stopped (or done) and dropped
    assert second.total == first.total + 1
    assert review.search.wait_for_words(60)
    index = review.search.index()
    cache = review.search.cache_dir
    keys = [json.loads(p.read_text())["key"] for p in cache.glob("w.*.words.json")]
    assert keys and all(k == list(index.key) != old_key for k in keys)
    assert review.search.run("TI=ruptures", log=False).count == 2
    assert review.search.run("TI=quokka", log=False).count == 1
