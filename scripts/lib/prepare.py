"""scripts/run's database step in one process (each `flask` command would import the app again):
`flask db upgrade`, `flask seed`, then `flask create-admin`, whose one-time password is printed once."""

import contextlib
import io
import sys

import click
from flask_migrate import upgrade

from app import create_app


def run_command(app, name: str, **params) -> None:
    command = app.cli.commands[name]
    with click.Context(command) as context:
        context.invoke(command, **params)


def main() -> int:
    app = create_app()
    with app.app_context():
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                upgrade()
                run_command(app, "seed")
                run_command(app, "create-admin", username="admin")
        except BaseException:
            sys.stderr.write(output.getvalue())
            raise
    note = output.getvalue()
    if "one-time password" in note:
        print(note[note.index("\n  first administrator") :])
    return 0


if __name__ == "__main__":
    sys.exit(main())
