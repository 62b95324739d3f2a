"""The registry walked op by op: every op is everywhere it must be, and every namespace agrees with the floats.

Adding an op to exprgrad/ops.py without its namespace members, its Value method, a strategy that reaches it, a
formula exprgrad can read or a README row fails here (or in mypy, for a namespace member).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from exprgrad import EvaluationError, Value, parse
from exprgrad.engine import backward, constant
from exprgrad.hessian import VALUE_MATH
from exprgrad.mathspace import FLOAT_MATH, MathNamespace
from exprgrad.ops import ALL_OPS, CALL, FUNCTIONS, NODE_OPS, UNLESS, WHEN, WHERE, DomainError, Op
from exprgrad.program import Program
from exprgrad.sweep import reverse_sweep
from exprgrad.vectorized import ARRAY_MATH, FAST_ARRAY_MATH

from . import strategies

# Arguments tried for every op: each op keeps those inside its domain. Kinks, ties and whole numbers included.
SAMPLES = (-7.25, -2.5, -1.0, -0.75, -0.3, 0.0, 0.2, 0.5, 1.0, 1.5, 2.0, 3.0, 9.5)
_RANDOM = random.Random(12)
RANDOM_SAMPLES = tuple(_RANDOM.uniform(-4.0, 4.0) for _ in range(40))


def _arguments(op: Op, samples: tuple[float, ...] = SAMPLES) -> Iterator[tuple[float, ...]]:
    """Argument tuples inside `op`'s domain (where its float forward succeeds)."""
    if op.arity == 1:
        candidates: list[tuple[float, ...]] = [(x,) for x in samples]
    elif op.arity == 2:
        candidates = [(x, y) for x in samples for y in samples]
    else:
        candidates = [(x, y, z) for x in samples for y in samples[::3] for z in samples[::4]]
    for arguments in candidates:
        try:
            op.forward(*arguments)
        except DomainError:
            continue
        yield arguments


def _value_of(program: Program, bindings: dict[str, float]) -> float:
    """The program's value alone (its gradients may not exist where the value does)."""
    program.bind(bindings)
    program.forward()
    return program.output.data


def _ulps(a: float, b: float) -> float:
    if a == b:
        return 0.0
    return abs(a - b) / math.ulp(max(abs(a), abs(b)))


OP_IDS = [op.name for op in ALL_OPS]
NODE_IDS = [op.name for op in NODE_OPS]


@pytest.mark.parametrize("op", ALL_OPS, ids=OP_IDS)
def test_every_op_has_points_in_its_domain(op: Op) -> None:
    """The sample points reach every op (an op whose domain misses them all would go untested below)."""
    assert len(list(_arguments(op))) >= 5


@pytest.mark.parametrize("op", ALL_OPS, ids=OP_IDS)
def test_forward_agrees_in_every_namespace(op: Op) -> None:
    """An op computed over floats, Values and arrays (exact: bit for bit; fast: within 4 ulps) gives its forward."""
    points = list(_arguments(op))
    expected = [op.forward(*arguments) for arguments in points]
    assert [op.over(FLOAT_MATH, *arguments) for arguments in points] == expected
    values = [op.over(VALUE_MATH, *map(Value, arguments)) for arguments in points]
    assert [value.data for value in values] == expected
    columns = [np.array(column) for column in zip(*points, strict=True)]
    with np.errstate(all="ignore"):
        exact = op.over(ARRAY_MATH, *columns)
        fast = op.over(FAST_ARRAY_MATH, *columns)
    assert exact.tolist() == expected
    assert max(_ulps(a, b) for a, b in zip(fast.tolist(), expected, strict=True)) <= 4


@pytest.mark.parametrize("op", NODE_OPS, ids=NODE_IDS)
def test_partials_agree_in_every_namespace(op: Op) -> None:
    """Each local partial over Values and over arrays (where finite) is the float partial, bit for bit."""
    for arguments in _arguments(op):
        out = op.forward(*arguments)
        for slot, partial in enumerate(op.partials):
            try:
                expected = partial(FLOAT_MATH, *arguments, out)
            except ArithmeticError:
                continue
            inputs = [Value(x) for x in arguments]
            node = op.over(VALUE_MATH, *inputs)
            try:
                local = partial(VALUE_MATH, *inputs, node)
            except (ArithmeticError, EvaluationError):
                # Values are variables: a special case for constants (x**0 at x = 0) does not apply to them.
                assert any(convention.holds(*arguments) for convention in op.conventions), (op.name, arguments)
                continue
            assert (local.data if isinstance(local, Value) else local) == expected, (op.name, slot, arguments)
            with np.errstate(all="ignore"):
                array = partial(ARRAY_MATH, *(np.array([x]) for x in arguments), np.array([out]))
            array_value = float(np.broadcast_to(array, (1,))[0])
            if math.isfinite(array_value) and not (op.name == "pow" and arguments[0] == 0.0):
                assert array_value == expected, (op.name, slot, arguments, array_value, expected)


@pytest.mark.parametrize("op", NODE_OPS, ids=NODE_IDS)
def test_formula_text_is_exprgrad_and_agrees_with_the_partial(op: Op) -> None:
    """Each formula, and each as people read it (`Op.written`), parses in exprgrad's language and, evaluated by
    exprgrad, gives the partial within 4 ulps.

    Where the partial takes a special case named in the op's conventions (pow at x = 0) the formula may fail; where
    the partial fails (an infinite derivative), the formula fails too.
    """
    for slot, formula in sorted({*enumerate(op.formulas), *enumerate(op.written)}):
        program = parse(formula)
        assert set(program.variables) <= {"x", "y", "out"}, formula
        for arguments in [*_arguments(op), *_arguments(op, RANDOM_SAMPLES)]:
            out = op.forward(*arguments)
            bindings = dict(zip(("x", "y"), arguments, strict=False)) | {"out": out}
            used = {name: bindings[name] for name in program.variables}
            try:
                expected = op.partials[slot](FLOAT_MATH, *arguments, out)
            except ArithmeticError:
                with pytest.raises(EvaluationError):
                    _value_of(program, used)
                continue
            try:
                value = _value_of(program, used)
            except EvaluationError:
                assert any(convention.holds(*arguments) for convention in op.conventions), (formula, arguments)
                continue
            assert _ulps(value, expected) <= 4, (op.name, formula, arguments, value, expected)


@pytest.mark.parametrize("op", NODE_OPS, ids=NODE_IDS)
def test_formulas_equal_the_partials_at_every_convention_point(op: Op) -> None:
    """At each point where an op's convention holds, each formula gives exactly its partial's value (or fails
    where the partial fails).

    Generated code (`exprgrad diff`) and the explorer evaluate the formulas: a formula that gave another number
    there would make them give a wrong derivative.
    """
    points = [
        arguments
        for arguments in [*_arguments(op), *_arguments(op, RANDOM_SAMPLES)]
        if any(convention.holds(*arguments) for convention in op.conventions)
    ]
    assert points or not op.conventions, op.name
    for slot, formula in enumerate(op.formulas):
        program = parse(formula)
        for arguments in points:
            out = op.forward(*arguments)
            bindings = dict(zip(("x", "y"), arguments, strict=False)) | {"out": out}
            try:
                expected = op.partials[slot](FLOAT_MATH, *arguments, out)
            except ArithmeticError:
                continue
            value = _value_of(program, {name: bindings[name] for name in program.variables})
            assert value == expected, (op.name, formula, arguments, value, expected)


@pytest.mark.parametrize("op", ALL_OPS, ids=OP_IDS)
def test_every_kink_is_checked_at_its_point(op: Op) -> None:
    """A convention's `holds` is true somewhere among the sample points, and the formula agrees there too."""
    for convention in op.conventions:
        assert any(convention.holds(*arguments) for arguments in _arguments(op)), (op.name, convention.where)


def test_every_function_is_a_namespace_member_and_a_value_method() -> None:
    """Every name a program may call is a member of the math namespace and a documented Value method."""
    members = {name for name in dir(MathNamespace) if not name.startswith("_")}
    for name, op in FUNCTIONS.items():
        if not op.steps:
            assert op.name in members, name
        method = getattr(Value, name, None)
        assert method is not None, f"Value has no method {name}"
        doc = method.__doc__ or ""
        assert doc and "\n" not in doc.strip(), f"Value.{name} needs a one-line docstring"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_value_methods_compute_the_function(name: str) -> None:
    """Value.<function> gives the parsed function's value and gradients."""
    op = FUNCTIONS[name]
    arguments = next(iter(_arguments(op, (0.7, 0.2, 1.3))))
    names = ("a", "b", "c")[: op.arity]
    text = f"{name}({', '.join(names)})"
    expected = parse(text).evaluate(dict(zip(names, arguments, strict=True)))
    inputs = [Value(x, label=n) for x, n in zip(arguments, names, strict=True)]
    result = getattr(inputs[0], name)(*inputs[1:])
    result.backward()
    assert result.data == expected.value
    assert [x.grad for x in inputs] == [expected.gradients[n] for n in names]


def test_the_strategies_reach_every_op() -> None:
    """tests/strategies.py generates every function (under every name) and every operator."""
    reached: set[str] = set()
    names_used: set[str] = set()
    a, b = strategies.Expr("a", strategies.SYMBOLS["a"]), strategies.Expr("b", strategies.SYMBOLS["b"])
    texts = [strategies._unary(a, kind).text for kind in strategies.UNARY_KINDS]
    texts += [strategies._binary(a, b, kind).text for kind in strategies.BINARY_KINDS]
    for text in texts:
        program = parse(text)
        reached |= {node.op.name for node in program.nodes if node.op is not None}
        names_used |= {name for name in FUNCTIONS if f"{name}(" in text}
    assert reached >= {op.name for op in NODE_OPS} - {"identity"}
    assert names_used >= set(FUNCTIONS)


def test_the_readme_lists_every_function() -> None:
    """README.md's function table names every function and alias and every operator."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name in FUNCTIONS:
        assert f"`{name}(" in readme or f"`{name}`" in readme, name
    for op in ALL_OPS:
        if op.notation != CALL and op.name != "identity":
            assert f"`x {op.symbol} y`" in readme or f"`{op.symbol}x`" in readme, op.name


def _sweep_and_backward(program: Program) -> tuple[list[float], list[float]]:
    nodes = program.nodes
    backward(program.output, nodes)
    engine = [node.grad for node in nodes]
    shared = reverse_sweep(
        nodes, program.input_ids(), program.output_index(), [node.data for node in nodes], FLOAT_MATH, 1.0
    )
    return engine, [grad if node.needs_grad else 0.0 for node, grad in zip(nodes, shared, strict=True)]


@pytest.mark.parametrize(
    "text",
    [
        "L = (a*b + c) * f",
        "n = x*w + b; o = tanh(n); L = o*o + relu(n) - abs(b)",
        "y = max(a, b) * min(a, c) + clamp(a, b, c)**2 + atan2(a, b) + hypot(a, c) + gelu(a)*silu(b)",
        "y = leaky_relu(a, 0.1) + elu(b) + softplus(c) + log_sigmoid(a) + softsign(b) + erf(a)*erfc(b)",
        "y = a**b + log1p(a*a) + expm1(b) + exp2(c) + log2(c*c) + log10(c*c) + cbrt(a) + sinh(a)*cosh(b)",
        # Partials that are the number 0 (the sweep passes nothing through them) under negative gradients, and a
        # `where` branch not evaluated (log(b) at b <= 0) or whose partial is infinite (sqrt(b) at b = 0).
        "y = -(where(step(b), log(b)*c, a*c*step(c - 1)) * sign(a - 1) + floor(b)*c*a + when(step(b), sqrt(b))*f)",
    ],
)
@pytest.mark.parametrize("point", [(0.5, -1.25, 2.0, 3.0), (2.0, 2.0, 0.75, -1.0), (0.3, 0.0, 1.5, 0.5)])
def test_engine_backward_is_the_shared_sweep_bit_for_bit(text: str, point: tuple[float, ...]) -> None:
    """engine.backward (the tuned float loop) gives the shared reverse sweep's gradients, bit for bit."""
    program = parse(text)
    values = dict(zip("abcfxw", point * 2, strict=False))
    program.run({name: values[name] for name in program.variables})
    engine, shared = _sweep_and_backward(program)
    assert [float.hex(g) for g in engine] == [float.hex(g) for g in shared]


def test_a_zero_gradient_passes_nothing_back_in_the_shared_sweep() -> None:
    """The sweep skips a node whose gradient is the constant 0, so 0 * an infinite partial stays 0."""
    x = Value(0.0, label="x")
    y = x.sqrt() * 0.0
    order = [x, x.sqrt(), constant(0.0), y]
    # sqrt'(0) is infinite, but its user's gradient is exactly 0.
    order[3] = order[1] * order[2]
    grads = reverse_sweep(order, [(), (0,), (), (1, 2)], 3, [n.data for n in order], FLOAT_MATH, 1.0)
    assert grads[0] == 0.0


def test_number_and_name_patterns_are_the_grammars() -> None:
    """The NUMBER and NAME patterns that bindings, formulas and the parser use are the grammar's, as its tables say."""
    import re

    from exprgrad.grammar_tables import NAME_PATTERN, NUMBER_PATTERN, TOKEN_PATTERN

    grammar = (Path(__file__).parent.parent / "grammars" / "expr.lark").read_text(encoding="utf-8")
    terminals = dict(re.findall(r"^(NUMBER|NAME): /(.*)/$", grammar, flags=re.MULTILINE))
    assert terminals == {"NUMBER": NUMBER_PATTERN, "NAME": NAME_PATTERN}
    assert f"(?P<NUMBER>{NUMBER_PATTERN})" in TOKEN_PATTERN
    assert f"(?P<NAME>{NAME_PATTERN})" in TOKEN_PATTERN


@pytest.mark.parametrize("op", NODE_OPS, ids=NODE_IDS)
def test_partials_that_can_be_infinite_where_the_op_is_defined_are_marked(op: Op) -> None:
    """`Op.unbounded` marks exactly the partials found infinite or failing at sample points inside the op's domain
    (`exprgrad diff` guards those chain-rule terms), whichever of the inputs are constants there."""
    found: set[int] = set()
    for arguments in [*_arguments(op), *_arguments(op, RANDOM_SAMPLES)]:
        out = op.forward(*arguments)
        for slot, partial in enumerate(op.partials):
            try:
                finite = math.isfinite(partial(FLOAT_MATH, *arguments, out))
            except ArithmeticError:
                finite = False
            if finite:
                continue
            found.add(slot)
            for known in itertools.product(*[(None, value) for value in arguments]):
                assert op.unbounded(slot, known), (op.name, slot, arguments, known)
    marked = {slot for slot in range(len(op.partials)) if op.unbounded(slot, (None,) * len(op.partials))}
    assert marked == found, op.name


@pytest.mark.parametrize("op", [op for op in NODE_OPS if op.given_constant], ids=lambda op: op.name)
def test_formulas_given_a_constant_input_equal_the_partial(op: Op) -> None:
    """A formula for a partial where an input is a constant (`Op.given_constant`) gives the partial's value wherever
    that constant is not 0 (a constant 0 exponent makes x**0 the constant 1, with no formula), and fails where it
    fails."""
    for slot, position, formula in op.given_constant:
        program = parse(formula)
        checked = 0
        for arguments in [*_arguments(op), *_arguments(op, RANDOM_SAMPLES)]:
            if arguments[position] == 0.0:
                continue
            out = op.forward(*arguments)
            bindings = dict(zip(("x", "y"), arguments, strict=False)) | {"out": out}
            used = {name: bindings[name] for name in program.variables}
            try:
                expected = op.partials[slot](FLOAT_MATH, *arguments, out)
            except ArithmeticError:
                with pytest.raises(EvaluationError):
                    _value_of(program, used)
                continue
            assert _ulps(_value_of(program, used), expected) <= 4, (op.name, formula, arguments)
            checked += 1
        assert checked > 10, op.name
        assert op.formula(slot, [index == position for index in range(op.arity)]) == formula
        assert op.formula(slot, [False] * op.arity) == op.formulas[slot]


def test_where_is_written_with_the_partials_of_its_halves() -> None:
    """where's row shows the partials of the halves its inputs enter: 0 in c, when's in a and unless's in b."""
    assert WHEN.formulas[0] == UNLESS.formulas[0] == "0"
    assert WHERE.written == ("0", WHEN.formulas[1], UNLESS.formulas[1])
    assert WHERE.steps[:2] == ((WHEN, (0, 1)), (UNLESS, (0, 2)))
