"""Markdown to speech, piece by piece: markup from markdown-it's tokens, sentences, technical tokens, the
shipped lexicon under the project's, and what the voice cannot say."""

from __future__ import annotations

import pytest

from pipeline.model.lexicon import Lexicon, with_defaults
from pipeline.spoken.markup import html_block_text, inline_text, markdown_parser, plain
from pipeline.spoken.sentences import split_sentences
from pipeline.spoken.speech import speak
from pipeline.spoken.technical import technical


def heard(markdown: str) -> str:
    paragraph = next(token for token in markdown_parser().parse(markdown) if token.type == "inline")
    return inline_text(paragraph.children or []).text


@pytest.mark.parametrize(
    "markdown, text",
    [
        ("Say <b>this</b> and <em>that</em>.", "Say this and that."),
        ("One<br>two", "One two"),
        ("Hi <script>alert(1)</script> there.", "Hi  there."),
        ("Hi <style>p{}</style><iframe src=x></iframe> there.", "Hi  there."),
        ("Hi <!-- hidden --> there.", "Hi  there."),
        ("Read [the docs](https://helm.sh/docs/).", "Read the docs."),
        ("See https://helm.sh/docs/ now.", "See helm.sh/docs now."),
        ("See <https://example.com/a> now.", "See example.com/a now."),
        ("Mail team@example.dev now.", "Mail team@example.dev now."),
        ("Many questions[^1] here.\n\n[^1]: A note.", "Many questions here."),
        ("Run `kubectl get pods` first.", "Run kubectl get pods first."),
        ("A &amp; B &lt; C", "A & B < C"),
    ],
)
def test_inline_markup_gives_what_a_listener_hears(markdown: str, text: str):
    assert heard(markdown) == text


@pytest.mark.parametrize(
    "html, text",
    [
        ("<script>\nalert(1)\n</script>", ""),
        ("<!-- a comment -->", ""),
        ("<details><summary>More</summary>", "More."),
        ("<p>Some <b>bold</b> text</p>", "Some bold text."),
        ("<div>\nFirst\n</div>", "First."),
    ],
)
def test_html_blocks_give_their_text(html: str, text: str):
    assert html_block_text(html) == text


def test_quiz_text_loses_its_backticks():
    assert plain("Which flag of `kubectl get` picks it?") == "Which flag of kubectl get picks it?"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Run it. kubectl get pods lists them.", ["Run it.", "kubectl get pods lists them."]),
        ("Install it. `helm` installs charts.", ["Install it.", "`helm` installs charts."]),
        ("It lives in a ./src folder now. Next.", ["It lives in a ./src folder now.", "Next."]),
        ("Python and .NET both work. Done.", ["Python and .NET both work.", "Done."]),
        ("!Ref names it. !GetAtt reads one.", ["!Ref names it.", "!GetAtt reads one."]),
        ("Upgrade to v1.29.3 today. Then rest.", ["Upgrade to v1.29.3 today.", "Then rest."]),
        ("The answer is no. Everything is denied.", ["The answer is no.", "Everything is denied."]),
        ("Hippocrates (c. 460 BC) wrote it. Then.", ["Hippocrates (c. 460 BC) wrote it.", "Then."]),
        ("Hippocrates, c. 460 BC, wrote it.", ["Hippocrates, c. 460 BC, wrote it."]),
        ("He died c. 1850. His son lived.", ["He died c. 1850.", "His son lived."]),
        ("Built ca. 1200 in Kent. Gone.", ["Built ca. 1200 in Kent.", "Gone."]),
        ("Saws, etc. were used. Next.", ["Saws, etc. were used.", "Next."]),
        ("Saws, knives and so on, etc.", ["Saws, knives and so on, etc."]),
        ("We used saws, etc. Then we stopped.", ["We used saws, etc.", "Then we stopped."]),
        ("Dr. Snow mapped the pump. He won.", ["Dr. Snow mapped the pump.", "He won."]),
        ("St. Thomas' Hospital trained nurses. Then.", ["St. Thomas' Hospital trained nurses.", "Then."]),
        ("Fig. 3 shows the map. Look.", ["Fig. 3 shows the map.", "Look."]),
        ("Vol. 3 covers it. Ch. 4 too.", ["Vol. 3 covers it.", "Ch. 4 too."]),
        ("It is in Vol. II of the set.", ["It is in Vol. II of the set."]),
        ("See No. 5 for more. Yes.", ["See No. 5 for more.", "Yes."]),
        ("Prof. Lister met Revd. Jones. Fine.", ["Prof. Lister met Revd. Jones.", "Fine."]),
        ("Smith et al. found it. Good.", ["Smith et al. found it.", "Good."]),
        ("Use approx. 5 ml daily. Good.", ["Use approx. 5 ml daily.", "Good."]),
        ("He has CF. Then he rests.", ["He has CF.", "Then he rests."]),  # an acronym, not "cf."
    ],
)
def test_sentences_split_where_a_sentence_ends(text: str, expected: list[str]):
    assert [sentence for _, sentence in split_sentences(text)] == expected


@pytest.mark.parametrize(
    "written, said",
    [
        ("Set 250m of CPU.", "Set 250 millicores of CPU."),
        ("Wait 5m for it.", "Wait 5 minutes for it."),
        ("Give it 512Mi or 2Gi or 64Ki.", "Give it 512 mebibytes or 2 gibibytes or 64 kibibytes."),
        ("In 1 ms or 2 s.", "In 1 millisecond or 2 s."),
        ("Tell 2 us about the 1990s.", "Tell 2 us about the 1990s."),
        ("Use 10k rows at 10%.", "Use 10 thousand rows at 10 percent."),
        ("Use v2.1 and 1.5 and 10.0.0.1.", "Use version 2 point 1 and 1.5 and 10 dot 0 dot 0 dot 1."),
        ("Use 3e2 and 1.5e-9.", "Use 300 and 1.5 times ten to the power of minus 9."),
        ("Open https://www.example.com/a/b?c=d today.", "Open example dot com today."),
        (
            "Write to a.b+c@mail.example.org today.",
            "Write to a dot b plus c at mail dot example dot org today.",
        ),
        ("See helm.sh and node.js and app.py.", "See helm dot s h and node dot j s and app dot p y."),
        ("Call getItemById now.", "Call get Item By Id now."),
        ("C.H.C.L three, made in the U.S.A.", "C.H.C.L three, made in the U.S.A."),  # letters said by name
        ("Use SaaS tools.", "Use SaaS tools."),
        ("Run ls -la --color.", "Run ls dash la dash dash color."),
        ("Deny a -> b and c => d but not 3-4.", "Deny a to b and c to d but not 3-4."),
        (
            "Run at */15 * * * *.",
            "Run at every 15 minutes, every hour, every day of the month, every month, "
            "every day of the week,.",
        ),
        ("If a != b or a == c.", "If a is not equal to b or a equals c."),
        ("Then 2 x 3 and 2^8.", "Then 2 times 3 and 2 to the power of 8."),
        ("Cost ~5 dollars, ≤ 9.", "Cost about 5 dollars, at most 9."),
        ("Party 🎉 time ✅.", "Party time ."),
        ("Write C# or F♯ minor, then B♭.", "Write C sharp or F sharp minor, then B flat."),
        (
            "A dead-letter queue, bisect-on-error, at-least-once, re-run, co-host, X-Ray.",
            "A dead letter queue, bisect on error, at least once, re-run, co-host, X-Ray.",
        ),
    ],
)
def test_technical_tokens_are_said_in_words(written: str, said: str):
    assert technical(written) == said


def test_the_projects_lexicon_wins_over_the_shipped_one():
    shipped = with_defaults(Lexicon())
    assert speak("Write YAML and JSON.", shipped).text == "Write yammel and jay-son."
    ours = with_defaults(Lexicon(say={"YAML": "yaml as in camel"}, spell=("JSON",)))
    assert speak("Write YAML and JSON.", ours).text == "Write yaml as in camel and J.S.O.N."


def test_lexicon_entries_are_kept_from_the_technical_rules():
    lexicon = with_defaults(Lexicon(say={"us-east-1": "U.S East one", "$LATEST": "dollar latest"}))
    assert speak("Deploy $LATEST to us-east-1 with -n.", lexicon).text == (
        "Deploy dollar latest to U.S East one with dash n."
    )
    keys = with_defaults(Lexicon(say={"USER": "user"}))
    assert speak("Keys such as USER#123 and ${stageVariables.alias}, issue #4.", keys).text == (
        "Keys such as user number one hundred twenty-three and dollar stage Variables dot alias, "
        "issue number four."
    )
    assert speak("Shards userId#0 to userId#9 under AWS::Serverless-2016-10-31.", keys).text == (
        "Shards user I.D number zero to user I.D number nine under A.W.S Serverless "
        "October thirty-first, twenty sixteen."
    )


@pytest.mark.parametrize(
    "written, word, script",
    [
        ("The Japanese is クラスター here.", "クラスター", "Japanese"),
        ("The Chinese is 集群 here.", "集群", "Chinese"),
        ("The Hebrew is אשכול here.", "אשכול", "Hebrew"),
        ("The Arabic is عنقود here.", "عنقود", "Arabic"),
        ("The Russian is кластер here.", "кластер", "Cyrillic"),
    ],
)
def test_other_scripts_are_reported_not_dropped_silently(written: str, word: str, script: str):
    spoken = speak(written, with_defaults(Lexicon()))
    assert spoken.unsayable == ((word, script),)
    assert word not in spoken.text and spoken.text.endswith("is here.")


def test_accented_latin_and_emoji_raise_nothing():
    spoken = speak("Café naïve résumé 🚀.", with_defaults(Lexicon()))
    assert spoken.unsayable == () and spoken.text == "Café naïve résumé."


def test_a_phrase_in_the_lexicon_overrides_the_heteronym_rules():
    lexicon = with_defaults(Lexicon(say={"read capacity": "red capacity"}))
    assert speak("Provision read capacity units.", lexicon).text == "Provision red capacity units."
    assert speak("Provision read capacity units.", with_defaults(Lexicon())).text == (
        "Provision reed capacity units."
    )
