"""The build graph without audio: what a step's state says about it, and how the threads run fake steps."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import SynthesisError
from pipeline.graph.scheduler import Chain, ChainResult, Scheduler
from pipeline.graph.state import State
from pipeline.model.show import Audio
from pipeline.stages.base import Step, digest
from pipeline.stages.built import Released
from pipeline.stages.products import Product, Products, Staged


def make_step(
    stage: str = "script",
    parts: dict[str, str] | None = None,
    outputs: tuple[Path, ...] = (),
    *,
    episode: str | None = "ep",
    run: Callable[[], float | None] = lambda: None,
    units: int = 0,
    run_unit: Callable[[int], bool] | None = None,
) -> Step:
    return Step(
        stage,
        episode,
        dict(parts or {"stage code": "1", "script text": "aaa"}),
        run,
        outputs,
        episode=episode,
        units=units,
        run_unit=run_unit,
    )


def built_outputs(tmp_path: Path, *names: str) -> tuple[Path, ...]:
    paths = tuple(tmp_path / name for name in names)
    for path in paths:
        path.write_text("made")
    return paths


# State and keys


def test_a_step_never_built_says_so(tmp_path: Path):
    assert State(tmp_path / "state.json").reason(make_step()) == "never built"


def test_a_recorded_step_is_up_to_date(tmp_path: Path):
    state = State(tmp_path / "state.json")
    step = make_step(outputs=built_outputs(tmp_path, "script.txt"))
    state.record(step)
    assert state.reason(step) is None


def test_changing_one_part_names_that_part_and_only_that(tmp_path: Path):
    parts = {"stage code": "1", "script text": "aaa", "voices": "vvv"}
    state = State(tmp_path / "state.json")
    state.record(make_step(parts=parts))
    assert state.reason(make_step(parts={**parts, "voices": "www"})) == "changed: voices"
    assert (
        state.reason(make_step(parts={**parts, "voices": "www", "stage code": "2"}))
        == "changed: stage code, voices"
    )
    assert state.reason(make_step(parts=parts)) is None


def test_a_missing_output_is_named(tmp_path: Path):
    outputs = built_outputs(tmp_path, "master.mp3", "master.json")
    state = State(tmp_path / "state.json")
    state.record(make_step("master", outputs=outputs))
    outputs[1].unlink()
    assert state.reason(make_step("master", outputs=outputs)) == "output missing: master.json"


def test_the_key_does_not_depend_on_the_order_of_the_parts(tmp_path: Path):
    forward = make_step(parts={"audio": "1", "cover": "2"})
    backward = make_step(parts={"cover": "2", "audio": "1"})
    assert forward.key == backward.key
    assert forward.key != make_step(parts={"audio": "2", "cover": "1"}).key  # names count, not just values
    state = State(tmp_path / "state.json")
    state.record(forward)
    assert state.reason(backward) is None


def test_state_survives_a_reload_from_disk(tmp_path: Path):
    path = tmp_path / "cache" / "state.json"
    step = make_step(outputs=built_outputs(tmp_path, "script.txt"))
    State(path).record(step)
    again = State(path)
    assert again.reason(step) is None
    assert again.previous(step) == step.parts
    assert json.loads(path.read_text())["script"]["key"] == step.key


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"\xff\xfe\x00", b"[1, 2]", b'{"script": "a string"}'],
    ids=["bad-json", "empty", "not-utf8", "a-list", "entry-not-a-table"],
)
def test_a_corrupt_state_file_means_never_built(tmp_path: Path, content: bytes):
    path = tmp_path / "state.json"
    path.write_bytes(content)
    step = make_step()
    assert State(path).reason(step) == "never built"
    State(path).record(step)  # and the next success writes a good file over it
    assert State(path).reason(step) is None


def test_the_steps_of_one_episode_share_its_file_each_under_its_stage(tmp_path: Path):
    path = tmp_path / "state.json"
    script, synth = make_step("script"), make_step("synth", {"sentences": "sss"})
    State(path).record(script)
    assert State(path).reason(synth) == "never built"
    State(path).record(synth)
    assert sorted(json.loads(path.read_text())) == ["script", "synth"]
    index = Step("site", "index.html", {"episodes": "eee"}, lambda: None)
    quiz = Step("site", "quiz.html", {"episodes": "eee"}, lambda: None)
    State(path).record(index)
    assert State(path).reason(quiz) == "never built"  # a show step's entry is its full name


# The scheduler, with steps that are plain Python functions


def chain_of(tmp_path: Path, episode: str, steps: list[Step]) -> Chain:
    return Chain(
        steps, State(tmp_path / episode / "state.json"), ChainResult(episode, f"content/lessons/{episode}.md")
    )


def run_on_threads(scheduler: Scheduler, count: int = 2) -> None:
    threads = [threading.Thread(target=scheduler.work, name=f"build-{n}", daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    if any(thread.is_alive() for thread in threads):
        scheduler.stop()
        pytest.fail("the build threads did not finish")


def messages(scheduler: Scheduler) -> list[str]:
    out = []
    while not scheduler.messages.empty():
        out.append(scheduler.messages.get())
    return out


def test_two_threads_share_one_steps_units_and_each_unit_runs_once(tmp_path: Path):
    ran: Counter[int] = Counter()
    threads: set[str] = set()
    lock = threading.Lock()
    meet = threading.Barrier(2, timeout=10)

    def unit(index: int) -> bool:
        if index < 2:
            meet.wait()  # units 0 and 1 can only both finish when two threads hold them at once
        with lock:
            ran[index] += 1
            threads.add(threading.current_thread().name)
        return index % 3 == 0

    chain = chain_of(tmp_path, "ep", [make_step("synth", units=12, run_unit=unit)])
    scheduler = Scheduler([chain])
    run_on_threads(scheduler)
    assert chain.result.error is None
    assert ran == Counter(range(12))
    assert threads == {"build-0", "build-1"}
    assert (chain.result.units, chain.result.made, chain.result.ran) == (12, 4, ["synth"])
    assert messages(scheduler) == ["[1/1] ep: synth; 4 of 12 sentences synthesized"]
    assert re.fullmatch(r"sentences 12/12, episodes 1/1 \(\d+ s\)", scheduler.summary())


def test_units_of_two_episodes_all_run_exactly_once(tmp_path: Path):
    ran: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()

    def voicer(episode: str) -> Callable[[int], bool]:
        def unit(index: int) -> bool:
            time.sleep(0.001 * (index % 3))
            with lock:
                ran[(episode, index)] += 1
            return True

        return unit

    chains = [
        chain_of(
            tmp_path,
            name,
            [
                make_step("script", episode=name),
                make_step("synth", episode=name, units=count, run_unit=voicer(name)),
                make_step("master", episode=name),
            ],
        )
        for name, count in (("one", 9), ("two", 7))
    ]
    scheduler = Scheduler(chains)
    run_on_threads(scheduler)
    assert ran == Counter([("one", i) for i in range(9)] + [("two", i) for i in range(7)])
    assert [chain.result.ran for chain in chains] == [["script", "synth", "master"]] * 2
    assert scheduler.done == scheduler.total == 2


def test_the_voices_are_let_go_once_every_sentence_of_every_episode_is_voiced(tmp_path: Path):
    """Mastering the last episodes needs no voice: the build lets the voices go once, as soon as the last
    sentence is voiced, and never before."""
    events: list[str] = []
    lock = threading.Lock()

    def note(event: str) -> None:
        with lock:
            events.append(event)

    def unit(episode: str) -> Callable[[int], bool]:
        def run(index: int) -> bool:
            time.sleep(0.001 * (index % 3))
            note(f"voiced {episode}")
            return True

        return run

    chains = [
        chain_of(
            tmp_path,
            name,
            [
                make_step("synth", episode=name, units=count, run_unit=unit(name)),
                make_step("master", episode=name, run=lambda name=name: note(f"mastered {name}")),
            ],
        )
        for name, count in (("one", 9), ("two", 7))
    ]
    scheduler = Scheduler(chains, voiced=lambda: note("let go"))
    run_on_threads(scheduler)
    assert events.count("let go") == 1
    let_go = events.index("let go")
    assert [e for e in events[:let_go] if e.startswith("voiced")] == [
        e for e in events if e.startswith("voiced")
    ]
    assert "mastered two" in events[let_go:] or "mastered one" in events[let_go:]


def test_while_sentences_remain_one_thread_at_most_masters_and_the_others_voice(tmp_path: Path):
    """Two masterings at once while the voices are loaded would hold both their memories on top of the
    voices': the second thread voices instead, and both master only once every sentence is voiced."""
    lock = threading.Lock()
    state = {"mastering": 0, "most_while_voicing": 0, "most_after": 0, "voiced": 0}
    total = 3 + 3 + 40

    def unit(index: int) -> bool:
        time.sleep(0.002)
        with lock:
            state["voiced"] += 1
        return True

    def master() -> None:
        with lock:
            state["mastering"] += 1
            key = "most_after" if state["voiced"] == total else "most_while_voicing"
            state[key] = max(state[key], state["mastering"])
        time.sleep(0.05)
        with lock:
            state["mastering"] -= 1

    # Two short episodes reach mastering early, while the long one still has 40 sentences to voice; the
    # last two short ones are mastered together once all is voiced.
    chains = [
        chain_of(
            tmp_path,
            name,
            [make_step("synth", episode=name, units=count, run_unit=unit), make_step("master", run=master)],
        )
        for name, count in (("a", 3), ("b", 3), ("long", 40))
    ]
    run_on_threads(Scheduler(chains))
    assert [chain.result.ran for chain in chains] == [["synth", "master"]] * 3
    assert state["most_while_voicing"] == 1


def episode_steps(episode: str, ran: list[tuple[str, str]], fail: str | None) -> list[Step]:
    """script -> synth (6 units) -> master, recording what ran; `fail` names what raises."""
    lock = threading.Lock()

    def note(stage: str) -> Callable[[], None]:
        def run() -> None:
            if fail == stage:
                raise ValueError("boom")
            with lock:
                ran.append((stage, episode))

        return run

    def unit(index: int) -> bool:
        if fail == "unit" and index == 3:
            raise SynthesisError(f"content/lessons/{episode}.md: sentence 4: the engine returned silence")
        return True

    return [
        make_step("script", {"text": episode}, episode=episode, run=note("script")),
        make_step(
            "synth", {"sentences": episode}, episode=episode, run=note("synth"), units=6, run_unit=unit
        ),
        make_step("master", {"speech": episode}, episode=episode, run=note("master")),
    ]


@pytest.mark.parametrize(
    "fail, error",
    [
        ("unit", "content/lessons/bad.md: sentence 4: the engine returned silence"),
        (
            "synth",
            "content/lessons/bad.md: internal error while building (ValueError: boom); run with -vv for "
            "the details",
        ),
    ],
    ids=["a-unit", "a-step"],
)
def test_a_failure_stops_only_its_own_episode_and_only_successes_are_recorded(
    tmp_path: Path, fail: str, error: str
):
    ran: list[tuple[str, str]] = []
    bad = chain_of(tmp_path, "bad", episode_steps("bad", ran, fail))
    good = chain_of(tmp_path, "good", episode_steps("good", ran, None))
    scheduler = Scheduler([bad, good])
    run_on_threads(scheduler)

    assert bad.result.error == error
    assert [stage for stage, episode in ran if episode == "bad"] == ["script"]
    assert good.result.error is None
    assert [stage for stage, episode in ran if episode == "good"] == ["script", "synth", "master"]
    assert scheduler.done == scheduler.total == 2
    shown = sorted(line.split(" ", 1) for line in messages(scheduler))
    assert [count for count, _ in shown] == ["[1/2]", "[2/2]"]
    assert sorted(line for _, line in shown) == [
        f"bad: FAILED: {error}",
        "good: script, synth, master; 6 of 6 sentences synthesized",
    ]

    bad_state, good_state = State(bad.state.path), State(good.state.path)
    assert [bad_state.reason(step) for step in bad.steps] == [None, "never built", "never built"]
    assert [good_state.reason(step) for step in good.steps] == [None, None, None]


def test_the_step_after_a_unit_step_runs_once_every_unit_is_done(tmp_path: Path):
    events: list[str] = []
    lock = threading.Lock()

    def note(event: str) -> None:
        with lock:
            events.append(event)

    def unit(index: int) -> bool:
        time.sleep(0.002 * (index % 4))  # units finish out of order, on both threads
        note(f"unit {index}")
        return True

    steps = [
        make_step("synth", units=10, run_unit=unit, run=lambda: note("synth")),
        make_step("master", {"speech": "k"}, run=lambda: note("master")),
    ]
    run_on_threads(Scheduler([chain_of(tmp_path, "ep", steps)]))
    assert sorted(events[:10]) == sorted(f"unit {i}" for i in range(10))
    assert events[10:] == ["synth", "master"]


def test_a_stopped_build_hands_out_no_more_work(tmp_path: Path):
    ran: list[int] = []
    scheduler: Scheduler

    def unit(index: int) -> bool:
        ran.append(index)
        scheduler.stop()  # what Ctrl-C does: the running unit ends, no other starts
        return True

    chain = chain_of(tmp_path, "ep", [make_step("synth", units=5, run_unit=unit)])
    scheduler = Scheduler([chain])
    run_on_threads(scheduler, count=1)
    assert ran == [0]
    assert scheduler.done == 0 and scheduler.finished == []
    assert State(chain.state.path).reason(chain.steps[0]) == "never built"


# Products and keys


def test_a_stage_is_given_only_the_products_it_declares_and_each_with_its_makers_key():
    from pipeline.stages import master, synth

    products = Products()
    products.add(synth.Speech(("k1", "k2")), "ep", "synth-key")
    needs = products.given(master.NEEDS)
    assert needs.of(synth.Speech, "ep").keys == ("k1", "k2")
    assert needs.digest(synth.Speech, "ep") == "synth-key"  # what the master step is keyed on
    with pytest.raises(RuntimeError, match="Released is read but not declared in the stage's NEEDS"):
        needs.every(Released)
    with pytest.raises(RuntimeError, match="no Speech for other: its stage has not been planned"):
        needs.of(synth.Speech, "other")


def test_a_stage_comes_after_the_stages_making_what_it_needs_wherever_it_is_listed():
    from pipeline.stages import STAGES, in_flow_order, master, synth, tag

    @dataclasses.dataclass(frozen=True)
    class Opus(Product):
        name: str

    opus = types.SimpleNamespace(NAME="opus", NEEDS=(master.Master,), MAKES=(Opus,))
    listed = (opus, *STAGES)
    assert [stage.NAME for stage in in_flow_order(listed)][:5] == ["script", "synth", "master", "opus", "tag"]
    assert in_flow_order(STAGES) == STAGES
    backwards = (tag, master, synth)
    assert in_flow_order(backwards) == (synth, master, tag)
    # A whole-show output staged for publish, listed last: the site (whose index reads what is staged) and
    # publish wait for it, and the upload for publish.
    m4b = types.SimpleNamespace(NAME="m4b", NEEDS=(Released,), MAKES=(Staged,))
    order = [stage.NAME for stage in in_flow_order((*STAGES, m4b))]
    assert order[-4:] == ["m4b", "site", "publish", "upload"]


def test_a_key_spells_settings_by_their_named_fields_never_by_repr(monkeypatch):
    audio = Audio()
    assert digest(audio) == "0c7be00029a0733f7903627be17e8cd8be2f395c940d3ba8c30d63f8475c65fe"  # as ever
    assert digest(Audio(channels=2)) == "294c8aa45978e1b498aab5bb3f49612e706c8d866a9d34f564e3e38108eba979"
    assert digest(Audio(engine="piper")) == digest(audio)  # each voice names its engine: no new master
    monkeypatch.setattr(Audio, "__repr__", lambda self: "Audio()")
    assert digest(audio) == "0c7be00029a0733f7903627be17e8cd8be2f395c940d3ba8c30d63f8475c65fe"
