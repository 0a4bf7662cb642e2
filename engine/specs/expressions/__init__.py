"""A small, safe expression language for gateway conditions and timer expressions.

Expressions are parsed with `ast` and interpreted by walking the tree; nothing ever reaches
`eval` or `exec`. Allowed (`language.py`): literals, variable names, item access (`x['k']`,
`x[0]`), comparisons, `and`/`or`/`not`, arithmetic on numbers, list/tuple/set/dict literals,
conditional expressions, generator expressions and comprehensions over data, and calls of a few
whitelisted functions. Refused: attribute access, calls of anything else, names starting with an
underscore, lambdas, assignments, f-strings, `**`, and formatting text with `%`.

Every evaluation has a budget (`budget.py`): operations, comprehension rounds, the sizes of texts,
collections and numbers (checked before a value is built) and, as the last resort, the wall
clock (`engine/base/deadline.py`). Going beyond it raises ExpressionLimit. When an expression is
compiled (at deploy), every part of it that reads no variable is evaluated once under the same
budget, so that what can never be within it (`'a' * 100000 * 100000`) is refused there.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from engine.base.errors import ExpressionError, ExpressionLimit
from engine.specs.expressions.budget import Budget
from engine.specs.expressions.interpreter import Interpreter
from engine.specs.expressions.language import FUNCTIONS, MAX_EXPRESSION_LENGTH, check, free_names

__all__ = ["FUNCTIONS", "MAX_EXPRESSION_LENGTH", "compile_expression", "evaluate"]


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> ast.Expression:
    """Parse and check `source`; raise ExpressionError naming what is not allowed, or
    ExpressionLimit when a part that reads no variable goes beyond the budget."""
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
    check(tree, source)
    _refuse_constant_excess(tree.body, source)
    return tree


def _refuse_constant_excess(node: ast.AST, source: str) -> None:
    """Evaluate each largest part that reads no variable; refuse it if it exceeds the budget.
    Other failures (1/0 in a branch never taken) are left to run time."""
    if not isinstance(node, ast.Constant | ast.Name) and not free_names(node):
        try:
            _run(node, {}, source)
        except ExpressionLimit as exc:
            part = ast.unparse(node)
            raise ExpressionLimit(f"{exc} (in '{part[:80]}', which never changes)",
                                  source) from exc
        except ExpressionError:
            pass
        return
    for child in ast.iter_child_nodes(node):
        _refuse_constant_excess(child, source)


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """Evaluate `source` against the variables in `context`, within the budget."""
    return _run(compile_expression(source).body, context, source)


def _run(node: ast.AST, context: Mapping[str, Any], source: str) -> Any:
    budget = Budget(source)
    try:
        return Interpreter(context, source, budget).eval(node)
    except ExpressionError:
        raise
    except RecursionError as exc:
        raise ExpressionError("the expression is nested too deeply", source) from exc
    except MemoryError as exc:
        raise ExpressionLimit("the expression needs too much memory", source) from exc
    except Exception as exc:  # data errors: missing key, wrong type, division by zero
        raise ExpressionError(f"{type(exc).__name__}: {exc}", source) from exc
    finally:
        budget.finish()
