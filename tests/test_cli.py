"""The `support` command: init, demo, users and the errors a person at a terminal must understand."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from support import create_app
from support.cli import cli
from support.extensions import db
from support.orgs.models import Administration, School
from tests.conftest import _test_config

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _support(*args, env=None, cwd=None):
    """Run `support …` in a fresh process, as a person would type it."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SUPPORT_")}
    environment.update(env or {})
    environment["PYTHONPATH"] = str(PROJECT_DIR)
    return subprocess.run([sys.executable, "-m", "support.cli", *args], capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=120)


def test_help_lists_init_demo_worker_and_users(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("init", "demo", "worker", "users"):
        assert f"  {command} " in result.output


def test_init_creates_the_database_and_is_safe_to_repeat(tmp_path):
    fresh = create_app(_test_config(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path / "instance"))
    runner = fresh.test_cli_runner()
    first = runner.invoke(cli, ["init"])
    assert first.exit_code == 0, first.output
    assert "Databasen är uppdaterad" in first.output
    assert (tmp_path / "instance" / "index").is_dir()
    with fresh.app_context():
        assert "users" in inspect(db.engine).get_table_names()
    second = runner.invoke(cli, ["init"])
    assert second.exit_code == 0, second.output
    assert "Databasen är uppdaterad" in second.output
    with fresh.app_context():
        db.engine.dispose()


def test_init_with_an_unreachable_database_fails_with_a_clear_message(tmp_path):
    result = _support("init", env={"SUPPORT_INSTANCE_DIR": str(tmp_path),
                                   "SUPPORT_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"})
    assert result.returncode != 0
    assert "Kan inte nå databasen" in result.stderr
    assert "SUPPORT_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_production_refuses_the_default_secret_key(tmp_path):
    result = _support("init", env={"SUPPORT_INSTANCE_DIR": str(tmp_path), "SUPPORT_ENV_NAME": "production"})
    assert result.returncode != 0
    assert "SUPPORT_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "support.db").exists()


@pytest.mark.parametrize("key", ["dev-only-secret-change-me", "short"])
def test_production_app_cannot_be_built_with_a_weak_key(app_config, key):
    from support import create_app
    from support.config import ConfigurationError

    app_config.update(ENV_NAME="production", SECRET_KEY=key)
    with pytest.raises(ConfigurationError):
        create_app(app_config)


def test_production_sets_secure_cookies(app_config):
    from support import create_app

    app_config.update(ENV_NAME="production")
    app = create_app(app_config)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["REMEMBER_COOKIE_SECURE"]


def test_demo_loads_the_organisation_the_demo_people_and_a_coordinator_and_is_idempotent(app, runner):
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Demodata inläst" in first.output
    counts = (db.session.scalar(select(func.count()).select_from(Administration)),
              db.session.scalar(select(func.count()).select_from(School)))
    users = json.loads(runner.invoke(cli, ["users", "list", "--json"]).output)

    second = runner.invoke(cli, ["demo"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert (db.session.scalar(select(func.count()).select_from(Administration)),
            db.session.scalar(select(func.count()).select_from(School))) == counts
    assert json.loads(runner.invoke(cli, ["users", "list", "--json"]).output) == users

    assert counts[0] == 16 and 700 <= counts[1] <= 800
    by_email = {user["email"]: user for user in users}
    karin = by_email["karin.lindqvist@skolplattformen.example"]
    assert {"group": "pedagogue", "school": "ekbackaskolan"} in karin["groups"]
    assert {"role": "superuser", "school": "ekbackaskolan"} in karin["roles"]
    assert by_email["admin@skolplattformen.example"]["roles"] == [{"role": "admin", "school": None}]
    assert {"group": "guardian", "school": "ekbackaskolan"} in by_email["maria.svensson@example.com"]["groups"]
    lars = by_email["lars.persson@skolplattformen.example"]
    assert {g["group"] for g in lars["groups"]} == {"pedagogue", "guardian"}
    # The coordinator of Ekbackaskolan's administration (one demo run serves both checks: it takes 10-20 s).
    ekbacka = db.session.scalar(select(School).where(School.slug == "ekbackaskolan"))
    assert by_email["annika.sandberg@skolplattformen.example"]["roles"] == [
        {"role": "coordinator", "school": None, "administration": ekbacka.administration.slug}]


def test_demo_is_refused_in_production(app, runner):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code != 0
    assert "körs inte i produktion" in result.output
    assert db.session.scalar(select(func.count()).select_from(School)) == 0


def test_users_create_and_list_as_json(app, runner, factory):
    factory.school("Ekbackaskolan", slug="ekbackaskolan")
    db.session.commit()
    result = runner.invoke(cli, ["users", "create", "Nina@Example.com", "--name", "Nina Ny", "--password", "hemligt-och-langt",
                                 "--group", "pedagogue:ekbackaskolan", "--role", "superuser:ekbackaskolan",
                                 "--role", "agent"])
    assert result.exit_code == 0, result.output
    assert "Skapade nina@example.com" in result.output
    listed = json.loads(runner.invoke(cli, ["users", "list", "--json"]).output)
    assert listed == [{
        "email": "nina@example.com", "name": "Nina Ny", "active": True,
        "groups": [{"group": "pedagogue", "school": "ekbackaskolan"}],
        "roles": [{"role": "superuser", "school": "ekbackaskolan"}, {"role": "agent", "school": None}],
    }]
    plain = runner.invoke(cli, ["users", "list"]).output
    assert "nina@example.com" in plain and "superuser:ekbackaskolan" in plain


def test_users_create_refuses_a_password_shorter_than_twelve_characters(app, runner):
    result = runner.invoke(cli, ["users", "create", "kort@example.com", "--name", "Kort", "--password", "elva-tecken"])
    assert result.exit_code != 0
    assert "minst 12 tecken" in result.output
    assert runner.invoke(cli, ["users", "list", "--json"]).output.strip() == "[]"


@pytest.mark.parametrize("args,message", [
    (["--group", "teacher"], "Okänd användargrupp: teacher"),
    (["--role", "boss"], "Okänd roll: boss"),
    (["--group", "pedagogue:finns-inte"], "Okänd skola: finns-inte"),
    (["--role", "superuser"], "måste knytas till en skola"),
    (["--role", "coordinator"], "måste knytas till en förvaltning"),
    (["--role", "coordinator:finns-inte"], "Okänd förvaltning: finns-inte"),
])
def test_users_create_refuses_bad_groups_roles_and_schools(app, runner, args, message):
    result = runner.invoke(cli, ["users", "create", "nina@example.com", "--name", "Nina", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert json.loads(runner.invoke(cli, ["users", "list", "--json"]).output) == []


@pytest.mark.parametrize("scope", ["bromma", "by-id"])
def test_users_create_makes_a_coordinator_of_one_administration_by_slug_or_id(app, runner, factory, scope):
    bromma = factory.administration("Bromma")
    db.session.commit()
    scope = str(bromma.id) if scope == "by-id" else scope
    result = runner.invoke(cli, ["users", "create", "ulla@example.com", "--name", "Ulla Samordnare",
                                 "--role", f"coordinator:{scope}"])
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(cli, ["users", "list", "--json"]).output)
    assert listed[0]["roles"] == [{"role": "coordinator", "school": None, "administration": "bromma"}]
    assert "coordinator:bromma" in runner.invoke(cli, ["users", "list"]).output


def test_users_create_refuses_a_duplicate(app, runner, factory):
    factory.user(email="nina@example.com")
    db.session.commit()
    result = runner.invoke(cli, ["users", "create", "nina@example.com", "--name", "Nina"])
    assert result.exit_code != 0
    assert "Det finns redan en användare" in result.output
