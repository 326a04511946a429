"""What an episode is once built, and the naming rules for its files and URLs: the data every publishing
stage (tags, sidecars, feed, site) reads."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..fsutil import write_atomic
from .drills import QUIZ_PATH
from .lesson import Lesson
from .show import Show

GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

MASTER_RECORD = "master.json"  # the master stage's record, in each episode's cache folder
TRACK_RECORD = "track.json"  # and its record of the master the MP3 was encoded from (other formats use it)
OPUS_RECORD = "opus.json"  # the opus stage's record of the file it wrote


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Cue:
    """A line as transcripts show it: the speaker's name, what they say and when."""

    speaker: str  # the name shown in transcripts (the voice's `name`)
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class RoleCue:
    """A line as the master stage records it: the script role that says it (a renamed speaker is re-tagged,
    not re-mastered), what it says and when."""

    role: str
    text: str
    start: float
    end: float

    @classmethod
    def decode(cls, data: dict[str, Any]) -> RoleCue:
        # Records written before the field was named for what it holds call the role "speaker".
        role = data["role"] if "role" in data else data["speaker"]
        return cls(role, data["text"], data["start"], data["end"])


@dataclass(frozen=True)
class LoudnessReport:
    """What `certquests report` shows, measured on the final MP3 as players decode it."""

    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    duration_s: float
    target_lufs: float
    gain_db: float  # the one constant gain applied after the dynamics

    def as_dict(self) -> dict[str, Any]:
        return {
            key: (round(value, 3) if isinstance(value, float) else value)
            for key, value in asdict(self).items()
        }


@dataclass(frozen=True)
class MasterRecord:
    """What the master stage hands the tag stage: where everything is in the audio, and how loud it is. Kept
    as master.json in the episode's cache folder; `read` and `write` are its only reader and writer."""

    chapters: tuple[ChapterMark, ...]
    cues: tuple[RoleCue, ...]
    loudness: LoudnessReport
    sha256: str  # of the mastered MP3, so a damaged file is made again rather than published
    size: int = 0  # and its size and time: an untouched file is known without reading it
    mtime_ns: int = 0

    def encode(self) -> str:
        data = {
            "chapters": [asdict(c) for c in self.chapters],
            "cues": [asdict(c) for c in self.cues],
            "loudness": self.loudness.as_dict(),
            "sha256": self.sha256,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def write(self, folder: Path) -> None:
        write_atomic(folder / MASTER_RECORD, self.encode())

    @classmethod
    def read(cls, folder: Path) -> MasterRecord | None:
        """The record in the episode's cache folder, or None when it is missing or damaged (a build makes the
        episode's master again)."""
        try:
            return cls.decode((folder / MASTER_RECORD).read_text("utf-8"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    @classmethod
    def decode(cls, text: str) -> MasterRecord:
        data = json.loads(text)
        return cls(
            chapters=tuple(ChapterMark(**c) for c in data["chapters"]),
            cues=tuple(RoleCue.decode(c) for c in data["cues"]),
            loudness=LoudnessReport(**data["loudness"]),
            sha256=data["sha256"],
            size=int(data["size"]),
            mtime_ns=int(data["mtime_ns"]),
        )


def track_intact(folder: Path) -> bool:
    """The shaped chapters the track record names are still in the chapter cache: the other formats are made
    from them (a cache cleared by hand makes the master again, and the same MP3)."""
    try:
        data = json.loads((folder / TRACK_RECORD).read_text("utf-8"))
        chapters = folder / "chapters" / str(data["chapters"])
        return all((chapters / f"{key}.f32").is_file() for key in data["shaped"]["keys"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


@dataclass(frozen=True)
class Alternate:
    """Another encoding of an episode's audio, published beside the MP3 (a `podcast:alternateEnclosure`)."""

    name: str  # file name in episodes/, with a content hash of its own
    type: str  # MIME type, with its codecs
    codecs: str  # RFC 6381
    title: str  # what apps show for it (at most 32 characters)
    length: int  # bytes
    bitrate: int  # average bits per second
    duration: float  # seconds, as decoded
    sha256: str  # hex, for the copy checks every published file has
    sri: str  # the Subresource Integrity string apps check the download against ("sha384-...")

    def write(self, folder: Path, record: str, mtime_ns: int) -> None:
        write_atomic(folder / record, json.dumps({**asdict(self), "mtime_ns": mtime_ns}, indent=1) + "\n")

    @classmethod
    def read(cls, folder: Path, record: str, name: str) -> Alternate | None:
        """The record of the file `name` in the episode's cache folder; None when it is missing, damaged or
        of another file (one made before the episode last changed)."""
        try:
            data = json.loads((folder / record).read_text("utf-8"))
            data.pop("mtime_ns")
            found = cls(**data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return found if found.name == name else None

    @staticmethod
    def fingerprint(folder: Path, record: str) -> tuple[str, list[Any]] | None:
        """The recorded file's name and its size, time and sha256 (as fsutil.fingerprint gives them)."""
        try:
            data = json.loads((folder / record).read_text("utf-8"))
            return str(data["name"]), [int(data["length"]), int(data["mtime_ns"]), str(data["sha256"])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class Episode:
    lesson: Lesson
    guid: str
    season: int | None
    number: int | None
    released: dt.datetime  # timezone-aware
    audio_name: str  # file name in episodes/, with a content hash
    page_name: str  # show-notes page in feed/
    length: int  # bytes of the tagged MP3
    duration: float  # seconds
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]
    loudness: LoudnessReport
    alternates: tuple[Alternate, ...] = ()  # the same audio in other encodings (Opus)

    @property
    def id(self) -> str:
        return self.lesson.id

    @property
    def stem(self) -> str:
        return self.audio_name.removesuffix(".mp3")

    @property
    def sidecars(self) -> dict[str, str]:
        """Files published beside the MP3: kind -> file name."""
        return sidecar_names(self.stem)

    @property
    def files(self) -> tuple[str, ...]:
        """Every file of the episode the site publishes under episodes/: the MP3, sidecars and alternates."""
        return (self.audio_name, *self.sidecars.values(), *(alternate.name for alternate in self.alternates))


def audio_name(episode_id: str, tag_key: str) -> str:
    """Any change to the file's bytes (audio or tags) changes its tag key, so it gets a new name and podcast
    apps fetch it again; the GUID stays."""
    return f"{episode_id}-{tag_key[:10]}.mp3"


def opus_name(episode_id: str, opus_key: str) -> str:
    """The Opus file's name: its own hash, so a change to it alone (its bitrate) leaves the MP3's name."""
    return f"{episode_id}-{opus_key[:10]}.opus"


def sidecar_names(stem: str) -> dict[str, str]:
    return {
        "vtt": f"{stem}.vtt",
        "srt": f"{stem}.srt",
        "json": f"{stem}.transcript.json",
        "chapters": f"{stem}.chapters.json",
    }


def page_name(episode_id: str) -> str:
    return f"{episode_id}.html"


def podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 show GUID: uuid5 of the feed URL without scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, bare))


def cover_name(show: Show) -> str:
    """The cover's name in the site: '.jpg' for any JPEG, as podcast apps and feedgen expect."""
    return "cover.png" if show.cover.suffix.lower() == ".png" else "cover.jpg"


@dataclass(frozen=True)
class Urls:
    """Public URLs, all under the show's base URL (where feed/ is hosted)."""

    base: str
    cover_name: str

    @classmethod
    def of(cls, show: Show) -> Urls:
        return cls(show.base_url, cover_name(show))

    @property
    def home(self) -> str:
        return self.base

    @property
    def cover(self) -> str:
        return self.base + self.cover_name

    def page(self, episode: Episode) -> str:
        return self.base + episode.page_name

    def quiz(self, episode: Episode) -> str:
        """The quiz filtered to the lesson; a trailer, drill or review opens all of the questions."""
        if episode.lesson.episode_type == "trailer" or episode.lesson.path == QUIZ_PATH:
            return self.base + "quiz.html"
        return self.base + f"quiz.html?lesson={episode.id}"

    def audio(self, episode: Episode) -> str:
        return self.file(episode.audio_name)

    def file(self, name: str) -> str:
        """A published file of an episode, by its name in episodes/."""
        return self.base + "episodes/" + name

    def sidecar(self, episode: Episode, kind: str) -> str:
        return self.base + "episodes/" + episode.sidecars[kind]
