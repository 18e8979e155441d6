"""Knowledge-base pages under /kb: group landing pages, browsing, articles, feedback and search."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from kb import recent_searches, service
from kb.forms import FeedbackForm
from kb.labels import (
    AUDIENCE_LABELS,
    AUDIENCE_SLUGS,
    GROUP_HEADINGS,
    GROUP_SLUGS,
    LANGUAGE_LABELS,
    LANGUAGE_NAMES,
    SCHOOL_FORM_LABELS,
    SLUG_OF_GROUP,
    STAFF_SLUGS,
    SYSTEM_LABELS,
)
from kb.models import SYSTEMS
from support.database import reads_only
from support.extensions import db, limiter
from support.policy import can
from support.policy.kb import readership_of
from support.request_input import parse_int

bp = Blueprint("kb", __name__, url_prefix="/kb")

VISITOR_COOKIE = "kb_visitor"
VISITOR_COOKIE_AGE = 365 * 24 * 3600


@bp.before_request
def pages_only_read():
    if request.method in ("GET", "HEAD"):  # readers' pages write nothing (views and searches go to kb.reading_log)
        reads_only()


_LABELS_IN: dict[str, dict[str, dict[str, str]]] = {}  # the labels translated, per locale (the catalogues are fixed)


@bp.app_context_processor
def kb_labels():
    # Translated once per locale, not once per label shown: a search page shows some 35 of them.
    locale = str(get_locale())
    labels = _LABELS_IN.get(locale)
    if labels is None:
        labels = _LABELS_IN[locale] = {
            name: {key: str(label) for key, label in table.items()}
            for name, table in (("system_labels", SYSTEM_LABELS), ("school_form_labels", SCHOOL_FORM_LABELS),
                                ("audience_labels", AUDIENCE_LABELS), ("language_labels", LANGUAGE_LABELS))}
    return {**labels, "language_names": LANGUAGE_NAMES, "slug_of_group": SLUG_OF_GROUP}


def _group_or_404(slug: str) -> str:
    group = AUDIENCE_SLUGS.get(slug)
    if group is None:
        abort(404)
    return group


def _int_arg(name: str, default: int = 1) -> int:
    return parse_int(request.args.get(name), minimum=1, maximum=10_000, default=default)


@bp.get("/")
def index():
    """The knowledge base's front door: one way in per user group."""
    staff = {slug: group for slug, group in STAFF_SLUGS.items() if can(current_user, "kb.browse_internal", group)}
    return render_template("kb/index.html", groups=GROUP_SLUGS, staff_groups=staff)


@bp.get("/<any(vardnadshavare, elev, pedagog, administrator, superanvandare, servicedesk):group_slug>")
def landing(group_slug: str):
    group = _group_or_404(group_slug)
    readership = readership_of(current_user)
    counts = service.system_counts(readership, audience=group)
    return render_template(
        "kb/landing.html", group=group, group_slug=group_slug, heading=GROUP_HEADINGS[group],
        systems=[(key, counts[key]) for key in SYSTEMS if counts.get(key)],
        most_read=service.most_read(readership, audience=group, limit=8, language=get_locale().language),
    )


@bp.get("/<any(vardnadshavare, elev, pedagog, administrator, superanvandare, servicedesk):group_slug>/system/<system>")
def browse_system(group_slug: str, system: str):
    group = _group_or_404(group_slug)
    if system not in SYSTEMS:
        abort(404)
    school_form = request.args.get("skolform") or None
    if school_form not in SCHOOL_FORM_LABELS:
        school_form = None
    articles = service.browse_articles(readership_of(current_user), audience=group, system=system,
                                       school_form=school_form)
    return render_template("kb/system.html", group=group, group_slug=group_slug, system=system,
                           school_form=school_form, articles=articles, heading=GROUP_HEADINGS[group])


@bp.get("/<any(vardnadshavare, elev, pedagog, administrator, superanvandare, servicedesk):group_slug>/nytt.atom")
def feed(group_slug: str):
    """An Atom feed of the group's newest and recently changed articles (what this reader may read)."""
    group = _group_or_404(group_slug)
    articles = service.recently_updated(readership_of(current_user), audience=group, limit=20)
    body = render_template("kb/feed.xml", group_slug=group_slug, heading=GROUP_HEADINGS[group], articles=articles,
                           updated=max((a.updated_at for a in articles), default=None))
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


@bp.get("/artikel/<article_id>")
def article(article_id: str):
    found = service.article_page(readership_of(current_user), article_id)
    if found is None or not can(current_user, "article.read", found):
        abort(404)
    service.record_view(found)
    key = service.visitor_key(current_user, request.cookies.get(VISITOR_COOKIE))
    group_slug = request.args.get("grupp")
    if AUDIENCE_SLUGS.get(group_slug or "") not in found.audiences:
        group_slug = next((SLUG_OF_GROUP[a] for a in found.audiences if a in SLUG_OF_GROUP), None)
    search_text = request.args.get("q", "")[:200]
    ticket_url = "/arenden/nytt?" + urlencode({"q": search_text or found.title, "artikel": found.id})
    return render_template(
        "kb/article.html", article=found, body_html=found.body_html, group_slug=group_slug,
        group=AUDIENCE_SLUGS.get(group_slug or ""),
        translations=found.translations, related=found.related,
        feedback_form=FeedbackForm(formdata=None), my_feedback=service.feedback_of(found, key),
        ticket_url=ticket_url, search_text=search_text,
    )


@bp.post("/artikel/<article_id>/feedback")
@limiter.limit("30 per minute")
def feedback(article_id: str):
    found = service.visible_article(readership_of(current_user), article_id)
    if found is None:
        abort(404)
    form = FeedbackForm()
    anonymous_id = request.cookies.get(VISITOR_COOKIE)
    if not current_user.is_authenticated and not anonymous_id:
        anonymous_id = service.new_anonymous_id()
    if not form.validate():
        flash(_("Välj ja eller nej innan du skickar."), "feedback-error")
        response = redirect(url_for("kb.article", article_id=found.id, _anchor="feedback-result"))
    else:
        key = service.visitor_key(current_user, anonymous_id)
        is_new = service.record_feedback(found, key, form.helpful.data == "ja", form.comment.data or "")
        db.session.commit()
        flash(_("Tack för ditt svar!") if is_new else _("Tack! Vi har uppdaterat ditt svar."), "feedback-success")
        response = redirect(url_for("kb.article", article_id=found.id, _anchor="feedback-result"))
    if not current_user.is_authenticated:
        response.set_cookie(VISITOR_COOKIE, anonymous_id, max_age=VISITOR_COOKIE_AGE, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def search_params() -> dict:
    audience = request.args.get("malgrupp") or None
    audience = AUDIENCE_SLUGS.get(audience, audience)
    return {
        "audience": audience if audience in AUDIENCE_SLUGS.values() else None,
        "school_form": request.args.get("skolform") if request.args.get("skolform") in SCHOOL_FORM_LABELS else None,
        "system": request.args.get("system") if request.args.get("system") in SYSTEM_LABELS else None,
        "language": request.args.get("sprak") if request.args.get("sprak") in LANGUAGE_LABELS else None,
    }


@bp.get("/sok")
def search():
    query = request.args.get("q", "").strip()
    params = search_params()
    outcome = service.search_articles(query, readership_of(current_user), page=_int_arg("sida"), **params)
    if current_user.is_authenticated:  # a ticket this person files next names the search (a cookie, not a row)
        recent_searches.remember(outcome.search_id)
    return render_template("kb/search.html", query=query, outcome=outcome, params=params,
                           group_slug=SLUG_OF_GROUP.get(params["audience"] or ""))


@bp.get("/sok/till/<article_id>")
def search_click(article_id: str):
    """A search result's link: logs the click with its rank, then opens the article (works without JavaScript)."""
    # A hand-edited link still leads to the article; it is just not counted.
    search_token, rank = request.args.get("s", ""), parse_int(request.args.get("r"), minimum=1)
    if rank is not None:
        service.record_click(search_token, article_id, rank)
    target = {"q": request.args.get("q", "")[:200]} if request.args.get("q") else {}
    return redirect(url_for("kb.article", article_id=article_id, **target))


@bp.get("/bild/<name>")
def image(name: str):
    found = service.image_by_name(name)
    if found is None:
        abort(404)
    response = send_from_directory(service.image_dir(), found.stored_name, mimetype=found.content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
