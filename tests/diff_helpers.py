"""Running generated derivative code for the tests: exprgrad programs, Python and NumPy modules, C and JavaScript."""

from __future__ import annotations

import ctypes
import json
import math
import shutil
import subprocess
import tempfile
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from exprgrad import parse
from exprgrad.codegen import generate
from exprgrad.codegen.document import Generated
from exprgrad.errors import EvaluationError
from exprgrad.program import Program
from exprgrad.symbolic import differentiate

Point = Mapping[str, float]
# value, {variable: derivative}, {row: {column: second derivative}}; None where the code reports a math error.
Results = tuple[float, dict[str, float], dict[str, dict[str, float]]] | None


def generated(text: str, target: str, order: int = 1, wrt: Sequence[str] = ()) -> tuple[Program, Generated]:
    """The program and its derivatives written in `target`."""
    program = parse(text)
    return program, generate(differentiate(program, wrt, order), target, source=text)


def eval_results(program: Program, point: Point, order: int) -> Results:
    """What `exprgrad eval` gives at `point` (None for a math error)."""
    bindings = {name: point[name] for name in program.variables if name not in program.defaults}
    try:
        evaluation = program.evaluate(bindings)
        hessian = program.hessian(bindings) if order == 2 else {}
    except EvaluationError:
        return None
    return evaluation.value, dict(evaluation.gradients), hessian


def run_exprgrad(code: Generated, point: Point) -> Results:
    """The generated exprgrad program's statements, evaluated by exprgrad at `point`."""
    program = parse(code.code)
    bindings = {name: point[name] for name in program.variables if name in point and name not in program.defaults}
    try:
        program.evaluate(bindings)
    except EvaluationError:
        return None
    value = {node.label: node.data for node in program.nodes}
    return _named(code, value)


def _named(code: Generated, value: Mapping[str, float]) -> Results:
    first = {v: value[name] for v, name in code.derivatives.items()}
    second = {v: {w: value[name] for w, name in row.items()} for v, row in code.hessian.items()}
    return value[code.output], first, second


def load_python(code: Generated) -> types.ModuleType:
    """The generated Python or NumPy module, imported from its text."""
    module = types.ModuleType("generated")
    exec(compile(code.code, "<generated>", "exec"), module.__dict__)
    return module


def run_python(code: Generated, point: Point) -> Results:
    """The generated Python function at `point` (None where it raises ValueError)."""
    function = load_python(code).f
    try:
        result = function(**_arguments(code, point))
    except ValueError:
        return None
    return _unpack(result)


def run_numpy(code: Generated, point: Point) -> Results:
    """The generated NumPy function at `point`, over arrays of one element (None where a number is not finite)."""
    import numpy as np

    function = load_python(code).f
    value, first, *rest = function(**{name: np.array([value]) for name, value in _arguments(code, point).items()})
    second = rest[0] if rest else {}

    def number(x: Any) -> float:
        # A program without variables gives plain numbers: the arguments' broadcast shape is ().
        return float(np.asarray(x).reshape(-1)[0])

    return _finite_or_none(
        (
            number(value),
            {v: number(d) for v, d in first.items()},
            {r: {c: number(x) for c, x in row.items()} for r, row in second.items()},
        )
    )


def _arguments(code: Generated, point: Point) -> dict[str, float]:
    return {spelled: point[name] for name, spelled in code.variables.items() if name in point}


def _unpack(result: Any) -> Results:
    value, first, *rest = result
    second = rest[0] if rest else {}
    return (
        float(value),
        {k: float(v) for k, v in first.items()},
        {r: {c: float(x) for c, x in row.items()} for r, row in second.items()},
    )


def run_c(code: Generated, points: Sequence[Point], variables: Sequence[str]) -> list[Results]:
    """The generated C function, compiled with the system compiler (warnings are errors), at every point."""
    if shutil.which("cc") is None:
        pytest.fail("the C tests need a C compiler on PATH: apt-get install gcc libc6-dev (.ci/run does)")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "generated.c"
        library = Path(folder) / "generated.so"
        source.write_text(code.code)
        compiled = subprocess.run(
            [
                "cc",
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-O0",
                "-shared",
                "-fPIC",
                str(source),
                "-o",
                str(library),
                "-lm",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert compiled.returncode == 0, compiled.stderr + code.code
        function = ctypes.CDLL(str(library)).f
        function.restype = ctypes.c_double
        n = len(variables)
        results: list[Results] = []
        for point in points:
            inputs = (ctypes.c_double * max(n, 1))(*[point[name] for name in variables])
            grad = (ctypes.c_double * max(n, 1))()
            hessian = (ctypes.c_double * max(n * n, 1))()
            value = function(inputs, grad, hessian) if code.order == 2 else function(inputs, grad)
            position = {name: index for index, name in enumerate(variables)}
            first = {v: grad[position[v]] for v in code.derivatives}
            second = {r: {c: hessian[position[r] * n + position[c]] for c in row} for r, row in code.hessian.items()}
            results.append(_finite_or_none((value, first, second)))
        return results


def run_js(code: Generated, points: Sequence[Point]) -> list[Results]:
    """The generated ES module, run by node at every point."""
    if shutil.which("node") is None:
        pytest.fail("the JavaScript tests need node on PATH: apt-get install nodejs (.ci/run does)")
    with tempfile.TemporaryDirectory() as folder:
        module = Path(folder) / "generated.mjs"
        module.write_text(code.code)
        runner = Path(folder) / "run.mjs"
        runner.write_text(
            'import { f } from "./generated.mjs";\n'
            f"const points = {json.dumps([dict(p) for p in points])};\n"
            "const out = points.map((p) => f(p));\n"
            "console.log(JSON.stringify(out, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));\n"
        )
        completed = subprocess.run(["node", str(runner)], check=True, capture_output=True, text=True)
    results: list[Results] = []
    for item in json.loads(completed.stdout):
        value = item["value"]
        first = item["gradient"]
        second = item.get("hessian", {})
        numbers = [value, *first.values(), *(x for row in second.values() for x in row.values())]
        results.append(None if any(x is None for x in numbers) else (value, first, second))
    return results


def _finite_or_none(result: tuple[float, dict[str, float], dict[str, dict[str, float]]]) -> Results:
    value, first, second = result
    numbers = [value, *first.values(), *(x for row in second.values() for x in row.values())]
    return result if all(math.isfinite(x) for x in numbers) else None


def close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Whether two numbers agree to a relative `rtol` (or an absolute `atol` near 0)."""
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def agree(expected: Results, actual: Results, rtol: float = 1e-9) -> bool:
    """Whether every number of two results agrees (both math errors agree too)."""
    if expected is None or actual is None:
        return expected is actual
    value, first, second = expected
    other_value, other_first, other_second = actual
    if not close(value, other_value, rtol):
        return False
    if any(not close(first[v], other_first[v], rtol) for v in other_first):
        return False
    # A Hessian entry that cancels to near 0 carries the rounding of its terms, which are the size of the largest
    # entry: near 0 it is compared with an absolute tolerance of 1e-12 times that size.
    scale = max([1.0, *(abs(x) for row in second.values() for x in row.values())])
    return all(close(second[r][c], x, rtol, 1e-12 * scale) for r, row in other_second.items() for c, x in row.items())


def documented_difference(program: Program, point: Point) -> bool:
    """Whether `point` is where generated code may fail though eval does not (README, diff): a local derivative
    that is not finite there though no registry mark says it can be (it overflows: 1/y at a subnormal y), behind a
    gradient of 0 (eval passes nothing back through it; the generated code multiplies). Partials that can be
    infinite where their op is defined (`ops.Op.unbounded`) are guarded, `where` branches not chosen are not
    computed, and the formulas give eval's conventions, so every other point must agree.
    """
    from exprgrad.mathspace import FLOAT_MATH

    bindings = {name: point[name] for name in program.variables if name not in program.defaults}
    program.evaluate(bindings)
    for node in program.nodes:
        op = node.op
        if op is None:
            continue
        values = [child.data for child in node.inputs]
        if any(math.isnan(value) for value in values) or node.grad != 0.0:
            # Not evaluated (a `where` branch not chosen), or a gradient that passes the partial on: eval too fails.
            continue
        constants = tuple(child.data if not child.needs_grad else None for child in node.inputs)
        for slot, partial in enumerate(op.partials):
            if op.unbounded(slot, constants):
                continue
            try:
                if not math.isfinite(partial(FLOAT_MATH, *values, node.data)):
                    return True
            except ArithmeticError:
                return True
    return False
