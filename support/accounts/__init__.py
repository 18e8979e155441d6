"""People: users, their groups and roles, sign-in, password reset, API tokens and the administrators' pages."""


def init_app(app) -> None:
    # The views are imported only when a web app is built; the worker, the SMTP server and the CLI use the models
    # and the service without Flask's pages.
    from support.accounts import admin_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
