"""A course in ordinary GitHub Markdown, full of constructs a voice must not read literally: what each is said as,
what `check` reports, and one real build of it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pipeline.model.art import draw_cover
from pipeline.model.course import load_course
from pipeline.model.lexicon import load_lexicon
from pipeline.model.project import Project
from pipeline.model.show import load_show
from pipeline.spoken.speech import speak
from pipeline.writing.script import build_script
from tests.conftest import run

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("hostile") / "hostile"
    shutil.copytree(HOSTILE, project)
    cover = project / "content" / "art" / "cover.png"
    cover.parent.mkdir(parents=True)
    draw_cover("Hostile Markdown Course", "", cover)
    return project


@pytest.fixture(scope="module")
def said(hostile: Path) -> dict[str, str]:
    """Every line of both scripts: as written -> as said."""
    project = Project(hostile)
    show = load_show(project)
    course = load_course(project, show)
    lexicon = load_lexicon(hostile)
    lines = {}
    for lesson in course.lessons:
        script = build_script(lesson, show, lexicon, course.questions_for(lesson.id))
        lines.update({line.text: line.spoken for line in script.lines})
    return lines


@pytest.mark.parametrize(
    "written, spoken",
    [
        (
            "A pod asks for 100m of CPU and 500Mi of memory, and its volume holds 5Gi.",
            "A pod asks for one hundred millicores of C.P.U and five hundred mebibytes of memory, and its volume holds five gibibytes.",
        ),
        ("Bold words and italics are read as text.", "Bold words and italics are read as text."),
        ("A line break is a pause.", "A line break is a pause."),
        ("Why millicores?", "Why millicores?"),
        (
            "Upgrade the cluster to v1.29.3 before the deadline.",
            "Upgrade the cluster to version one point twenty-nine point three before the deadline.",
        ),
        (
            "Latency should stay under 5 ms at 99% of requests, and a batch of 1e6 records takes about 2 GB.",
            "Latency should stay under five milliseconds at ninety-nine percent of requests, and a batch of "
            "one million records takes about two gigabytes.",
        ),
        ("kubectl is the client.", "kube control is the client."),
        (
            "kubectl get pods -n kube-system lists the system pods.",
            "kube control get pods dash n kube system lists the system pods.",
        ),
        (
            "The path pod.spec.containers holds the container list.",
            "The path pod dot spec dot containers holds the container list.",
        ),
        (
            "The function captureAWSv3Client wraps the client, and the header X-Amzn-Trace-Id carries the trace.",
            "The function capture A.W.S v three Client wraps the client, and the header X amazon Trace I.D carries the "
            "trace.",
        ),
        (
            "The resource type AWS::Serverless::Function needs lambda.amazonaws.com in its trust policy.",
            "The resource type A.W.S Serverless Function needs lambda dot amazon A.W.S dot com in its trust policy.",
        ),
        ("Traffic flows client --> service -> pod.", "Traffic flows client to service to pod."),
        (
            "The comment ends with --> and the CDATA section with ]]>.",
            "The comment ends with dash dash greater than and the CDATA section with close bracket close bracket "
            "greater than.",
        ),
        (
            "A literal & joins words, and x < y holds when x <= 5 and y >= 6.",
            "A literal and joins words, and x less than y holds when x at most five and y at least six.",
        ),
        ("There is a table for this in the show notes.", "There is a table for this in the show notes."),
        (
            "There is a code sample for this in the show notes.",
            "There is a code sample for this in the show notes.",
        ),
        ("The inner item is read too.", "The inner item is read too."),
        ("And the innermost.", "And the innermost."),
        ("This section holds one sentence.", "This section holds one sentence."),
        (
            "The schedule 30 10 * * 1 runs the job every Monday.",
            "The schedule minute thirty, hour ten, every day of the month, every month, day of the week one, runs the job "
            "every Monday.",
        ),
        (
            "Read the Helm documentation for charts, or see training.linuxfoundation.org for courses.",
            "Read the Helm documentation for charts, or see training dot linuxfoundation dot org for courses.",
        ),
        (
            "Mail questions to team@certquests.dev any time.",
            "Mail questions to team at certquests dot dev any time.",
        ),
        ("kubernetes.io/docs/concepts.", "kubernetes dot i o."),
        (
            "The scheduler weighs many questions before it places a pod.",
            "The scheduler weighs many questions before it places a pod.",
        ),
        (
            "A note: Resource requests, taints and affinity among them.",
            "A note: Resource requests, taints and affinity among them.",
        ),
        (
            "Provision read capacity units before the load test.",
            "Provision reed capacity units before the load test.",
        ),
        (
            "Decide whether to allow it: the default answer is no.",
            "Decide whether to allow it: the default answer is no .",
        ),
        ("There is a picture of this in the show notes.", "There is a picture of this in the show notes."),
        (
            "The Japanese for cluster is クラスター, the Chinese is 集群 and the Hebrew is אשכול.",
            "The Japanese for cluster is kurasutaa, the Chinese is and the Hebrew is.",
        ),
        ("Great work 🎉 everyone 🚀.", "Great work everyone."),
        (
            "Which flag of kubectl get picks the namespace?",
            "Which flag of kube control get picks the namespace?",
        ),
        ("Option A.", "Option A."),
        ("-n.", "dash n."),
        ("--all.", "dash dash all."),
        (
            "-n kube-system lists the pods of that namespace; see kubernetes.io/docs for more.",
            "dash n kube system lists the pods of that namespace; see kubernetes dot i o for more.",
        ),
    ],
)
def test_each_construct_is_said_in_words(said: dict[str, str], written: str, spoken: str):
    assert said[written] == spoken


def test_nothing_of_markup_script_or_comments_reaches_the_script(said: dict[str, str]):
    everything = "\n".join([*said, *said.values()])
    for never in (
        "alert",
        "<b>",
        "<br",
        "iframe",
        "embed",
        "never hear",
        "[^1]",
        "https://",
        "http://",
        "`",
        "Resource | Request",
        "memory: 500Mi",
    ):
        assert never not in everything
    assert not re.search(r"</?[a-z]+>", everything)


def test_the_footnote_is_read_once_after_its_paragraph(said: dict[str, str]):
    lines = list(said)
    note = lines.index("A note: Resource requests, taints and affinity among them.")
    assert lines[note - 1] == "Decide whether to allow it: the default answer is no."
    assert sum("taints" in line for line in lines) == 1


def test_an_80_word_sentence_stays_whole(said: dict[str, str]):
    [long] = [line for line in said if line.startswith("This sentence runs on")]
    assert len(long.split()) == 72 and long.endswith("in one breath.")


def test_check_lists_what_the_voice_cannot_say_with_file_line_and_fix(hostile: Path):
    result = run(hostile, "check")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "content/lessons/02-links.md:23: the voice cannot say '集群' (Chinese script)" in out
    assert "content/lessons/02-links.md:23: the voice cannot say 'אשכול' (Hebrew script)" in out
    assert '"集群" = "..." under [say] in content/lexicon.toml' in out
    assert "クラスター" not in out.split("said differently")[0]  # the lexicon says it
    assert "content/lessons/02-links.md:25: a sentence of 72 words" in out
    assert "  units: 3 sentence(s)" in out and "250m → two hundred fifty millicores" in out
    every = run(hostile, "check", "--all").output
    assert "content/lessons/01-pods.md:26: Upgrade the cluster to v1.29.3" in every
    assert (
        "said: Upgrade the cluster to version one point twenty-nine point three before the deadline." in every
    )
    assert "content/quiz.yaml:1: -n." in every


def test_a_missing_image_is_a_content_error_with_its_line(hostile: Path, tmp_path: Path):
    project = tmp_path / "copy"
    shutil.copytree(hostile, project)
    (project / "content" / "lessons" / "images" / "diagram.png").unlink()
    result = run(project, "check")
    assert result.exit_code == 3
    assert "content/lessons/02-links.md:21: 'images/diagram.png' does not exist" in result.output


@pytest.fixture(scope="module")
def g2p():
    """The default voice's own phonemizer (hibari's G2P), loaded once."""
    from hibari.g2p import G2P

    return G2P()


@pytest.mark.parametrize(
    "written, reading, not_this",
    [
        ("Provision read capacity units for the table.", "ɹˈid", "ɹˈɛd"),
        ("We read capacity units from the metrics.", "ɹˈid", "ɹˈɛd"),
        ("Data is read from the replica.", "ɹˈɛd", "ɹˈid"),
        ("You must read the docs.", "ɹˈid", "ɹˈɛd"),
        ("Decide yes or no.", "nˈO", "nˈʌmbəɹ"),
        ("The new version goes live at noon.", "lˈIv", "lˈɪv"),
        ("Functions live in regions.", "lˈɪv", "lˈIv"),
        ("Lead time is short.", "lˈid", "lˈɛd"),
    ],
)
def test_heteronyms_reach_the_voice_as_the_context_reads_them(g2p, written: str, reading: str, not_this: str):
    """What the script gives the engine, phonemized by the engine's own G2P."""
    phonemes = g2p(speak(written, load_lexicon(HOSTILE)).text)
    assert reading in phonemes and not_this not in phonemes, phonemes


def test_without_the_respellings_the_voice_misreads_them(g2p):
    assert "ɹˈɛd" in g2p("Provision read capacity units for the table.")
    assert "nˈʌmbəɹ" in g2p("Decide yes or no.")


@pytest.mark.slow
def test_the_hostile_course_builds_first_time(hostile: Path, tmp_path: Path):
    project = tmp_path / "built"
    shutil.copytree(hostile, project)
    result = run(project, "build", "--as-of", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert "warning: content/lessons/02-links.md:23: the voice cannot say" in result.output
    for script in (project / "scripts").glob("*.txt"):
        for line in script.read_text().splitlines():
            assert not re.search(r"</?[A-Za-z][\w-]*[^>]*>", line), line
            assert "://" not in line and "[^" not in line and "`" not in line, line
    site = project / "feed"
    pages = list(site.glob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        html = page.read_text()
        for target in re.findall(r'(?:href|src)="([^"]+)"', html):
            if re.match(r"^(?:[a-z]+:|#|//)", target):
                continue
            assert (site / re.split(r"[?#]", target)[0]).is_file(), f"{page.name}: {target}"
    notes = (site / "pods-and-limits.html").read_text()
    assert "<b>Bold words</b>" in notes and "alert(1)" not in notes.split("<main")[-1].split("&lt;script")[0]
    links = (site / "schedules-and-links.html").read_text()
    assert re.search(r'<img src="files/diagram-[0-9a-f]{12}\.png"', links)
    assert '<section class="footnotes">' in links and 'href="mailto:team@certquests.dev"' in links
    quiz = (site / "quiz.html").read_text()
    assert "<code>kubectl get</code>" in quiz and "`" not in quiz.split("<ol")[1]
