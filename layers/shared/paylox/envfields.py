"""Dataclass fields read from environment variables: what :mod:`paylox.config` is built on.

A field is declared in one line, ``name: Type = setting("ENV_NAME", default=..., ge=1)``: its type
says how the text is read (``str``, ``int``, ``float``, a ``Literal`` of choices, or one of the
aliases below), ``setting`` the variable, the default and the rules the value must meet.
:func:`read_fields` reads them all and reports every problem at once.

Plain dataclasses rather than a pydantic model: every function reads its settings at cold start,
and building a pydantic schema and validator for ~80 fields cost several times what reading them
does. For the same reason the class asks the dataclass decorator for no generated code
(``init=False, repr=False, eq=False``, not ``frozen``): for ~80 fields compiling it cost about as
much again. :class:`FromEnvironment` gives a generic ``__init__`` and ``__repr__`` and refuses
assignments, as a frozen dataclass does.
"""

import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, FrozenInstanceError, field, fields
from functools import partial
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin


# ---------------------------------------------------------------- how a value is read from its text
def _whole_number(text: str) -> int:
    # As pydantic read it: spaces around, a sign, underscores and a zero fraction ("30.0") pass.
    whole, _, fraction = text.strip().partition(".")
    if not whole.isascii() or fraction.strip("0"):
        raise ValueError("expected a whole number")
    try:
        return int(whole)
    except ValueError:
        raise ValueError("expected a whole number") from None


def _number(text: str) -> float:
    try:
        return float(text if text.isascii() else "")
    except ValueError:
        raise ValueError("expected a number") from None


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _networks(text: str) -> list[str]:
    networks = _csv(text)
    for network in networks:
        ipaddress.ip_network(network, strict=False)  # a typo must fail the cold start, not every webhook
    return networks


def _true_or_false(text: str) -> bool:
    if text.strip().lower() not in ("true", "false"):
        raise ValueError("expected true or false")
    return text.strip().lower() == "true"


def _empty_is_none(text: str) -> str | None:
    return None if text == "" else text


def _one_of(choices: tuple[str, ...], text: str) -> str:
    if text not in choices:
        raise ValueError("expected one of " + ", ".join(choices))
    return text


#: Comma-separated values, each stripped, empty ones dropped (``a@x.tr, b@x.tr,``).
CsvList = Annotated[list[str], _csv]
#: Comma-separated CIDR blocks (``203.0.113.0/24, 2001:db8::/32``), checked at cold start.
CidrList = Annotated[list[str], _networks]
#: A switch written ``true`` or ``false`` (any case): a typo must fail the cold start, not read as off.
TrueOrFalse = Annotated[bool, _true_or_false]
#: A URL that may be left empty (a template default of ""), then None.
OptionalUrl = Annotated[str | None, _empty_is_none]

_PLAIN: dict[object, Callable[[str], object]] = {str: str, int: _whole_number, float: _number}


def _reader(kind: Any) -> Callable[[str], object]:
    """How a field of type ``kind`` reads its text: an alias above, a ``Literal`` of choices, or plain."""
    if get_origin(kind) is Annotated:
        reader: Callable[[str], object] = kind.__metadata__[0]
        return reader
    if get_origin(kind) is Literal:
        return partial(_one_of, get_args(kind))
    return _PLAIN[kind]


# ---------------------------------------------------------------- the rules a value must meet
#: rule -> (whether a value meets the rule's limit, how a refusal reads)
_RULES: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "gt": (operator.gt, "must be greater than {}"),
    "ge": (operator.ge, "must be at least {}"),
    "le": (operator.le, "must be at most {}"),
    "min_length": (lambda value, limit: len(value) >= limit, "length must be at least {}"),
    "max_length": (lambda value, limit: len(value) <= limit, "length must be at most {}"),
    "pattern": (lambda value, pattern: re.fullmatch(pattern, value) is not None, "must match {}"),
}


def setting(env: str, default: Any = MISSING, **rules: Any) -> Any:
    """A field read from the environment variable ``env``: required unless it has a ``default``;
    ``rules`` (``gt ge le min_length max_length pattern``) are checked on what is read, never on
    the default."""
    if unknown := rules.keys() - _RULES.keys():
        raise TypeError(f"{env}: unknown rules {sorted(unknown)}")
    metadata = {"env": env, "rules": rules}
    if isinstance(default, list):  # each instance its own list, as dataclasses require
        return field(default_factory=default.copy, metadata=metadata)
    return field(default=default, metadata=metadata)


class FromEnvironment:
    """Base of a dataclass of settings (``slots=True, init=False, repr=False, eq=False``): built
    from every field by name, as :func:`read_fields` and ``dataclasses.replace`` give them, and
    read-only after."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def __init__(self, **values: Any) -> None:
        for spec in fields(self):
            object.__setattr__(self, spec.name, values.pop(spec.name))
        if values:
            raise TypeError(f"{type(self).__name__} has no fields {sorted(values)}")

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({', '.join(f'{spec.name}={getattr(self, spec.name)!r}' for spec in fields(self))})"
        )


def _read(spec: Field[Any], environment: Mapping[str, str]) -> object:
    """The value of one field from ``environment``; ``ValueError`` saying what is wrong with it."""
    text = environment.get(spec.metadata["env"])
    if text is None:
        if spec.default_factory is not MISSING:
            return spec.default_factory()
        if spec.default is MISSING:
            raise ValueError("missing")
        return spec.default
    value = _reader(spec.type)(text)
    if value is not None:  # an empty optional URL meets every rule
        for rule, limit in spec.metadata["rules"].items():
            meets, refusal = _RULES[rule]
            if not meets(value, limit):
                raise ValueError(refusal.format(limit))
    return value


def read_fields(cls: type[FromEnvironment], environment: Mapping[str, str]) -> tuple[dict[str, object], list[str]]:
    """Every field of ``cls`` read from ``environment`` (by name) and every problem found, as
    ``"<ENV_NAME>: <what is wrong>"``. Variables that are no field's are ignored."""
    values: dict[str, object] = {}
    problems: list[str] = []
    for spec in fields(cls):
        try:
            values[spec.name] = _read(spec, environment)
        except ValueError as exc:
            problems.append(f"{spec.metadata['env']}: {exc}")
    return values, problems
