"""The show config (content/show.toml) as frozen dataclasses; every problem is reported at once."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import ConfigError, Problem
from .project import CONFIG_NAME, Project


# Apple Podcasts' category names (top level -> allowed subcategories), as the directory spells them.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion",
                                "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby",
               "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

ENGINE_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")  # which engines exist is the speech registry's business
BITRATES = {1: (64, 80, 96), 2: (128,)}  # constant bitrates podcast apps expect: mono 64-96, stereo 128
KNOWN_KEYS = {
    "show": {"title", "subtitle", "description", "author", "owner_name", "owner_email", "language", "base_url",
             "category", "subcategory", "explicit", "copyright", "cover", "type", "podcast_guid"},
    "audio": {"engine", "channels", "loudness", "true_peak", "bitrate", "sentence_pause", "paragraph_pause",
              "section_pause", "answer_pause", "music"},
    "voice": {"engine", "voice", "rate", "name"},
    "schedule": {"start", "every_days", "time"},
    "script": {"selftest_questions"},
    "modules": {"number", "title"},
    "domains": {"id", "title", "weight"},
    "": {"show", "audio", "voices", "schedule", "script", "modules", "domains"},
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


@dataclass(frozen=True)
class Voice:
    """How one script role sounds."""

    role: str
    engine: str
    voice: str
    rate: float
    name: str  # the speaker's name in transcripts

    @property
    def settings(self) -> tuple[str, str, float]:
        return (self.engine, self.voice, self.rate)


@dataclass(frozen=True)
class Audio:
    loudness: float  # integrated LUFS target on the final file
    true_peak: float  # dBTP ceiling
    channels: int
    bitrate: int  # kbps, constant
    sample_rate: int
    sentence_pause: float
    paragraph_pause: float
    section_pause: float
    answer_pause: float
    music: bool


@dataclass(frozen=True)
class Schedule:
    start: dt.date | None
    every_days: int
    time: dt.time


@dataclass(frozen=True)
class Module:
    number: int
    title: str


@dataclass(frozen=True)
class Domain:
    """An exam domain (or any grouping a course uses for its quiz), with its weight in per cent."""

    id: str
    title: str
    weight: float


@dataclass(frozen=True)
class Show:
    title: str
    subtitle: str
    description: str
    author: str
    owner_name: str
    owner_email: str
    language: str
    base_url: str  # where feed/ is hosted, ending in '/'
    category: str
    subcategory: str
    explicit: bool
    copyright: str
    cover: Path
    show_type: str
    podcast_guid: str | None
    audio: Audio
    schedule: Schedule
    voices: dict[str, Voice] = field(hash=False)
    modules: tuple[Module, ...] = ()
    domains: tuple[Domain, ...] = ()
    selftest_questions: int = 3  # quiz questions read aloud at the end of each episode
    source: str = field(default="", repr=False, compare=False)  # the config's text, for line numbers

    def line_of(self, table: str | None, key: str) -> int | None:
        """The line of `key` in `[table]` of the config, for messages about values checked later."""
        return _line_of(self.source, table, key)

    @property
    def feed_url(self) -> str:
        return self.base_url + "feed.xml"

    def module(self, number: int) -> Module | None:
        return next((m for m in self.modules if m.number == number), None)

    def domain(self, domain_id: str) -> Domain | None:
        return next((d for d in self.domains if d.id == domain_id), None)


def _line_of(text: str, table: str | None, key: str) -> int | None:
    """The line where `key =` is set inside `[table]` (best effort: TOML parsers keep no positions)."""
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            current = header.group(1)
            continue
        if current == table and re.match(rf"^{re.escape(key)}\s*=", line):
            return number
    return None


class _Reader:
    """Reads typed values from one TOML table and collects problems instead of stopping at the first."""

    def __init__(self, path: Path, text: str, data: dict[str, Any], table: str | None, problems: list[Problem]):
        self.path, self.text, self.data, self.table, self.problems = path, text, data, table, problems

    def fail(self, key: str, message: str) -> None:
        where = f"[{self.table}] " if self.table else ""
        self.problems.append(Problem(self.path, _line_of(self.text, self.table, key), f"{where}{key}: {message}"))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *, check=None, hint: str = "") -> Any:
        if key not in self.data:
            if default is ...:
                self.fail(key, f"missing; add `{key} = ...`{' (' + hint + ')' if hint else ''}")
                return None
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join({"bool": "true or false", "str": "text", "int": "whole number",
                                 "float": "number", "date": "date (2026-09-07)",
                                 "time": "time (06:00:00)"}.get(k.__name__, k.__name__) for k in kinds)
            self.fail(key, f"must be {names}, got {value!r}")
            return None if default is ... else default
        if check is not None:
            message = check(value)
            if message:
                self.fail(key, message)
                return None if default is ... else default
        return value


def _between(low: float, high: float):
    return lambda v: None if low <= v <= high else f"must be between {low} and {high}, got {v}"


def _unknown_keys(data: dict, shown: str, text: str, problems: list[Problem]) -> None:
    """A misspelt key would silently fall back to its default: name it, with the likely intended key."""
    import difflib

    def check(table: dict, known: set[str], where: str | None, label: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(known))})"
                prefix = f"[{label}] " if label else ""
                problems.append(Problem(shown, _line_of(text, where, key), f"{prefix}unknown key '{key}'{hint}"))

    check(data, KNOWN_KEYS[""], None, "")
    for name in ("show", "audio", "schedule", "script"):
        if isinstance(data.get(name), dict):
            check(data[name], KNOWN_KEYS[name], name, name)
    for role, table in (data.get("voices") or {}).items() if isinstance(data.get("voices"), dict) else ():
        if isinstance(table, dict):
            check(table, KNOWN_KEYS["voice"], f"voices.{role}", f"voices.{role}")
    for name in ("modules", "domains"):
        for entry in data.get(name) or [] if isinstance(data.get(name), list) else []:
            if isinstance(entry, dict):
                check(entry, KNOWN_KEYS[name], name, name)


def load_show(project: Project) -> Show:
    """Parse and validate content/show.toml; raise ConfigError listing every problem."""
    path = project.config_path
    shown = CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"{shown}: not found in {project.root}; create it (see README, 'Show config') "
                          "or pass --project PATH")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: not UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}; fix the syntax") from None

    problems: list[Problem] = []
    section = lambda name: data.get(name) if isinstance(data.get(name), dict) else {}  # noqa: E731
    show = _Reader(shown, text, section("show"), "show", problems)
    if "show" not in data:
        problems.append(Problem(shown, None, "[show] table missing; add it with title, author, ..."))

    def url_check(value: str):
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return f"must be an absolute http(s) URL, got {value!r}"
        return None

    title = show.get("title", str, check=lambda v: None if v.strip() else "must not be empty")
    base_url = show.get("base_url", str, check=url_check, hint="where feed/ will be hosted")
    email = show.get("owner_email", str, check=lambda v: None if EMAIL.match(v) else f"not an e-mail address: {v!r}")
    language = show.get("language", str, "en",
                        check=lambda v: None if LANGUAGE.match(v) else f"must be an ISO 639 code like 'en', got {v!r}")
    category = show.get("category", str, "Education",
                        check=lambda v: None if v in APPLE_CATEGORIES else
                        f"not an Apple Podcasts category: {v!r}; use one of {', '.join(APPLE_CATEGORIES)}")
    subcategory = show.get("subcategory", str, "")
    if category and subcategory and subcategory not in APPLE_CATEGORIES.get(category, ()):
        allowed = ", ".join(APPLE_CATEGORIES[category]) or "none"
        show.fail("subcategory", f"{subcategory!r} is not a subcategory of {category!r} (allowed: {allowed})")
    cover_name = show.get("cover", str, "art/cover.png")
    cover = project.content / cover_name if cover_name else project.content / "art/cover.png"
    show_type = show.get("type", str, "serial",
                         check=lambda v: None if v in ("serial", "episodic") else "must be 'serial' or 'episodic'")
    author = show.get("author", str, title or "")
    description = show.get("description", str, title or "",
                           check=lambda v: None if len(v.encode()) <= 4000 else
                           f"is {len(v.encode())} bytes; podcast apps take at most 4000")
    subtitle = show.get("subtitle", str, "")
    owner_name = show.get("owner_name", str, author)
    explicit = show.get("explicit", bool, False)
    copyright_line = show.get("copyright", str, "")

    def guid_check(value: str):
        try:
            uuid.UUID(value)
        except ValueError:
            return f"must be a UUID like 9b024349-ccf0-5f69-a609-6b82873eab3c, got {value!r}"
        return None

    podcast_guid = show.get("podcast_guid", str, None, check=guid_check)

    audio_table = _Reader(shown, text, section("audio"), "audio", problems)
    channels = audio_table.get("channels", int, 1, check=lambda v: None if v in (1, 2) else "must be 1 or 2")
    default_target = -19.0 if channels == 1 else -16.0
    audio = Audio(
        loudness=audio_table.get("loudness", float, default_target, check=_between(-30.0, -10.0)),
        true_peak=audio_table.get("true_peak", float, -1.0, check=_between(-6.0, -0.5)),
        channels=channels,
        bitrate=audio_table.get("bitrate", int, 96 if channels == 1 else 128,
                                check=lambda v: None if v in BITRATES[channels if channels in BITRATES else 1] else
                                f"must be one of {', '.join(map(str, BITRATES[channels if channels in BITRATES else 1]))} "
                                "(kbps) for this channel count, as podcast apps expect"),
        sample_rate=44100,
        sentence_pause=audio_table.get("sentence_pause", float, 0.35, check=_between(0.0, 5.0)),
        paragraph_pause=audio_table.get("paragraph_pause", float, 0.7, check=_between(0.0, 5.0)),
        section_pause=audio_table.get("section_pause", float, 1.2, check=_between(0.0, 10.0)),
        answer_pause=audio_table.get("answer_pause", float, 5.0, check=_between(0.5, 30.0)),
        music=audio_table.get("music", bool, True),
    )
    default_engine = audio_table.get("engine", str, "hibari",
                                     check=lambda v: None if ENGINE_NAME.match(v) else f"not an engine name: {v!r}")

    voices: dict[str, Voice] = {}
    voice_tables = data.get("voices", {})
    if not isinstance(voice_tables, dict) or not voice_tables:
        problems.append(Problem(shown, None, "[voices.host] missing; add a table per script role "
                                              "(host, cohost, ...) with voice and rate"))
        voice_tables = {}
    for role, table in voice_tables.items():
        reader = _Reader(shown, text, table if isinstance(table, dict) else {}, f"voices.{role}", problems)
        engine = reader.get("engine", str, default_engine or "hibari",
                            check=lambda v: None if ENGINE_NAME.match(v) else f"not an engine name: {v!r}")
        voices[role] = Voice(
            role=role,
            engine=engine or "hibari",
            voice=reader.get("voice", str, "heart"),
            rate=reader.get("rate", float, 1.0, check=_between(0.5, 2.0)),
            name=reader.get("name", str, role.capitalize()),
        )
    if voice_tables and "host" not in voices:
        problems.append(Problem(shown, None, "[voices.host] missing: every script needs a host voice"))

    schedule_table = _Reader(shown, text, section("schedule"), "schedule", problems)
    start = schedule_table.get("start", dt.date, None)
    time_value = schedule_table.get("time", dt.time, dt.time(6, 0))
    schedule = Schedule(start=start, every_days=schedule_table.get("every_days", int, 7, check=_between(1, 366)),
                        time=time_value or dt.time(6, 0))

    modules: list[Module] = []
    module_list = data.get("modules", [])
    for entry in module_list if isinstance(module_list, list) else []:
        reader = _Reader(shown, text, entry if isinstance(entry, dict) else {}, "modules", problems)
        number = reader.get("number", int, check=_between(1, 99))
        module_title = reader.get("title", str)
        if number is not None and module_title:
            if any(m.number == number for m in modules):
                reader.fail("number", f"module {number} is defined twice; give each [[modules]] a unique number")
            modules.append(Module(number, module_title))

    domains: list[Domain] = []
    domain_list = data.get("domains", [])
    for entry in domain_list if isinstance(domain_list, list) else []:
        reader = _Reader(shown, text, entry if isinstance(entry, dict) else {}, "domains", problems)
        domain_id = reader.get("id", str, check=lambda v: None if re.fullmatch(r"[a-z][a-z0-9-]*", v) else
                               f"must be lowercase letters, digits and '-', got {v!r}")
        domain_title = reader.get("title", str)
        weight = reader.get("weight", float, 0.0, check=_between(0.0, 100.0))
        if domain_id and domain_title:
            domains.append(Domain(domain_id, domain_title, weight))

    script_table = _Reader(shown, text, section("script"), "script", problems)
    selftest = script_table.get("selftest_questions", int, 3, check=_between(0, 5))

    if not problems and not cover.is_file():
        problems.append(Problem(shown, _line_of(text, "show", "cover"),
                                f"[show] cover: {cover_name} not found in content/; add the image or run "
                                "`certquests cover` to draw one"))
    _unknown_keys(data, shown, text, problems)
    if problems:
        raise ConfigError(f"{shown}: {len(problems)} problem(s) in the show config", problems)

    base = base_url if base_url.endswith("/") else base_url + "/"
    return Show(
        title=title.strip(),
        subtitle=subtitle,
        description=description,
        author=author,
        owner_name=owner_name,
        owner_email=email,
        language=language,
        base_url=base,
        category=category,
        subcategory=subcategory,
        explicit=explicit,
        copyright=copyright_line or f"© {dt.date.today().year} {author}",
        cover=cover,
        show_type=show_type,
        podcast_guid=podcast_guid,
        audio=audio,
        schedule=schedule,
        voices=voices,
        modules=tuple(sorted(modules, key=lambda m: m.number)),
        domains=tuple(domains),
        selftest_questions=selftest,
        source=text,
    )
