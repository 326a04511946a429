"""The show-notes site and the quiz in a real browser: Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from pipeline.errors import CertQuestsError
from pipeline.graph.build import build
from pipeline.model.episode import MasterRecord
from pipeline.model.project import Project
from pipeline.serve import Preview, make_server, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install Debian's chromium (.ci/run does)")
    pytest.skip(
        "no chromium installed (apt-get install chromium); browser tests skipped outside CI",
        allow_module_level=True,
    )

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(built: Path):
    server = make_server(built / "feed", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context()
    page = context.new_page()
    page.requests = []
    page.dialogs = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    assert all(url.startswith((site, "data:")) for url in page.requests), [
        url for url in page.requests if not url.startswith(site)
    ]
    context.close()


def test_player_loads_the_mp3_and_chapters_seek(page, site, built):
    page.goto(site + "queues-basics.html")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
    duration = page.evaluate("document.getElementById('player').duration")
    assert 60 < duration < 200
    buttons = page.locator(".chapters .seek")
    assert buttons.count() >= 5
    target = float(buttons.nth(2).get_attribute("data-time"))
    buttons.nth(2).click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {target}) < 0.5", timeout=10000
    )
    assert page.locator("track[kind=captions]").get_attribute("src").endswith(".vtt")


def test_the_player_plays_the_opus_file_where_the_browser_can(page, site, built):
    page.goto(site + "queues-basics.html")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
    assert page.evaluate("document.createElement('audio').canPlayType('audio/ogg; codecs=opus')") != ""
    assert page.evaluate("document.getElementById('player').currentSrc").endswith(".opus")
    mp3 = next((built / "feed" / "episodes").glob("queues-basics-*.mp3"))
    duration = page.evaluate("document.getElementById('player').duration")
    assert abs(duration - MP3(mp3).info.length) <= 0.05
    link = page.locator(".downloads a", has_text="Opus")
    assert link.get_attribute("href").endswith(".opus") and link.get_attribute("download") is not None


def test_transcript_cue_is_highlighted_while_playing(page, site):
    page.goto(site + "queues-basics.html")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
    cue = page.locator("#transcript .cue").nth(5)
    start = float(cue.get_attribute("data-start"))
    page.evaluate(
        "(t) => { const p = document.getElementById('player'); p.muted = true; p.currentTime = t; }",
        start + 0.1,
    )
    page.wait_for_function(
        "document.querySelectorAll('#transcript .cue.current').length === 1", timeout=10000
    )
    assert page.locator("#transcript .cue.current").get_attribute("data-start") == cue.get_attribute(
        "data-start"
    )


def test_script_in_lesson_text_does_not_run(page, site):
    page.goto(site + "queues-basics.html")
    page.wait_for_load_state("load")
    assert '<script>alert("owned")</script>' in page.locator(".notes").inner_text()
    assert page.dialogs == []
    assert page.locator(".summary").inner_text() == "What a queue does, and why <b>ordering</b> matters."


def test_quiz_answer_survives_a_reload_and_reset_clears_it(page, site):
    page.goto(site + "quiz.html")
    question = page.locator("#q1")
    question.get_by_label("FIFO").check()
    assert question.locator(".verdict").inner_text() == "Correct."
    assert page.locator("#score-total").inner_text().startswith("1 of 1 answered correctly")
    page.get_by_label("Copies it to every subscriber").check()
    page.reload()
    assert page.locator("#q1").get_by_label("FIFO").is_checked()
    assert page.locator("#q1 .verdict").inner_text() == "Correct."
    assert page.locator("#score-total").inner_text().startswith("2 of 2 answered correctly")
    assert page.locator("#score-table tr[data-domain=basics] .correct").inner_text() == "2"
    page.get_by_role("button", name="Reset my answers").click()
    page.reload()
    assert not page.locator("#q1").get_by_label("FIFO").is_checked()
    assert page.locator("#score-total").inner_text() == "No answers yet."


def test_wrong_answer_shows_the_right_one_and_why(page, site):
    page.goto(site + "quiz.html")
    page.locator("#q1").get_by_label("Standard").check()
    assert page.locator("#q1 .verdict").inner_text() == "Not quite: the answer is B."
    assert page.locator("#q1 .explanation").is_visible()


def test_quiz_filters_to_one_lesson_from_the_episode_link(page, site):
    page.goto(site + "topics-basics.html")
    page.get_by_role("link", name="Test yourself on this lesson").click()
    page.wait_for_url("**/quiz.html?lesson=topics-basics")
    assert page.locator(".question:visible").count() == 1
    assert page.locator("#q2").is_visible() and not page.locator("#q1").is_visible()
    page.select_option("#filter-lesson", "")
    assert page.locator(".question:visible").count() == 2


def test_quiz_is_usable_by_keyboard(page, site):
    page.goto(site + "quiz.html")
    page.locator("#filter-domain").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    assert page.locator(".question .feedback:not([hidden])").count() == 1
    unlabeled = page.evaluate(
        "[...document.querySelectorAll('input, select')].filter(e => !e.labels.length).length"
    )
    assert unlabeled == 0


def test_index_lists_episodes_and_fits_a_phone(browser, site, tmp_path):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(site + "index.html")
    assert page.locator("link[rel=alternate][type='application/rss+xml']").get_attribute("href") == "feed.xml"
    titles = page.locator(".episodes li a").all_inner_texts()
    assert titles == ["Queues in one minute", "Topics and fan-out"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(tmp_path / "index-phone.png"))
    assert (tmp_path / "index-phone.png").stat().st_size > 10_000
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_each_question_sits_inside_its_card_with_its_number(browser, site, tmp_path, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(site + "quiz.html")
    boxes = page.eval_on_selector_all(
        "#questions > li:not([hidden])",
        """items => items.map(item => {
        const card = item.querySelector("fieldset").getBoundingClientRect();
        const legend = item.querySelector("legend").getBoundingClientRect();
        const border = parseFloat(getComputedStyle(item.querySelector("fieldset")).borderTopWidth);
        const number = getComputedStyle(item.querySelector(".qmeta"), "::before").content;
        return {card: [card.top, card.left, card.right], legend: [legend.top, legend.left, legend.right],
                border, number, marker: getComputedStyle(item).listStyleType};
    })""",
    )
    page.screenshot(path=str(tmp_path / f"quiz-{width}.png"), full_page=True)
    context.close()
    assert len(boxes) >= 2
    for box in boxes:
        (card_top, card_left, card_right), (top, left, right) = box["card"], box["legend"]
        assert top >= card_top + box["border"], box  # below the card's top border, not across it
        assert card_left < left and right < card_right, box
        # The number is written inside the card, not as a list marker hanging outside it.
        assert box["number"] == '"Question " counter(question) " · "' and box["marker"] == "none", box


def test_serve_watch_reloads_the_page_at_the_changed_chapter_and_shows_a_failed_build(browser, copy_of_built):
    project = Project(copy_of_built)
    state, stop = Preview(), threading.Event()
    server = make_server(project.site, 0, state)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def rebuild() -> str | None:
        try:
            build(project, as_of=dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC))
        except CertQuestsError as exc:
            return exc.format_message()
        return None

    watcher = threading.Thread(
        target=watch, args=(project, state, rebuild), kwargs={"stop": stop}, daemon=True
    )
    watcher.start()
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/topics-basics.html")
        page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
        time.sleep(0.5)  # the watcher is listening
        lesson = project.content / "lessons" / "02-topics.md"
        lesson.write_text(
            lesson.read_text().replace("Each subscriber gets its own copy.", "Each one gets a copy.")
        )
        page.wait_for_function(
            "document.getElementById('player').hasAttribute('data-resumed')", timeout=180000
        )
        record = MasterRecord.decode(
            (project.cache / "episodes" / "topics-basics" / "master.json").read_text()
        )
        fan_out = next(chapter for chapter in record.chapters if chapter.title == "Fan-out")
        assert fan_out.start > 5
        assert float(page.locator("#player").get_attribute("data-resumed")) == pytest.approx(fan_out.start)
        assert page.evaluate("document.getElementById('player').currentTime") == pytest.approx(
            fan_out.start, abs=0.1
        )
        assert "Each one gets a copy." in page.locator("#transcript").inner_text()

        lesson.write_text(lesson.read_text().replace("module: 1", "module: 9"))
        page.locator("#certquests-build-error").wait_for(timeout=60000)
        assert "content/lessons/02-topics.md:3" in page.locator("#certquests-build-error").inner_text()
        assert "Each one gets a copy." in page.locator("#transcript").inner_text()  # the last good page
    finally:
        page.close()
        stop.set()
        watcher.join(10)
        server.shutdown()
        server.server_close()
