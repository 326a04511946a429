"""The build's threads. Each episode is a chain of stale steps run in order; a step made of independent units
(the sentences to voice) shares them among all threads. Finishing a chain whose units are all done comes
first, otherwise the next unit of the first chain still in progress: threads share an episode's sentences and
episodes reach mastering one at a time. While sentences remain, one thread at most masters: on two cores one
thread masters while the other synthesizes, the pairing in which they slow each other least, and the memory
of two masterings never comes on top of the loaded voices'. Once all is voiced, every thread masters."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import CertQuestsError
from ..stages.base import Step
from .state import State
from .usage import cpu_seconds

log = logging.getLogger(__name__)


@dataclass
class ChainResult:
    id: str
    where: str  # the lesson file, for messages
    ran: list[str] = field(default_factory=list)
    made: int = 0  # units that made something new (sentences synthesized)
    units: int = 0
    audio_seconds: float = 0.0
    error: str | None = None
    stage_cpu: dict[str, float] = field(default_factory=dict)  # exact per stage only with one thread


@dataclass
class Chain:
    """One episode's stale steps and how far the threads have got with them."""

    steps: list[Step]
    state: State
    result: ChainResult
    position: int = 0  # the next step to run
    todo: list[int] = field(default_factory=list)  # units of the current step not yet handed out
    running: int = 0  # units a thread is on
    shared: int = -1  # the position whose units were handed out

    @property
    def current(self) -> Step | None:
        return self.steps[self.position] if self.position < len(self.steps) else None


class Scheduler:
    """`voiced` is called once, on the thread that voiced the build's last sentence, when every unit is
    done."""

    def __init__(self, chains: list[Chain], voiced: Callable[[], None] | None = None):
        self.chains, self.total, self.done = chains, len(chains), 0
        self.voiced = voiced
        self.finished: list[ChainResult] = []
        self.messages: queue.SimpleQueue[str] = (
            queue.SimpleQueue()
        )  # progress lines, shown by the main thread
        self.lock = threading.Condition()
        self.stopping = False
        self.ready: list[Chain] = list(chains)  # chains whose next step runs on one thread
        self.active: list[Chain] = []  # chains whose current step's units are being handed out
        self.mastering = 0  # threads advancing a chain past its units
        self.units = sum(step.units for chain in chains for step in chain.steps)
        self.units_done = 0
        self.started = time.perf_counter()

    def _next(self) -> tuple[Chain, int | None] | None:
        with self.lock:
            while True:
                if self.stopping or self.done == self.total:
                    return None
                chain = self._advanceable()
                if chain is not None:
                    self.ready.remove(chain)
                    self.mastering += chain.shared >= 0
                    return chain, None
                for chain in self.active:
                    if chain.todo:
                        chain.running += 1
                        return chain, chain.todo.pop(0)
                self.lock.wait()

    def _advanceable(self) -> Chain | None:
        """The first ready chain this thread may advance. While sentences remain to be voiced, the voices are
        held, and only one thread at a time takes an episode past its sentences (mastering it): the others
        voice, rather than add a second mastering's memory to the voices'."""
        for chain in self.ready:
            past_units = chain.shared >= 0
            if not past_units or not self.mastering or self.units_done == self.units:
                return chain
        return None

    def work(self) -> None:
        try:
            while (task := self._next()) is not None:
                chain, unit = task
                if unit is None:
                    mastering = chain.shared >= 0
                    try:
                        self.advance(chain)
                    finally:
                        if mastering:
                            with self.lock:
                                self.mastering -= 1
                                self.lock.notify_all()
                else:
                    self.run_unit(chain, unit)
        except BaseException:  # a bug in the scheduling itself: stop everyone rather than wait forever
            log.debug("build thread failed", exc_info=True)
            self.stop()

    def advance(self, chain: Chain) -> None:
        """Run the chain's steps in order, saving state after each, until one has units to share."""
        result = chain.result
        while (step := chain.current) is not None:
            if step.units and chain.shared != chain.position:
                with self.lock:
                    chain.shared = chain.position
                    chain.todo = list(range(step.units))
                    self.active.append(chain)
                    self.lock.notify_all()
                return
            started = cpu_seconds()
            try:
                seconds = step.run()
                chain.state.record(step)
            except Exception as exc:  # noqa: BLE001 - reported with the episode, the others go on
                result.error = describe(result.where, exc)
                break
            if isinstance(seconds, float):  # the seconds of audio it made
                result.audio_seconds = seconds
            result.ran.append(step.stage)
            result.stage_cpu[step.stage] = result.stage_cpu.get(step.stage, 0.0) + cpu_seconds() - started
            log.debug("%s: %s took %.2f s of CPU", result.id, step.stage, result.stage_cpu[step.stage])
            chain.position += 1
        with self.lock:
            self._complete(chain)
            self.lock.notify_all()

    def run_unit(self, chain: Chain, unit: int) -> None:
        step, result = chain.current, chain.result
        assert step is not None and step.run_unit is not None
        started, made, error = cpu_seconds(), False, None
        try:
            made = step.run_unit(unit)
        except Exception as exc:  # noqa: BLE001 - reported with the episode, the others go on
            error = describe(result.where, exc)
        with self.lock:
            result.stage_cpu[step.stage] = result.stage_cpu.get(step.stage, 0.0) + cpu_seconds() - started
            result.made += made
            result.units += 1
            self.units_done += 1
            chain.running -= 1
            if error and not result.error:
                result.error, chain.todo = error, []
            if not chain.todo and not chain.running:
                self.active.remove(chain)
                if result.error:
                    self._complete(chain)
                else:
                    self.ready.append(chain)
            self.lock.notify_all()
            last = self.units_done == self.units
        if last and self.voiced is not None:
            self.voiced()

    def _complete(self, chain: Chain) -> None:
        """Count a finished (or failed) chain; called with the lock held."""
        result = chain.result
        self.done += 1
        self.finished.append(result)
        if result.error:
            self.messages.put(
                f"[{self.done}/{self.total}] {result.id}: FAILED: {result.error.splitlines()[0]}"
            )
            return
        detail = ", ".join(result.ran) or "nothing"
        extra = f"; {result.made} of {result.units} sentences synthesized" if result.units else ""
        self.messages.put(f"[{self.done}/{self.total}] {result.id}: {detail}{extra}")

    def summary(self) -> str:
        """The one-line state of the build, for a live display."""
        units = f"sentences {self.units_done}/{self.units}, " if self.units else ""
        return f"{units}episodes {self.done}/{self.total} ({time.perf_counter() - self.started:.0f} s)"

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            self.lock.notify_all()


def describe(where: str, exc: Exception) -> str:
    if isinstance(exc, CertQuestsError):
        return exc.format_message()
    log.debug("%s: unexpected error", where, exc_info=exc)  # a bug: keep building the other episodes
    return (
        f"{where}: internal error while building ({type(exc).__name__}: {exc}); run with -vv for the details"
    )
