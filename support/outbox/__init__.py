"""Outgoing mail: OutgoingMail rows written in the caller's transaction, the worker that sends them, the sink page."""


def init_app(app) -> None:
    # Only the web app needs the outbox page; the worker imports the service alone.
    from support.outbox import views

    app.register_blueprint(views.bp)
