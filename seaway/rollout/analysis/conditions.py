"""successCondition and failureCondition, as Argo Rollouts users write them.

Argo Rollouts evaluates them with the `expr` language over `result` (the provider's value).
Here an expression is rewritten into Python's syntax where the two differ (&&, ||, !, true,
false, nil, #, ^ and the word operators matches/contains/startsWith/endsWith) and parsed with
`ast`; only a whitelist of node types is evaluated, so no Python code ever runs. Pure.

Supported: literals, `result`, `result.field`, `result[0]`, arithmetic (+ - * / % ** ^),
comparisons, in / not in, and/or/not (&&, ||, !), the word operators above, and the functions
len, abs, int, float, string, min, max, all, any, none, one, filter, map, count (a predicate as
`{# > 0.9}` or `# > 0.9`, with `.field` for `#.field`), asInt, asFloat, isNaN, isInf, isNil and
default. Not supported: the ternary `a ? b : c`, `??`, ranges `1..3` and pipes.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

_ITEM: Final = "_item_"
_WORD_OPERATORS: Final = {
    "matches": "<<",
    "contains": ">>",
    "startsWith": "&",
    "endsWith": "|",
}
_LITERALS: Final = {"true": "True", "false": "False", "nil": "None"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConditionError(ValueError):
    """An expression that cannot be parsed or evaluated; names the expression."""


class Phase(StrEnum):
    """A measurement's, a metric's or a run's phase, spelled as in Argo Rollouts."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def completed(self) -> bool:
        return self not in (Phase.PENDING, Phase.RUNNING)


def _translate(expression: str) -> str:
    """Rewrite expr's syntax into Python's, leaving string literals untouched."""
    out: list[str] = []
    i = 0
    while i < len(expression):
        char = expression[i]
        if char in "\"'`":
            i = _copy_string(expression, i, out)
        elif expression[i : i + 2] in _TWO_CHAR:
            out.append(_TWO_CHAR[expression[i : i + 2]])
            i += 2
        elif char in _ONE_CHAR and expression[i : i + 2] != "!=":
            out.append(_ONE_CHAR[char])
            i += 1
        elif char == "." and _starts_member_shorthand(out, expression, i):
            out.append(_ITEM + ".")
            i += 1
        elif match := _IDENTIFIER.match(expression, i):
            out.append(_word(match.group(0), after_dot="".join(out).rstrip().endswith(".")))
            i = match.end()
        else:
            out.append(char)
            i += 1
    return "".join(out)


_TWO_CHAR: Final = {"&&": " and ", "||": " or "}
# expr's ! binds tightly; Python's `~` does too, and is read as logical not below.
_ONE_CHAR: Final = {"!": "~", "#": _ITEM, "^": "**"}


def _copy_string(expression: str, start: int, out: list[str]) -> int:
    quote = expression[start]
    end = start + 1
    while end < len(expression) and expression[end] != quote:
        end += 2 if expression[end] == "\\" else 1
    literal = expression[start : end + 1]
    out.append(repr(literal[1:-1]) if quote == "`" else literal)
    return end + 1


def _word(word: str, *, after_dot: bool) -> str:
    if after_dot:
        return word
    if word in _LITERALS:
        return _LITERALS[word]
    if word in _WORD_OPERATORS:
        return f" {_WORD_OPERATORS[word]} "
    return word


def _starts_member_shorthand(out: list[str], expression: str, i: int) -> bool:
    """`.field` inside a predicate, as in `all(result, {.ok})`."""
    following = expression[i + 1 : i + 2]
    if not following or not (following.isalpha() or following == "_"):
        return False
    previous = "".join(out).rstrip()
    return not previous or previous[-1] in "{(,=<>!&|+-*/%~"


@dataclass(frozen=True)
class Condition:
    """A parsed condition, evaluated many times against measurements."""

    expression: str
    tree: ast.Expression


def parse_condition(expression: str) -> Condition:
    try:
        tree = ast.parse(_translate(expression).strip(), mode="eval")
    except SyntaxError as error:
        raise ConditionError(f"{expression!r} is not a valid expression: {error.msg}") from None
    return Condition(expression, tree)


def evaluate(condition: Condition | str, result: Any) -> bool:
    """The condition's value for `result`; ConditionError unless it is a boolean."""
    parsed = parse_condition(condition) if isinstance(condition, str) else condition
    try:
        value = _Evaluator(result).eval(parsed.tree.body, {})
    except ConditionError as error:
        raise ConditionError(f"{parsed.expression!r}: {error}") from None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, re.error) as error:
        raise ConditionError(f"{parsed.expression!r}: {error}") from None
    if not isinstance(value, bool):
        raise ConditionError(
            f"{parsed.expression!r} gives {_type_name(value)} {value!r}, not a boolean"
        )
    return value


def evaluate_result(result: Any, success_condition: str = "", failure_condition: str = "") -> Phase:
    """A measurement's phase from its value, by Argo Rollouts' rules.

    Neither condition: Successful. Only a success condition: Failed when it is false. Only a
    failure condition: Successful when it is false. Both: Failed when the failure condition
    holds, Successful when only the success condition holds, Inconclusive when neither does.
    Raises ConditionError, which makes the measurement an Error.
    """
    success = evaluate(success_condition, result) if success_condition else False
    failure = evaluate(failure_condition, result) if failure_condition else False
    if not success_condition and not failure_condition:
        return Phase.SUCCESSFUL
    if not failure_condition:
        failure = not success
    elif not success_condition:
        success = not failure
    if failure:
        return Phase.FAILED
    if not success:
        return Phase.INCONCLUSIVE
    return Phase.SUCCESSFUL


def _type_name(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "map"
    return type(value).__name__


def _number(value: Any, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConditionError(f"{what} needs a number, got {_type_name(value)} {value!r}")
    return value


def _as_int(value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ConditionError(f"asInt: {value!r} is not an integer") from None
    return int(_number(value, "asInt"))


def _as_float(value: Any) -> float:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise ConditionError(f"asFloat: {value!r} is not a number") from None
    return float(_number(value, "asFloat"))


def _string(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_ARITHMETIC: Final[Mapping[type[ast.operator], Callable[[Any, Any], Any]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_ORDER: Final[Mapping[type[ast.cmpop], Callable[[Any, Any], bool]]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_PREDICATES: Final = frozenset({"all", "any", "none", "one", "filter", "map", "count"})
_MAX_POWER: Final = 1024


class _Evaluator:
    def __init__(self, result: Any) -> None:
        self.result = result
        self.functions: dict[str, Callable[..., Any]] = {
            "len": self._len,
            "abs": lambda x: abs(_number(x, "abs")),
            "int": _as_int,
            "float": _as_float,
            "string": _string,
            "min": self._min,
            "max": self._max,
            "asInt": _as_int,
            "asFloat": _as_float,
            "isNaN": lambda x: math.isnan(_number(x, "isNaN")),
            "isInf": lambda x: math.isinf(_number(x, "isInf")),
            # As in Argo Rollouts, these look at `result` whatever they are given.
            "isNil": lambda *_: self.result is None,
            "default": lambda _value, fallback: fallback if self.result is None else self.result,
        }

    def eval(self, node: ast.expr, scope: dict[str, Any]) -> Any:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise ConditionError(f"{type(node).__name__.lower()} expressions are not supported")
        return method(node, scope)

    def _Constant(self, node: ast.Constant, _scope: dict[str, Any]) -> Any:
        if not isinstance(node.value, bool | int | float | str) and node.value is not None:
            raise ConditionError(f"unsupported literal {node.value!r}")
        return node.value

    def _Name(self, node: ast.Name, scope: dict[str, Any]) -> Any:
        if node.id == "result":
            return self.result
        if node.id in scope:
            return scope[node.id]
        if node.id == _ITEM:
            raise ConditionError(
                "# is only meaningful inside a predicate, e.g. all(result, {# > 0})"
            )
        raise ConditionError(f"unknown name {node.id!r} (the value is called result)")

    def _List(self, node: ast.List, scope: dict[str, Any]) -> Any:
        return [self.eval(item, scope) for item in node.elts]

    def _Tuple(self, node: ast.Tuple, scope: dict[str, Any]) -> Any:
        return [self.eval(item, scope) for item in node.elts]

    def _Dict(self, node: ast.Dict, scope: dict[str, Any]) -> Any:
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise ConditionError("** in a map literal is not supported")
            out[self.eval(key, scope)] = self.eval(value, scope)
        return out

    def _Attribute(self, node: ast.Attribute, scope: dict[str, Any]) -> Any:
        return self._member(self.eval(node.value, scope), node.attr)

    def _member(self, container: Any, key: Any) -> Any:
        if isinstance(container, dict):
            return container.get(key)
        if container is None:
            raise ConditionError(f"cannot fetch {key!r} from nil")
        raise ConditionError(f"cannot fetch {key!r} from {_type_name(container)}")

    def _Subscript(self, node: ast.Subscript, scope: dict[str, Any]) -> Any:
        container = self.eval(node.value, scope)
        if isinstance(node.slice, ast.Slice):
            raise ConditionError("slices are not supported")
        key = self.eval(node.slice, scope)
        if isinstance(container, list | str):
            if isinstance(key, bool) or not isinstance(key, int):
                raise ConditionError(f"an index must be an integer, got {key!r}")
            if not -len(container) <= key < len(container):
                raise ConditionError(f"index {key} out of range (length {len(container)})")
            return container[key]
        return self._member(container, key)

    def _BoolOp(self, node: ast.BoolOp, scope: dict[str, Any]) -> Any:
        want_all = isinstance(node.op, ast.And)
        for value_node in node.values:
            value = self._bool(self.eval(value_node, scope), "and" if want_all else "or")
            if value != want_all:
                return value
        return want_all

    def _bool(self, value: Any, what: str) -> bool:
        if not isinstance(value, bool):
            raise ConditionError(f"{what} needs booleans, got {_type_name(value)} {value!r}")
        return value

    def _UnaryOp(self, node: ast.UnaryOp, scope: dict[str, Any]) -> Any:
        value = self.eval(node.operand, scope)
        if isinstance(node.op, ast.Not | ast.Invert):
            return not self._bool(value, "not")
        if isinstance(node.op, ast.USub):
            return -_number(value, "-")
        if isinstance(node.op, ast.UAdd):
            return _number(value, "+")
        raise ConditionError("unsupported unary operator")

    def _BinOp(self, node: ast.BinOp, scope: dict[str, Any]) -> Any:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        if isinstance(node.op, ast.LShift | ast.RShift | ast.BitAnd | ast.BitOr):
            return self._word_operator(node.op, left, right)
        if isinstance(node.op, ast.BitXor):
            node_op: ast.operator = ast.Pow()
        else:
            node_op = node.op
        function = _ARITHMETIC.get(type(node_op))
        if function is None:
            raise ConditionError("unsupported operator")
        if isinstance(node_op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            return left + right
        _number(left, "arithmetic")
        _number(right, "arithmetic")
        if isinstance(node_op, ast.Pow) and abs(right) > _MAX_POWER:
            raise ConditionError(f"exponent {right} is too large")
        return function(left, right)

    def _word_operator(self, op: ast.operator, left: Any, right: Any) -> bool:
        if not isinstance(left, str) or not isinstance(right, str):
            raise ConditionError(
                f"matches, contains, startsWith and endsWith need strings, got "
                f"{_type_name(left)} and {_type_name(right)}"
            )
        if isinstance(op, ast.LShift):
            return re.search(right, left) is not None
        if isinstance(op, ast.RShift):
            return right in left
        if isinstance(op, ast.BitAnd):
            return left.startswith(right)
        return left.endswith(right)

    def _Compare(self, node: ast.Compare, scope: dict[str, Any]) -> Any:
        left = self.eval(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node, scope)
            if not self._compare(op, left, right):
                return False
            left = right
        return True

    def _compare(self, op: ast.cmpop, left: Any, right: Any) -> bool:
        if isinstance(op, ast.Eq):
            return _equal(left, right)
        if isinstance(op, ast.NotEq):
            return not _equal(left, right)
        if isinstance(op, ast.In | ast.NotIn):
            if isinstance(right, dict | list):
                found = any(_equal(left, item) for item in right)
            elif isinstance(right, str) and isinstance(left, str):
                found = left in right
            else:
                raise ConditionError(f"in needs an array or a map, got {_type_name(right)}")
            return found if isinstance(op, ast.In) else not found
        compare = _ORDER.get(type(op))
        if compare is None:
            raise ConditionError("unsupported comparison")
        if isinstance(left, str) and isinstance(right, str):
            return compare(left, right)
        return compare(_number(left, "comparison"), _number(right, "comparison"))

    def _Call(self, node: ast.Call, scope: dict[str, Any]) -> Any:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise ConditionError("only calls of built-in functions like len(result) are supported")
        name = node.func.id
        if name in _PREDICATES:
            return self._predicate(name, node.args, scope)
        function = self.functions.get(name)
        if function is None:
            raise ConditionError(f"unknown function {name}()")
        args = [self.eval(arg, scope) for arg in node.args]
        try:
            return function(*args)
        except TypeError:
            raise ConditionError(f"{name}() takes other arguments than {len(args)}") from None

    def _predicate(self, name: str, args: list[ast.expr], scope: dict[str, Any]) -> Any:
        if len(args) != 2:
            raise ConditionError(f"{name}() takes an array and a predicate, e.g. {{# > 0}}")
        items = self.eval(args[0], scope)
        if not isinstance(items, list):
            raise ConditionError(f"{name}() needs an array, got {_type_name(items)}")
        body = args[1]
        # expr's closure `{...}` arrives as a one-element set literal.
        if isinstance(body, ast.Set) and len(body.elts) == 1:
            body = body.elts[0]
        values = [self.eval(body, {**scope, _ITEM: item}) for item in items]
        if name == "map":
            return values
        if name == "filter":
            return [
                item for item, keep in zip(items, values, strict=True) if self._bool(keep, name)
            ]
        flags = [self._bool(value, name) for value in values]
        if name == "all":
            return all(flags)
        if name == "any":
            return any(flags)
        if name == "none":
            return not any(flags)
        if name == "one":
            return sum(flags) == 1
        return sum(flags)

    def _len(self, value: Any) -> int:
        if not isinstance(value, list | dict | str):
            raise ConditionError(
                f"len() needs an array, a map or a string, got {_type_name(value)}"
            )
        return len(value)

    def _min(self, *values: Any) -> Any:
        items = values[0] if len(values) == 1 and isinstance(values[0], list) else list(values)
        if not items:
            raise ConditionError("min() of nothing")
        return min(_number(item, "min") for item in items)

    def _max(self, *values: Any) -> Any:
        items = values[0] if len(values) == 1 and isinstance(values[0], list) else list(values)
        if not items:
            raise ConditionError("max() of nothing")
        return max(_number(item, "max") for item in items)


def _equal(left: Any, right: Any) -> bool:
    # expr never finds a boolean equal to a number, which Python does (True == 1).
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)
