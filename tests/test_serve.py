"""The preview server answers as a podcast host would (ranges, If-Range, types, HTTP/1.1, no lists), and only
to its own origin: no hidden file however its name is written, nothing to another site's page."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.model.episode import ChapterMark, LoudnessReport, MasterRecord
from pipeline.model.project import Project
from pipeline.serve import Preview, make_server, watch

AUDIO = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    site = tmp_path / "feed"
    (site / "episodes").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>Show</title>")
    (site / "episodes" / "ep-0123456789.mp3").write_bytes(AUDIO)
    (site / "episodes" / "ep-0123456789.chapters.json").write_text('{"version": "1.2.0", "chapters": []}')
    (site / "episodes" / "ep-0123456789.vtt").write_text("WEBVTT\n")
    (site / "feed.xml").write_text("<rss/>")
    (site / ".gitkeep").write_text("")
    httpd = make_server(site, 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield "127.0.0.1", httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def request(server: tuple[str, int], path: str, method: str = "GET", **headers: str):
    connection = http.client.HTTPConnection(*server, timeout=5)
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_whole_file_with_length_type_validators_and_no_cors(server):
    response, body = request(server, "/episodes/ep-0123456789.mp3")
    assert response.status == 200 and body == AUDIO
    assert response.getheader("Content-Type") == "audio/mpeg"
    assert response.getheader("Content-Length") == str(len(AUDIO))
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.getheader("Access-Control-Allow-Origin") is None  # its own pages only
    assert response.getheader("ETag") and response.getheader("Last-Modified")


def test_a_range_gives_206_with_its_position_and_validators(server):
    response, body = request(server, "/episodes/ep-0123456789.mp3", Range="bytes=100-199")
    assert response.status == 206 and body == AUDIO[100:200]
    assert response.getheader("Content-Range") == f"bytes 100-199/{len(AUDIO)}"
    assert response.getheader("Last-Modified")
    response, body = request(server, "/episodes/ep-0123456789.mp3", Range="bytes=-10")
    assert response.status == 206 and body == AUDIO[-10:]


def test_if_range_with_a_stale_validator_sends_the_whole_file(server):
    fresh, _ = request(server, "/episodes/ep-0123456789.mp3")
    etag = fresh.getheader("ETag")
    response, body = request(server, "/episodes/ep-0123456789.mp3", Range="bytes=0-9", **{"If-Range": etag})
    assert response.status == 206 and body == AUDIO[:10]
    response, body = request(
        server, "/episodes/ep-0123456789.mp3", Range="bytes=0-9", **{"If-Range": '"old"'}
    )
    assert response.status == 200 and body == AUDIO


def test_an_unsatisfiable_range_says_the_size(server):
    response, body = request(server, "/episodes/ep-0123456789.mp3", Range=f"bytes={len(AUDIO)}-")
    assert response.status == 416 and body == b""
    assert response.getheader("Content-Range") == f"bytes */{len(AUDIO)}"


def test_content_types_of_the_sidecars_and_the_feed(server):
    assert request(server, "/episodes/ep-0123456789.chapters.json")[0].getheader("Content-Type") == (
        "application/json+chapters"
    )
    assert (
        request(server, "/episodes/ep-0123456789.vtt")[0].getheader("Content-Type")
        == "text/vtt; charset=utf-8"
    )
    assert request(server, "/feed.xml")[0].getheader("Content-Type") == "application/rss+xml; charset=utf-8"
    assert request(server, "/")[0].getheader("Content-Type") == "text/html; charset=utf-8"


def test_no_directory_listing_and_no_hidden_files(server):
    assert request(server, "/episodes/")[0].status == 404
    assert request(server, "/.gitkeep")[0].status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/.git/config",
        "/%2Egit/config",
        "/%2egit/config",
        "/%2Epublish-manifest.json",
        "/episodes/%2E%2E/%2Egit/config",
        "/x/..%2F%2Egit/config",
        "/%252Egit/config",
    ],
)
def test_a_hidden_file_is_refused_however_its_name_is_written(server, tmp_path: Path, path: str):
    site = tmp_path / "feed"
    (site / ".git").mkdir()
    (site / ".git" / "config").write_text("[remote] url = https://token@example.com/")
    (site / ".publish-manifest.json").write_text("{}")
    (site / "%2Egit").mkdir()
    (site / "%2Egit" / "config").write_text("a real folder named so, served as written")
    response, body = request(server, path)
    if path == "/%252Egit/config":  # decoded once, it names the folder '%2Egit', which is not hidden
        assert response.status == 200 and body.startswith(b"a real folder")
        return
    assert response.status == 404 and b"token" not in body


def test_a_link_in_the_site_never_serves_a_file_outside_it(server, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the site")
    (tmp_path / "feed" / "notes.txt").symlink_to(secret)
    response, body = request(server, "/notes.txt")
    assert response.status == 404 and b"outside" not in body


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example:8000"},  # a page whose name was rebound to 127.0.0.1
        {"Host": "127.0.0.1.evil.example"},
        {"Host": "localhost", "Origin": "https://evil.example"},
        {"Host": "127.0.0.1", "Origin": "null"},
    ],
)
def test_another_site_reads_nothing_of_the_preview(server, headers: dict[str, str]):
    response, body = request(server, "/feed.xml", **headers)
    assert response.status == 403 and b"<rss/>" not in body
    assert response.getheader("Access-Control-Allow-Origin") is None


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST"])
def test_the_preview_answers_its_own_names(server, host: str):
    response, body = request(server, "/feed.xml", Host=host, Origin=f"http://{host}")
    assert response.status == 200 and body == b"<rss/>"


def test_a_preflight_from_another_site_is_refused(server):
    response, _ = request(server, "/episodes/ep-0123456789.mp3", "OPTIONS", Origin="https://player.example")
    assert response.status == 403
    assert response.getheader("Access-Control-Allow-Origin") is None
    response, _ = request(server, "/feed.xml", Origin="https://evil.example")
    assert response.status == 403


def test_one_connection_serves_several_requests(server):
    connection = http.client.HTTPConnection(*server, timeout=5)
    for _ in range(3):
        connection.request("GET", "/feed.xml")
        response = connection.getresponse()
        assert response.status == 200 and response.version == 11 and response.read() == b"<rss/>"
    connection.close()


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/%00", {}), ("/episodes/ep-0123456789.mp3", {"Range": "bytes=" + "9" * 5000 + "-"}), ("/../etc", {})],
)
def test_hostile_requests_get_an_answer_and_the_server_goes_on(server, path, headers):
    response, _ = request(server, path, **headers)
    assert 200 <= response.status < 500
    assert request(server, "/feed.xml")[0].status == 200


def test_a_malformed_request_line_is_answered_400(server):
    with socket.create_connection(server, timeout=5) as raw:
        raw.sendall(b"GET / HTTP/9 and more\r\n\r\n")
        answer = raw.recv(4096)
    assert b"400" in answer and b"Bad request" in answer
    assert request(server, "/feed.xml")[0].status == 200


# The watched preview


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[tuple[str, int], Preview, Path]]:
    site = tmp_path / "watched"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Show</title><body><p>v1</p></body>")
    state = Preview()
    httpd = make_server(site, 0, state)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield ("127.0.0.1", httpd.server_address[1]), state, site
    httpd.shutdown()
    httpd.server_close()


def test_watched_pages_carry_the_reload_script_and_plain_ones_do_not(watched, server):
    address, _state, _site = watched
    response, body = request(address, "/")
    assert body.endswith(b'<p>v1</p><script src="/.certquests/reload.js"></script></body>')
    assert int(response.getheader("Content-Length")) == len(body)
    response, script = request(address, "/.certquests/reload.js")
    assert response.status == 200
    assert b"/.certquests/news" in script
    assert request(server, "/")[1] == b"<!doctype html><title>Show</title>"
    assert request(server, "/.certquests/reload.js")[0].status == 404


def test_a_request_during_a_build_waits_for_it_to_finish(watched):
    address, state, site = watched
    state.begin()
    answers: list[bytes] = []
    waiting = threading.Thread(target=lambda: answers.append(request(address, "/")[1]))
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive() and answers == []  # held while the build runs
    (site / "index.html").write_text("<body><p>v2</p></body>")
    state.finish(None, {})
    waiting.join(5)
    assert b"<p>v2</p>" in answers[0]


def test_news_is_held_until_a_build_finishes_and_carries_its_error(watched):
    address, state, _site = watched
    now = json.loads(request(address, "/.certquests/news?since=-1")[1])
    assert now == {"generation": 0, "error": None, "resume": {}}
    answers: list[dict] = []
    waiting = threading.Thread(
        target=lambda: answers.append(json.loads(request(address, "/.certquests/news?since=0")[1]))
    )
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive()
    state.begin()
    state.finish("content/lessons/a.md:3: module 9 is not defined", {})
    waiting.join(5)
    assert answers == [
        {"generation": 1, "error": "content/lessons/a.md:3: module 9 is not defined", "resume": {}}
    ]


def test_a_failed_build_is_told_to_the_preview_s_own_pages_only(watched):
    address, state, _site = watched
    state.begin()
    state.finish("content/lessons/a.md:3: the lesson's private draft text", {})
    for headers in ({"Host": "rebound.example"}, {"Origin": "https://evil.example"}):
        response, body = request(address, "/.certquests/news?since=-1", **headers)
        assert response.status == 403 and b"private draft" not in body
    response, body = request(address, "/.certquests/news?since=-1", Origin=f"http://127.0.0.1:{address[1]}")
    assert response.status == 200 and b"private draft" in body


def test_the_watch_loop_rebuilds_once_per_burst_and_reports_the_resume_point(tmp_path: Path):
    project = Project(tmp_path)
    (tmp_path / "content").mkdir()
    scripts, record = tmp_path / "scripts", tmp_path / ".cache" / "episodes" / "ep" / "master.json"
    scripts.mkdir()
    record.parent.mkdir(parents=True)
    (scripts / "ep.txt").write_text(
        "# Ep\n\n== Intro\nHOST: Hi.\n\n== Two\nHOST: Old line.\n\n== Outro\nHOST: Bye.\n"
    )
    chapters = tuple(
        ChapterMark(t, s, e) for t, s, e in [("Intro", 0.0, 5.0), ("Two", 5.0, 9.5), ("Outro", 9.5, 12)]
    )
    loudness = LoudnessReport(-19.0, 3.0, -2.0, 12.0, -19.0, 1.0)
    record.write_text(MasterRecord(chapters, (), loudness, "0" * 64, 1, 1).encode())
    state, stop, builds = Preview(), threading.Event(), []

    def rebuild() -> str | None:
        builds.append(1)
        (scripts / "ep.txt").write_text((scripts / "ep.txt").read_text().replace("Old line.", "New line."))
        return None

    watch(project, state, rebuild, stop=stop, changes=lambda *args, **kwargs: iter([{"one burst"}]))
    assert builds == [1]
    assert state.news(0, 0) == {"generation": 1, "error": None, "resume": {"ep.html": 5.0}}
