"""Checking every quote of a fact base against the text of its article."""

from __future__ import annotations

import pathlib

from ..text import InputFileError, read_text_file
from .base import FactBase, default_facts_path


def default_articles_dir(base: FactBase | None = None) -> pathlib.Path | None:
    """The articles beside a fact base (``seeds/articles/``; default the shipped one's), or ``None``."""
    folder = (base.path if base is not None else default_facts_path()).parent / "articles"
    return folder if folder.is_dir() else None


def check_quotes(base: FactBase, articles_dir: pathlib.Path) -> list[str]:
    """Problems with the quotes of ``base`` against the articles in ``articles_dir``.

    One string per fact whose source file is missing or unreadable, or whose
    quote is not an exact substring of the article text (UTF-8); each string
    starts with ``fact '<id>':``. An empty list means every quote was found.
    """
    articles_dir = pathlib.Path(articles_dir)
    texts: dict[str, str | None] = {}
    problems: list[str] = []
    for fact in base.facts:
        if fact.source not in texts:
            try:  # newlines read as Python's text mode reads them
                text = read_text_file(articles_dir / fact.source)
                texts[fact.source] = text.replace("\r\n", "\n").replace("\r", "\n")
            except InputFileError:  # missing, a folder, a pipe, too large or not UTF-8
                texts[fact.source] = None
        text = texts[fact.source]
        if text is None:
            problems.append(
                f"fact {fact.id!r}: source {fact.source!r} not found or unreadable in {articles_dir}"
            )
        elif fact.quote not in text:
            hint = ""
            if _plain(fact.quote) in _plain(text):
                hint = " (it matches once quotes, apostrophes and spaces are normalised:"
                hint += " copy the article's exact characters)"
            problems.append(f"fact {fact.id!r}: quote {fact.quote!r} not found in {fact.source}{hint}")
    return problems


_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " ", "–": "-", "—": "-"})


def _plain(text: str) -> str:
    """``text`` with curly quotes, dashes and no-break spaces made plain and runs of white space one space."""
    return " ".join(text.translate(_PLAIN).split())
