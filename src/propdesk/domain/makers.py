"""Fast constructors for the frozen attrs classes built on hot paths.

attrs makes a frozen slotted class's ``__init__`` set each field through a
bound ``object.__setattr__`` (plain assignment is refused).  :func:`slot_maker`
writes a function that sets the slots through their own descriptors instead,
with every field given in order: a third cheaper for an :class:`Event`, which
``decide`` makes for every accepted command.  The classes involved have no
validators or converters, so both ways build equal objects (the tests check
it).

The dict-backed classes (``slots=False``: tickets, work orders, commands)
are built by installing a whole instance dict; :func:`dict_setter` installs
it through the class's own ``__dict__`` descriptor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


def slot_maker(cls: type[T]) -> Callable[..., T]:
    """``cls(*fields)`` with every field given positionally, in declaration order."""
    if "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted class")
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # (an attrs class, T unbound)
    names = [a.name for a in fields]
    for a in fields:
        if a.validator is not None or a.converter is not None:
            raise TypeError(f"{cls.__name__}.{a.name} has a validator or converter")
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
