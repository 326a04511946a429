"""What certquests trusts: the project's sources, not its `.cache/`, not a target folder's other files, not a
web page that reaches the preview server. Each test here is an attack a hostile or careless user could make
on a small fresh project."""

from __future__ import annotations

import base64
import json
import os
import pickle
import re
import zlib
from pathlib import Path

import pytest

from .conftest import AS_OF, add_question, run


def outside_folder(tmp_path: Path) -> Path:
    """A folder beside the project holding someone's files, one of them hidden with three dots in its name."""
    folder = tmp_path / "someone-elses"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    (folder / ".env.production.local").write_text("SECRET=1")
    (folder / "sub").mkdir()
    (folder / "sub" / "more.txt").write_text("keep me too")
    return folder


def untouched(folder: Path) -> None:
    assert (folder / "notes.txt").read_text() == "keep me"
    assert (folder / ".env.production.local").read_text() == "SECRET=1"
    assert (folder / "sub" / "more.txt").read_text() == "keep me too"


@pytest.mark.slow
@pytest.mark.parametrize(
    "link", [".cache/scratch", ".cache", ".cache/episodes/queues-basics", ".cache/speech/ab", "feed/episodes"]
)
def test_a_linked_folder_of_the_tool_is_refused_and_what_it_points_at_is_kept(
    link: str, copy_of_built: Path, tmp_path: Path
):
    outside = outside_folder(tmp_path)
    place = copy_of_built / link
    if place.is_dir():
        os.rename(place, place.with_name(place.name + "-moved"))
    place.parent.mkdir(parents=True, exist_ok=True)
    place.symlink_to(outside, target_is_directory=True)
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    untouched(outside)
    if (
        link == ".cache/speech/ab"
    ):  # a sentence folder is only ever written into, and a no-op build writes none
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1, result.output
    assert f"{link}: is a symbolic link" in result.output and f"rm {link}" in result.output
    assert "Traceback" not in result.output


class _Payload:
    """What a hostile cache file would hold: unpickling it writes a file (it could as well run anything)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "the cache ran code"))


@pytest.mark.parametrize("name", ["plan.pickle", "plan.json", "state.json", "speech.json"])
def test_a_cache_file_from_someone_else_never_runs_code(name: str, project: Path, tmp_path: Path):
    marker = tmp_path / "ran"
    cache = project / ".cache"
    cache.mkdir()
    (cache / name).write_bytes(pickle.dumps({"code": "x", "files": _Payload(marker)}))
    assert pickle.loads((cache / name).read_bytes()) and marker.exists()  # the payload works when unpickled
    marker.unlink()
    result = run(project, "status")
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    assert "2 of 2 episodes out of date" in result.output


def test_a_memo_naming_a_class_outside_the_model_is_an_empty_memo(project: Path):
    assert run(project, "status").exit_code == 0
    memo = project / ".cache" / "plan.json"
    text = memo.read_text()
    assert '"@Lesson"' in text
    memo.write_text(text.replace('"@Lesson"', '"@Popen"'))
    result = run(project, "status")
    assert result.exit_code == 0, result.output
    assert "2 of 2 episodes out of date" in result.output


def test_no_module_of_the_tool_reads_pickle_marshal_or_shelve():
    package = Path(__file__).parents[1] / "pipeline"
    readers = re.compile(r"^\s*(import|from)\s+(pickle|cPickle|marshal|shelve|dill|joblib)\b", re.MULTILINE)
    found = [str(path) for path in package.rglob("*.py") if readers.search(path.read_text("utf-8"))]
    assert found == []


@pytest.mark.slow
@pytest.mark.parametrize("dry_run", [True, False])
def test_publish_to_a_folder_never_deletes_files_it_did_not_write(
    dry_run: bool, copy_of_built: Path, tmp_path: Path
):
    target = tmp_path / "www"
    target.mkdir()
    theirs = {
        ".env.production.local": "SECRET=1",
        "old/.backup.2026.tar.gz": "archive",
        "episodes/.notes.from.editor": "keep",
        "index.php": "<?php",
    }
    for name, text in theirs.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    result = run(copy_of_built, "publish", "--to", str(target), *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 0, result.output
    for name, text in theirs.items():
        assert (target / name).read_text() == text
    assert (target / "feed.xml").exists() != dry_run


def link_in_topics(project: Path, target: str) -> None:
    """Make 'many readers' in the second lesson a link to `target` (what the voice says stays the same)."""
    lesson = project / "content" / "lessons" / "02-topics.md"
    lesson.write_text(lesson.read_text().replace("many readers.", f"[many readers]({target})."))


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("../.env", "is a hidden file"),
        (".secret/notes.txt", "is a hidden file or in a hidden folder"),
        ("../show.toml", "is the course's own configuration"),
        ("../quiz.yaml", "is the course's own configuration"),
        ("../../../outside.txt", "is outside the content folder"),
    ],
)
def test_hidden_files_the_config_and_files_outside_content_cannot_be_linked(
    target: str, said: str, project: Path
):
    (project / "content" / ".env").write_text("SECRET=1")
    (project / "content" / "lessons" / ".secret").mkdir()
    (project / "content" / "lessons" / ".secret" / "notes.txt").write_text("private")
    (project.parent / "outside.txt").write_text("private")
    link_in_topics(project, target)
    result = run(project, "check")
    assert result.exit_code == 3, result.output
    assert f"content/lessons/02-topics.md:10: '{target}' {said}" in result.output


@pytest.mark.slow
def test_a_withdrawn_lesson_file_leaves_the_site_and_the_hosting(copy_of_built: Path, tmp_path: Path):
    config = copy_of_built / "content" / "show.toml"
    config.write_text(config.read_text() + "\n[publish]\ngrace_days = 0\n")
    notes = copy_of_built / "content" / "lessons" / "notes.txt"
    notes.write_text("the first notes")
    link_in_topics(copy_of_built, "notes.txt")
    target = tmp_path / "www"
    assert run(copy_of_built, "publish", "--to", str(target)).exit_code == 0
    first = [path.name for path in (copy_of_built / "feed" / "files").iterdir()]
    assert len(first) == 1 and (target / "files" / first[0]).read_text() == "the first notes"

    notes.write_text("the second notes, the first taken back")  # a changed file: the old copy goes
    result = run(copy_of_built, "publish", "--to", str(target))
    assert result.exit_code == 0, result.output
    second = [path.name for path in (copy_of_built / "feed" / "files").iterdir()]
    assert len(second) == 1 and second != first
    # The previous pages used the first copy: it goes with the next publish after the grace period.
    assert sorted(path.name for path in (target / "files").iterdir()) == sorted(first + second)
    assert run(copy_of_built, "publish", "--to", str(target)).exit_code == 0
    assert sorted(path.name for path in (target / "files").iterdir()) == second

    lesson = copy_of_built / "content" / "lessons" / "02-topics.md"  # the link removed: the file goes
    lesson.write_text(lesson.read_text().replace("[many readers](notes.txt)", "many readers"))
    result = run(copy_of_built, "publish", "--to", str(target))
    assert result.exit_code == 0, result.output
    assert list((copy_of_built / "feed" / "files").iterdir()) == []
    assert run(copy_of_built, "publish", "--to", str(target)).exit_code == 0
    assert list((target / "files").iterdir()) == []


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("s3://pod/show#2", "has a '#' or '?'"),
        ("s3://pod/show?v=2", "has a '#' or '?'"),
        ("s3://pod/a//b", "has an empty, '.' or '..' segment"),
        ("s3://pod/a/../b", "has an empty, '.' or '..' segment"),
        ("s3://pod/./show", "has an empty, '.' or '..' segment"),
        ("s3://pod/cafe\u0301", "is not in Unicode's composed form (NFC)"),
        ("s3://pod/show\u200b", "has a control or invisible formatting character"),
    ],
)
def test_an_s3_target_that_s3_would_read_otherwise_is_refused_before_anything(
    url: str, said: str, project: Path, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    result = run(project, "publish", "--to", url)
    assert result.exit_code == 9, result.output
    assert said in result.output and "Traceback" not in result.output
    assert not (project / "feed").exists() and not (project / "episodes" / "registry.json").exists()


def test_the_composed_spelling_of_a_target_is_taken():
    from pipeline.publish.s3 import parse

    assert parse("s3://pod/caf\u00e9/show/") == ("pod", "caf\u00e9/show")


class _Repeating:
    """An S3 endpoint whose listing hands back the same continuation token for ever."""

    meta = type("Meta", (), {"endpoint_url": "http://127.0.0.1:1"})()

    def list_objects_v2(self, **arguments):
        return {
            "Contents": [{"Key": "podcast/feed.xml", "Size": 3}],
            "IsTruncated": True,
            "NextContinuationToken": "same",
        }


def test_a_listing_that_never_ends_is_stopped_with_a_message():
    from pipeline.errors import PublishError
    from pipeline.publish.s3 import S3Target

    target = S3Target("s3://pod/podcast", "pod", "podcast", _Repeating(), 2)
    with pytest.raises(PublishError, match="repeats its listing"):
        target.listing()


SWALLOWED_SIGTERM = """
import os, signal, sys, time
import click
from pipeline.cli import main

@main.command(name="busy")
def busy():
    while True:  # what botocore's retry loop does: every Exception is caught and the request tried again
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        except Exception:
            pass

main(["--project", sys.argv[1], "busy"])
"""


def test_sigterm_stops_a_command_inside_a_library_that_catches_every_exception(project: Path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", SWALLOWED_SIGTERM, str(project)],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert done.returncode == 143, done.stderr
    assert "stopped (SIGTERM)" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("cover", "said"),
    [
        ("../../outside.png", "is outside content/"),
        ("OUTSIDE", "is outside content/"),  # the absolute path of a file outside the project
        ("../episodes/registry.json", "is outside content/"),
        ("quiz.yaml", "is a hidden file or the course's own config"),
        (".hidden.png", "is a hidden file or the course's own config"),
        ("lessons/01-queues.md", "is not a .png, .jpg or .jpeg file"),
    ],
)
@pytest.mark.parametrize("command", ["cover", "check"])
def test_the_cover_path_cannot_point_outside_content(
    cover: str, said: str, command: str, project: Path, tmp_path: Path
):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"someone else's picture")
    registry = project / "episodes" / "registry.json"
    registry.parent.mkdir(exist_ok=True)
    registry.write_text("{}")
    config = project / "content" / "show.toml"
    cover = str(outside) if cover == "OUTSIDE" else cover
    config.write_text(config.read_text().replace("[show]\n", f'[show]\ncover = "{cover}"\n'))
    result = run(project, command)
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
    assert outside.read_bytes() == b"someone else's picture" and registry.read_text() == "{}"
    assert (project / "content" / "quiz.yaml").read_text().startswith("- id:")


def feed_dates(project: Path) -> dict[str, str]:
    from lxml import etree

    feed = etree.parse(str(project / "feed" / "feed.xml"))
    return {item.findtext("title"): item.findtext("pubDate") for item in feed.iterfind("channel/item")}


@pytest.mark.slow
@pytest.mark.parametrize("how", ["as of a day before", "a later publish date"])
def test_a_published_episode_leaves_the_feed_only_by_retire(how: str, copy_of_built: Path):
    before = feed_dates(copy_of_built)
    mp3s = sorted(path.name for path in (copy_of_built / "feed" / "episodes").glob("*.mp3"))
    assert len(before) == 2 and len(mp3s) == 2
    if how == "a later publish date":
        lesson = copy_of_built / "content" / "lessons" / "02-topics.md"
        lesson.write_text(lesson.read_text().replace("lesson: 2\n", "lesson: 2\npublish: 2027-06-01\n"))
        result = run(copy_of_built, "build", "--as-of", AS_OF)
    else:
        result = run(copy_of_built, "build", "--as-of", "2025-12-01")
    assert result.exit_code == 0, result.output
    assert feed_dates(copy_of_built) == before
    assert sorted(path.name for path in (copy_of_built / "feed" / "episodes").glob("*.mp3")) == mp3s


@pytest.mark.slow
def test_a_preview_as_of_a_later_day_changes_no_real_date(copy_of_built: Path):
    registry = copy_of_built / "episodes" / "registry.json"
    recorded = registry.read_text()
    lesson = (copy_of_built / "content" / "lessons" / "01-queues.md").read_text()
    new = copy_of_built / "content" / "lessons" / "03-dead-letters.md"
    new.write_text(
        lesson.replace("id: queues-basics", "id: dead-letters")
        .replace("lesson: 1\n", "lesson: 3\npublish: 2027-03-01\n")
        .replace("title: Queues in one minute", "title: Dead letters")
    )
    add_question(copy_of_built, "dead-letters")
    result = run(copy_of_built, "build", "--as-of", "2027-04-01", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert feed_dates(copy_of_built)["Dead letters"] == "Mon, 01 Mar 2027 06:00:00 +0000"  # previewed
    assert registry.read_text() == recorded  # and not recorded
    new.write_text(new.read_text().replace("publish: 2027-03-01\n", ""))
    result = run(copy_of_built, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert feed_dates(copy_of_built)["Dead letters"] == "Mon, 19 Jan 2026 06:00:00 +0000"  # the next slot


def write_body(project: Path, body: str) -> None:
    lesson = project / "content" / "lessons" / "02-topics.md"
    text = lesson.read_text()
    lesson.write_text(text[: text.index("---\n", 4) + 4] + "\n" + body)


def test_a_list_nested_deep_is_read_and_one_too_deep_to_be_read_is_named(project: Path):
    nested = "".join("  " * depth + f"- level {depth + 1}\n" for depth in range(12))
    write_body(project, "Today: lists.\n\n## Deep\n\n" + nested)
    assert run(project, "script").exit_code == 0
    script = (project / "scripts" / "topics-basics.txt").read_text()
    assert all(f"level {depth + 1}." in script for depth in range(12)), script
    far = "".join("  " * depth + f"- level {depth + 1}\n" for depth in range(60))
    write_body(project, "Today: lists.\n\n## Deep\n\n" + far)
    result = run(project, "check")
    assert result.exit_code == 3, result.output
    assert (
        "content/lessons/02-topics.md:" in result.output and "nested this deep are not read" in result.output
    )


def test_a_lesson_of_code_samples_only_is_refused(project: Path):
    write_body(project, "```\nprint('hi')\n```\n\n## Code\n\n```\nls -la\n```\n")
    result = run(project, "check")
    assert result.exit_code == 3, result.output
    assert "no text to speak but its code samples, tables and pictures" in result.output


def test_more_sections_than_an_mp3_has_chapters_for_is_refused_by_check(project: Path):
    write_body(project, "Many.\n\n" + "".join(f"## Part {n}\n\nText {n}.\n\n" for n in range(253)))
    result = run(project, "check")
    assert result.exit_code == 3, result.output
    assert "253 '##' sections; an episode holds at most 250" in result.output


@pytest.mark.parametrize(
    "manifest",
    [
        '{"format": 1, "objects": {}, "live": [], "superseded": {"a.mp3": "2026-01-01T00:00:00"}}',
        '{"format": 1, "objects": {"a.mp3": {"sha256": "x", "size": 1e999, "type": "t", "cache": "c"}}, '
        '"live": [], "superseded": {}}',
        '{"format": 1, "objects": ' + "[" * 100000 + "]" * 100000 + "}",
        "BIG",
    ],
    ids=["date without offset", "size 1e999", "deep nesting", "246 MB"],
)
def test_a_damaged_publish_manifest_is_read_as_none(manifest: str, tmp_path: Path):
    from pipeline.publish.folder import open_target
    from pipeline.publish.manifest import Manifest

    target = open_target(str(tmp_path / "www"), None)  # type: ignore[arg-type]
    target.check()
    path = tmp_path / "www" / ".publish-manifest.json"
    if manifest == "BIG":
        with open(path, "wb") as handle:
            handle.write(b'{"format": 1, "pad": "')
            handle.truncate(246 * 1024 * 1024)
    else:
        path.write_text(manifest)
    raw = target.read(".publish-manifest.json")
    assert raw is not None and len(raw) <= 64 * 1024 * 1024 + 1
    assert Manifest.decode(raw) is None


@pytest.mark.slow
def test_a_publish_over_a_damaged_manifest_checks_every_object_anew(copy_of_built: Path, tmp_path: Path):
    target = tmp_path / "www"
    assert run(copy_of_built, "publish", "--to", str(target)).exit_code == 0
    manifest = target / ".publish-manifest.json"
    manifest.write_text(manifest.read_text().replace('+00:00"', '"'))  # dates without their offset
    result = run(copy_of_built, "publish", "--to", str(target))
    assert result.exit_code == 0, result.output
    assert "Uploaded 0 file(s)" in result.output


def test_a_registry_whose_show_guid_is_no_uuid_is_rebuilt_not_a_traceback(project: Path):
    (project / "episodes").mkdir(exist_ok=True)
    (project / "episodes" / "registry.json").write_text('{"podcast_guid": "not-a-uuid", "episodes": {}}')
    result = run(project, "status")
    assert result.exit_code == 0, result.output
    assert "2 of 2 episodes out of date" in result.output


@pytest.mark.parametrize(
    ("where", "text", "said"),
    [
        ("title", "Queues \u202egnp.exe", "U+202E (right-to-left override)"),
        ("title", "Que\u200bues", "U+200B (zero width space)"),
        ("summary", "One \u2066sentence\u2069.", "U+2066 (left-to-right isolate)"),
        ("body", "Today: topics.\u0007 One message.", "U+0007 (a control character)"),
        ("body", "Today: \u202etopics.", "U+202E (right-to-left override)"),
    ],
)
def test_hidden_and_reordering_characters_are_named_by_check(where: str, text: str, said: str, project: Path):
    lesson = project / "content" / "lessons" / "02-topics.md"
    source = lesson.read_text()
    if where == "body":
        source = source.replace("Today: topics. One message, many readers.", text)
    else:
        start = source.index(f"{where}: ") + len(where) + 2
        source = source[:start] + text + source[source.index("\n", start) :]
    lesson.write_text(source)
    result = run(project, "check")
    assert result.exit_code == 3, result.output
    assert "content/lessons/02-topics.md:" in result.output and said in result.output


HOLD_BUILD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


def test_a_refused_second_publish_leaves_the_running_one_s_files_alone(project: Path, tmp_path: Path):
    import subprocess
    import sys

    target = tmp_path / "www"
    (target / "episodes").mkdir(parents=True)
    partial = target / "episodes" / ".x-0123.mp3.a1b2c3.certquests-partial"  # being written by the first
    partial.write_bytes(b"half an episode")
    older = target / "episodes" / ".x-0123.mp3.d4e5f6.tmp"  # as the first publish names it before this change
    older.write_bytes(b"half an episode")
    (project / ".cache").mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_BUILD_LOCK, str(project / ".cache" / "build.lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "locked"
        result = run(project, "publish", "--to", str(target))
        assert result.exit_code == 7, result.output
        assert partial.read_bytes() == older.read_bytes() == b"half an episode"
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(
    ("place", "old", "new", "said"),
    [
        ("content/show.toml", 'title = "Mini Course: Testing"', 'title = "Mini \u202eCourse"', "U+202E"),
        ("content/show.toml", 'author = "Test Author"', 'author = "Test\u200bAuthor"', "U+200B"),
        ("content/quiz.yaml", "question: ", "question: \u2067", "U+2067"),
    ],
)
def test_hidden_characters_in_the_show_and_the_quiz_are_named(
    place: str, old: str, new: str, said: str, project: Path
):
    path = project / place
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    result = run(project, "check")
    assert result.exit_code in (2, 3), result.output
    assert said in result.output and place in result.output


def test_a_memo_whose_script_is_not_one_says_what_to_do(project: Path):
    assert run(project, "script").exit_code == 0
    memo = project / ".cache" / "plan.json"
    data = json.loads(memo.read_text())
    for entry in data["d"][2][1]["l"]:
        kind, _key, value = entry["t"]
        if kind == "script":
            value["t"][0] = {"b": base64.b64encode(zlib.compress(b'{"@Popen": []}')).decode()}
    memo.write_text(json.dumps(data))
    (project / "scripts" / "queues-basics.txt").unlink()
    result = run(project, "script")
    assert result.exit_code == 6, result.output  # that episode failed, with the fix; the other was written
    assert (
        "queues-basics: the plan memo .cache/plan.json holds no script for it; delete the file"
        in result.output
    )
    assert "Traceback" not in result.output


def test_a_folder_target_is_published_to_by_one_checkout_at_a_time(tmp_path: Path, monkeypatch):
    from pipeline.errors import LockedError
    from pipeline.publish import folder

    target = folder.open_target(str(tmp_path / "www"), None)  # type: ignore[arg-type]
    target.check()
    target.lock("host-a pid 1", "checkout-a")
    with pytest.raises(LockedError, match=r"another publish to .* is running \(host-a pid 1"):
        target.lock("host-b pid 2", "checkout-b")
    target.lock("host-a pid 3", "checkout-a")  # a killed publish of the same checkout: taken over
    target.unlock("checkout-b")  # not its lock: kept
    assert (tmp_path / "www" / ".publish-lock").exists()
    monkeypatch.setattr(folder, "LOCK_STALE", 0)  # left long ago by a publish killed elsewhere
    target.lock("host-b pid 2", "checkout-b")
    target.unlock("checkout-b")
    assert not (tmp_path / "www" / ".publish-lock").exists()


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["same size", "deleted"])
def test_a_build_copies_a_damaged_site_copy_back_from_what_it_made(damage: str, copy_of_built: Path):
    mp3 = next((copy_of_built / "feed" / "episodes").glob("*.mp3"))
    good = mp3.read_bytes()
    if damage == "deleted":
        mp3.unlink()
    else:
        mp3.write_bytes(good[:5000] + bytes(len(good) - 10000) + good[-5000:])
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert mp3.read_bytes() == good
    assert run(copy_of_built, "validate").exit_code == 0
