"""A subset of FEEL, the expression language of Zeebe conditions and variable mappings.

Supported: number, string, boolean and null literals; list literals; variable names and dotted
paths; ``= != < <= > >=``; ``and``/``or`` and ``not(x)`` with FEEL's three-valued logic;
``+ - * /`` and unary minus; ``x between a and b``; ``x in [..]`` and ``x in (..)``.
As in FEEL, a missing variable or path is null and an operation on values of the wrong type is
null instead of an error. Names with spaces or dashes, functions other than ``not``, ranges,
filters, contexts, dates and temporal arithmetic are not supported and fail to compile.
"""

from __future__ import annotations

import decimal
import math
import operator
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "Expression",
    "ExpressionCache",
    "FeelError",
    "compile_expression",
    "evaluate",
]

MAX_SOURCE_LENGTH = 100_000
"""Longest expression accepted, in characters."""

MAX_DEPTH = 100
"""Deepest expression tree accepted (operators nested in each other's operands)."""

MAX_NESTING = 32
"""Deepest nesting of parentheses, lists and ``not(...)`` accepted."""

_KEYWORDS = frozenset({"true", "false", "null", "and", "or", "not", "between", "in"})
_SYMBOLS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", ".")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


class FeelError(ValueError):
    """Raised when an expression cannot be compiled or evaluated; the message quotes it.

    Fix the expression (or, for evaluation, the variables it is given).
    """


# --- tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "string", "name", "keyword", "symbol" or "end"
    text: str
    position: int
    value: Any = None


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        if char.isspace():
            index += 1
        elif "0" <= char <= "9" or (
            char == "." and index + 1 < length and "0" <= source[index + 1] <= "9"
        ):
            index = _read_number(source, index, tokens)
        elif char == '"':
            index = _read_string(source, index, tokens)
        elif char.isalpha() or char == "_":
            end = index + 1
            while end < length and (source[end].isalnum() or source[end] == "_"):
                end += 1
            word = source[index:end]
            tokens.append(_Token("keyword" if word in _KEYWORDS else "name", word, index))
            index = end
        else:
            symbol = next((s for s in _SYMBOLS if source.startswith(s, index)), None)
            if symbol is None:
                raise _syntax_error(source, index, f"unexpected character {char!r}")
            tokens.append(_Token("symbol", symbol, index))
            index += len(symbol)
    tokens.append(_Token("end", "", length))
    return tokens


def _read_number(source: str, start: int, tokens: list[_Token]) -> int:
    end = start
    while end < len(source) and "0" <= source[end] <= "9":
        end += 1
    is_float = False
    if end + 1 < len(source) and source[end] == "." and "0" <= source[end + 1] <= "9":
        is_float = True
        end += 1
        while end < len(source) and "0" <= source[end] <= "9":
            end += 1
    text = source[start:end]
    value: int | float = float(text) if is_float else int(text)
    tokens.append(_Token("number", text, start, value))
    return end


def _read_string(source: str, start: int, tokens: list[_Token]) -> int:
    chars: list[str] = []
    index = start + 1
    while index < len(source):
        char = source[index]
        if char == '"':
            tokens.append(_Token("string", source[start : index + 1], start, "".join(chars)))
            return index + 1
        if char != "\\":
            chars.append(char)
            index += 1
            continue
        escape = source[index + 1 : index + 2]
        if escape in _ESCAPES:
            chars.append(_ESCAPES[escape])
            index += 2
        elif escape == "u":
            code, index = _read_unicode_escape(source, index)
            chars.append(chr(code))
        else:
            raise _syntax_error(source, index, f"unknown escape sequence '\\{escape}'")
    raise _syntax_error(source, start, "unterminated string")


def _read_unicode_escape(source: str, index: int) -> tuple[int, int]:
    code = _hex4(source, index)
    index += 6
    if 0xD800 <= code <= 0xDBFF and source.startswith("\\u", index):
        low = _hex4(source, index)
        if 0xDC00 <= low <= 0xDFFF:
            return 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), index + 6
    if 0xD800 <= code <= 0xDFFF:
        raise _syntax_error(source, index - 6, "unpaired surrogate in \\u escape")
    return code, index


def _hex4(source: str, index: int) -> int:
    digits = source[index + 2 : index + 6]
    if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise _syntax_error(source, index, "\\u must be followed by four hex digits")
    return int(digits, 16)


def _quote(source: str) -> str:
    return repr(source) if len(source) <= 200 else repr(source[:200]) + "..."


def _syntax_error(source: str, position: int, problem: str) -> FeelError:
    return FeelError(
        f"cannot compile FEEL expression {_quote(source)}: {problem} at position {position}"
    )


# --- syntax tree -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass(frozen=True)
class _Name:
    name: str


@dataclass(frozen=True)
class _Path:
    base: _Node
    name: str


@dataclass(frozen=True)
class _ListOf:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Negate:
    operand: _Node


@dataclass(frozen=True)
class _Not:
    operand: _Node


@dataclass(frozen=True)
class _Binary:
    op: str  # a comparison or arithmetic symbol
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Logical:
    op: str  # "and" or "or"
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Between:
    value: _Node
    low: _Node
    high: _Node


@dataclass(frozen=True)
class _In:
    value: _Node
    candidates: _Node


_Node = _Literal | _Name | _Path | _ListOf | _Negate | _Not | _Binary | _Logical | _Between | _In

_T = TypeVar("_T")

_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})


class _Parser:
    """Recursive descent over the tokens, one method per precedence level."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0

    def parse(self) -> _Node:
        node = self.expression()
        token = self.peek()
        if token.kind != "end":
            raise self.error(token, f"unexpected {token.text!r}")
        return node

    # helpers

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def accept(self, kind: str, text: str) -> bool:
        token = self.peek()
        if token.kind == kind and token.text == text:
            self.index += 1
            return True
        return False

    def expect(self, kind: str, text: str) -> None:
        if not self.accept(kind, text):
            token = self.peek()
            found = "the end" if token.kind == "end" else repr(token.text)
            raise self.error(token, f"expected {text!r} but found {found}")

    def error(self, token: _Token, problem: str) -> FeelError:
        return _syntax_error(self.source, token.position, problem)

    def nested(self, token: _Token, parse: Callable[[], _T]) -> _T:
        # Brackets are the only way the parser recurses: bounding them bounds the stack.
        if self.depth >= MAX_NESTING:
            raise self.error(token, f"brackets nested deeper than {MAX_NESTING} levels")
        self.depth += 1
        try:
            return parse()
        finally:
            self.depth -= 1

    # grammar, lowest precedence first

    def expression(self) -> _Node:
        return self.disjunction()

    def disjunction(self) -> _Node:
        node = self.conjunction()
        while self.accept("keyword", "or"):
            node = _Logical("or", node, self.conjunction())
        return node

    def conjunction(self) -> _Node:
        node = self.comparison()
        while self.accept("keyword", "and"):
            node = _Logical("and", node, self.comparison())
        return node

    def comparison(self) -> _Node:
        node = self.additive()
        while True:
            token = self.peek()
            if token.kind == "symbol" and token.text in _COMPARISONS:
                self.advance()
                node = _Binary(token.text, node, self.additive())
            elif self.accept("keyword", "between"):
                low = self.additive()
                self.expect("keyword", "and")
                node = _Between(node, low, self.additive())
            elif self.accept("keyword", "in"):
                node = _In(node, self.membership_candidates())
            else:
                return node

    def membership_candidates(self) -> _Node:
        token = self.peek()
        if not self.accept("symbol", "("):
            return self.additive()
        # ``x in (a, b)`` tests x against each of the listed values.
        items = self.nested(token, lambda: self.items_until(")"))
        return items[0] if len(items) == 1 else _ListOf(items)

    def additive(self) -> _Node:
        node = self.multiplicative()
        while (token := self.peek()).kind == "symbol" and token.text in ("+", "-"):
            self.advance()
            node = _Binary(token.text, node, self.multiplicative())
        return node

    def multiplicative(self) -> _Node:
        node = self.unary()
        while (token := self.peek()).kind == "symbol" and token.text in ("*", "/"):
            self.advance()
            node = _Binary(token.text, node, self.unary())
        return node

    def unary(self) -> _Node:
        negations = 0
        while (token := self.peek()).kind == "symbol" and token.text == "-":
            self.advance()
            negations += 1
        node = self.postfix()
        for _ in range(negations):
            node = _Negate(node)
        return node

    def postfix(self) -> _Node:
        node = self.primary()
        while self.accept("symbol", "."):
            token = self.advance()
            if token.kind != "name":
                raise self.error(token, "expected a name after '.'")
            node = _Path(node, token.text)
        return node

    def primary(self) -> _Node:
        token = self.advance()
        if token.kind in ("number", "string"):
            return _Literal(token.value)
        if token.kind == "name":
            if self.peek().text == "(" and self.peek().kind == "symbol":
                raise self.error(token, f"function {token.text!r} is not supported")
            return _Name(token.text)
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            return _Literal({"true": True, "false": False, "null": None}[token.text])
        if token.kind == "keyword" and token.text == "not":
            self.expect("symbol", "(")
            return _Not(self.nested(token, self.parenthesized))
        if token.kind == "symbol" and token.text == "(":
            return self.nested(token, self.parenthesized)
        if token.kind == "symbol" and token.text == "[":
            return _ListOf(self.nested(token, lambda: self.items_until("]")))
        if token.kind == "end":
            raise self.error(token, "unexpected end of the expression")
        raise self.error(token, f"unexpected {token.text!r}")

    def parenthesized(self) -> _Node:
        node = self.expression()
        self.expect("symbol", ")")
        return node

    def items_until(self, closing: str) -> tuple[_Node, ...]:
        items: list[_Node] = []
        if self.accept("symbol", closing):
            return ()
        while True:
            items.append(self.expression())
            if self.accept("symbol", closing):
                return tuple(items)
            if not self.accept("symbol", ","):
                token = self.peek()
                found = "the end" if token.kind == "end" else repr(token.text)
                raise self.error(token, f"expected ',' or {closing!r} but found {found}")


def _children(node: _Node) -> tuple[_Node, ...]:
    if isinstance(node, (_Literal, _Name)):
        return ()
    if isinstance(node, _Path):
        return (node.base,)
    if isinstance(node, _ListOf):
        return node.items
    if isinstance(node, (_Negate, _Not)):
        return (node.operand,)
    if isinstance(node, (_Binary, _Logical)):
        return (node.left, node.right)
    if isinstance(node, _Between):
        return (node.value, node.low, node.high)
    return (node.value, node.candidates)


def _tree_depth(root: _Node) -> int:
    """Depth of the tree, measured without recursion (evaluation recurses once per level)."""
    deepest = 0
    pending = [(root, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in _children(node))
    return deepest


# --- values ----------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_list(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _equal(left: Any, right: Any) -> bool | None:
    """FEEL ``=``: null equals only null; values of different types are not comparable."""
    if left is None or right is None:
        return left is None and right is None
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, bool) and isinstance(right, bool):
        return left is right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if _is_list(left) and _is_list(right):
        if len(left) != len(right):
            return False
        return _all_equal(zip(left, right, strict=True))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        if set(left) != set(right):
            return False
        return _all_equal((left[key], right[key]) for key in left)
    return None


def _all_equal(pairs: Iterable[tuple[Any, Any]]) -> bool | None:
    result: bool | None = True
    for left, right in pairs:
        same = _equal(left, right)
        if same is False:
            return False
        if same is None:
            result = None
    return result


_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _order(op: str, left: Any, right: Any) -> bool | None:
    """FEEL ``< <= > >=``: defined for two numbers or two strings, null otherwise."""
    if (_is_number(left) and _is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    ):
        return _ORDERINGS[op](left, right)
    return None


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if op == "=":
        return _equal(left, right)
    if op == "!=":
        same = _equal(left, right)
        return None if same is None else not same
    return _order(op, left, right)


def _to_decimal(value: int | float) -> decimal.Decimal:
    # repr() gives the shortest decimal that round-trips, so 0.1 stays 0.1 as in FEEL.
    return decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    """FEEL ``+ - * /`` on numbers (and ``+`` on strings); null for anything else."""
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if not (_is_number(left) and _is_number(right)):
        return None
    if op == "/" and right == 0:
        return None
    if isinstance(left, int) and isinstance(right, int):
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if left % right == 0:
            return left // right
    return _decimal_arithmetic(op, left, right)


def _decimal_arithmetic(op: str, left: int | float, right: int | float) -> float | None:
    if any(isinstance(n, float) and not math.isfinite(n) for n in (left, right)):
        return None
    # FEEL numbers are decimal128: 34 significant digits, so 0.1 + 0.2 = 0.3 holds.
    context = decimal.Context(prec=34)
    a, b = _to_decimal(left), _to_decimal(right)
    if op == "+":
        result = context.add(a, b)
    elif op == "-":
        result = context.subtract(a, b)
    elif op == "*":
        result = context.multiply(a, b)
    else:
        result = context.divide(a, b)
    number = float(result)
    return number if math.isfinite(number) else None


def _and(left: Any, right: Any) -> bool | None:
    if left is False or right is False:
        return False
    if left is True and right is True:
        return True
    return None


def _or(left: Any, right: Any) -> bool | None:
    if left is True or right is True:
        return True
    if left is False and right is False:
        return False
    return None


def _member(value: Any, candidates: Any) -> bool | None:
    if not _is_list(candidates):
        return _equal(value, candidates)
    return any(_equal(value, candidate) is True for candidate in candidates)


def _path(base: Any, name: str) -> Any:
    if isinstance(base, Mapping):
        return base.get(name)
    if _is_list(base):
        return [_path(item, name) for item in base]
    return None


def _evaluate(node: _Node, variables: Mapping[str, Any]) -> Any:
    if isinstance(node, _Literal):
        return node.value
    if isinstance(node, _Name):
        return variables.get(node.name)
    if isinstance(node, _Path):
        return _path(_evaluate(node.base, variables), node.name)
    if isinstance(node, _Logical):
        left = _evaluate(node.left, variables)
        if node.op == "and":
            return False if left is False else _and(left, _evaluate(node.right, variables))
        return True if left is True else _or(left, _evaluate(node.right, variables))
    if isinstance(node, _Binary):
        left = _evaluate(node.left, variables)
        right = _evaluate(node.right, variables)
        if node.op in _COMPARISONS:
            return _compare(node.op, left, right)
        return _arithmetic(node.op, left, right)
    if isinstance(node, _Not):
        operand = _evaluate(node.operand, variables)
        return not operand if isinstance(operand, bool) else None
    if isinstance(node, _Negate):
        operand = _evaluate(node.operand, variables)
        return -operand if _is_number(operand) else None
    if isinstance(node, _ListOf):
        return [_evaluate(item, variables) for item in node.items]
    if isinstance(node, _Between):
        value = _evaluate(node.value, variables)
        low = _order("<=", _evaluate(node.low, variables), value)
        high = _order("<=", value, _evaluate(node.high, variables))
        return _and(low, high)
    return _member(_evaluate(node.value, variables), _evaluate(node.candidates, variables))


# --- public API ------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A compiled FEEL expression: immutable, reusable, safe to share between threads."""

    source: str
    _root: _Node = field(repr=False, compare=False)

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """Evaluate against ``variables``; type mismatches and missing names give ``None``.

        Raises:
            FeelError: when ``variables`` is not a mapping, or its values are nested so deeply
                that comparing them exhausts the stack.
        """
        if not isinstance(variables, Mapping):
            raise FeelError(
                f"cannot evaluate FEEL expression {_quote(self.source)}: "
                f"variables must be a mapping, not {type(variables).__name__}"
            )
        try:
            return _evaluate(self._root, variables)
        except RecursionError:
            raise FeelError(
                f"cannot evaluate FEEL expression {_quote(self.source)}: values nested too deeply"
            ) from None


def compile_expression(source: str) -> Expression:
    """Compile FEEL ``source`` (without Zeebe's leading ``=``) into an :class:`Expression`.

    Raises:
        FeelError: when the source is not in the supported FEEL subset; the message quotes the
            expression and gives the position of the problem.
    """
    if not isinstance(source, str):
        raise FeelError(f"a FEEL expression must be a string, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_LENGTH:
        raise FeelError(
            f"cannot compile FEEL expression {_quote(source)}: longer than "
            f"{MAX_SOURCE_LENGTH} characters"
        )
    if not source.strip():
        raise FeelError(f"cannot compile FEEL expression {source!r}: it is empty")
    root = _Parser(source).parse()
    if _tree_depth(root) > MAX_DEPTH:
        raise FeelError(
            f"cannot compile FEEL expression {_quote(source)}: operators nested deeper than "
            f"{MAX_DEPTH} levels"
        )
    return Expression(source, root)


def evaluate(source: str, variables: Mapping[str, Any]) -> Any:
    """Compile and evaluate ``source`` once; use :class:`ExpressionCache` to reuse compilations.

    Raises:
        FeelError: as :func:`compile_expression` and :meth:`Expression.evaluate` do.
    """
    return compile_expression(source).evaluate(variables)


class ExpressionCache:
    """Compiles expressions once and keeps the most recently used ``max_size`` of them."""

    def __init__(self, max_size: int = 1024) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, not {max_size}")
        self._max_size = max_size
        self._compiled: OrderedDict[str, Expression] = OrderedDict()

    def compile(self, source: str) -> Expression:
        """Return the compiled ``source``, compiling it on first use.

        Raises:
            FeelError: as :func:`compile_expression` does (failures are not cached).
        """
        expression = self._compiled.get(source)
        if expression is None:
            expression = compile_expression(source)
            self._compiled[source] = expression
            if len(self._compiled) > self._max_size:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(source)
        return expression

    def evaluate(self, source: str, variables: Mapping[str, Any]) -> Any:
        """Evaluate ``source`` against ``variables``, compiling it at most once.

        Raises:
            FeelError: as :func:`evaluate` does.
        """
        return self.compile(source).evaluate(variables)

    def __len__(self) -> int:
        return len(self._compiled)
