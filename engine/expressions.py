"""A small, safe expression language for gateway conditions and timer expressions.

Expressions are parsed with `ast` and interpreted by walking the tree; nothing ever reaches
`eval` or `exec`. Allowed: literals, variable names, item access (`x['k']`, `x[0]`), comparisons,
`and`/`or`/`not`, arithmetic on numbers, list/tuple/set/dict literals, conditional expressions,
generator expressions and comprehensions over data, and calls of a few whitelisted functions.
Refused: attribute access, calls of anything else, names starting with an underscore, lambdas,
assignments, f-strings with format specs that call code, and `**`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from .errors import ExpressionError

MAX_EXPRESSION_LENGTH = 2000
MAX_SEQUENCE_RESULT = 100_000


def _safe_len(value: Any) -> int:
    return len(value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": _safe_len,
    "all": all,
    "any": any,
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "sorted": sorted,
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}

_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.BinOp,
    ast.Compare,
    ast.IfExp,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Constant,
    ast.Subscript,
    ast.Slice,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.Call,
    ast.GeneratorExp,
    ast.ListComp,
    ast.SetComp,
    ast.comprehension,
    *_BINARY.keys(),
    *_COMPARE.keys(),
    *_UNARY.keys(),
)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access",
        ast.Lambda: "lambda",
        ast.NamedExpr: "assignment (:=)",
        ast.Pow: "the ** operator",
        ast.JoinedStr: "f-strings",
        ast.Starred: "star unpacking",
        ast.DictComp: "dict comprehensions",
        ast.Await: "await",
        ast.Yield: "yield",
    }
    for cls, text in names.items():
        if isinstance(node, cls):
            return text
    return type(node).__name__


def _check(tree: ast.Expression, source: str) -> None:
    bound: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{_describe(node)} is not allowed in expressions", source)
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise ExpressionError(
                    f"names starting with '_' are not allowed ({node.id})", source
                )
            if isinstance(node.ctx, ast.Store):
                bound.add(node.id)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                what = node.func.id if isinstance(node.func, ast.Name) else "methods"
                raise ExpressionError(
                    f"calling {what} is not allowed; allowed functions: "
                    + ", ".join(sorted(FUNCTIONS)),
                    source,
                )
            if node.keywords:
                raise ExpressionError("keyword arguments are not allowed", source)
        elif isinstance(node, ast.Dict) and any(key is None for key in node.keys):
            raise ExpressionError("dict unpacking (**) is not allowed", source)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bytes | complex) or node.value is Ellipsis:
                raise ExpressionError(f"literal {node.value!r} is not allowed", source)
        elif isinstance(node, ast.comprehension):
            if node.is_async:
                raise ExpressionError("async comprehensions are not allowed", source)
            if not isinstance(node.target, ast.Name | ast.Tuple):
                raise ExpressionError("comprehension targets must be plain names", source)


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> ast.Expression:
    """Parse and check `source`; raise ExpressionError naming what is not allowed."""
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text", str(source))
    text = source.strip()
    if not text:
        raise ExpressionError("the expression is empty", source)
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters", source[:80]
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", source, exc.lineno) from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # lone surrogates; parser depth
        raise ExpressionError(f"the expression cannot be read ({type(exc).__name__})",
                              source) from exc
    _check(tree, source)
    return tree


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """Evaluate `source` against the variables in `context`."""
    tree = compile_expression(source)
    try:
        return _Interpreter(context, source).eval(tree.body)
    except ExpressionError:
        raise
    except RecursionError as exc:
        raise ExpressionError("the expression is nested too deeply", source) from exc
    except Exception as exc:  # data errors: missing key, wrong type, division by zero
        raise ExpressionError(f"{type(exc).__name__}: {exc}", source) from exc


class _Interpreter:
    def __init__(self, context: Mapping[str, Any], source: str) -> None:
        self.scopes: list[Mapping[str, Any]] = [context]
        self.source = source

    def lookup(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in FUNCTIONS:
            return FUNCTIONS[name]
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        raise ExpressionError(f"variable '{name}' is not defined", self.source)

    def eval(self, node: ast.AST) -> Any:
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        return self.lookup(node.id)

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        if isinstance(node.op, ast.And):
            for item in node.values:
                value = self.eval(item)
                if not value:
                    return value
            return value
        for item in node.values:
            value = self.eval(item)
            if value:
                return value
        return value

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        return _UNARY[type(node.op)](self.eval(node.operand))

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.eval(node.left), self.eval(node.right)
        if isinstance(node.op, ast.Mult) and not (
            _is_number(left) and _is_number(right)
        ):
            count = right if _is_number(right) else left
            if isinstance(count, int) and abs(count) > MAX_SEQUENCE_RESULT:
                raise ExpressionError("sequence repetition is too large", self.source)
        return _BINARY[type(node.op)](left, right)

    def _Compare(self, node: ast.Compare) -> Any:
        left = self.eval(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if self.eval(node.test) else self.eval(node.orelse)

    def _Subscript(self, node: ast.Subscript) -> Any:
        container = self.eval(node.value)
        if not isinstance(container, Mapping | list | tuple | str):
            raise ExpressionError(
                f"cannot index a value of type {type(container).__name__}", self.source
            )
        return container[self.eval(node.slice)]

    def _Slice(self, node: ast.Slice) -> slice:
        return slice(
            self.eval(node.lower) if node.lower else None,
            self.eval(node.upper) if node.upper else None,
            self.eval(node.step) if node.step else None,
        )

    def _List(self, node: ast.List) -> list[Any]:
        return [self.eval(e) for e in node.elts]

    def _Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self.eval(e) for e in node.elts)

    def _Set(self, node: ast.Set) -> set[Any]:
        return {self.eval(e) for e in node.elts}

    def _Dict(self, node: ast.Dict) -> dict[Any, Any]:
        result = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise ExpressionError("dict unpacking is not allowed", self.source)
            result[self.eval(key)] = self.eval(value)
        return result

    def _Call(self, node: ast.Call) -> Any:
        function = FUNCTIONS[getattr(node.func, "id", "")]  # _check allowed only these names
        return function(*(self.eval(a) for a in node.args))

    def _comprehension_values(
        self, generators: list[ast.comprehension], element: ast.AST
    ) -> Iterable[Any]:
        def walk(index: int) -> Iterable[Any]:
            if index == len(generators):
                yield self.eval(element)
                return
            gen = generators[index]
            iterable = self.eval(gen.iter)
            if not isinstance(iterable, list | tuple | set | str | dict):
                raise ExpressionError(
                    f"cannot iterate over a value of type {type(iterable).__name__}",
                    self.source,
                )
            for item in iterable:
                scope: dict[str, Any] = {}
                _bind(gen.target, item, scope, self.source)
                self.scopes.append(scope)
                try:
                    if all(self.eval(cond) for cond in gen.ifs):
                        yield from walk(index + 1)
                finally:
                    self.scopes.pop()

        return walk(0)

    def _GeneratorExp(self, node: ast.GeneratorExp) -> list[Any]:
        # Evaluated eagerly: the scope stack must not outlive the call that consumes it.
        return list(self._comprehension_values(node.generators, node.elt))

    def _ListComp(self, node: ast.ListComp) -> list[Any]:
        return list(self._comprehension_values(node.generators, node.elt))

    def _SetComp(self, node: ast.SetComp) -> set[Any]:
        return set(self._comprehension_values(node.generators, node.elt))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bind(target: ast.AST, value: Any, scope: dict[str, Any], source: str) -> None:
    if isinstance(target, ast.Name):
        scope[target.id] = value
        return
    if isinstance(target, ast.Tuple):
        values = list(value)
        if len(values) != len(target.elts):
            raise ExpressionError("cannot unpack: wrong number of values", source)
        for sub, item in zip(target.elts, values, strict=True):
            _bind(sub, item, scope, source)
        return
    raise ExpressionError("comprehension targets must be plain names", source)
