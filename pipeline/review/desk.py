"""What the review page shows, from what the build already knows: each episode's state (as `status` says
it), its figures (length, loudness, the proof-listen's word error rates), and every sentence of its script
with who reads it, where it comes from, what the voice is given, what the proof heard, what `check` says of
it, its time in the built MP3 and whether it changed since the published feed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from ..graph.explain import episode_status
from ..graph.plan import Plan
from ..model.episode import ChapterMark, MasterRecord, RoleCue
from ..model.proof import REPORT_SUFFIX, EpisodeProof, Hearing
from ..model.published import PublishedEpisode, load_published
from ..stages.built import Built
from ..stages.context import EpisodeWork

MP3 = re.compile(r"[a-z0-9][a-z0-9-]*-[0-9a-f]+\.mp3")


@dataclass(frozen=True)
class Heard:
    """One hearing of a sentence that differs from its text: the words in order, each part marked "same",
    "missed" (in the script, not heard) or "heard" (heard instead, or added)."""

    parts: tuple[tuple[str, str], ...]
    wer: float
    hinted: bool  # told the episode's terms (`proof --hints`)


@dataclass(frozen=True)
class Sentence:
    number: int  # in the episode, from 1
    speaker: str
    source: str  # file:line
    text: str  # as the transcript shows it
    spoken: str  # what the voice is given, when it differs from the text
    start: float | None  # in the built MP3, when it holds this sentence
    end: float | None
    notes: tuple[str, ...]  # what `check` says of it
    heard: tuple[Heard, ...]  # the proof-listen's hearings that differ from the text
    changed: bool  # its text is not in the published episode

    @property
    def flagged(self) -> bool:
        return bool(self.notes or self.heard)


@dataclass(frozen=True)
class Chapter:
    title: str
    mark: ChapterMark | None  # where it is in the built MP3
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Row:
    """One episode as the index lists it."""

    id: str
    title: str
    state: str  # "built", "out of date", "not built"
    reasons: tuple[str, ...]  # why each stage would run, as `status` says
    audio: str | None  # the built MP3's name in episodes/
    duration: float | None
    lufs: float | None
    true_peak: float | None
    wer: float | None  # the proof-listen's, as a listener hears it
    wer_hinted: float | None
    sentences: int
    flagged: int
    changed: int
    published: str  # how the episode stands against the published feed


@dataclass(frozen=True)
class EpisodeReview:
    row: Row
    chapters: tuple[Chapter, ...]
    marks: tuple[ChapterMark, ...]  # the built MP3's chapters


def _words(text: str) -> list[str]:
    return [re.sub(r"[^\w]", "", word.lower()) for word in text.split()]


def heard_parts(text: str, heard: str) -> tuple[tuple[str, str], ...]:
    """`heard` against `text`, word by word (case and punctuation aside)."""
    said, got = text.split(), heard.split()
    parts: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, _words(text), _words(heard), autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", " ".join(got[b1:b2])))
            continue
        if a2 > a1:
            parts.append(("missed", " ".join(said[a1:a2])))
        if b2 > b1:
            parts.append(("heard", " ".join(got[b1:b2])))
    return tuple(parts)


def matched(old: list[str], new: list[str]) -> dict[int, int]:
    """Index in `new` -> index in `old` of the same text, for the texts the two sequences share in order."""
    if old == new:
        return {index: index for index in range(len(new))}
    found = {}
    for block in SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks():
        for offset in range(block.size):
            found[block.b + offset] = block.a + offset
    return found


def _record(plan: Plan, episode: EpisodeWork) -> MasterRecord | None:
    return MasterRecord.read(plan.context.cache_dir(episode.id))


def built_mp3(folder: Path, episode: EpisodeWork, audio_name: str) -> Path | None:
    """The MP3 the build made for the episode as it is now (`audio_name`), or else the newest one it made
    before."""
    current = folder / audio_name
    if current.is_file():
        return current
    found = [
        path
        for path in folder.glob(f"{episode.id}-*.mp3")
        if MP3.fullmatch(path.name) and path.name.rpartition("-")[0] == episode.id
    ]
    return max(found, key=lambda path: path.stat().st_mtime_ns) if found else None


def _json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _proof(mp3: Path | None) -> EpisodeProof | None:
    if mp3 is None:
        return None
    try:
        return EpisodeProof.decode(mp3.with_name(mp3.stem + REPORT_SUFFIX).read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _misses(hearing: Hearing | None, hinted: bool) -> dict[int, Heard]:
    """Sentence number (in the proofed MP3) -> how it was heard, for the sentences heard differently."""
    if hearing is None:
        return {}
    return {
        miss.number: Heard(heard_parts(miss.text, miss.heard), miss.wer, hinted) for miss in hearing.misses
    }


class Desk:
    """The review of every episode of one plan (`plan_project`), with what listeners have."""

    def __init__(self, plan: Plan, published_folder: Path):
        self.plan = plan
        self.published = load_published(published_folder)
        self.status = {row.id: row for row in episode_status(plan)}
        self.episodes = {episode.id: episode for episode in plan.context.episodes}

    def rows(self) -> list[Row]:
        return [self.review(episode_id).row for episode_id in self.episodes]

    def _published(self, episode_id: str) -> tuple[PublishedEpisode | None, str]:
        if self.published is None:
            return None, "not published yet"
        before = self.published.get(episode_id)
        return before, "published" if before else "new: not in the published feed"

    def review(self, episode_id: str) -> EpisodeReview:
        episode = self.episodes[episode_id]
        show, project = self.plan.context.show, self.plan.context.project
        lines = episode.spoken.lines
        mp3 = built_mp3(project.episodes, episode, self.plan.products.of(Built, episode_id).audio_name)
        record = _record(self.plan, episode) if mp3 else None
        cues: tuple[RoleCue, ...] = record.cues if record else ()
        timing = matched([cue.text for cue in cues], [line.text for line in lines])
        proof = _proof(mp3)
        if proof is not None and proof.sentences != len(cues):
            proof = None  # heard in another version of the episode
        heard = [
            _misses(proof.unhinted if proof else None, False),
            _misses(proof.hinted if proof else None, True),
        ]
        before, standing = self._published(episode_id)
        kept = matched(list(before.sentences), [line.text for line in lines]) if before else {}
        sentences = []
        for index, line in enumerate(lines):
            cue = cues[timing[index]] if index in timing else None
            number = timing[index] + 1 if index in timing else 0
            sentences.append(
                Sentence(
                    index + 1,
                    show.voices[line.role].name if line.role in show.voices else line.role,
                    line.source or "content/show.toml [lines]",
                    line.text,
                    line.spoken if line.spoken != line.text else "",
                    cue.start if cue else None,
                    cue.end if cue else None,
                    line.notes,
                    tuple(hearing[number] for hearing in heard if number in hearing),
                    self.published is not None and index not in kept,
                )
            )
        chapters = self._chapters(episode, sentences, record)
        row = self._row(episode, mp3, record, proof, sentences, standing)
        return EpisodeReview(row, chapters, record.chapters if record else ())

    def _chapters(
        self, episode: EpisodeWork, sentences: list[Sentence], record: MasterRecord | None
    ) -> tuple[Chapter, ...]:
        out, at = [], 0
        marks = {mark.title: mark for mark in record.chapters} if record else {}
        for chapter in episode.spoken.chapters:
            count = len(chapter.lines)
            out.append(Chapter(chapter.title, marks.get(chapter.title), tuple(sentences[at : at + count])))
            at += count
        return tuple(out)

    def _row(
        self,
        episode: EpisodeWork,
        mp3: Path | None,
        record: MasterRecord | None,
        proof: EpisodeProof | None,
        sentences: list[Sentence],
        standing: str,
    ) -> Row:
        status = self.status.get(episode.id)
        reasons = tuple(f"{stage}: {why}" for stage, why in (status.reasons if status else {}).items())
        state = "not built" if mp3 is None else "out of date" if reasons else "built"
        loudness = _json(mp3.with_name(mp3.stem + ".loudness.json")) if mp3 else None
        if loudness is None and record is not None:
            loudness = record.loudness.as_dict()
        changed = sum(1 for sentence in sentences if sentence.changed)
        if standing == "published":
            standing = f"{changed} sentence(s) changed since the published feed" if changed else "unchanged"
        return Row(
            episode.id,
            episode.lesson.title,
            state,
            reasons,
            mp3.name if mp3 else None,
            _number(loudness, "duration_s"),
            _number(loudness, "integrated_lufs"),
            _number(loudness, "true_peak_dbtp"),
            proof.unhinted.as_heard if proof else None,
            proof.hinted.as_heard if proof and proof.hinted else None,
            len(sentences),
            sum(1 for sentence in sentences if sentence.flagged),
            changed,
            standing,
        )


def _number(data: dict | None, key: str) -> float | None:
    value = (data or {}).get(key)
    return float(value) if isinstance(value, int | float) else None
