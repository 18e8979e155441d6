"""The demo organisation: the city's 16 administrations and about 750 invented but realistic schools."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from support.extensions import db
from support.orgs.models import School
from support.orgs.service import get_or_create_administration, get_or_create_school, slugify

EDUCATION = "Utbildningsförvaltningen"
LABOUR_MARKET = "Arbetsmarknadsförvaltningen"
DISTRICTS = {
    "Rinkeby-Kista": ["Rinkeby", "Kista", "Husby", "Akalla"],
    "Spånga-Tensta": ["Spånga", "Tensta", "Hjulsta", "Solhem"],
    "Hässelby-Vällingby": ["Hässelby", "Vällingby", "Råcksta", "Grimsta"],
    "Bromma": ["Bromma", "Abrahamsberg", "Ålsten", "Nockeby"],
    "Kungsholmen": ["Kungsholmen", "Fredhäll", "Lilla Essingen", "Stadshagen"],
    "Norrmalm": ["Vasastan", "Sankt Eriksplan", "Norrtull", "Hagastaden"],
    "Östermalm": ["Östermalm", "Gärdet", "Hjorthagen", "Ropsten"],
    "Södermalm": ["Södermalm", "Skanstull", "Hornstull", "Katarina"],
    "Enskede-Årsta-Vantör": ["Enskede", "Årsta", "Rågsved", "Hagsätra"],
    "Skarpnäck": ["Skarpnäck", "Bagarmossen", "Kärrtorp", "Björkhagen"],
    "Farsta": ["Farsta", "Hökarängen", "Sköndal", "Larsboda"],
    "Älvsjö": ["Älvsjö", "Solberga", "Herrängen", "Långbro"],
    "Hägersten-Liljeholmen": ["Hägersten", "Liljeholmen", "Fruängen", "Västertorp"],
    "Skärholmen": ["Skärholmen", "Bredäng", "Sätra", "Vårberg"],
}

# The schools WORLD.md names; demo users and articles refer to them.
NAMED_SCHOOLS = [
    ("Ekbackaskolan", "Bromma", ["compulsory"], "Ekbackavägen 12, Bromma"),
    ("Hässelbyskolan", "Hässelby-Vällingby", ["compulsory", "compulsory-adapted"], "Hässelby torg 3"),
    ("Solrosens förskola", "Rinkeby-Kista", ["preschool"], "Rinkebystråket 40"),
    ("Fjärdens gymnasium", EDUCATION, ["upper-secondary", "upper-secondary-adapted"], "Fjärdgatan 8"),
    ("Komvux Söder", LABOUR_MARKET, ["adult", "sfi"], "Ringvägen 100"),
]

NATURE = [
    "Ek", "Björk", "Tall", "Gran", "Lind", "Ask", "Rönn", "Lönn", "Hassel", "Al", "Vide", "Sälg", "Alm", "Bok",
    "Sol", "Äng", "Sjö", "Berg", "Dal", "Hag", "Ros", "Lärk", "Svan", "Trast", "Fjäril", "Ekorr", "Stjärn",
    "Mån", "Klöver", "Blåbärs", "Lingon", "Hjortron", "Nyckelpige", "Humle", "Vitsippe", "Smörblomme", "Linné",
    "Kastanj", "Kotte", "Mossa", "Snäck", "Bäck", "Skogs", "Tuv", "Näckros", "Igelkott", "Myr", "Bi", "Hare",
]
PLACE_SUFFIXES = ["backa", "dal", "höjd", "vik", "berg", "lund", "torp", "holm", "udd", "äng", "gärd", "hag", "sjö"]
PRESCHOOL_PATTERNS = ["{name}s förskola", "Förskolan {name}", "{name} förskola"]
COMPULSORY_PATTERNS = ["{name}skolan", "{place}skolan", "{name}s skola"]
UPPER_SECONDARY_PATTERNS = ["{name}gymnasiet", "{place} gymnasium", "{name}s gymnasium"]
ADULT_PATTERNS = ["Komvux {place}", "Vuxenutbildning {place}", "Sfi {place}"]
STREETS = ["vägen", "gatan", "stigen", "gränd", "allén", "backen", "torget"]

TARGET_PRESCHOOLS = 440
TARGET_COMPULSORY = 210
TARGET_UPPER_SECONDARY = 60
TARGET_ADULT = 35
TARGET_VOCATIONAL = 5


def load_demo_organisation(seed: int = 2026) -> dict[str, int]:
    """Create the administrations and schools; running it again adds nothing."""
    rng = random.Random(seed)
    administrations = {EDUCATION: get_or_create_administration(EDUCATION, "education"),
                       LABOUR_MARKET: get_or_create_administration(LABOUR_MARKET, "labour-market")}
    for district in DISTRICTS:
        administrations[district] = get_or_create_administration(district, "district")

    for name, administration, forms, address in NAMED_SCHOOLS:
        get_or_create_school(name, administrations[administration], forms, address)
    db.session.flush()

    existing = db.session.scalar(select(func.count()).select_from(School))
    if existing >= len(NAMED_SCHOOLS) + 100:
        return {"administrations": len(administrations), "schools": existing}

    used = set(db.session.scalars(select(School.slug)))
    district_places = [(district, place) for district, places in DISTRICTS.items() for place in places]

    def unique_name(patterns: list[str], place: str) -> str:
        for _attempt in range(200):
            stem = rng.choice(NATURE) + rng.choice(PLACE_SUFFIXES)
            name = rng.choice(patterns).format(name=stem.capitalize(), place=place)
            if slugify(name) not in used:
                used.add(slugify(name))
                return name
        raise RuntimeError("could not invent a unique school name")

    def address(place: str) -> str:
        return f"{rng.choice(NATURE)}{rng.choice(STREETS)} {rng.randint(1, 120)}, {place}"

    generated: list[School] = []

    def add(name: str, administration, forms: list[str], place: str) -> None:
        # Names are unique by construction (see unique_name), so no lookup per school is needed.
        school = School(name=name, slug=slugify(name), administration=administration, address=address(place))
        school.school_forms = forms
        generated.append(school)

    for index in range(TARGET_PRESCHOOLS):
        district, place = district_places[index % len(district_places)]
        add(unique_name(PRESCHOOL_PATTERNS, place), administrations[district], ["preschool"], place)
    for index in range(TARGET_COMPULSORY):
        _district, place = district_places[index % len(district_places)]
        forms = ["compulsory"] + (["compulsory-adapted"] if rng.random() < 0.15 else [])
        add(unique_name(COMPULSORY_PATTERNS, place), administrations[EDUCATION], forms, place)
    for index in range(TARGET_UPPER_SECONDARY):
        _district, place = district_places[index % len(district_places)]
        forms = ["upper-secondary"] + (["upper-secondary-adapted"] if rng.random() < 0.2 else [])
        add(unique_name(UPPER_SECONDARY_PATTERNS, place), administrations[EDUCATION], forms, place)
    for index in range(TARGET_ADULT):
        _district, place = district_places[(index * 3) % len(district_places)]
        forms = rng.choice([["adult"], ["adult", "sfi"], ["sfi"], ["adult", "adult-adapted"]])
        add(unique_name(ADULT_PATTERNS, place), administrations[LABOUR_MARKET], forms, place)
    for index in range(TARGET_VOCATIONAL):
        _district, place = district_places[(index * 7) % len(district_places)]
        name = f"Yrkeshögskolan {place}"
        if slugify(name) not in used:
            used.add(slugify(name))
            add(name, administrations[LABOUR_MARKET], ["vocational"], place)
    db.session.add_all(generated)
    db.session.flush()
    return {"administrations": len(administrations),
            "schools": db.session.scalar(select(func.count()).select_from(School))}
