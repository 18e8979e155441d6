"""Personal API tokens: issued on the profile page and shown once, listed with their last use, revoked there."""

import re

from support.accounts.models import ApiToken
from support.extensions import db


def _issue(client, name="Rapportskript"):
    page = client.post("/profil/api-nycklar", data={"name": name}).get_data(as_text=True)
    return re.search(r"(sk_[A-Za-z0-9_\-]+)", page).group(1), page


def test_a_person_issues_a_token_sees_it_once_and_it_works_on_the_api(login_as, app):
    person = login_as("guardian")
    token, page = _issue(person)
    assert "Den visas bara den här gången" in page
    assert db.session.query(ApiToken).one().token_hash != token  # only the hash is kept
    listing = person.get("/profil/api-nycklar").get_data(as_text=True)
    assert "Rapportskript" in listing and token not in listing and "Aldrig" in listing
    program = app.test_client()
    assert program.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert "Aldrig" not in person.get("/profil/api-nycklar").get_data(as_text=True)


def test_a_revoked_token_stops_working_at_once(login_as, app):
    person = login_as("pedagogue")
    token, _page = _issue(person)
    row = db.session.query(ApiToken).one()
    response = person.post(f"/profil/api-nycklar/{row.id}/aterkalla", follow_redirects=True)
    assert "är återkallad" in response.get_data(as_text=True)
    program = app.test_client()
    assert program.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_nobody_can_revoke_or_see_someone_elses_token(login_as):
    owner, other, admin = login_as("guardian"), login_as("guardian"), login_as("admin")
    _issue(owner, "Ägarens nyckel")
    row = db.session.query(ApiToken).one()
    for intruder in (other, admin):
        assert intruder.post(f"/profil/api-nycklar/{row.id}/aterkalla").status_code == 404
        assert "Ägarens nyckel" not in intruder.get("/profil/api-nycklar").get_data(as_text=True)
    db.session.refresh(row)
    assert row.revoked is False


def test_a_token_needs_a_name_and_the_form_says_so(login_as):
    response = login_as("guardian").post("/profil/api-nycklar", data={"name": ""})
    assert response.status_code == 400
    assert "Ge nyckeln ett namn" in response.get_data(as_text=True)
    assert db.session.query(ApiToken).count() == 0


def test_reading_with_a_token_does_not_write_on_every_call(login_as, app):
    person = login_as("guardian")
    token, _page = _issue(person)
    program = app.test_client()
    program.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    first_use = db.session.query(ApiToken).one().last_used_at
    program.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    db.session.expire_all()
    assert db.session.query(ApiToken).one().last_used_at == first_use


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/profil/api-nycklar").status_code == 302


def test_the_copy_button_of_a_new_token_speaks_english_in_english(login_as):
    person = login_as("pedagogue")
    person.post("/sprak", data={"language": "en", "next": "/"})
    _token, page = _issue(person)
    assert '<button type="button" class="button secondary">Copy</button>' in page
    assert 'data-copied="Copied"' in page
