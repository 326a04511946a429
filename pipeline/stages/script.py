"""The script stage: each episode's script, written from its lesson (see pipeline/writing/) or kept from the
plan memo while everything it is made from is unchanged, and its reviewable text in scripts/."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from ..fsutil import write_atomic
from ..model.lexicon import LEXICON_NAME
from ..model.memo import pack, unpack
from ..model.project import CONFIG_NAME
from ..writing.report import SpeechReport
from ..writing.report import speech_report as course_report
from ..writing.script import build_script, build_study_script, render_script
from .base import Outline, Scope, Step, digest
from .context import Context, EpisodeWork
from .products import Needs, Product

NAME = "script"
VERSION = 2
SCOPE: Scope = "episode"
HELP = "Write the episode scripts to scripts/ (and nothing else)."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = ""
NEEDS: tuple[type[Product], ...] = ()
MAKES: tuple[type[Product], ...] = ()  # the script stays with its episode (EpisodeWork.spoken, .planned)


def _script(context: Context, episode: EpisodeWork) -> None:
    """The episode's script, its text and outline; from the plan memo when the lesson, its questions, the
    show config and the lexicon are as they were (the script is then loaded only if a step needs it)."""
    show, memo, questions = context.show, context.memo, context.course.questions_for(episode.id)
    study = episode.study
    if study is not None:  # a drill or review asks its own questions; its id and title are in its script
        questions = study.questions
    if memo is not None:
        root = context.project.root
        lexicon = root / LEXICON_NAME
        episode.script_memo = memo.key(
            _code(),
            memo.file_digest(root / episode.lesson.path),
            context.shared("show file", lambda: memo.file_digest(root / CONFIG_NAME)),
            context.shared("lexicon file", lambda: memo.file_digest(lexicon) if lexicon.is_file() else ""),
            digest([(q.id, q.question, q.options, q.answer, q.explanation) for q in questions]),
            episode.following,
            *((episode.id, episode.lesson.digest, study.topic_title) if study else ()),
        )
        known = memo.get("script", episode.script_memo)
        if (
            known is not None
            and len(known) == 2
            and isinstance(known[0], bytes)
            and isinstance(known[1], Outline)
        ):
            blob, episode.outline = known
            episode.load_script = lambda: unpack(blob)
            return
    if study is not None:
        script = build_study_script(episode.lesson, show, context.lexicon, questions, study.topic_title)
    else:
        script = build_script(episode.lesson, show, context.lexicon, questions, episode.following)
    text = render_script(script, episode.lesson, show)
    episode.script, episode.script_text, episode.outline = script, text, Outline.of(script, text)
    if memo is not None:
        memo.put("script", episode.script_memo, (pack((script, text)), episode.outline))


@functools.cache
def _code() -> str:
    """A digest of the code and shipped lexicon that write scripts, so a kept script never outlives them."""
    package = Path(__file__).parent.parent
    files = [
        Path(__file__),
        *sorted((package / "writing").iterdir()),
        package / "model" / "lexicon.py",
        *sorted((package / "spoken").iterdir()),
    ]
    return digest(
        VERSION, *(hashlib.sha256(path.read_bytes()).hexdigest() for path in files if path.is_file())
    )


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    assert episode is not None
    _script(context, episode)
    target = context.project.scripts / f"{episode.id}.txt"

    def run() -> None:
        episode.spoken  # noqa: B018 - loads the script and its text when the memo kept them
        write_atomic(target, episode.script_text)

    # The script is cheap to make and the file is all it writes: its text is its key.
    return [
        Step(
            NAME,
            episode.id,
            {"stage code": str(VERSION), "script text": episode.planned.text},
            run,
            (target,),
            episode=episode.id,
        )
    ]


def speech_report(context: Context) -> SpeechReport:
    """Every episode's script (planned already) and every quiz question, spoken and checked."""
    lines = [line for episode in context.episodes for line in episode.spoken.lines]
    return course_report(lines, context.show, context.lexicon, context.course)
