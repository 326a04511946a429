"""The show-notes site's plan: which pages exist for the episodes out, and which of them a change re-renders
(a page's parts change when, and only when, what it shows changes); the rendered HTML escapes lesson text."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from markupsafe import Markup

from pipeline.formats.pages import Page, render_markdown, render_pages
from pipeline.graph.plan import read_project
from pipeline.graph.state import State
from pipeline.model.project import Project
from pipeline.stages import site
from pipeline.stages.built import Released
from pipeline.stages.context import Context
from pipeline.stages.products import Needs, Products, Staged
from pipeline.stages.site import plan_pages

from .conftest import add_question
from .factories import at, episode, write_lesson

AS_OF = at("2026-12-01", "23:59")
Parts = dict[str, dict[str, str]]  # page name -> its named parts


@dataclasses.dataclass
class Planned:
    """The project as a build plans it, and the episodes out as the site stage is given them."""

    context: Context
    released: Released

    @property
    def show(self):
        return self.context.show

    def pages(self) -> list[Page]:
        return plan_pages(self.context, self.released, "storage-key", None)

    def needs(self) -> Needs:
        products = Products()
        products.add(self.released)
        return products.given(site.NEEDS)


def context_of(project: Path, out: tuple[str, ...] | None = None, **changed: dict) -> Planned:
    """The project as a build plans it, with the episodes in `out` (default: all) built and released, and
    the rest coming up. `changed` maps an episode id to Episode fields that differ from the defaults."""
    context = read_project(Project(project), AS_OF)
    released, upcoming = [], []
    for work in context.episodes:
        if out is None or work.id in out:
            built = episode(work.lesson, work.released, number=work.number, season=work.season)
            released.append(dataclasses.replace(built, guid=work.guid, **changed.get(work.id, {})))
        else:
            upcoming.append((work.lesson, work.released.date()))
    return Planned(context, Released(tuple(released), tuple(upcoming)))


def parts_of(planned: Planned) -> Parts:
    return {page.name: page.parts for page in planned.pages()}


def changed_pages(before: Parts, after: Parts) -> set[str]:
    assert before.keys() == after.keys()
    return {name for name in before if before[name] != after[name]}


def changed_parts(before: Parts, after: Parts, page: str) -> list[str]:
    return [part for part in after[page] if after[page][part] != before[page].get(part)]


def edit(project: Path, name: str, old: str, new: str) -> None:
    path = project / "content" / "lessons" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def add_third_lesson(project: Path) -> None:
    write_lesson(project, "dead-letters", 1, 3, title="Dead letters", summary="Where failed messages go.")
    add_question(project, "dead-letters")


def test_the_site_has_an_index_a_page_per_released_episode_and_the_quiz(project: Path):
    assert list(parts_of(context_of(project))) == [
        "index.html",
        "queues-basics.html",
        "topics-basics.html",
        "quiz.html",
    ]
    assert list(parts_of(context_of(project, out=("queues-basics",)))) == [
        "index.html",
        "queues-basics.html",
        "quiz.html",
    ]


def test_without_quiz_questions_there_is_no_quiz_page(project: Path):
    (project / "content" / "quiz.yaml").unlink()
    assert list(parts_of(context_of(project))) == ["index.html", "queues-basics.html", "topics-basics.html"]


def test_a_summary_edit_changes_that_episodes_page_and_the_index_only(project: Path):
    before = parts_of(context_of(project))
    edit(project, "02-topics.md", "How one message reaches many subscribers.", "Fan-out, explained.")
    after = parts_of(context_of(project))
    assert changed_pages(before, after) == {"index.html", "topics-basics.html"}
    assert changed_parts(before, after, "index.html") == ["episodes"]


def test_a_title_edit_changes_its_page_its_neighbours_links_the_index_and_the_quiz(project: Path):
    add_third_lesson(project)
    before = parts_of(context_of(project))
    edit(project, "dead-letters.md", "title: Dead letters", "title: Dead-letter queues")
    after = parts_of(context_of(project))
    # topics-basics links to it as the next episode; queues-basics shows nothing of it.
    assert changed_pages(before, after) == {
        "index.html",
        "dead-letters.html",
        "topics-basics.html",
        "quiz.html",
    }
    assert changed_parts(before, after, "topics-basics.html") == ["neighbours"]


def audiobook(project: Path, when: str) -> None:
    config = project / "content" / "show.toml"
    text = config.read_text().split("\n[audiobook]")[0]
    config.write_text(text + f'\n[audiobook]\nwhen = "{when}"\n')


def test_new_audio_changes_only_that_episodes_page(project: Path):
    audiobook(project, "never")
    before = parts_of(context_of(project))
    after = parts_of(context_of(project, **{"queues-basics": {"audio_name": "queues-basics-fedcba9876.mp3"}}))
    assert changed_pages(before, after) == {"queues-basics.html"}


def test_new_audio_changes_the_audiobooks_size_on_the_index(project: Path):
    before = parts_of(context_of(project))
    after = parts_of(context_of(project, **{"queues-basics": {"audio_name": "queues-basics-fedcba9876.mp3"}}))
    assert changed_pages(before, after) == {"queues-basics.html", "index.html"}
    assert changed_parts(before, after, "index.html") == ["audiobook"]


def test_the_index_links_the_audiobook_once_the_course_is_complete_by_default(project: Path):
    def link(planned: Planned) -> str | None:
        index = next(page for page in planned.pages() if page.name == "index.html")
        book = index.context["audiobook"]
        return book.href if book else None

    assert link(context_of(project)) == "audiobook/mini-course-testing.m4b"
    assert link(context_of(project, out=("queues-basics",))) is None  # a lesson still to come
    audiobook(project, "released")
    assert link(context_of(project, out=("queues-basics",))) == "audiobook/mini-course-testing.m4b"
    audiobook(project, "never")
    assert link(context_of(project)) is None


def test_new_chapter_times_change_only_that_episodes_page(project: Path):
    audiobook(project, "never")
    before = parts_of(context_of(project))
    built = context_of(project).released.episodes[1]
    moved = tuple(dataclasses.replace(mark, start=mark.start + 1.0) for mark in built.chapters)
    after = parts_of(context_of(project, **{"topics-basics": {"chapters": moved}}))
    assert changed_pages(before, after) == {"topics-basics.html"}


def test_a_release_changes_the_index_the_quiz_and_the_previous_episodes_page(project: Path):
    before = parts_of(context_of(project, out=("queues-basics",)))
    after = parts_of(context_of(project))
    assert set(after) - set(before) == {"topics-basics.html"}
    still = {name: after[name] for name in before}
    assert changed_pages(before, still) == {"index.html", "queues-basics.html", "quiz.html"}


def test_a_show_title_edit_changes_every_page(project: Path):
    before = parts_of(context_of(project))
    config = project / "content" / "show.toml"
    config.write_text(config.read_text().replace('title = "Mini Course: Testing"', 'title = "Mini"', 1))
    assert changed_pages(before, parts_of(context_of(project))) == set(before)


def test_a_bonus_lessons_title_edit_re_renders_the_quiz_that_shows_it(project: Path, tmp_path: Path):
    write_lesson(project, "extra", 1, 3, title="Extra", episode_type="bonus")
    add_question(project, "extra")
    before = parts_of(context_of(project))
    edit(project, "extra.md", "title: Extra", "title: Extra time")
    context = context_of(project)
    quiz = [page for page in context.pages() if page.name == "quiz.html"]
    [(staged, _)] = render_pages(tmp_path, context.show, quiz)
    assert '<a href="extra.html">Extra time</a>' in staged.read_text()
    assert "quiz.html" in changed_pages(before, parts_of(context))


def test_explain_names_the_changed_part_of_each_re_rendered_page(project: Path, tmp_path: Path):
    state = State(tmp_path / "state.json")
    planned = context_of(project)
    for step in site.plan(planned.context, None, planned.needs()):
        made = step.run()
        assert isinstance(made, Staged)
        for staged, final in made.files:  # put live, as the publish stage does
            os.replace(staged, final)
        state.record(step)
    edit(project, "02-topics.md", "How one message reaches many subscribers.", "Fan-out, explained.")
    after = context_of(project)
    reasons = {step.subject: state.reason(step) for step in site.plan(after.context, None, after.needs())}
    assert reasons == {
        "index.html": "changed: episodes",
        "queues-basics.html": None,
        "topics-basics.html": "changed: episode",
        "quiz.html": None,
    }


def test_render_markdown_shows_raw_html_as_text():
    html = render_markdown(
        'Never trust <script>alert("owned")</script>.\n\n<img src=x onerror=alert(1)>\n\n'
        "Keep **bold** and [links](https://example.com/)."
    )
    assert isinstance(html, Markup)  # so the templates do not escape it a second time
    assert "<script" not in html and "<img" not in html
    assert '&lt;script&gt;alert("owned")&lt;/script&gt;' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.com/" rel="noopener noreferrer">links</a>' in html


def test_show_notes_keep_allowed_html_link_bare_addresses_and_show_footnotes():
    html = render_markdown(
        "Press <kbd>Ctrl</kbd> for <b>bold</b> <span onclick=x>here</span>, see https://helm.sh/docs or mail "
        "team@example.dev[^1].\n\n<details><summary>More</summary>\n\nInside.\n\n</details>\n\n"
        "<!-- a note to the writer -->\n\n[^1]: The note.\n"
    )
    assert "<kbd>Ctrl</kbd>" in html and "<b>bold</b>" in html
    assert "&lt;span onclick=x&gt;here&lt;/span&gt;" in html  # a tag not on the list stays text
    assert '<a href="http://helm.sh/docs"' in html or '<a href="https://helm.sh/docs"' in html
    assert '<a href="mailto:team@example.dev"' in html
    assert "<details><summary>More</summary>" in html and "<p>Inside.</p>" in html
    assert "a note to the writer" not in html
    assert '<section class="footnotes">' in html and "The note." in html and "[^1]" not in html


def test_an_episode_page_shows_lesson_html_as_text(project: Path, tmp_path: Path):
    context = context_of(project)
    pages = [page for page in context.pages() if page.name == "queues-basics.html"]
    [(staged, final)] = render_pages(tmp_path, context.show, pages)
    html = staged.read_text()
    assert final == tmp_path / "queues-basics.html" and not final.exists()  # staged beside its place
    assert "<script>alert" not in html
    assert '&lt;script&gt;alert("owned")&lt;/script&gt;' in html
    assert '<p class="summary">What a queue does, and why &lt;b&gt;ordering&lt;/b&gt; matters.</p>' in html
    assert (
        '<track kind="captions" srclang="en" label="Transcript" src="episodes/queues-basics-0123456789.vtt"'
    ) in html
    assert 'href="quiz.html?lesson=queues-basics"' in html
    assert '<a rel="next" href="topics-basics.html">Topics and fan-out →</a>' in html


def rendered(project: Path, tmp_path: Path, name: str) -> str:
    context = context_of(project)
    pages = [page for page in context.pages() if page.name == name]
    [(staged, _final)] = render_pages(tmp_path, context.show, pages)
    return staged.read_text()


def test_the_quiz_page_counts_the_questions_there_are(project: Path, tmp_path: Path):
    html = rendered(project, tmp_path, "quiz.html")
    assert "<p>2 questions. Pick an answer" in html and "scenario" not in html
    assert "<label>Domain" in html and "Basics ·" in html
    add_third_lesson(project)
    assert "<p>3 questions. Pick an answer" in rendered(project, tmp_path / "again", "quiz.html")


def test_a_quiz_without_domains_shows_no_domain(project: Path, tmp_path: Path):
    config = project / "content" / "show.toml"
    config.write_text(
        config.read_text().replace('[[domains]]\nid = "basics"\ntitle = "Basics"\nweight = 100\n', "")
    )
    quiz = project / "content" / "quiz.yaml"
    quiz.write_text(quiz.read_text().replace("  domain: basics\n", ""))
    html = rendered(project, tmp_path, "quiz.html")
    assert "<label hidden>Domain" in html and '<table id="score-table" hidden>' in html
    assert '<span class="qmeta"><a href=' in html  # the lesson, with no domain before it


def test_show_notes_keep_the_line_breaks_of_a_poem_and_not_of_wrapped_prose():
    poem = "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n"
    prose = (
        "A topic copies each message to every subscriber, and each subscriber then gets its\n"
        "own copy of it, which it reads at its own pace.\n"
    )
    html = str(render_markdown(poem + "\n" + prose))
    assert "summer's day?<br>\nThou art" in html
    assert "gets its\nown copy" in html and html.count("<br") == 1
