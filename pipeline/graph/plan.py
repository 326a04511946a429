"""Planning: read and check everything, then ask each stage for its steps. No audio work happens here."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError, ContentError, Problem, relative
from ..model.art import artwork_problem
from ..model.course import load_course
from ..model.drills import plan_study
from ..model.lexicon import LEXICON_NAME, Lexicon, load_lexicon
from ..model.memo import PlanMemo
from ..model.project import CONFIG_NAME, Project
from ..model.registry import REGISTRY_NAME, Registry, numbering, release_dates
from ..model.show import Show, load_show
from ..speech import engine_problems
from ..stages import STAGES, Stage, selected
from ..stages.base import Step
from ..stages.built import release
from ..stages.context import Context, EpisodeWork
from ..stages.products import Products


@dataclass
class Plan:
    context: Context
    stages: tuple[Stage, ...]
    episodes: dict[str, list[Step]] = field(default_factory=dict)  # episode id -> its steps, in stage order
    show: list[Step] = field(default_factory=list)  # planned once the episodes are built
    products: Products = field(default_factory=Products)  # what the planned steps make, for later stages

    @property
    def steps(self) -> list[Step]:
        return [step for steps in self.episodes.values() for step in steps] + self.show


def _load_show(project: Project, memo: PlanMemo) -> Show:
    """The show config as validated before while its bytes (and the year its defaults name) are unchanged."""
    if not project.config_path.is_file():
        return load_show(project)
    key = memo.key(memo.file_digest(project.config_path), project.content, dt.date.today().year)
    show = memo.remember("show", key, lambda: load_show(project))
    return show if show.cover.is_file() else load_show(project)  # load_show names the missing cover


def _load_lexicon(project: Project, memo: PlanMemo) -> Lexicon:
    """The lexicon as validated before while its bytes are unchanged (its patterns are compiled again)."""
    path = project.root / LEXICON_NAME
    if not path.is_file():
        return load_lexicon(project.root)
    return memo.remember("lexicon", memo.key(memo.file_digest(path)), lambda: load_lexicon(project.root))


def _artwork_problem(cover: Path, memo: PlanMemo) -> str | None:
    """artwork_problem(cover), remembered for a cover whose bytes are unchanged (it opens the image)."""
    if not cover.is_file():
        return artwork_problem(cover)
    key = memo.key("cover", memo.file_digest(cover))
    if memo.get("cover", key) is not None:
        return None
    problem = artwork_problem(cover)
    if problem is None:
        memo.put("cover", key, True)
    return problem


def _orphaned(orphans: list[str]) -> list[Problem]:
    """What to do about each published episode that nothing makes any more."""
    return [
        Problem(
            REGISTRY_NAME,
            None,
            f"'{lesson_id}' was published but "
            + (
                "[study] in content/show.toml no longer makes it (its drills, reviews or "
                "review_weeks changed); put them back"
                if lesson_id.startswith(("drill-", "review-"))
                else "no lesson has that id any more; restore the lesson"
            )
            + f", or run `certquests retire {lesson_id}` to drop it from the feed on purpose",
        )
        for lesson_id in orphans
    ]


def read_project(
    project: Project, as_of: dt.datetime | None = None, orders: Mapping[str, object] | None = None
) -> Context:
    """Everything a build plans from, with every problem in the sources reported before any work starts;
    `orders`: what the command asked of a stage beyond building, by the stage's name (see Context)."""
    project.check_own_folders()  # the memo is written under .cache: never through a link out of the project
    memo = PlanMemo(project.cache)
    show = _load_show(project, memo)
    problems = engine_problems(show)
    if problems:
        raise ConfigError(f"{CONFIG_NAME}: {len(problems)} problem(s) in the show config", problems)
    lexicon = _load_lexicon(project, memo)
    course = load_course(project, show, memo)
    registry = Registry(project)
    show_guid = registry.show_guid(show)
    art = _artwork_problem(show.cover, memo)
    if art:
        raise ConfigError(f"{relative(show.cover, project.root)}: the cover {art}")

    lessons = [lesson for lesson in course.lessons if not lesson.retired and not registry.retired(lesson.id)]
    released = release_dates(show, lessons, registry)
    topics, studies = plan_study(show, course, lessons, released)
    orphans = registry.orphans(course, [study.lesson.id for study in studies])
    if orphans:
        raise ContentError("published episodes have lost their lesson files", _orphaned(orphans))
    episodes = []
    for index, (lesson, (season, number)) in enumerate(zip(lessons, numbering(show, lessons))):
        following = lessons[index + 1] if index + 1 < len(lessons) else None
        episodes.append(
            EpisodeWork(
                lesson,
                registry.guid(lesson.id, show_guid),
                season,
                number,
                released[lesson.id],
                following.title if following and following.episode_type != "trailer" else None,
            )
        )
    for study in studies:
        if not registry.retired(study.lesson.id):
            day = registry.first_published(study.lesson.id) or study.day
            when = dt.datetime.combine(day, show.schedule.time, tzinfo=dt.UTC)
            guid = registry.guid(study.lesson.id, show_guid)
            episodes.append(EpisodeWork(study.lesson, guid, None, None, when, None, study))
    return Context(
        project,
        show,
        course,
        lexicon,
        registry,
        show_guid,
        as_of or dt.datetime.now(dt.UTC),
        memo.file_digest(show.cover),
        episodes,
        topics=topics,
        memo=memo,
        orders=orders or {},
    )


def _plan_stage(plan: Plan, stage: Stage, episode: EpisodeWork | None) -> list[Step]:
    """The stage's steps, planned from the products it needs; what each step makes is handed on, with the
    step's key as its digest."""
    steps = stage.plan(plan.context, episode, plan.products.given(stage.NEEDS))
    for step in steps:
        if step.made is not None:
            if type(step.made) not in stage.MAKES:
                raise RuntimeError(f"{stage.NAME} makes a {type(step.made).__name__} not in its MAKES")
            plan.products.add(step.made, episode.id if episode else step.name, step.key)
    plan.products.mark_planned(stage.MAKES)
    return steps


def plan_episodes(context: Context, until: str | None = None) -> Plan:
    """Every episode step up to stage `until` (None: what `certquests build` runs); every episode stage is
    planned: later ones read what earlier ones make."""
    plan = Plan(context, selected(until))
    episode_stages = [stage for stage in STAGES if stage.SCOPE == "episode"]
    for episode in context.episodes:
        steps = []
        for stage in episode_stages:
            planned = _plan_stage(plan, stage, episode)
            if stage in plan.stages:
                steps += planned
        plan.episodes[episode.id] = steps
    if context.memo is not None:
        context.memo.save()
    return plan


def plan_show(plan: Plan) -> None:
    """The show's steps, from the episodes as built (Released): call once their steps are done."""
    released = release(plan.context, plan.products)
    plan.products.add(released, None, released.key)
    plan.show = [
        step for stage in plan.stages if stage.SCOPE == "show" for step in _plan_stage(plan, stage, None)
    ]


@contextlib.contextmanager
def _collector_paused(freeze: bool) -> Iterator[None]:
    """Planning makes a course's worth of objects and next to no cycles: the cycle collector is paused while
    it runs (its passes over those objects cost more than the planning on a large course). With `freeze`,
    what it made is then kept out of later passes for good: only for a run that ends with its command (in
    `serve --watch` every rebuild's plan would be kept for as long as the preview runs)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def plan_project(
    project: Project,
    as_of: dt.datetime | None = None,
    until: str | None = None,
    orders: Mapping[str, object] | None = None,
    *,
    freeze: bool = False,
) -> Plan:
    """Read the project and plan every episode step up to `until` (`freeze`: see _collector_paused)."""
    with _collector_paused(freeze):
        return plan_episodes(read_project(project, as_of, orders), until)
