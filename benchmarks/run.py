"""exprgrad against its peers, side by side in one run: ``python benchmarks/run.py [--quick] [--only CASE ...]``.

Every measurement is repeated; the table gives the median and the spread (min-max) of each, and the ratio of
medians against the peer, next to the goal from issue 5. Absolute times drift on shared machines; ratios measured
in one run do not. Each case runs in a fresh process of its own, and each timing ends when what the run made has
been freed (`timings`). Peers: ``pip install -r benchmarks/requirements.txt``.

Cases (each a function in CASES; add one there):
  startup  whole-process wall time of the command against a minimal Typer app and ``python -c pass``
  engine   build + backward of the same graphs with exprgrad.Value and micrograd's Value, and with the least
           engine Python allows (minimal_engine.py: the ceiling of a pure-Python speed-up); memory per node
  text     parse + evaluate + backward of program text, against micrograd building the same graph from Python
           objects, and SymPy (parse_expr + diff + evaluate) where it survives; the parse loop alone, for scale
  points   --points over many rows: the compute against hand-written vectorised NumPy, and end to end (CSV in,
           CSV out) against a NumPy script; the pure-Python row path as the baseline it replaces
  limits   peak memory of whole commands on the largest program the input limit admits (one node per byte)
  drawing  --svg of a chain of layers sharing w and b, with system dot and the WebAssembly Graphviz, against
           micrograd's draw_dot; a 7-node --svg with the WebAssembly Graphviz cold and warm against system dot
  second_derivatives  one Hessian entry of tanh(sum of all products) against SymPy, its growth; the Hessian table
           against its JSON
  large_outputs  a 1e5-node table on a terminal against a pipe; explain to a pipe against its JSON
  check_many  check of rings of 1,000 variables (products, and products with tanh) against grad on the same
           program
  batch    1,000 small programs in one exprgrad batch against one call each
  typer    start-up with the newest Typer (a temporary venv) against the pinned one: when the pin can go
  wide_points  --points with 1,001 variables (the 21-node program repeated): compute against NumPy in blocks of the
           same size, cost per node and point against the 21-node program, CSV against JSON lines
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
EXPRGRAD = shutil.which("exprgrad", path=str(Path(PYTHON).parent)) or "exprgrad"


@dataclass
class Row:
    """One line of the table: exprgrad's measurement, the peer's, their ratio and the goal."""

    case: str
    what: str
    ours: str
    peer_name: str = ""
    peer: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None


@dataclass
class Settings:
    quick: bool
    repeat: int
    sympy_seconds: float


# -- measuring -----------------------------------------------------------------------------------------------------


def timings(run: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call of `run`, `repeat` times, garbage collector on (as users run it).

    Each call is timed until what it made is freed again, for every library alike. exprgrad's graphs are freed by
    reference counting as soon as `run` returns, inside the clock; micrograd's are reference cycles (each node's
    `_backward` closure refers to the node), which only the cyclic collector frees, so the clock stops after a
    collection. Without it, micrograd's teardown was paid after the clock stopped and exprgrad's before.

    The harness's own objects (every peer's imports) are frozen (`gc.freeze`) during each call, so that the
    collections inside the clock, that last one and those the run triggers, walk only what the run made. The
    collection after the freeze walks nothing, but resets the collector's count of old objects, which decides when
    the run's first full collection comes: what the process imported before does not move the figures.
    """
    results = []
    for _ in range(repeat):
        gc.collect()
        gc.freeze()
        try:
            gc.collect()
            start = time.perf_counter()
            run()
            gc.collect()
            results.append(time.perf_counter() - start)
        finally:
            gc.unfreeze()
    return results


def show(seconds: Sequence[float], scale: float, unit: str) -> str:
    """`median unit (min-max)` of `seconds`, each multiplied by `scale`."""
    values = sorted(s * scale for s in seconds)
    median = statistics.median(values)
    digits = 2 if median < 10 else 1
    return f"{median:.{digits}f} {unit} ({values[0]:.{digits}f}-{values[-1]:.{digits}f})"


def us_per_node(seconds: Sequence[float], nodes: int) -> str:
    """`show` of times for a graph of `nodes` nodes, in microseconds per node."""
    return show([t / nodes for t in seconds], 1e6, "us/node")


def median(seconds: Sequence[float]) -> float:
    return statistics.median(seconds)


def _repeats(settings: Settings, size: int) -> int:
    # Small sizes run in milliseconds, where one busy moment on a shared machine moves the median: repeat them
    # more. The largest take seconds each: fewer repeats.
    if size < 100_000:
        return 3 * settings.repeat
    return settings.repeat if size < 1_000_000 else max(3, settings.repeat // 2)


def with_deep_stack(run: Callable[[], Any]) -> Any:
    """Run `run` where recursion can go very deep (micrograd's topological sort recurses once per level)."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(run())
        except BaseException as error:  # reported as the peer's failure
            failure.append(error)

    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    sys.setrecursionlimit(10_000_000)
    threading.stack_size(1024 * 1024 * 1024)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    if failure:
        raise failure[0]
    return result[0]


# -- case 1: start-up ------------------------------------------------------------------------------------------------

# (label, command, goal as a ratio to the minimal Typer app or None). A new command is one line here.
STARTUP_COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("grad --wrt a", [EXPRGRAD, "grad", "a*b+c", "--a", "2", "--b", "-3", "--c", "10", "--wrt", "a"], 1.15),
    ("eval --format json", [EXPRGRAD, "eval", "a*b+c", "--a", "2", "--b", "-3", "--c", "10", "--format", "json"], 1.15),
    ("eval (table)", [EXPRGRAD, "eval", "a*b+c", "--a", "2", "--b", "-3", "--c", "10"], 1.3),
]
FLOOR = ("minimal Typer app", [PYTHON, str(HERE / "minimal_typer_app.py")])
BARE = ("python -c pass", [PYTHON, "-c", "pass"])


def _package_copy(compiled: bool) -> str:
    """A copy of the installed exprgrad package in a temporary folder, with or without its byte-code."""
    import exprgrad

    folder = tempfile.mkdtemp(prefix="exprgrad-bench-")
    shutil.copytree(
        Path(exprgrad.__file__).parent, Path(folder) / "exprgrad", ignore=shutil.ignore_patterns("__pycache__")
    )
    if compiled:
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(Path(folder) / "exprgrad")], check=True)
    return folder


def startup(settings: Settings) -> Iterator[Row]:
    """Whole-process wall time, all commands measured round-robin so that drift hits them alike."""
    repeat = 7 if settings.quick else 31
    for compiled in (True, False):
        folder = _package_copy(compiled)
        # Byte-code writing disabled (PYTHONDONTWRITEBYTECODE), as on some users' machines: with `compiled` False
        # exprgrad's modules are compiled from source on every run; installed packages keep their byte-code.
        env = {**os.environ, "PYTHONPATH": folder, "PYTHONDONTWRITEBYTECODE": "1"}
        commands = [BARE, FLOOR, *[(label, command) for label, command, _ in STARTUP_COMMANDS]]
        for _, command in commands:  # warm the file cache
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times: dict[str, list[float]] = {label: [] for label, _ in commands}
        for _ in range(repeat):
            for label, command in commands:
                start = time.perf_counter()
                subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
                times[label].append(time.perf_counter() - start)
        shutil.rmtree(folder)
        state = "byte-code cached" if compiled else "no byte-code"
        floor = median(times[FLOOR[0]])
        yield Row("startup", f"{BARE[0]} ({state})", show(times[BARE[0]], 1e3, "ms"))
        yield Row(
            "startup",
            f"{FLOOR[0]} ({state})",
            show(times[FLOOR[0]], 1e3, "ms"),
            ratio=f"{floor / median(times[BARE[0]]):.2f}x python -c pass",
        )
        for label, _, goal in STARTUP_COMMANDS:
            ratio = median(times[label]) / floor
            yield Row(
                "startup",
                f"exprgrad {label} ({state})",
                show(times[label], 1e3, "ms"),
                FLOOR[0],
                show(times[FLOOR[0]], 1e3, "ms"),
                f"{ratio:.2f}x",
                f"<= {goal}x" if goal else "",
                None if goal is None else ratio <= goal,
            )


# -- case 2: engine from Python ----------------------------------------------------------------------------------


def balanced_graph(value_class: Any, leaves: int) -> tuple[Any, int]:
    """A balanced graph over `leaves` leaves, each pair joined as (a*b + a) * 0.5; the same for every Value class.

    Only ops micrograd has. Leaves lie in [0.1, 0.9]; a join is below its first input, so nothing overflows, and at
    the depths used (about 20) neither values nor gradients reach 0 (exprgrad skips zero gradients, which would
    flatter it). The 0.5 is a constant node in both libraries.
    """
    level = [value_class(0.1 + 0.8 * ((i * 7919) % 997) / 997) for i in range(leaves)]
    nodes = leaves
    while len(level) > 1:
        joined = [(level[i] * level[i + 1] + level[i]) * 0.5 for i in range(0, len(level) - 1, 2)]
        nodes += 4 * len(joined)
        if len(level) % 2:
            joined.append(level[-1])
        level = joined
    return level[0], nodes


def chain(value_class: Any, steps: int) -> Any:
    """x = x*w + b, `steps` times: a graph as deep as it is large."""
    x, w, b = value_class(1.0), value_class(1.0), value_class(0.0)
    for _ in range(steps):
        x = x * w + b
    return x


def _build_and_backward(value_class: Any, leaves: int) -> Callable[[], None]:
    def run() -> None:
        root, _ = balanced_graph(value_class, leaves)
        root.backward()

    return run


def _memory_per_node(value_class: Any, leaves: int) -> float:
    gc.collect()
    tracemalloc.start()
    root, nodes = balanced_graph(value_class, leaves)
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del root
    return used / nodes


def _micrograd_failure_depth() -> int:
    from micrograd.engine import Value

    steps = 125
    while steps < 1_000_000:
        try:
            chain(Value, steps).backward()
        except RecursionError:
            return 2 * steps  # nodes
        steps *= 2
    return 0


def engine(settings: Settings) -> Iterator[Row]:
    """exprgrad.Value against micrograd's Value on the same balanced graphs, then deep chains."""
    from micrograd.engine import Value as MicrogradValue
    from minimal_engine import MinimalValue

    from exprgrad import Value

    sizes = [1_000, 10_000] if settings.quick else [1_000, 10_000, 100_000, 1_000_000]
    for size in sizes:
        leaves = size // 5
        # Only the count is kept: the timed runs are measured against a heap that holds no graph.
        nodes = balanced_graph(Value, leaves)[1]
        repeat = _repeats(settings, size)
        ours = timings(_build_and_backward(Value, leaves), repeat)
        theirs = timings(_build_and_backward(MicrogradValue, leaves), repeat)
        floor = timings(_build_and_backward(MinimalValue, leaves), repeat)
        # The floor row has no goal: it shows how much of the speed-up Python leaves to any engine at all.
        for what, times, has_goal in (
            (f"build + backward, balanced, {nodes:,} nodes", ours, True),
            (f"pure-Python floor (minimal_engine.py), same graph, {nodes:,} nodes", floor, False),
        ):
            speedup = median(theirs) / median(times)
            yield Row(
                "engine",
                what,
                us_per_node(times, nodes),
                "micrograd",
                us_per_node(theirs, nodes),
                f"{speedup:.1f}x faster",
                ">= 5x faster" if has_goal else "",
                speedup >= 5 if has_goal else None,
            )
    leaves = 2_000 if settings.quick else 20_000
    ours_memory = _memory_per_node(Value, leaves)
    theirs_memory = _memory_per_node(MicrogradValue, leaves)
    ratio = ours_memory / theirs_memory
    yield Row(
        "engine",
        f"memory per node (tracemalloc, {5 * leaves:,} nodes)",
        f"{ours_memory:.0f} B",
        "micrograd",
        f"{theirs_memory:.0f} B",
        f"{ratio:.2f}x",
        "<= 0.3x",
        ratio <= 0.3,
    )
    try:
        import torch
    except ImportError:
        pass
    else:
        yield from _torch_rows(torch, settings)
    steps = 50_000 if settings.quick else 500_000
    deep = timings(lambda: chain(Value, steps).backward(), max(3, settings.repeat // 2))
    failure = _micrograd_failure_depth()
    yield Row(
        "engine",
        f"deep chain x = x*w + b, {2 * steps:,} nodes deep",
        us_per_node(deep, 2 * steps),
        "micrograd",
        f"RecursionError at {failure:,} nodes deep" if failure else "no failure",
        goal="works",
        met=True,
    )


def _torch_rows(torch: Any, settings: Settings) -> Iterator[Row]:
    """PyTorch on scalar tensors, when installed: the same balanced graph, for scale (it is built for tensors)."""

    def value(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    from exprgrad import Value

    size = 10_000
    leaves = size // 5
    nodes = balanced_graph(Value, leaves)[1]
    ours = timings(_build_and_backward(Value, leaves), settings.repeat)
    theirs = timings(_build_and_backward(value, leaves), settings.repeat)
    yield Row(
        "engine",
        f"build + backward, balanced, {nodes:,} nodes",
        us_per_node(ours, nodes),
        "torch (scalars)",
        us_per_node(theirs, nodes),
        f"{median(theirs) / median(ours):.1f}x faster",
    )


# -- case 3: from text -------------------------------------------------------------------------------------------


def program_text(shape: str, size: int) -> tuple[str, dict[str, float]]:
    """A program of about `size` nodes, and values for its variables."""
    if shape == "sum":
        terms = size // 2
        return " + ".join(f"x{i}" for i in range(terms)), {f"x{i}": 1.0 + i % 7 for i in range(terms)}
    if shape == "nesting":
        depth = size // 2
        return "(" * depth + "x" + "+1)" * depth, {"x": 1.0}
    if shape == "chain":
        steps = size // 2
        return "\n".join(f"x{i + 1} = x{i}*w + b" for i in range(steps)), {"x0": 1.0, "w": 1.0, "b": 0.0}
    raise ValueError(shape)


def micrograd_graph(shape: str, size: int) -> Any:
    """The graph of `program_text(shape, size)`, built from micrograd Values in Python."""
    from micrograd.engine import Value

    if shape == "sum":
        terms = [Value(1.0 + i % 7) for i in range(size // 2)]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total
    if shape == "nesting":
        x = Value(1.0)
        for _ in range(size // 2):
            x = x + 1  # micrograd makes a constant node for the 1, as the program text does
        return x
    return chain(Value, size // 2)


def _sympy_worker(shape: str, size: int) -> None:
    """Parse, differentiate in every variable, evaluate: SymPy's way through the same program (in a subprocess)."""
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    text, values = program_text(shape, size)
    start = time.perf_counter()
    if shape == "chain":
        names: dict[str, Any] = {name: sympy.Symbol(name) for name in ("x0", "w", "b")}
        for line in text.splitlines():
            name, expression = line.split(" = ")
            names[name] = parse_expr(expression, local_dict=names)
        output = names[name]
    else:
        output = parse_expr(text)
    symbols = sorted(output.free_symbols, key=str)
    subs = {symbol: values[str(symbol)] for symbol in symbols}
    float(output.evalf(subs=subs))
    for symbol in symbols:
        float(sympy.diff(output, symbol).evalf(subs=subs))
    print(json.dumps(time.perf_counter() - start))


def _sympy_time(shape: str, size: int, seconds: float) -> float | str:
    try:
        result = subprocess.run(
            [PYTHON, __file__, "--sympy-worker", shape, str(size)],
            capture_output=True,
            text=True,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"over {seconds:.0f} s"
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["crashed"])[-1]
        return last.split(":")[0][:40]
    return float(json.loads(result.stdout))


class IdleCallbacks:
    """Parser callbacks that build nothing: what is left is the cost of lexing and of the LALR loop itself."""

    def __getattr__(self, name: str) -> Callable[[list[Any]], None]:
        return _build_nothing


def _build_nothing(children: list[Any]) -> None:
    return None


def text(settings: Settings) -> Iterator[Row]:
    """Parse + evaluate + backward from text, per node, across sizes; micrograd and SymPy on the same graphs."""
    from exprgrad import lalr, parse

    sizes = [1_000, 10_000] if settings.quick else [1_000, 10_000, 100_000, 1_000_000]
    shapes = [("sum", sizes), ("chain", sizes), ("nesting", [10_000 if settings.quick else 200_000])]
    for shape, shape_sizes in shapes:
        per_node: list[float] = []
        sympy_gave_up = False
        for size in shape_sizes:
            program, values = program_text(shape, size)
            nodes = len(parse(program).nodes)
            repeat = _repeats(settings, size)

            def from_text(program: str = program, values: dict[str, float] = values) -> None:
                parse(program).evaluate(values)

            ours = timings(from_text, repeat)
            per_node.append(median(ours) / nodes)

            def peer(shape: str = shape, size: int = size) -> None:
                with_deep_stack(lambda: micrograd_graph(shape, size).backward())

            theirs = timings(peer, repeat)
            ratio = median(ours) / median(theirs)
            yield Row(
                "text",
                f"{shape}, {nodes:,} nodes: parse + evaluate + backward",
                us_per_node(ours, nodes),
                "micrograd from Python objects",
                us_per_node(theirs, nodes),
                f"{ratio:.2f}x the time",
                "<= 1x",
                ratio <= 1.0,
            )

            # No goal: how much of that time the grammar's parse loop takes by itself, building nothing.
            def parse_only(program: str = program) -> None:
                lalr.parse(program, IdleCallbacks())

            loop = timings(parse_only, repeat)
            yield Row(
                "text",
                f"{shape}, {nodes:,} nodes: the parse loop alone (callbacks that build nothing)",
                us_per_node(loop, nodes),
                "micrograd from Python objects",
                us_per_node(theirs, nodes),
                f"{median(loop) / median(theirs):.2f}x the time",
            )
            if sympy_gave_up:
                continue
            sympy = _sympy_time(shape, size, settings.sympy_seconds)
            if isinstance(sympy, str):
                sympy_gave_up = True
                shown, ratio_text = sympy, ""
            else:
                shown = f"{sympy * 1e6 / nodes:.1f} us/node"
                ratio_text = f"{sympy / median(ours):.0f}x slower"
            yield Row("text", f"{shape}, {nodes:,} nodes", "", "SymPy parse_expr + diff + evaluate", shown, ratio_text)
        if len(per_node) > 1:
            flatness = max(per_node) / min(per_node)
            yield Row(
                "text",
                f"{shape}: us/node, largest over smallest ({shape_sizes[0]:,} to {shape_sizes[-1]:,} nodes)",
                f"{flatness:.2f}x",
                goal="<= 1.5x",
                met=flatness <= 1.5,
            )


# -- case 4: many points ---------------------------------------------------------------------------------------------

# A 21-node program: a small two-unit layer and a loss-like output.
POINTS_PROGRAM = "h1 = tanh(x*w1 + y*w2 + b1); h2 = sigmoid(x*w3 - y*w4); o = h1*h2 + exp(-h1*h1)"
POINTS_COLUMNS = ("x", "y", "w1", "w2", "b1", "w3", "w4")


def numpy_reference(
    columns: dict[str, Any], tanh: Callable[[Any], Any] | None = None, exp: Callable[[Any], Any] | None = None
) -> tuple[Any, list[Any]]:
    """The program's value and every gradient, written by hand in vectorised NumPy: the peer for the compute.

    `tanh` and `exp` default to NumPy's; `c_library_per_entry` gives the functions bit for bit results need.
    """
    import numpy as np

    tanh = tanh or np.tanh
    exp = exp or np.exp
    x, y, w1, w2, b1, w3, w4 = (columns[name] for name in POINTS_COLUMNS)
    h1 = tanh(x * w1 + y * w2 + b1)
    h2 = 1 / (1 + exp(-(x * w3 - y * w4)))
    e = exp(-h1 * h1)
    value = h1 * h2 + e
    dz1 = (h2 - 2 * h1 * e) * (1 - h1 * h1)
    dz2 = h1 * h2 * (1 - h2)
    return value, [dz1 * w1 + dz2 * w3, dz1 * w2 - dz2 * w4, dz1 * x, dz1 * y, dz1, dz2 * x, -dz2 * y]


def c_library_per_entry(function: Callable[[float], float]) -> Callable[[Any], Any]:
    """`function` (one of `math`'s) mapped over an array's entries: NumPy's own tanh and exp differ from the C
    library's in the last bit for some entries, so a NumPy program that must give `eval`'s numbers does this."""
    import numpy as np

    def mapped(array: Any) -> Any:
        return np.fromiter(map(function, array.tolist()), dtype=np.float64, count=len(array))

    return mapped


NUMPY_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {here!r})
from run import numpy_reference, POINTS_COLUMNS
data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
value, grads = numpy_reference({{name: data[:, i] for i, name in enumerate(POINTS_COLUMNS)}})
np.savetxt(sys.stdout, np.column_stack([data, value, *grads]), fmt="%.17g", delimiter=",",
           header=",".join([*POINTS_COLUMNS, "value"] + ["grad_" + n for n in POINTS_COLUMNS]), comments="")
"""


def _points_file(rows: int) -> str:
    import numpy as np

    values = np.random.default_rng(7).uniform(-1, 1, (rows, len(POINTS_COLUMNS)))
    handle, path = tempfile.mkstemp(suffix=".csv", prefix="exprgrad-points-")
    with os.fdopen(handle, "w") as stream:
        stream.write(",".join(POINTS_COLUMNS) + "\n")
        stream.write("".join(",".join(map(repr, row)) + "\n" for row in values.tolist()))
    return path


def _process_seconds_and_memory(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of one run, stdout thrown away."""
    script = (
        "import resource, subprocess, sys, time; t = time.perf_counter();"
        " subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True);"
        " print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    finished = subprocess.run([PYTHON, "-c", script, *command], capture_output=True, text=True, env=env, check=True)
    seconds, megabytes = finished.stdout.split()
    return float(seconds), float(megabytes)


def _fast_math_difference(data: Any, exact: Any, fast: Any, block_rows: int) -> Row:
    """How far --fast-math moves the numbers: the share that differ from the exact path, and the largest change."""
    import numpy as np

    differing = total = 0
    largest = 0.0
    for start in range(0, len(data), block_rows):
        block = data[start : start + block_rows]
        numbers = [
            np.column_stack([values, *gradients])
            for values, gradients, _ in (exact.evaluate(block), fast.evaluate(block))
        ]
        differing += int((numbers[0] != numbers[1]).sum())
        total += numbers[0].size
        largest = max(largest, float(np.abs(numbers[0] - numbers[1]).max()))
    return Row(
        "points",
        f"--fast-math against the exact path: numbers that differ, {len(data):,} rows",
        f"{100 * differing / total:.0f} %, by at most {largest:.2g}",
    )


def points(settings: Settings) -> Iterator[Row]:
    """--points over a 21-node program: the compute against hand-written NumPy, end to end against a NumPy script."""
    import numpy as np

    from exprgrad import parse
    from exprgrad.points import BLOCK_ROWS
    from exprgrad.vectorized import BlockEvaluator

    rows = 100_000 if settings.quick else 1_000_000
    path = _points_file(rows)
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1)
        program = parse(POINTS_PROGRAM)
        block = BlockEvaluator(program, POINTS_COLUMNS)
        block_rows = BLOCK_ROWS  # the blocks --points makes

        def ours(evaluator: BlockEvaluator = block) -> None:
            for start in range(0, rows, block_rows):
                evaluator.evaluate(data[start : start + block_rows])

        def numpy_in_blocks() -> None:
            # The peer computes in blocks of the same size as --points does, so the ratio compares like with like.
            for start in range(0, rows, block_rows):
                part = data[start : start + block_rows]
                numpy_reference({name: part[:, i] for i, name in enumerate(POINTS_COLUMNS)})

        def exact_numpy_in_blocks() -> None:
            tanh, exp = c_library_per_entry(math.tanh), c_library_per_entry(math.exp)
            for start in range(0, rows, block_rows):
                part = data[start : start + block_rows]
                numpy_reference({name: part[:, i] for i, name in enumerate(POINTS_COLUMNS)}, tanh, exp)

        peer = timings(numpy_in_blocks, settings.repeat)
        exact_peer = timings(exact_numpy_in_blocks, settings.repeat)
        nodes = len(program.nodes)
        fast_block = BlockEvaluator(program, POINTS_COLUMNS, fast_math=True)
        exact = timings(lambda: ours(block), settings.repeat)
        fast = timings(lambda: ours(fast_block), settings.repeat)
        # Like with like: the exact path against NumPy calling the C library's tanh and exp per entry, as bit for bit
        # needs; --fast-math against NumPy's own functions. The exact path against plain NumPy is for scale.
        for how, mine, peer_name, theirs, goal in [
            ("bit for bit as eval", exact, "hand-written NumPy, C library's tanh and exp per entry", exact_peer, 3.0),
            ("bit for bit as eval", exact, "hand-written NumPy", peer, None),
            ("--fast-math", fast, "hand-written NumPy", peer, 3.0),
        ]:
            ratio = median(mine) / median(theirs)
            yield Row(
                "points",
                f"compute ({how}): value + 7 gradients, {rows:,} rows x {nodes} nodes",
                show(mine, 1e9 / (rows * nodes), "ns/node/point"),
                f"{peer_name}, blocks of {block_rows:,} rows",
                show(theirs, 1e9 / (rows * nodes), "ns/node/point"),
                f"{ratio:.2f}x",
                f"<= {goal:g}x" if goal else "",
                ratio <= goal if goal else None,
            )
        yield _fast_math_difference(data, block, fast_block, block_rows)
        script = NUMPY_SCRIPT.format(here=str(HERE))
        exprgrad_command = [EXPRGRAD, "eval", POINTS_PROGRAM, "--points", path]
        end_to_end = [_process_seconds_and_memory(exprgrad_command) for _ in range(max(1, settings.repeat // 2))]
        reference = [
            _process_seconds_and_memory([PYTHON, "-c", script, path]) for _ in range(max(1, settings.repeat // 2))
        ]
        ratio = median([s for s, _ in end_to_end]) / median([s for s, _ in reference])
        yield Row(
            "points",
            f"end to end: CSV in, CSV out, {rows:,} rows (peak memory {max(m for _, m in end_to_end):.0f} MiB)",
            show([s for s, _ in end_to_end], 1, "s"),
            f"NumPy script (loadtxt, savetxt; {max(m for _, m in reference):.0f} MiB)",
            show([s for s, _ in reference], 1, "s"),
            f"{ratio:.2f}x",
            "<= 2x",
            ratio <= 2,
        )
        row_rows = rows // 10
        small = _points_file(row_rows)
        try:
            env = {**os.environ, "EXPRGRAD_POINTS": "rows"}
            row_path = [_process_seconds_and_memory([EXPRGRAD, "eval", POINTS_PROGRAM, "--points", small], env)[0]]
        finally:
            os.unlink(small)
        per_point = median(row_path) / row_rows
        yield Row(
            "points",
            f"pure-Python row path (EXPRGRAD_POINTS=rows), {row_rows:,} rows",
            f"{per_point * 1e9 / nodes:.0f} ns/node/point",
            "block path",
            f"{median([s for s, _ in end_to_end]) / rows * 1e9 / nodes:.0f} ns/node/point",
            f"{per_point / (median([s for s, _ in end_to_end]) / rows):.1f}x slower",
        )
    finally:
        os.unlink(path)


def limits(settings: Settings) -> Iterator[Row]:
    """Peak memory of whole commands at the input limit, against the 2 GB the README promises (--quick: 1/16)."""
    from exprgrad.cli import MAX_PROGRAM_BYTES

    size = MAX_PROGRAM_BYTES // (16 if settings.quick else 1)
    handle, path = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(handle, "w") as stream:
        stream.write("-" * (size - 1) + "a")  # the densest program there is: one node per byte
    try:
        for words in (["eval"], ["eval", "--format", "json"], ["grad"]):
            seconds, megabytes = _process_seconds_and_memory([EXPRGRAD, *words, "-f", path, "--a", "1"])
            yield Row(
                "limits",
                f"{' '.join(words)}, a {size:,}-byte program ({size:,} nodes): peak memory ({seconds:.0f} s)",
                f"{megabytes:,.0f} MiB ({megabytes * 2**20 / size:,.0f} B/node)",
                goal="< 2 GB at the limit",
                met=megabytes * 2**20 * (MAX_PROGRAM_BYTES / size) < 2e9,
            )
    finally:
        os.unlink(path)


# -- case: drawings ----------------------------------------------------------------------------------------------

# micrograd's draw_dot on the shared-weight chain can take many minutes with the system dot: stopped here.
DRAWING_PEER_SECONDS = 60.0
RENDERER_NAMES = {"dot": "system dot", "wasm": "WebAssembly"}
WALKTHROUGH_SVG = ["eval", "L = (a*b + c) * f", "--a", "2", "--b", "-3", "--c", "10", "--f", "-2", "--svg"]


def _wall_seconds_or_stopped(command: list[str], env: dict[str, str], timeout: float | None = None) -> float | None:
    """Whole-process wall time of `command`, or None when it was stopped at `timeout` seconds."""
    start = time.perf_counter()
    # A session of its own, so that a stopped peer takes the `dot` it started down with it.
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True) as process:
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {code})")
    return time.perf_counter() - start


def drawing(settings: Settings) -> Iterator[Row]:
    """--svg of a shared-weight chain with each renderer against micrograd's draw_dot; the WebAssembly start."""
    repeat = 3 if settings.quick else 5
    renderers = ["dot", "wasm"] if shutil.which("dot") else ["wasm"]
    with tempfile.TemporaryDirectory(prefix="exprgrad-bench-") as folder:
        cache = Path(folder) / "cache"
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        picture = str(Path(folder) / "graph.svg")
        seven = [EXPRGRAD, *WALKTHROUGH_SVG, picture]
        times: dict[str, list[float]] = {"dot": [], "cold": [], "warm": []}
        for _ in range(repeat):
            if "dot" in renderers:
                times["dot"].append(_wall_seconds_or_stopped(seven, {**env, "EXPRGRAD_RENDERER": "dot"}) or 0.0)
            shutil.rmtree(cache, ignore_errors=True)
            times["cold"].append(_wall_seconds_or_stopped(seven, {**env, "EXPRGRAD_RENDERER": "wasm"}) or 0.0)
            times["warm"].append(_wall_seconds_or_stopped(seven, {**env, "EXPRGRAD_RENDERER": "wasm"}) or 0.0)
        for state in ("cold", "warm"):
            what = "7-node --svg, WebAssembly Graphviz, " + (
                "cold (compiles graphviz.wasm)" if state == "cold" else "warm (compiled module from the cache)"
            )
            if "dot" not in renderers:
                yield Row("drawing", what, show(times[state], 1e3, "ms"), "system dot", "not installed")
                continue
            ratio = median(times[state]) / median(times["dot"])
            yield Row(
                "drawing",
                what,
                show(times[state], 1e3, "ms"),
                "same with system dot",
                show(times["dot"], 1e3, "ms"),
                f"{ratio:.2f}x",
                "<= 2x" if state == "warm" else "",
                ratio <= 2 if state == "warm" else None,
            )
        peer_stopped_at: int | None = None
        for layers in (50, 100) if settings.quick else (50, 100, 200):
            program = Path(folder) / f"chain{layers}.txt"
            program.write_text("; ".join(f"x{i} = x{i - 1}*w + b" for i in range(1, layers + 1)))
            command = [
                EXPRGRAD,
                "eval",
                "-f",
                str(program),
                "--x0",
                "0.5",
                "--w",
                "0.9",
                "--b",
                "0.1",
                "--svg",
                picture,
            ]
            peer: float | None = None
            if "dot" in renderers and peer_stopped_at is None:
                script = [PYTHON, str(HERE / "micrograd_draw_dot.py"), str(layers)]
                peer = _wall_seconds_or_stopped(script, env, timeout=DRAWING_PEER_SECONDS)
                peer_stopped_at = None if peer is not None else layers
            if "dot" not in renderers:
                peer_text = "needs system dot"
            elif peer_stopped_at == layers:
                peer_text = f"> {DRAWING_PEER_SECONDS:.0f} s (stopped)"
            elif peer is None:
                peer_text = f"not run ({peer_stopped_at} layers took > {DRAWING_PEER_SECONDS:.0f} s)"
            else:
                peer_text = f"{peer:.2f} s"
            for renderer in renderers:
                ours = [
                    _wall_seconds_or_stopped(command, {**env, "EXPRGRAD_RENDERER": renderer}) or 0.0
                    for _ in range(repeat)
                ]
                if peer is None:
                    ratio_text = f"< {median(ours) / DRAWING_PEER_SECONDS:.3f}x" if "dot" in renderers else ""
                else:
                    ratio_text = f"{median(ours) / peer:.3f}x"
                yield Row(
                    "drawing",
                    f"--svg of x1 = x0*w + b; ... ({layers} layers), {RENDERER_NAMES[renderer]}",
                    show(ours, 1, "s"),
                    "micrograd draw_dot + system dot",
                    peer_text,
                    ratio_text,
                )


# -- case: wide point files (issue 16) -----------------------------------------------------------------------------

# The 21-node program repeated over fresh variables and summed: the same mix of ops, 1,001 variables.
WIDE_COPIES = 143


def wide_program() -> tuple[str, list[str]]:
    """The program text of WIDE_COPIES copies of POINTS_PROGRAM summed, and its variables in column order."""
    import re

    statements: list[str] = []
    outputs: list[str] = []
    columns: list[str] = []
    renamed = re.compile(r"\b(" + "|".join((*POINTS_COLUMNS, "h1", "h2", "o")) + r")\b")
    for copy in range(WIDE_COPIES):
        statements.append(renamed.sub(lambda match: f"{match.group(1)}_{copy}", POINTS_PROGRAM))  # noqa: B023
        outputs.append(f"o_{copy}")
        columns.extend(f"{name}_{copy}" for name in POINTS_COLUMNS)
    return "; ".join([*statements, "out = " + " + ".join(outputs)]), columns


def _wide_numpy_reference(block: Any) -> None:
    """Hand-written NumPy for the wide program: the 21-node reference on each copy's columns, values summed."""
    width = len(POINTS_COLUMNS)
    total = 0.0
    for copy in range(WIDE_COPIES):
        value, _ = numpy_reference({name: block[:, copy * width + i] for i, name in enumerate(POINTS_COLUMNS)})
        total = total + value


def _write_points(rows: int, columns: Sequence[str], json_lines: bool = False) -> str:
    import numpy as np

    values = np.random.default_rng(7).uniform(-1, 1, (rows, len(columns))).tolist()
    handle, path = tempfile.mkstemp(suffix=".jsonl" if json_lines else ".csv", prefix="exprgrad-points-")
    with os.fdopen(handle, "w") as stream:
        if json_lines:
            stream.writelines(json.dumps(dict(zip(columns, row, strict=True))) + "\n" for row in values)
        else:
            stream.write(",".join(columns) + "\n")
            stream.writelines(",".join(map(repr, row)) + "\n" for row in values)
    return path


def wide_points(settings: Settings) -> Iterator[Row]:
    """--points with 1,001 variables against the 21-node program: per node and point, compute and end to end."""
    import numpy as np

    from exprgrad import parse
    from exprgrad.points import block_rows
    from exprgrad.vectorized import BlockEvaluator

    text, columns = wide_program()
    program = parse(text)
    nodes = len(program.nodes)
    narrow = parse(POINTS_PROGRAM)
    narrow_nodes = len(narrow.nodes)
    rows = 1_000 if settings.quick else 5_000
    narrow_rows = 100_000 if settings.quick else 500_000
    wide_block = block_rows(nodes, len(columns))
    narrow_block = block_rows(narrow_nodes, len(POINTS_COLUMNS))
    data = np.random.default_rng(7).uniform(-1, 1, (rows, len(columns)))
    narrow_data = np.random.default_rng(7).uniform(-1, 1, (narrow_rows, len(POINTS_COLUMNS)))

    def in_blocks(run: Callable[[Any], object], matrix: Any, size: int) -> Callable[[], None]:
        def blocks() -> None:
            for start in range(0, len(matrix), size):
                run(matrix[start : start + size])

        return blocks

    evaluator = BlockEvaluator(program, columns)
    narrow_evaluator = BlockEvaluator(narrow, POINTS_COLUMNS)
    wide = timings(in_blocks(evaluator.evaluate, data, wide_block), settings.repeat)
    peer = timings(in_blocks(_wide_numpy_reference, data, wide_block), settings.repeat)
    base = timings(in_blocks(narrow_evaluator.evaluate, narrow_data, narrow_block), settings.repeat)
    per_wide = median(wide) / (rows * nodes)
    per_narrow = median(base) / (narrow_rows * narrow_nodes)
    yield Row(
        "wide points",
        f"compute, {len(columns):,} variables ({nodes:,} nodes), blocks of {wide_block:,} rows",
        show(wide, 1e9 / (rows * nodes), "ns/node/point"),
        f"hand-written NumPy, blocks of {wide_block:,} rows",
        show(peer, 1e9 / (rows * nodes), "ns/node/point"),
        f"{median(wide) / median(peer):.2f}x",
    )
    yield Row(
        "wide points",
        f"compute per node and point: {len(columns):,} variables against 7 (21 nodes, blocks of {narrow_block:,})",
        f"{per_wide * 1e9:.1f} ns/node/point",
        "21-node program",
        show(base, 1e9 / (narrow_rows * narrow_nodes), "ns/node/point"),
        f"{per_wide / per_narrow:.2f}x",
        "<= 2x",
        per_wide / per_narrow <= 2,
    )
    repeat = max(1, settings.repeat // 2)
    wide_csv = _write_points(rows, columns)
    wide_json = _write_points(rows, columns, json_lines=True)
    narrow_csv = _write_points(narrow_rows, POINTS_COLUMNS)
    program_file = tempfile.mkstemp(suffix=".txt", prefix="exprgrad-wide-")[1]
    Path(program_file).write_text(text)
    try:
        command = [EXPRGRAD, "eval", "-f", program_file, "--points"]
        csv_times = [_process_seconds_and_memory([*command, wide_csv]) for _ in range(repeat)]
        json_times = [_process_seconds_and_memory([*command, wide_json]) for _ in range(repeat)]
        narrow_times = [
            _process_seconds_and_memory([EXPRGRAD, "eval", POINTS_PROGRAM, "--points", narrow_csv])
            for _ in range(repeat)
        ]
    finally:
        for path in (wide_csv, wide_json, narrow_csv, program_file):
            os.unlink(path)
    csv_seconds = [s for s, _ in csv_times]
    per_csv = median(csv_seconds) / (rows * nodes)
    per_narrow_end = median([s for s, _ in narrow_times]) / (narrow_rows * narrow_nodes)
    yield Row(
        "wide points",
        f"end to end, CSV in and out, {rows:,} rows x {len(columns):,} variables "
        f"(peak memory {max(m for _, m in csv_times):.0f} MiB)",
        show(csv_seconds, 1e9 / (rows * nodes), "ns/node/point"),
        f"21-node program, {narrow_rows:,} rows",
        show([s for s, _ in narrow_times], 1e9 / (narrow_rows * narrow_nodes), "ns/node/point"),
        f"{per_csv / per_narrow_end:.2f}x",
        "<= 2x",
        per_csv / per_narrow_end <= 2,
    )
    json_seconds = [s for s, _ in json_times]
    yield Row(
        "wide points",
        f"end to end, CSV against JSON lines, {rows:,} rows x {len(columns):,} variables",
        show(csv_seconds, 1, "s"),
        "the same rows as JSON lines",
        show(json_seconds, 1, "s"),
        f"{median(csv_seconds) / median(json_seconds):.2f}x",
        "<= 1x",
        median(csv_seconds) <= median(json_seconds),
    )


# -- case: the newest Typer beside the pinned one (issue 16) ------------------------------------------------------


def _venv_with_newest_typer(folder: str) -> str | None:
    """A virtual environment in `folder` with the newest Typer from the package index; its Python, or None."""
    subprocess.run([PYTHON, "-m", "venv", folder], check=True, stdout=subprocess.DEVNULL)
    python = str(Path(folder) / "bin" / "python")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--upgrade", "typer"], capture_output=True, text=True, check=False
    )
    return python if installed.returncode == 0 else None


def typer_versions(settings: Settings) -> Iterator[Row]:
    """Start-up with the newest Typer (in a temporary venv) against the pinned one: when the pin in pyproject.toml
    (typer<0.29, which imports pydantic at every start) can go."""
    import typer

    folder = tempfile.mkdtemp(prefix="exprgrad-typer-")
    try:
        newest = _venv_with_newest_typer(folder)
        if newest is None:
            yield Row("typer", "newest Typer", "not measured: pip could not install it")
            return
        version = subprocess.run(
            [newest, "-c", "import typer; print(typer.__version__)"], capture_output=True, text=True, check=True
        ).stdout.strip()
        # exprgrad from this checkout, run by either Python: only Typer differs (grad imports nothing else).
        env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
        grad = ["-m", "exprgrad", "grad", "a*b+c", "--a", "2", "--b", "-3", "--c", "10", "--wrt", "a"]
        commands = {
            "pinned app": [PYTHON, str(HERE / "minimal_typer_app.py")],
            "newest app": [newest, str(HERE / "minimal_typer_app.py")],
            "pinned grad": [PYTHON, *grad],
            "newest grad": [newest, *grad],
        }
        for command in commands.values():  # warm the file cache
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(7 if settings.quick else 21):
            for label, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
                times[label].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for what in ("app", "grad"):
        ratio = median(times[f"newest {what}"]) / median(times[f"pinned {what}"])
        label = "minimal Typer app" if what == "app" else "exprgrad grad --wrt a"
        yield Row(
            "typer",
            f"{label} with Typer {version} (newest)",
            show(times[f"newest {what}"], 1e3, "ms"),
            f"Typer {typer.__version__} (pinned)",
            show(times[f"pinned {what}"], 1e3, "ms"),
            f"{ratio:.2f}x",
            "the pin can go at <= 1.1x",
        )


# -- cases: second derivatives, large outputs, check with many variables, batch (issue 16) -------------------------


def _wall_seconds(command: list[str], stdin: str | None = None, env: dict[str, str] | None = None) -> float:
    """Wall seconds of one run, stdout thrown away (stdin from the file `stdin`, if given)."""
    start = time.perf_counter()
    with open(stdin or os.devnull, "rb") as source:
        subprocess.run(command, stdin=source, stdout=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def _terminal_seconds(command: list[str]) -> float:
    """Wall seconds of one run whose stdout is a terminal (a pseudo-terminal read to the end)."""
    import pty

    leader, follower = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    try:
        while True:
            try:
                if not os.read(leader, 1 << 16):
                    break
            except OSError:
                break
        process.wait()
    finally:
        os.close(leader)
    return time.perf_counter() - start


def _temporary_text(text: str, suffix: str = ".txt") -> str:
    handle, path = tempfile.mkstemp(suffix=suffix, prefix="exprgrad-bench-")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
    return path


def products_program(n: int) -> tuple[str, list[str]]:
    """tanh of the sum of all products of n variables (scaled), and the --NAME=VALUE words for its variables."""
    import itertools

    terms = " + ".join(f"x{i}*x{j}" for i, j in itertools.combinations(range(n), 2))
    return f"tanh(({terms}) / {n * n})", [f"--x{i}=0.{i % 9 + 1}" for i in range(n)]


_SYMPY_ENTRY = """
import itertools, sys, sympy
n = int(sys.argv[1])
x = sympy.symbols(f"x0:{n}")
f = sympy.tanh(sum(x[i] * x[j] for i, j in itertools.combinations(range(n), 2)) / (n * n))
entry = sympy.diff(f, x[0], x[1])
print(float(entry.subs({x[i]: (i % 9 + 1) / 10 for i in range(n)})))
"""


def second_derivatives(settings: Settings) -> Iterator[Row]:
    """One Hessian entry (one reverse pass) against SymPy; its growth; the Hessian table against its JSON."""
    sizes = (50, 100) if settings.quick else (100, 300)
    repeat = max(1, settings.repeat // 2)
    entry_times: dict[int, list[float]] = {}
    for n in sizes:
        text, words = products_program(n)
        path = _temporary_text(text)
        try:
            command = [EXPRGRAD, "grad", "-f", path, *words, "--order", "2", "--wrt", "x0", "--wrt", "x1"]
            entry_times[n] = [_wall_seconds(command) for _ in range(repeat)]
            first = [_wall_seconds([EXPRGRAD, "grad", "-f", path, *words, "--wrt", "x0"]) for _ in range(repeat)]
        finally:
            os.unlink(path)
        try:
            sympy = [
                _timed_subprocess([PYTHON, "-c", _SYMPY_ENTRY, str(n)], settings.sympy_seconds) for _ in range(repeat)
            ]
            peer, ratio = show(sympy, 1, "s"), f"{median(sympy) / median(entry_times[n]):.1f}x faster"
        except subprocess.TimeoutExpired:
            peer, ratio = f"over {settings.sympy_seconds:.0f} s", ""
        products = n * (n - 1) // 2
        yield Row(
            "second derivatives",
            f"grad --order 2 --wrt x0 --wrt x1 (one entry), tanh of {products:,} products of {n} variables",
            show(entry_times[n], 1, "s"),
            "SymPy diff twice + evaluate",
            peer,
            ratio,
        )
        yield Row(
            "second derivatives",
            f"one entry against the first-order grad --wrt x0, n = {n}",
            show(entry_times[n], 1, "s"),
            "grad --wrt x0 (first order)",
            show(first, 1, "s"),
            f"{median(entry_times[n]) / median(first):.2f}x",
        )
    small, large = sizes
    growth = median(entry_times[large]) / median(entry_times[small])
    graph = (large * (large - 1)) / (small * (small - 1))
    yield Row(
        "second derivatives",
        f"one entry, growth from n = {small} to {large} (the graph grows {graph:.1f}x)",
        f"{growth:.1f}x",
        goal=f"<= {2 * graph:.0f}x (linear in the graph)",
        met=growth <= 2 * graph,
    )
    n = sizes[0] if settings.quick else 300
    text, words = products_program(n)
    path = _temporary_text(text)
    try:
        base = [EXPRGRAD, "eval", "-f", path, *words, "--order", "2"]
        table = [_wall_seconds(base) for _ in range(repeat)]
        as_json = [_wall_seconds([*base, "--format", "json"]) for _ in range(repeat)]
    finally:
        os.unlink(path)
    table_ratio = median(table) / median(as_json)
    yield Row(
        "second derivatives",
        f"eval --order 2, table to a pipe, n = {n}",
        show(table, 1, "s"),
        "the same with --format json",
        show(as_json, 1, "s"),
        f"{table_ratio:.2f}x",
        "<= 1.2x",
        table_ratio <= 1.2,
    )


def _timed_subprocess(command: list[str], limit: float) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, timeout=limit)
    return time.perf_counter() - start


def large_outputs(settings: Settings) -> Iterator[Row]:
    """A 1e5-node table on a terminal against a pipe; explain to a pipe against its JSON."""
    terms = 5_000 if settings.quick else 50_000
    program = _temporary_text(" + ".join(f"x{i}" for i in range(terms)))
    words = [f"--x{i}={i % 7 + 1}" for i in range(terms)]
    repeat = max(1, settings.repeat // 2)
    nodes = 2 * terms - 1
    try:
        command = [EXPRGRAD, "eval", "-f", program, *words]
        terminal = [_terminal_seconds(command) for _ in range(repeat)]
        pipe = [_wall_seconds(command) for _ in range(repeat)]
        explain = [_wall_seconds([EXPRGRAD, "explain", "-f", program, *words]) for _ in range(repeat)]
        explain_json = [
            _wall_seconds([EXPRGRAD, "explain", "-f", program, *words, "--format", "json"]) for _ in range(repeat)
        ]
    finally:
        os.unlink(program)
    ratio = median(terminal) / median(pipe)
    yield Row(
        "large outputs",
        f"eval table of {nodes:,} nodes on a terminal",
        show(terminal, 1, "s"),
        "the same to a pipe",
        show(pipe, 1, "s"),
        f"{ratio:.2f}x",
        "<= 2x",
        ratio <= 2,
    )
    ratio = median(explain) / median(explain_json)
    yield Row(
        "large outputs",
        f"explain of a {nodes:,}-node sum to a pipe",
        show(explain, 1, "s"),
        "the same with --format json",
        show(explain_json, 1, "s"),
        f"{ratio:.2f}x",
        "<= 1.2x",
        ratio <= 1.2,
    )


def ring_program(n: int, tanh: bool = False) -> tuple[str, list[str]]:
    """x0*x1 + x1*x2 + ... + x(n-1)*x0 (with tanh: x0*tanh(x1) + ...): n variables, about 3n (4n) nodes; and values
    for them."""
    term = "x{}*tanh(x{})" if tanh else "x{}*x{}"
    return " + ".join(term.format(i, (i + 1) % n) for i in range(n)), [f"--x{i}=0.{i % 9 + 1}" for i in range(n)]


def check_many(settings: Settings) -> Iterator[Row]:
    """check of rings of 1,000 variables in blocks, against grad on the same program; the one-at-a-time path."""
    n = 300 if settings.quick else 1_000
    repeat = max(1, settings.repeat // 2)
    for tanh in (False, True):
        text, words = ring_program(n, tanh)
        program = _temporary_text(text)
        try:
            check = [_wall_seconds([EXPRGRAD, "check", "-f", program, *words]) for _ in range(repeat)]
            grad = [_wall_seconds([EXPRGRAD, "grad", "-f", program, *words]) for _ in range(repeat)]
            if not tanh:
                rows_env = {**os.environ, "EXPRGRAD_POINTS": "rows"}
                one_at_a_time = [_wall_seconds([EXPRGRAD, "check", "-f", program, *words], env=rows_env)]
        finally:
            os.unlink(program)
        ratio = median(check) / median(grad)
        shape = f"x{{i}}*tanh(x{{i+1}}), {4 * n:,} nodes" if tanh else f"x{{i}}*x{{i+1}}, {3 * n:,} nodes"
        yield Row(
            "check",
            f"check of a ring of {n:,} variables ({shape})",
            show(check, 1, "s"),
            "grad on the same program",
            show(grad, 1, "s"),
            f"{ratio:.1f}x",
            "<= 10x",
            ratio <= 10,
        )
        if not tanh:
            yield Row(
                "check",
                f"the same check, one forward pass at a time (EXPRGRAD_POINTS=rows), {n:,} variables",
                show(one_at_a_time, 1, "s"),
                "blocks",
                show(check, 1, "s"),
                f"{median(one_at_a_time) / median(check):.1f}x slower",
            )


def batch(settings: Settings) -> Iterator[Row]:
    """exprgrad batch with many different small programs, against one exprgrad call per program."""
    count = 1_000
    separate_count = 50 if settings.quick else 200
    requests: list[dict[str, Any]] = [
        {
            "command": ("grad", "check", "eval")[i % 3],
            "program": f"y = tanh(a*{i % 97 + 1} + b) * c**2 + {i}",
            "values": {"a": 0.1 * (i % 7), "b": -0.5, "c": 1.5},
        }
        for i in range(count)
    ]
    path = _temporary_text("".join(json.dumps(request) + "\n" for request in requests), ".jsonl")
    try:
        together = [_wall_seconds([EXPRGRAD, "batch", path]) for _ in range(max(1, settings.repeat // 2))]
    finally:
        os.unlink(path)
    separate = []
    for request in requests[:separate_count]:
        values = [f"--{name}={value}" for name, value in request["values"].items()]
        command = [EXPRGRAD, str(request["command"]), str(request["program"]), *values]
        if request["command"] != "grad":
            command += ["--format", "json"]
        separate.append(_wall_seconds(command))
    per_call = median(separate)
    ratio = per_call * count / median(together)
    yield Row(
        "batch",
        f"{count:,} different small programs (grad, check, eval) in one exprgrad batch",
        show(together, 1, "s"),
        f"one exprgrad call each ({separate_count} timed; median x {count:,})",
        f"{per_call * count:.1f} s ({per_call * 1e3:.0f} ms a call)",
        f"{ratio:.0f}x faster",
        ">= 50x faster",
        ratio >= 50,
    )


CASES: dict[str, Callable[[Settings], Iterator[Row]]] = {
    "startup": startup,
    "engine": engine,
    "text": text,
    "points": points,
    "limits": limits,
    "drawing": drawing,
    "wide_points": wide_points,
    "typer": typer_versions,
    "second_derivatives": second_derivatives,
    "large_outputs": large_outputs,
    "check_many": check_many,
    "batch": batch,
}


# -- the report --------------------------------------------------------------------------------------------------


def machine() -> str:
    """Date, CPU, core count and Python version, for the table's heading."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import typer

    return (
        f"{time.strftime('%Y-%m-%d')}, {cpu}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"typer {typer.__version__}"
    )


def print_table(rows: list[Row]) -> None:
    """The rows as a Markdown table."""
    header = ["case", "measurement", "exprgrad: median (min-max)", "peer", "peer: median (min-max)", "ratio", "goal"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        goal = row.goal + ("" if row.met is None else (" met" if row.met else " NOT met"))
        cells = [row.case, row.what, row.ours, row.peer_name, row.peer, row.ratio, goal]
        lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats: a smoke run")
    parser.add_argument("--only", nargs="+", choices=sorted(CASES), help="run only these cases")
    parser.add_argument("--repeat", type=int, help="repeats per measurement (default 5, quick 3)")
    parser.add_argument("--sympy-worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--case-worker", choices=sorted(CASES), help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.sympy_worker:
        shape, size = arguments.sympy_worker
        _sympy_worker(shape, int(size))
        return 0
    if arguments.case_worker:
        settings = Settings(
            quick=arguments.quick,
            repeat=arguments.repeat or (3 if arguments.quick else 5),
            sympy_seconds=10.0 if arguments.quick else 60.0,
        )
        for row in CASES[arguments.case_worker](settings):
            print(json.dumps(asdict(row)), flush=True)
        return 0
    print(f"exprgrad benchmarks: {machine()}")
    print(f"command: python benchmarks/run.py {' '.join(argv)}".rstrip())
    print()
    passed_on = [
        *(["--quick"] if arguments.quick else []),
        *(["--repeat", str(arguments.repeat)] if arguments.repeat else []),
    ]
    rows: list[Row] = []
    for name in arguments.only or list(CASES):
        for row in _case_in_own_process(name, passed_on):
            rows.append(row)
            print(f"  {row.case}: {row.what}: {row.ours} | {row.peer_name} {row.peer} | {row.ratio}", file=sys.stderr)
    print_table(rows)
    return 0 if all(row.met is not False for row in rows) else 1


def _case_in_own_process(name: str, options: list[str]) -> Iterator[Row]:
    """The rows of case `name`, measured in a fresh process of their own.

    A case left a process changed for the next: the engine and text cases grow and free graphs of millions of
    nodes, after which the C library's allocator served NumPy's large arrays from memory it kept, and the points
    case's hand-written NumPy reference took 3.8 ns/node/point after them against 4.6-4.9 in a fresh process (the
    block path, whose arrays are small, held 12.3-12.5). Each case now starts as a user's process does.
    """
    command = [PYTHON, __file__, "--case-worker", name, *options]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as worker:
        assert worker.stdout is not None
        for line in worker.stdout:
            yield Row(**json.loads(line))
    if worker.returncode != 0:
        raise SystemExit(f"benchmark case {name} failed (exit {worker.returncode})")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
