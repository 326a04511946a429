"""A trailer covers the whole course: no season or number in the feed, and its quiz link opens every question;
captions carry the show's own language tag."""

from __future__ import annotations

from pathlib import Path

import feedparser

from pipeline.formats.pages import render_pages
from pipeline.formats.rss import render_feed
from pipeline.graph.plan import read_project
from pipeline.model.episode import Urls
from pipeline.model.project import Project
from pipeline.stages.built import Released
from pipeline.stages.site import plan_pages

from .factories import SHOW_GUID, at, episode, lesson

AS_OF = at("2030-01-01")


def test_the_trailers_feed_item_has_no_season_and_links_the_whole_quiz(project: Path):
    lesson(project, "hello", episode_type="trailer", title="Welcome")
    context = read_project(Project(project), AS_OF)
    trailer, first = context.episodes[0], context.episodes[1]
    assert trailer.id == "hello" and (trailer.season, trailer.number) == (None, None)
    episodes = [
        episode(work.lesson, work.released, number=work.number or 0, season=work.season)
        for work in context.episodes
    ]
    xml = render_feed(context.show, episodes, Urls.of(context.show), SHOW_GUID)
    entry = next(e for e in feedparser.parse(xml).entries if e.title == "Welcome")
    assert entry.itunes_episodetype == "trailer" and "itunes_season" not in entry
    item = xml.split(b"<title>Welcome</title>")[1].split(b"</item>")[0]
    assert b"podcast:season" not in item and b"quiz.html?lesson=" not in item
    urls = Urls.of(context.show)
    assert urls.quiz(episodes[0]) == context.show.base_url + "quiz.html"
    assert urls.quiz(episodes[1]) == context.show.base_url + f"quiz.html?lesson={first.id}"


def test_captions_carry_the_shows_language_tag(project: Path, tmp_path: Path):
    config = project / "content" / "show.toml"
    text = config.read_text()
    assert 'language = "en"' in text
    config.write_text(text.replace('language = "en"', 'language = "en-GB"'))
    context = read_project(Project(project), AS_OF)
    released = Released(tuple(episode(work.lesson, work.released) for work in context.episodes))
    page = next(
        page for page in plan_pages(context, released, "key", None) if page.template == "episode.html"
    )
    site = tmp_path / "site"
    site.mkdir()
    html = render_pages(site, context.show, [page])[0][0].read_text()
    assert '<track kind="captions" srclang="en-GB"' in html
