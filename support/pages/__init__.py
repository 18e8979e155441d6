"""The start page that routes a visitor by who they are, the language switch and the health check."""


def init_app(app) -> None:
    # Imported when a web app is built, not when the package is.
    from support.pages import views

    app.register_blueprint(views.bp)
