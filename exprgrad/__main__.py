"""`python -m exprgrad`: the same as the `exprgrad` command."""

from .cli import main

main()
