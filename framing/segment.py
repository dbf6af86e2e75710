"""Article cleaning and sentence splitting, shared by the corpus build and prediction.

The codebook's unit is one sentence of body text. Scraped articles also carry
link lists, reference and disclaimer lines, agency credits, author bylines and
sometimes the whole body pasted twice; none of that is annotated, so it is
removed here, in one place, before anything is labelled or predicted.

Sentence boundaries come from ``pysbd`` (rule-based, handles "U.S.", "Prof.",
initials, decimals and quotes); each line of the article is a paragraph, so
headlines without final punctuation stay sentences of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# A line that starts a block of unrelated links: it and everything below it go.
_LINK_LIST = re.compile(
    r"^(you may also like|also read|read more|related( articles| stories)?|more from)\b",
    re.IGNORECASE,
)
# Whole lines that are never article text.
_DROP_LINE = re.compile(
    r"""^(
        references?                                  # "Reference"
      | disclaimer:.*                                # "Disclaimer: This article first appeared..."
      | \(with\ inputs\ from\ [^)]*\)                # "(With inputs from agencies)"
      | by\ [A-Z][\w.'-]*(\ [A-Z][\w.'-]*){0,3}      # "By Jane Doe"
      | [A-Z][\w.'-]*(\ [A-Z][\w.'-]*){1,3}\ is\ an?\ [^.]*?
        (columnist|correspondent|reporter|editor|writer|contributor)\b.*   # author bio
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_BY_LINE = re.compile(r"^by\ ", re.IGNORECASE)
# List bullets and stray leading punctuation that are layout, not text.
_LEADING_JUNK = re.compile(r"^(?:[-•*–]\s+|[,;]\s*)+")


@dataclass(frozen=True)
class Sentence:
    """A kept sentence with its position among the kept sentences of its article."""

    index: int
    text: str


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


# pysbd never splits inside quotation marks, so a quote of several sentences would
# come out as one unit. Each segment is split again with double quotes masked,
# and a closing quote that lands at the start of the next piece is moved back.
_QUOTE_MASK = str.maketrans({"\u201c": "\x01", "\u201d": "\x02", '"': "\x03"})
_CLOSING_QUOTE = re.compile(r'^([\u201d"\u2019]+)(?=\s|$)')


def _spans(text: str) -> list[str]:
    return [text[s.start : s.end] for s in _segmenter().segment(text)]


def _split_inside_quotes(segment: str) -> list[str]:
    pieces: list[str] = []
    masked = segment.translate(_QUOTE_MASK)
    for span in _segmenter().segment(masked):
        piece = segment[span.start : span.end]
        closing = _CLOSING_QUOTE.match(piece)
        if closing and pieces:
            pieces[-1] = pieces[-1].rstrip() + closing.group(1)
            piece = piece[closing.end() :]
        if piece.strip():
            pieces.append(piece)
    return pieces


def _is_dropped_line(line: str) -> bool:
    if _BY_LINE.match(line) and len(line.split()) > 5:
        return False  # "By agreeing to a temporary pause..." is a sentence, not a byline
    return bool(_DROP_LINE.match(line))


def clean_lines(article: str) -> list[str]:
    """Body lines of an article, with non-annotated lines and link lists removed."""
    lines = []
    for raw in article.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _LINK_LIST.match(line):
            break
        if _is_dropped_line(line):
            continue
        lines.append(line)
    return lines


def split_line(line: str) -> list[str]:
    """Sentences of one paragraph line, stripped of bullets and surrounding spaces."""
    sentences = []
    for segment in _spans(line):
        for piece in _split_inside_quotes(segment):
            text = _LEADING_JUNK.sub("", piece.strip()).strip()
            if text:
                sentences.append(text)
    return sentences


def split_sentences(article: str) -> list[Sentence]:
    """Clean an article and split it into annotatable sentences.

    Exact repeats of a sentence already kept in the same article are dropped, so a
    body pasted twice yields each sentence once. ``Sentence.index`` counts from 1
    and is what corpus ids (``<doc_id>-s<NNN>``) are built from.

    >>> [s.text for s in split_sentences("Talks stall\\nThe U.S. team left. Prof. Doe stayed.")]
    ['Talks stall', 'The U.S. team left.', 'Prof. Doe stayed.']
    """
    seen: set[str] = set()
    kept: list[Sentence] = []
    for line in clean_lines(article):
        for text in split_line(line):
            if text in seen:
                continue
            seen.add(text)
            kept.append(Sentence(index=len(kept) + 1, text=text))
    return kept
