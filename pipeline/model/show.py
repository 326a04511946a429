"""The show config (content/show.toml): one schema class per table; every problem is reported at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ArgsKwargs

from ..errors import ConfigError, Problem, relative
from .art import DEFAULT_COVER, cover_problem
from .formats import AudiobookSettings, Opus
from .lines import Lines, exam_named
from .medium import Medium
from .project import CONFIG_NAME, Project
from .schema import SCHEMA, Where, hidden_character, read, read_config, toml_line, toml_where
from .study import Study

# Apple Podcasts' categories and their subcategories, as the directory spells them.
_CATEGORIES = """
Arts: Books, Design, Fashion & Beauty, Food, Performing Arts, Visual Arts
Business: Careers, Entrepreneurship, Investing, Management, Marketing, Non-Profit
Comedy: Comedy Interviews, Improv, Stand-Up
Education: Courses, How To, Language Learning, Self-Improvement
Fiction: Comedy Fiction, Drama, Science Fiction
Government:
History:
Health & Fitness: Alternative Health, Fitness, Medicine, Mental Health, Nutrition, Sexuality
Kids & Family: Education for Kids, Parenting, Pets & Animals, Stories for Kids
Leisure: Animation & Manga, Automotive, Aviation, Crafts, Games, Hobbies, Home & Garden, Video Games
Music: Music Commentary, Music History, Music Interviews
News: Business News, Daily News, Entertainment News, News Commentary, Politics, Sports News, Tech News
Religion & Spirituality: Buddhism, Christianity, Hinduism, Islam, Judaism, Religion, Spirituality
Science: Astronomy, Chemistry, Earth Sciences, Life Sciences, Mathematics, Natural Sciences, Nature, \
Physics, Social Sciences
Society & Culture: Documentary, Personal Journals, Philosophy, Places & Travel, Relationships
Sports: Baseball, Basketball, Cricket, Fantasy Sports, Football, Golf, Hockey, Rugby, Running, Soccer, \
Swimming, Tennis, Volleyball, Wilderness, Wrestling
Technology:
True Crime:
TV & Film: After Shows, Film History, Film Interviews, Film Reviews, TV Reviews
"""
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    name: tuple(sub.strip() for sub in subs.split(",") if sub.strip())
    for name, _, subs in (line.partition(":") for line in _CATEGORIES.strip().splitlines())
}

ENGINE_NAME = r"^[a-z][a-z0-9_-]*$"  # which engines exist is the speech registry's business
ENGINE = "an engine name like 'hibari'"
BITRATES = {1: (64, 80, 96), 2: (128,)}  # constant bitrates podcast apps expect: mono 64-96, stereo 128
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"
# A host, then a path without the characters a URL may not carry unescaped (quotes and angle brackets would
# also break out of the feed's and the pages' attributes).
URL = r"^https?://[^/?#\s\"<>\\^`{|}]+[^\s\"<>\\^`{|}]*$"
T = TypeVar("T")


@dataclass(frozen=True, config=SCHEMA)
class Voice:
    """How one script role sounds: a [voices.ROLE] table."""

    role: str  # the table's name: host, cohost, ...
    engine: str = Field(default="hibari", pattern=ENGINE_NAME, description=ENGINE)
    voice: str = "heart"
    rate: float = Field(default=1.0, ge=0.5, le=2.0)
    name: str = Field(default="", validate_default=True)  # in transcripts; the role, capitalised, if unset
    # Piper's sampling noise (None: the voice's own), and the gap between the sentences an engine finds inside
    # one line (unset: the show's sentence_pause). Only engines that list them in `tuning` read them.
    noise_scale: float | None = Field(default=None, ge=0.0, le=2.0)
    noise_w: float | None = Field(default=None, ge=0.0, le=2.0)
    sentence_silence: float = Field(default=0.35, ge=0.0, le=5.0)

    @field_validator("name")
    @classmethod
    def _role_by_default(cls, name: str, info: ValidationInfo) -> str:
        return name or str(info.data.get("role", "")).capitalize()

    @property
    def settings(self) -> tuple[str, str, float]:
        return (self.engine, self.voice, self.rate)


@dataclass(frozen=True, config=SCHEMA)
class Audio:
    """The [audio] table: how every episode is mastered."""

    loudness: float = Field(default=-19.0, ge=-30.0, le=-10.0)  # integrated LUFS target on the final file
    true_peak: float = Field(default=-1.0, ge=-6.0, le=-0.5)  # dBTP ceiling
    channels: int = 1
    bitrate: int = 96  # kbps, constant
    sample_rate: Literal[44100] = 44100  # what podcast apps and the MP3 encoder expect
    sentence_pause: float = Field(default=0.35, ge=0.0, le=5.0)
    paragraph_pause: float = Field(default=0.7, ge=0.0, le=5.0)
    section_pause: float = Field(default=1.2, ge=0.0, le=10.0)
    answer_pause: float = Field(default=5.0, ge=0.5, le=30.0)
    music: bool = True
    # The voices' default engine: each Voice keeps its own, so it is not among the KEYED fields.
    engine: str = Field(default="hibari", pattern=ENGINE_NAME, description=ENGINE)

    # What changes the mastered sound: a key spells the settings by these fields (pipeline/spelling.py).
    # fmt: off
    KEYED: ClassVar[tuple[str, ...]] = (
        "loudness", "true_peak", "channels", "bitrate", "sample_rate", "sentence_pause", "paragraph_pause",
        "section_pause", "answer_pause", "music",
    )
    # fmt: on

    @model_validator(mode="before")
    @classmethod
    def _stereo_defaults(cls, data: Any) -> Any:
        """Stereo at -16 LUFS sounds as loud as mono at -19, and podcast apps expect it at 128 kbps."""
        if isinstance(data, ArgsKwargs) and data.kwargs and data.kwargs.get("channels") == 2:
            return ArgsKwargs(data.args, {"loudness": -16.0, "bitrate": 128, **data.kwargs})
        return data

    @field_validator("channels")
    @classmethod
    def _mono_or_stereo(cls, channels: int) -> int:
        if channels not in BITRATES:
            raise ValueError(f"must be 1 or 2 (mono or stereo), got {channels}")
        return channels

    @field_validator("bitrate")
    @classmethod
    def _podcast_bitrate(cls, bitrate: int, info: ValidationInfo) -> int:
        allowed = BITRATES.get(info.data.get("channels", 1), BITRATES[1])
        if bitrate not in allowed:
            raise ValueError(
                f"must be one of {', '.join(map(str, allowed))} (kbps) for this channel count, "
                f"as podcast apps expect, got {bitrate}"
            )
        return bitrate


@dataclass(frozen=True, config=SCHEMA)
class Schedule:
    """The [schedule] table: when episodes are released."""

    # Far enough for any course, near enough that every release date of it is a real day.
    start: dt.date | None = Field(default=None, ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))
    every_days: int = Field(default=7, ge=1, le=366)
    time: dt.time = dt.time(6, 0)


@dataclass(frozen=True, config=SCHEMA)
class Module:
    """A [[modules]] entry."""

    number: int = Field(ge=1, le=99)
    title: str = Field(min_length=1)


@dataclass(frozen=True, config=SCHEMA)
class Domain:
    """An exam domain (or any grouping a course uses for its quiz), with its weight in per cent: a [[domains]]
    entry."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="lowercase letters, digits and '-'")
    title: str = Field(min_length=1)
    weight: float = Field(default=0.0, ge=0.0, le=100.0)


@dataclass(frozen=True, config=SCHEMA)
class ScriptSettings:
    """The [script] table."""

    # Quiz questions read aloud at the end of each episode.
    selftest_questions: int = Field(default=3, ge=0, le=5)


# The [publish] table: where `certquests publish` uploads the site, and how its files are served.
# Credentials never go here: they come from the standard AWS chain (environment, profiles, ~/.aws).
MEDIA_CACHE = "public, max-age=31536000, immutable"
PAGES_CACHE = "public, max-age=300"
HEADER = r"^[\x21-\x7e][\x20-\x7e]*$"  # printable ASCII on one line, as an HTTP header value must be
SECRET = re.compile(r"(access|secret|session|token|password|key_id|profile|credential)", re.IGNORECASE)
CHAIN = "use the AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials)"


@dataclass(frozen=True, config=SCHEMA)
class CachePolicy:
    """The [publish.cache] table: Cache-Control for content-hashed media, and for everything else."""

    media: str = Field(
        default=MEDIA_CACHE, pattern=HEADER, description=f"a Cache-Control value like {MEDIA_CACHE!r}"
    )
    pages: str = Field(
        default=PAGES_CACHE, pattern=HEADER, description=f"a Cache-Control value like {PAGES_CACHE!r}"
    )


@dataclass(frozen=True, config=SCHEMA)
class PublishSettings:
    """The [publish] table: where `certquests publish` uploads to, and how."""

    to: str | None = Field(default=None, min_length=1)
    endpoint_url: str | None = Field(
        default=None, pattern=r"^https?://[^/?#\s]+", description="an http(s) URL"
    )
    region: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$", description="a region like 'eu-west-1'")
    grace_days: int = Field(default=30, ge=0, le=3650)
    concurrency: int = Field(default=8, ge=1, le=64)
    cache: CachePolicy = Field(default_factory=CachePolicy)


@dataclass(frozen=True, kw_only=True, config=SCHEMA)
class Show:
    """The [show] table; load_show gives the other tables, each read into its own class above."""

    title: str
    subtitle: str = ""
    description: str = Field(default="", validate_default=True)
    author: str = Field(default="", validate_default=True)
    owner_name: str = Field(default="", validate_default=True)
    owner_email: str = Field(pattern=EMAIL, description="an e-mail address")
    language: str = Field(default="en", pattern=LANGUAGE, description="an ISO 639 code like 'en' or 'en-GB'")
    # What the course prepares for, as said in a sentence ("the DVA-C02 exam"); unset, no line speaks of one.
    exam: str = ""
    base_url: str = Field(pattern=URL, description="an absolute http(s) URL, the address of feed/")
    category: str = "Education"
    subcategory: str = ""
    explicit: bool = False
    copyright: str = Field(default="", validate_default=True)
    cover: Path = Field(default=Path(DEFAULT_COVER), validate_default=True)  # resolved against content/
    show_type: Literal["serial", "episodic"] = Field(default="serial", alias="type")
    medium: Medium = "podcast"  # what the feed is, for podcast apps (podcast:medium)
    podcast_guid: str | None = None
    audio: Audio = dataclasses.field(default_factory=Audio)
    opus: Opus = dataclasses.field(default_factory=Opus)
    schedule: Schedule = dataclasses.field(default_factory=Schedule)
    voices: dict[str, Voice] = dataclasses.field(default_factory=dict, hash=False)
    modules: tuple[Module, ...] = ()
    domains: tuple[Domain, ...] = ()
    selftest_questions: int = 3
    lines: Lines = dataclasses.field(default_factory=Lines)
    study: Study = dataclasses.field(default_factory=Study)
    audiobook: AudiobookSettings = dataclasses.field(default_factory=AudiobookSettings)
    publish: PublishSettings = dataclasses.field(default_factory=PublishSettings, compare=False, repr=False)
    source: str = dataclasses.field(default="", repr=False, compare=False)  # the config, for line numbers

    @field_validator("title")
    @classmethod
    def _not_blank(cls, title: str) -> str:
        if not title.strip():
            raise ValueError("must not be empty")
        return title.strip()

    @field_validator("exam")
    @classmethod
    def _one_line(cls, exam: str) -> str:
        return " ".join(exam.split())

    @field_validator("title", "subtitle", "author", "owner_name", "copyright", "description")
    @classmethod
    def _nothing_hidden(cls, text: str, info: ValidationInfo) -> str:
        """What podcast apps show and the ID3 tags carry holds nothing a reader would not see."""
        hidden = hidden_character(text, one_line=info.field_name != "description")
        if hidden:
            raise ValueError(f"holds {hidden}; remove it")
        return text

    @field_validator("description", "author", "owner_name", "copyright")
    @classmethod
    def _from_the_title(cls, value: str, info: ValidationInfo) -> str:
        """Unset, description and author are the title, owner_name the author, copyright '© year author'."""
        title, author = info.data.get("title", ""), info.data.get("author", "")
        defaults = {"description": title, "author": title, "owner_name": author}
        return value or defaults.get(info.field_name or "", f"© {dt.date.today().year} {author}")

    @field_validator("description")
    @classmethod
    def _fits_the_feed(cls, description: str) -> str:
        if len(description.encode()) > 4000:
            raise ValueError(f"is {len(description.encode())} bytes; podcast apps take at most 4000")
        return description

    @field_validator("base_url")
    @classmethod
    def _ends_in_slash(cls, base_url: str) -> str:
        return base_url if base_url.endswith("/") else base_url + "/"

    @field_validator("category")
    @classmethod
    def _apple_category(cls, category: str) -> str:
        if category not in APPLE_CATEGORIES:
            raise ValueError(
                f"not an Apple Podcasts category: {category!r}; use one of {', '.join(APPLE_CATEGORIES)}"
            )
        return category

    @field_validator("subcategory")
    @classmethod
    def _of_the_category(cls, subcategory: str, info: ValidationInfo) -> str:
        category = info.data.get("category")
        if subcategory and category and subcategory not in APPLE_CATEGORIES[category]:
            allowed = ", ".join(APPLE_CATEGORIES[category]) or "none"
            raise ValueError(f"{subcategory!r} is not a subcategory of {category!r} (allowed: {allowed})")
        return subcategory

    @field_validator("cover", mode="before")
    @classmethod
    def _under_content(cls, cover: object, info: ValidationInfo) -> object:
        if not isinstance(cover, (str, Path)):
            raise ValueError(f"must be a file name under content/, like '{DEFAULT_COVER}'")
        if not info.context:
            return Path(cover)
        problem = cover_problem(info.context["content"], cover or DEFAULT_COVER)
        if problem:
            raise ValueError(problem)
        return info.context["content"] / (cover or DEFAULT_COVER)

    @field_validator("podcast_guid")
    @classmethod
    def _a_uuid(cls, guid: str | None) -> str | None:
        try:
            if guid is not None:
                uuid.UUID(guid)
        except ValueError:
            example = "9b024349-ccf0-5f69-a609-6b82873eab3c"
            raise ValueError(f"must be a UUID like {example}, got {guid!r}") from None
        return guid

    def line_of(self, table: str | None, key: str) -> int | None:
        """The line of `key` in `[table]` of the config, for messages about values checked later."""
        return toml_line(self.source, table, key)

    @property
    def feed_url(self) -> str:
        return self.base_url + "feed.xml"

    def line(self, key: str, **fields: str) -> str:
        """One of the built-in lines of an episode ([lines]), filled in."""
        return self.lines.say(key, show=self.title, exam=self.exam, **fields)

    def module(self, number: int) -> Module | None:
        return next((m for m in self.modules if m.number == number), None)

    def domain(self, domain_id: str) -> Domain | None:
        return next((d for d in self.domains if d.id == domain_id), None)


Table = dict[str, Any]


@dataclass(frozen=True, config=SCHEMA)
class ShowConfig:
    """The tables of show.toml; load_show reads each into its class above."""

    show: Table = dataclasses.field(default_factory=dict)
    audio: Table = dataclasses.field(default_factory=dict)
    opus: Table = dataclasses.field(default_factory=dict)
    voices: dict[str, Table] = dataclasses.field(default_factory=dict)
    schedule: Table = dataclasses.field(default_factory=dict)
    script: Table = dataclasses.field(default_factory=dict)
    lines: Table = dataclasses.field(default_factory=dict)
    study: Table = dataclasses.field(default_factory=dict)
    audiobook: Table = dataclasses.field(default_factory=dict)
    modules: list[Table] = dataclasses.field(default_factory=list)
    domains: list[Table] = dataclasses.field(default_factory=list)
    publish: Table = dataclasses.field(default_factory=dict)


def _publish_settings(
    values: Table, where: Where, table: Callable[..., Any], problems: list[Problem]
) -> PublishSettings:
    """The [publish] table, with its [publish.cache]; a key that looks like a credential is refused."""
    publish = dict(values)
    for key in [key for key in publish if SECRET.search(str(key))]:
        problems.append(where.problem(key, f"credentials never go in show.toml; {CHAIN}"))
        del publish[key]
    cache = publish.pop("cache", {})
    if not isinstance(cache, dict):
        problems.append(where.problem("cache", "must be a table with 'media' and 'pages'"))
        cache = {}
    policy = table(CachePolicy, cache, "publish.cache") or CachePolicy()
    hosting = table(PublishSettings, publish, "publish") or PublishSettings()
    return dataclasses.replace(hosting, cache=policy)


def load_show(project: Project) -> Show:
    """Parse and validate content/show.toml; raise ConfigError listing every problem."""
    shown = CONFIG_NAME
    text, data = read_config(project.config_path, project.root, CONFIG_NAME)
    problems: list[Problem] = []

    def table(kind: type[T], values: Table, name: str | None, index: int = 0, **options: Any) -> T | None:
        return read(kind, values, toml_where(shown, text, name, index), problems, **options)

    tables = table(ShowConfig, data, None)
    if tables is None:
        raise ConfigError(f"{shown}: {len(problems)} problem(s) in the show config", problems)
    audio = table(Audio, tables.audio, "audio") or Audio()
    voices: dict[str, Voice] = {}
    for role, values in tables.voices.items():
        defaults = {"engine": audio.engine, "sentence_silence": audio.sentence_pause}
        voice = table(Voice, {**defaults, **values}, f"voices.{role}", given={"role": role})
        if voice:
            voices[role] = voice
    if "host" not in tables.voices:
        missing = "missing: every script needs a host voice; add it with voice and rate"
        problems.append(toml_where(shown, text, "voices.host").problem(None, missing))
    modules: dict[int, Module] = {}
    for index, values in enumerate(tables.modules):
        module = table(Module, values, "modules", index)
        if module and module.number in modules:
            twice = f"module {module.number} is defined twice; give each [[modules]] a unique number"
            problems.append(toml_where(shown, text, "modules", index).problem("number", twice))
        elif module:
            modules[module.number] = module
    domains = [table(Domain, values, "domains", index) for index, values in enumerate(tables.domains)]
    script = table(ScriptSettings, tables.script, "script") or ScriptSettings()
    lines = table(Lines, tables.lines, "lines") or Lines()
    if not str(tables.show.get("exam", "")).strip():
        problems += exam_named(lines, toml_where(shown, text, "lines"))
    parts = {
        "audio": audio,
        "opus": table(Opus, tables.opus, "opus") or Opus(),
        "schedule": table(Schedule, tables.schedule, "schedule") or Schedule(),
        "voices": voices,
        "modules": tuple(sorted(modules.values(), key=lambda module: module.number)),
        "domains": tuple(domain for domain in domains if domain),
        "selftest_questions": script.selftest_questions,
        "lines": lines,
        "study": table(Study, tables.study, "study") or Study(),
        "audiobook": table(AudiobookSettings, tables.audiobook, "audiobook") or AudiobookSettings(),
        "publish": _publish_settings(tables.publish, toml_where(shown, text, "publish"), table, problems),
        "source": text,
    }
    show = table(Show, tables.show, "show", given=parts, context={"content": project.content})
    if show and not problems and not show.cover.is_file():
        missing = f"{relative(show.cover, project.content)} not found in content/"
        fix = "add the image or run `certquests cover` to draw one"
        problems.append(toml_where(shown, text, "show").problem("cover", f"{missing}; {fix}"))
    if show is None or problems:
        problems.sort(key=lambda problem: (problem.line is None, problem.line or 0))
        raise ConfigError(f"{shown}: {len(problems)} problem(s) in the show config", problems)
    return show
