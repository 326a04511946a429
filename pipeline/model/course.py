"""The whole course: every lesson and the quiz bank, checked together (ids, numbers, questions per lesson)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContentError, Problem, relative
from .lesson import Lesson, missing_files, parse_lesson
from .lexicon import Lexicon
from .memo import PlanMemo
from .project import CONFIG_NAME, Project
from .quiz import Question, parse_quiz
from .show import Show

WORD = re.compile(r"\w+(?:['’-]\w+)*")


def _foreign_letter(char: str) -> bool:
    """A Latin letter outside English's alphabet: ö, ł, ë, ß, ø."""
    return ord(char) > 127 and char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


@dataclass(frozen=True)
class Course:
    lessons: tuple[Lesson, ...]
    questions: tuple[Question, ...]

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def spoken_texts(self) -> Iterator[tuple[str, str]]:
        """Each lesson's and each quiz question's text as it is spoken, with the file it comes from."""
        for lesson in self.lessons:
            texts = [lesson.title, *(b.text for b in lesson.intro)]
            for section in lesson.sections:
                texts += [section.title, *(b.text for b in section.blocks if b.kind != "code")]
            yield lesson.path, "\n".join(texts)
        for question in self.questions:
            text = " ".join([question.question, question.explanation, *(t for _, t in question.options)])
            yield "content/quiz.yaml", text

    def words_missing_from(self, lexicon: Lexicon) -> dict[str, set[str]]:
        """All-caps words of the spoken text that have no lexicon entry, with the files they are in."""
        unknown: dict[str, set[str]] = {}
        for path, text in self.spoken_texts():
            for token in lexicon.unknown_tokens(text):
                unknown.setdefault(token, set()).add(path)
        return unknown

    def foreign_words(self, lexicon: Lexicon) -> Counter[str]:
        """Words written with letters from other languages (Röntgen, Skłodowska) and how often each is
        spoken, leaving out those the lexicon says already: the voice may say them as English."""
        found: Counter[str] = Counter()
        for _path, text in self.spoken_texts():
            words = (re.sub(r"['’]s$", "", word) for word in WORD.findall(text))  # Röntgen's is Röntgen
            found.update(word for word in words if any(map(_foreign_letter, word)))
        return Counter({word: count for word, count in found.items() if word not in lexicon.say})

    def questions_for(self, lesson_id: str) -> tuple[Question, ...]:
        return self._by_lesson.get(lesson_id, ())

    @functools.cached_property
    def _by_lesson(self) -> dict[str, tuple[Question, ...]]:
        grouped: dict[str, list[Question]] = {}
        for question in self.questions:
            grouped.setdefault(question.lesson, []).append(question)
        return {lesson_id: tuple(questions) for lesson_id, questions in grouped.items()}

    @property
    def published(self) -> tuple[Lesson, ...]:
        return tuple(lesson for lesson in self.lessons if not lesson.retired)


def lesson_files(project: Project) -> list[Path]:
    folder = project.content / "lessons"
    return sorted(p for p in folder.rglob("*.md") if p.is_file()) if folder.is_dir() else []


def _parse_lesson(
    path: Path, project: Project, show: Show, memo: PlanMemo | None, show_key: str
) -> tuple[Lesson | None, list[Problem]]:
    """A lesson as parsed before when its bytes and the show config are unchanged, else parsed now."""
    if memo is None:
        return parse_lesson(path, project, show)
    key = memo.key(path.relative_to(project.root).as_posix(), memo.file_digest(path), show_key)
    known = memo.get("lesson", key)
    if known is not None and known.path == relative(path, project.root):
        return known, []
    lesson, found = parse_lesson(path, project, show)
    if lesson is not None and not found:
        memo.put("lesson", key, lesson)
    return lesson, found


def _parse_quiz(
    path: Path, project: Project, show: Show, memo: PlanMemo | None, show_key: str
) -> tuple[list[Question], list[Problem]]:
    if memo is None:
        return parse_quiz(path, project, show)
    key = memo.key(memo.file_digest(path), show_key)
    known = memo.get("quiz", key)
    if known is not None:
        return list(known), []
    questions, found = parse_quiz(path, project, show)
    if not found:
        memo.put("quiz", key, tuple(questions))
    return questions, found


def load_course(project: Project, show: Show, memo: PlanMemo | None = None) -> Course:
    """Parse every lesson and the quiz bank; raise ContentError listing every problem at once. With a memo,
    a file unchanged since the last run is taken from it instead of being parsed again."""
    show_key = memo.file_digest(project.root / CONFIG_NAME) if memo else ""
    files = lesson_files(project)
    if not files:
        folder = relative(project.content, project.root)
        raise ContentError(f"no lessons found; add Markdown files under {folder}/lessons/")
    problems: list[Problem] = []
    lessons: list[Lesson] = []
    for path in files:
        lesson, found = _parse_lesson(path, project, show, memo, show_key)
        problems.extend(found)
        if lesson:
            problems.extend(missing_files(lesson, project))
            lessons.append(lesson)
    problems += _shared_ids_and_numbers(lessons)
    questions, found = _load_questions(project, show, memo, show_key, lessons, problems)
    problems += found
    if problems:
        raise ContentError(f"{len(problems)} problem(s) in the content; nothing was built", problems)
    lessons.sort(key=lambda lesson: lesson.sort_key)
    return Course(tuple(lessons), tuple(questions))


def _shared_ids_and_numbers(lessons: list[Lesson]) -> list[Problem]:
    """Lessons whose id, or module and lesson number, another lesson has already (a trailer has no number)."""
    problems = []
    seen_ids: dict[str, Lesson] = {}
    seen_numbers: dict[tuple[int, int], Lesson] = {}
    for lesson in lessons:
        if lesson.id in seen_ids:
            other = seen_ids[lesson.id].path
            problems.append(
                Problem(
                    lesson.path, 2, f"id '{lesson.id}' is also used by {other}; every lesson needs its own id"
                )
            )
        seen_ids.setdefault(lesson.id, lesson)
        numbers = (lesson.module, lesson.number)
        if lesson.episode_type != "trailer" and numbers in seen_numbers:
            other = seen_numbers[numbers].path
            problems.append(
                Problem(
                    lesson.path,
                    2,
                    f"module {numbers[0]} lesson {numbers[1]} is also {other}; "
                    "give each lesson its own number",
                )
            )
        if lesson.episode_type != "trailer":
            seen_numbers.setdefault(numbers, lesson)
    return problems


def _load_questions(
    project: Project,
    show: Show,
    memo: PlanMemo | None,
    show_key: str,
    lessons: list[Lesson],
    earlier: list[Problem],
) -> tuple[list[Question], list[Problem]]:
    """The quiz bank, if there is one, and its problems: a question id used twice, a question of no lesson,
    and (when the bank itself is sound) a lesson without a question."""
    quiz_path = project.content / "quiz.yaml"
    if not quiz_path.is_file():
        return [], []
    questions, problems = _parse_quiz(quiz_path, project, show, memo, show_key)
    shown = relative(quiz_path, project.root)
    ids = {lesson.id for lesson in lessons}
    seen_questions: set[str] = set()
    for question in questions:
        if question.id in seen_questions:
            problems.append(Problem(shown, question.line, f"question id '{question.id}' is used twice"))
        seen_questions.add(question.id)
        if question.lesson not in ids:
            missing = f"question {question.id}: lesson '{question.lesson}' does not exist"
            problems.append(Problem(shown, question.line, f"{missing}; use a lesson id from content/lessons"))
    if not any(p.path == shown for p in [*earlier, *problems]):
        tested = {q.lesson for q in questions}
        for lesson in lessons:
            if lesson.episode_type == "full" and not lesson.retired and lesson.id not in tested:
                untested = f"lesson '{lesson.id}' ({lesson.path}) has no quiz question"
                fix = f"add at least one with 'lesson: {lesson.id}'"
                problems.append(Problem(shown, None, f"{untested}; {fix}"))
    return questions, problems
