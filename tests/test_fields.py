"""Two courses from fields far from cloud computing, written as their authors would and not tuned to the tool:
a British one (history of medicine, chemistry, music; en-GB) and an American one (music theory and
mathematics; en-US). Every construct is said in words, in the show's language, the same for both voices and
in both engines' own phonemes; no sentence is cut at an abbreviation; both courses pass `check`, and the
British one builds first time."""

from __future__ import annotations

import itertools
import re
import shutil
import tomllib
import unicodedata
from pathlib import Path

import pytest

from pipeline.model.art import draw_cover
from pipeline.model.course import lesson_files, load_course
from pipeline.model.lesson import Block, parse_lesson
from pipeline.model.lexicon import load_lexicon
from pipeline.model.project import Project
from pipeline.model.script import Line
from pipeline.model.show import load_show
from pipeline.writing.script import Writer, build_script
from tests.conftest import AS_OF, run

FIXTURES = Path(__file__).parent / "fixtures"
COURSES = {"gb": FIXTURES / "fields-gb", "us": FIXTURES / "fields-us"}


def copy_of(course: str, folder: Path) -> Path:
    """A copy of a fixture course with its cover drawn, as `certquests cover` would."""
    project = folder / f"fields-{course}"
    shutil.copytree(COURSES[course], project)
    cover = project / "content" / "art" / "cover.png"
    cover.parent.mkdir(parents=True)
    draw_cover(tomllib.loads((project / "content" / "show.toml").read_text())["show"]["title"], "", cover)
    return project


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fields")
    return {course: copy_of(course, folder) for course in COURSES}


def lesson_lines(root: Path) -> list[Line]:
    """Every line the lessons give the voices, planned without audio and without the quiz."""
    project = Project(root)
    show = load_show(project)
    lexicon = load_lexicon(root)
    lines: list[Line] = []
    for path in lesson_files(project):
        lesson, problems = parse_lesson(path, project, show)
        assert lesson is not None and not problems, problems
        lines += build_script(lesson, show, lexicon).lines
    return lines


def course_lines(root: Path) -> list[Line]:
    """Every line of every episode as the build plans it: lessons, self-test questions and options, outro."""
    project = Project(root)
    show = load_show(project)
    course = load_course(project, show)
    lexicon = load_lexicon(root)
    lessons = sorted(course.lessons, key=lambda lesson: lesson.sort_key)
    lines: list[Line] = []
    for lesson, following in zip(lessons, [*lessons[1:], None], strict=True):
        questions = course.questions_for(lesson.id)
        script = build_script(lesson, show, lexicon, questions, following.title if following else None)
        lines += script.lines
    return lines


@pytest.fixture(scope="module")
def planned(projects: dict[str, Path]) -> dict[str, list[Line]]:
    return {course: lesson_lines(root) for course, root in projects.items()}


def heard(text: str) -> str:
    """A spoken line as a listener hears its words: letters said by name ("B.C", "B-C", "B C") and words
    joined by a hyphen ("forty-five", "forty five") sound the same."""
    text = re.sub(r"(?<=\b[A-Za-z])[.-](?=[A-Za-z]\b)", " ", text)
    text = re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", " ", text)
    return " ".join(text.split())


def line_with(lines: list[Line], written: str) -> Line:
    """The one line whose caption text holds `written`."""
    found = {line.text: line for line in lines if written in line.text}
    near = [line.text for line in lines if written.split(maxsplit=1)[0] in line.text]
    assert found, f"no line holds {written!r}; the lines nearest it: {near}"
    assert len(found) == 1, f"{written!r} is in several lines: {list(found)}"
    return next(iter(found.values()))


# (course, a fragment of the sentence as written, the whole sentence as every voice is given it)
SAID = [
    # en-GB: years, centuries, BC/AD, circa, i.e.
    (
        "gb",
        "Hippocrates, who was born c. 460 BC",
        "The idea that illness spreads through bad air, that is miasma, goes back to the Greek physician "
        "Hippocrates, who was born circa four hundred and sixty B.C.",
    ),
    (
        "gb",
        "In AD 43",
        "In A.D forty-three the Roman army that invaded Britain brought its own doctors, and with them the "
        "teaching of the Greeks.",
    ),
    (
        "gb",
        "Henry VIII",
        "In fifteen forty Henry the Eighth joined the barbers and the surgeons of London in a single "
        "company.",
    ),
    ("gb", "By the 19th century", "By the nineteenth century London had grown faster than its sewers."),
    (
        "gb",
        "1854 etc. and",
        "Cholera struck the city in eighteen thirty-two, eighteen forty-nine, eighteen fifty-four et cetera "
        "and each wave killed thousands.",
    ),
    (
        "gb",
        "616 people died",
        "In late August eighteen fifty-four cholera broke out around Broad Street in Soho, and six hundred "
        "and sixteen people died.",
    ),
    (
        "gb",
        "Dr John Snow, a London anaesthetist",
        "Doctor John Snow, a London anaesthetist, marked each death on a map and found them clustered around "
        "one public pump.",
    ),
    (
        "gb",
        "on 8 September 1854",
        "The parish removed the pump's handle on the eighth of September, eighteen fifty-four.",
    ),
    (
        "gb",
        "Fig. 2",
        "Snow's map, Figure two in the course book, appeared in the second edition of his book on cholera in "
        "eighteen fifty-five.",
    ),
    ("gb", "water vs. air", "The argument was water versus air, and it took decades to settle."),
    (
        "gb",
        "I always heard",
        "I always heard that he stopped the epidemic by taking the handle off a pump.",
    ),
    ("gb", "René Laënnec", "René Laënnec invented the stethoscope in eighteen sixteen."),
    (
        "gb",
        "The '90s",
        "The nineties brought X-rays: Wilhelm Röntgen found them in eighteen ninety-five, and Marie "
        "Skłodowska Curie began her work on radioactivity in eighteen ninety-seven.",
    ),
    # en-GB: readings, units, times
    (
        "gb",
        "120/80 mmHg",
        "A healthy adult's blood pressure is often quoted as one hundred and twenty over eighty millimetres "
        "of mercury.",
    ),
    (
        "gb",
        "37 °C",
        "In eighteen sixty-eight Carl Wunderlich put normal body temperature at thirty-seven degrees "
        "Celsius, "
        "after readings from about twenty-five thousand patients.",
    ),
    (
        "gb",
        "mmol/L",
        "A fasting blood glucose of four to five point four millimoles per litre is normal for most adults.",
    ),
    (
        "gb",
        "mg/kg",
        "Many doses for children are worked out by weight, for example fifteen milligrams per kilogram of "
        "paracetamol.",
    ),
    (
        "gb",
        "15:30",
        "Wards use the twenty-four-hour clock, so a dose due at three thirty P.M is charted as "
        "fifteen thirty.",
    ),
    ("gb", "3:45 pm", "A dose given at three forty-five P.M is charted as fifteen forty-five."),
    (
        "gb",
        "Chapter IV",
        "For the sound of a good ward, compare Chapter four of Florence Nightingale's Notes on "
        "Nursing, which "
        "is all about noise.",
    ),
    ("gb", "St Thomas'", "Her nursing school opened at Saint Thomas' Hospital in eighteen sixty."),
    (
        "gb",
        "an IV drip",
        "A patient with severe cholera today is given fluids through an I.V drip, and most survive.",
    ),
    (
        "gb",
        "1918–1919",
        "The nineteen eighteen to nineteen nineteen influenza pandemic killed more people than the "
        "fighting of "
        "World War one.",
    ),
    (
        "gb",
        "5–10 µm",
        "Droplets larger than five to ten micrometres across fall to the ground within about a metre.",
    ),
    (
        "gb",
        "World War II",
        "Penicillin, found by Alexander Fleming in nineteen twenty-eight, was first made in bulk "
        "during World "
        "War two.",
    ),
    (
        "gb",
        "21st century",
        "In the twenty-first century, epidemiologists still start where Snow did: with a map and a count.",
    ),
    (
        "gb",
        "Meditation XVII",
        "In sixteen twenty-three, gravely ill, John Donne wrote Meditation seventeen, whose best-known lines "
        "are these:",
    ),
    # en-GB: chemistry, money
    ("gb", "Before the 1840s", "Before the eighteen forties, surgery meant speed and pain."),
    (
        "gb",
        "in the 1660s, e.g. Robert Boyle",
        "Members of the Royal Society in the sixteen sixties, for example Robert Boyle, measured how the "
        "pressure of air changes with its volume.",
    ),
    (
        "gb",
        "Louis XIV",
        "Louis the Fourteenth approved the founding of the Académie des sciences in sixteen sixty-six.",
    ),
    ("gb", "N2O", "Joseph Priestley first made nitrous oxide, N two O, in seventeen seventy-two."),
    (
        "gb",
        "CHCl₃",
        "Chloroform, C H C L three, was first used to put a patient to sleep by James Young Simpson in "
        "Edinburgh in eighteen forty-seven.",
    ),
    (
        "gb",
        "7 April 1853",
        "Queen Victoria was given chloroform by Doctor John Snow on the seventh of April, eighteen "
        "fifty-three, at the birth of Prince Leopold, her eighth child.",
    ),
    ("gb", "and/or", "A surgeon might choose ether and or chloroform, depending on the patient."),
    ("gb", "H₂O", "Water is H two O: two atoms of hydrogen and one of oxygen."),
    (
        "gb",
        "CO2",
        "Joseph Black called carbon dioxide fixed air in the seventeen fifties, and today we write "
        "it C O two.",
    ),
    ("gb", "35.45", "Chlorine has a relative atomic mass of about thirty-five point four five."),
    ("gb", "1–2%", "Deaths on his ward fell from over ten percent to about one to two percent."),
    (
        "gb",
        "Prof. Joseph Lister",
        "In eighteen sixty-seven Professor Joseph Lister, then in Glasgow, described how he cleaned wounds "
        "with carbolic acid.",
    ),
    (
        "gb",
        "1s 6d",
        "A bottle at one shilling and sixpence cost eighteen old pence, because a shilling was twelve pence.",
    ),
    ("gb", "£1 was", "A pound was twenty shillings, so one pound was two hundred and forty pence."),
    # en-GB: music and mathematics
    ("gb", "2,000 years", "Music and mathematics have kept company for more than two thousand years."),
    ("gb", "½ its length", "Stop a string at one half its length and the note rises an octave."),
    ("gb", "3/4 of its length", "Stop it at three quarters of its length and it rises a perfect fourth."),
    (
        "gb",
        "440 Hz × 2",
        "An octave up doubles the frequency: four hundred and forty hertz times two equals eight hundred and "
        "eighty hertz.",
    ),
    (
        "gb",
        "12 − 7 = 5",
        "An octave has twelve semitones and a fifth has seven, so a fourth has twelve minus seven "
        "equals five.",
    ),
    (
        "gb",
        "≈ 1.059",
        "In equal temperament the frequency ratio of a semitone is approximately one point zero five nine.",
    ),
    (
        "gb",
        "ca. 1030",
        "Guido of Arezzo gave singers the syllables ut, re, mi et cetera in a letter written circa "
        "ten thirty.",
    ),
    (
        "gb",
        "a² + b² = c²",
        "Pythagoras' theorem says that a squared plus b squared equals c squared in a right-angled triangle.",
    ),
    (
        "gb",
        "3² + 4² = 5²",
        "The smallest whole-number example is three squared plus four squared equals five squared, since "
        "nine plus sixteen equals twenty-five.",
    ),
    ("gb", "y = x²", "The graph of y equals x squared is a parabola."),
    ("gb", "≤ the sum", "In any triangle, each side is at most the sum of the other two."),
    (
        "gb",
        "1066",
        "The Bayeux Tapestry shows the comet seen in ten sixty-six, and Edmond Halley later predicted its "
        "return.",
    ),
    (
        "gb",
        "343 m/s",
        "Sound travels at about three hundred and forty-three metres per second in air at twenty degrees "
        "Celsius, that is about one thousand two hundred and thirty-five kilometres per hour.",
    ),
    (
        "gb",
        "−40 °C",
        "On a cold day of minus forty degrees Celsius a Fahrenheit thermometer reads the same number.",
    ),
    (
        "gb",
        "£1.50",
        "If a cup of tea costs one pound fifty in London and a coffee costs one euro twenty in Paris, which "
        "costs more once you convert the euros?",
    ),
    (
        "gb",
        "c. 570 BC",
        "Over three short lessons we visit a London street in eighteen fifty-four, an Edinburgh "
        "dining room in "
        "eighteen forty-seven and the school of Pythagoras, who was born circa five hundred and seventy B.C.",
    ),
    # en-US
    (
        "us",
        "In 2 short lessons",
        "In two short lessons we look at the arithmetic inside music, then at the math that grew up "
        "beside it.",
    ),
    ("us", "½ as long", "A half note lasts one half as long as a whole note."),
    (
        "us",
        "3/4 of a whole note",
        "A dotted half note lasts three quarters of a whole note, that is three quarter notes.",
    ),
    (
        "us",
        "120 beats",
        "Tempo is counted in beats per minute, for example one hundred twenty beats per minute is two beats "
        "every second.",
    ),
    (
        "us",
        "approx. 0.78 m",
        "Concert pitch puts the A above middle C at four hundred forty hertz, and that note's wavelength in "
        "air is approximately zero point seven eight meters.",
    ),
    (
        "us",
        "343 m/s",
        "Sound travels at about three hundred forty-three meters per second in air at room temperature.",
    ),
    (
        "us",
        "0.1%",
        "The fifths of a piano tuned in equal temperament are about zero point one percent narrower "
        "than pure "
        "ones.",
    ),
    ("us", "Louis XIV", "Jean-Baptiste Lully wrote music for the court of Louis the Fourteenth."),
    (
        "us",
        "Henry VIII",
        "The tune Greensleeves is often said to be by Henry the Eighth, but it is probably later.",
    ),
    (
        "us",
        "Dr. Benjamin Franklin",
        "Doctor Benjamin Franklin invented the glass armonica in seventeen sixty-one.",
    ),
    (
        "us",
        "No. 5",
        "Beethoven's Symphony number five was first performed in Vienna on December twenty-second, eighteen "
        "oh-eight.",
    ),
    (
        "us",
        "St. Louis",
        "Scott Joplin moved to Saint Louis in nineteen oh-one, two years after the Maple Leaf Rag was "
        "published.",
    ),
    (
        "us",
        "the '60s",
        "In the sixties Robert Moog built his first synthesizers, and the sound of pop music changed "
        "with them.",
    ),
    (
        "us",
        "9:05 am",
        "A rehearsal that starts at nine oh five A.M and ends at twelve thirty-five P.M lasts two "
        "hundred ten "
        "minutes.",
    ),
    (
        "us",
        "3:45 pm",
        "If the concert starts at three forty-five P.M, the players have a little over three hours to rest.",
    ),
    ("us", "c. 300 BC", "Euclid wrote the Elements circa three hundred B.C."),
    (
        "us",
        "Book I, Proposition 47",
        "Book one, Proposition forty-seven of the Elements is the theorem of Pythagoras.",
    ),
    ("us", "a² + b² = c²", "It says that a squared plus b squared equals c squared in a right triangle."),
    (
        "us",
        "3.14159",
        "Pi is approximately three point one four one five nine, and most people remember it as three point "
        "one four.",
    ),
    ("us", "1st, 2nd and 3rd", "The first, second and third powers of two are two, four and eight."),
    ("us", "x³", "A cube of side x has a volume of x cubed."),
    ("us", "10⁶", "A million is ten to the power of six."),
    (
        "us",
        "vs. the 1670s",
        "Isaac Newton worked out the basics of calculus in the sixteen sixties, versus the sixteen seventies "
        "for Gottfried Leibniz.",
    ),
    (
        "us",
        "June 10, 1854",
        "Bernhard Riemann gave his famous lecture on geometry in Göttingen on June tenth, eighteen "
        "fifty-four.",
    ),
    (
        "us",
        "5 − 3 = 2",
        "So five minus three equals two is math, and so is everything Riemann said?",
    ),
    (
        "us",
        "98.6°F",
        "To turn thirty-seven degrees Celsius into Fahrenheit, multiply by nine fifths and add thirty-two, "
        "which gives ninety-eight point six degrees Fahrenheit.",
    ),
    (
        "us",
        "$3.50",
        "A used songbook at three dollars fifty costs a quarter of a new one at fourteen dollars.",
    ),
    ("us", "¥500", "Japan's largest coin is worth five hundred yen."),
    (
        "us",
        "25%",
        "A class of one hundred twenty students, twenty-five percent of them music majors, has thirty music "
        "majors.",
    ),
]


@pytest.mark.parametrize(("course", "written", "said"), SAID, ids=[f"{c}: {w}" for c, w, _ in SAID])
def test_each_construct_is_said_in_words_in_the_shows_language(
    planned: dict[str, list[Line]], course: str, written: str, said: str
):
    assert heard(line_with(planned[course], written).spoken) == heard(said)


def test_a_formula_with_brackets_is_said_letter_by_letter(planned: dict[str, list[Line]]):
    """Ca(OCl)2, chlorinated lime: its letters by name, then its count in words."""
    spoken = heard(line_with(planned["gb"], "Ca(OCl)2").spoken)
    assert spoken.startswith(
        heard("In eighteen forty-seven Ignaz Semmelweis had the doctors of his ward in Vienna")
    )
    assert spoken.endswith("before they examined a mother.")
    formula = spoken.split("chlorinated lime,")[1].split(", before")[0]
    assert re.fullmatch(r"\W*C\W+a\W+O\W+C\W+L\W+(?:two|twice)\W*", formula, re.IGNORECASE), formula


def test_a_poem_written_with_line_breaks_is_said_whole(planned: dict[str, list[Line]]):
    lines = planned["gb"]
    first = next(index for index, line in enumerate(lines) if line.text.startswith("No man is an island"))
    last = next(index for index, line in enumerate(lines) if "a part of the main" in line.text)
    poem = lines[first : last + 1]
    words = re.findall(r"[a-z]+", " ".join(line.spoken for line in poem).lower())
    poem_words = (
        "no man is an island entire of itself every man is a piece of the continent a part of the main"
    )
    assert words == poem_words.split(" ")


# (course, a fragment of the quiz line as written, how the spoken line ends: the option, or the question)
QUIZ = [
    ("gb", "A: 1066", "ten sixty-six."),
    ("gb", "B: 1854", "eighteen fifty-four."),
    ("gb", "A: 120/80 mmHg", "one hundred and twenty over eighty millimetres of mercury."),
    ("gb", "B: 37 °C", "thirty-seven degrees Celsius."),
    ("gb", "C: 5–10 µm", "five to ten micrometres."),
    ("gb", "A: N2O", "N two O."),
    ("gb", "How many old pence made 1s 6d?", "How many old pence made one shilling and sixpence?"),
    ("gb", "A: ½", "one half."),
    ("gb", "B: 3/4", "three quarters."),
    ("gb", "C: 2/3", "two thirds."),
    ("gb", "What is 3² + 4²?", "What is three squared plus four squared?"),
    ("gb", "A: 5²", "five squared."),
    (
        "gb",
        "The parish removed it on 8 September 1854",
        "The parish removed it on the eighth of September, eighteen fifty-four, after Doctor Snow mapped the "
        "deaths.",
    ),
    ("us", "C: 1/3", "one third."),
    ("us", "A: Dr. Benjamin Franklin", "Doctor Benjamin Franklin."),
    (
        "us",
        "Who invented the glass armonica in 1761?",
        "Who invented the glass armonica in seventeen sixty-one?",
    ),
    ("us", "A: 98.6°F", "ninety-eight point six degrees Fahrenheit."),
    ("us", "A: x²", "x squared."),
    (
        "us",
        "37 × 9/5 + 32 = 98.6",
        "thirty-seven times nine fifths plus thirty-two equals ninety-eight point six, so thirty-seven "
        "degrees Celsius is ninety-eight point six degrees Fahrenheit.",
    ),
]


@pytest.fixture(scope="module")
def episodes(projects: dict[str, Path]) -> dict[str, list[Line]]:
    return {course: course_lines(root) for course, root in projects.items()}


@pytest.mark.parametrize(("course", "written", "ending"), QUIZ, ids=[f"{c}: {w}" for c, w, _ in QUIZ])
def test_quiz_lines_are_said_in_words(
    episodes: dict[str, list[Line]], course: str, written: str, ending: str
):
    lines = episodes[course]
    option = re.match(r"([A-D]): (.*)", written)
    if option:  # an option is said after its letter, "Option A.", as a phrase of its own
        letter, text = option.groups()
        index = next(i for i, line in enumerate(lines) if line.text in (text, text + ".") and i)
        assert lines[index - 1].spoken == f"Option {letter}."
        line = lines[index]
    else:
        line = line_with(lines, written)
    assert heard(line.spoken).endswith(heard(ending))


# Words of two capitals or more that are valid Roman numerals, and those that are words or acronyms here.
CAPITALS = re.compile(r"\b[MDCLXVI]{2,}\b")
ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
NOT_NUMERALS = {"CD", "DC", "MD", "MIX", "CV", "DI", "LI", "MI", "CC"}
SIGNS = set("£€$¥¢°µμ/=+−×÷≈≤≥%⁄")
SUB_SUPER = set("⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉")
LEFT_ABBREVIATION = re.compile(
    r"(?<![\w.])(?:c|ca|etc|e\.g|i\.e|cf|vs|approx)\.|\b(?:Dr|Mr|Mrs|Prof|Revd|St|Fig)\b|\bNo\.\s"
)
# An abbreviation at the end of a caption, which must never be where a sentence that goes on was cut.
ENDS_IN_ABBREVIATION = re.compile(
    r"(?:^|\s)(?:c|ca|etc|e\.g|i\.e|cf|vs|approx|no|No|Dr|Mr|Mrs|Prof|Revd|St|Fig)\.$"
)
NEVER_ENDS_A_SENTENCE = re.compile(r"(?:^|\s)(?:c|ca|cf|vs|approx|Dr|Mr|Mrs|Prof|Revd|Fig)\.$")


def not_words(spoken: str) -> list[str]:
    """What in a spoken line is not words and sentence punctuation."""
    found = []
    if re.search(r"\d", spoken):
        found.append("a digit")
    for match in CAPITALS.finditer(spoken):
        numeral = match.group(0)
        an_iv_drip = numeral == "IV" and spoken[match.end() :].startswith(" drip")
        if ROMAN.fullmatch(numeral) and numeral not in NOT_NUMERALS and not an_iv_drip:
            found.append(f"the Roman numeral {numeral}")
    for char in sorted(set(spoken)):
        if char in SIGNS or char in SUB_SUPER or "VULGAR FRACTION" in unicodedata.name(char, ""):
            found.append(f"the sign {char!r}")
    left = LEFT_ABBREVIATION.search(spoken)
    if left:
        found.append(f"the abbreviation {left.group(0).strip()!r}")
    return found


@pytest.mark.parametrize("course", list(COURSES))
def test_every_voice_is_given_words_only(episodes: dict[str, list[Line]], course: str):
    wrong = [
        f"{line.role}: {line.text!r} is said {line.spoken!r}: {', '.join(found)}"
        for line in episodes[course]
        if (found := not_words(line.spoken))
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("course", list(COURSES))
def test_no_sentence_is_cut_at_an_abbreviation(episodes: dict[str, list[Line]], course: str):
    lines = episodes[course]
    cut = [
        f"{line.text!r} | {after.text!r}"
        for line, after in itertools.pairwise(lines)
        if ENDS_IN_ABBREVIATION.search(line.text)
        and (NEVER_ENDS_A_SENTENCE.search(line.text) or re.match(r"[a-z\d]", after.text))
    ]
    assert not cut, "\n".join(cut)


def test_the_checks_catch_what_a_voice_must_not_be_given():
    assert not_words("The nineteen eighteen to nineteen nineteen pandemic, an IV drip, and I.") == []
    assert not_words("Henry VIII paid £1 for 3/4 at 37 °C in 1918, c. 1200, H₂O, ½.") == [
        "a digit",
        "the Roman numeral VIII",
        "the sign '/'",
        "the sign '£'",
        "the sign '°'",
        "the sign '½'",
        "the sign '₂'",
        "the abbreviation 'c.'",
    ]
    assert not_words("MIDI and DIM are no numerals; IIII is none either.") == []
    assert not_words("Meditation XVII, Dr Snow, St Thomas' and a mix of CD and DC.") == [
        "the Roman numeral XVII",
        "the abbreviation 'Dr'",
    ]
    assert [said for _, _, said in [*SAID, *QUIZ] if not_words(said)] == []  # the contract's forms pass
    assert ENDS_IN_ABBREVIATION.search("Hippocrates was born c.")
    assert not ENDS_IN_ABBREVIATION.search("The '90s brought X-rays.")


def test_host_and_cohost_are_given_identical_text_for_identical_sentences(projects: dict[str, Path]):
    """The same sentence read as the host's paragraph and as the co-host's blockquote: one spoken form."""
    for course, root in projects.items():
        project = Project(root)
        show = load_show(project)
        writer = Writer(show, load_lexicon(root), "content/lessons/same.md")
        sentences = [line.text for line in lesson_lines(root)]
        assert len(sentences) >= 40
        for number, sentence in enumerate(sentences, 1):
            writer.block(Block("paragraph", "host", sentence, number))
            writer.block(Block("paragraph", "cohost", sentence, number))
        lines = writer.lines
        for host, cohost in zip(lines[::2], lines[1::2], strict=True):
            assert (host.role, cohost.role) == ("host", "cohost")
            assert host.text == cohost.text, course
            assert host.spoken == cohost.spoken, f"{course}: {host.text!r}"


@pytest.mark.parametrize("course", list(COURSES))
def test_check_passes_and_the_quiz_needs_no_domains(projects: dict[str, Path], course: str):
    root = projects[course]
    result = run(root, "check")
    assert result.exit_code == 0, result.output
    lessons, questions = {"gb": (4, 6), "us": (3, 4)}[course]
    assert f"{lessons} lessons and {questions} quiz questions are valid." in result.output
    # The spoken form reads numerals, eras and formulas: check asks for no lexicon entry for them.
    for word in ("VIII", "XIV", "XVII", "IV", "II", "BC", "AD", "N2O", "CO2"):
        assert not re.search(rf"^\s+{word}\s+\(", result.output, re.M), result.output
    # Names with letters from other languages are listed as candidates for a [say] entry.
    for name in {"gb": ("Röntgen", "Skłodowska", "Laënnec"), "us": ("Göttingen",)}[course]:
        assert name in result.output, result.output
    project = Project(root)
    show = load_show(project)
    assert not show.domains
    course_ = load_course(project, show)
    assert len(course_.questions) == questions
    assert {question.domain for question in course_.questions} == {""}


@pytest.mark.parametrize("course", list(COURSES))
def test_a_course_for_no_exam_never_speaks_of_one(episodes: dict[str, list[Line]], course: str):
    assert not [line.spoken for line in episodes[course] if re.search(r"\bexams?\b", line.spoken, re.I)]


# Each engine's own phonemizer, on what the script gives it: the words it must say, not the literal reading.
PHONEMES = [
    ("Henry VIII", "Henry the Eighth", "Henry roman"),
    ("Meditation XVII", "Meditation seventeen", "Meditation roman"),
    ("Meditation XVII", "Meditation seventeen", "Meditation ex"),
    ("c. 460 BC", "born circa", "born see"),
    ("1s 6d", "one shilling and sixpence", "second"),
    ("120/80 mmHg", "over eighty millimetres of mercury", "slash"),
    ("mmol/L", "millimoles per litre", "slash"),
    ("37 °C", "degrees Celsius", "degrees see"),
    ("£1.50", "one pound fifty", "point"),
    ("£1.50", "one euro twenty", "euros one"),
]


@pytest.fixture(scope="module")
def phonemizers():
    """hibari's G2P (with the engine's own mend) and the Piper voice's espeak-ng phonemes, loaded once."""
    from hibari.g2p import G2P

    from pipeline.speech.hibari import _mend_numerals
    from pipeline.speech.piper import _model, piper_text

    _mend_numerals()
    g2p = G2P()
    joe = _model("joe")

    def piper(text: str) -> str:
        return " ".join("".join(sentence) for sentence in joe.phonemize(piper_text(text)))

    return {"hibari": lambda text: str(g2p(text)), "piper": piper}


def unstressed(phonemes: str) -> str:
    return phonemes.replace("ˈ", "").replace("ˌ", "")


@pytest.mark.parametrize("engine", ["hibari", "piper"])
@pytest.mark.parametrize(("written", "words", "literal"), PHONEMES, ids=[f"{w}: {x}" for w, _, x in PHONEMES])
def test_the_engines_phonemes_say_the_words_not_the_symbols(
    planned: dict[str, list[Line]], phonemizers, engine: str, written: str, words: str, literal: str
):
    phonemize = phonemizers[engine]
    said = unstressed(phonemize(line_with(planned["gb"], written).spoken))
    assert unstressed(phonemize(words)) in said, said
    assert unstressed(phonemize(literal)) not in said, said


def test_the_literal_readings_are_what_the_engines_say_without_the_spoken_form(phonemizers):
    """What the phoneme test guards against: each engine given the sentence as written."""
    piper, hibari = phonemizers["piper"], phonemizers["hibari"]
    assert unstressed(piper("roman")) in unstressed(piper("In 1540 Henry VIII joined them."))
    assert unstressed(piper("slash")) in unstressed(piper("It is often quoted as 120/80 mmHg."))
    assert unstressed(hibari("slash")) in unstressed(hibari("A glucose of 4 to 5.4 mmol/L is normal."))
    assert unstressed(piper("degrees see")) in unstressed(piper("It is 37 °C."))
    assert unstressed(piper("euros one")) in unstressed(piper("A coffee costs €1.20 in Paris."))


# Sentences with an abbreviation that does not end them: each must be one caption cue, whole.
WHOLE = [
    "The idea that illness spreads through bad air, i.e. miasma, goes back to the Greek physician "
    "Hippocrates, "
    "who was born c. 460 BC.",
    "Cholera struck the city in 1832, 1849, 1854 etc. and each wave killed thousands.",
    "Snow's map, Fig. 2 in the course book, appeared in the 2nd edition of his book on cholera in 1855.",
    "For the sound of a good ward, cf. Chapter IV of Florence Nightingale's Notes on Nursing, which is all "
    "about noise.",
    "Members of the Royal Society in the 1660s, e.g. Robert Boyle, measured how the pressure of air changes "
    "with its volume.",
    "In 1867 Prof. Joseph Lister, then in Glasgow, described how he cleaned wounds with carbolic acid.",
    "Guido of Arezzo gave singers the syllables ut, re, mi etc. in a letter written ca. 1030.",
    "Sound travels at about 343 m/s in air at 20 °C, i.e. about 1,235 km/h.",
]


def vtt_sentences(vtt: str) -> list[str]:
    """The sentences of a WebVTT transcript: a sentence's cues follow one another with no gap between them,
    and a pause comes between sentences."""
    sentences: list[tuple[str, str, str]] = []  # (text, speaker, end)
    for block in vtt.split("\n\n")[1:]:
        rows = block.strip().splitlines()
        if len(rows) < 3:
            continue
        start, end = rows[1].split(" --> ")
        speaker, first = re.fullmatch(r"<v ([^>]*)>(.*)", rows[2]).groups()  # type: ignore[union-attr]
        text = " ".join([first, *rows[3:]]).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        if sentences and sentences[-1][1] == speaker and sentences[-1][2] == start:
            sentences[-1] = (f"{sentences[-1][0]} {text}", speaker, end)
        else:
            sentences.append((text, speaker, end))
    return [text for text, _, _ in sentences]


def given(script: str) -> list[str]:
    """What scripts/ID.txt says each voice is given: a line's "(said: ...)", or the line as written."""
    said: list[str] = []
    for row in script.splitlines():
        if match := re.fullmatch(r"    \(said: (.*)\)", row):
            said[-1] = match.group(1)
        elif match := re.fullmatch(r"[A-Z][A-Z -]*: (.*)", row):
            said.append(match.group(1))
    return said


def test_the_script_file_is_read_as_what_each_voice_is_given():
    script = "# T\n== Intro\nHOST: In 1918.\n    (said: In nineteen eighteen.)\nCO-HOST: Yes.\n[pause 2 s]\n"
    assert given(script) == ["In nineteen eighteen.", "Yes."]


@pytest.mark.slow
def test_the_british_course_builds_first_time_and_its_captions_read_as_written(tmp_path: Path):
    project = copy_of("gb", tmp_path)
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    sentences = [
        s for vtt in sorted((project / "episodes").glob("*.vtt")) for s in vtt_sentences(vtt.read_text())
    ]
    assert len(sentences) > 100
    for whole in WHOLE:
        assert whole in sentences, whole
    cut = [s for s in sentences if ENDS_IN_ABBREVIATION.search(s)]
    assert not cut, cut
    wrong = [
        f"{script.name}: {said!r}: {', '.join(found)}"
        for script in sorted((project / "scripts").glob("*.txt"))
        for said in given(script.read_text())
        if (found := not_words(said))
    ]
    assert not wrong, "\n".join(wrong)
    notes = (project / "feed" / "cholera-and-the-pump.html").read_text()
    assert re.search(r"No man is an island,<br\s*/?>\s*entire of itself;<br", notes), (
        "the poem keeps its lines"
    )
