"""The certquests command: parses options, calls the build, maps errors to exit codes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import click

from . import __version__
from .errors import CertQuestsError, ConfigError, PublishError, ValidationError
from .graph.build import build
from .graph.build import retire as retire_episode
from .graph.explain import episode_status, minutes_to_synthesize, plan_everything, show_status
from .graph.explain import explain as explain_step
from .graph.plan import plan_project
from .listening import proof as proof_listen
from .model.project import Project
from .model.registry import end_of_day
from .model.show import load_show
from .scaffold import draw_show_cover, new_project
from .speech import accent_problem, check_voices
from .stages import FIRST, STAGES, upload
from .stages.script import speech_report
from .writing.report import speech_lines, vocabulary_lines

# The publishing clients, the feed gate and the preview server are imported by their commands only: a build
# that has nothing to do should not pay for them.


def _project(ctx: click.Context) -> Project:
    return ctx.obj["project"]


AFTER_A_STOP = (
    "every published file is whole, the old version or the new; run the command again to finish what was left"
)


class _Stopped(BaseException):
    """SIGTERM, handled as Ctrl-C is: the threads finish what they are doing and start nothing new. Like
    KeyboardInterrupt it is no Exception: no library's `except Exception` (botocore's retries) keeps it."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Stopped


class _Group(click.Group):
    """Turns operating-system failures (a full disk, a folder without write access) and stops (Ctrl-C,
    SIGTERM) into one clear line that says what state things are in."""

    def invoke(self, ctx: click.Context) -> object:
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        except (KeyboardInterrupt, _Stopped) as stop:
            what = "stopped (SIGTERM)" if isinstance(stop, _Stopped) else "interrupted (Ctrl-C)"
            click.echo(f"Error: {what}; {AFTER_A_STOP}", err=True)
            raise SystemExit(143 if isinstance(stop, _Stopped) else 130) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise CertQuestsError(f"{where}{exc.strerror or exc}; {AFTER_A_STOP}") from None
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, previous)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "-p",
    "project_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (holding content/show.toml).",
)
@click.option("-v", "--verbose", count=True, help="Show detail (-vv: every ffmpeg command).")
@click.version_option(__version__, prog_name="certquests")
@click.pass_context
def main(ctx: click.Context, project_dir: Path, verbose: int) -> None:
    """Turn lesson Markdown into a published podcast: scripts, audio, tags, feed and show notes."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = {"project": Project(project_dir.resolve())}


def _live_line() -> Callable[[str], None] | None:
    """On a terminal, one line on stderr that the build keeps rewriting with where it stands."""
    if not sys.stderr.isatty():
        return None

    def show(text: str) -> None:
        sys.stderr.write("\r\033[K" + text)
        sys.stderr.flush()

    return show


def _run_build(
    ctx: click.Context,
    until: str | None,
    jobs: int | None,
    as_of: dt.datetime | None,
    remaster: bool = False,
    orders: dict[str, object] | None = None,
    lasting: bool = False,  # the process goes on after the build (`serve --watch`)
) -> None:
    report = build(
        _project(ctx),
        until=until,
        jobs=jobs,
        as_of=as_of,
        progress=click.echo,
        status=_live_line(),
        remaster=remaster,
        orders=orders,
        once=not lasting,
    )
    if not report.did_work:
        click.echo(f"Nothing to do: {report.episodes} episodes are up to date ({report.seconds:.2f} s).")
        return
    ran = ", ".join(f"{stage} {count}" for stage, count in report.ran.items()) or "no episode stages"
    minutes = report.audio_seconds / 60
    click.echo(
        f"Built in {report.seconds:.1f} s: {ran}; {report.synthesized} sentences synthesized"
        + (f", {minutes:.1f} min of audio mastered" if report.audio_seconds else "")
        + (
            f"; published {' and '.join(report.published)} ({report.released} released episodes)"
            if report.published
            else ""
        )
        + "."
    )


_jobs = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker threads that build episodes in parallel [default: number of cores].",
)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """The end of that day, UTC: everything released on it is out."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-12-31") from None
    return end_of_day(day)


_as_of = click.option(
    "--as-of",
    metavar="DATE",
    default=None,
    callback=_parse_date,
    help="Publish as if today were DATE (YYYY-MM-DD): previews the release schedule.",
)


_remaster = click.option(
    "--remaster",
    is_flag=True,
    help="Also master again the episodes whose audio tools changed (kept as they are otherwise).",
)


@main.command(name="build")
@_jobs
@_as_of
@_remaster
@click.pass_context
def build_command(ctx: click.Context, jobs: int | None, as_of: dt.datetime | None, remaster: bool) -> None:
    """Build everything that is out of date: scripts, audio, tags, feed and site."""
    _run_build(ctx, None, jobs, as_of, remaster)


def _stage_command(name: str, stage: str, help_text: str) -> None:
    @_jobs
    @_as_of
    @_remaster
    @click.pass_context
    def command(ctx: click.Context, jobs: int | None, as_of: dt.datetime | None, remaster: bool) -> None:
        _run_build(ctx, stage, jobs, as_of, remaster)

    command.__doc__ = help_text
    main.command(name=name)(command)


for _stage in STAGES:
    if _stage.COMMAND and _stage is not upload:  # the upload's command, defined below, takes a target
        _stage_command(_stage.COMMAND, _stage.NAME, _stage.HELP)


@main.command(name=upload.COMMAND)
@click.option(
    "--to",
    "to",
    metavar="TARGET",
    default=None,
    help="s3://BUCKET/PREFIX, or a folder [default: [publish] to in content/show.toml].",
)
@click.option("--dry-run", is_flag=True, help="Say what would be uploaded and removed; change nothing.")
@click.option("--cors", is_flag=True, help="Also let in-browser players GET and HEAD from any origin.")
@_jobs
@click.pass_context
def publish_command(ctx: click.Context, to: str | None, dry_run: bool, cors: bool, jobs: int | None) -> None:
    """Build everything, pass the gate, then upload what changed: audio first, the feed last."""
    project = _project(ctx)
    settings = load_show(project).publish
    url = to or settings.to
    if not url:
        raise ConfigError(
            "nowhere to publish: pass --to s3://BUCKET/PREFIX (or a folder), or set "
            '[publish] to = "s3://BUCKET/PREFIX" in content/show.toml'
        )
    if "://" not in url:  # a folder: from the command line relative to here, from show.toml to the project
        folder = Path(url).expanduser()
        url = str(folder.resolve() if to else (project.root / folder).resolve())
        if Path(url) == project.site.resolve():
            raise ConfigError(f"--to {url}: that is the project's own feed/ folder; choose another folder")
    from .publish import open_target
    from .publish.sync import following

    target = open_target(url, settings)
    target.check()  # before the build: a wrong bucket or key is reported at once
    terminal = _live_line()
    progress = following(terminal) if terminal else None
    request = upload.Request(target, settings, dry_run=dry_run, cors=cors, progress=progress)
    _run_build(ctx, upload.NAME, jobs, None, orders={upload.NAME: request})
    for report in request.reports:
        for line in report.summary(settings.grace_days):
            click.echo(line)
    if not request.reports:
        raise PublishError("the upload did not run; run with -v for the details")


@main.command()
@_as_of
@click.pass_context
def status(ctx: click.Context, as_of: dt.datetime | None) -> None:
    """Show what a build would do and why, with the minutes of audio it would synthesize."""
    plan, _waiting = plan_everything(_project(ctx), as_of, freeze=True)
    rows = episode_status(plan)
    stale = [row for row in rows if row.reasons]
    for row in stale:
        detail = "; ".join(f"{stage} ({reason})" for stage, reason in row.reasons.items())
        click.echo(f"{row.id}: {detail}")
        if row.estimate and row.estimate.todo:
            click.echo(
                f"    {row.estimate.todo} of {row.estimate.total} sentences to synthesize, "
                f"about {row.estimate.minutes:.1f} min of audio"
            )
    minutes = minutes_to_synthesize(rows)
    if stale:
        click.echo(
            f"{len(stale)} of {len(rows)} episodes out of date; about {minutes:.1f} min of audio to "
            "synthesize. The feed and pages follow them."
        )
    else:
        shown = show_status(plan)
        for name, reason in shown.items():
            click.echo(f"{name}: {reason}")
        click.echo(
            f"All {len(rows)} episodes are up to date"
            + (f"; {len(shown)} show step(s) to publish." if shown else ".")
        )
    kept = [row for row in rows if row.drifted]
    if kept:
        click.echo(
            f"{', '.join(sorted({name for row in kept for name in row.drifted}))} changed; "
            f"{len(kept)} built episode(s) kept as they are (what listeners hear is the same); "
            "`certquests build --remaster` redoes them"
        )


@main.command()
@click.argument("step")
@_as_of
@click.pass_context
def explain(ctx: click.Context, step: str, as_of: dt.datetime | None) -> None:
    """Say why STEP would run: an episode id, STAGE:EPISODE like synth:lambda-basics, feed, or site:index."""
    plan, waiting = plan_everything(_project(ctx), as_of, freeze=True)
    for line in explain_step(plan, step, waiting):
        click.echo(line)


@main.command()
@click.option("--all", "every", is_flag=True, help="List every sentence said differently, not the groups.")
@click.pass_context
def check(ctx: click.Context, every: bool) -> None:
    """Validate the show config, every lesson and the quiz bank; list words missing from the lexicon."""
    # Every script is written in memory: the lexicon meets every sentence.
    context = plan_project(_project(ctx), until=FIRST, freeze=True).context
    show, lexicon, course = context.show, context.lexicon, context.course
    check_voices(show.voices, set(show.voices))  # a voice this machine cannot speak stops the build too
    accent = accent_problem(show)
    if accent:
        click.echo(f"warning: {accent}")
    click.echo(f"{len(course.lessons)} lessons and {len(course.questions)} quiz questions are valid.")
    if show.domains and course.questions:
        total = len(course.questions)
        for domain in show.domains:
            count = sum(1 for q in course.questions if q.domain == domain.id)
            click.echo(
                f"  {domain.title}: {count} questions ({100 * count / total:.0f}%, target {domain.weight:g}%)"
            )
    for line in speech_lines(speech_report(context), every=every):
        click.echo(line)
    for line in vocabulary_lines(course, lexicon):
        click.echo(line)


@main.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check the published feed against the publishing rules (the same gate `build` uses)."""
    project = _project(ctx)
    show = load_show(project)
    feed = project.site / "feed.xml"
    if not feed.is_file():
        raise ValidationError("feed/feed.xml does not exist yet; run `certquests build` first")
    from .publish.gate import topic_feeds, validate_feed, validate_topic_feeds

    problems = validate_feed(feed.read_bytes(), show.base_url, project.site)
    problems += validate_topic_feeds(show.base_url, project.site)
    if problems:
        raise ValidationError(f"feed/feed.xml: {len(problems)} problem(s)", problems)
    topics = len(topic_feeds(project.site))
    click.echo(
        "feed/feed.xml passes every check" + (f", and so do {topics} topic feed(s)." if topics else ".")
    )


@main.command()
@click.argument("lesson_id")
@click.pass_context
def retire(ctx: click.Context, lesson_id: str) -> None:
    """Drop a published episode from the feed on purpose (its lesson file may then be deleted)."""
    retire_episode(_project(ctx), lesson_id)
    click.echo(f"'{lesson_id}' is retired: the next build leaves it out of the feed.")


@main.command()
@click.option("--size", type=click.IntRange(1400, 3000), default=1400, show_default=True)
@click.pass_context
def cover(ctx: click.Context, size: int) -> None:
    """Draw cover art from the show's title into the path the show config names."""
    project = _project(ctx)
    target = draw_show_cover(project, size)
    click.echo(f"Wrote {target.relative_to(project.root)} ({size}x{size}).")


@main.command(name="new")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default=None, help="The show's title [default: from the folder's name].")
def new_command(path: Path, title: str | None) -> None:
    """Start a course at PATH that builds as it is: show config, trailer, a lesson, a quiz and a cover."""
    for line in new_project(path, title):
        click.echo(line)


@main.command()
@click.pass_context
def report(ctx: click.Context) -> None:
    """Show each built episode's loudness report (integrated, range, true peak, duration)."""
    project = _project(ctx)
    rows = sorted(project.episodes.glob("*.loudness.json"))
    if not rows:
        click.echo("No episodes built yet; run `certquests build`.")
        return
    click.echo(f"{'episode':48} {'LUFS':>7} {'LRA':>5} {'dBTP':>6} {'length':>8}")
    for path in rows:
        name = path.name.removesuffix(".loudness.json")
        try:
            data = json.loads(path.read_text("utf-8"))
            minutes, seconds = divmod(int(data["duration_s"]), 60)
            line = (
                f"{name:48} {data['integrated_lufs']:7.2f} "
                f"{data['loudness_range_lu']:5.1f} {data['true_peak_dbtp']:6.2f} {minutes:5d}:{seconds:02d}"
            )
        except (OSError, ValueError, KeyError, TypeError):
            line = f"{name:48} damaged report: `certquests build` makes it again"
        click.echo(line)
    proofs = proof_listen.saved_summary(project.episodes)
    click.echo(
        f"{proofs}\n`certquests proof` lists the sentences heard differently"
        if proofs
        else "No proof-listen yet: `certquests proof`."
    )


@main.command()
@click.argument("ids", nargs=-1)
@click.option("--model", default="base", show_default=True, help="Whisper model: base, tiny.en or a folder")
@click.option(
    "--hints",
    is_flag=True,
    help="Also hear each episode told its terms (its heard words written as its terms), and list the "
    "sentences that hearing gets wrong: fewer of the recognizer's own slips. The figure stays the one "
    "heard without hints.",
)
@click.pass_context
def proof(ctx: click.Context, ids: tuple[str, ...], model: str, hints: bool) -> None:
    """Transcribe built episodes offline as a listener hears them (no hints) and list the sentences heard
    differently from the script, with the word error rate by voice and for the quiz's lines."""
    context = plan_project(_project(ctx), until=FIRST, freeze=True).context
    click.echo(proof_listen.run(context, ids, model, click.echo, hints))


@main.command()
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--watch", is_flag=True, help="Rebuild when content/ changes; open pages reload themselves.")
@click.pass_context
def serve(ctx: click.Context, port: int, watch: bool) -> None:
    """Preview the site from feed/ on http://127.0.0.1:PORT/ (Ctrl-C stops)."""
    from .serve import preview

    def rebuild() -> str | None:
        try:
            _run_build(ctx, None, None, None, lasting=True)
        except CertQuestsError as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            return exc.format_message()
        return None

    with contextlib.suppress(KeyboardInterrupt):
        preview(_project(ctx), port, rebuild if watch else None, click.echo)


if __name__ == "__main__":
    main()
