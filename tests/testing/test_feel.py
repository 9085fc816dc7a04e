from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeebe_router.testing._engine.feel import (
    Expression,
    ExpressionCache,
    FeelError,
    compile_expression,
    evaluate,
)

VARIABLES: dict[str, Any] = {
    "amount": 150,
    "price": 19.99,
    "approved": True,
    "rejected": False,
    "nothing": None,
    "name": "Ada",
    "tags": ["vip", "eu"],
    "order": {"id": "o-1", "customer": {"tier": "gold", "age": 42}, "lines": [{"qty": 2}]},
    "order_2": 7,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # literals
        ("42", 42),
        ("-7", -7),
        ("3.25", 3.25),
        (".5", 0.5),
        ('"hello"', "hello"),
        ('"say \\"hi\\"\\n\\t\\\\"', 'say "hi"\n\t\\'),
        ('"caf\\u00e9 \\ud83d\\ude00"', "café 😀"),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[1, 2, 3]", [1, 2, 3]),
        ("[]", []),
        # names and paths
        ("amount", 150),
        ("order_2", 7),
        ("order.customer.tier", "gold"),
        ("order.customer.missing", None),
        ("missing", None),
        ("missing.deeper.path", None),
        ("amount.field", None),
        ("order.lines.qty", [2]),
        ("(order).id", "o-1"),
        # comparisons
        ("amount > 100", True),
        ("amount >= 150", True),
        ("amount < 150", False),
        ("amount <= 149", False),
        ("amount = 150", True),
        ("amount != 150", False),
        ("amount = 150.0", True),
        ('name = "Ada"', True),
        ('name < "Bob"', True),
        ('order.customer.tier = "gold"', True),
        ("approved = true", True),
        ('tags = ["vip", "eu"]', True),
        ("[1, 2] = [1, 3]", False),
        ("[1] = [1, 2]", False),
        # null and type mismatches follow FEEL: null instead of an error
        ("null = null", True),
        ("missing = null", True),
        ("amount = null", False),
        ("null != null", False),
        ("amount != null", True),
        ("amount < null", None),
        ("missing > 3", None),
        ('amount < "200"', None),
        ('amount = "150"', None),
        ('amount != "150"', None),
        ("true < false", None),
        ("approved = 1", None),
        # boolean logic with FEEL's three-valued tables
        ("true and true", True),
        ("true and false", False),
        ("true and null", None),
        ("false and null", False),
        ("null and false", False),
        ("null and null", None),
        ("true or false", True),
        ("false or false", False),
        ("true or null", True),
        ("null or true", True),
        ("false or null", None),
        ("null or null", None),
        ("1 and true", None),
        ('false or "x"', None),
        ("not(true)", False),
        ("not(false)", True),
        ("not(null)", None),
        ("not(amount)", None),
        ("not(amount > 100)", False),
        ("amount > 100 and not(rejected)", True),
        ("amount > 1000 or approved", True),
        ("rejected or nothing", None),
        # precedence and parentheses
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 2 - 3", 5),
        ("2 * 3 = 6 and 1 < 2", True),
        ("false and true or true", True),
        ("false and (true or true)", False),
        ("-amount + 200", 50),
        ("- -3", 3),
        ("-(2 + 3)", -5),
        # arithmetic
        ("amount * 2", 300),
        ("7 / 2", 3.5),
        ("8 / 2", 4),
        ("1 / 0", None),
        ("0.1 + 0.2 = 0.3", True),
        ("price * 3", 59.97),
        ('"con" + "cat"', "concat"),
        ('1 + "a"', None),
        ("missing + 1", None),
        ("-name", None),
        # between and in
        ("amount between 100 and 200", True),
        ("amount between 151 and 200", False),
        ("amount between 150 and 150", True),
        ('name between "A" and "B"', True),
        ("missing between 1 and 2", None),
        ("amount in [1, 150]", True),
        ("amount in [1, 2]", False),
        ("amount in (150, 151)", True),
        ("amount in (1)", False),
        ("amount in 150", True),
        ('"vip" in tags', True),
        ('"us" in tags', False),
        ("missing in [null]", True),
        ("missing in [1]", False),
        ("amount in []", False),
    ],
)
def test_evaluates_supported_expressions(source: str, expected: Any) -> None:
    result = evaluate(source, VARIABLES)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1 +", "unexpected end"),
        ("(1 + 2", "expected ')'"),
        ("[1, 2", "expected ',' or ']'"),
        ("1 2", "unexpected '2'"),
        ("a..b", "expected a name after '.'"),
        ('"abc', "unterminated string"),
        ('"\\q"', "unknown escape"),
        ('"\\u12"', "four hex digits"),
        ('"\\ud800"', "unpaired surrogate"),
        ("upper case(name)", "unexpected 'case'"),
        ("count(tags)", "function 'count' is not supported"),
        ("not true", "expected '('"),
        ("amount ? 1", "unexpected character '?'"),
        ("amount between 1", "expected 'and'"),
        ("a = = b", "unexpected '='"),
        ("order-id", None),
        ("x in", "unexpected end"),
        ("{a: 1}", "unexpected character '{'"),
        ("(" * 40 + "1" + ")" * 40, "brackets nested deeper"),
        ("-" * 200 + "1", "operators nested deeper"),
        (" or ".join(["a"] * 150), "operators nested deeper"),
        ("1" * 100_001, "longer than"),
    ],
)
def test_rejects_what_it_cannot_compile(source: str, problem: str | None) -> None:
    if problem is None:
        # "order-id" parses as a subtraction: names with dashes are not supported.
        assert evaluate(source, {"order": 1, "id": 1}) == 0
        return
    with pytest.raises(FeelError, match="cannot compile FEEL expression") as caught:
        compile_expression(source)
    assert problem in str(caught.value)


def test_error_message_quotes_the_expression_and_the_position() -> None:
    with pytest.raises(FeelError) as caught:
        compile_expression("amount >> 3")
    assert "'amount >> 3'" in str(caught.value)
    assert "position 8" in str(caught.value)


def test_long_expressions_are_quoted_shortened_in_errors() -> None:
    with pytest.raises(FeelError) as caught:
        compile_expression("x = 1 and " * 50 + ")")
    assert len(str(caught.value)) < 400


def test_expression_is_reusable_and_immutable() -> None:
    expression = compile_expression("amount > limit")
    assert isinstance(expression, Expression)
    assert expression.source == "amount > limit"
    assert expression.evaluate({"amount": 5, "limit": 1}) is True
    assert expression.evaluate({"amount": 0, "limit": 1}) is False
    assert expression.evaluate({}) is None
    with pytest.raises(AttributeError):
        expression.source = "other"  # type: ignore[misc]
    assert expression == compile_expression("amount > limit")


def test_evaluate_refuses_variables_that_are_not_a_mapping() -> None:
    with pytest.raises(FeelError, match="variables must be a mapping"):
        compile_expression("a").evaluate([("a", 1)])  # type: ignore[arg-type]


def test_evaluate_turns_stack_exhaustion_into_feel_error() -> None:
    nested: list[Any] = []
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(FeelError, match="nested too deeply"):
        evaluate("a = b", {"a": nested, "b": nested})


def test_arithmetic_never_overflows_into_an_exception() -> None:
    assert evaluate("huge + 0.5", {"huge": 10**400}) is None
    assert evaluate("huge / 3", {"huge": 10**400}) is None
    assert evaluate("big * big", {"big": 1e200}) is None
    assert evaluate("inf + 1.5", {"inf": float("inf")}) is None


def test_logic_does_not_need_the_right_operand_when_the_left_decides() -> None:
    assert evaluate("false and missing.x > 1", {}) is False
    assert evaluate("true or missing.x > 1", {}) is True


def test_cache_compiles_each_source_once_and_evicts_the_oldest() -> None:
    cache = ExpressionCache(max_size=2)
    first = cache.compile("a = 1")
    assert cache.compile("a = 1") is first
    cache.compile("b = 1")
    cache.compile("a = 1")  # used again: "b = 1" is now the oldest
    cache.compile("c = 1")
    assert len(cache) == 2
    assert cache.compile("a = 1") is first
    assert cache.evaluate("c = 1", {"c": 1}) is True
    with pytest.raises(FeelError):
        cache.compile("a =")
    assert len(cache) == 2


def test_cache_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_size"):
        ExpressionCache(max_size=0)


# --- properties ----------------------------------------------------------------------

_PYTHON_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

_ints = st.integers(min_value=-(10**12), max_value=10**12)


@given(left=_ints, right=_ints, op=st.sampled_from(sorted(_PYTHON_COMPARISONS)))
def test_integer_comparisons_agree_with_python(left: int, right: int, op: str) -> None:
    expected = _PYTHON_COMPARISONS[op](left, right)
    assert evaluate(f"a {op} b", {"a": left, "b": right}) is expected
    assert evaluate(f"{left} {op} {right}".replace("--", "- -"), {}) is expected


@given(left=_ints, right=_ints, op=st.sampled_from(["+", "-", "*"]))
def test_integer_arithmetic_agrees_with_python(left: int, right: int, op: str) -> None:
    expected = {"+": left + right, "-": left - right, "*": left * right}[op]
    assert evaluate(f"a {op} b", {"a": left, "b": right}) == expected


@given(text=st.text(max_size=60))
def test_strings_round_trip_through_literals(text: str) -> None:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    assert evaluate(f'"{escaped}"', {}) == text


@given(
    low=_ints,
    high=_ints,
    value=_ints,
)
def test_between_is_two_comparisons(low: int, high: int, value: int) -> None:
    assert evaluate("v between lo and hi", {"v": value, "lo": low, "hi": high}) is (
        low <= value <= high
    )


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=8,
)

_feel_fragments = st.sampled_from(
    [
        "a", "b", "a.b", "1", "2.5", '"s"', "true", "null", "=", "!=", "<", ">=", "+", "-",
        "*", "/", "and", "or", "not(", "(", ")", "[", "]", ",", "between", "in", ".", " ",
        "\\", '"', "\u00e9", "?", "{", "0",
    ]
)  # fmt: skip


@given(source=st.text(max_size=40))
def test_random_text_raises_nothing_but_feel_error(source: str) -> None:
    with contextlib.suppress(FeelError):
        evaluate(source, {"a": 1, "b": {"b": [1, "x"]}})


@given(
    fragments=st.lists(_feel_fragments, max_size=25),
    variables=st.dictionaries(st.sampled_from(["a", "b"]), _json_values),
)
def test_random_token_soup_raises_nothing_but_feel_error(
    fragments: list[str], variables: dict[str, Any]
) -> None:
    try:
        result = evaluate(" ".join(fragments), variables)
    except FeelError:
        return
    assert result is None or isinstance(result, (bool, int, float, str, list, dict))
