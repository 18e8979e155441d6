"""The knowledge base: articles, revisions, Markdown rendering, search, and its reading, editing and API pages."""


def init_app(app) -> None:
    # The CLI and the worker import the service and the search index without the pages.
    from kb import api, editor_views, views

    for blueprint in (views.bp, editor_views.bp, api.bp):
        app.register_blueprint(blueprint)
