"""Proof-listen: built episodes transcribed offline and compared with their scripts, sentence by sentence.

Not a build stage: `certquests proof` runs it on demand. An episode is heard as a listener hears it (the
recognizer told nothing, its words scored as it wrote them): that word error rate, by the voice that reads
each sentence and for the quiz's lines, is the figure. With hints it is also heard told the episode's terms,
its heard words written as those terms: a tool for finding errors, reported beside it. A lexicon entry is
suggested only once the sentence's own voice has said it and it was heard back better.

An episode's recognized words are aligned with the words of all its sentences at once, and each sentence gets
the words aligned with its own. A sentence is scored against its transcript text, never against what the
lexicon made of it, so a wrong entry shows. Both sides are normalized word by word as Whisper's English
normalizer does (case, punctuation, numbers, US spellings), after the standard readings of a few written
abbreviations ("e.g.", "ms"). The figure counts every word heard wrong, and forgives only what the recognizer
wrote otherwise of the sounds the listener heard: a word with the very same letters, split or joined
otherwise ("WebSocket" written "web socket"), and words said with the same sounds in the CMU Pronouncing
Dictionary ("Q" for "queue", "functions" for "function's"); the strict figure, which counts those too, is
reported beside it. The findings, with every recognized word and its time, go to a report beside each MP3
(episodes/ID-HASH.proof.json); the same model is not run again on the same MP3 for the same hearing.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ContentError
from ..fsutil import write_atomic
from ..model.episode import MasterRecord
from ..model.proof import REPORT_SUFFIX, EpisodeProof, Hearing, Miss, Tally
from ..model.script import Line
from ..stages.context import Context, EpisodeWork
from ..writing.script import QUIZ_NAME
from .advice import TRIALS, Verifier, _known_trials, listener
from .hearing import Normalize, Scored, normalizer, score

if TYPE_CHECKING:
    from ..audio.recognize import Heard, Recognizer, Word

log = logging.getLogger(__name__)


def sources(context: Context, episode: EpisodeWork) -> list[tuple[str, str]]:
    """(text, file:line) of every passage an episode's sentences come from, in order."""
    lesson = episode.lesson
    found = [(lesson.title, f"{lesson.path}:1")]
    blocks = list(lesson.intro)
    for section in lesson.sections:
        found.append((section.title, f"{lesson.path}:{section.line}"))
        blocks += section.blocks
    found += [(block.text, f"{lesson.path}:{block.line}") for block in blocks]
    quiz = "content/quiz.yaml"
    for question in context.course.questions_for(episode.id):
        texts = [question.question, question.explanation, *(option for _, option in question.options)]
        found += [(text, f"{quiz}:{question.line}") for text in texts]
    return found


def source_of(line: Line, passages: list[tuple[str, str]], fallback: str) -> str:
    sentence = line.text.rstrip(".:!?")
    sentence = sentence.split(": ", 1)[1] if re.match(r"[A-D]: ", sentence) else sentence
    for text, where in passages:
        if sentence and sentence in text:
            return where
    return fallback


def _spans(record: MasterRecord, end: float) -> list[tuple[float, float]]:
    """Each sentence's span, out to the middle of the pauses around it."""
    cues = record.cues
    bounds = [0.0] + [(a.end + b.start) / 2 for a, b in itertools.pairwise(cues)] + [end]
    return list(itertools.pairwise(bounds))


def built_audio(context: Context, episode: EpisodeWork) -> tuple[Path, MasterRecord] | None:
    """The episode's MP3 in episodes/ and its master record, when they are built from the current script."""
    pattern = re.compile(re.escape(episode.id) + r"-[0-9a-f]+\.mp3")
    files = [p for p in context.project.episodes.glob(f"{episode.id}-*.mp3") if pattern.fullmatch(p.name)]
    record = MasterRecord.read(context.cache_dir(episode.id))
    if (
        record is None
        or not files
        or [cue.text for cue in record.cues] != [line.text for line in episode.spoken.lines]
    ):
        return None
    return max(files, key=lambda p: p.stat().st_mtime_ns), record


def tallies(lines: tuple[Line, ...], scored: list[Scored]) -> tuple[dict[str, Tally], Tally]:
    """Words and word errors by the role that reads each sentence, and over the quiz's sentences (those from
    content/quiz.yaml: the self-test)."""
    voices: dict[str, Tally] = {}
    quiz = Tally()
    for line, sentence in zip(lines, scored):
        tally = Tally(sentence.words, sentence.errors, sentence.spelling)
        voices[line.role] = voices.get(line.role, Tally()) + tally
        if line.source.startswith(QUIZ_NAME + ":"):
            quiz += tally
    return voices, quiz


def _heard_before(report: Path, model: str) -> EpisodeProof | None:
    """What the same model heard in this very MP3 last time (the report's name has a hash of its bytes)."""
    try:
        before = EpisodeProof.decode(report.read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return before if before.model == model else None


def _hear(
    recognizer: Recognizer,
    mp3: Path,
    hints: str,
    speech: list[tuple[float, float]],
    before: EpisodeProof | None,
) -> tuple[Heard, tuple[tuple[float, float], ...]]:
    """The words heard in the MP3 told `hints` ("" for none), taken from the last report when the same model
    was told the same; with the stretches it skipped transcribed again."""
    from ..audio.recognize import Heard, Word

    kept = (
        [h for h in (before.unhinted, before.hinted) if h is not None and h.hints == hints] if before else []
    )
    if before is not None and kept and kept[0].heard:
        heard = Heard([Word(*word) for word in kept[0].heard], before.audio_seconds, kept[0].seconds)
        filled = kept[0].filled
    else:
        heard, filled = recognizer.transcribe(mp3, hints), ()
    return recognizer.fill(mp3, heard, speech, filled)


@dataclass(frozen=True)
class _Episode:
    """What scoring one hearing of an episode needs."""

    lines: tuple[Line, ...]
    spans: list[tuple[float, float]]
    passages: list[tuple[str, str]]
    fallback: str  # the lesson's file, for a sentence found in no passage


def _hearing(
    normalize: Normalize,
    episode: _Episode,
    heard: Heard,
    filled: tuple[tuple[float, float], ...],
    hints: str,
    words: list[Word],
    joined: int,
    verifier: Verifier | None,
) -> Hearing:
    """One hearing scored sentence by sentence; its misses with a verified lexicon entry when `verifier`."""
    scored = score(normalize, episode.lines, words, episode.spans)
    misses = []
    for number, (line, sentence) in enumerate(zip(episode.lines, scored), 1):
        if not sentence.errors:
            continue
        token = line.text.split()[next(iter(sentence.tokens))] if len(sentence.tokens) == 1 else ""
        trial = verifier.trial(line, token) if verifier and token else None
        misses.append(
            Miss(
                number,
                line.role,
                line.text,
                line.source or source_of(line, episode.passages, episode.fallback),
                " ".join(words[index].text for index in sorted(sentence.heard)),
                sentence.errors,
                sentence.words,
                trial.entry if trial and trial.helps else "",
                sentence.spelling,
                trial.entry if trial and not trial.helps else "",
                trial.heard if trial and not trial.helps else "",
            )
        )
    misses.sort(key=lambda miss: (-miss.wer, miss.number))
    voices, quiz = tallies(episode.lines, scored)
    return Hearing(
        hints,
        sum(sentence.words for sentence in scored),
        sum(sentence.errors for sentence in scored),
        round(heard.seconds, 2),
        tuple(misses),
        tuple((word.text, round(word.start, 3), round(word.end, 3)) for word in heard.words),
        sum(sentence.spelling for sentence in scored),
        joined,
        filled,
        voices,
        quiz,
    )


def proof_episode(
    context: Context,
    episode: EpisodeWork,
    recognizer: Recognizer,
    normalize: Normalize,
    verifier: Verifier,
    hinted: bool = False,
) -> EpisodeProof:
    """Transcribe one built episode as a listener hears it (and, when `hinted`, told its terms too), compare
    each sentence, write the report beside its MP3. The misses of the hearing listed (the hinted one when
    `hinted`) carry the lexicon entries that `verifier` heard help."""
    found = built_audio(context, episode)
    if found is None:
        raise ContentError(f"{episode.id}: not built from its current script; run `certquests build` first")
    mp3, record = found
    target = mp3.with_name(mp3.name.removesuffix(".mp3") + REPORT_SUFFIX)
    from ..audio.vocabulary import hints, spell_terms, terms, tidied

    before = _heard_before(target, recognizer.name)
    speech = [(cue.start, cue.end) for cue in record.cues]
    heard, filled = _hear(recognizer, mp3, "", speech, before)
    lines = episode.spoken.lines
    scoring = _Episode(
        lines,
        _spans(record, heard.audio_seconds + 1.0),
        sources(context, episode),
        f"{episode.lesson.path}:1",
    )
    unhinted = _hearing(
        normalize, scoring, heard, filled, "", tidied(heard.words), 0, None if hinted else verifier
    )
    told = None
    expected = hints(context.show.title, terms(episode.spoken))
    kept = before.hinted if before is not None and before.hinted and before.hinted.hints == expected else None
    if hinted or kept:
        heard_told, filled_told = _hear(recognizer, mp3, expected, speech, before)
        spelled, joined = spell_terms(tidied(heard_told.words), terms(episode.spoken), lines, scoring.spans)
        told = _hearing(
            normalize,
            scoring,
            heard_told,
            filled_told,
            expected,
            spelled,
            joined,
            verifier if hinted else None,
        )
    proof = EpisodeProof(
        episode.id,
        mp3.name,
        recognizer.name,
        len(lines),
        round(heard.audio_seconds, 2),
        unhinted,
        told,
        "hinted" if hinted else "unhinted",
    )
    write_atomic(target, proof.encode())
    return proof


def proof(context: Context, ids: tuple[str, ...], model: str, hinted: bool = False) -> Iterator[EpisodeProof]:
    """Proof-listen the chosen episodes (all the built ones when none is named), yielding each report."""
    from ..audio.recognize import Recognizer, model_folder

    model_folder(model)  # a missing model is named before anything else is looked at
    known = {episode.id: episode for episode in context.episodes}
    unknown = [name for name in ids if name not in known]
    if unknown:
        raise ContentError(f"no episode {', '.join(map(repr, unknown))}; use one of {', '.join(known)}")
    chosen = [known[name] for name in ids] or [e for e in context.episodes if built_audio(context, e)]
    if not chosen:
        raise ContentError("no episode is built from its current script yet; run `certquests build` first")
    recognizer, normalize = Recognizer(model), normalizer()
    listen, key_of = listener(context, recognizer)
    trials = context.project.cache / TRIALS
    verifier = Verifier(
        context.lexicon,
        normalize,
        listen,
        key_of,
        recognizer.name,
        _known_trials(trials),
        context.show.language,
    )
    for episode in chosen:
        report = proof_episode(context, episode, recognizer, normalize, verifier, hinted)
        trials.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(trials, json.dumps(verifier.known, indent=1, ensure_ascii=False) + "\n")
        yield report


def run(
    context: Context, ids: tuple[str, ...], model: str, echo: Callable[[str], object], hinted: bool = False
) -> str:
    """Proof-listen, echoing each episode's findings as it is done; the summary of them all."""
    reports = []
    for report in proof(context, ids, model, hinted):
        reports.append(report)
        echo("\n".join(describe(report)))
    return summary(reports)


def _percent(tally: Tally, strict: bool = False) -> str:
    return f"{100 * (tally.wer if strict else tally.as_heard):.2f}%"


def by_voice(voices: dict[str, Tally], quiz: Tally, strict: bool = False) -> str:
    """ "host 2.10%, cohost 5.00%, quiz lines 8.00%": the host first, then the other roles by name."""
    roles = sorted(voices, key=lambda role: (role != "host", role))
    parts = [f"{role} {_percent(voices[role], strict)}" for role in roles]
    return ", ".join(parts + ([f"quiz lines {_percent(quiz, strict)}"] if quiz.words else []))


def describe(report: EpisodeProof) -> list[str]:
    """The lines `certquests proof` prints for one episode."""
    heard, told = report.unhinted, report.hinted
    with_hints = f"; with hints {_percent(told.total)}" if told else ""
    listed = " (heard with hints)" if report.listed == "hinted" and told else ""
    out = [
        f"{report.episode}: word error rate {_percent(heard.total)} ({heard.errors - heard.spelling} of "
        f"{heard.words} words; {by_voice(heard.voices, heard.quiz)}; strict {_percent(heard.total, True)})"
        f"{with_hints}, "
        f"{len(report.misses)} of {report.sentences} sentences differ{listed}"
    ]
    for miss in report.misses:
        out.append(f"  {100 * miss.wer:5.1f}%  {miss.source}  {miss.text}")
        spelling = " (only in how the words are written)" if miss.spelling == miss.errors else ""
        out.append(f"          heard: {miss.heard or '(nothing)'}{spelling}")
        if miss.suggestion:
            out.append(f"          lexicon: {miss.suggestion}")
        elif miss.tried:
            tried_heard = miss.tried_heard or "(nothing)"
            out.append(f"          lexicon: no fix found ({miss.tried} is heard no better: {tried_heard})")
    return out


def _total(hearings: list[Hearing]) -> tuple[Tally, dict[str, Tally], Tally, float]:
    """Words and errors (and of those, the ones only in how heard words are written), by voice and for the
    quiz, and the seconds it took."""
    total, voices, quiz = Tally(), dict[str, Tally](), Tally()
    for hearing in hearings:
        total += hearing.total
        quiz += hearing.quiz
        for role, tally in hearing.voices.items():
            voices[role] = voices.get(role, Tally()) + tally
    return total, voices, quiz, sum(h.seconds for h in hearings)


def _figures(hearings: list[Hearing], audio: float) -> str:
    total, voices, quiz, seconds = _total(hearings)
    return (
        f"word error rate {_percent(total)} ({total.errors - total.spelling} of {total.words} words; "
        f"{by_voice(voices, quiz)}); strict {_percent(total, True)} (also counting the {total.spelling} "
        f'words heard right but written otherwise, "web socket" for "WebSocket", "Q" for "queue"; '
        f"{by_voice(voices, quiz, strict=True)}); heard in {seconds:.0f} s "
        f"({audio / max(seconds, 1e-9):.1f}x realtime)"
    )


def summary(reports: list[EpisodeProof]) -> str:
    """The figures of all the reports: as a listener hears the episodes (no hints) first, then with hints."""
    audio = sum(r.audio_seconds for r in reports)
    flagged = sum(len(r.unhinted.misses) for r in reports)
    sentences = sum(r.sentences for r in reports)
    models = ", ".join(sorted({r.model for r in reports}))
    told = [r for r in reports if r.hinted is not None]
    out = [
        f"proof-listen (Whisper {models}): {len(reports)} episode(s), {audio / 60:.1f} min of audio",
        f"  as a listener hears it (no hints): {_figures([r.unhinted for r in reports], audio)}; "
        f"{flagged} of {sentences} sentences differ",
    ]
    if told:
        hinted = [r.hinted for r in told if r.hinted is not None]
        told_audio = sum(r.audio_seconds for r in told)
        joined = sum(h.joined for h in hinted)
        out.append(
            f"  with hints ({len(told)} of {len(reports)} episode(s) told their terms; {joined} runs of "
            f"heard words written as a term): {_figures(hinted, told_audio)}"
        )
    else:
        out.append("  with hints: not heard (`certquests proof --hints` hears the episodes told their terms)")
    return "\n".join(out)


def saved_summary(episodes: Path) -> str | None:
    """The summary of the reports beside the episodes now in episodes/, for `certquests report`."""
    reports = []
    for path in sorted(episodes.glob(f"*{REPORT_SUFFIX}")):
        if not path.with_name(path.name.removesuffix(REPORT_SUFFIX) + ".mp3").is_file():
            continue
        try:
            reports.append(EpisodeProof.decode(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return summary(reports) if reports else None
