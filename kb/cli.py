"""`support kb …` commands: import, search, reindex."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup, with_appcontext

from kb.models import LANGUAGES, SYSTEMS, USER_GROUP_AUDIENCES
from support.orgs.models import SCHOOL_FORMS

kb_cli = AppGroup("kb", help="Knowledge base: import, search, reindex.")

AUDIENCE_CHOICES = (*USER_GROUP_AUDIENCES, "superuser", "support", "anonymous")


def on_init() -> None:
    """Called by `support init` after migrations: the index exists and matches the database."""
    from kb import related
    from kb.indexing import refresh_planner_statistics
    from kb.service import ensure_index
    from support.extensions import db

    click.echo(f"Sökindex: {ensure_index()}.")
    if related.is_empty():  # an upgraded database: work the related articles out once
        related.refresh()
    refresh_planner_statistics()
    db.session.commit()


@kb_cli.command("import")
@click.argument("path", type=click.Path(exists=False))
@with_appcontext
def import_command(path: str):
    """Import front-matter Markdown files (a folder or one file) as published articles, upsert by id."""
    from kb import indexing
    from kb.importer import ImportError_, import_path

    try:
        summary = import_path(path)
    except ImportError_ as error:
        click.echo(f"Importen avbröts, inget skrevs ({len(error.problems)} fel):", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    indexing.commit()
    click.echo(f"Importerade {summary.files} artiklar: {summary.created} nya, {summary.updated} ändrade, "
               f"{summary.unchanged} oförändrade.")


@kb_cli.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--audience", type=click.Choice(AUDIENCE_CHOICES), default=None,
              help="Search as a member of this audience (default: anonymous, public articles only).")
@click.option("--language", type=click.Choice(LANGUAGES), default=None, help="Only articles in this language.")
@click.option("--school-form", type=click.Choice(SCHOOL_FORMS), default=None)
@click.option("--system", type=click.Choice(SYSTEMS), default=None)
@click.option("--limit", type=click.IntRange(1, 100), default=10)
@click.option("--json", "as_json", is_flag=True, help='Print [{"id", "title", "score"}, …] best first.')
@with_appcontext
def search_command(query, audience, language, school_form, system, limit, as_json):
    """The same search as the web page, with the visibility of --audience."""
    from kb.service import search_articles
    from support.extensions import db
    from support.policy.kb import readership_for_audience

    outcome = search_articles(" ".join(query), readership_for_audience(audience), language=language,
                              school_form=school_form, system=system, per_page=limit, channel="cli")
    db.session.commit()  # the search log
    if as_json:
        click.echo(json.dumps([{"id": h.id, "title": h.title, "score": h.score} for h in outcome.hits],
                              ensure_ascii=False))
        return
    click.echo(f"{outcome.total} träffar" + (f" (menade du: {outcome.did_you_mean}?)" if outcome.did_you_mean else ""))
    for hit in outcome.hits:
        click.echo(f"{hit.rank:>3}. {hit.score:8.3f}  {hit.id}  {hit.title}")


@kb_cli.command("reindex")
@click.option("--check", is_flag=True, help="Only report differences between database and index (exit 1 if any).")
@with_appcontext
def reindex_command(check: bool):
    """Rebuild the search index from the database (or check it)."""
    from sqlalchemy import func, select

    from kb import indexing, related, service
    from kb.models import Article
    from support.extensions import db

    if check:
        differences = service.check_index()
        if not differences:
            click.echo("Sökindexet stämmer med databasen.")
            return
        for label, ids in (("saknas i indexet", differences.missing), ("inaktuella i indexet", differences.stale),
                           ("finns i indexet men inte publicerade", differences.extra)):
            if ids:
                click.echo(f"{len(ids)} {label}: {', '.join(ids)}")
        sys.exit(1)
    total = db.session.scalar(select(func.count()).select_from(Article).where(Article.status == "published")) or 0
    with click.progressbar(length=total, label="Bygger sökindex", show_pos=True) as bar:
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            bar.update(n - done)
            done = n

        count = service.rebuild_index(progress)
    indexing.apply_queue()
    related.refresh()  # a repair: the stored related articles are worked out again too
    db.session.commit()
    click.echo(f"Sökindexet är ombyggt: {count} publicerade artiklar.")
