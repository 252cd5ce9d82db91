"""``@frozen`` values behave as ``@dataclass(frozen=True)`` ones do, for every use the layer makes."""

from __future__ import annotations

import dataclasses
import re

import pytest

from paylox.values import frozen


@frozen
class Money:
    amount: int
    currency: str = "TRY"
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class MoneyAsDataclass:
    amount: int
    currency: str = "TRY"
    tags: list[str] = dataclasses.field(default_factory=list)


@frozen
class Keyed:
    name: str
    pattern: re.Pattern[str] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(re.escape(self.name)))


@frozen
class Shouting:
    word: str

    def __repr__(self) -> str:
        return self.word.upper()


@pytest.mark.parametrize("kind", [Money, MoneyAsDataclass])
def test_construction_defaults_and_factories_are_those_of_a_frozen_dataclass(kind):
    first, second = kind(5), kind(5)
    assert (first.amount, first.currency, first.tags) == (5, "TRY", [])
    assert first.tags is not second.tags  # a factory per instance
    assert kind(7, "EUR", ["a"]) == kind(amount=7, currency="EUR", tags=["a"])


def test_equality_hash_and_repr_match_a_frozen_dataclass():
    assert Money(5) == Money(5) and Money(5) != Money(6)
    assert Money(5) != MoneyAsDataclass(5)  # another class is never equal
    assert hash(Money(5, tags=())) == hash(Money(5, tags=()))  # type: ignore[arg-type]
    assert repr(Money(5)) == "Money(amount=5, currency='TRY', tags=[])"
    assert repr(MoneyAsDataclass(5)).replace("MoneyAsDataclass", "Money") == repr(Money(5))


def test_assignment_and_deletion_are_refused():
    money = Money(5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        money.amount = 6  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del money.amount  # type: ignore[misc]


def test_wrong_arguments_are_refused_as_a_dataclass_refuses_them():
    with pytest.raises(TypeError, match="missing"):
        Money()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected"):
        Money(5, colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="repeated"):
        Money(5, amount=6)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional"):
        Money(5, "TRY", [], "extra")  # type: ignore[call-arg]


def test_a_field_set_after_init_is_left_out_of_repr_equality_and_arguments():
    keyed = Keyed("a.b")
    assert keyed.pattern.fullmatch("a.b") and not keyed.pattern.fullmatch("axb")
    assert keyed == Keyed("a.b") and hash(keyed) == hash(Keyed("a.b"))
    assert repr(keyed) == "Keyed(name='a.b')"
    with pytest.raises(TypeError):
        Keyed("a", pattern=None)  # type: ignore[call-arg]


def test_the_dataclass_helpers_and_pattern_matching_work_on_it():
    money = Money(5, tags=["x"])
    assert dataclasses.is_dataclass(money)
    assert [spec.name for spec in dataclasses.fields(money)] == ["amount", "currency", "tags"]
    assert dataclasses.asdict(money) == {"amount": 5, "currency": "TRY", "tags": ["x"]}
    assert dataclasses.replace(money, currency="EUR") == Money(5, "EUR", ["x"])
    match money:
        case Money(amount, currency):
            assert (amount, currency) == (5, "TRY")
        case _:
            pytest.fail("no match")


def test_a_method_the_class_writes_itself_is_kept():
    assert repr(Shouting("hey")) == "HEY"
