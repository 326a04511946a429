"""markdown-it tokens -> the plain text a listener hears and a transcript shows.

HTML tags give their text; script, style, iframe and other non-text elements, and comments, give none;
links give their text (a bare URL gives its address without the scheme); footnote markers are silent;
code spans give their code without backticks; line breaks are spaces (a paragraph written line by line, see
keeps_breaks, is said line by line).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# Elements whose content is never text for a listener.
SILENT_ELEMENTS = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "noscript",
        "template",
        "svg",
        "math",
        "video",
        "audio",
        "canvas",
        "select",
        "textarea",
        "button",
        "head",
        "title",
    }
)
# Elements after which a listener hears a pause: their text is kept apart from the next.
BREAKING_ELEMENTS = frozenset(
    {"br", "p", "div", "li", "tr", "td", "th", "summary", "details", "h1", "h2", "h3", "h4", "h5", "h6"}
)
VOID_ELEMENTS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "col"})
TAG = re.compile(r"^<\s*(/?)\s*([A-Za-z][\w-]*)([^>]*?)(/?)\s*>$", re.DOTALL)
SYMBOLS_MARK = "\u2063"  # around a code span of symbols only; never shown, see shown()
SCHEME = re.compile(r"^[A-Za-z][\w+.-]*://")


# markdown-it's depth of tokens it reads (CommonMark's preset: 20, about 9 levels of lists); a list item and
# its paragraph take two, so lists and quotes read to about 48 levels, and deeper is named by `check`.
MAX_NESTING = 100


@functools.cache
def markdown_parser() -> MarkdownIt:
    """The one parser lessons are read with (parsing keeps no state in it, so it is shared)."""
    return new_markdown_parser()


def new_markdown_parser() -> MarkdownIt:
    """CommonMark with tables, footnotes and bare URLs as links. Raw HTML is parsed as HTML so that the spoken
    text can leave it out; the show notes escape all of it but the few tags they allow."""
    from markdown_it import (
        MarkdownIt,  # off the no-op path: a lesson unchanged since the last run is not parsed
    )
    from mdit_py_plugins.footnote import footnote_plugin

    parser = (
        MarkdownIt("commonmark", {"html": True, "linkify": True, "maxNesting": MAX_NESTING})
        .enable(["table", "linkify"])
        .use(footnote_plugin)
    )
    if parser.linkify is not None:  # bare addresses on the newer domains developers use are links too
        parser.linkify.tlds(["dev", "app", "io", "cloud", "ai", "tech", "sh"], True)
    return parser


# A line of verse, an address or a letter's salutation is short; prose wrapped at 72-80 columns fills its
# lines past this.
SHORT_LINE = 55


def keeps_breaks(lines: Sequence[str]) -> bool:
    """True for a paragraph written line by line (a poem, an address, the lines of a letter): two lines or
    more, each but the last at most SHORT_LINE characters. The show notes keep its breaks, and the voice
    pauses after each line; ordinary prose, wrapped at 72-80 columns, is one run of text."""
    lines = [line.strip() for line in lines]
    return len(lines) > 1 and all(lines) and all(len(line) <= SHORT_LINE for line in lines[:-1])


def plain(markdown: str) -> str:
    """One line of inline Markdown (a quiz question, an option) as heard: code without its backticks."""
    tokens = markdown_parser().parseInline(markdown)
    return collapse(inline_text(tokens[0].children or []).text) if tokens else markdown


@dataclass
class Inline:
    """The text of one inline run, where its source lines break, and the footnotes it cites."""

    text: str
    breaks: tuple[int, ...] = ()  # offsets in `text` where a new source line starts
    footnotes: tuple[int, ...] = ()  # footnote ids, in the order cited
    images: tuple[str, ...] = ()  # image sources
    links: tuple[str, ...] = ()  # link targets
    only_images: bool = False  # the run was nothing but images


def without_scheme(url: str) -> str:
    """'https://helm.sh/docs/' -> 'helm.sh/docs'; 'mailto:a@b.dev' -> 'a@b.dev'."""
    url = url.removeprefix("mailto:")
    return SCHEME.sub("", url).removeprefix("www.").rstrip("/")


def tag_of(markup: str) -> tuple[str, bool, bool] | None:
    """(element name, is a closing tag, closes itself) of one HTML tag, or None for a comment and the like."""
    match = TAG.match(markup.strip())
    if not match:
        return None
    name = match.group(2).lower()
    return name, bool(match.group(1)), bool(match.group(4)) or name in VOID_ELEMENTS


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)  # the silent elements we are inside, innermost last

    @property
    def length(self) -> int:
        return sum(len(part) for part in self.parts)

    def add(self, text: str) -> None:
        if not self.silent:
            self.parts.append(text)

    def html(self, markup: str) -> None:
        tag = tag_of(markup)
        if tag is None:  # a comment, a processing instruction, CDATA: nothing to hear
            return
        name, closing, void = tag
        if name in SILENT_ELEMENTS:
            if closing and name in self.silent:
                del self.silent[len(self.silent) - 1 - self.silent[::-1].index(name) :]
            elif not closing and not void:
                self.silent.append(name)
        elif name in BREAKING_ELEMENTS:
            self.add(" ")


def inline_text(children: Sequence[Token]) -> Inline:
    """What a listener hears of an inline token's children."""
    builder = _Builder()
    footnotes: list[int] = []
    images: list[str] = []
    links: list[str] = []
    link_href: str | None = None
    link_text_start = 0
    seen_text = False
    for child in children:
        kind = child.type
        if kind == "code_inline" and child.content.strip() and not any(c.isalnum() for c in child.content):
            builder.add(SYMBOLS_MARK + child.content.strip() + SYMBOLS_MARK)  # `-->`: said symbol by symbol
            seen_text = True
        elif kind in {"text", "code_inline"}:
            builder.add(child.content)
            seen_text = seen_text or bool(child.content.strip())
        elif kind in ("softbreak", "hardbreak"):
            builder.add(" ")
            builder.breaks.append(builder.length)
        elif kind == "html_inline":
            builder.html(child.content)
        elif kind == "link_open":
            link_href = str(child.attrs.get("href", ""))
            links.append(link_href)
            link_text_start = len(builder.parts)
        elif kind == "link_close" and link_href is not None:
            shown = "".join(builder.parts[link_text_start:])
            if SCHEME.match(shown) or shown.startswith("mailto:") or shown.strip() == link_href:
                # a bare address: the transcript shows it without its scheme, the voice says its domain
                builder.parts[link_text_start:] = [without_scheme(shown.strip())]
            link_href = None
        elif kind == "image":
            images.append(str(child.attrs.get("src", "")))
        elif kind == "footnote_ref":
            footnotes.append(int(child.meta["id"]))
    text = "".join(builder.parts)
    return Inline(
        text,
        tuple(builder.breaks),
        tuple(dict.fromkeys(footnotes)),
        tuple(images),
        tuple(links),
        only_images=bool(images) and not seen_text,
    )


class _BlockText(HTMLParser):
    """The text of a block of HTML: data outside silent elements, breaking elements kept apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SILENT_ELEMENTS and tag not in VOID_ELEMENTS:
            self.silent.append(tag)
        elif tag in BREAKING_ELEMENTS and not self.silent:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.silent:
            del self.silent[len(self.silent) - 1 - self.silent[::-1].index(tag) :]
        elif tag in BREAKING_ELEMENTS and not self.silent:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.parts.append(data)


def html_block_text(source: str) -> str:
    """What a listener hears of a block of raw HTML (a summary, a paragraph), none of a script or comment."""
    parser = _BlockText()
    parser.feed(source)
    parser.close()
    pieces = [collapse(piece) for piece in "".join(parser.parts).split("\n")]
    return " ".join(piece if piece[-1] in ".!?:;," else piece + "." for piece in pieces if piece)


def shown(text: str) -> str:
    """The text as a transcript shows it (the marks for the voice taken out)."""
    return text.replace(SYMBOLS_MARK, "")


def collapse(text: str) -> str:
    """Runs of whitespace as one space."""
    return re.sub(r"\s+", " ", text).strip()
