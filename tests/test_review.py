"""The producer's review page, served by `certquests serve` under /_review/ and never published: what it
lists, what a play button plays, what it marks as changed since the published feed, and that none of it
reaches feed/ or the hosting."""

from __future__ import annotations

import http.client
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.model.episode import ChapterMark
from pipeline.model.project import Project
from pipeline.review import Review
from pipeline.review.desk import heard_parts, matched
from pipeline.review.loudness import FLOOR, HEIGHT, TOP, curve_svg
from pipeline.serve import RELOAD_SCRIPT, Preview, make_server
from tests.conftest import AS_OF, run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EDITED = "Each one gets a copy."


def test_what_the_proof_heard_is_marked_word_by_word():
    parts = heard_parts("One message, many readers.", "one massage many leaders")
    assert parts == (
        ("same", "one"),
        ("missed", "message,"),
        ("heard", "massage"),
        ("same", "many"),
        ("missed", "readers."),
        ("heard", "leaders"),
    )
    assert heard_parts("Topics fan out.", "topics fan out") == (("same", "topics fan out"),)


def test_sentences_are_matched_in_order_and_repeats_are_kept_apart():
    old = ["Intro.", "Option A.", "Yes.", "Option A.", "Bye."]
    new = ["Intro.", "Option A.", "No.", "Option A.", "Bye."]
    assert matched(old, new) == {0: 0, 1: 1, 3: 3, 4: 4}  # "No." is new; both "Option A." were there
    assert matched(new, new) == {index: index for index in range(5)}


def test_the_loudness_picture_marks_chapters_and_the_target_and_escapes_titles():
    chapters = (ChapterMark("Intro", 0.0, 10.0), ChapterMark("<Fan-out> & more", 10.0, 20.0))
    svg = curve_svg([-60.0, -20.0, -19.0, -18.0] * 5, 20.0, chapters, -19.0)
    assert svg.count('class="chapter"') == 2 and 'x1="500.0"' in svg  # the second chapter halfway across
    assert "&lt;Fan-out&gt; &amp; more (10 s)" in svg and "<Fan-out>" not in svg
    target = HEIGHT * (TOP - -19.0) / (TOP - FLOOR)
    assert f'class="target" x1="0" y1="{round(target, 1)}"' in svg
    assert f"50.0,{HEIGHT}" in svg  # silence is drawn at the floor, not off the picture


@pytest.fixture(scope="module")
def edited(built: Path, tmp_path_factory) -> tuple[Path, Path]:
    """The built fixture project published to a folder, then one sentence edited and rebuilt."""
    folder = tmp_path_factory.mktemp("desk")
    project, hosting = folder / "project", folder / "hosting"
    shutil.copytree(built, project)
    result = run(project, "publish", "--to", str(hosting))
    assert result.exit_code == 0, result.output
    lesson = project / "content" / "lessons" / "02-topics.md"
    lesson.write_text(lesson.read_text().replace("Each subscriber gets its own copy.", EDITED))
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return project, hosting


@pytest.fixture(scope="module")
def desk(edited: tuple[Path, Path]):
    project = Project(edited[0])
    server = make_server(project.site, 0, None, Review(project))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port: int, path: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body, dict(response.getheaders())


@pytest.mark.slow
def test_the_built_mp3_is_served_with_ranges_and_nothing_else_of_the_project(desk, edited):
    mp3 = next((edited[0] / "episodes").glob("topics-basics-*.mp3"))
    status, body, headers = get(desk, f"/_review/audio/{mp3.name}", Range="bytes=100-199")
    assert status == 206 and body == mp3.read_bytes()[100:200]
    assert headers["Content-Type"] == "audio/mpeg"
    assert "Access-Control-Allow-Origin" not in get(desk, "/_review/")[2]  # no other origin reads the desk
    assert "Access-Control-Allow-Origin" not in get(desk, "/feed.xml")[2]  # its own pages only
    for path in (
        "/_review/audio/../../content/show.toml",
        "/_review/audio/%2e%2e%2fcontent%2fshow.toml",
        "/_review/audio/registry.json",
        "/_review/../.cache/publish/published.json",
        "/_review/no-such-episode.html",
        "/_review/templates/base.html",
    ):
        assert get(desk, path)[0] == 404, path


@pytest.mark.slow
def test_a_watched_review_page_reloads_after_a_build(edited):
    project = Project(edited[0])
    server = make_server(project.site, 0, Preview(), Review(project))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        status, body, _ = get(server.server_address[1], "/_review/")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 200 and RELOAD_SCRIPT.encode() in body


@pytest.mark.slow
def test_nothing_of_the_review_page_is_in_feed_or_uploaded(desk, edited):
    project, hosting = edited
    assert get(desk, "/_review/topics-basics.html")[0] == 200  # the page was made
    for folder in (project / "feed", hosting):
        names = [path.relative_to(folder).as_posix().lower() for path in folder.rglob("*")]
        assert "feed.xml" in names and not [name for name in names if "review" in name], names
    result = run(project, "publish", "--to", str(hosting), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "upload episodes/topics-basics-" in result.output  # the edit is listed...
    assert "review" not in result.output.lower()  # ...and no review file


BROWSER = [pytest.mark.browser, pytest.mark.slow]
if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install Debian's chromium (.ci/run does)")
    BROWSER.append(pytest.mark.skip(reason="no chromium installed (apt-get install chromium)"))


def in_chromium(test: Callable[..., None]) -> Callable[..., None]:
    for mark in BROWSER:
        test = mark(test)
    return test


@pytest.fixture(scope="module")
def page(desk):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
        )
        page = chromium.new_page()
        page.set_default_timeout(60000)
        yield page
        chromium.close()


def review_url(desk: int, name: str = "") -> str:
    return f"http://127.0.0.1:{desk}/_review/{name}"


@in_chromium
def test_the_index_lists_every_episode_with_its_state_and_figures(page, desk):
    page.goto(review_url(desk))
    rows = page.locator("tr.episode")
    assert rows.locator("td:first-child a").all_inner_texts() == [
        "Queues in one minute",
        "Topics and fan-out",
    ]
    assert rows.locator(".state").all_inner_texts() == ["built", "built"]
    topics = page.locator("tr[data-episode=topics-basics]")
    assert "LUFS" in topics.inner_text()
    assert topics.locator(".published").inner_text() == "1 sentence(s) changed since the published feed"
    assert page.locator("tr[data-episode=queues-basics] .published").inner_text() == "unchanged"
    page.get_by_role("link", name="Topics and fan-out").click()
    page.wait_for_url("**/_review/topics-basics.html")


@in_chromium
def test_a_play_button_plays_exactly_its_sentence(page, desk):
    page.goto(review_url(desk, "queues-basics.html"))
    row = page.locator("tr.sentence").nth(6)
    start, end = float(row.get_attribute("data-start")), float(row.get_attribute("data-end"))
    assert start > 5
    page.evaluate("document.getElementById('player').muted = true")
    row.locator("button.play").click()
    page.wait_for_function(
        "(t) => { const p = document.getElementById('player'); return !p.paused && p.currentTime > t; }",
        arg=start,
    )
    now = page.evaluate("document.getElementById('player').currentTime")
    assert start <= now <= end
    assert "playing" in row.get_attribute("class")
    page.wait_for_function("document.getElementById('player').paused", timeout=30000)  # stops at its end
    assert page.evaluate("document.getElementById('player').currentTime") == pytest.approx(end, abs=0.25)


@in_chromium
def test_the_edited_sentence_is_marked_changed_and_no_other(page, desk):
    page.goto(review_url(desk, "topics-basics.html"))
    changed = page.locator("tr.sentence.changed")
    assert changed.count() == 1
    assert changed.locator(".written").inner_text() == EDITED
    assert changed.locator(".badge").inner_text() == "changed"
    assert "content/lessons/02-topics.md:14" in changed.locator(".source").inner_text()
    assert page.locator("svg.loudness line.chapter").count() == 5  # the loudness picture's chapter marks
    page.get_by_role("button", name="Play the 1 changed sentence(s)").click()
    page.wait_for_function("document.querySelector('tr.sentence.changed.playing') !== null")
