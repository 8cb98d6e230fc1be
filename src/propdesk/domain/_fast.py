"""Fast construction of the frozen attrs classes on hot paths (private).

The domain's classes are plain attrs classes; this module is the one place
that builds some of them without attrs' keyword ``__init__``, past the
frozen class's ``__setattr__``, the way that is fastest in the running build
(Python or compiled with mypyc, docs/speed.md).  Callers get a constructor
once per class and call it; none of them knows which build runs.

- :func:`positional`: ``make(*fields)`` of a slotted class;
- :func:`dict_installer`: ``install(obj, d)``, ``d`` the instance dict of a
  new instance ``obj`` of a dict-backed class (``d`` given up by the caller);
- :func:`named_tuple`: ``make(values)``, an instance of a ``NamedTuple`` class;
- :func:`replacer`: ``replace(obj, changes)``, a copy with ``changes``
  (what ``attrs.evolve`` gives, without re-running ``__init__``).

Only classes without validators or converters are accepted, so every way
builds what the class's own constructor builds (the tests check it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import FunctionType
from typing import Any, Final, TypeVar, cast

import attrs

T = TypeVar("T")


def _probe() -> None:
    """A function of this module: compiled, it is no Python function."""


COMPILED: Final[bool] = not isinstance(_probe, FunctionType)
"""Whether this module runs compiled with mypyc (the hot modules are compiled
together, ``setup.py``)."""


def _plain_fields(cls: type) -> list[str]:
    fields = attrs.fields(cls)
    for a in fields:
        if a.validator is not None or a.converter is not None:
            raise TypeError(f"{cls.__name__}.{a.name} has a validator or converter")
    return [a.name for a in fields]


def positional(cls: type[T]) -> Callable[..., T]:
    """``make(*fields)``: ``cls(*fields)`` of a slotted class, every field given
    positionally, in declaration order."""
    if "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted class")
    names = _plain_fields(cls)
    if COMPILED:
        return _compiled_positional(cls, tuple(names))
    # the slots' own setters, in a function generated once per class from its
    # field names (identifiers, no user input)
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = [f"def make({', '.join(names)}):", "    self = _new(_cls)"]
    for i, name in enumerate(names):
        namespace[f"_set{i}"] = getattr(cls, name).__set__
        body.append(f"    _set{i}(self, {name})")
    body.append("    return self")
    exec("\n".join(body), namespace)
    make: Callable[..., T] = namespace["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    return make


def _compiled_positional(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    new = object.__new__
    count = len(names)
    qualname = cls.__qualname__

    def make(*values: Any) -> T:
        if len(values) != count:
            raise TypeError(f"{qualname} takes {count} fields, {len(values)} given")
        self: T = new(cls)
        for i in range(count):
            object.__setattr__(self, names[i], values[i])
        return self

    return make


def _dict_setter(cls: type) -> Callable[[Any, dict[str, Any]], None]:
    """The setter of the ``__dict__`` descriptor ``cls`` inherits."""
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get("__dict__")
        if descriptor is not None:
            setter: Callable[[Any, dict[str, Any]], None] = descriptor.__set__
            return setter
    raise TypeError(f"{cls.__name__} is not a dict-backed class")


def dict_installer(cls: type) -> Callable[[Any, dict[str, Any]], None]:
    """``install(obj, d)``: make ``d`` the instance dict of ``obj``, a new
    instance of the dict-backed ``cls`` (``object.__new__(cls)``); ``d`` must
    hold every field, in declaration order, and is given up by the caller."""
    _plain_fields(cls)
    set_dict = _dict_setter(cls)
    if COMPILED:
        def install(obj: Any, d: dict[str, Any]) -> None:
            object.__setattr__(obj, "__dict__", d)

        return install
    return set_dict


def named_tuple(cls: type[T]) -> Callable[[tuple[Any, ...]], T]:
    """``make(values)``: ``cls(*values)`` of a ``NamedTuple`` class, without its
    Python-level ``__new__``; ``values`` holds every field, in order (unchecked)."""
    if not (issubclass(cls, tuple) and hasattr(cls, "_fields")):
        raise TypeError(f"{cls.__name__} is not a named tuple class")
    return cast(Callable[[tuple[Any, ...]], T], partial(tuple.__new__, cls))


def replacer(cls: type[T]) -> Callable[[T, dict[str, Any]], T]:
    """``replace(obj, changes)``: a copy of an instance of ``cls`` with ``changes``."""
    names = _plain_fields(cls)
    if "__slots__" not in cls.__dict__:
        new = object.__new__
        set_dict = _dict_setter(cls)
        if COMPILED:
            def replace_compiled(obj: T, changes: dict[str, Any]) -> T:
                d: dict[str, Any] = obj.__dict__.copy()
                d.update(changes)
                copy: T = new(cls)
                object.__setattr__(copy, "__dict__", d)
                return copy

            return replace_compiled

        # a plain dict copies with one memcpy, where updating a fresh
        # instance's key-sharing dict inserts key by key
        def replace_dict(obj: T, changes: dict[str, Any]) -> T:
            d: dict[str, Any] = obj.__dict__.copy()
            d.update(changes)
            copy: T = new(cls)
            set_dict(copy, d)
            return copy

        return replace_dict
    build = positional(cls)

    def replace_slots(obj: T, changes: dict[str, Any]) -> T:
        get = changes.get
        return build(*[get(n, getattr(obj, n)) for n in names])

    return replace_slots
