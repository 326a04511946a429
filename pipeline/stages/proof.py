"""Proof-listen: built episodes transcribed offline and compared with their scripts, sentence by sentence.

Not a build stage: `certquests proof` runs it on demand. An episode's recognized words are aligned with the
words of all its sentences at once, and each sentence gets the words aligned with its own. A sentence is
scored against its transcript text, never against what the lexicon made of it, so a wrong entry shows. Both
sides are normalized word by word as Whisper's English normalizer does (case, punctuation, numbers, US
spellings), after the standard readings of a few written abbreviations ("e.g.", "ms"); the word error rate is
strict: nothing else is forgiven. Errors that only split or join words ("CloudFormation" heard as "cloud
formation") are counted too, and also reported apart. The findings, with every recognized word and its time,
go to a report beside each MP3 (episodes/ID-HASH.proof.json); the same model is not run again on the same MP3.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ContentError
from ..fsutil import write_atomic
from ..model.episode import MasterRecord
from ..model.lexicon import LETTERS as DIGITS
from ..model.proof import REPORT_SUFFIX, EpisodeProof, Miss
from ..model.script import Line
from .base import Context, EpisodeWork

if TYPE_CHECKING:
    from ..audio.recognize import Heard, Recognizer, Word

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


@dataclass
class Scored:
    """One sentence's share of the episode's alignment."""

    words: int = 0  # of its transcript text, normalized
    errors: int = 0
    spacing: int = 0  # of those, errors only in where words split ("CloudFormation" heard "cloud formation")
    heard: list[int] = field(default_factory=list)  # indexes of the recognized words given to it
    tokens: set[int] = field(default_factory=set)  # its text's tokens that the other errors touch


def normalizer() -> Normalize:
    from whisper_normalizer.english import EnglishTextNormalizer  # loaded only for a proof-listen

    normalize: Normalize = EnglishTextNormalizer()
    return normalize


def _words(normalize: Normalize, text: str) -> list[str]:
    from ..spoken.technical import ISO_DATE, iso_date

    text = READING.sub(lambda match: READINGS[match.group(1)], text)
    text = re.sub(r"(?<![\w.])\.(?=[A-Za-z])", "dot ", text)  # ".fifo", ".NET": read with the dot
    text = re.sub(r"#(?=\d)", " number ", text)  # USER#123, #42: read "user number 123", "number 42"
    text = re.sub(r"(?<=\w)_(?=\w)", " ", text)  # KEYS_ONLY: read "keys only"
    text = ISO_DATE.sub(iso_date, text)  # 2016-10-31: read "October 31, 2016"
    return normalize(re.sub(r"\$\{?(?=[A-Za-z])", "dollar ", text)).split()


def score(
    normalize: Normalize, lines: tuple[Line, ...], heard: list[Word], spans: list[tuple[float, float]]
) -> list[Scored]:
    """Align the episode's recognized words with all of its sentences' words at once (so a word the recognizer
    timed early still meets its own sentence), then give each sentence its words and errors. A word heard in
    a pause between two sentences goes to the one whose span holds it."""
    import jiwer

    reference = [
        (word, number, token)
        for number, line in enumerate(lines)
        for token, text in enumerate(line.text.split())
        for word in _words(normalize, text)
    ]
    hypothesis = [(word, index) for index, item in enumerate(heard) for word in _words(normalize, item.text)]
    scored = [Scored() for _ in lines]
    for _, number, _ in reference:
        scored[number].words += 1
    if not reference or not hypothesis:
        for _, number, token in reference:
            scored[number].errors += 1
            scored[number].tokens.add(token)
        return scored
    result = jiwer.process_words(" ".join(w for w, _, _ in reference), " ".join(w for w, _ in hypothesis))
    chunks = result.alignments[0]
    region: list[tuple[int, int, int, int, int]] = []  # (sentence, errors, ref word, hyp word, token)

    def close_region() -> None:
        """Errors of a run of unequal chunks whose letters agree differ only in spacing."""
        refs = "".join(reference[r][0] for *_, r, _, _ in region if r >= 0)
        hyps = "".join(hypothesis[h][0] for *_, h, _ in region if h >= 0)
        for number, errors, _, _, token in region:
            if refs == hyps:
                scored[number].spacing += errors
            else:
                scored[number].tokens.add(token)
        region.clear()

    for chunk in chunks:
        if chunk.type == "equal":
            close_region()
        for offset in range(
            max(chunk.ref_end_idx - chunk.ref_start_idx, chunk.hyp_end_idx - chunk.hyp_start_idx)
        ):
            r = chunk.ref_start_idx + offset if chunk.type != "insert" else -1
            h = chunk.hyp_start_idx + offset if chunk.type != "delete" else -1
            if r >= 0:
                number, token = reference[r][1], reference[r][2]
            else:  # an inserted word: the sentence around it, or by time between two sentences
                before = reference[chunk.ref_start_idx - 1] if chunk.ref_start_idx > 0 else reference[0]
                after = reference[min(chunk.ref_start_idx, len(reference) - 1)]
                word = heard[hypothesis[h][1]]
                later = (word.start + word.end) / 2 >= spans[after[1]][0]
                number, token = (after[1], after[2]) if later or before == after else (before[1], before[2])
            sentence = scored[number]
            if h >= 0 and hypothesis[h][1] not in sentence.heard:
                sentence.heard.append(hypothesis[h][1])
            if chunk.type != "equal":
                sentence.errors += 1
                region.append((number, 1, r, h, token))
    close_region()
    return scored


def _part_said(part: str) -> str:
    """A digit by name, capitals and single letters by their letter names, a word as it is."""
    if part in DIGITS:
        return DIGITS[part]
    if part.isupper() or len(part) == 1:
        return " ".join(LETTER_NAMES[letter.lower()] for letter in part)
    return part.lower()


def suggestion(token: str) -> str:
    """A lexicon entry that says `token` in plain words (letters by name, short dotted parts spelled), for a
    token written unlike a word (capitals, inner dots); none for a plain word, which lexicons seldom mend."""
    from ..audio.vocabulary import bare

    dotted = re.fullmatch(r"\.([A-Za-z][\w-]*)", token.strip(",;:!?()[]\"'"))
    if dotted:  # ".NET", ".fifo": read with their dot
        return f'[say] "{dotted.group(0)}" = "dot {dotted.group(1).lower()}"'
    core = bare(token)
    if not core:
        return ""
    if re.fullmatch(r"[A-Z]{2,6}s?", core):
        said = " ".join(LETTER_NAMES[letter] for letter in core.rstrip("s").lower())
        return f'[say] "{core}" = "{said}{"s" if core.endswith("s") else ""}"'
    if re.search(r"[a-z][A-Z0-9]", core):  # SigV4, Auth0: the camel-case parts, letters and digits by name
        parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d", core)
        said = " ".join(_part_said(part) for part in parts)
        return f'[say] "{core}" = "{said}"'
    if "." in core.strip(".") and re.search(r"[A-Za-z]", core):
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


def _heard_before(
    report: Path, model: str, hints: str
) -> tuple[Heard, tuple[tuple[float, float], ...]] | None:
    """What the same model, told the same terms, heard in this very MP3 last time (its name carries a hash of
    its bytes), and the stretches it transcribed again."""
    from ..audio.recognize import Heard, Word

    try:
        before = EpisodeProof.decode(report.read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if before.model != model or before.hints != hints or not before.heard:
        return None
    return Heard([Word(*word) for word in before.heard], before.audio_seconds, before.seconds), before.filled


def proof_episode(
    context: Context, episode: EpisodeWork, recognizer: Recognizer, normalize: Normalize
) -> EpisodeProof:
    """Transcribe one built episode, compare each sentence, write the report beside its MP3."""
    found = built_audio(context, episode)
    if found is None:
        raise ContentError(f"{episode.id}: not built from its current script; run `certquests build` first")
    mp3, record = found
    target = mp3.with_name(mp3.name.removesuffix(".mp3") + REPORT_SUFFIX)
    from ..audio.vocabulary import hints, spell_terms, terms, tidied

    lines = episode.spoken.lines
    vocabulary = terms(episode.spoken)
    expected = hints(context.show.title, vocabulary)
    heard, filled = _heard_before(target, recognizer.name, expected) or (
        recognizer.transcribe(mp3, expected),
        (),
    )
    heard, filled = recognizer.fill(mp3, heard, [(cue.start, cue.end) for cue in record.cues], filled)
    spans = _spans(record, heard.audio_seconds + 1.0)
    spelled, joined = spell_terms(tidied(heard.words), vocabulary, lines, spans)
    scored = score(normalize, lines, spelled, spans)
    passages = sources(context, episode)
    misses = []
    for number, (line, sentence) in enumerate(zip(lines, scored), 1):
        if not sentence.errors:
            continue
        token = line.text.split()[next(iter(sentence.tokens))] if len(sentence.tokens) == 1 else ""
        misses.append(
            Miss(
                number,
                line.role,
                line.text,
                source_of(line, passages, f"{episode.lesson.path}:1"),
                " ".join(spelled[index].text for index in sorted(sentence.heard)),
                sentence.errors,
                sentence.words,
                suggestion(token) if token else "",
                sentence.spacing,
            )
        )
    misses.sort(key=lambda miss: (-miss.wer, miss.number))
    proof = EpisodeProof(
        episode.id,
        mp3.name,
        recognizer.name,
        len(lines),
        sum(sentence.words for sentence in scored),
        sum(sentence.errors for sentence in scored),
        round(heard.audio_seconds, 2),
        round(heard.seconds, 2),
        tuple(misses),
        tuple((word.text, round(word.start, 3), round(word.end, 3)) for word in heard.words),
        sum(sentence.spacing for sentence in scored),
        expected,
        joined,
        filled,
    )
    write_atomic(target, proof.encode())
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
        spacing = " (only where words split)" if miss.spacing == miss.errors else ""
        out.append(f"          heard: {miss.heard or '(nothing)'}{spacing}")
        if miss.suggestion:
            out.append(f"          lexicon: {miss.suggestion}")
    return out


def summary(reports: list[EpisodeProof]) -> str:
    words = sum(r.words for r in reports)
    errors = sum(r.errors for r in reports)
    audio = sum(r.audio_seconds for r in reports)
    seconds = sum(r.seconds for r in reports)
    flagged = sum(len(r.misses) for r in reports)
    spacing = sum(r.spacing for r in reports)
    sentences = sum(r.sentences for r in reports)
    models = ", ".join(sorted({r.model for r in reports}))
    return (
        f"proof-listen (Whisper {models}): {len(reports)} episode(s), {audio / 60:.1f} min of audio in "
        f"{seconds:.0f} s ({audio / max(seconds, 1e-9):.1f}x realtime); "
        f"word error rate {100 * errors / max(1, words):.2f}% strict ({errors} of {words} words; "
        f"{100 * (errors - spacing) / max(1, words):.2f}% when compound spellings are forgiven); "
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
