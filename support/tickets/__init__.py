"""Tickets: models, the service that is the one door for every change, routing, SLA, queues and their pages."""


def init_app(app) -> None:
    # The channels, the worker and the SMTP server import the service and the models without the pages.
    from support.tickets import admin_views, requester_views, views

    for blueprint in (views.bp, requester_views.bp, admin_views.bp):
        app.register_blueprint(blueprint)
