"""`exprgrad diff` against SymPy's `diff` (and `cse`), side by side in one run: ``python benchmarks/diff_vs_sympy.py``.

Two tables:
  readability  textbook derivatives: the operations in exprgrad's derivative as written (a named part counted
               once) and fully inlined, against SymPy's `diff` and `cse(diff)`, all counted by SymPy's `count_ops`
  size         programs of 1e3, 1e4 and 1e5 nodes: exprgrad's time (parse + derivative graph + code) and output
               size, against SymPy's `diff` of the same program in every variable, then `cse` of the result, each
               in a subprocess with a time limit

Options: ``--quick`` (1e3 and 1e4 only), ``--limit SECONDS`` (SymPy's time limit per size, default 120).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

import sympy
from sympy.parsing.sympy_parser import parse_expr

from exprgrad import parse
from exprgrad.codegen import generate
from exprgrad.symbolic import differentiate

# Textbook derivatives, in exprgrad's language (which SymPy's parser reads too, with the functions below).
TEXTBOOK = [
    "x**2*sin(x)",
    "exp(x)*cos(x)",
    "log(x**2 + 1)",
    "sin(x)**2",
    "x*exp(-x**2)",
    "tanh(x)",
    "1/(1 + exp(-x))",
    "sqrt(1 + x**2)",
    "x**x",
    "atan(x/2)",
    "sin(cos(tan(x)))",
    "(x**2 + 1)/(x - 1)",
    "exp(sin(x))*log(x)",
    "x**3 - 3*x**2 + 2*x - 5",
    "cosh(x)*sinh(x)",
    "log(sqrt(x))",
]
SYMPY_NAMES: dict[str, Any] = {"x": sympy.Symbol("x"), "atan": sympy.atan}


def _statements(code: str) -> list[tuple[str, str]]:
    lines = [line for line in code.splitlines() if " = " in line]
    return [(name, expression) for name, _, expression in (line.partition(" = ") for line in lines)]


def exprgrad_counts(text: str) -> tuple[str, int, int]:
    """exprgrad's derivative in x: its text, its operations as written, and fully inlined (SymPy's count_ops)."""
    code = generate(differentiate(parse(text), ["x"]), "exprgrad").code
    inlined: dict[str, Any] = dict(SYMPY_NAMES)
    as_names: dict[str, Any] = dict(SYMPY_NAMES)
    written = 0
    shown = []
    for name, expression in _statements(code):
        if name != "out":
            # A named part (the output, a temporary) counts once, where it is defined.
            written += sympy.count_ops(parse_expr(expression, local_dict=as_names, evaluate=False))
            shown.append(f"{name} = {expression}")
        inlined[name] = parse_expr(expression, local_dict=inlined, evaluate=False)
        as_names[name] = sympy.Symbol(name)
    return "; ".join(shown), written, sympy.count_ops(inlined["d_x"])


def sympy_counts(text: str) -> tuple[str, int, int]:
    """SymPy's derivative in x, its operations, and those of its common-subexpression form."""
    derivative = sympy.diff(parse_expr(text, local_dict=dict(SYMPY_NAMES)), SYMPY_NAMES["x"])
    replacements, reduced = sympy.cse(derivative)
    cse_ops = sum(sympy.count_ops(e) for _, e in replacements) + sum(sympy.count_ops(e) for e in reduced)
    return str(derivative), sympy.count_ops(derivative), cse_ops


def readability() -> None:
    """Print the textbook table (markdown)."""
    print("| program | exprgrad diff | ops written | ops inlined | SymPy diff | ops | ops after cse |")
    print("| --- | --- | ---: | ---: | --- | ---: | ---: |")
    totals = [0, 0, 0, 0]
    for text in TEXTBOOK:
        ours, written, inlined = exprgrad_counts(text)
        theirs, ops, cse_ops = sympy_counts(text)
        totals = [a + b for a, b in zip(totals, [written, inlined, ops, cse_ops], strict=True)]
        print(f"| `{text}` | `{ours}` | {written} | {inlined} | `{theirs}` | {ops} | {cse_ops} |")
    print(f"| total | | {totals[0]} | {totals[1]} | | {totals[2]} | {totals[3]} |")


def program(shape: str, size: int) -> str:
    """A program of about `size` nodes.

    network: layers of a small network, each layer's output used by the next two (SymPy's expression tree of it
             doubles with every layer); chain: each statement used once, by the next (a tree as big as the graph).
    """
    lines = []
    if shape == "chain":
        for index in range(size // 3):
            lines.append(f"x{index + 1} = tanh(x{index}*w{index % 4} + b{index % 3})")
        return "\n".join(lines)
    previous, before = "x0", "x1"
    for index in range(1, size // 6 + 1):
        name = f"h{index}"
        lines.append(f"{name} = tanh(w{index % 5}*{previous} + {before}*b{index % 3}) + sin({previous})")
        before, previous = previous, name
    return "\n".join(lines)


def _sympy_worker(shape: str, size: int, step: str) -> None:
    """SymPy's way: the program's statements as expressions, diff in every variable, then cse (in a subprocess)."""
    sys.setrecursionlimit(1_000_000)
    names: dict[str, Any] = {}
    output: Any = None
    start = time.perf_counter()
    for line in program(shape, size).splitlines():
        name, _, expression = line.partition(" = ")
        output = parse_expr(expression, local_dict=names)
        names[name] = output
    symbols = sorted(output.free_symbols, key=str)
    derivatives = [sympy.diff(output, symbol) for symbol in symbols]
    diff_seconds = time.perf_counter() - start
    result: dict[str, Any] = {"diff": diff_seconds}
    if step == "cse":
        start = time.perf_counter()
        replacements, reduced = sympy.cse(derivatives)
        result["cse"] = time.perf_counter() - start
        result["bytes"] = sum(len(f"{n} = {e}\n") for n, e in replacements) + sum(len(str(e)) + 1 for e in reduced)
    print(json.dumps(result))


def _sympy(shape: str, size: int, step: str, limit: float) -> dict[str, Any] | str:
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--sympy-worker", shape, str(size), step],
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"over {limit:.0f} s"
    if done.returncode != 0:
        return ((done.stderr.strip().splitlines() or ["crashed"])[-1]).split(":")[0][:40]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def sizes(quick: bool, limit: float) -> None:
    """Print the size table (markdown)."""
    print(
        "| program | nodes | exprgrad s | exprgrad bytes | bytes/node | C bytes | SymPy diff s | SymPy cse s "
        "| SymPy cse bytes |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for shape, size in [(s, n) for s in ("chain", "network") for n in (1_000, 10_000, 100_000)[: 2 if quick else 3]]:
        text = program(shape, size)
        start = time.perf_counter()
        parsed = parse(text)
        code = generate(differentiate(parsed), "exprgrad").code
        seconds = time.perf_counter() - start
        c_code = generate(differentiate(parsed), "c").code
        nodes = len(parsed.nodes)
        diffed = _sympy(shape, size, "diff", limit)
        cse = _sympy(shape, size, "cse", limit) if isinstance(diffed, dict) else diffed
        diff_text = f"{diffed['diff']:.2f}" if isinstance(diffed, dict) else diffed
        cse_text = f"{cse['cse']:.2f}" if isinstance(cse, dict) else cse
        cse_bytes = f"{cse['bytes']:,}" if isinstance(cse, dict) else "-"
        print(
            f"| {shape} | {nodes:,} | {seconds:.2f} | {len(code):,} | {len(code) / nodes:.1f} | {len(c_code):,} | "
            f"{diff_text} | {cse_text} | {cse_bytes} |"
        )


def main(argv: list[str]) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true")
    options.add_argument("--limit", type=float, default=120.0)
    options.add_argument("--sympy-worker", nargs=3, metavar=("SHAPE", "SIZE", "STEP"))
    arguments = options.parse_args(argv)
    if arguments.sympy_worker:
        shape, size, step = arguments.sympy_worker
        _sympy_worker(shape, int(size), step)
        return 0
    print(f"SymPy {sympy.__version__}, Python {sys.version.split()[0]}\n")
    readability()
    print()
    sizes(arguments.quick, arguments.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
