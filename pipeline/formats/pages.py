"""The show-notes site in feed/: index, one page per episode, the quiz page, assets and published audio."""

from __future__ import annotations

import functools
import hashlib
import html
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    from jinja2 import Environment
    from markdown_it import MarkdownIt

from ..fsutil import temporary_sibling, write_staged
from ..model.episode import Episode, cover_name
from ..model.lesson import Lesson
from ..model.show import Show
from ..spoken.markup import keeps_breaks, new_markdown_parser, shown

TEMPLATES = Path(__file__).parent.parent / "templates"
STATIC = Path(__file__).parent.parent / "static"


def templates_digest() -> str:
    """Changes whenever a template or an asset changes, so pages are re-rendered."""
    digest = hashlib.sha256()
    for path in sorted([*TEMPLATES.iterdir(), *STATIC.iterdir()]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def jinja_environment(folder: Path, **helpers: object) -> Environment:
    """Templates from `folder`, HTML escaped, every name they use required to exist, with `helpers`."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(helpers)
    return env


@functools.cache
def _environment() -> Environment:
    env = jinja_environment(TEMPLATES, clock=clock, duration=duration)
    env.filters["inline"] = render_inline
    return env


def clock(seconds: float) -> str:
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{whole // 60}:{whole % 60:02d}"


def duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} min"


# Raw HTML a lesson may use in its show notes; any other tag is shown as text.
ALLOWED_TAGS = frozenset(
    {
        "b",
        "i",
        "em",
        "strong",
        "br",
        "sup",
        "sub",
        "kbd",
        "details",
        "summary",
        "code",
        "mark",
        "small",
        "abbr",
        "s",
        "u",
        "q",
        "var",
        "samp",
        "dfn",
        "cite",
        "p",
        "ins",
        "del",
    }
)
# What Markdown itself writes, footnotes and tables included.
MARKDOWN_TAGS = frozenset(
    {
        "p",
        "a",
        "img",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "blockquote",
        "pre",
        "code",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "section",
        "em",
        "strong",
        "br",
        "sup",
    }
)
ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
    "abbr": {"title"},
}


def _allowed(markup: str) -> bool:
    """True when every tag in a piece of raw HTML is one the show notes allow (a comment never is)."""
    tags = re.findall(r"<\s*/?\s*([A-Za-z][\w-]*)|<(!)", markup)
    return (
        bool(tags)
        and all(name.lower() in ALLOWED_TAGS for name, bang in tags if not bang)
        and not any(bang for _, bang in tags)
    )


def _raw_html(_renderer: Any, tokens: Any, index: int, _options: Any, _env: Any) -> str:
    content = tokens[index].content
    if re.fullmatch(r"\s*<!--.*?-->\s*", content, re.DOTALL):
        return ""  # a comment is the writer's, not the listener's
    return content if _allowed(content) else html.escape(content, quote=False)


def render_markdown(text: str, files: dict[str, str] | None = None) -> Markup:
    """Lesson Markdown as HTML. Raw HTML with only the allowed tags is kept, any other comes out as text;
    relative images and links point at the site's copies (`files`: target -> name in the site); the whole
    is sanitized by nh3 (no script, no event attribute, no javascript: address can get through)."""
    parser = _notes_parser()
    env: dict[str, Any] = {}
    tokens = parser.parse(text, env)
    for token in tokens:
        if token.children:
            token.children = _without_file_links(token.children)
            if keeps_breaks(token.content.split("\n")):
                _keep_breaks(token.children)
    for token in _all(tokens):
        for attribute in ("src", "href"):
            target = token.attrs.get(attribute)
            if isinstance(target, str) and files and target in files:
                token.attrs[attribute] = files[target]
    return _sanitized(parser.renderer.render(tokens, parser.options, env))


class Rendered:
    """Markdown that becomes HTML when its page is written, not when the page is planned: a build that finds
    the page up to date (its key is made of the source's digest) renders nothing."""

    def __init__(self, text: str, files: dict[str, str] | None = None):
        self.text, self.files = text, files

    def __html__(self) -> str:
        return str(render_markdown(self.text, self.files))

    __str__ = __html__

    def __bool__(self) -> bool:
        return bool(self.text.strip())


def _keep_breaks(children: list[Any]) -> None:
    """The line breaks of a paragraph written line by line shown as <br>."""
    for child in children:
        if child.type == "softbreak":
            child.type = "hardbreak"


def render_inline(text: str) -> Markup:
    """One line of inline Markdown (a quiz question, an option) as HTML: `code` as <code>, and the like."""
    return _sanitized(_notes_parser().renderInline(text))


@functools.cache
def _notes_parser() -> MarkdownIt:
    parser = new_markdown_parser()  # a parser of its own: its render rules are the show notes'
    parser.add_render_rule("html_inline", _raw_html)
    parser.add_render_rule("html_block", _raw_html)
    return parser


def _sanitized(html: str) -> Markup:
    import nh3  # a Rust extension: loaded only when pages are rendered

    tags = set(ALLOWED_TAGS | MARKDOWN_TAGS)
    clean = nh3.clean(html, tags=tags, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"})
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above


FILE_NAME = re.compile(r"^[\w.-]+\.(?:py|md|sh|rs|pl|go|rb|cs|ps|pm|so|am)$")


def _without_file_links(children: list[Any]) -> list[Any]:
    """'app.py' written in a sentence is a file, though .py is a country's domain: it stays text."""
    kept: list[Any] = []
    index = 0
    while index < len(children):
        token = children[index]
        if (
            token.type == "link_open"
            and token.markup == "linkify"
            and index + 2 < len(children)
            and FILE_NAME.match(children[index + 1].content)
        ):
            kept.append(children[index + 1])
            index += 3
            continue
        kept.append(token)
        index += 1
    return kept


def _all(tokens: Any) -> Any:
    for token in tokens:
        yield token
        if token.children:
            yield from _all(token.children)


def key_points(lesson: Lesson) -> list[str]:
    """The recap's list items, else the section titles."""
    for section in lesson.sections:
        if section.title.lower().startswith(("recap", "summary", "key points")):
            items = [shown(block.text) for block in section.blocks if block.kind == "item"]
            if items:
                return items
    return [
        s.title for s in lesson.sections if not s.title.lower().startswith(("recap", "worked", "exam traps"))
    ]


@dataclass(frozen=True)
class Page:
    name: str
    template: str
    context: dict
    parts: dict[str, str]  # named digests of everything the page shows: it is rendered again when one changes
    files: tuple[tuple[Path, str], ...] = ()  # (a lesson's image or linked file, its content-hashed name)


def index_groups(show: Show, ordered: list[Episode]) -> list[dict[str, Any]]:
    """The index's groups of episodes: the trailer, each module, the rest, then drills and reviews."""
    groups: list[dict[str, Any]] = []
    trailer = [e for e in ordered if e.lesson.episode_type == "trailer"]
    if trailer:
        groups.append({"key": "trailer", "title": "Start here", "episodes": trailer})
    for module in show.modules:
        members = [e for e in ordered if e.lesson.module == module.number and e.lesson.episode_type == "full"]
        if members:
            groups.append(
                {
                    "key": str(module.number),
                    "title": f"Module {module.number}: {module.title}",
                    "episodes": members,
                }
            )
    study = [e for e in ordered if e.lesson.episode_type == "bonus"]
    placed = {e.id for group in groups for e in group["episodes"]} | {e.id for e in study}
    rest = [e for e in ordered if e.id not in placed]
    if rest:
        groups.append({"key": "other", "title": "Episodes", "episodes": rest})
    if study:  # drills by topic, then reviews by day
        study.sort(key=lambda e: (not e.id.startswith("drill-"), e.released, e.id))
        groups.append({"key": "study", "title": "Drills and reviews", "episodes": study})
    return groups


def site_name(path: Path) -> str:
    """Where a lesson's image or linked file goes in the site: its name and a hash of its bytes, so a
    changed file gets a new address and browsers never show a stale copy."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-") or "file"
    with open(path, "rb") as handle:  # read in pieces: a linked file may be larger than memory
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
    return f"files/{stem}-{sha256[:12]}{path.suffix.lower()}"


def copy_files(site: Path, files: tuple[tuple[Path, str], ...]) -> None:
    """The lesson files a page uses, copied into the site (a name already there holds the same bytes)."""
    for source, name in files:
        target = site / name
        if not target.is_file():
            os.makedirs(target.parent, exist_ok=True)
            staged = temporary_sibling(target)
            shutil.copyfile(source, staged)  # in pieces: a linked file may be larger than memory
            os.replace(staged, target)


def render_pages(site: Path, show: Show, pages: list[Page]) -> list[tuple[Path, Path]]:
    """Render the given pages to temporary files beside their places; returns (temporary, final) pairs for
    the caller to rename once the feed is in place, so a build that dies leaves the old pages whole."""
    env = _environment()
    common = {"show": show, "root": "", "cover_name": cover_name(show)}
    for page in pages:
        copy_files(site, page.files)
    return [
        (
            write_staged(site / page.name, env.get_template(page.template).render(**common, **page.context)),
            site / page.name,
        )
        for page in pages
    ]


Files = Callable[[], Iterable[tuple[Path, Path]]]  # the files staged so far: (temporary, final)


class BookLink:
    """The index's link to the audiobook: its length and size are read from the file when the page is written
    (the audiobook's step runs before the site's and stages a new book); the page's key holds the book's, so
    a new book re-renders it. A book that cannot be read shows neither."""

    def __init__(self, site: Path, name: str, staged: Files):
        self.href, self.live, self.staged = name, site / name, staged

    @property
    def path(self) -> Path:
        """The book as the publish stage will put it live: the one staged beside its place, if one is."""
        return next((made for made, final in self.staged() if final == self.live), self.live)

    @property
    def size(self) -> str:
        try:
            megabytes = self.path.stat().st_size / 1_000_000
        except OSError:
            return ""
        return f"{megabytes:.1f} MB" if megabytes < 10 else f"{megabytes:.0f} MB"

    @property
    def length(self) -> str:
        from mutagen import MutagenError
        from mutagen.mp4 import MP4  # loads only when the index is written

        try:
            info = MP4(self.path).info
        except MutagenError:
            return ""
        if info is None:
            return ""
        hours, minutes = divmod(max(1, round(info.length / 60)), 60)
        return f"{hours} h {minutes} min" if hours else f"{minutes} min"
