"""`exprgrad batch`: one JSON line per request, in order, streaming, with the single commands' results and errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest

from exprgrad.cli.batch import BatchRunner, run_batch
from exprgrad.textform import format_number

from .cli_helpers import run

SINGLE_AND_BATCH = [
    (
        ["eval", "L = (a*b + c) * f", "--a", "2", "--b", "-3", "--c", "10", "--f", "-2", "--format", "json"],
        {"command": "eval", "program": "L = (a*b + c) * f", "values": {"a": 2, "b": -3, "c": 10, "f": -2}},
    ),
    (
        ["eval", "a*a*b", "--a", "3", "--b", "2", "--order", "2", "--format", "json"],
        {"command": "eval", "program": "a*a*b", "values": {"a": 3, "b": 2}, "order": 2},
    ),
    (
        ["check", "a*b", "--a", "2", "--b", "3", "--expect", "a=2", "--format", "json"],
        {"command": "check", "program": "a*b", "values": {"a": 2, "b": 3}, "expect": {"a": 2}},
    ),
    (["check", "x**x", "--x", "0", "--format", "json"], {"command": "check", "program": "x**x", "values": {"x": 0}}),
    (
        ["check", "sin(a)", "--a", "1", "--rtol", "0.1", "--format", "json"],
        {"command": "check", "program": "sin(a)", "values": {"a": "1"}, "rtol": 0.1},
    ),
    (["eval", "log(a)", "--a", "-1"], {"command": "eval", "program": "log(a)", "values": {"a": -1}}),
    (["eval", "a*"], {"command": "eval", "program": "a*", "values": {}}),
    (["eval", "a*b", "--a", "1"], {"command": "eval", "program": "a*b", "values": {"a": 1}}),
    (["eval", "a", "--a", "1", "--q", "2"], {"command": "eval", "program": "a", "values": {"a": 1, "q": 2}}),
    (
        ["grad", "a*b", "--a", "1", "--b", "2", "--wrt", "z"],
        {"command": "grad", "program": "a*b", "values": {"a": 1, "b": 2}, "wrt": ["z"]},
    ),
    (
        ["eval", "x**1.5", "--x", "0", "--order", "2", "--format", "json"],
        {"command": "eval", "program": "x**1.5", "values": {"x": 0}, "order": 2},
    ),
    (
        ["diff", "x**2*sin(x) + y", "--wrt", "x", "--format", "json"],
        {"command": "diff", "program": "x**2*sin(x) + y", "wrt": "x"},
    ),
    (
        [
            "diff",
            "u = a*b; v = u + exp(a)",
            "--output",
            "u",
            "--to",
            "c",
            "--name",
            "g",
            "--order",
            "2",
            "--format",
            "json",
        ],
        {"command": "diff", "program": "u = a*b; v = u + exp(a)", "output": "u", "to": "c", "name": "g", "order": 2},
    ),
    (["diff", "a*b", "--to", "fortran"], {"command": "diff", "program": "a*b", "to": "fortran"}),
    (["diff", "a*b", "--wrt", "z"], {"command": "diff", "program": "a*b", "wrt": ["z"]}),
    (["diff", "a*b", "--output", "q"], {"command": "diff", "program": "a*b", "output": "q"}),
]


def _answer(request: dict[str, object]) -> dict[str, object]:
    out = io.StringIO()
    run_batch(io.BytesIO((json.dumps(request) + "\n").encode()), out)
    response: dict[str, object] = json.loads(out.getvalue())
    return response


@pytest.mark.parametrize(("single", "request_"), SINGLE_AND_BATCH, ids=[" ".join(s[:2]) for s, _ in SINGLE_AND_BATCH])
def test_a_request_answers_as_the_single_command(single: list[str], request_: dict[str, object]) -> None:
    """The result is the command's JSON document; an error has its message and the exit code it would have had."""
    expected = run(*single)
    response = _answer(request_)
    assert response["exit_code"] == expected.exit_code
    if expected.stdout:
        assert response["result"] == json.loads(expected.stdout)
        assert "error" not in response
    else:
        assert response["error"] == {
            "message": expected.stderr.removeprefix("exprgrad: error: ").removesuffix("\n"),
            "exit_code": expected.exit_code,
        }


@pytest.mark.parametrize(
    ("request_", "key"),
    [
        ({"command": "grad", "program": "a*b + c", "values": {"a": 2, "b": -3, "c": 10}}, None),
        ({"command": "grad", "program": "a*b + c", "values": {"a": 2, "b": -3, "c": 10}, "wrt": "a"}, "a"),
        ({"command": "grad", "program": "a*b + sin(a)", "values": {"a": 1, "b": 2}, "order": 2}, None),
        (
            {"command": "grad", "program": "a*b + sin(a)", "values": {"a": 1, "b": 2}, "order": 2, "wrt": ["a", "b"]},
            "ab",
        ),
    ],
)
def test_grad_requests_give_the_numbers_grad_prints(request_: dict[str, Any], key: str | None) -> None:
    """grad's result holds the same numbers `exprgrad grad` prints, as {"gradients"} or {"hessian"}."""
    words = [request_["program"]] + [f"--{name}={value}" for name, value in request_["values"].items()]
    wrt = request_.get("wrt", [])
    words += [word for name in ([wrt] if isinstance(wrt, str) else wrt) for word in ("--wrt", name)]
    words += ["--order", str(request_.get("order", 1))]
    printed = run("grad", *map(str, words)).stdout.splitlines()
    result: Any = _answer(request_)["result"]
    if request_.get("order") == 2:
        entries = [
            f"{row}\t{column}\t{format_number(value)}"
            for row, columns in result["hessian"].items()
            for column, value in columns.items()
        ]
        assert entries == printed or (key == "ab" and [entries[0].split("\t")[2]] == printed)
    else:
        lines = [f"{name}\t{format_number(value)}" for name, value in result["gradients"].items()]
        assert lines == printed or (key is not None and [lines[0].split("\t")[1]] == printed)


def test_bad_requests_do_not_stop_the_rest() -> None:
    """Bad JSON, an unknown command or option, a value given to diff, a bad value: each answered with an error."""
    lines = [
        '{"command": "eval", "program": "a", "values": {"a": 1}, "id": "first"}',
        "not json",
        "[1, 2]",
        '{"command": "solve", "program": "a"}',
        '{"command": "eval", "program": "a", "values": {"a": 1}, "format": "table"}',
        '{"command": "diff", "program": "a*b", "values": {"a": 1, "b": 2}}',
        '{"command": "eval", "program": "a", "values": {"a": true}}',
        '{"command": "eval", "program": "a", "values": {"a": ' + "[" * 5000 + "]" * 5000 + "}}",
        "",
        '{"command": "eval", "program": "a", "values": {"a": 2}, "id": [1, 2]}',
    ]
    out = io.StringIO()
    worst = run_batch(io.BytesIO("\n".join(lines).encode() + b"\n\xff\n"), out)
    responses = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [response["line"] for response in responses] == [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]
    assert responses[0]["id"] == "first" and responses[0]["result"]["value"] == 1.0
    assert responses[-2]["id"] == [1, 2] and responses[-2]["result"]["value"] == 2.0
    errors = [response["error"]["message"] for response in responses[1:-2]]
    assert errors[0].startswith("the request is not valid JSON")
    assert errors[1] == "each request must be a JSON object"
    assert errors[2].startswith("the request needs a command")
    assert errors[3] == "eval has no option 'format'"
    assert errors[4] == "diff writes formulas and takes no values (got a); use eval for numbers"
    assert errors[5] == "the value of a must be a number, got true"
    assert errors[6] == "the request is nested too deeply"
    assert responses[-1]["error"]["message"].startswith("the request is not UTF-8 text")
    assert all(response["exit_code"] == 2 for response in responses[1:-2]) and worst == 2


def test_the_same_program_text_is_parsed_once() -> None:
    """A program that comes again is taken from the cache; the cache keeps at most its size."""
    runner = BatchRunner(cache_size=2)
    for text in ["a*b", "a*b", "a+b", "a*b", "a-b", "a+b"]:
        runner.answer(1, json.dumps({"command": "eval", "program": text, "values": {"a": 1, "b": 2}}))
    assert runner.parses == 4  # a*b, a+b, a-b, then a+b again after it was dropped
    assert list(runner.programs) == ["a-b", "a+b"]


def test_the_cache_also_keeps_at_most_its_size_in_characters() -> None:
    """Long programs push older ones out by the characters they hold, not only by their number."""
    runner = BatchRunner(cache_size=10, cache_characters=90)
    texts = [" + ".join(["a"] * 10), " + ".join(["b"] * 10), " + ".join(["a*b"] * 10), "a - b"]
    for text in texts:
        runner.answer(1, json.dumps({"command": "eval", "program": text, "values": {"a": 1, "b": 2}}))
    assert list(runner.programs) == texts[2:]  # 37 + 37 + 57 characters pass 90, and 37 + 57 still do
    assert runner.cached_characters == len(texts[2]) + len(texts[3])


def test_responses_stream_before_the_input_ends() -> None:
    """Each response is written and flushed as soon as its request is answered, while stdin stays open."""
    process = subprocess.Popen(
        [sys.executable, "-m", "exprgrad", "batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for value in (1, 2, 3):
            process.stdin.write(json.dumps({"command": "grad", "program": "a*a", "values": {"a": value}}) + "\n")
            process.stdin.flush()
            assert json.loads(process.stdout.readline())["result"] == {"gradients": {"a": 2.0 * value}}
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


def test_batch_reads_a_file_and_exits_with_the_largest_code(tmp_path: object) -> None:
    """`exprgrad batch FILE`: the exit code is the largest of the requests' (here a failed check, 1)."""
    from pathlib import Path

    path = Path(str(tmp_path)) / "requests.jsonl"
    path.write_text(
        json.dumps({"command": "check", "program": "a*b", "values": {"a": 2, "b": 3}, "expect": {"a": 2}})
        + "\n"
        + json.dumps({"command": "eval", "program": "a", "values": {"a": 1}})
        + "\n"
    )
    result = run("batch", str(path))
    assert result.exit_code == 1
    assert [json.loads(line)["exit_code"] for line in result.stdout.splitlines()] == [1, 0]
    assert run("batch", str(path) + ".missing").exit_code == 2


def test_an_id_no_response_can_hold_is_an_error_and_the_rest_still_run() -> None:
    """An id of NaN, Infinity or 1e999 (read by Python's JSON reader) is answered with an error, not a traceback."""
    lines = [
        '{"command": "eval", "program": "a", "values": {"a": 1}, "id": NaN}',
        '{"command": "eval", "program": "a", "values": {"a": 1}, "id": [1e999]}',
        '{"command": "eval", "program": "a", "values": {"a": 3}, "id": 3}',
    ]
    out = io.StringIO()
    worst = run_batch(io.BytesIO("\n".join(lines).encode() + b"\n"), out)
    responses = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [response["exit_code"] for response in responses] == [2, 2, 0] and worst == 2
    assert all("id" not in response for response in responses[:2])
    assert responses[0]["error"]["message"].startswith('"id" must be plain JSON')
    assert responses[2]["id"] == 3 and responses[2]["result"]["value"] == 3.0


def test_a_request_that_runs_out_of_memory_does_not_stop_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that raises MemoryError is answered with exit code 5, as the single command exits; the next runs."""
    from exprgrad.program import Program

    original = Program.evaluate

    def evaluate(self: Program, *args: Any, **kwargs: Any) -> Any:
        if "huge" in self.variables:
            raise MemoryError
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Program, "evaluate", evaluate)
    lines = [
        json.dumps({"command": "eval", "program": "huge*2", "values": {"huge": 1}}),
        json.dumps({"command": "eval", "program": "a*2", "values": {"a": 1}}),
    ]
    out = io.StringIO()
    worst = run_batch(io.BytesIO(("\n".join(lines) + "\n").encode()), out)
    responses = [json.loads(line) for line in out.getvalue().splitlines()]
    assert responses[0]["exit_code"] == 5 and responses[0]["error"]["message"].startswith("out of memory")
    assert responses[1]["result"]["value"] == 2.0 and worst == 5
