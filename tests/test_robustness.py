"""Nothing lost: bad input, killed, concurrent builds and retired episodes never damage what is published."""

from __future__ import annotations

import datetime as dt
import email.utils
import fcntl
import hashlib
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from lxml import etree

from pipeline.speech.cache import SpeechCache

from .conftest import AS_OF, add_question, run

pytestmark = pytest.mark.slow  # every test here starts from a copy of the built fixture project

CORPUS = Path(__file__).parent / "bad_inputs"
HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.write("pid of a process about to be killed")
handle.flush()
print("locked", flush=True)
time.sleep(60)
"""
CASES = tomllib.loads((CORPUS / "cases.toml").read_text())


def published(project: Path) -> dict[str, str]:
    """Every published file (site, episodes) with a digest of its bytes."""
    out = {}
    for folder in ("feed", "episodes"):
        for path in sorted((project / folder).rglob("*")):
            if path.is_file():
                out[str(path.relative_to(project))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_bad_input_is_reported_and_nothing_published_changes(case: str, copy_of_built: Path):
    spec = CASES[case]
    source = next(CORPUS.glob(f"{case}.*"))
    target = copy_of_built / spec["place"]
    before = published(copy_of_built)
    shutil.copyfile(source, target)
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == spec["exit"], result.output
    for fragment in spec["expect"]:
        assert fragment in result.output, f"{fragment!r} not in:\n{result.output}"
    assert published(copy_of_built) == before


def test_enormous_lesson_is_refused(copy_of_built: Path):
    before = published(copy_of_built)
    text = (copy_of_built / "content/lessons/02-topics.md").read_text()
    (copy_of_built / "content/lessons/02-topics.md").write_text(text + "Filler sentence. " * 40000)
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 3
    assert "content/lessons/02-topics.md: file is 664 KiB; a lesson may be at most 512 KiB" in result.output
    assert published(copy_of_built) == before


@pytest.mark.parametrize(
    "problem, expected",
    [
        (
            "missing",
            "[show] cover: art/cover.png not found in content/; add the image or run `certquests cover`",
        ),
        ("small", "the cover is 600x600; it must be 1400 to 3000 pixels on a side"),
        ("misnamed", "the cover is a JPEG file named cover.png; make the extension match the format"),
        ("cmyk", "the cover uses colour mode CMYK; save it as RGB"),
    ],
)
def test_bad_cover_art(problem: str, expected: str, copy_of_built: Path):
    from PIL import Image

    cover = copy_of_built / "content/art/cover.png"
    before = published(copy_of_built)
    if problem == "missing":
        cover.unlink()
    elif problem == "small":
        Image.new("RGB", (600, 600)).save(cover, format="PNG")
    elif problem == "misnamed":
        Image.new("RGB", (1400, 1400)).save(cover, format="JPEG")
    else:
        Image.new("CMYK", (1400, 1400)).save(cover, format="JPEG")
        cover.rename(cover.with_suffix(".jpg"))
        config = copy_of_built / "content/show.toml"
        config.write_text(config.read_text().replace("base_url", 'cover = "art/cover.jpg"\nbase_url'))
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 2 and expected in result.output, result.output
    assert published(copy_of_built) == before


def test_hostile_text_is_escaped_everywhere(copy_of_built: Path):
    shutil.copyfile(CORPUS / "hostile-text.md", copy_of_built / "content/lessons/03-hostile.md")
    quiz = copy_of_built / "content/quiz.yaml"
    quiz.write_text(
        quiz.read_text() + "- id: q3\n  lesson: hostile\n  domain: basics\n  question: <b>Q</b>?\n"
        "  options:\n    A: '<script>alert(4)</script>'\n    B: two\n  answer: A\n  explanation: ']]>'\n"
    )
    result = run(copy_of_built, "build", "--as-of", "2026-12-31", "--jobs", "1")
    assert result.exit_code == 0, result.output
    feed = etree.parse(str(copy_of_built / "feed/feed.xml"), etree.XMLParser(resolve_entities=False))
    titles = [t.text for t in feed.iterfind("channel/item/title")]
    assert "Escapes ]]> and <script>alert(1)</script>" in titles
    page = (copy_of_built / "feed/hostile.html").read_text()
    assert "<script>alert" not in page and "<iframe" not in page and "<img src=x" not in page
    quiz_page = (copy_of_built / "feed/quiz.html").read_text()
    assert "<script>alert(4)" not in quiz_page and "&lt;script&gt;alert(4)&lt;/script&gt;" in quiz_page
    assert "<b>Q</b>?" in quiz_page  # an allowed tag is rendered, as in the show notes
    vtt = next((copy_of_built / "episodes").glob("hostile-*.vtt")).read_text()
    assert (
        "<script>" not in vtt and "alert(" not in vtt
    )  # the voice never reads markup, so captions hold none
    assert "Escapes ]]> and ." not in vtt and "Lesson 3: Escapes" in vtt


KILLER = Path(__file__).parent / "killer.py"


def killed_build(project: Path, point: str) -> subprocess.CompletedProcess:
    """Run a build that SIGKILLs itself at `point` (see killer.py)."""
    return subprocess.run(
        [
            sys.executable,
            str(KILLER),
            point,
            "--project",
            str(project),
            "build",
            "--as-of",
            AS_OF,
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=project,
    )


def edit_both_lessons(project: Path) -> None:
    for name, old, new in (
        ("01-queues.md", "A queue absorbs the difference.", "A queue soaks up the gap."),
        ("02-topics.md", "Each subscriber gets its own copy.", "Every reader gets a copy."),
    ):
        path = project / "content/lessons" / name
        path.write_text(path.read_text().replace(old, new))


@pytest.mark.parametrize("point", ["synthesis", "mastering", "tagging", "pages", "feed"])
def test_killed_build_leaves_the_published_podcast_intact(point: str, copy_of_built: Path):
    before = published(copy_of_built)
    edit_both_lessons(copy_of_built)
    status = run(copy_of_built, "status", "--as-of", AS_OF).output
    to_make = sum(int(n) for n in re.findall(r"(\d+) of \d+ sentences to synthesize", status))
    assert to_make == 2

    crashed = killed_build(copy_of_built, point)
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    after = published(copy_of_built)
    # Nothing published changed: new files may have appeared beside the old ones, but nothing the old feed
    # points at was touched, and the feed itself is the old one.
    assert {name: digest for name, digest in after.items() if name in before} == before
    assert run(copy_of_built, "validate").exit_code == 0

    again = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "1")
    assert again.exit_code == 0, again.output
    made = int(re.search(r"; (\d+) sentences synthesized", again.output).group(1))
    assert made < to_make  # the work that had finished before the kill is reused
    if point == "tagging":  # the episode being tagged keeps its master and is only tagged again
        assert re.search(r"^\[1/2\] [a-z-]+: tag, opus$", again.output, re.M), again.output
    if point in ("pages", "feed"):  # every episode had finished: only publishing is left
        assert made == 0 and "[1/" not in again.output, again.output
    assert not [p for p in copy_of_built.rglob(".*") if p.is_file() and p.name.count(".") >= 3]
    assert run(copy_of_built, "validate").exit_code == 0


def test_second_build_exits_while_one_is_running(copy_of_built: Path):
    lock = copy_of_built / ".cache" / "build.lock"
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        (copy_of_built / ".cache" / "build.holder").write_text("pid 4242")
        result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 7
    assert "another build of this project is running (pid 4242); wait for it to finish" in result.output


def test_a_lock_held_by_a_killed_process_is_released_with_it(copy_of_built: Path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(copy_of_built / ".cache" / "build.lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    assert run(copy_of_built, "build", "--as-of", AS_OF).exit_code == 7  # held: the build refuses
    holder.kill()
    holder.wait()
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0 and result.output.startswith("Nothing to do")


def test_corrupt_cache_entries_are_rebuilt_never_published(copy_of_built: Path):
    from mutagen.mp3 import MP3

    cache = copy_of_built / ".cache"
    keys = json.loads((cache / "episodes" / "queues-basics" / "speech.json").read_text())
    sentences = SpeechCache(cache / "speech")
    sentence = sentences.path(keys[0])
    sentence.write_bytes(sentence.read_bytes()[:100])  # truncated
    master = cache / "episodes" / "queues-basics" / "master.mp3"
    master.write_bytes(master.read_bytes()[:5000])
    lesson = copy_of_built / "content/lessons/01-queues.md"
    lesson.write_text(lesson.read_text().replace("summary: What a queue does", "summary: What queues do"))
    result = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 0, result.output
    # The summary is only in the tags, but the master the tag step reads was damaged: it is made again, with
    # the damaged sentence voiced again, and the other episode is left alone.
    assert re.search(r"^\[1/1\] queues-basics: master, tag, opus$", result.output, re.M), result.output
    assert "topics-basics" not in result.output
    assert sentences.get(keys[0]) is not None
    assert run(copy_of_built, "validate").exit_code == 0
    for mp3 in (copy_of_built / "episodes").glob("*.mp3"):
        assert MP3(mp3).info.length > 30


def test_removed_lesson_needs_an_explicit_retire(copy_of_built: Path):
    before = published(copy_of_built)
    (copy_of_built / "content/lessons/02-topics.md").unlink()
    quiz = copy_of_built / "content/quiz.yaml"
    quiz.write_text(quiz.read_text().split("- id: q2")[0])
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 3
    assert "'topics-basics' was published but no lesson has that id any more" in result.output
    assert "certquests retire topics-basics" in result.output
    assert published(copy_of_built) == before
    assert run(copy_of_built, "retire", "topics-basics").exit_code == 0
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    feed = etree.parse(str(copy_of_built / "feed/feed.xml"))
    assert [t.text for t in feed.iterfind("channel/item/title")] == ["Queues in one minute"]
    assert not (copy_of_built / "feed/topics-basics.html").exists()


def test_retired_front_matter_flag_drops_the_episode(copy_of_built: Path):
    lesson = copy_of_built / "content/lessons/02-topics.md"
    lesson.write_text(lesson.read_text().replace("domain: basics\n", "domain: basics\nretired: true\n", 1))
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    feed = etree.parse(str(copy_of_built / "feed/feed.xml"))
    assert [t.text for t in feed.iterfind("channel/item/title")] == ["Queues in one minute"]


def test_adding_a_lesson_never_moves_published_episodes(copy_of_built: Path):
    def dates(project):
        feed = etree.parse(str(project / "feed/feed.xml"))
        return {i.findtext("title"): i.findtext("pubDate") for i in feed.iterfind("channel/item")}

    before = dates(copy_of_built)
    lesson = (copy_of_built / "content/lessons/01-queues.md").read_text()
    (copy_of_built / "content/lessons/01b-new.md").write_text(
        lesson.replace("id: queues-basics", "id: dead-letters")
        .replace("lesson: 1", "lesson: 3")
        .replace("title: Queues in one minute", "title: Dead letters")
    )
    add_question(copy_of_built, "dead-letters")
    result = run(copy_of_built, "build", "--as-of", "2026-02-28", "--jobs", "1")
    assert result.exit_code == 0, result.output
    after = dates(copy_of_built)
    assert {title: after[title] for title in before} == before
    assert after["Dead letters"] == "Mon, 19 Jan 2026 06:00:00 +0000"  # the next free weekly slot


def test_retire_refuses_an_unpublished_id_and_drops_a_published_one(copy_of_built: Path):
    result = run(copy_of_built, "retire", "no-such-lesson")
    assert result.exit_code == 3 and "'no-such-lesson' was never published" in result.output
    assert run(copy_of_built, "retire", "topics-basics").exit_code == 0
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    feed = etree.parse(str(copy_of_built / "feed/feed.xml"))
    assert [t.text for t in feed.iterfind("channel/item/title")] == ["Queues in one minute"]


def test_an_unexpected_error_in_one_episode_is_reported_with_the_rest(copy_of_built: Path, monkeypatch):
    from pipeline.stages import tag

    real = tag.tag_episode

    def broken(context, episode, *products):
        if episode.id == "topics-basics":
            raise ValueError("boom")
        return real(context, episode, *products)

    monkeypatch.setattr(tag, "tag_episode", broken)
    before = published(copy_of_built)
    config = copy_of_built / "content/show.toml"
    config.write_text(config.read_text().replace('author = "Test Author"', 'author = "Another Author"'))
    result = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "2")
    assert result.exit_code == 6
    assert "content/lessons/02-topics.md: internal error while building (ValueError: boom)" in result.output
    assert "queues-basics: tag" in result.output
    assert {k: v for k, v in published(copy_of_built).items() if k in before} == before


def test_a_broken_build_thread_stops_the_build_instead_of_hanging(copy_of_built: Path, monkeypatch):
    from pipeline.graph.scheduler import Scheduler

    def broken(self, chain, unit):
        raise RuntimeError("scheduler bug")

    monkeypatch.setattr(Scheduler, "run_unit", broken)
    before = published(copy_of_built)
    edit_both_lessons(copy_of_built)
    result = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "2")
    assert result.exit_code != 0
    assert "a build thread stopped unexpectedly" in result.output
    assert {k: v for k, v in published(copy_of_built).items() if k in before} == before


def test_live_status_line_follows_the_build_and_is_cleared(copy_of_built: Path):
    from pipeline.graph.build import build
    from pipeline.model.project import Project
    from pipeline.model.registry import end_of_day

    edit_both_lessons(copy_of_built)
    lines, statuses = [], []
    build(
        Project(copy_of_built),
        as_of=end_of_day(dt.date.fromisoformat(AS_OF)),
        jobs=2,
        progress=lines.append,
        status=statuses.append,
    )
    assert len(lines) == 2 and all("sentences synthesized" in line for line in lines)
    shown = [s for s in statuses if s]
    assert shown and re.fullmatch(r"sentences \d+/56, episodes [0-2]/2 \(\d+ s\)", shown[0])
    assert "sentences 56/56, episodes 2/2" in shown[-1]
    assert statuses[-1] == ""  # the line is wiped before the summary is printed


def test_a_tag_only_change_gets_a_new_url_without_new_audio_work(copy_of_built: Path):
    old = etree.parse(str(copy_of_built / "feed/feed.xml")).xpath("//item/enclosure/@url")
    lesson = copy_of_built / "content/lessons/02-topics.md"
    lesson.write_text(
        lesson.read_text().replace(
            "How one message reaches many subscribers.", "How a single message reaches every subscriber."
        )
    )
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0 and "topics-basics: tag, opus\n" in result.output, result.output
    new = etree.parse(str(copy_of_built / "feed/feed.xml")).xpath("//item/enclosure/@url")
    assert len(set(new) - set(old)) == 1
    assert run(copy_of_built, "validate").exit_code == 0


def test_feed_stage_alone_keeps_the_files_the_pages_use(copy_of_built: Path):
    lesson = copy_of_built / "content/lessons/02-topics.md"
    lesson.write_text(
        lesson.read_text().replace("How one message reaches many subscribers.", "Fan-out, explained.")
    )
    page = (copy_of_built / "feed/topics-basics.html").read_text()
    audio = re.search(r'src="episodes/([^"]+\.mp3)"', page).group(1)
    assert run(copy_of_built, "feed", "--as-of", AS_OF).exit_code == 0
    assert (copy_of_built / "feed/episodes" / audio).is_file()
    assert run(copy_of_built, "build", "--as-of", AS_OF).exit_code == 0
    assert not (copy_of_built / "feed/episodes" / audio).exists()


def test_quiz_values_stay_as_written_and_wrong_types_are_reported(copy_of_built: Path):
    quiz = copy_of_built / "content/quiz.yaml"
    quiz.write_text(
        quiz.read_text()
        .replace("A: Standard", "A: Yes")
        .replace("B: FIFO", "B: No")
        .replace("answer: B\n  explanation: FIFO", "answer: [A, B]\n  explanation: FIFO")
    )
    result = run(copy_of_built, "check")
    assert result.exit_code == 3
    assert "content/quiz.yaml:1: question q1: 'answer' must be plain text, got list" in result.output
    quiz.write_text(quiz.read_text().replace("answer: [A, B]", "answer: B"))
    assert run(copy_of_built, "build", "--as-of", AS_OF).exit_code == 0
    page = (copy_of_built / "feed/quiz.html").read_text()
    assert "<b>A.</b> Yes" in page and "<b>B.</b> No" in page


def test_a_jpeg_cover_is_published_as_cover_jpg(copy_of_built: Path):
    from PIL import Image

    Image.new("RGB", (1400, 1400), "navy").save(copy_of_built / "content/art/cover.jpeg", format="JPEG")
    config = copy_of_built / "content/show.toml"
    config.write_text(config.read_text().replace("base_url", 'cover = "art/cover.jpeg"\nbase_url', 1))
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    feed = etree.parse(str(copy_of_built / "feed/feed.xml"))
    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    assert feed.find("channel/itunes:image", ns).get("href") == "https://example.com/mini/cover.jpg"
    assert (copy_of_built / "feed/cover.jpg").is_file()


def test_sigterm_stops_the_build_cleanly_and_says_so(copy_of_built: Path):
    before = published(copy_of_built)
    edit_both_lessons(copy_of_built)
    build = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "--project", str(copy_of_built), "build", "--as-of", AS_OF],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    scratch = copy_of_built / ".cache" / "scratch"
    for _ in range(600):  # until an episode is being mastered, at most a minute
        if build.poll() is not None or (scratch.is_dir() and any(scratch.iterdir())):
            break
        time.sleep(0.1)
    build.send_signal(signal.SIGTERM)
    out, err = build.communicate(timeout=120)
    assert build.returncode == 143, out + err
    assert "stopped (SIGTERM); every published file is whole" in err and "Traceback" not in err
    # New audio may have been made under new names; nothing that was there changed.
    assert {name: digest for name, digest in published(copy_of_built).items() if name in before} == before
    again = run(copy_of_built, "build", "--as-of", AS_OF)
    assert again.exit_code == 0, again.output


def consistent(project: Path) -> None:
    """What a listener's app relies on: the feed passes the gate, every enclosure is there with its exact
    length, and the registry holds every episode the feed lists, with the GUID and day it went out with."""
    assert run(project, "validate").exit_code == 0
    feed = etree.parse(str(project / "feed" / "feed.xml"))
    registry = json.loads((project / "episodes" / "registry.json").read_text())["episodes"]
    for item in feed.iterfind("channel/item"):
        enclosure = item.find("enclosure")
        local = project / "feed" / enclosure.get("url").split("/mini/", 1)[1]
        assert local.stat().st_size == int(enclosure.get("length"))
        lesson_id = item.findtext("link").rsplit("/", 1)[1].removesuffix(".html")
        assert registry[lesson_id]["guid"] == item.findtext("guid")
        day = email.utils.parsedate_to_datetime(item.findtext("pubDate")).date().isoformat()
        assert registry[lesson_id]["first_published"] == day


@pytest.mark.parametrize("point", ["registry", "after-feed", "pruning"])
def test_a_kill_at_each_step_of_publishing_leaves_a_consistent_site(point: str, copy_of_built: Path):
    edit_both_lessons(copy_of_built)
    crashed = killed_build(copy_of_built, point)
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    consistent(copy_of_built)
    again = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "1")
    assert again.exit_code == 0, again.output
    consistent(copy_of_built)
    assert run(copy_of_built, "build", "--as-of", AS_OF).output.startswith("Nothing to do")


def test_twenty_random_kills_never_leave_an_inconsistent_site(copy_of_built: Path):
    chooser = random.Random(20261201)
    lesson = copy_of_built / "content/lessons/01-queues.md"
    text = lesson.read_text()
    for round_ in range(20):
        lesson.write_text(
            text.replace("A queue absorbs the difference.", f"A queue absorbs difference {round_}.")
        )
        crashed = killed_build(copy_of_built, f"after:{chooser.uniform(0.8, 4.5):.2f}")
        assert crashed.returncode in (-9, 0), crashed.stdout + crashed.stderr
        consistent(copy_of_built)
    finished = run(copy_of_built, "build", "--as-of", AS_OF)
    assert finished.exit_code == 0, finished.output
    consistent(copy_of_built)


def children(pid: int, named: str) -> list[int]:
    """The running children of `pid` whose command line holds `named` (processes come and go meanwhile)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if int(fields[1]) == pid and named in command:
                found.append(int(entry.name))
    return found


def test_ffmpeg_dies_with_a_killed_build(copy_of_built: Path):
    edit_both_lessons(copy_of_built)
    build = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "--project", str(copy_of_built), "build", "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ffmpeg = []
    for _ in range(3000):  # until the build runs ffmpeg (its dynamics pass), at most a minute
        ffmpeg = children(build.pid, "ffmpeg")
        if ffmpeg or build.poll() is not None:
            break
        time.sleep(0.02)
    assert ffmpeg, "the build ran no ffmpeg while it was watched"
    build.kill()
    build.wait()
    for _ in range(100):
        if not any(Path(f"/proc/{pid}").exists() for pid in ffmpeg):
            break
        time.sleep(0.02)
    assert not any(Path(f"/proc/{pid}").exists() for pid in ffmpeg)  # no ffmpeg left writing
