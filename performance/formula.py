"""Custom KPI formulas: parse once when the KPI is saved, evaluate safely for every period.

A formula computes a KPI from other KPIs or raw variables, e.g.
``if_(orders > 0, 100 * on_time / orders, 100)`` or
``avg(otd_pct, quality_pct) - defects_ppm / 1000``.

Grammar: ``+ - * /``, parentheses, unary minus (and plus), numeric literals, variable names
(identifiers such as KPI codes), and the functions ``min``, ``max``, ``sum``, ``avg`` (one or
more arguments), ``abs(x)``, ``round(x)`` / ``round(x, n)`` (``n`` an integer literal 0-10, half
up, not Python's banker's rounding) and ``if_(condition, then, else)``. Conditions are
comparisons (``< <= > >= == !=``, chainable) combined with ``and``, ``or``, ``not``; they are only
allowed as the first argument of ``if_``, and a formula always produces a number. Variable
names are Python identifiers other than keywords (``if`` is one, hence ``if_``).

Why a small ``ast`` walker rather than ``simpleeval``: we only need a dozen node types, and
walking them ourselves gives us three things simpleeval does not out of the box:

* exact decimals: literals are read from the source text (``0.1`` is ``Decimal("0.1")``, never
  the float ``0.1``), and all arithmetic runs in ``Decimal``;
* everything is checked when the formula is saved, not when it first runs: unknown variables
  (by name), unknown functions, wrong argument counts, comparisons used as numbers and any other
  Python construct are refused with their position, by ``parse_formula``;
* "no data" semantics: a missing variable or a division by zero yields ``None``, where
  simpleeval raises (``NameNotDefined``, ``ZeroDivisionError``) and every caller would have to
  translate the exceptions; ``if_`` is also lazy, so ``if_(n > 0, x / n, 0)`` is safe.

The walker is an allow-list: any node type not handled explicitly is refused, so attribute
access, subscripts, lambdas, comprehensions, ``**`` and the like can never reach evaluation, and
nothing is ever passed to ``eval``/``exec``/``compile``. Length and nesting are bounded.

Cycles between formula KPIs (``a`` uses ``b`` uses ``a``) are the caller's concern: pass as
``known_variables`` only the codes the formula may depend on, and use ``Formula.variables`` to
build the dependency graph.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from performance.scoring import as_decimal

MAX_EXPRESSION_LENGTH = 1000
MAX_NESTING_DEPTH = 40
MAX_ROUND_DIGITS = 10

_WHITESPACE_TO_SPACE = str.maketrans("\n\r\t\f\v", "     ")

# Evaluation runs in its own context so the result does not depend on whatever the calling
# thread configured; the traps turn x/0, 0/0 and overflow into exceptions we map to "no data".
_EVAL_CONTEXT = Context(
    prec=28, rounding=ROUND_HALF_EVEN, traps=[DivisionByZero, InvalidOperation, Overflow]
)

# name -> (minimum arguments, maximum arguments or None for "any number")
_FUNCTION_ARITY: dict[str, tuple[int, int | None]] = {
    "min": (1, None),
    "max": (1, None),
    "sum": (1, None),
    "avg": (1, None),
    "abs": (1, 1),
    "round": (1, 2),
    "if_": (3, 3),
}

# Friendlier names for constructs people are likely to try.
_CONSTRUCT_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (`a.b`)",
    ast.Subscript: "indexing (`a[b]`)",
    ast.IfExp: "inline `x if c else y` (use if_(c, x, y))",
    ast.Lambda: "lambda",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.NamedExpr: "assignment (`:=`)",
    ast.JoinedStr: "text",
    ast.Starred: "argument unpacking (`*`)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Pow: "the `**` operator",
    ast.Mod: "the `%` operator",
    ast.FloorDiv: "the `//` operator",
    ast.MatMult: "the `@` operator",
    ast.LShift: "the `<<` operator",
    ast.RShift: "the `>>` operator",
    ast.BitAnd: "the `&` operator",
    ast.BitOr: "the `|` operator",
    ast.BitXor: "the `^` operator",
    ast.Invert: "the `~` operator",
    ast.Is: "`is`",
    ast.IsNot: "`is not`",
    ast.In: "`in`",
    ast.NotIn: "`not in`",
}

_ARITHMETIC: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}

_COMPARISONS: dict[type[ast.cmpop], Callable[[Decimal, Decimal], bool]] = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}

Values = Mapping[str, Decimal]
NumberFn = Callable[[Values], Decimal]
ConditionFn = Callable[[Values], bool]


class FormulaError(ValueError):
    """A formula was refused; ``message`` says why, ``position`` (1-based) where, if known."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} at position {position}")


@dataclass(frozen=True)
class Formula:
    """A parsed, validated formula. Build it with ``parse_formula``."""

    expression: str
    variables: frozenset[str]
    _evaluate: NumberFn = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, Decimal | int | None]) -> Decimal | None:
        """Evaluate with the given variable values; ``None`` means "no data".

        ``None`` is returned when any variable the formula references is missing or ``None``
        (even one only used in the branch of ``if_`` not taken, so a result never depends on
        which data happened to be present), and when the arithmetic divides by zero or
        overflows. The result is not rounded: the caller quantises at its output boundary.
        """
        resolved: dict[str, Decimal] = {}
        for name in self.variables:
            value = values.get(name)
            if value is None:
                return None
            resolved[name] = as_decimal(f"variable `{name}`", value)
        try:
            with localcontext(_EVAL_CONTEXT):
                # Unary plus applies the context, so the result carries our precision.
                return +self._evaluate(resolved)
        except (DivisionByZero, InvalidOperation, Overflow):
            return None


def parse_formula(expression: str, known_variables: Iterable[str]) -> Formula:
    """Parse and validate ``expression``; raise ``FormulaError`` naming the problem.

    Every variable must be in ``known_variables``; unknown ones are refused by name.
    """
    if isinstance(known_variables, str):
        # A lone string would be iterated as single letters and accept nonsense.
        raise TypeError("known_variables must be a collection of names, not a string")
    if not isinstance(expression, str):
        raise TypeError("expression must be a string")
    known = frozenset(known_variables)
    stripped = expression.strip()
    if not stripped:
        raise FormulaError("the formula is empty")
    if len(stripped) > MAX_EXPRESSION_LENGTH:
        raise FormulaError(
            f"the formula is too long ({len(stripped)} characters, at most {MAX_EXPRESSION_LENGTH})"
        )
    lead = len(expression) - len(expression.lstrip())

    # Line breaks and tabs become spaces (same length, so positions still match what the user
    # typed): a formula may be wrapped over several lines in a text area.
    source = stripped.translate(_WHITESPACE_TO_SPACE)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        # Python reports offset 0 (or past the end) when the input stops mid-expression.
        if error.offset is None or not 1 <= error.offset <= len(source):
            raise FormulaError(
                "syntax error: the formula ends unexpectedly", position=lead + len(source) + 1
            ) from None
        raise FormulaError(f"syntax error ({error.msg})", position=lead + error.offset) from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is nested too deeply") from None

    compiler = _Compiler(source, known, lead)
    evaluate = compiler.number(tree.body, depth=0)
    if compiler.unknown:
        names = sorted(compiler.unknown)
        label = "unknown variable" if len(names) == 1 else "unknown variables"
        raise FormulaError(
            f"{label} {', '.join(f'`{name}`' for name in names)}",
            position=compiler.first_unknown_position,
        )
    return Formula(expression=stripped, variables=frozenset(compiler.variables), _evaluate=evaluate)


class _Compiler:
    """Turns a validated AST into nested closures, refusing anything outside the grammar.

    Unknown variables are collected rather than raised at once, so the error lists them all;
    every other problem raises immediately.
    """

    def __init__(self, source: str, known: frozenset[str], lead: int) -> None:
        self.source = source
        self.known = known
        self.lead = lead
        self.variables: set[str] = set()
        self.unknown: set[str] = set()
        self.first_unknown_position: int | None = None

    # -- helpers --------------------------------------------------------------------------------

    def position(self, node: ast.AST) -> int | None:
        """1-based character position of ``node`` in the expression as the user typed it."""
        col = getattr(node, "col_offset", None)
        if col is None:
            return None
        # col_offset counts UTF-8 bytes; convert to characters for non-ASCII names.
        chars = len(self.source.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return self.lead + chars + 1

    def refuse(self, message: str, node: ast.AST) -> FormulaError:
        return FormulaError(message, position=self.position(node))

    def disallowed(self, node: ast.AST, construct: ast.AST | None = None) -> FormulaError:
        construct = construct or node
        name = _CONSTRUCT_NAMES.get(type(construct), type(construct).__name__)
        return self.refuse(f"disallowed construct: {name}", node)

    def check_depth(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_NESTING_DEPTH:
            raise self.refuse(
                f"the formula is nested too deeply (more than {MAX_NESTING_DEPTH} levels)", node
            )

    # -- numeric expressions --------------------------------------------------------------------

    def number(self, node: ast.expr, depth: int) -> NumberFn:
        self.check_depth(node, depth)
        if isinstance(node, ast.Constant):
            return self.literal(node)
        if isinstance(node, ast.Name):
            return self.variable(node)
        if isinstance(node, ast.BinOp):
            operation = _ARITHMETIC.get(type(node.op))
            if operation is None:
                raise self.disallowed(node, node.op)
            left = self.number(node.left, depth + 1)
            right = self.number(node.right, depth + 1)
            return lambda values: operation(left(values), right(values))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                operand = self.number(node.operand, depth + 1)
                return lambda values: -operand(values)
            if isinstance(node.op, ast.UAdd):
                return self.number(node.operand, depth + 1)
            if isinstance(node.op, ast.Not):
                raise self.refuse(
                    "`not` is only allowed in the condition of if_(condition, then, else)", node
                )
            raise self.disallowed(node, node.op)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare | ast.BoolOp):
            raise self.refuse(
                "a comparison is only allowed as the condition of if_(condition, then, else); "
                "a formula must produce a number",
                node,
            )
        raise self.disallowed(node)

    def literal(self, node: ast.Constant) -> NumberFn:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            if isinstance(value, str | bytes):
                kind = "text"
            elif isinstance(value, bool):
                kind = "boolean"
            elif isinstance(value, complex):
                kind = "complex number"
            else:
                kind = repr(value)
            raise self.refuse(f"disallowed construct: {kind} literal", node)
        # Read the literal from the source so 0.1 is exactly Decimal("0.1"), not a float's
        # binary approximation. Hex/octal/binary literals fall back to the parsed int.
        segment = ast.get_source_segment(self.source, node) or ""
        try:
            number = Decimal(segment)
        except InvalidOperation:
            if not isinstance(value, int):
                raise self.refuse(f"unsupported number `{segment}`", node) from None
            number = Decimal(value)
        return lambda values: number

    def variable(self, node: ast.Name) -> NumberFn:
        name = node.id
        if name in self.known:
            self.variables.add(name)
            return lambda values: values[name]
        if name in _FUNCTION_ARITY:
            raise self.refuse(f"`{name}` is a function; call it, e.g. {name}(...)", node)
        self.unknown.add(name)
        if self.first_unknown_position is None:
            self.first_unknown_position = self.position(node)
        return lambda values: values[name]  # never evaluated: parse_formula raises

    def call(self, node: ast.Call, depth: int) -> NumberFn:
        if not isinstance(node.func, ast.Name):
            allowed = ", ".join(_FUNCTION_ARITY)
            raise self.refuse(f"only the functions {allowed} can be called", node)
        name = node.func.id
        if name not in _FUNCTION_ARITY:
            allowed = ", ".join(_FUNCTION_ARITY)
            raise self.refuse(f"unknown function `{name}` (allowed: {allowed})", node)
        if node.keywords:
            raise self.refuse(f"{name}() takes no keyword arguments", node.keywords[0].value)
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                raise self.disallowed(argument)
        minimum, maximum = _FUNCTION_ARITY[name]
        count = len(node.args)
        if count < minimum or (maximum is not None and count > maximum):
            if minimum == maximum:
                expected = f"exactly {minimum}"
            elif maximum is None:
                expected = f"at least {minimum}"
            else:
                expected = f"{minimum} to {maximum}"
            raise self.refuse(
                f"{name}() takes {expected} argument{'s' if maximum != 1 else ''}, got {count}",
                node,
            )

        if name == "if_":
            condition = self.condition(node.args[0], depth + 1)
            then = self.number(node.args[1], depth + 1)
            otherwise = self.number(node.args[2], depth + 1)
            # Lazy on purpose: if_(n > 0, x / n, 0) must not divide by zero when n == 0.
            return lambda values: then(values) if condition(values) else otherwise(values)

        if name == "round":
            operand = self.number(node.args[0], depth + 1)
            places = self.round_places(node.args[1]) if count == 2 else 0
            exponent = Decimal(1).scaleb(-places)
            return lambda values: operand(values).quantize(exponent, rounding=ROUND_HALF_UP)

        arguments = [self.number(argument, depth + 1) for argument in node.args]
        if name == "abs":
            (operand,) = arguments
            return lambda values: abs(operand(values))
        if name == "min":
            return lambda values: min(argument(values) for argument in arguments)
        if name == "max":
            return lambda values: max(argument(values) for argument in arguments)

        def total(values: Values) -> Decimal:
            return sum((argument(values) for argument in arguments), Decimal(0))

        if name == "sum":
            return total
        divisor = Decimal(len(arguments))
        return lambda values: total(values) / divisor

    def round_places(self, node: ast.expr) -> int:
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
            and 0 <= node.value <= MAX_ROUND_DIGITS
        ):
            return node.value
        raise self.refuse(
            f"round()'s second argument must be a whole number from 0 to {MAX_ROUND_DIGITS}", node
        )

    # -- conditions -----------------------------------------------------------------------------

    def condition(self, node: ast.expr, depth: int) -> ConditionFn:
        self.check_depth(node, depth)
        if isinstance(node, ast.Compare):
            operands = [self.number(node.left, depth + 1)] + [
                self.number(comparator, depth + 1) for comparator in node.comparators
            ]
            checks = []
            for op in node.ops:
                check = _COMPARISONS.get(type(op))
                if check is None:
                    raise self.disallowed(node, op)
                checks.append(check)

            def compare(values: Values) -> bool:
                # Chained like Python: a < b <= c means a < b and b <= c, each operand once.
                results = [operand(values) for operand in operands]
                return all(check(results[i], results[i + 1]) for i, check in enumerate(checks))

            return compare
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(value, depth + 1) for value in node.values]
            if isinstance(node.op, ast.And):
                return lambda values: all(part(values) for part in parts)
            return lambda values: any(part(values) for part in parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = self.condition(node.operand, depth + 1)
            return lambda values: not operand(values)
        raise self.refuse(
            "the condition of if_ must be a comparison such as `x > 0` "
            "(combine them with and / or / not)",
            node,
        )
