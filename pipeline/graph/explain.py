"""What a build would do, and why: `certquests status` and `certquests explain STEP`, for every step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model.project import Project
from ..stages import NAMES, STAGES
from ..stages.base import Estimate, Step
from ..stages.built import Built, readable
from .plan import Plan, plan_project, plan_show
from .state import State


@dataclass(frozen=True)
class EpisodeStatus:
    id: str
    reasons: dict[str, str]  # stage -> why it would run
    estimate: Estimate | None  # the sentences left to synthesize
    drifted: list[str]  # kept inputs (the audio tools) that changed: reported, not rebuilt


def _state(plan: Plan, step: Step) -> State:
    folder = plan.context.cache_dir(step.episode) if step.episode else plan.context.project.cache
    return State(folder / "state.json")


def plan_everything(
    project: Project, as_of: dt.datetime | None = None, *, freeze: bool = False
) -> tuple[Plan, str | None]:
    """Every step; the show's steps only once every episode is built (they are planned from the built files).
    Returns the plan and, when the show's steps could not be planned, why."""
    plan = plan_project(project, as_of, freeze=freeze)
    # The show's steps are planned from the episodes' master records: they wait while one is missing or
    # damaged (the build makes it again first).
    waiting = [episode.id for episode in plan.context.episodes if not readable(plan.context, episode)]
    if waiting:
        return plan, f"the feed and pages are planned once every episode is built ({len(waiting)} not yet)"
    plan_show(plan)
    return plan, None


def episode_status(plan: Plan) -> list[EpisodeStatus]:
    rows = []
    for episode_id, steps in plan.episodes.items():
        state = _state(plan, steps[0]) if steps else None
        reasons: dict[str, str] = {}
        estimate = None
        drifted: list[str] = []
        for step in steps:
            reason = state.why(step) if state else None
            if reason:
                reasons[step.stage] = reason
                if step.estimate is not None:
                    estimate = step.estimate()
            elif state:
                drifted += state.drifted(step)
        rows.append(EpisodeStatus(episode_id, reasons, estimate, sorted(set(drifted))))
    return rows


def show_status(plan: Plan) -> dict[str, str]:
    """Show step name -> why it would run."""
    reasons = {}
    for step in plan.show:
        reason = _state(plan, step).reason(step) if step.when == "stale" else None
        if reason:
            reasons[step.name] = reason
    return reasons


def minutes_to_synthesize(rows: list[EpisodeStatus]) -> float:
    """The minutes of audio the episodes' sentences left would make, each sentence once: episodes share
    sentences (a drill asks the lessons' questions, every option's letter is said alike)."""
    missing = {key: minutes for row in rows if row.estimate for key, minutes in row.estimate.missing.items()}
    return sum(missing.values())


def explain(plan: Plan, name: str, waiting: str | None = None) -> list[str]:
    """Lines saying whether the named step would run, and which of its inputs changed since it last ran.
    NAME is STAGE:SUBJECT (synth:lambda-basics, site:index.html or site:index), a show step (feed), or an
    episode id (all its steps)."""
    stage, _, subject = name.partition(":")
    steps = plan.steps
    if subject:
        found = [s for s in steps if s.stage == stage and s.subject in (subject, f"{subject}.html")]
    elif stage in NAMES:
        found = [s for s in steps if s.name == stage]
    else:
        found = [s for s in steps if s.episode == stage]
    if not found:
        if waiting and stage in {each.NAME for each in STAGES if each.SCOPE == "show"}:
            return [f"{name}: {waiting}"]
        known = ", ".join(episode.id for episode in plan.context.episodes[:3])
        pages = ", ".join([s.name for s in plan.show if s.subject and s.subject.endswith(".html")][:2])
        return [
            f"no step '{name}'; steps are STAGE:EPISODE (stages: {', '.join(NAMES)}), an episode id such as "
            f"{known}, feed{', or a page such as ' + pages if pages else ''}"
        ]
    out = []
    for step in found:
        state = _state(plan, step)
        reason = state.why(step)
        out.append(f"{step.name}: {'runs: ' + reason if reason else 'up to date'}")
        previous = state.previous(step)
        for part, value in step.parts.items():
            mark = "changed" if previous.get(part) != value else "same"
            out.append(f"    {part:20} {value[:12]}  {mark}")
        drifted = state.drifted(step)
        for part, value in step.kept.items():
            mark = "changed, kept (--remaster redoes it)" if part in drifted else "same"
            out.append(f"    {part:20} {value[:12]}  {mark}")
    episodes = {step.episode for step in found if step.episode}
    for episode in plan.context.episodes:
        if episode.id in episodes and not subject:
            out.append(f"audio file: episodes/{plan.products.of(Built, episode.id).audio_name}")
    return out
