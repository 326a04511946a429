"""What steps hand on to the steps of other stages: products, and what a stage's plan may read of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast


class Product:
    """What a step makes for the steps of other stages: a frozen dataclass deriving from this, named in its
    stage's MAKES and in the NEEDS of the stages that read it. The graph hands it on with its digest, the key
    of the step that made it (a step keyed on that digest is stale whenever the maker's key changed)."""


P = TypeVar("P", bound=Product)


class Needs:
    """The products a stage's plan reads: those of the types in its NEEDS (a type it did not declare is an
    error), each made for an episode (by its id) or for the show (by the step's name)."""

    def __init__(
        self,
        made: dict[type[Product], dict[str | None, tuple[Product, str]]],
        planned: set[type[Product]],
        allowed: frozenset[type[Product]] | None = None,
    ) -> None:
        self._made, self._planned, self._allowed = made, planned, allowed

    def of(self, kind: type[P], subject: str | None = None) -> P:
        """The product of that type made for `subject` (None: the only one of that type)."""
        return cast(P, self._entry(kind, subject)[0])

    def get(self, kind: type[P], subject: str | None = None) -> P | None:
        """The product of that type made for `subject`, or None when none was (its stage was not planned)."""
        return cast(P, found[0]) if (found := self._entries(kind).get(subject)) else None

    def digest(self, kind: type[Product], subject: str | None = None) -> str:
        """The digest of that product: the key of the step that made it, for the steps keyed on it."""
        return self._entry(kind, subject)[1]

    def every(self, kind: type[P]) -> list[P]:
        """Every product of that type, in the order they were made."""
        return [cast(P, product) for product, _digest in self._entries(kind).values()]

    def planned(self, kind: type[Product]) -> bool:
        """Whether a stage that makes `kind` was planned in this build (it may have made none)."""
        self._entries(kind)
        return kind in self._planned

    def _entries(self, kind: type[Product]) -> dict[str | None, tuple[Product, str]]:
        if self._allowed is not None and kind not in self._allowed:
            raise RuntimeError(f"{kind.__name__} is read but not declared in the stage's NEEDS")
        return self._made.get(kind, {})

    def _entry(self, kind: type[Product], subject: str | None) -> tuple[Product, str]:
        entries = self._entries(kind)
        if subject is None and len(entries) == 1:
            return next(iter(entries.values()))
        if subject not in entries:
            raise RuntimeError(
                f"no {kind.__name__} for {subject or 'the show'}: its stage has not been planned"
            )
        return entries[subject]


class Products(Needs):
    """Every product made so far, and the product types whose stages were planned (even if they made none):
    the graph fills it, and gives each stage's plan the part it declared (`given`)."""

    def __init__(self) -> None:
        super().__init__({}, set())

    def add(self, product: Product, subject: str | None = None, digest: str = "") -> None:
        self._made.setdefault(type(product), {})[subject] = (product, digest)

    def mark_planned(self, kinds: Iterable[type[Product]]) -> None:
        self._planned.update(kinds)

    def given(self, needs: Iterable[type[Product]]) -> Needs:
        """The products of the types in `needs` (a stage's NEEDS), as they are and as they will be."""
        return Needs(self._made, self._planned, frozenset(needs))


@dataclass(frozen=True)
class Staged(Product):
    """Files a step wrote beside their places, for the publish stage to check and put live; its run returns it
    (only a step that ran staged anything)."""

    files: tuple[tuple[Path, Path], ...]  # (temporary, final)
