"""The preview server answers as a podcast host would: ranges, If-Range, types, CORS, HTTP/1.1, no lists."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.serve import make_server

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


def test_whole_file_with_length_type_validators_and_cors(server):
    response, body = request(server, "/episodes/ep-0123456789.mp3")
    assert response.status == 200 and body == AUDIO
    assert response.getheader("Content-Type") == "audio/mpeg"
    assert response.getheader("Content-Length") == str(len(AUDIO))
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.getheader("Access-Control-Allow-Origin") == "*"
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


def test_a_cors_preflight_allows_range_requests(server):
    response, _ = request(server, "/episodes/ep-0123456789.mp3", "OPTIONS", Origin="https://player.example")
    assert response.status == 204
    assert "Range" in response.getheader("Access-Control-Allow-Headers")
    assert response.getheader("Access-Control-Allow-Origin") == "*"


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
