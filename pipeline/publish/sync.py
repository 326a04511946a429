"""Upload a built site to a target: only what changed, in an order that keeps the live feed whole.

Order: the episodes' audio and sidecars (new names: nothing live changes), then the pages, cover and assets,
the feed last. The manifest is written before the feed (so objects a killed publish stored are known) and
after it (the new live set). Objects the feed no longer uses are removed only once the grace period has
passed since they left it, and never while the previous or the new feed uses them. A publish killed at any
point leaves the old feed with all its files, or the new one with all of its; the next publish completes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PublishError
from ..fsutil import fingerprint, remove_leftovers, write_atomic
from ..model.show import CachePolicy, PublishSettings
from .manifest import Entry, Manifest
from .target import FEED, LOCK, MANIFEST, MEDIA_FOLDER, Stored, Target, Upload, cache_control, content_type

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int


def following(show: Callable[[str], None]) -> Callable[[Progress], None]:
    """A progress callback that keeps one terminal line (`show`) on the files and bytes sent of those to send,
    rewritten at most ten times a second, and cleared when the upload ends."""
    shown = {"at": 0.0}

    def update(progress: Progress) -> None:
        now = time.monotonic()
        finished = progress.files_done == progress.files_total
        if now - shown["at"] < 0.1 and not finished:
            return
        shown["at"] = now
        show(
            f"Uploading: {progress.files_done}/{progress.files_total} files, "
            f"{progress.bytes_done / 1e6:.1f}/{progress.bytes_total / 1e6:.1f} MB"
        )
        if finished:
            show("")

    return update


@dataclass
class UploadReport:
    target: str
    dry_run: bool = False
    uploaded: list[str] = field(default_factory=list)
    uploaded_bytes: int = 0
    unchanged: int = 0
    scheduled: dict[str, dt.datetime] = field(default_factory=dict)  # superseded now: key -> removal date
    waiting: int = 0  # superseded by an earlier publish, still within the grace period
    removed: list[str] = field(default_factory=list)
    cors: str | None = None
    seconds: float = 0.0

    def summary(self, grace_days: int) -> list[str]:
        """The lines that tell a producer what the upload did (or, in a dry run, would do)."""
        lines = []
        if self.dry_run:
            lines += [f"  upload {key}" for key in self.uploaded] + [
                f"  remove {key}" for key in self.removed
            ]
        would = "Would upload" if self.dry_run else "Uploaded"
        parts = [
            f"{would} {len(self.uploaded)} file(s) ({self.uploaded_bytes / 1e6:.1f} MB) to {self.target}",
            f"{self.unchanged} unchanged",
        ]
        if self.scheduled:
            when = min(self.scheduled.values()).date().isoformat()
            parts.append(
                f"{len(self.scheduled)} superseded, removed from {when} on ({grace_days} days' grace)"
            )
        if self.waiting:
            parts.append(f"{self.waiting} waiting out their grace period")
        if self.removed:
            parts.append(f"{len(self.removed)} {'would be ' if self.dry_run else ''}removed")
        lines.append("; ".join(parts) + f" ({self.seconds:.2f} s).")
        if self.cors:
            lines.append(self.cors + ".")
        return lines


def phase(key: str) -> int:
    """0: audio and sidecars; 1: pages, cover and assets; 2: the feed."""
    return 2 if key == FEED else 0 if key.startswith(MEDIA_FOLDER) else 1


def site_files(site: Path, policy: CachePolicy, hashes: Path) -> dict[str, Upload]:
    """Every file of the site, keyed by its path under the site. A file's sha256 is reused while its size and
    modification time stay as recorded, so a no-change publish reads no audio."""
    try:
        known = json.loads(hashes.read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    known = known if isinstance(known, dict) else {}
    files, seen = {}, {}
    root = site.resolve()
    for path in sorted(site.rglob("*")):
        relative = path.relative_to(site)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue  # temporary files of a build, never published
        if path.is_symlink() or not path.resolve().is_relative_to(root):
            log.warning("%s: a symbolic link; only files the build wrote are published", path)
            continue
        key = relative.as_posix()
        recorded = known.get(key)
        size, mtime_ns, sha = fingerprint(
            path, recorded if isinstance(recorded, list) and len(recorded) == 3 else None
        )
        seen[key] = [size, mtime_ns, sha]
        files[key] = Upload(key, path, size, sha, content_type(key), cache_control(key, policy))
    if seen != known:
        write_atomic(hashes, json.dumps(seen, indent=0, sort_keys=True), durable=False)
    return files


class _Counter:
    """Totals for the progress callback; uploads report from several threads."""

    def __init__(self, items: list[Upload], progress: Callable[[Progress], None] | None):
        self.files_total = len(items)
        self.bytes_total = sum(item.size for item in items)
        self.files_done = self.bytes_done = 0
        self.progress = progress
        self.lock = threading.Lock()

    def bytes_sent(self, key: str, count: int) -> None:
        with self.lock:
            self.bytes_done += count
            self._show()

    def file_sent(self, item: Upload) -> None:
        log.info("uploaded %s (%d bytes)", item.key, item.size)
        with self.lock:
            self.files_done += 1
            self._show()

    def _show(self) -> None:
        if self.progress:
            self.progress(Progress(self.files_done, self.files_total, self.bytes_done, self.bytes_total))


def upload_site(
    target: Target,
    site: Path,
    settings: PublishSettings,
    cache: Path,
    *,
    dry_run: bool = False,
    cors: bool = False,
    now: dt.datetime | None = None,
    progress: Callable[[Progress], None] | None = None,
    expected: dict[str, tuple[int, str]] | None = None,
) -> UploadReport:
    """Bring the target up to date with `site` (the built feed/ folder); `cache` is .cache/publish/.
    `expected` is the build's record (size, sha256) of files by key: each is read whole again just before it
    is sent, and one that differs is not sent."""
    now = now or dt.datetime.now(dt.UTC)
    report = UploadReport(target.url, dry_run)
    remove_leftovers(cache)  # temporary files of a publish that was killed (the build lock is held)
    target.check()
    if dry_run:
        return _upload(target, site, settings, cache, report, cors, now, progress, expected)
    # One publish at a time per target, whichever checkout it runs from: the lock is taken before anything
    # (even a killed publish's partial files) is removed, and released when the manifest is final.
    token = hashlib.sha256(f"{socket.gethostname()} {cache.resolve()}".encode()).hexdigest()[:32]
    target.lock(f"{socket.gethostname()} pid {os.getpid()}", token)
    try:
        if tidied := target.tidy():
            log.info("%s: removed %d partial file(s) a killed publish left", target.url, tidied)
        return _upload(target, site, settings, cache, report, cors, now, progress, expected)
    finally:
        target.unlock(token)


def _upload(
    target: Target,
    site: Path,
    settings: PublishSettings,
    cache: Path,
    report: UploadReport,
    cors: bool,
    now: dt.datetime,
    progress: Callable[[Progress], None] | None,
    expected: dict[str, tuple[int, str]] | None,
) -> UploadReport:
    started, dry_run = time.perf_counter(), report.dry_run
    if cors and not dry_run:
        report.cors = target.allow_cors()
    files = site_files(site, settings.cache, cache / "hashes.json")
    raw = target.read(MANIFEST)
    previous = Manifest.decode(raw) if raw is not None else None
    if raw is not None and previous is None:
        log.warning("%s: the publish manifest is unreadable; every object is checked anew", target.url)
    previous = previous or Manifest()
    listed = target.listing()
    listed.pop(MANIFEST, None)
    listed.pop(LOCK, None)
    changed, unchanged = _compare(target, files, previous, listed, settings.concurrency)
    report.unchanged = len(unchanged)
    report.uploaded = [item.key for item in changed]
    report.uploaded_bytes = sum(item.size for item in changed)

    # Objects known from their metadata (stored by a publish that was killed before its manifest) are kept.
    objects = {**previous.objects, **{key: _entry(files[key]) for key in unchanged}}
    for item in changed:
        _check_against_record(item, (expected or {}).get(item.key))
    counter = _Counter(changed, progress)
    early = [item for item in changed if phase(item.key) < 2]
    if not dry_run:
        for number in (0, 1):
            _send_all(target, [item for item in early if phase(item.key) == number], counter, settings)
        objects.update((item.key, _entry(item)) for item in early)
        if early:
            interim = Manifest(dict(objects), set(previous.live), dict(previous.superseded))
            _write_manifest(target, interim, final=False)
        _send_all(target, [item for item in changed if phase(item.key) == 2], counter, settings)
    objects.update((item.key, _entry(item)) for item in changed)

    live = set(files)
    superseded = _expire_superseded(target, previous, objects, live, settings, now, report)
    manifest = Manifest(objects, live, superseded)
    encoded = manifest.encode()
    if not dry_run:
        if encoded != raw:
            _write_manifest(target, manifest, final=True)
        copy = cache / f"{hashlib.sha256(target.url.encode()).hexdigest()[:16]}.json"
        if not copy.is_file() or copy.read_bytes() != encoded:
            write_atomic(copy, encoded)
    report.seconds = time.perf_counter() - started
    return report


def _expire_superseded(
    target: Target,
    previous: Manifest,
    objects: dict[str, Entry],
    live: set[str],
    settings: PublishSettings,
    now: dt.datetime,
    report: UploadReport,
) -> dict[str, dt.datetime]:
    """Objects the site no longer uses, each with the time it was superseded: those superseded longer than the
    grace period ago are removed (and dropped from `objects`) when this tool stored them; returns the rest."""
    grace = dt.timedelta(days=settings.grace_days)
    superseded = {
        key: when for key, when in previous.superseded.items() if key not in live and key in objects
    }
    for key in sorted(objects.keys() - live - superseded.keys()):
        superseded[key] = now
        report.scheduled[key] = now + grace
    protected = previous.live | live
    due = sorted(key for key, when in superseded.items() if now - when >= grace and key not in protected)
    expired = _written_by_us(target, due, objects, settings.concurrency)
    for key in sorted(set(due) - set(expired)):  # the manifest named it, but the object is not ours: keep it
        log.warning("%s: %s is not what this tool stored there; it is kept, and forgotten", target.url, key)
        superseded.pop(key)
        objects.pop(key)
    if expired and not report.dry_run:
        _remove(target, expired)
    report.removed = expired
    for key in expired:
        superseded.pop(key)
        objects.pop(key)
        report.scheduled.pop(key, None)
    report.waiting = len(superseded.keys() - report.scheduled.keys())
    return superseded


def _written_by_us(target: Target, keys: list[str], objects: dict[str, Entry], concurrency: int) -> list[str]:
    """Of `keys`, those whose object still holds what the manifest says this tool stored (the sha256 in its
    metadata, or of a folder's file): an object someone else wrote, or a manifest entry made up, is never
    removed."""
    if not keys:
        return []
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="publish-check") as pool:
        answers = list(pool.map(target.stored, keys))
    return [
        key
        for key, stored in zip(keys, answers)
        if stored is not None and stored.sha256 is not None and stored.sha256 == objects[key].sha256
    ]


def _check_against_record(item: Upload, record: tuple[int, str] | None) -> None:
    """Refuse to send a file whose bytes are not those the build recorded (read whole, not from a cache)."""
    if record is None:
        return
    with open(item.path, "rb") as handle:
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
    if (item.size, item.sha256) != record or sha256 != record[1]:
        raise PublishError(
            f"feed/{item.key} is not what the build made; nothing of it was uploaded: delete it and run "
            "`certquests publish` again (the built file is copied back)"
        )


def _entry(item: Upload) -> Entry:
    return Entry(item.sha256, item.size, item.content_type, item.cache_control)


def _same(item: Upload, stored: Stored | Entry | None, keeps_headers: bool) -> bool:
    if stored is None or stored.sha256 != item.sha256:
        return False
    if not keeps_headers:
        return True
    return (stored.content_type, stored.cache_control) == (item.content_type, item.cache_control)


def _compare(
    target: Target, files: dict[str, Upload], previous: Manifest, listed: dict[str, int], concurrency: int
) -> tuple[list[Upload], list[str]]:
    """(what must be sent, in the safe order; keys already stored as they are). The manifest answers for the
    objects it knows, the listing says they are still there; other objects of the right size are asked for
    their recorded sha256 (a HEAD, never a download)."""
    changed, unchanged, ask = [], [], []
    for key, item in files.items():
        if listed.get(key) != item.size:
            changed.append(item)
        elif _same(item, previous.objects.get(key), target.keeps_headers):
            unchanged.append(key)
        else:
            ask.append(item)
    if ask:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="publish-check") as pool:
            answers = list(pool.map(lambda item: target.stored(item.key), ask))
        for item, stored in zip(ask, answers):
            if _same(item, stored, target.keeps_headers):
                unchanged.append(item.key)
            else:
                changed.append(item)
    changed.sort(key=lambda item: (phase(item.key), item.key))
    return changed, sorted(unchanged)


def _send(target: Target, item: Upload, counter: _Counter) -> None:
    target.send(item, lambda count: counter.bytes_sent(item.key, count))
    counter.file_sent(item)


def _send_all(target: Target, items: Iterable[Upload], counter: _Counter, settings: PublishSettings) -> None:
    """Send a phase's files, `concurrency` at a time; the first failure stops the rest."""
    items = list(items)
    if not items:
        return
    pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="publish")
    futures: list[Future[None]] = [pool.submit(_send, target, item, counter) for item in items]
    try:
        for future in futures:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _write_manifest(target: Target, manifest: Manifest, *, final: bool) -> None:
    log.info("writing the %s manifest", "final" if final else "interim")
    target.write(MANIFEST, manifest.encode(), "application/json", "no-cache")


def _remove(target: Target, keys: list[str]) -> None:
    log.info("removing %d superseded object(s)", len(keys))
    target.remove(keys)
