"""How a key spells a value: a dataclass by its class and named fields, never by its repr (which a field may
leave out for display, and which is free to change), anything else as Python writes it."""

from __future__ import annotations

import dataclasses


def spelled(value: object) -> str:
    """`Audio(loudness=-19.0, ...)` for a dataclass: the fields its KEYED names (those that change what is
    made), else all of them in order, each spelled in turn; text, numbers and tuples as Python writes them."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return repr(value)
    names = getattr(value, "KEYED", None) or tuple(field.name for field in dataclasses.fields(value))
    fields = (f"{name}={spelled(getattr(value, name))}" for name in names)
    return f"{type(value).__qualname__}({', '.join(fields)})"
