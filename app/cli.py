"""Command-line tasks: flask create-admin, flask seed, flask jobs-worker."""

import click
from flask import current_app

from app.extensions import db


def install(app):
    app.cli.add_command(__import__("app.telephony.switchboard", fromlist=["_"]).switchboard_command)

    @app.cli.command("create-admin")
    @click.option("--username", default="admin", show_default=True)
    def create_admin(username):
        """Create the first administrator and print a one-time password (only when no user exists)."""
        from app.auth.services import create_first_admin

        password = create_first_admin(username)
        if password is None:
            click.echo("users exist already: no administrator created")
            return
        click.echo("")
        click.echo("  first administrator created")
        click.echo(f"  username: {username}")
        click.echo(f"  one-time password: {password}")
        click.echo("  (shown once; you will be asked to change it at first login)")
        click.echo("")

    @app.cli.command("seed")
    def seed():
        """Default parameter lists and roles (idempotent)."""
        from app.seed import seed_defaults

        seed_defaults()
        db.session.commit()
        click.echo("defaults in place")

    @app.cli.command("jobs-worker")
    @click.option("--once", is_flag=True, help="run the due jobs and exit")
    def jobs_worker(once):
        """Run background jobs in this process (when the web workers do not)."""
        from app.jobs.runner import run_due_jobs, worker_loop

        if once:
            click.echo(f"ran {run_due_jobs(current_app._get_current_object())} job(s)")
        else:
            worker_loop(current_app._get_current_object())
