"""The city's organisation: administrations (förvaltningar) and their schools (enheter)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from support.extensions import db

ADMINISTRATION_KINDS = ("education", "labour-market", "district")

SCHOOL_FORMS = (
    "preschool",
    "compulsory",
    "compulsory-adapted",
    "upper-secondary",
    "upper-secondary-adapted",
    "adult",
    "adult-adapted",
    "sfi",
    "vocational",
)


class Administration(db.Model):
    __tablename__ = "administrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))

    schools: Mapped[list[School]] = relationship(back_populates="administration", order_by="School.name")

    def __repr__(self) -> str:
        return f"<Administration {self.slug}>"


class School(db.Model):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    administration: Mapped[Administration] = relationship(back_populates="schools")
    form_links: Mapped[list[SchoolFormLink]] = relationship(
        back_populates="school", cascade="all, delete-orphan", order_by="SchoolFormLink.form"
    )

    @property
    def school_forms(self) -> list[str]:
        return [link.form for link in self.form_links]

    @school_forms.setter
    def school_forms(self, forms: list[str]) -> None:
        unknown = set(forms) - set(SCHOOL_FORMS)
        if unknown:
            raise ValueError(f"unknown school forms: {sorted(unknown)}")
        existing = {link.form: link for link in self.form_links}
        self.form_links = [existing.get(form) or SchoolFormLink(form=form) for form in dict.fromkeys(forms)]

    def __repr__(self) -> str:
        return f"<School {self.slug}>"


class SchoolFormLink(db.Model):
    """One school form offered by a school (a school may offer several, e.g. compulsory + compulsory-adapted)."""

    __tablename__ = "school_forms"
    __table_args__ = (UniqueConstraint("school_id", "form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    form: Mapped[str] = mapped_column(String(40), index=True)

    school: Mapped[School] = relationship(back_populates="form_links")
