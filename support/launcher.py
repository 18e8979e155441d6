"""`support serve`: the web app, the worker and (once it exists) the SMTP server together; Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click


def _support_command() -> list[str]:
    return [sys.executable, "-m", "support.cli"]


def process_specs(config, commands: set[str]) -> list[tuple[str, list[str], str]]:
    bin_dir = Path(sys.executable).parent
    port = int(config["PORT"])
    # Rate limits kept in process memory only hold with one process; a shared store allows several.
    workers = "1" if str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://") else "2"
    specs = [
        ("web", [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", workers, "--threads", "8",
                 "--access-logfile", "-", "support.wsgi:app"], f"http://127.0.0.1:{port}"),
        ("worker", [*_support_command(), "worker"], "utkorgen och schemalagda jobb"),
    ]
    if "smtp" in commands:
        smtp_port = int(config["SMTP_PORT"])
        specs.append(("smtp", [*_support_command(), "smtp"], f"smtp://{config['SMTP_HOST']}:{smtp_port}"))
    return specs


def serve(config, commands: set[str], demo_users: list[tuple[str, str]]) -> None:
    processes: list[tuple[str, subprocess.Popen]] = []
    env = dict(os.environ)
    for name, command, where in process_specs(config, commands):
        processes.append((name, subprocess.Popen(command, env=env)))  # noqa: S603 - our own fixed commands
        click.echo(f"  {name:<7} {where}")
    click.echo("")
    click.echo(f"Demoinloggningar (lösenord: {config['DEMO_PASSWORD']}):")
    for email, description in demo_users:
        click.echo(f"  {email:<46} {description}")
    click.echo("\nAvsluta alla med Ctrl-C.")

    stopping = False

    def stop(_signum=None, _frame=None):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for _name, process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, process in processes:
                if process.poll() is not None:
                    click.echo(f"{name} avslutades (kod {process.returncode}); stoppar övriga.", err=True)
                    stop()
                    break
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop()
    deadline = time.monotonic() + 10
    for _name, process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    click.echo("Alla processer är stoppade.")
