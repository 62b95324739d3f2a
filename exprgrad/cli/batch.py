"""`exprgrad batch`: many requests in one process, one JSON line in and one JSON line out per request.

A request is a JSON object: ``{"command": "eval" | "grad" | "check" | "diff", "program": TEXT, "values": {NAME:
NUMBER}, ...options, "id": ANY}``. Its response repeats ``id`` (when given) and the request's line number, gives
the exit code the single command would have had, and either ``result`` (the single command's JSON document) or
``error`` (``{"message", "exit_code"}``). Responses come in request order, each flushed as soon as it is written.
A bad request is answered with its error and the next one is read. Parsed programs are kept by their text (a
bounded cache), so a program that comes again is not parsed again.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from ..bindings import parse_number
from ..errors import BindingError, ExprgradError
from .app import EXIT_OUT_OF_MEMORY, EXIT_USAGE, check_exit_code, exit_code_for
from .arguments import MAX_PROGRAM_BYTES

if TYPE_CHECKING:
    from ..program import Program

# Programs kept parsed, most recently used last; a long stream of different programs keeps memory bounded.
CACHED_PROGRAMS = 256
# ... and at most this many characters of their text: a parsed program takes up to about 270 bytes per character,
# so 256 programs near the 1 MiB limit would hold tens of GB. One program of the largest size still fits.
CACHED_CHARACTERS = MAX_PROGRAM_BYTES
# A request line may hold a program of the largest size allowed, escaped: JSON can double its length.
MAX_REQUEST_BYTES = 2 * MAX_PROGRAM_BYTES + 65_536

_OPTIONS = {
    "eval": {"order"},
    "grad": {"wrt", "order"},
    "check": {"expect", "rtol", "atol"},
    "diff": {"wrt", "output", "order", "to", "name"},
}
_COMMON = {"command", "program", "values", "id"}


class BatchRunner:
    """Answers requests one at a time, with a cache of parsed programs."""

    def __init__(self, cache_size: int = CACHED_PROGRAMS, cache_characters: int = CACHED_CHARACTERS) -> None:
        self.cache_size = cache_size
        self.cache_characters = cache_characters
        self.programs: OrderedDict[str, Program] = OrderedDict()
        self.cached_characters = 0
        self.parses = 0

    def program(self, text: str) -> Program:
        """The parsed program for `text`, from the cache when the same text came before (raises ParseError)."""
        program = self.programs.get(text)
        if program is not None:
            self.programs.move_to_end(text)
            return program
        if len(text.encode("utf-8")) > MAX_PROGRAM_BYTES:
            raise BindingError(f"the program is larger than the {MAX_PROGRAM_BYTES // 2**20} MiB a program may be")
        from ..parser import parse

        program = parse(text)
        self.parses += 1
        self.programs[text] = program
        self.cached_characters += len(text)
        while len(self.programs) > 1 and (
            len(self.programs) > self.cache_size or self.cached_characters > self.cache_characters
        ):
            dropped, _ = self.programs.popitem(last=False)
            self.cached_characters -= len(dropped)
        return program

    def answer(self, line: int, text: str) -> tuple[str, int]:
        """The response line (without its newline) to the request `text` on input line `line`, and its exit code."""
        envelope: dict[str, Any] = {"line": line}
        out_of_memory = False
        try:
            request = _request(text)
            if "id" in request:
                envelope["id"] = _request_id(request["id"])
            result, code = self._run(request)
        except ExprgradError as error:
            code = exit_code_for(error)
            envelope["exit_code"] = code
            envelope["error"] = {"message": str(error), "exit_code": code}
            return _dumps(envelope), code
        except MemoryError:
            # Answered once the except block has freed the traceback and with it the request's graph; the next
            # request may well fit.
            out_of_memory = True
        if out_of_memory:
            message = "out of memory: the program needs more memory than this process may use"
            envelope["exit_code"] = EXIT_OUT_OF_MEMORY
            envelope["error"] = {"message": message, "exit_code": EXIT_OUT_OF_MEMORY}
            return _dumps(envelope), EXIT_OUT_OF_MEMORY
        envelope["exit_code"] = code
        # The result is the single command's JSON text, spliced in as it is (no second encoding).
        return _dumps(envelope)[:-1] + ', "result": ' + result + "}", code

    def _run(self, request: dict[str, Any]) -> tuple[str, int]:
        command = request.get("command")
        if not isinstance(command, str) or command not in _OPTIONS:
            known = ", ".join(f'"{name}"' for name in _OPTIONS)
            raise BindingError(f"the request needs a command: one of {known}")
        unknown = sorted(set(request) - _COMMON - _OPTIONS[command])
        if unknown:
            raise BindingError(f"{command} has no option {unknown[0]!r}")
        text = request.get("program")
        if not isinstance(text, str):
            raise BindingError('the request needs "program": the program text as a string')
        values = _values(request.get("values", {}))
        program = self.program(text)
        return _COMMANDS[command](program, values, request)


def _request(text: str) -> dict[str, Any]:
    try:
        request = json.loads(text)
    except ValueError as error:
        raise BindingError(f"the request is not valid JSON ({error.args[0].split(':')[0]})") from None
    except RecursionError:
        raise BindingError("the request is nested too deeply") from None
    if not isinstance(request, dict):
        raise BindingError("each request must be a JSON object")
    return request


def _request_id(value: object) -> object:
    # Python's JSON reader takes NaN, Infinity and 1e999 (as inf), which no response may hold.
    try:
        _dumps({"id": value})
    except ValueError:
        raise BindingError('"id" must be plain JSON: no NaN, Infinity or number too large for a float') from None
    except RecursionError:
        raise BindingError('"id" is nested too deeply') from None
    return value


def _number(value: object, what: str) -> float:
    if isinstance(value, str):
        return parse_number(value, what)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BindingError(f"{what} must be a number, got {json.dumps(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise BindingError(f"{what} must be a finite number, got {value!r}")
    return number


def _values(values: object) -> dict[str, float]:
    if not isinstance(values, dict):
        raise BindingError('"values" must be an object of name: number')
    return {name: _number(value, f"the value of {name}") for name, value in values.items()}


def _order(request: dict[str, Any]) -> int:
    order = request.get("order", 1)
    if order not in (1, 2) or isinstance(order, bool):
        raise BindingError(f'"order" must be 1 or 2, got {json.dumps(order)}')
    return int(order)


def _eval(program: Program, values: dict[str, float], request: dict[str, Any]) -> tuple[str, int]:
    from ..formats import evaluation_json

    order = _order(request)
    evaluation = program.evaluate(values)
    second = program.hessian(values) if order == 2 else None
    return evaluation_json(program, evaluation, second), 0


def _grad(program: Program, values: dict[str, float], request: dict[str, Any]) -> tuple[str, int]:
    from .commands import checked_wrt, selected_hessian

    wrt = checked_wrt(program, _names(request.get("wrt", [])))
    if _order(request) == 2:
        return _dumps({"hessian": selected_hessian(program, values, wrt)}), 0
    gradients = program.evaluate(values).gradients
    return _dumps({"gradients": {name: gradients[name] for name in program.variables if not wrt or name in wrt}}), 0


def _names(wrt: object) -> list[str]:
    if isinstance(wrt, str):
        return [wrt]
    if not isinstance(wrt, list) or not all(isinstance(name, str) for name in wrt):
        raise BindingError('"wrt" must be a variable name or a list of them')
    return wrt


def _check(program: Program, values: dict[str, float], request: dict[str, Any]) -> tuple[str, int]:
    from ..checking import all_agree, check_gradients, nothing_checked
    from ..formats import check_json

    expect = request.get("expect", {})
    if not isinstance(expect, dict):
        raise BindingError('"expect" must be an object of name: expected gradient')
    expected = {name: _number(value, f"the expected gradient of {name}") for name, value in expect.items()}
    rtol = _number(request.get("rtol", 1e-6), "rtol")
    atol = _number(request.get("atol", 1e-9), "atol")
    if rtol < 0 or atol < 0:
        raise BindingError("rtol and atol must not be negative")
    results = check_gradients(program, values, expected, rtol=rtol, atol=atol)
    agree, verified_nothing = all_agree(results), nothing_checked(results)
    code = check_exit_code(agree=agree, verified_nothing=verified_nothing)
    return check_json(results, ok=agree, nothing_checked=verified_nothing, rtol=rtol, atol=atol), code


def _diff(program: Program, values: dict[str, float], request: dict[str, Any]) -> tuple[str, int]:
    from ..codegen import generate
    from ..symbolic import differentiate

    if values:
        raise BindingError(f"diff writes formulas and takes no values (got {next(iter(values))}); use eval for numbers")
    output = request.get("output")
    if output is not None:
        if not isinstance(output, str):
            raise BindingError('"output" must be the name of one statement or variable')
        program = program.with_output(output)
    target = _text_option(request, "to", "exprgrad")
    name = _text_option(request, "name", "f")
    derivatives = differentiate(program, _names(request.get("wrt", [])), _order(request))
    return generate(derivatives, target, function_name=name, source=request["program"]).json(), 0


def _text_option(request: dict[str, Any], key: str, default: str) -> str:
    value = request.get(key, default)
    if not isinstance(value, str):
        raise BindingError(f'"{key}" must be a string, got {json.dumps(value)}')
    return value


_COMMANDS: dict[str, Callable[[Program, dict[str, float], dict[str, Any]], tuple[str, int]]] = {
    "eval": _eval,
    "grad": _grad,
    "check": _check,
    "diff": _diff,
}


def _dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, allow_nan=False)


def request_lines(stream: IO[bytes]) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each non-blank line; None as the text of a line too long or not UTF-8 (its error
    is the caller's to report). A line over MAX_REQUEST_BYTES is skipped without being held in memory."""
    number = 0
    while True:
        raw = stream.readline(MAX_REQUEST_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_REQUEST_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1 << 20)
            yield number, None
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None
            continue
        if text.strip():
            yield number, text


def run_batch(stream: IO[bytes], out: IO[str]) -> int:
    """Answer every request of `stream` on `out`, in order and flushed line by line; the largest exit code."""
    runner = BatchRunner()
    worst = 0
    for number, text in request_lines(stream):
        if text is None:
            message = f"the request is not UTF-8 text or longer than {MAX_REQUEST_BYTES} bytes"
            response = _dumps({"line": number, "exit_code": EXIT_USAGE, "error": {"message": message, "exit_code": 2}})
            code = EXIT_USAGE
        else:
            response, code = runner.answer(number, text)
        worst = max(worst, code)
        out.write(response + "\n")
        out.flush()
    return worst
