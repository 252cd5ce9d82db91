"""``@frozen``: an immutable value class, what ``@record`` gives, made cheaply.

``@record`` writes the source of ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__`` and ``__delattr__`` for each class and compiles it: about 0.4 ms of CPU per class
when its module is imported, and a route loads 20 to 40 of the layer's value classes in its cold
start. ``@frozen`` asks the dataclass machinery for the fields only (nothing to compile) and gives
the class those methods written once, here. The class is still a dataclass: ``dataclasses.fields``,
``replace`` and ``asdict`` work on it, and type checkers read the decorator as a frozen dataclass
(``dataclass_transform``), constructor arguments included.

What differs from ``@record``: nothing a caller sees but speed (building an
instance walks the fields in Python; a value is built a few times per request, not thousands).
Ordering, ``slots`` and ``kw_only`` are not offered: the layer's values use none of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, dataclass_transform

_FIELDS = "__frozen_fields__"  # the dataclass fields, in order


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen[T](cls: type[T]) -> type[T]:
    """Make ``cls`` an immutable value class (see the module's docstring)."""
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    specs = dataclasses.fields(made)
    setattr(made, _FIELDS, specs)
    setattr(made, "__match_args__", tuple(spec.name for spec in specs if spec.init))  # noqa: B010 - mypy refuses it
    own = vars(made)
    for name, method in _METHODS.items():
        if name not in own:  # as @dataclass, a method the class writes itself is kept
            setattr(made, name, method)
    return cls


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    specs: tuple[dataclasses.Field[Any], ...] = getattr(type(self), _FIELDS)
    takes = [spec.name for spec in specs if spec.init]
    if len(args) > len(takes):
        raise TypeError(f"{type(self).__name__}() takes {len(takes)} positional arguments, {len(args)} given")
    given = dict(zip(takes, args, strict=False))
    for name in kwargs:
        if name in given or name not in takes:
            raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {name!r}")
    given.update(kwargs)
    for spec in specs:
        if spec.init and spec.name in given:
            value = given[spec.name]
        elif spec.default is not dataclasses.MISSING:
            value = spec.default
        elif spec.default_factory is not dataclasses.MISSING:
            value = spec.default_factory()
        elif spec.init:
            raise TypeError(f"{type(self).__name__}() missing required argument {spec.name!r}")
        else:
            continue  # init=False without a default: __post_init__ sets it, as with @dataclass
        object.__setattr__(self, spec.name, value)
    if hasattr(self, "__post_init__"):
        self.__post_init__()


def _compared(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, spec.name) for spec in getattr(type(self), _FIELDS) if spec.compare)


def _repr(self: Any) -> str:
    specs = getattr(type(self), _FIELDS)
    shown = ", ".join(f"{spec.name}={getattr(self, spec.name)!r}" for spec in specs if spec.repr)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: object) -> Any:  # bool, or NotImplemented for another class
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _compared(self) == _compared(other)


def _hash(self: Any) -> int:
    specs = getattr(type(self), _FIELDS)
    hashed = (spec for spec in specs if (spec.compare if spec.hash is None else spec.hash))
    return hash(tuple(getattr(self, spec.name) for spec in hashed))


def _frozen(self: Any, name: str, *_: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


_METHODS: dict[str, Callable[..., Any]] = {
    "__init__": _init,
    "__repr__": _repr,
    "__eq__": _eq,
    "__hash__": _hash,
    "__setattr__": _frozen,
    "__delattr__": _frozen,
}
