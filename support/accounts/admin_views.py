"""The admin area: people, their groups and roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from support.accounts import service
from support.accounts.forms import MembershipForm, UserCreateForm, UserStatusForm
from support.accounts.models import GroupMembership, RoleAssignment, User
from support.blueprint_access import require_for_every_route
from support.extensions import db
from support.orgs.service import administration_choices, school_choices
from support.policy import can

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


require_for_every_route(bp, "admin.access")


@bp.get("/")
def index():
    from support.outbox.service import backlog

    user_count = db.session.scalar(select(func.count()).select_from(User))
    return render_template("admin/index.html", user_count=user_count, outbox=backlog())


@bp.get("/anvandare")
def users():
    query = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("roll") or ""
    after = request.args.get("efter", type=int) or 0
    # Groups and roles with their schools' names, loaded with the page rather than one query per person.
    statement = (select(User).where(User.id > after).order_by(User.id).limit(PAGE_SIZE + 1)
                 .options(selectinload(User.groups), selectinload(User.roles)))
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(or_(func.lower(User.email).like(pattern), func.lower(User.name).like(pattern)))
    if role:
        statement = statement.where(
            or_(
                User.roles.any(RoleAssignment.role == role),
                User.groups.any(GroupMembership.group == role),
            )
        )
    rows = db.session.scalars(statement).all()
    next_after = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render_template("admin/users.html", users=rows[:PAGE_SIZE], q=query, role=role, next_after=next_after)


def _org_lists() -> dict:
    return {"administrations": administration_choices(), "schools": school_choices()}


@bp.route("/anvandare/ny", methods=["GET", "POST"])
def create_user():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = service.create_user(
                form.email.data,
                form.name.data,
                form.password.data or None,
                groups=[(form.group.data, form.group_scope)] if form.group.data else [],
                roles=[(form.role.data, form.role_scope)] if form.role.data else [],
            )
            db.session.commit()
        except service.AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(gettext("Användaren %(email)s är skapad.", email=user.email), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_new.html", form=form, **_org_lists())


@bp.route("/anvandare/<int:user_id>", methods=["GET", "POST"])
def user_detail(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    membership_form = MembershipForm(prefix="m")
    status_form = UserStatusForm(prefix="s", active=user.active)
    if membership_form.validate_on_submit():
        try:
            service.add_membership(user, membership_form.name.data, membership_form.scope)
            db.session.commit()
        except service.AccountError as error:
            db.session.rollback()
            membership_form.form_errors.append(str(error))
        else:
            flash(gettext("Behörigheten är tillagd."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_detail.html", user=user, membership_form=membership_form,
                           status_form=status_form, **_org_lists())


@bp.post("/anvandare/<int:user_id>/ta-bort/<kind>/<int:membership_id>")
def remove_membership(user_id: int, kind: str, membership_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if kind not in ("group", "role"):
        abort(404)
    membership = next((m for m in (user.groups if kind == "group" else user.roles) if m.id == membership_id), None)
    if membership is not None and not can(current_user, "admin.remove_membership", membership):
        flash(gettext("Du kan inte ta bort din egen administratörsroll."), "error")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    try:
        service.remove_membership(user, kind, membership_id)
    except service.AccountError:
        abort(404)
    db.session.commit()
    flash(gettext("Behörigheten är borttagen."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/anvandare/<int:user_id>/status")
def set_status(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserStatusForm(prefix="s")
    if form.validate_on_submit():
        if not form.active.data and not can(current_user, "admin.deactivate", user):
            flash(gettext("Du kan inte stänga av ditt eget konto."), "error")
        else:
            service.set_active(user, form.active.data)
            db.session.commit()
            flash(gettext("Kontots status är sparad."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))
