"""Golden output of `exprgrad diff`: textbook derivatives, and one program in every target.

After a deliberate change, `python -m tests.test_diff_golden` rewrites the files; read the diff before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_helpers import run, split_example

GOLDEN = Path(__file__).parent / "golden"
NEURON = '"n = x1*w1 + x2*w2 + b; o = tanh(n)"'
CASES = {
    "diff_textbook.txt": [
        'exprgrad diff "x**2*sin(x)" --wrt x',
        'exprgrad diff "x*exp(-x**2)"',
        'exprgrad diff "1/(1 + exp(-x))"',
        'exprgrad diff "sin(cos(tan(x)))"',
        'exprgrad diff "(x**2 + 1)/(x - 1)"',
        'exprgrad diff "relu(x) + abs(y) + max(x, y)"',
        'exprgrad diff "L = a*a*b + b" --order 2',
    ],
    "diff_neuron_python.txt": [f"exprgrad diff {NEURON} --to python --order 2"],
    "diff_neuron_numpy.txt": [f"exprgrad diff {NEURON} --to numpy"],
    "diff_neuron_c.txt": [f"exprgrad diff {NEURON} --to c --order 2 --name neuron"],
    "diff_neuron_js.txt": ['exprgrad diff "n = x1*w1 + x2*w2 + b; o = sigmoid(n) + erf(b)" --to js'],
    "diff_neuron_latex.txt": ['exprgrad diff "n = x1*w1 + x2*w2 + beta; o = tanh(n)" --to latex --order 2'],
}


def _output(name: str) -> str:
    commands = CASES[name]
    pieces = []
    for command in commands:
        words, _ = split_example(command)
        result = run(*words[1:])
        assert result.exit_code == 0, result.stderr
        pieces.append(result.stdout if len(commands) == 1 else f"$ {command}\n{result.stdout}")
    return "".join(pieces)


@pytest.mark.parametrize("name", sorted(CASES))
def test_diff_output_matches_golden(name: str) -> None:
    """The generated text is exactly the reviewed golden file."""
    assert _output(name) == (GOLDEN / name).read_text()


if __name__ == "__main__":
    for case in CASES:
        (GOLDEN / case).write_text(_output(case))
