"""The superuser network: directory, availability, appointments and training, rollout and coverage, announcements
(driftinformation), the network space and a superuser's day (issue 13)."""


def init_app(app) -> None:
    # Tier-1 routing reads the network's models without its pages.
    from support.network import announcement_views, coverage_views, space_views, views

    for blueprint in (views.bp, announcement_views.bp, space_views.bp, coverage_views.bp):
        app.register_blueprint(blueprint)
