"""Pages of the network space (/natverket/fragor) and a superuser's day (/min-dag). Each view asks the policy
(support/policy/space.py), calls the service and renders; anyone outside the space gets 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from kb import indexing
from kb import service as kb
from kb.labels import SYSTEM_LABELS
from support.extensions import db
from support.network import home, space
from support.network.space_forms import AskForm, ReplyForm
from support.network.space_models import NetworkPost, NetworkThread
from support.policy import can
from support.request_input import parse_int
from support.tickets.models import SYSTEMS

bp = Blueprint("space", __name__)

LIST_LABELS = {"all": _l("Alla frågor"), "unanswered": _l("Obesvarade"), "unsolved": _l("Olösta"),
               "solved": _l("Lösta")}


def _require(action: str, obj=None) -> None:
    if not can(current_user, action, obj):
        abort(404)


def _thread_or_404(thread_id: int, action: str = "space.read") -> NetworkThread:
    thread = db.session.get(NetworkThread, thread_id)
    if thread is None:
        abort(404)
    _require(action, thread)
    return thread


@bp.get("/natverket/fragor")
@login_required
def threads():
    _require("space.read")
    query = (request.args.get("q") or "").strip()[:200]
    system = request.args.get("system") if request.args.get("system") in SYSTEMS else None
    which = request.args.get("visa") if request.args.get("visa") in space.LISTS else "all"
    before = parse_int(request.args.get("fore")) if request.args.get("fore") else None
    found, next_before = space.threads(query=query, system=system, which=which, before=before)
    return render_template("network/space/threads.html", threads=found, next_before=next_before, q=query,
                           system=system, which=which, list_labels=LIST_LABELS, systems=SYSTEM_LABELS)


@bp.route("/natverket/fragor/ny", methods=["GET", "POST"])
@login_required
def ask():
    _require("space.ask")
    form = AskForm()
    status = 200
    if form.validate_on_submit():
        try:
            thread = space.ask(current_user, title=form.title.data, body=form.body.data, system=form.system.data)
        except space.SpaceError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("Frågan är publicerad i nätverket."), "success")
            return redirect(url_for("space.thread", thread_id=thread.id))
    if request.method == "POST":
        status = 400
    return render_template("network/space/ask.html", form=form), status


@bp.get("/natverket/fragor/<int:thread_id>")
@login_required
def thread(thread_id: int):
    return _render_thread(_thread_or_404(thread_id))


def _render_thread(thread: NetworkThread, reply_form: ReplyForm | None = None, status: int = 200):
    return render_template(
        "network/space/thread.html", thread=thread, reply_form=reply_form or ReplyForm(formdata=None),
        systems=SYSTEM_LABELS,
        may_reply=can(current_user, "space.reply", thread),
        may_mark=can(current_user, "space.mark_solved", thread),
        may_draft=can(current_user, "space.make_draft", thread) and not thread.kb_article_id,
        may_edit_draft=bool(thread.kb_article_id) and can(current_user, "article.edit"),
    ), status


@bp.post("/natverket/fragor/<int:thread_id>/svar")
@login_required
def reply(thread_id: int):
    thread = _thread_or_404(thread_id, "space.reply")
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = space.reply(thread, current_user, form.body.data)
        except space.SpaceError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("Ditt svar är publicerat."), "success")
            return redirect(url_for("space.thread", thread_id=thread.id, _anchor=f"svar-{post.id}"))
    return _render_thread(thread, form, 400)


def _button_target(thread_id: int, post_id: int, action: str) -> tuple[NetworkThread, NetworkPost]:
    """The thread and reply a button on a reply acts on, once the policy allows `action` and the CSRF token holds."""
    thread = _thread_or_404(thread_id, action)
    post = db.session.get(NetworkPost, post_id)
    if post is None or post.thread_id != thread.id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    return thread, post


@bp.post("/natverket/fragor/<int:thread_id>/svar/<int:post_id>/losning")
@login_required
def mark_solved(thread_id: int, post_id: int):
    thread, post = _button_target(thread_id, post_id, "space.mark_solved")
    space.mark_solved(thread, post, by=current_user)
    db.session.commit()
    flash(gettext("Svaret är markerat som lösningen."), "success")
    return redirect(url_for("space.thread", thread_id=thread.id, _anchor=f"svar-{post.id}"))


@bp.post("/natverket/fragor/<int:thread_id>/svar/<int:post_id>/artikelutkast")
@login_required
def make_draft(thread_id: int, post_id: int):
    thread, post = _button_target(thread_id, post_id, "space.make_draft")
    try:
        article = space.make_draft(thread, by=current_user, post=post)
    except (space.SpaceError, kb.ArticleError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("space.thread", thread_id=thread.id))
    indexing.commit()  # the draft reaches the editors' search at once
    flash(gettext("Ett artikelutkast är skapat. Redaktionen granskar det innan det publiceras."), "success")
    if can(current_user, "article.edit"):
        return redirect(url_for("kb_editor.edit_article", article_id=article.id))
    return redirect(url_for("space.thread", thread_id=thread.id))


@bp.get("/min-dag")
@login_required
def my_day():
    _require("space.my_day")
    return render_template("network/my_day.html", day=home.day_of(current_user), systems=SYSTEM_LABELS)
