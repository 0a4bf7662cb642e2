"""The tree-walking interpreter: every node is paid for, every value is checked before it is built.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping
from typing import Any

from engine.base.errors import ExpressionError
from engine.specs.expressions.budget import CONTAINERS, MAX_ROUND_DIGITS, Budget
from engine.specs.expressions.language import BINARY, COMPARE, FUNCTIONS, UNARY

_CONSTANTS = {"True": True, "False": False, "None": None}


class Interpreter:
    """Evaluates checked nodes against a context, spending from `budget`."""

    def __init__(self, context: Mapping[str, Any], source: str, budget: Budget) -> None:
        self.scopes: list[Mapping[str, Any]] = [context]
        self.source = source
        self.budget = budget

    def lookup(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in FUNCTIONS:
            return FUNCTIONS[name]
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        raise ExpressionError(f"variable '{name}' is not defined", self.source)

    def eval(self, node: ast.AST) -> Any:
        self.budget.step()
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
        return UNARY[type(node.op)](self.eval(node.operand))

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.eval(node.left), self.eval(node.right)
        self._before_binary(type(node.op), left, right)
        return BINARY[type(node.op)](left, right)

    def _before_binary(self, op: type[ast.operator], left: Any, right: Any) -> None:
        budget = self.budget
        if op is ast.Mod and isinstance(left, str):
            raise budget.limit("formatting text with % is not allowed; join texts with +")
        if isinstance(left, int) and isinstance(right, int):
            if op in (ast.Add, ast.Sub):
                budget.integer(max(left.bit_length(), right.bit_length()) + 1)
            elif op is ast.Mult:
                budget.integer(left.bit_length() + right.bit_length())
            return
        if op is ast.Mult:
            sequence, count = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(count, int) and isinstance(sequence, str | list | tuple):
                times = max(count, 0)
                if isinstance(sequence, str):
                    budget.text(len(sequence) * times)
                else:
                    budget.items(len(sequence) * times)
                    budget.total((budget.size(sequence) - 1) * times + 1)
                budget.touch(len(sequence) * times)
        elif op is ast.Add and type(left) is type(right) and isinstance(left, str | list | tuple):
            if isinstance(left, str):
                budget.text(len(left) + len(right))
            else:
                budget.items(len(left) + len(right))
                budget.total(budget.size(left) + budget.size(right))
            budget.touch(len(left) + len(right))
        elif isinstance(left, CONTAINERS) or isinstance(right, CONTAINERS):
            budget.touch(budget.size(left) + budget.size(right))

    def _Compare(self, node: ast.Compare) -> Any:
        left = self.eval(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator)
            if not isinstance(op, ast.Is | ast.IsNot):
                self.budget.touch(self.budget.size(left) + self.budget.size(right))
            if not COMPARE[type(op)](left, right):
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
        key = self.eval(node.slice)
        self.budget.touch(self.budget.size(key))
        value = container[key]
        if isinstance(key, slice):
            self.budget.touch(len(value))
        return value

    def _Slice(self, node: ast.Slice) -> slice:
        return slice(
            self.eval(node.lower) if node.lower else None,
            self.eval(node.upper) if node.upper else None,
            self.eval(node.step) if node.step else None,
        )

    def _elements(self, nodes: list[ast.expr]) -> list[Any]:
        values = [self.eval(e) for e in nodes]
        self.budget.items(len(values))
        self.budget.total(1 + sum(self.budget.size(v) for v in values))
        return values

    def _List(self, node: ast.List) -> list[Any]:
        return self._elements(node.elts)

    def _Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self._elements(node.elts))

    def _Set(self, node: ast.Set) -> set[Any]:
        values = self._elements(node.elts)
        self.budget.touch(sum(self.budget.size(v) for v in values))
        return set(values)

    def _Dict(self, node: ast.Dict) -> dict[Any, Any]:
        keys = self._elements([k for k in node.keys if k is not None])
        values = self._elements(node.values)
        self.budget.total(self.budget.size(keys) + self.budget.size(values))
        self.budget.touch(sum(self.budget.size(k) for k in keys))
        return dict(zip(keys, values, strict=True))

    def _Call(self, node: ast.Call) -> Any:
        name = getattr(node.func, "id", "")
        function = FUNCTIONS[name]  # the language check allowed only these names
        args = [self.eval(a) for a in node.args]
        self._before_call(name, args)
        return self.budget.built(function(*args))

    def _before_call(self, name: str, args: list[Any]) -> None:
        budget = self.budget
        if name in ("len", "bool"):  # constant time, whatever the argument's size
            return
        units = sum(budget.size(a) for a in args)
        if name == "str":
            if any(not isinstance(a, str | int | float) and a is not None for a in args):
                raise budget.limit("str() converts only a number, a truth value or a text")
        elif name == "sum":
            items = list(args[0]) if args and isinstance(args[0], CONTAINERS) else []
            if any(not isinstance(v, int | float) for v in items + args[1:]):
                raise budget.limit("sum() adds only numbers")
        elif name == "round" and len(args) == 2:
            digits = args[1]
            if not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS:
                raise budget.limit(f"round() takes at most {MAX_ROUND_DIGITS} digits")
        elif name == "sorted" and args and isinstance(args[0], (str, *CONTAINERS)):
            budget.items(len(args[0]))
            units *= 1 + math.ceil(math.log2(len(args[0]) + 1))
        budget.touch(units)

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
                self.budget.iterate()
                scope: dict[str, Any] = {}
                bind(gen.target, item, scope, self.source)
                self.scopes.append(scope)
                try:
                    if all(self.eval(cond) for cond in gen.ifs):
                        yield from walk(index + 1)
                finally:
                    self.scopes.pop()

        return walk(0)

    def _collect(self, node: ast.GeneratorExp | ast.ListComp | ast.SetComp) -> list[Any]:
        values: list[Any] = []
        total = 1
        for value in self._comprehension_values(node.generators, node.elt):
            values.append(value)
            self.budget.items(len(values))
            total += self.budget.size(value)
            self.budget.total(total)
        return values

    def _GeneratorExp(self, node: ast.GeneratorExp) -> list[Any]:
        # Evaluated eagerly: the scope stack must not outlive the call that consumes it.
        return self._collect(node)

    def _ListComp(self, node: ast.ListComp) -> list[Any]:
        return self._collect(node)

    def _SetComp(self, node: ast.SetComp) -> set[Any]:
        values = self._collect(node)
        self.budget.touch(sum(self.budget.size(v) for v in values))
        return set(values)


def bind(target: ast.AST, value: Any, scope: dict[str, Any], source: str) -> None:
    """Bind a comprehension's target (a name, or a tuple of them) to one item."""
    if isinstance(target, ast.Name):
        scope[target.id] = value
        return
    if isinstance(target, ast.Tuple):
        if not isinstance(value, list | tuple | str | set | dict) or len(value) != len(
                target.elts):
            raise ExpressionError("cannot unpack: wrong number of values", source)
        for sub, item in zip(target.elts, list(value), strict=True):
            bind(sub, item, scope, source)
        return
    raise ExpressionError("comprehension targets must be plain names", source)
