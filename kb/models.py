"""Knowledge-base models (articles, revisions, feedback, search log)."""
