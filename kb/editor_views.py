"""The knowledge-base editor under /kb/redaktion: articles, revisions, review, synonyms, images and the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from kb import indexing, service
from kb.forms import ArticleForm, ImageForm, SynonymForm
from kb.labels import STATUS_LABELS
from kb.models import Article, ArticleImage, ArticleRevision
from kb.render import BROKEN_LINK_CLASS
from support.extensions import db
from support.policy import can
from support.request_input import parse_int

bp = Blueprint("kb_editor", __name__, url_prefix="/kb/redaktion")


def _require(action: str, obj=None) -> None:
    if not can(current_user, action, obj):
        abort(404)


def _article_or_404(article_id: str) -> Article:
    _require("article.edit")
    found = db.session.get(Article, article_id)
    if found is None:
        abort(404)
    return found


def _data_from_form(form: ArticleForm, status: str) -> service.ArticleData:
    return service.ArticleData(
        id=form.id.data.strip(), title=form.title.data or "", summary=form.summary.data or "",
        body=form.body.data or "", language=form.language.data, translation_of=(form.translation_of.data or "").strip()
        or None, audiences=form.audiences.data or [], visibility=form.visibility.data or "public",
        school_forms=form.school_forms.data or [], system=form.system.data,
        tags=[t.strip() for t in (form.tags.data or "").split(",") if t.strip()], status=status,
        review_by=form.review_by.data,
    )


def _show_service_errors(form: ArticleForm, error: service.ArticleError) -> None:
    for key, message in error.errors.items():
        target = getattr(form, key, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]
        else:
            form.form_errors.append(message)


@bp.get("/")
@login_required
def articles():
    _require("kb.edit")
    status = request.args.get("status") or None
    found = service.editor_articles(status=status if status in STATUS_LABELS else None,
                                    system=request.args.get("system") or None,
                                    audience=request.args.get("malgrupp") or None,
                                    text=request.args.get("q") or None)
    return render_template("kb/editor/list.html", articles=found, status_labels=STATUS_LABELS,
                           filters=request.args)


@dataclass
class ImageUpload:
    """What became of an image the editor sent with the article form."""

    ok: bool
    message: str
    code: str = ""


def _upload_image() -> ImageUpload | None:
    """Store the image sent with this request, if any; None when no file was chosen."""
    image_form = ImageForm()
    chosen = image_form.image.data is not None and bool(getattr(image_form.image.data, "filename", ""))
    if not chosen and request.form.get("action") != "upload":
        return None
    if not image_form.validate():
        errors = [e for field_errors in image_form.errors.values() for e in field_errors]
        return ImageUpload(False, str(errors[0]) if errors else _("Välj en bild."))
    upload = image_form.image.data
    try:
        image = service.store_image(upload.filename or "", upload.read(), current_user)
    except service.ImageError as error:
        return ImageUpload(False, str(error))
    db.session.commit()  # the image is kept whatever becomes of the article form it came with
    code = service.image_markdown(image)
    return ImageUpload(True, _("Bilden är uppladdad och infogad sist i texten: %(code)s. Skriv vad bilden visar "
                               "mellan hakparenteserna.", code=code), code)


def _with_image(form: ArticleForm, upload: ImageUpload | None) -> None:
    if upload and upload.ok:
        body = (form.body.data or "").rstrip()
        form.body.data = f"{body}\n\n{upload.code}\n" if body else f"{upload.code}\n"


def _is_upload_only() -> bool:
    """The upload button of the article form: keep the image and show the draft again, unsaved."""
    return request.method == "POST" and request.form.get("action") == "upload"


def _valid_with_a_free_id(form: ArticleForm) -> bool:
    """The new article form is valid and its id unused; a taken id gets an error naming a free one, in the reader's
    language, and the typed id stays in the field (run every check, so the editor sees every error at once)."""
    valid = form.validate_on_submit()
    typed = (form.id.data or "").strip()
    if request.method == "POST" and typed and not form.id.errors and service.article_exists(typed):
        form.id.errors = [*form.id.errors, _("Adressen %(id)s används redan av en annan artikel. Välj en annan, "
                                            "till exempel %(free)s.", id=typed, free=service.propose_article_id(typed))]
        return False
    return valid


@bp.get("/id-forslag")
@login_required
def id_proposal():
    """An unused id for a title, asked by kb.js while the title is typed (a read: nothing is reserved)."""
    _require("article.create")
    return jsonify(id=service.propose_article_id(request.args.get("rubrik", "")[:200]))


@bp.route("/ny", methods=["GET", "POST"])
@login_required
def new_article():
    _require("article.create")
    form = ArticleForm()
    if request.method == "GET":
        form.review_by.data = (datetime.now(UTC) + timedelta(days=365)).date()
        form.audiences.data = []
        # From the search report: a search that found nothing, as the new article's title and tag.
        form.title.data = request.args.get("rubrik", "")[:200].strip().capitalize()
        form.tags.data = request.args.get("taggar", "")[:200].strip()
        form.id.data = service.propose_article_id(form.title.data) if form.title.data else ""
    elif not (form.id.data or "").strip() and (form.title.data or "").strip():
        form.id.data = service.propose_article_id(form.title.data)
    upload = _upload_image() if request.method == "POST" else None
    _with_image(form, upload)
    if not _is_upload_only() and _valid_with_a_free_id(form):
        try:
            article, _changed = service.save_article(_data_from_form(form, "draft"), current_user,
                                                     form.note.data or "", create=True)
            indexing.commit()
        except service.ArticleError as error:
            db.session.rollback()
            _show_service_errors(form, error)
        else:
            flash(_("Utkastet är sparat."), "success")
            if upload:
                flash(upload.message, "success" if upload.ok else "error")
            return redirect(url_for("kb_editor.edit_article", article_id=article.id))
    return render_template("kb/editor/edit.html", form=form, article=None, image_form=ImageForm(formdata=None),
                           upload=upload, image_max_bytes=service.IMAGE_MAX_BYTES)


@bp.route("/artikel/<article_id>", methods=["GET", "POST"])
@login_required
def edit_article(article_id: str):
    article = _article_or_404(article_id)
    form = ArticleForm(obj=None if request.method == "POST" else article)
    if request.method == "GET":
        form.tags.data = ", ".join(article.tags or [])
        form.audiences.data = list(article.audiences)
        form.school_forms.data = list(article.school_forms or [])
        form.translation_of.data = article.translation_of or ""
        form.note.data = ""
    form.id.data = article.id  # the id is the address; it does not change
    upload = _upload_image() if request.method == "POST" else None
    _with_image(form, upload)
    if not _is_upload_only() and form.validate_on_submit():
        try:
            _saved, changed = service.save_article(_data_from_form(form, article.status), current_user,
                                                   form.note.data or "", create=False)
            indexing.commit()
        except service.ArticleError as error:
            db.session.rollback()
            _show_service_errors(form, error)
        else:
            flash(_("Artikeln är sparad.") if changed else _("Inget var ändrat."), "success")
            if upload:
                flash(upload.message, "success" if upload.ok else "error")
            return redirect(url_for("kb_editor.edit_article", article_id=article.id))
    rendered = service.render_article(article)
    return render_template("kb/editor/edit.html", form=form, article=article, image_form=ImageForm(formdata=None),
                           broken=rendered.broken_links, status_labels=STATUS_LABELS, upload=upload,
                           image_max_bytes=service.IMAGE_MAX_BYTES)


@bp.post("/artikel/<article_id>/status")
@login_required
def change_status(article_id: str):
    article = _article_or_404(article_id)
    action = request.form.get("action", "")
    if action in ("publish", "archive", "draft"):
        _require({"publish": "article.publish", "archive": "article.archive", "draft": "article.edit"}[action],
                 article)
        status = {"publish": "published", "archive": "archived", "draft": "draft"}[action]
        service.set_status(article, status, current_user)
        indexing.commit()
        flash({"publish": _("Artikeln är publicerad."), "archive": _("Artikeln är arkiverad."),
               "draft": _("Artikeln är tillbaka som utkast.")}[action], "success")
    elif action in ("review", "reviewed"):
        service.mark_for_review(article, action == "review")
        indexing.commit()
        flash(_("Artikeln är markerad för granskning.") if action == "review"
              else _("Granskningsmarkeringen är borttagen."), "success")
    else:
        abort(400)
    return redirect(url_for("kb_editor.edit_article", article_id=article.id))


@bp.post("/forhandsvisning")
@login_required
def preview():
    """Server-side preview through the same renderer and sanitiser as the article page (kb.js fetches it)."""
    _require("kb.edit")
    rendered = service.render_article(request.form.get("body", ""))
    return jsonify(html=rendered.html, broken_links=rendered.broken_links, broken_class=BROKEN_LINK_CLASS)


@bp.get("/artikel/<article_id>/forhandsvisning")
@login_required
def article_preview(article_id: str):
    """How the article looks, whatever its status (drafts are never shown outside the editor)."""
    article = _article_or_404(article_id)
    rendered = service.render_article(article)
    return render_template("kb/editor/preview.html", article=article, body_html=rendered.html,
                           status_labels=STATUS_LABELS)


@bp.get("/artikel/<article_id>/versioner")
@login_required
def revisions(article_id: str):
    article = _article_or_404(article_id)
    _require("article.revisions", article)
    return render_template("kb/editor/revisions.html", article=article, revisions=article.revisions)


def _revision_or_404(article: Article, number) -> ArticleRevision:
    number = parse_int(number, minimum=1)
    if number is None:
        abort(404)
    found = db.session.scalar(select(ArticleRevision).where(ArticleRevision.article_id == article.id,
                                                            ArticleRevision.number == number))
    if found is None:
        abort(404)
    return found


@bp.get("/artikel/<article_id>/jamfor")
@login_required
def diff(article_id: str):
    article = _article_or_404(article_id)
    _require("article.revisions", article)
    old = _revision_or_404(article, request.args.get("fran"))
    new = _revision_or_404(article, request.args.get("till"))
    if old.number > new.number:
        old, new = new, old
    return render_template("kb/editor/diff.html", article=article, old=old, new=new,
                           lines=service.diff_revisions(old, new))


@bp.post("/artikel/<article_id>/versioner/<int:number>/aterstall")
@login_required
def restore(article_id: str, number: int):
    article = _article_or_404(article_id)
    revision = _revision_or_404(article, number)
    if service.restore_revision(article, revision, current_user):
        indexing.commit()
        flash(_("Version %(number)s är återställd som en ny version.", number=number), "success")
    else:
        flash(_("Version %(number)s är redan den aktuella texten.", number=number), "info")
    return redirect(url_for("kb_editor.revisions", article_id=article.id))


@bp.get("/granskning")
@login_required
def review():
    _require("kb.edit")
    return render_template("kb/editor/review.html", due=service.due_for_review(), broken=service.broken_links(),
                           status_labels=STATUS_LABELS)


@bp.route("/synonymer", methods=["GET", "POST"])
@login_required
def synonyms():
    _require("kb.synonyms")
    form = SynonymForm()
    if request.method == "GET":
        form.text.data = service.current_synonyms_text()
        # From the search report: a new group starting with the word readers searched for; the editor adds the rest.
        word = " ".join(request.args.get("ord", "")[:100].split())
        if word:
            form.text.data = f"{form.text.data.rstrip()}\n{word}, "
            flash(_("Skriv ord med samma betydelse efter ”%(word)s,” på sista raden och spara.", word=word), "info")
    errors = []
    if form.validate_on_submit():
        errors = service.save_synonyms(form.text.data or "", current_user)
        if not errors:
            db.session.commit()
            flash(_("Synonymlistan är sparad och används i sökningen direkt."), "success")
            return redirect(url_for("kb_editor.synonyms"))
        form.text.errors = list(errors)
    return render_template("kb/editor/synonyms.html", form=form, suggestions=service.synonym_suggestions())


@bp.post("/synonymer/forslag")
@login_required
def approve_synonym():
    """An editor approves a synonym line learnt from the search log (the form on the synonyms page)."""
    _require("kb.synonyms")
    query, article_id = request.form.get("sokning", "")[:300], request.form.get("artikel", "")[:80]
    if service.approve_synonym_suggestion(query, article_id, current_user):
        db.session.commit()
        flash(_("Synonymen är tillagd och används i sökningen direkt."), "success")
    else:
        flash(_("Förslaget finns inte längre. Ladda om sidan."), "error")
    return redirect(url_for("kb_editor.synonyms"))


@bp.get("/rapport")
@login_required
def report():
    _require("kb.report")
    try:
        days = parse_int(request.args.get("dagar"), minimum=1, maximum=3650, default=30)
    except ValueError:
        days = 30
    report = service.editor_report(since=datetime.now(UTC) - timedelta(days=days))
    return render_template("kb/editor/report.html", report=report, days=days)


@bp.route("/bilder", methods=["GET", "POST"])
@login_required
def images():
    _require("kb.upload")
    form = ImageForm()
    if form.validate_on_submit():
        upload = form.image.data
        try:
            image = service.store_image(upload.filename or "", upload.read(), current_user)
        except service.ImageError as error:
            form.image.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Bilden är uppladdad. Klistra in koden i artikeltexten: %(code)s",
                    code=service.image_markdown(image)), "success")
            return redirect(url_for("kb_editor.images"))
    recent = db.session.scalars(select(ArticleImage).order_by(ArticleImage.created_at.desc()).limit(100)).all()
    return render_template("kb/editor/images.html", form=form, images=recent)


@bp.post("/bilder/uppladdning")
@login_required
def image_upload():
    """The editor's upload without leaving the page (kb.js): the Markdown code as JSON, or a Swedish error."""
    _require("kb.upload")
    upload = _upload_image() or ImageUpload(False, _("Välj en bild."))
    if not upload.ok:
        return jsonify(error="invalid", message=upload.message), 400
    return jsonify(code=upload.code, message=_("Bilden är uppladdad och infogad i texten: %(code)s. Skriv vad "
                                               "bilden visar mellan hakparenteserna.", code=upload.code))
