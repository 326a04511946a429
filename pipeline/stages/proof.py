"""Proof-listen: built episodes transcribed offline and compared with their scripts, sentence by sentence.

Not a build stage: `certquests proof` runs it on demand. Each episode's words are recognized with their times
and given to the sentence whose span (from the master record's cues, out to the middle of the pauses) holds
them. A sentence is scored against its transcript text, never against what the lexicon made of it, so a wrong
entry shows. Both sides are normalized as Whisper's English normalizer does (case, punctuation, numbers, US
spellings), after the standard readings of a few written abbreviations ("e.g.", "ms"); the word error rate is
strict: nothing else is forgiven. The findings go to a report beside each MP3 (episodes/ID-HASH.proof.json).
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ContentError
from ..fsutil import write_atomic
from ..model.episode import MasterRecord
from ..model.proof import REPORT_SUFFIX, EpisodeProof, Miss
from ..model.script import Line
from .base import Context, EpisodeWork

if TYPE_CHECKING:
    from ..audio.recognize import Recognizer

Normalize = Callable[[str], str]
# How these written abbreviations are read aloud, whoever reads them: a hearing of the reading is right.
READINGS = {
    "e.g.": "for example",
    "i.e.": "that is",
    "vs.": "versus",
    "vs": "versus",
    "etc.": "et cetera",
    "ms": "milliseconds",
    "KB": "kilobytes",
    "MB": "megabytes",
    "GB": "gigabytes",
    "TB": "terabytes",
    "&": "and",
}
READING = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in READINGS) + r")(?![\w])")

# Letter names, for a suggested entry that spells a token out in words.
LETTER_WORDS = (
    "ay bee see dee ee eff jee aitch eye jay kay el em en oh pee cue ar ess tee you vee double-you ex why zee"
)
LETTER_NAMES = dict(zip(string.ascii_lowercase, LETTER_WORDS.split()))


@dataclass(frozen=True)
class Compared:
    errors: int
    words: int
    token: str | None  # the one token of the text that explains every error, if one does


def normalizer() -> Normalize:
    from whisper_normalizer.english import EnglishTextNormalizer  # loaded only for a proof-listen

    normalize: Normalize = EnglishTextNormalizer()
    return normalize


def _words(normalize: Normalize, text: str) -> list[str]:
    text = READING.sub(lambda match: READINGS[match.group(1)], text)
    return normalize(re.sub(r"\$(?=[A-Za-z])", "dollar ", text)).split()


def compare(normalize: Normalize, reference: str, heard: str) -> Compared:
    """Word errors of `heard` against `reference`, and the reference's token that explains them all (each
    token of the reference is normalized alone, so every word of it knows its token)."""
    import jiwer

    tokens = reference.split()
    origin = [index for index, token in enumerate(tokens) for _ in _words(normalize, token)]
    ref_words = [word for token in tokens for word in _words(normalize, token)]
    hyp_words = _words(normalize, heard)
    if not ref_words:
        return Compared(len(hyp_words), 0, None)
    if not hyp_words:
        return Compared(len(ref_words), len(ref_words), tokens[0] if len(tokens) == 1 else None)
    result = jiwer.process_words(" ".join(ref_words), " ".join(hyp_words))
    errors = result.substitutions + result.deletions + result.insertions
    involved: set[int] = set()
    for chunk in result.alignments[0]:
        if chunk.type == "equal":
            continue
        if chunk.type == "insert":
            involved.update(
                origin[i] for i in {max(0, chunk.ref_start_idx - 1), chunk.ref_start_idx} if i < len(origin)
            )
        else:
            involved.update(origin[chunk.ref_start_idx : chunk.ref_end_idx])
    token = tokens[involved.pop()] if errors and len(involved) == 1 else None
    return Compared(errors, len(ref_words), token)


def suggestion(token: str) -> str:
    """A lexicon entry that says `token` in plain words (letters by name, short dotted parts spelled), for a
    token written unlike a word (capitals, inner dots); none for a plain word, which lexicons seldom mend."""
    core = token.strip(".,;:!?()[]\"'")
    if not core:
        return ""
    if re.fullmatch(r"[A-Z]{2,6}s?", core):
        said = " ".join(LETTER_NAMES[letter] for letter in core.rstrip("s").lower())
        return f'[say] "{core}" = "{said}{"s" if core.endswith("s") else ""}"'
    if "." in core.strip("."):
        parts = [part for part in core.split(".") if part]
        said = " ".join(
            " ".join(LETTER_NAMES[ch] for ch in part.lower() if ch in LETTER_NAMES)
            if len(part) <= 3
            else part
            for part in parts
        )
        return f'[say] "{core}" = "{said.lower()}"'
    return ""


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
    try:
        record = MasterRecord.decode((context.cache_dir(episode.id) / "master.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not files or [cue.text for cue in record.cues] != [line.text for line in episode.spoken.lines]:
        return None
    return max(files, key=lambda p: p.stat().st_mtime_ns), record


def proof_episode(
    context: Context, episode: EpisodeWork, recognizer: Recognizer, normalize: Normalize
) -> EpisodeProof:
    """Transcribe one built episode, compare each sentence, write the report beside its MP3."""
    found = built_audio(context, episode)
    if found is None:
        raise ContentError(f"{episode.id}: not built from its current script; run `certquests build` first")
    mp3, record = found
    heard = recognizer.transcribe(mp3)
    lines = episode.spoken.lines
    spans = _spans(record, heard.audio_seconds + 1.0)
    buckets: list[list[str]] = [[] for _ in lines]
    index = 0
    for word in heard.words:
        middle = (word.start + word.end) / 2
        while index < len(spans) - 1 and middle >= spans[index][1]:
            index += 1
        buckets[index].append(word.text)
    passages = sources(context, episode)
    misses, words, errors = [], 0, 0
    for number, (line, bucket) in enumerate(zip(lines, buckets), 1):
        said = " ".join(bucket)
        best = compare(normalize, line.text, said)
        words += best.words
        errors += best.errors
        if best.errors:
            misses.append(
                Miss(
                    number,
                    line.role,
                    line.text,
                    source_of(line, passages, f"{episode.lesson.path}:1"),
                    said,
                    best.errors,
                    best.words,
                    suggestion(best.token) if best.token else "",
                )
            )
    misses.sort(key=lambda miss: (-miss.wer, miss.number))
    proof = EpisodeProof(
        episode.id,
        mp3.name,
        recognizer.name,
        len(lines),
        words,
        errors,
        round(heard.audio_seconds, 2),
        round(heard.seconds, 2),
        tuple(misses),
    )
    write_atomic(mp3.with_name(mp3.name.removesuffix(".mp3") + REPORT_SUFFIX), proof.encode())
    return proof


def proof(context: Context, ids: tuple[str, ...], model: str) -> Iterator[EpisodeProof]:
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
    for episode in chosen:
        yield proof_episode(context, episode, recognizer, normalize)


def run(context: Context, ids: tuple[str, ...], model: str, echo: Callable[[str], object]) -> str:
    """Proof-listen, echoing each episode's findings as it is done; the summary of them all."""
    reports = []
    for report in proof(context, ids, model):
        reports.append(report)
        echo("\n".join(describe(report)))
    return summary(reports)


def describe(report: EpisodeProof) -> list[str]:
    """The lines `certquests proof` prints for one episode."""
    out = [
        f"{report.episode}: word error rate {100 * report.wer:.2f}% ({report.errors} of {report.words} "
        f"words), {len(report.misses)} of {report.sentences} sentences differ"
    ]
    for miss in report.misses:
        out.append(f"  {100 * miss.wer:5.1f}%  {miss.source}  {miss.text}")
        out.append(f"          heard: {miss.heard or '(nothing)'}")
        if miss.suggestion:
            out.append(f"          lexicon: {miss.suggestion}")
    return out


def summary(reports: list[EpisodeProof]) -> str:
    words = sum(r.words for r in reports)
    errors = sum(r.errors for r in reports)
    audio = sum(r.audio_seconds for r in reports)
    seconds = sum(r.seconds for r in reports)
    flagged = sum(len(r.misses) for r in reports)
    sentences = sum(r.sentences for r in reports)
    models = ", ".join(sorted({r.model for r in reports}))
    return (
        f"proof-listen (Whisper {models}): {len(reports)} episode(s), {audio / 60:.1f} min of audio in "
        f"{seconds:.0f} s ({audio / max(seconds, 1e-9):.1f}x realtime); "
        f"word error rate {100 * errors / max(1, words):.2f}% strict ({errors} of {words} words); "
        f"{flagged} of {sentences} sentences differ"
    )


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
