"""The build: plan the episode steps, run the stale ones on threads, then plan and run the show's steps.

Each episode's steps run in stage order (script, synth, master, tag), then the show's (the feed, the pages,
then what puts them live): the stages' SCOPE and order say which is which. A step runs when its key (a digest
of its named inputs) changed or an output is missing; its state is saved only after it succeeds. The show's
steps go live together, so their state is saved once they all succeeded.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import BuildError
from ..fsutil import remove_leftovers
from ..memory import give_back_freed_memory
from ..model.project import Project
from ..model.registry import Registry
from ..speech import accent_problem, check_voices, release_voices
from ..stages import summary
from ..stages.built import Released
from ..stages.products import Product
from ..stages.script import speech_report
from .lock import BuildLock
from .plan import Plan, plan_project, plan_show
from .scheduler import Chain, ChainResult, Scheduler
from .state import State

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    episodes: int = 0
    ran: dict[str, int] = field(default_factory=dict)
    synthesized: int = 0
    audio_seconds: float = 0.0
    released: int = 0
    failures: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stage_cpu: dict[str, float] = field(default_factory=dict)

    @property
    def did_work(self) -> bool:
        return bool(self.ran) or bool(self.published)

    def add(self, result: ChainResult) -> None:
        for stage in result.ran:
            self.ran[stage] = self.ran.get(stage, 0) + 1
        self.synthesized += result.made
        self.audio_seconds += result.audio_seconds
        for stage, seconds in result.stage_cpu.items():
            self.stage_cpu[stage] = self.stage_cpu.get(stage, 0.0) + seconds
        if result.error:
            self.failures.append(result.error)


def episode_chains(plan: Plan, *, remaster: bool = False) -> list[Chain]:
    """Each episode's stale steps. A step that is up to date but whose outputs a stale later step reads is
    checked: a damaged output (a cached master that no longer matches its record) is made again. With
    `remaster`, a step whose kept inputs changed (the audio tools) runs too."""
    chains = []
    context = plan.context
    for episode in context.episodes:
        steps = plan.episodes[episode.id]
        state = State(context.cache_dir(episode.id) / "state.json")
        stale = [state.why(step) is not None or (remaster and bool(state.drifted(step))) for step in steps]
        for index in range(len(steps) - 1):
            check = steps[index].intact
            if not stale[index] and any(stale[index + 1 :]) and check is not None and not check():
                stale[index] = True
        chosen = [step for step, run in zip(steps, stale) if run]
        if chosen:
            chains.append(Chain(chosen, state, ChainResult(episode.id, episode.lesson.path)))
    return chains


def build(
    project: Project,
    *,
    until: str | None = None,
    jobs: int | None = None,
    as_of: dt.datetime | None = None,
    progress: Callable[[str], None] = lambda message: None,
    status: Callable[[str], None] | None = None,
    remaster: bool = False,
    orders: Mapping[str, object] | None = None,
    once: bool = False,
) -> BuildReport:
    """Bring the project up to date through stage `until` (None: every stage `certquests build` runs;
    `remaster`: also redo the audio whose tools changed, which is otherwise kept; `orders`: what the command
    asks of a stage beyond building, by the stage's name, such as where to upload; `once`: the process ends
    with this build, so what planning made is kept out of the cycle collector's passes and the voice models
    are let go once every sentence is voiced; otherwise (`serve --watch`) they stay loaded for the next)."""
    started = time.perf_counter()
    with BuildLock(project):
        _remove_leftovers(project)
        plan = plan_project(project, as_of, until, orders, freeze=once)
        context = plan.context
        report = BuildReport(episodes=len(context.episodes))
        chains = episode_chains(plan, remaster=remaster)
        if chains:
            if any(step.units for chain in chains for step in chain.steps):
                check_voices(
                    context.show.voices, {role for e in context.episodes for role in e.planned.roles}
                )
                accent = accent_problem(context.show)
                for problem in [*([accent] if accent else []), *speech_report(context).problems]:
                    progress(f"warning: {problem}")  # what `check` reports, before any audio
            _run_chains(plan, chains, jobs, report, progress, status, keep_voices=not once)
        if report.failures:
            raise BuildError(
                f"{len(report.failures)} of {len(context.episodes)} episode(s) failed; the published "
                "feed and pages were left as they were:\n  " + "\n  ".join(report.failures)
            )
        if any(stage.SCOPE == "show" for stage in plan.stages):
            _run_show(plan, report)
        context.registry.save()  # a registry rebuilt from the live feed is written back, whatever ran
    report.seconds = time.perf_counter() - started
    return report


def _run_show(plan: Plan, report: BuildReport) -> None:
    plan_show(plan)
    context = plan.context
    state = State(context.project.cache / "state.json")
    stale = [step for step in plan.show if step.when == "stale" and state.reason(step)]
    report.released = len(plan.products.of(Released).episodes)
    for step in stale:
        made = step.run()
        if isinstance(made, Product):  # files staged for the step that puts them live
            plan.products.add(made, step.name)
    for step in plan.show:
        if (step.when == "changed" and stale) or step.when == "always":
            step.run()
    for step in stale:
        state.record(step)
    for step in plan.show:
        if step.when == "settled":
            step.run()
    ran: dict[str, int] = {}
    for step in stale:
        ran[step.stage] = ran.get(step.stage, 0) + 1
    report.published = summary(ran)


def _remove_leftovers(project: Project) -> None:
    """A build that was killed may have left temporary files; finished files are never half-written."""
    folders = [project.scripts, project.episodes, project.site, project.cache]
    # The site's folders (episodes/, assets/ and those show stages stage files in) and the cache's.
    for parent in (project.site, project.cache / "episodes", project.cache / "speech"):
        if parent.is_dir():  # checked by the lock: a real folder of the project
            folders.extend(path for path in parent.iterdir() if path.is_dir() and not path.is_symlink())
    removed = sum(remove_leftovers(folder) for folder in folders)
    scratch = project.own(project.cache / "scratch")  # a killed master's working files, tens of MB an episode
    for leftover in scratch.iterdir() if scratch.is_dir() else ():
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink()  # a file, or a link (never what it points at)
        removed += 1
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted build", removed)


def _run_chains(
    plan: Plan,
    chains: list[Chain],
    jobs: int | None,
    report: BuildReport,
    progress: Callable[[str], None],
    status: Callable[[str], None] | None = None,
    keep_voices: bool = False,
) -> None:
    """Build the stale episodes on `jobs` threads of this process: the voice model is loaded once and shared,
    and the heavy work (the model's inference, numpy, LAME, soxr, mpg123, and ffmpeg in its own processes)
    runs outside the interpreter lock."""
    words = {episode.id: episode.planned.words for episode in plan.context.episodes}
    # Longest episodes first: the last to be mastered, alone at the end, is a short one.
    chains.sort(key=lambda chain: -words[chain.result.id])
    plan.context.voicer  # noqa: B018 - made here, once, before the threads share it
    give_back_freed_memory()  # before the threads make their own heaps
    # Mastering the last episodes needs no voice: the models are let go unless the process builds again.
    scheduler = Scheduler(chains, voiced=None if keep_voices else release_voices)
    count = jobs or os.cpu_count() or 1
    if not scheduler.units:  # threads share units, not a master: no more threads than episodes
        count = min(count, len(chains))
    threads = [threading.Thread(target=scheduler.work, name=f"build-{n}", daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()

    def show_progress() -> None:
        if status and not scheduler.messages.empty():
            status("")
        while not scheduler.messages.empty():
            progress(scheduler.messages.get())
        if status:
            status(scheduler.summary())

    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
                show_progress()
        show_progress()
    except BaseException:  # Ctrl-C, or the terminal went away: let the running tasks end, start no more
        scheduler.stop()
        for thread in threads:
            thread.join()
        raise
    finally:
        if status:
            status("")
    for result in scheduler.finished:
        report.add(result)
    if scheduler.done < scheduler.total:
        raise BuildError(
            f"{scheduler.total - scheduler.done} episode(s) were not built: a build thread stopped "
            "unexpectedly; run with -vv for the details"
        )


def retire(project: Project, lesson_id: str) -> None:
    with BuildLock(project):
        registry = Registry(project)
        registry.retire(lesson_id)
        registry.save()
