"""The knowledge-base article "Vem är superanvändare på min skola?" describes the product: every page name, menu
entry and label it sets in bold is one a teacher actually finds on the pages it points to."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from support.extensions import db
from support.network import service
from tests.conftest import login

ARTICLE = Path(__file__).resolve().parents[2] / "kb" / "demo_corpus" / "who-is-my-superuser.md"


def _pages(app, person, *paths) -> str:
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return "".join(client.get(path).get_data(as_text=True) for path in paths)


def test_every_bold_term_of_the_article_is_on_the_pages_it_describes(app, org, factory):
    service.mark_away(org.superuser_here, starts_on=service.today(), ends_on=service.today() + timedelta(days=7),
                      stand_in=org.superuser_here_2)
    factory.school("Björkskolan", slug="bjorkskolan", administration=org.bromma)
    alone = factory.user(groups=["pedagogue:bjorkskolan"])
    db.session.commit()
    shown = _pages(app, org.pedagogue, "/", "/min-skola") + _pages(app, alone, "/min-skola")
    terms = re.findall(r"\*\*(.+?)\*\*", ARTICLE.read_text(encoding="utf-8"))
    assert len(terms) >= 6
    assert [term for term in terms if term not in shown] == []
    assert "support+ekbackaskolan@" in shown and "Ekbackaskolan" in ARTICLE.read_text(encoding="utf-8")
