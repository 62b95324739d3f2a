"""The floor of exprgrad's stack: a one-command Typer app that prints one line (start-up benchmark's reference)."""

import typer

app = typer.Typer(add_completion=False)


@app.command()
def main() -> None:
    """Print one line."""
    print("hello")


if __name__ == "__main__":
    app()
