"""Fast constructors for the frozen attrs classes built on hot paths.

attrs makes a frozen slotted class's ``__init__`` set each field through a
bound ``object.__setattr__`` (plain assignment is refused), and handles
keywords and defaults in Python code.  The hot paths build their objects
themselves instead, in one of two ways, by :data:`COMPILED`:

- compiled with mypyc (docs/speed.md), ``object.__setattr__(obj, "field",
  value)`` written out: mypyc turns each into one C call (the generic
  set-attribute, past the class's frozen ``__setattr__``); a whole instance
  dict of a dict-backed class (``slots=False``: tickets, work orders,
  commands) is installed as ``object.__setattr__(obj, "__dict__", d)``;
- as Python, the same through the descriptors' own setters, a third cheaper
  in the interpreter than ``object.__setattr__``: :func:`slot_maker` writes a
  positional constructor of a slotted class, :func:`dict_setter` gives the
  setter of a dict-backed class's ``__dict__``.

The classes built this way have no validators or converters, so every way
builds equal objects (the tests check it).
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any, Final, TypeVar

import attrs

T = TypeVar("T")


def _probe() -> None:
    """A function of this module: compiled, it is no Python function."""


COMPILED: Final[bool] = not isinstance(_probe, FunctionType)
"""Whether this module runs compiled with mypyc.  The hot modules are compiled
together (``setup.py``), so it stands for them all; were it wrong, they would
only run slower."""


def slot_maker(cls: type[T]) -> Callable[..., T]:
    """``cls(*fields)`` with every field given positionally, in declaration order."""
    if "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted class")
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # (an attrs class, T unbound)
    names = [a.name for a in fields]
    for a in fields:
        if a.validator is not None or a.converter is not None:
            raise TypeError(f"{cls.__name__}.{a.name} has a validator or converter")
    if COMPILED:
        return _compiled_maker(cls, tuple(names))
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    params = ", ".join(names)
    body = [f"def make({params}):", "    self = _new(_cls)"]
    for i, name in enumerate(names):
        namespace[f"_set{i}"] = getattr(cls, name).__set__
        body.append(f"    _set{i}(self, {name})")
    body.append("    return self")
    # generated once per class from its field names (identifiers), no user input
    exec("\n".join(body), namespace)
    make: Callable[..., T] = namespace["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    return make


def _compiled_maker(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    """The compiled build's :func:`slot_maker`: the fields set in a loop, each
    ``object.__setattr__`` one C call."""
    new = object.__new__
    count = len(names)
    qualname = cls.__qualname__

    def make(*values: Any) -> T:
        if len(values) != count:
            raise TypeError(f"{qualname} takes {count} fields, {len(values)} given")
        self: T = new(cls)
        for i in range(count):  # (indexing: a zip makes a tuple per field)
            object.__setattr__(self, names[i], values[i])
        return self

    return make


def dict_setter(cls: type) -> Callable[[Any, dict[str, Any]], None]:
    """``set(instance, d)`` installs ``d`` as the ``__dict__`` of an instance of the
    dict-backed ``cls``: ``object.__setattr__(instance, "__dict__", d)`` (which a
    frozen class needs, its own ``__setattr__`` refuses), a third cheaper, through
    the ``__dict__`` descriptor the class inherits."""
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get("__dict__")
        if descriptor is not None:
            setter: Callable[[Any, dict[str, Any]], None] = descriptor.__set__
            return setter
    raise TypeError(f"{cls.__name__} is not a dict-backed class")
