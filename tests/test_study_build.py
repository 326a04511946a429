"""Drills, reviews and topic feeds built with real audio: the fixture project with [study] on and two domains
(see test_study.py), the whole course released; its feeds read as podcast apps read them, its quiz page in
Chromium, and a review of questions voiced before made from the sentence cache alone."""

from __future__ import annotations

import io
import json
import shutil
import threading
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree, html

from pipeline.model.episode import podcast_guid
from pipeline.publish.gate import validate_feed

from .conftest import make_project, run
from .test_study import edit, with_study

pytestmark = pytest.mark.slow
BASE = "https://example.com/mini/"
ITUNES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
}


@pytest.fixture(scope="module")
def studied(tmp_path_factory) -> Path:
    project = with_study(make_project(tmp_path_factory.mktemp("study")))
    result = run(project, "build", "--as-of", "2028-01-01", "--jobs", "2")
    assert result.exit_code == 0, result.output
    return project


def items(xml: bytes) -> list[etree._Element]:
    return etree.fromstring(xml).findall("channel/item")


def test_the_feed_holds_a_bonus_drill_per_domain_and_the_reviews(studied):
    xml = (studied / "feed" / "feed.xml").read_bytes()
    kinds = {
        item.findtext("link").removeprefix(BASE): item.findtext("itunes:episodeType", namespaces=ITUNES)
        for item in items(xml)
    }
    assert {page for page, kind in kinds.items() if kind == "bonus"} == {
        "drill-basics.html",
        "drill-advanced.html",
        *(f"review-2026-{day}.html" for day in ("01-12", "01-19", "01-26", "02-02", "03-02", "03-09")),
    }
    assert {page for page, kind in kinds.items() if kind == "full"} == {
        "queues-basics.html",
        "topics-basics.html",
    }
    drill = next(item for item in items(xml) if item.findtext("link") == BASE + "drill-basics.html")
    assert f'href="{BASE}quiz.html"' in drill.findtext("description")
    registry = json.loads((studied / "episodes" / "registry.json").read_text())["episodes"]
    assert registry["drill-basics"]["first_published"] == "2026-01-05"  # its domain's only lesson's day
    assert registry["review-2026-01-12"]["first_published"] == "2026-01-12"
    chapters = json.loads(
        next((studied / "feed" / "episodes").glob("drill-basics-*.chapters.json")).read_text()
    )
    assert [c["title"] for c in chapters["chapters"]] == ["Introduction", "Question 1", "Outro"]
    assert (
        next((studied / "feed" / "episodes").glob("review-2026-01-12-*.vtt")).read_text().startswith("WEBVTT")
    )
    drill_page = (studied / "feed" / "drill-basics.html").read_text()
    assert 'href="quiz.html?domain=basics"' in drill_page
    assert "Which queue type keeps messages in order?" in drill_page


@pytest.mark.parametrize("topic", ["basics", "advanced"])
def test_a_topic_feed_per_domain_passes_the_gate_and_the_parsers(studied, topic):
    site = studied / "feed"
    xml = (site / "topics" / f"{topic}.xml").read_bytes()
    assert validate_feed(xml, BASE, site, f"feed/topics/{topic}.xml") == []
    by_feedparser = feedparser.parse(xml)
    assert not by_feedparser.bozo, by_feedparser.bozo_exception
    url = f"{BASE}topics/{topic}.xml"
    by_podcastparser = podcastparser.parse(url, io.BytesIO(xml))
    lesson = {"basics": "Queues in one minute", "advanced": "Topics and fan-out"}[topic]
    drill = {"basics": "Drill: Basics", "advanced": "Drill: Advanced messaging"}[topic]
    assert sorted(e.title for e in by_feedparser.entries) == sorted([lesson, drill])
    assert len(by_podcastparser["episodes"]) == 2
    channel = etree.fromstring(xml).find("channel")
    guid = channel.findtext("podcast:guid", namespaces=ITUNES)
    main = etree.fromstring((site / "feed.xml").read_bytes()).find("channel")
    assert guid == podcast_guid(url) != main.findtext("podcast:guid", namespaces=ITUNES)
    main_enclosures = {i.findtext("title"): i.find("enclosure").get("url") for i in main.findall("item")}
    for item in channel.findall("item"):
        assert item.find("enclosure").get("url") == main_enclosures[item.findtext("title")]


def test_the_gate_refuses_a_broken_topic_feed(studied, tmp_path):
    project = tmp_path / "copy"
    shutil.copytree(studied, project)
    edit(project / "feed" / "topics" / "basics.xml", "<podcast:guid>", "<podcast:guid> ")
    topic = project / "feed" / "topics" / "basics.xml"
    topic.write_bytes(topic.read_bytes().replace(b"</channel>", b"<item><title>x</title></item></channel>"))
    result = run(project, "validate")
    assert result.exit_code == 8, result.output
    assert "feed/topics/basics.xml" in result.output


def test_the_index_lists_each_topic_feed_with_a_subscribe_link(studied):
    page = html.fromstring((studied / "feed" / "index.html").read_text())
    links = page.xpath("//section[@aria-labelledby='topic-feeds']//a")
    assert [(a.text_content(), a.get("href")) for a in links] == [
        ("Subscribe (RSS)", "topics/basics.xml"),
        ("Subscribe (RSS)", "topics/advanced.xml"),
    ]
    studying = page.xpath("//section[@aria-labelledby='module-study']//a/@href")
    assert studying[:2] == ["drill-basics.html", "drill-advanced.html"] and len(studying) == 8


def test_a_review_of_questions_voiced_before_synthesizes_nothing(studied, tmp_path):
    project = tmp_path / "copy"
    shutil.copytree(studied, project)
    edit(
        project / "content" / "show.toml",
        "topic_feeds = true\n",
        "topic_feeds = true\nreview_weeks = [1, 3, 8, 12]\n",
    )
    result = run(project, "build", "--as-of", "2028-01-01", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "0 sentences synthesized" in result.output and "master 2" in result.output
    feed = (project / "feed" / "feed.xml").read_text()
    assert "review-2026-03-30.html" in feed and "review-2026-04-06.html" in feed


@pytest.mark.browser
def test_the_quiz_recommends_the_weakest_domains_drill_and_feed(studied):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    from pipeline.serve import make_server

    server = make_server(studied / "feed", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox"]
            )
            page = browser.new_page()
            page.goto(site + "quiz.html")
            assert page.locator("#advice").is_hidden()
            page.locator("#q1").get_by_label("FIFO").check()  # basics: right
            page.locator("#q2").get_by_label("Deletes it").check()  # advanced: wrong
            page.reload()
            advice = page.locator("#advice p[data-topic=advanced]")
            assert advice.is_visible() and page.locator("#advice p[data-topic=basics]").is_hidden()
            assert "Your weakest domain so far is Advanced messaging (0 of 1 right)." in advice.inner_text()
            assert (
                advice.get_by_role("link", name="Listen to its drill").get_attribute("href")
                == "drill-advanced.html"
            )
            feed = advice.get_by_role("link", name="Subscribe to its feed").get_attribute("href")
            assert feed == "topics/advanced.xml"
            page.goto(site + "drill-advanced.html")
            assert "Drill: Advanced messaging" in page.locator("h1").inner_text()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


def test_topic_feeds_turned_off_leave_the_site(studied, tmp_path):
    project = tmp_path / "copy"
    shutil.copytree(studied, project)
    edit(project / "content" / "show.toml", "topic_feeds = true", "topic_feeds = false")
    result = run(project, "build", "--as-of", "2028-01-01", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert not list((project / "feed" / "topics").glob("*.xml"))
    assert "topics/basics.xml" not in (project / "feed" / "index.html").read_text()
    assert "topics/" not in (project / "feed" / "quiz.html").read_text()
    assert "drill-basics.html" in (project / "feed" / "quiz.html").read_text()
