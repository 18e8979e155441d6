"""The ways a ticket comes in (web form, phone, JSON API, e-mail); each calls the ticket service."""


def init_app(app) -> None:
    # The SMTP server imports the e-mail channel without any of the web pages.
    from support.channels import api, phone, web_form
    from support.channels.email import admin_views as inbound_admin

    for blueprint in (web_form.bp, phone.bp, api.bp, inbound_admin.bp):
        app.register_blueprint(blueprint)
