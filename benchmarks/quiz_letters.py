"""How a quiz option's letter is heard best: each way of saying it, voiced and recognized unprompted.

    python3 benchmarks/quiz_letters.py [--project PATH] [--questions N] [--model base] [--role cohost]

Takes the options of N questions of the quiz bank, says each in every FORM below with the role's voice, as a
build would (the spoken form of each sentence, the show's sentence pause between sentences), and transcribes
each option on its own with Whisper, given no hint. Prints, per form, the share of options whose letter was
heard as that letter, and the word error rate of the whole option (strict, Whisper's normalizer on both
sides).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from pipeline.audio.recognize import Recognizer
from pipeline.graph.plan import plan_episodes, read_project
from pipeline.model.project import Project
from pipeline.speech import SAMPLE_RATE, get_engine
from pipeline.speech.voicer import trim_silence
from pipeline.spoken.markup import plain
from pipeline.spoken.sentences import split_sentences
from pipeline.spoken.speech import speak

ROOT = Path(__file__).resolve().parents[1]
FORMS = {
    "A: option": "{letter}: {text}",
    "A. option": "{letter}. {text}",
    "A, option": "{letter}, {text}",
    "Option A. option": "Option {letter}. {text}",
    "Option A: option": "Option {letter}: {text}",
    "Answer A. option": "Answer {letter}. {text}",
}
# How a recognizer may write each letter said alone.
LETTER_WORDS = {
    "A": {"a", "ay", "eh"},
    "B": {"b", "be", "bee"},
    "C": {"c", "see", "sea"},
    "D": {"d", "dee"},
    "E": {"e"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--model", default="base")
    parser.add_argument("--role", default="cohost")
    args = parser.parse_args()
    import jiwer
    import soundfile
    from whisper_normalizer.english import EnglishTextNormalizer

    context = plan_episodes(read_project(Project(args.project))).context
    show, lexicon = context.show, context.lexicon
    voice = show.voices.get(args.role) or show.voices["host"]
    engine = get_engine(voice.engine)
    normalize = EnglishTextNormalizer()
    recognizer = Recognizer(args.model)
    questions = context.course.questions
    step = max(1, len(questions) // args.questions)
    options = [option for question in questions[::step][: args.questions] for option in question.options]
    gap = np.zeros(round(show.audio.sentence_pause * SAMPLE_RATE), dtype=np.float32)
    print(f"{len(options)} options of {args.questions} questions, voice {voice.engine}:{voice.voice}")
    with tempfile.TemporaryDirectory() as folder:
        for name, form in FORMS.items():
            heard_letters, references, hypotheses = 0, [], []
            for letter, option in options:
                text = plain(option)
                text = text if text[-1:] in ".!?" else text + "."
                written = form.format(letter=letter, text=text)
                parts = []
                for _, sentence in split_sentences(written):
                    said = speak(sentence, lexicon, show.language).text
                    samples = trim_silence(engine.synthesize(said, voice))
                    parts += [gap, samples] if parts else [samples]
                path = Path(folder) / "option.wav"
                soundfile.write(path, np.concatenate(parts), SAMPLE_RATE)
                heard = " ".join(word.text for word in recognizer.transcribe(path).words)
                words = normalize(heard).split()
                lead = 1 if name.startswith(("Option", "Answer")) else 0
                if len(words) > lead and words[lead] in LETTER_WORDS.get(letter, {letter.lower()}):
                    heard_letters += 1
                references.append(normalize(written))
                hypotheses.append(normalize(heard))
            rate = jiwer.wer(references, hypotheses)
            print(f"{name:18} letter heard {heard_letters}/{len(options)}   word error rate {rate:.1%}")


if __name__ == "__main__":
    main()
