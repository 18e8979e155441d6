import pytest
from sqlalchemy import select

from support.accounts.models import User
from support.extensions import db
from tests.conftest import login


def _foundation_admin_urls(app, user_id: int, mail_id: int, membership_id: int):
    """Every URL of the admin and outbox blueprints, with real ids filled in."""
    values = {"user_id": user_id, "mail_id": mail_id, "membership_id": membership_id, "kind": "group"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("admin", "outbox"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>", str(values[name]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


@pytest.fixture
def target(factory):
    from support.outbox.service import enqueue_mail

    person = factory.user(email="target@example.com", groups=["guardian"])
    mail = enqueue_mail("target@example.com", "Hej", "Text")
    db.session.commit()
    return person, mail


@pytest.mark.parametrize("who", ["guardian", "student", "pedagogue", "administrator", "superuser:ekbackaskolan",
                                 "agent", "kb_editor"])
def test_everyone_but_an_admin_gets_403_on_every_admin_url(app, login_as, target, who):
    person, mail = target
    client = login_as(who)
    urls = list(_foundation_admin_urls(app, person.id, mail.id, person.groups[0].id))
    assert len(urls) >= 8
    for method, path in urls:
        response = client.open(path, method=method)
        assert response.status_code == 403, (who, method, path, response.status_code)
    assert db.session.get(User, person.id).groups, "nothing may change"


def test_anonymous_visitor_is_sent_to_login_from_the_admin_area(client):
    response = client.get("/admin/anvandare")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_sees_the_overview_and_the_user_list(login_as, factory):
    factory.user(email="maria@example.com", name="Maria Svensson", groups=["guardian"])
    client = login_as("admin")
    assert "Användare" in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/anvandare?q=maria").get_data(as_text=True)
    assert "Maria Svensson" in page
    assert "maria@example.com" in page


def test_the_overview_writes_large_counts_as_swedish_readers_do(login_as, monkeypatch):
    from support.outbox import service as outbox

    monkeypatch.setattr(outbox, "backlog", lambda: {"pending": 12345, "sent": 1234567, "dead": 0})
    page = login_as("admin").get("/admin/").get_data(as_text=True)
    assert "<dd>12\xa0345</dd>" in page and "<dd>1\xa0234\xa0567</dd>" in page


def test_the_user_list_names_groups_roles_and_schools_as_people_read_them(login_as, factory):
    factory.school("Ekbackaskolan", slug="ekbackaskolan")
    factory.user(email="karin@example.com", name="Karin Lind", groups=["pedagogue:ekbackaskolan"],
                 roles=["superuser:ekbackaskolan"])
    page = login_as("admin").get("/admin/anvandare?q=karin").get_data(as_text=True)
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "Pedagog – Ekbackaskolan" in table and "Superanvändare – Ekbackaskolan" in table
    assert "pedagogue" not in table and "superuser" not in table and "ekbackaskolan" not in table


def test_user_list_filters_by_role(login_as, factory):
    factory.user(email="agent@example.com", name="Agnes Agent", roles=["agent"])
    factory.user(email="maria@example.com", name="Maria Svensson", groups=["guardian"])
    client = login_as("admin")
    page = client.get("/admin/anvandare?roll=agent").get_data(as_text=True)
    assert "Agnes Agent" in page
    assert "Maria Svensson" not in page


def test_admin_creates_a_user_who_can_then_sign_in(login_as, factory, app):
    factory.school("Ekbackaskolan", slug="ekbackaskolan")
    client = login_as("admin")
    response = client.post("/admin/anvandare/ny", data={
        "email": "ny.pedagog@example.com", "name": "Nina Ny", "password": "langt-losenord",
        "group": "pedagogue", "group_school": "ekbackaskolan", "role": "superuser", "role_school": "ekbackaskolan",
    }, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Användaren ny.pedagog@example.com är skapad." in page
    user = db.session.scalars(select(User).where(User.email == "ny.pedagog@example.com")).one()
    assert user.has_group("pedagogue") and user.has_role("superuser")
    assert login(app.test_client(), "ny.pedagog@example.com", "langt-losenord").status_code == 302


def test_create_form_with_errors_keeps_what_was_typed(login_as):
    client = login_as("admin")
    response = client.post("/admin/anvandare/ny", data={
        "email": "inte-en-adress", "name": "Nina Ny", "group_school": "ekbackaskolan",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ange en giltig e-postadress." in page
    assert 'value="inte-en-adress"' in page
    assert 'value="Nina Ny"' in page
    assert 'value="ekbackaskolan"' in page
    assert db.session.scalar(select(User).where(User.email == "inte-en-adress")) is None


def test_unknown_school_is_refused_with_a_message_and_no_user(login_as):
    client = login_as("admin")
    response = client.post("/admin/anvandare/ny", data={
        "email": "nina@example.com", "name": "Nina Ny", "group": "pedagogue", "group_school": "finns-inte",
    })
    page = response.get_data(as_text=True)
    assert "Det finns ingen skola som heter finns-inte. Välj en skola i listan." in page
    assert 'value="finns-inte"' in page and 'value="Nina Ny"' in page
    assert db.session.scalar(select(User).where(User.email == "nina@example.com")) is None


def test_a_new_users_school_and_administration_are_picked_by_name_from_a_list(login_as, factory):
    school = factory.school("Ängsbackens förskola", slug="angsbackens-forskola")
    client = login_as("admin")
    form_page = client.get("/admin/anvandare/ny").get_data(as_text=True)
    assert form_page.count('list="org-list"') == 2 and '<option value="Ängsbackens förskola">' in form_page
    assert f'<option value="{school.administration.name}">Förvaltning</option>' in form_page
    response = client.post("/admin/anvandare/ny", data={
        "email": "nina@example.com", "name": "Nina Ny", "group": "pedagogue", "group_school": "Ängsbackens förskola",
        "role": "coordinator", "role_school": school.administration.name,
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    person = db.session.scalar(select(User).where(User.email == "nina@example.com"))
    assert [m.school.name for m in person.groups] == ["Ängsbackens förskola"]
    assert [r.administration.name for r in person.roles] == [school.administration.name]


def test_a_coordinator_needs_an_administration_picked_from_the_list(login_as, factory):
    factory.school("Ekbackaskolan", slug="ekbackaskolan")
    response = login_as("admin").post("/admin/anvandare/ny", data={
        "email": "nina@example.com", "name": "Nina Ny", "role": "coordinator", "role_school": "Ekbackaskolan",
        "group": "pedagogue", "group_school": "Ingenstans",
    })
    page = response.get_data(as_text=True)
    assert "Det finns ingen förvaltning som heter Ekbackaskolan. Välj en förvaltning i listan." in page
    assert "Det finns ingen skola som heter Ingenstans." in page  # every field's error at once
    assert db.session.scalar(select(User).where(User.email == "nina@example.com")) is None


def test_superuser_role_without_school_is_refused_with_a_message(login_as):
    client = login_as("admin")
    response = client.post("/admin/anvandare/ny", data={
        "email": "nina@example.com", "name": "Nina Ny", "role": "superuser",
    })
    page = response.get_data(as_text=True)
    assert "Superanvändare knyts till en skola. Välj skolan i listan." in page
    assert 'value="nina@example.com"' in page
    assert db.session.scalar(select(User).where(User.email == "nina@example.com")) is None


def test_duplicate_email_is_refused(login_as, factory):
    factory.user(email="maria@example.com")
    client = login_as("admin")
    response = client.post("/admin/anvandare/ny", data={"email": "Maria@example.com", "name": "Maria Två"})
    assert "Det finns redan en användare med e-postadressen maria@example.com." in response.get_data(as_text=True)


def test_an_admin_reading_english_is_told_in_english_that_the_address_is_taken(login_as, factory):
    factory.user(email="maria@example.com")
    client = login_as("admin")
    client.post("/sprak", data={"language": "en", "next": "/"})
    response = client.post("/admin/anvandare/ny", data={"email": "maria@example.com", "name": "Maria Två",
                                                        "role": "superuser", "role_school": "Nowhere"})
    page = response.get_data(as_text=True)
    assert "There is no school called Nowhere. Pick a school from the list." in page
    response = client.post("/admin/anvandare/ny", data={"email": "maria@example.com", "name": "Maria Två"})
    assert "There is already a user with the e-mail address maria@example.com." in response.get_data(as_text=True)


def test_admin_adds_and_removes_a_group_and_a_role(login_as, factory):
    factory.school("Ekbackaskolan", slug="ekbackaskolan")
    person = factory.user(email="erik@example.com", name="Erik Nilsson")
    client = login_as("admin")
    url = f"/admin/anvandare/{person.id}"
    client.post(url, data={"m-name": "pedagogue", "m-school": "ekbackaskolan"})
    response = client.post(url, data={"m-name": "superuser", "m-school": "Ekbackaskolan"},
                           follow_redirects=True)
    assert "Behörigheten är tillagd." in response.get_data(as_text=True)
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.has_group("pedagogue") and person.has_role("superuser")
    page = client.get(url).get_data(as_text=True)
    assert "Superanvändare – Ekbackaskolan" in page
    assert '<optgroup label="Användargrupper">' in page and '<optgroup label="Roller">' in page
    assert 'name="m-kind"' not in page  # no separate type to contradict the list

    role_id = person.roles[0].id
    response = client.post(f"{url}/ta-bort/role/{role_id}", follow_redirects=True)
    assert "Behörigheten är borttagen." in response.get_data(as_text=True)
    group_id = person.groups[0].id
    client.post(f"{url}/ta-bort/group/{group_id}")
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert not person.roles and not person.groups


def test_adding_a_superuser_role_without_school_is_refused_with_a_message(login_as, factory):
    person = factory.user(email="erik@example.com")
    client = login_as("admin")
    response = client.post(f"/admin/anvandare/{person.id}", data={"m-name": "superuser"})
    assert "Superanvändare knyts till en skola. Välj skolan i listan." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, person.id).roles


def test_removing_someone_elses_membership_through_this_user_is_404(login_as, factory):
    first = factory.user(email="a@example.com", groups=["guardian"])
    second = factory.user(email="b@example.com", groups=["guardian"])
    client = login_as("admin")
    response = client.post(f"/admin/anvandare/{first.id}/ta-bort/group/{second.groups[0].id}")
    assert response.status_code == 404
    assert db.session.get(User, second.id).groups


def test_unknown_user_is_404(login_as):
    assert login_as("admin").get("/admin/anvandare/99999").status_code == 404


def test_deactivated_user_cannot_sign_in_and_loses_open_sessions(login_as, factory, app):
    person = factory.user(email="erik@example.com", groups=["pedagogue"])
    db.session.commit()
    their_client = app.test_client()
    assert login(their_client, "erik@example.com").status_code == 302
    assert their_client.get("/profil").status_code == 200

    admin = login_as("admin")
    response = admin.post(f"/admin/anvandare/{person.id}/status", data={}, follow_redirects=True)
    assert "Kontots status är sparad." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).active is False
    assert their_client.get("/profil").status_code == 302
    assert login(app.test_client(), "erik@example.com").status_code == 401

    admin.post(f"/admin/anvandare/{person.id}/status", data={"s-active": "y"})
    assert login(app.test_client(), "erik@example.com").status_code == 302


def test_admin_cannot_deactivate_themselves(login_as):
    client = login_as("admin")
    response = client.post(f"/admin/anvandare/{client.user.id}/status", data={}, follow_redirects=True)
    assert "Du kan inte stänga av ditt eget konto." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, client.user.id).active is True


def test_admin_cannot_remove_their_own_admin_role(login_as):
    client = login_as("admin")
    role_id = client.user.roles[0].id
    response = client.post(f"/admin/anvandare/{client.user.id}/ta-bort/role/{role_id}", follow_redirects=True)
    assert "Du kan inte ta bort din egen administratörsroll." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, client.user.id).has_role("admin")
