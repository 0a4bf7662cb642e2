"""What the expression language allows: the nodes, operators and functions, checked on the AST.

An allow-list: a node, operator or function not named here is refused when the expression is
compiled (at deploy), with what it is and what is allowed instead.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from engine.base.errors import ExpressionError

MAX_EXPRESSION_LENGTH = 2000
MAX_DEPTH = 50  # levels of nesting in the syntax tree


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

BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}

COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
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

UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}

COMPREHENSIONS = (ast.GeneratorExp, ast.ListComp, ast.SetComp)

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
    *COMPREHENSIONS,
    ast.comprehension,
    *BINARY.keys(),
    *COMPARE.keys(),
    *UNARY.keys(),
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


def check(tree: ast.Expression, source: str) -> None:
    """Refuse every node outside the allow-list, and nesting deeper than MAX_DEPTH."""
    todo: list[tuple[ast.AST, int]] = [(tree, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression is nested more than {MAX_DEPTH} levels deep", source)
        _check_node(node, source)
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_node(node: ast.AST, source: str) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        raise ExpressionError(f"{_describe(node)} is not allowed in expressions", source)
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"names starting with '_' are not allowed ({node.id})", source)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else "methods"
            raise ExpressionError(
                f"calling {what} is not allowed; allowed functions: "
                + ", ".join(sorted(FUNCTIONS)), source,
            )
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed", source)
    elif isinstance(node, ast.Dict) and any(key is None for key in node.keys):
        raise ExpressionError("dict unpacking (**) is not allowed", source)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bytes | complex) or node.value is Ellipsis:
            raise ExpressionError(f"literal {node.value!r} is not allowed", source)
    elif isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(
                node.left.value, str):
            raise ExpressionError("formatting text with % is not allowed; join texts with +",
                                  source)
    elif isinstance(node, ast.comprehension):
        if node.is_async:
            raise ExpressionError("async comprehensions are not allowed", source)
        if not isinstance(node.target, ast.Name | ast.Tuple):
            raise ExpressionError("comprehension targets must be plain names", source)


def free_names(node: ast.AST) -> set[str]:
    """The variables `node` reads from its context (a comprehension's own names are not;
    nor is the name of a called function, which is always the built-in one)."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) else set()
    if isinstance(node, COMPREHENSIONS):
        free: set[str] = set()
        bound: set[str] = set()
        for generator in node.generators:
            free |= free_names(generator.iter) - bound
            bound |= {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
            for condition in generator.ifs:
                free |= free_names(condition) - bound
        return free | (free_names(node.elt) - bound)
    children = node.args if isinstance(node, ast.Call) else list(ast.iter_child_nodes(node))
    found: set[str] = set()
    for child in children:
        found |= free_names(child)
    return found
