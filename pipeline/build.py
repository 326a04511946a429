"""The step graph: work out what is stale and why, run it (in parallel per episode), save state after success.

Per episode:  script -> synth -> master -> tag      then for the show:  feed, site
Each step's key hashes its inputs, the params that change its bytes and a stage version; a step runs when
its key changed or an output is missing. State is saved only after a step succeeds.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import queue
import resource
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from .config import Project, Show, load_show
from .content import Course, Lesson, load_course
from .episode import ChapterMark, Cue, Episode
from .errors import BuildError, CertQuestsError, ContentError, LockedError, Problem, relative
from .fsutil import write_atomic
from .lexicon import Lexicon, load_lexicon
from .script import Script, build_script, render_script

log = logging.getLogger(__name__)

STAGES = ("script", "synth", "master", "tag", "feed", "site")
EPISODE_STAGES = ("script", "synth", "master", "tag")
# Bump a stage's version when its code changes what it writes.
VERSIONS = {"script": 1, "synth": 1, "master": 8, "tag": 2, "feed": 1, "site": 1}
REGISTRY_NAME = "episodes/registry.json"


def digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- state, lock, registry

class State:
    """What the steps that last succeeded were built from (.cache/.../state.json): each step's key and the
    digests of its named inputs, so a stale step can say which input changed."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.data: dict[str, dict] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def fresh(self, step: str, parts: dict[str, str], outputs: list[Path]) -> str | None:
        """None when the step is up to date, else the reason it must run."""
        previous = self.data.get(step)
        if not isinstance(previous, dict):
            return "never built"
        missing = [p for p in outputs if not p.exists()]
        if missing:
            return f"output missing: {missing[0].name}"
        if previous.get("key") != digest(parts):
            before = previous.get("parts", {})
            changed = [name for name, value in parts.items() if before.get(name) != value]
            return "changed: " + ", ".join(changed) if changed else "inputs changed"
        return None

    def record(self, step: str, parts: dict[str, str]) -> None:
        self.data[step] = {"key": digest(parts), "parts": parts}
        write_atomic(self.path, json.dumps(self.data, indent=1, sort_keys=True))


class BuildLock:
    """One build at a time per project; the kernel drops the lock when its process dies, so none goes stale."""

    def __init__(self, project: Project):
        self.path = project.cache / "build.lock"
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise LockedError(f"another build of this project is running ({holder}); wait for it to finish") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        self.handle.truncate(0)
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


class Registry:
    """Identities that must never change once published: the show GUID and each episode's GUID (tracked in git)."""

    def __init__(self, project: Project):
        self.path = project.root / REGISTRY_NAME
        try:
            self.data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            self.data = {}
        except ValueError as exc:
            raise ContentError(f"{REGISTRY_NAME}: not valid JSON ({exc}); restore it from version control") from None
        self.data.setdefault("episodes", {})
        self.changed = False

    def show_guid(self, show: Show) -> str:
        from .feed import podcast_guid

        if show.podcast_guid:
            return show.podcast_guid
        if "podcast_guid" not in self.data:
            self.data["podcast_guid"] = podcast_guid(show.feed_url)
            self.changed = True
        return self.data["podcast_guid"]

    def guid(self, lesson_id: str, show_guid: str) -> str:
        entry = self.data["episodes"].get(lesson_id) or {}
        return entry.get("guid") or str(uuid.uuid5(uuid.UUID(show_guid), lesson_id))

    def first_published(self, lesson_id: str) -> dt.date | None:
        entry = self.data["episodes"].get(lesson_id) or {}
        return dt.date.fromisoformat(entry["first_published"]) if entry.get("first_published") else None

    def retired(self, lesson_id: str) -> bool:
        return bool((self.data["episodes"].get(lesson_id) or {}).get("retired"))

    def published(self, lesson_id: str, guid: str, when: dt.datetime) -> None:
        if lesson_id not in self.data["episodes"]:
            self.data["episodes"][lesson_id] = {"guid": guid, "first_published": when.date().isoformat()}
            self.changed = True

    def retire(self, lesson_id: str) -> None:
        if lesson_id not in self.data["episodes"]:
            known = ", ".join(sorted(self.data["episodes"])[:6])
            raise ContentError(f"'{lesson_id}' was never published, so there is nothing to retire (published: "
                               f"{known or 'none yet'}); to drop an unpublished lesson, delete its file or set "
                               "'retired: true' in its front matter")
        self.data["episodes"][lesson_id]["retired"] = True
        self.changed = True

    def orphans(self, course: Course) -> list[str]:
        """Published episodes whose lesson has gone without being retired."""
        present = {lesson.id for lesson in course.lessons}
        return sorted(lesson_id for lesson_id, entry in self.data["episodes"].items()
                      if lesson_id not in present and not entry.get("retired"))

    def save(self) -> None:
        if self.changed:
            write_atomic(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n")
            self.changed = False


# ---------------------------------------------------------------- the plan

@dataclass
class EpisodePlan:
    lesson: Lesson
    script: Script
    script_text: str
    guid: str
    season: int | None
    number: int | None
    released: dt.datetime
    parts: dict[str, dict[str, str]] = field(default_factory=dict)  # stage -> named input digests

    def key(self, stage: str) -> str:
        return digest(self.parts[stage])

    @property
    def id(self) -> str:
        return self.lesson.id


@dataclass
class Context:
    project: Project
    show: Show
    course: Course
    lexicon: Lexicon
    registry: Registry
    show_guid: str
    plans: list[EpisodePlan]
    as_of: dt.datetime
    cover_digest: str

    def cache_dir(self, episode_id: str) -> Path:
        return self.project.cache / "episodes" / episode_id


def release_dates(show: Show, lessons: list[Lesson], registry: Registry) -> dict[str, dt.datetime]:
    """When each episode is released. A publish date in the front matter wins; a published episode keeps the
    date it was first published on; the rest follow the schedule (the first on `start`, then one every N
    days), never before the next free slot after the last episode already out, so adding or retiring a lesson
    never moves an episode that listeners already have."""
    start = show.schedule.start or dt.date(2000, 1, 1)
    step = dt.timedelta(days=show.schedule.every_days)
    published = [day for lesson in lessons if (day := registry.first_published(lesson.id))]
    cursor = max(published) if published else None
    days: dict[str, dt.date] = {}
    for index, lesson in enumerate(lessons):
        day = lesson.publish or registry.first_published(lesson.id)
        if day is None:
            day = start + step * index
            if cursor is not None and day <= cursor:
                day = cursor + step
            cursor = day if cursor is None else max(cursor, day)
        days[lesson.id] = day
    return {key: dt.datetime.combine(day, show.schedule.time, tzinfo=dt.timezone.utc) for key, day in days.items()}


def engine_versions(show: Show) -> dict[str, str]:
    """Engine versions, read from package metadata so a no-op build never loads a model."""
    versions = {}
    for voice in show.voices.values():
        package = {"hibari": "hibari-tts", "gtts": "gtts"}.get(voice.engine)
        try:
            versions[voice.engine] = metadata.version(package) if package else voice.engine
        except metadata.PackageNotFoundError:
            versions[voice.engine] = "missing"
    return versions


def plan(project: Project, as_of: dt.datetime | None = None) -> Context:
    """Read and validate everything, build every script in memory, and compute every step key. No audio work."""
    show = load_show(project)
    lexicon = load_lexicon(project.root)
    course = load_course(project, show)
    registry = Registry(project)
    orphans = registry.orphans(course)
    if orphans:
        raise ContentError("published episodes have lost their lesson files", [
            Problem(REGISTRY_NAME, None, f"'{lesson_id}' was published but no lesson has that id any more; "
                                         f"restore the lesson, or run `certquests retire {lesson_id}` to drop it "
                                         "from the feed on purpose") for lesson_id in orphans])
    show_guid = registry.show_guid(show)
    from .cover import artwork_problem

    art = artwork_problem(show.cover)
    if art:
        raise ContentError(f"{relative(show.cover, project.root)}: the cover {art}")

    lessons = [lesson for lesson in course.lessons if not lesson.retired and not registry.retired(lesson.id)]
    released = release_dates(show, lessons, registry)
    plans: list[EpisodePlan] = []
    versions = engine_versions(show)
    audio = show.audio
    tools = digest(_tool_versions())
    cover_digest = hashlib.sha256(show.cover.read_bytes()).hexdigest()
    for index, lesson in enumerate(lessons):
        following = lessons[index + 1] if index + 1 < len(lessons) else None
        script = build_script(lesson, show, lexicon, course.questions_for(lesson.id),
                              following.title if following and following.episode_type != "trailer" else None)
        text = render_script(script, lesson, show)
        trailer = lesson.episode_type == "trailer"
        season = (lesson.module or None) if not trailer else (lessons[1].module if len(lessons) > 1 else 1)
        number = None if trailer else lesson.number
        if show.show_type == "episodic" and not trailer:
            number = sum(1 for other in lessons[: index + 1] if other.episode_type != "trailer")
        item = EpisodePlan(lesson, script, text, registry.guid(lesson.id, show_guid), season, number,
                           released[lesson.id])
        roles = sorted({line.role for line in script.lines} & set(show.voices))
        # The script is cheap to make and the file is all it writes: its text is its key.
        item.parts["script"] = {"stage code": str(VERSIONS["script"]), "script text": digest(text)}
        item.parts["synth"] = {
            "stage code": str(VERSIONS["synth"]), "sentences": digest([(line.role, line.spoken) for line in script.lines]),
            "voices": digest([show.voices[r].settings for r in roles]), "engines": digest(versions)}
        item.parts["master"] = {
            "stage code": str(VERSIONS["master"]), "speech": item.key("synth"),
            "pauses and chapters": digest([[line.pause for line in c.lines] for c in script.chapters],
                                          [c.kind for c in script.chapters]),
            "audio settings": digest(audio), "tools": tools}
        item.parts["tag"] = {
            "stage code": str(VERSIONS["tag"]), "audio": item.key("master"),
            "episode details": digest(lesson.title, lesson.summary, item.guid, season, number,
                                      item.released.isoformat(), [c.title for c in script.chapters]),
            "show details": digest(show.title, show.author, show.base_url, show.feed_url),
            "cover": cover_digest, "speaker names": digest([show.voices[r].name for r in roles]),
            "version": __version__}
        plans.append(item)
    now = as_of or dt.datetime.now(dt.timezone.utc)
    return Context(project, show, course, lexicon, registry, show_guid, plans, now, cover_digest)


def _tool_versions() -> list[str]:
    """ffmpeg (the one that will run) and the libraries that shape the audio."""
    from .media import ffmpeg_version

    out = [ffmpeg_version()]
    for package in ("numpy", "scipy", "soxr", "lameenc", "soundfile", "pyebur128"):
        try:
            out.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            out.append(f"{package} missing")
    return out


# ---------------------------------------------------------------- episode stages (run on worker threads)

@dataclass(frozen=True)
class EpisodeJob:
    root: Path
    plan: EpisodePlan
    show: Show
    cover_name: str
    reasons: dict[str, str]  # stage -> why it runs (only stages up to the one asked for); others are up to date


@dataclass
class EpisodeResult:
    id: str
    ran: list[str]
    synthesized: int = 0
    sentences: int = 0
    audio_seconds: float = 0.0
    error: str | None = None
    # CPU seconds of this process and its ffmpeg runs; exact per stage only with --jobs 1
    stage_cpu: dict[str, float] = field(default_factory=dict)


def audio_name(plan_: EpisodePlan) -> str:
    # Any change to the file's bytes (audio or tags) gives it a new name, so apps fetch it again.
    return f"{plan_.id}-{plan_.key('tag')[:10]}.mp3"


def _run_stage(project: Project, job: EpisodeJob, stage: str, keys: list[str]) -> float | None:
    """Run one stage of an episode (synthesis itself happens line by line before its "synth" stage, which
    records the result). Returns the seconds of audio mastered, for the master stage."""
    item = job.plan
    if stage == "script":
        write_atomic(project.scripts / f"{item.id}.txt", item.script_text)
    elif stage == "synth":
        from .audio import write_json

        write_json(project.cache / "episodes" / item.id / "speech.json", keys)
    elif stage == "master":
        return _master(project, item, job.show)
    elif stage == "tag":
        _tag(project, item, job.show, job.cover_name)
    return None


def _file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _master_intact(project: Project, item: EpisodePlan) -> bool:
    """The cached master is the one its record describes (a damaged file is made again, never published)."""
    folder = project.cache / "episodes" / item.id
    try:
        recorded = json.loads((folder / "master.json").read_text("utf-8")).get("sha256")
        return recorded == _file_digest(folder / "master.mp3")
    except (OSError, ValueError):
        return False


def cpu_seconds() -> float:
    """CPU seconds of this process (all its threads) and of its finished children (ffmpeg)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _master(project: Project, item: EpisodePlan, show: Show) -> float:
    from .audio import MissingSentence, assemble, master, synthesize_lines, write_json
    from .sound import cues
    from .speech import SpeechCache

    folder = project.cache / "episodes" / item.id
    cache = SpeechCache(project.cache / "speech")
    with tempfile.TemporaryDirectory(prefix="certquests-") as scratch:
        def assembled(keys: list[str]):
            return assemble(item.script, keys, cache, Path(scratch) / "track.wav",
                            cues() if show.audio.music else None, bed=show.audio.music)

        # Usually every sentence is cached already; one removed or damaged since the synth step is made again.
        keys, _ = synthesize_lines(item.script, show.voices, cache, lesson_path=item.lesson.path, trust_cache=True)
        try:
            assembly = assembled(keys)
        except MissingSentence:
            keys, _ = synthesize_lines(item.script, show.voices, cache, lesson_path=item.lesson.path)
            assembly = assembled(keys)
        report = master(assembly, show.audio, folder / "master.mp3", what=item.lesson.path)
    timings, starts = assembly.timings, assembly.chapter_starts
    names = {role: voice.name for role, voice in show.voices.items()}
    chapters = []
    for index, chapter in enumerate(item.script.chapters):
        end = starts[index + 1] if index + 1 < len(starts) else report.duration_s
        chapters.append({"title": chapter.title, "start": round(starts[index], 3), "end": round(min(end, report.duration_s), 3)})
    cues_out = [{"speaker": names.get(t.role, t.role), "text": t.text, "start": round(t.start, 3),
                 "end": round(t.end, 3)} for t in timings]
    write_json(folder / "master.json", {"chapters": chapters, "cues": cues_out, "loudness": report.as_dict(),
                                        "sha256": _file_digest(folder / "master.mp3")})
    return report.duration_s


def _tag(project: Project, item: EpisodePlan, show: Show, cover_file: str) -> None:
    import shutil

    from .fsutil import temporary_sibling
    from .site import Urls
    from .tags import write_tags
    from .transcripts import render_chapters, render_srt, render_vtt

    folder = project.cache / "episodes" / item.id
    episode = load_episode(project, item)
    urls = Urls(show.base_url, cover_file)
    target = project.episodes / episode.audio_name
    tmp = temporary_sibling(target)
    try:
        shutil.copyfile(folder / "master.mp3", tmp)
        write_tags(tmp, episode, show, page_url=urls.page(episode), quiz_url=urls.quiz(episode))
        sidecars = episode.sidecars
        write_atomic(project.episodes / sidecars["vtt"], render_vtt(episode))
        write_atomic(project.episodes / sidecars["srt"], render_srt(episode))
        write_atomic(project.episodes / sidecars["chapters"], render_chapters(episode, urls.page(episode)))
        write_atomic(project.episodes / f"{episode.stem}.loudness.json",
                     json.dumps(episode.loudness, indent=2) + "\n")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_episode(project: Project, item: EpisodePlan) -> Episode:
    """The built episode's record, from the master step's timings and the file on disk."""
    data = json.loads((project.cache / "episodes" / item.id / "master.json").read_text("utf-8"))
    name = audio_name(item)
    path = project.episodes / name
    return Episode(
        lesson=item.lesson, guid=item.guid, season=item.season, number=item.number, released=item.released,
        audio_name=name, page_name=f"{item.id}.html", length=path.stat().st_size if path.exists() else 0,
        duration=data["loudness"]["duration_s"],
        chapters=tuple(ChapterMark(c["title"], c["start"], c["end"]) for c in data["chapters"]),
        cues=tuple(Cue(**c) for c in data["cues"]), loudness=data["loudness"])


# ---------------------------------------------------------------- the whole build

@dataclass
class Staleness:
    """For one episode: stage -> why it must run (only stale stages appear)."""

    id: str
    reasons: dict[str, str]


def episode_staleness(context: Context, until: str = "tag") -> list[Staleness]:
    stages = EPISODE_STAGES[: EPISODE_STAGES.index(until) + 1] if until in EPISODE_STAGES else EPISODE_STAGES
    out = []
    for item in context.plans:
        state = State(context.cache_dir(item.id) / "state.json")
        outputs = {
            "script": [context.project.scripts / f"{item.id}.txt"],
            "synth": [context.cache_dir(item.id) / "speech.json"],
            "master": [context.cache_dir(item.id) / "master.mp3", context.cache_dir(item.id) / "master.json"],
            "tag": [context.project.episodes / audio_name(item)],
        }
        reasons: dict[str, str] = {}
        for stage in stages:
            reason = state.fresh(stage, item.parts[stage], outputs[stage])
            if reason:
                reasons[stage] = reason
        out.append(Staleness(item.id, reasons))
    return out


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


def build(project: Project, *, until: str = "site", jobs: int | None = None, as_of: dt.datetime | None = None,
          progress: Callable[[str], None] = lambda message: None,
          status: Callable[[str], None] | None = None) -> BuildReport:
    """Bring the project up to date through stage `until`."""
    started = time.perf_counter()
    with BuildLock(project):
        _remove_leftovers(project)
        context = plan(project, as_of)
        report = BuildReport(episodes=len(context.plans))
        stale = {s.id: s.reasons for s in episode_staleness(context, until if until in EPISODE_STAGES else "tag")}
        from .site import cover_name

        cover_file = cover_name(context.show)
        work = [EpisodeJob(project.root, item, context.show, cover_file, stale[item.id])
                for item in context.plans if stale[item.id]]
        if work:
            _check_voices(context, work)
            _run_jobs(work, jobs, report, progress, status)
        if report.failures:
            raise BuildError(f"{len(report.failures)} of {len(context.plans)} episode(s) failed; the published "
                             "feed and pages were left as they were:\n  " + "\n  ".join(report.failures))
        if until in ("feed", "site"):
            from .publish import publish

            report.published, report.released = publish(context, until, cover_file)
        context.registry.save()
    report.seconds = time.perf_counter() - started
    return report


def _remove_leftovers(project: Project) -> None:
    """A build that was killed may have left temporary files; finished files are never half-written."""
    from .fsutil import remove_leftovers

    folders = [project.scripts, project.episodes, project.site, project.site / "episodes", project.site / "assets",
               project.cache]
    for parent in (project.cache / "episodes", project.cache / "speech"):
        if parent.is_dir():
            folders.extend(path for path in parent.iterdir() if path.is_dir())
    removed = sum(remove_leftovers(folder) for folder in folders)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted build", removed)


def _check_voices(context: Context, work: list[EpisodeJob]) -> None:
    if not any("synth" in job.reasons for job in work):
        return
    from .speech import check_voices

    roles = {line.role for job in work for line in job.plan.script.lines}
    check_voices(context.show.voices, roles)


@dataclass
class _Voicing:
    """One episode's progress through the workers."""

    job: EpisodeJob
    result: EpisodeResult
    stages: list[str]  # the stale stages after script, in order
    keys: list[str] = field(default_factory=list)
    todo: list[int] = field(default_factory=list)  # indices of lines not yet handed to a worker
    running: int = 0  # lines a worker is on


class _Scheduler:
    """Hands work to the build's threads. Finishing an episode whose lines are all voiced (its master and tag
    stages) comes first; otherwise the next line to voice, from the first episode still being voiced, so
    threads share an episode's lines and episodes reach mastering one at a time. On two cores this keeps one
    thread mastering while the other synthesizes, the pairing in which they slow each other least (two
    syntheses at once contend for the memory bus), and no thread waits for another's episode."""

    def __init__(self, work: list[EpisodeJob], report: BuildReport):
        from .audio import Voicer
        from .speech import SpeechCache

        self.report, self.total, self.done = report, len(work), 0
        self.messages: queue.SimpleQueue[str] = queue.SimpleQueue()  # progress lines, shown by the main thread
        self.lock = threading.Condition()
        self.stopping = False
        self.ready: list[_Voicing] = []
        self.voicing: list[_Voicing] = []
        self.lines = self.voiced = 0  # lines to voice in this build, and voiced so far
        self.started = time.perf_counter()
        self.project = Project(work[0].root)
        self.voicer = Voicer(work[0].show.voices, SpeechCache(self.project.cache / "speech"))
        # Longest episodes first: the last to be mastered, alone at the end, is a short one.
        for job in sorted(work, key=lambda job: -job.plan.script.word_count):
            item = job.plan
            entry = _Voicing(job, EpisodeResult(item.id, [], sentences=len(item.script.lines)),
                             [stage for stage in EPISODE_STAGES if stage in job.reasons])
            if "script" in entry.stages:  # a text file: written at once, whatever becomes of the audio
                self._run(entry, ["script"])
                entry.stages.remove("script")
                if entry.result.error:
                    self._complete(entry)
                    continue
            if "synth" in entry.stages:
                entry.keys = [self.voicer.key(line) for line in item.script.lines]
                entry.todo = list(range(len(item.script.lines)))
                self.lines += len(entry.todo)
            (self.voicing if entry.todo else self.ready).append(entry)

    def _next(self) -> tuple[_Voicing, int | None] | None:
        with self.lock:
            while True:
                if self.stopping or self.done == self.total:
                    return None
                if self.ready:
                    return self.ready.pop(0), None
                for entry in self.voicing:
                    if entry.todo:
                        entry.running += 1
                        return entry, entry.todo.pop(0)
                self.lock.wait()

    def work(self) -> None:
        try:
            while (task := self._next()) is not None:
                entry, line = task
                if line is None:
                    self._finish(entry)
                else:
                    self._voice(entry, line)
        except BaseException:  # a bug in the scheduling itself: stop everyone rather than wait forever
            log.debug("build thread failed", exc_info=True)
            self.stop()

    def _voice(self, entry: _Voicing, index: int) -> None:
        item = entry.job.plan
        started, made, error = cpu_seconds(), False, None
        try:
            made = self.voicer.ensure(item.script.lines[index], index, lesson_path=item.lesson.path)
        except Exception as exc:  # noqa: BLE001 - reported with the episode, the others go on
            error = _describe(item, exc)
        with self.lock:
            result = entry.result
            result.stage_cpu["synth"] = result.stage_cpu.get("synth", 0.0) + cpu_seconds() - started
            result.synthesized += made
            self.voiced += 1
            entry.running -= 1
            if error and not result.error:
                result.error, entry.todo = error, []
            if not entry.todo and not entry.running:
                self.voicing.remove(entry)
                if result.error:
                    self._complete(entry)
                else:
                    self.ready.append(entry)
            self.lock.notify_all()

    def _finish(self, entry: _Voicing) -> None:
        stages = entry.stages
        if "tag" in stages and "master" not in stages and not _master_intact(self.project, entry.job.plan):
            stages.insert(stages.index("tag"), "master")
        self._run(entry, stages)
        with self.lock:
            self._complete(entry)
            self.lock.notify_all()

    def _run(self, entry: _Voicing, stages: list[str]) -> None:
        """Run stages of one episode in order, saving state after each; the first error ends the episode."""
        item, result = entry.job.plan, entry.result
        state = State(self.project.cache / "episodes" / item.id / "state.json")
        try:
            for stage in stages:
                started = cpu_seconds()
                seconds = _run_stage(self.project, entry.job, stage, entry.keys)
                if seconds is not None:
                    result.audio_seconds = seconds
                state.record(stage, item.parts[stage])
                result.ran.append(stage)
                result.stage_cpu[stage] = result.stage_cpu.get(stage, 0.0) + cpu_seconds() - started
                log.debug("%s: %s took %.2f s of CPU", item.id, stage, result.stage_cpu[stage])
        except Exception as exc:  # noqa: BLE001 - reported with the episode, the others go on
            result.error = _describe(item, exc)

    def _complete(self, entry: _Voicing) -> None:
        """Count a finished (or failed) episode into the report; called with the lock held."""
        result, report = entry.result, self.report
        self.done += 1
        for stage in result.ran:
            report.ran[stage] = report.ran.get(stage, 0) + 1
        report.synthesized += result.synthesized
        report.audio_seconds += result.audio_seconds
        for stage, seconds in result.stage_cpu.items():
            report.stage_cpu[stage] = report.stage_cpu.get(stage, 0.0) + seconds
        if result.error:
            report.failures.append(result.error)
            self.messages.put(f"[{self.done}/{self.total}] {result.id}: FAILED: {result.error.splitlines()[0]}")
            return
        detail = ", ".join(result.ran) or "nothing"
        extra = f"; {result.synthesized} of {result.sentences} sentences synthesized" if "synth" in result.ran else ""
        self.messages.put(f"[{self.done}/{self.total}] {result.id}: {detail}{extra}")

    def summary(self) -> str:
        """The one-line state of the build, for a live display."""
        lines = f"sentences {self.voiced}/{self.lines}, " if self.lines else ""
        return f"{lines}episodes {self.done}/{self.total} ({time.perf_counter() - self.started:.0f} s)"

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            self.lock.notify_all()


def _describe(item: EpisodePlan, exc: Exception) -> str:
    if isinstance(exc, CertQuestsError):
        return exc.format_message()
    log.debug("%s: unexpected error", item.id, exc_info=exc)  # a bug: keep building the other episodes
    return (f"{item.lesson.path}: internal error while building ({type(exc).__name__}: {exc}); "
            "run with -vv for the details")


def _run_jobs(work: list[EpisodeJob], jobs: int | None, report: BuildReport, progress: Callable[[str], None],
              status: Callable[[str], None] | None = None) -> None:
    """Build the stale episodes on `jobs` threads of this process: the voice model is loaded once and shared,
    and the heavy work (the model's inference, numpy, LAME, soxr, mpg123, and ffmpeg in its own processes)
    runs outside the interpreter lock."""
    scheduler = _Scheduler(work, report)
    count = jobs or os.cpu_count() or 1
    if not scheduler.lines:  # threads share sentences, not a master: no more threads than episodes
        count = min(count, len(work))
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
    if scheduler.done < scheduler.total:
        raise BuildError(f"{scheduler.total - scheduler.done} episode(s) were not built: a build thread stopped unexpectedly; "
                         "run with -vv for the details")


def retire(project: Project, lesson_id: str) -> None:
    with BuildLock(project):
        registry = Registry(project)
        registry.retire(lesson_id)
        registry.save()
