"""The superuser network: directory, availability, appointments and training (issue 13)."""


def init_app(app) -> None:
    # Tier-1 routing reads the network's models without its pages.
    from support.network import views

    app.register_blueprint(views.bp)
