"""What reading the knowledge base costs, served as `make run` serves it, beside a minimal Flask page.

In one run, on a temporary instance with the demo data:

  1. serves the app with gunicorn (2 workers × 4 threads, `support.wsgi:app`) and the worker beside it, as
     `make run` does, and a minimal Flask + SQLAlchemy + Jinja app listing 10 articles from SQLite (also
     gunicorn 2 × 4); loads each page with wrk and prints requests per second for the minimal page, the start
     page, a group page, an article page and search results, each also as a share of the minimal page;
  2. times in process (Flask's test client, no network) an article view, search results and a group page with
     the 165 demo articles, then again after adding N generated articles (default 10,000; the generator of
     bench/kb_speed.py).

    python bench/kb_pages.py [--duration S] [--connections C] [--docs N] [--skip-wrk] [--skip-scale]

Goals (issue 14): article page ≥ 50 % and search results ≥ 25 % of the minimal page's req/s, group pages
≥ 50 %; an article view's in-process time within 10 % from 165 to 10,000 articles. Other processes on the
machine change the absolute figures; the shares compare pages measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WRK = shutil.which("wrk") or "/usr/bin/wrk"
ARTICLE_ID = "guardian-report-absence"  # the sick-report article: what a city's guardians open at term start
GROUP_PATH = "/kb/vardnadshavare"
SEARCH_PATH = "/kb/sok?q=sjukanm%C3%A4la+barn"
GOALS = {"article": 50.0, "search": 25.0, "group": 50.0}
SCALE_GOAL = 10.0  # % an article view may grow from 165 to 10,000 articles
GUNICORN_WORKERS, GUNICORN_THREADS = 2, 4

MINIMAL_APP = '''
"""The yardstick: Flask + Flask-SQLAlchemy + a Jinja template listing 10 articles from SQLite."""
import os

from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.environ["MINIMAL_DB"]
db = SQLAlchemy(app, model_class=Base)


class Article(db.Model):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    summary: Mapped[str]


PAGE = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Artiklar</title></head>
<body><main><h1>Artiklar</h1><ul>{% for a in articles %}<li><a href="/artikel/{{ a.id }}">{{ a.title }}</a>
<p>{{ a.summary }}</p></li>{% endfor %}</ul></main></body></html>"""


@app.get("/")
def index():
    articles = db.session.scalars(select(Article).order_by(Article.id).limit(10)).all()
    return render_template_string(PAGE, articles=articles)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server for {url} did not answer within {timeout:.0f} s")


def gunicorn(app_spec: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
               "--workers", str(GUNICORN_WORKERS), "--threads", str(GUNICORN_THREADS),
               "--access-logfile", "-", app_spec]
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,  # noqa: S603
                            stderr=subprocess.DEVNULL)


def run_wrk(url: str, duration: int, connections: int) -> tuple[float, int]:
    """Requests per second and the number of non-2xx/3xx answers."""
    output = subprocess.run([WRK, "-t2", f"-c{connections}", f"-d{duration}s", url],  # noqa: S603
                            capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    return rate, int(errors.group(1)) if errors else 0


def support_env(instance: Path) -> dict:
    env = dict(os.environ)
    env.update(SUPPORT_INSTANCE_DIR=str(instance), SUPPORT_ENV_NAME="development",
               PYTHONPATH=f"{ROOT}{os.pathsep}{env.get('PYTHONPATH', '')}")
    env.pop("SUPPORT_DATABASE_URL", None)
    return env


def prepare_instance(instance: Path) -> None:
    env = support_env(instance)
    for step in ("init", "demo"):
        print(f"support {step} …", flush=True)
        done = subprocess.run([sys.executable, "-m", "support.cli", step], env=env, cwd=ROOT,  # noqa: S603
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"support {step} failed:\n{done.stdout}\n{done.stderr}")


def prepare_minimal(folder: Path) -> dict:
    (folder / "minimal_app.py").write_text(MINIMAL_APP, encoding="utf-8")
    database = folder / "minimal.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT NOT NULL, "
                           "summary TEXT NOT NULL)")
        connection.executemany("INSERT INTO articles (title, summary) VALUES (?, ?)", [
            (f"Artikel {n}", f"En sammanfattning av artikel {n} om frånvaro, schema och inloggning.")
            for n in range(1, 21)])
    env = dict(os.environ)
    env["MINIMAL_DB"] = str(database)
    return env


def measure_pages(instance: Path, folder: Path, duration: int, connections: int) -> None:
    if not Path(WRK).exists():
        print(f"wrk is missing ({WRK}): install it (apt-get install wrk) to measure requests per second; "
              "skipping the served comparison.")
        return
    minimal_port, support_port = free_port(), free_port()
    minimal = gunicorn("minimal_app:app", minimal_port, prepare_minimal(folder), folder)
    env = support_env(instance)
    web = gunicorn("support.wsgi:app", support_port, env, ROOT)
    worker = subprocess.Popen([sys.executable, "-m", "support.cli", "worker"], env=env, cwd=ROOT,  # noqa: S603
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{support_port}"
    pages = [("minimal page (10 articles)", f"http://127.0.0.1:{minimal_port}/", None),
             ("start page", f"{base}/", None),
             ("group page", f"{base}{GROUP_PATH}", "group"),
             ("article page", f"{base}/kb/artikel/{ARTICLE_ID}", "article"),
             ("search results", f"{base}{SEARCH_PATH}", "search")]
    try:
        for _name, url, _goal in pages:
            wait_until_up(url, minimal if url.startswith(f"http://127.0.0.1:{minimal_port}") else web)
        for _name, url, _goal in pages:  # warm both apps' workers (templates, index searcher)
            run_wrk(url, 1, connections)
        print(f"\nwrk: {connections} connections, {duration} s per page, gunicorn {GUNICORN_WORKERS} workers × "
              f"{GUNICORN_THREADS} threads each; load average before: {os.getloadavg()[0]:.1f}")
        floor = None
        for name, url, goal in pages:
            rate, errors = run_wrk(url, duration, connections)
            floor = floor or rate
            share = 100 * rate / floor
            goal_text = f"goal ≥ {GOALS[goal]:.0f} %  {'met' if share >= GOALS[goal] else 'NOT met'}" if goal else ""
            error_text = f"  ({errors} error answers)" if errors else ""
            print(f"  {name:28} {rate:8.1f} req/s  {share:5.0f} % of minimal   {goal_text}{error_text}", flush=True)
    finally:
        for process in (minimal, web, worker):
            process.terminate()
        for process in (minimal, web, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def time_views(client, paths: dict[str, str], rounds: int) -> dict[str, tuple[float, float]]:
    """Median milliseconds of each path's view in process: wall clock, and CPU time of the thread (the test
    client runs the view in this thread), which other processes on the machine disturb far less. A name ending
    in "(not cached)" is timed with the process's cached pages emptied first, as the first view after a change."""
    from kb.stamps import CACHE_KEY

    figures = {}
    for name, path in paths.items():
        for _ in range(3):
            assert client.get(path).status_code == 200, path
        wall, cpu = [], []
        for _ in range(rounds):
            if name.endswith("(not cached)"):
                client.application.extensions.pop(CACHE_KEY, None)
            start, start_cpu = time.perf_counter(), time.thread_time()
            client.get(path)
            wall.append(1000 * (time.perf_counter() - start))
            cpu.append(1000 * (time.thread_time() - start_cpu))
        figures[name] = (statistics.median(wall), statistics.median(cpu))
    return figures


def add_generated_articles(count: int, seed: int) -> float:
    """Add `count` generated published articles through the service (as an import would); seconds taken."""
    from bench.kb_speed import synthetic_corpus
    from kb import indexing, service
    from kb.demo import DEMO_CORPUS
    from kb.search import load_corpus
    from support.extensions import db

    start = time.perf_counter()
    docs = synthetic_corpus(load_corpus(DEMO_CORPUS), count, random.Random(seed))
    for number, doc in enumerate(docs, start=1):
        service.save_article(service.ArticleData(
            id=doc.id, title=doc.title[:200], summary=doc.summary[:600], body=doc.body, language=doc.language,
            audiences=list(doc.audiences), visibility=doc.visibility, school_forms=list(doc.school_forms),
            system=doc.system, tags=list(doc.tags), status="published"))
        if number % 500 == 0:
            db.session.commit()
            print(f"  {number} articles added", flush=True)
    indexing.commit()
    return time.perf_counter() - start


def measure_scale(instance: Path, docs: int, rounds: int, seed: int) -> None:
    os.environ.update(support_env(instance))
    from support import create_app

    app = create_app()
    paths = {"article view": f"/kb/artikel/{ARTICLE_ID}", "article (not cached)": f"/kb/artikel/{ARTICLE_ID}",
             "search results": SEARCH_PATH, "group page": GROUP_PATH, "group (not cached)": GROUP_PATH}
    with app.app_context():
        client = app.test_client()
        small = time_views(client, paths, rounds)
        print(f"\nadding {docs} generated articles …", flush=True)
        took = add_generated_articles(docs, seed)
        print(f"  added in {took:.0f} s")
        large = time_views(client, paths, rounds)
    print(f"\nin process (median of {rounds} views, anonymous reader; wall clock / CPU time of the view's thread; "
          "the goal is judged on CPU time, which other load on the machine disturbs less):")
    print(f"  {'':20} {'165 articles':>20} {f'{165 + docs:,} articles':>22}   change (wall / CPU)")
    for name in paths:
        (small_wall, small_cpu), (large_wall, large_cpu) = small[name], large[name]
        change_wall = 100 * (large_wall - small_wall) / small_wall
        change = 100 * (large_cpu - small_cpu) / small_cpu
        goal = ""
        if name == "article view":
            goal = f"   goal ≤ +{SCALE_GOAL:.0f} %  {'met' if change <= SCALE_GOAL else 'NOT met'}"
        print(f"  {name:20} {small_wall:7.1f} / {small_cpu:5.1f} ms {large_wall:11.1f} / {large_cpu:5.1f} ms   "
              f"{change_wall:+5.0f} % / {change:+5.0f} %{goal}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--docs", type=int, default=10_000, help="generated articles for the in-process check")
    parser.add_argument("--rounds", type=int, default=30, help="views timed per page in process")
    parser.add_argument("--seed", type=int, default=20260914)
    parser.add_argument("--skip-wrk", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-pages-") as tmp:
        folder = Path(tmp)
        instance = folder / "instance"
        prepare_instance(instance)
        if not args.skip_wrk:
            measure_pages(instance, folder, args.duration, args.connections)
        if not args.skip_scale:
            measure_scale(instance, args.docs, args.rounds, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
