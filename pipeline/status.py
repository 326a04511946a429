"""What a build would do, and why: `certquests status` and `certquests explain STEP`."""
from __future__ import annotations

from dataclasses import dataclass

from .build import EPISODE_STAGES, Context, State, audio_name, episode_staleness
from .config import Project
from .speech import SpeechCache, sentence_key

WORDS_PER_MINUTE = 150  # hibari's pace at rate 1.0


@dataclass(frozen=True)
class EpisodeStatus:
    id: str
    reasons: dict[str, str]  # stage -> why it would run
    new_sentences: int
    sentences: int
    minutes_to_synthesize: float


def episode_status(context: Context) -> list[EpisodeStatus]:
    cache = SpeechCache(context.project.cache / "speech")
    versions = {}
    rows = []
    for item, stale in zip(context.plans, episode_staleness(context)):
        new = words = 0
        if "synth" in stale.reasons:
            for line in item.script.lines:
                voice = context.show.voices[line.role]
                if voice.engine not in versions:
                    from .speech import get_engine

                    versions[voice.engine] = get_engine(voice.engine).version()
                if not cache.path(sentence_key(line.spoken, voice, versions[voice.engine])).exists():
                    new += 1
                    words += len(line.spoken.split()) / voice.rate
        rows.append(EpisodeStatus(item.id, stale.reasons, new, len(item.script.lines), words / WORDS_PER_MINUTE))
    return rows


def explain(context: Context, step: str) -> list[str]:
    """Lines saying whether STEP would run, and which of its inputs changed since it last ran."""
    stage, _, episode_id = step.partition(":")
    if not episode_id and stage not in EPISODE_STAGES:
        stage, episode_id = "", stage
    items = [item for item in context.plans if item.id == episode_id]
    if not items:
        known = ", ".join(item.id for item in context.plans[:5])
        return [f"no episode '{episode_id}'; steps are STAGE:EPISODE (stages: {', '.join(EPISODE_STAGES)}) "
                f"or an EPISODE id such as {known}"]
    item = items[0]
    state = State(context.cache_dir(item.id) / "state.json")
    reasons = next(s.reasons for s in episode_staleness(context) if s.id == item.id)
    out = []
    for name in ([stage] if stage else EPISODE_STAGES):
        reason = reasons.get(name)
        out.append(f"{name}:{item.id}: {'runs: ' + reason if reason else 'up to date'}")
        previous = state.data.get(name, {}).get("parts", {}) if isinstance(state.data.get(name), dict) else {}
        for part, value in item.parts[name].items():
            mark = "changed" if previous.get(part) != value else "same"
            out.append(f"    {part:20} {value[:12]}  {mark}")
    if not stage:
        out.append(f"audio file: episodes/{audio_name(item)}")
    return out


def project_status(project: Project, as_of=None) -> tuple[Context, list[EpisodeStatus]]:
    from .build import plan

    context = plan(project, as_of)
    return context, episode_status(context)
