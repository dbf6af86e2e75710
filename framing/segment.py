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

# A whole short line that starts a block of unrelated links: it and everything below
# it go. Only the bare marker counts ("You may also like", "Read more:", "More from
# Bloomberg"); a sentence that merely begins with "Related", "More from" or "Read
# more" is body text. Keywords are case-insensitive, the outlet after "More from" is
# 1-4 capitalised words.
_LINK_LIST = re.compile(
    r"""^(?i:you\ may\ also\ like|also\ read|read\ more|related(?:\ articles|\ stories)?
      |more\ from\ (?-i:[A-Z][\w.&'’-]*(?:\ [A-Z][\w.&'’-]*){0,3})
    )\s*:?\s*$""",
    re.VERBOSE,
)
# Whole lines that are never article text, wherever they stand.
_DROP_LINE = re.compile(
    r"""^(?:
        references?:?                                # "Reference"
      | disclaimer:.*                                # "Disclaimer: This article first appeared..."
      | \(with\ inputs\ from\ [^)]*\)                # "(With inputs from agencies)"
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# One word of a person's name, case-sensitive: "Jane", "O'Neill", "Smith-Jones",
# "McDonald", "J.D.", "Jr.". Words that start a sentence rather than a name
# ("By Tuesday", "The summit is a ...") are excluded as the first word.
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_NAME_TOKEN = rf"(?:(?:[{_UPPER}][a-z]?\.)+|[{_UPPER}][^\W\d_]*(?:['\u2019-][^\W\d_]+)*)"
_NOT_A_NAME = (
    r"(?!(?:The|A|An|This|That|These|Those|It|He|She|They|We|Then|Now|Today|Monday|Tuesday"
    r"|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
)
_NAME = rf"{_NOT_A_NAME}{_NAME_TOKEN}(?:\ {_NAME_TOKEN}){{0,3}}"
# "By Jane Doe", "By Jane Doe and John Roe": nothing but 1-4 name words per author,
# no final period, no verb.
_BYLINE = re.compile(rf"^(?i:by)\ {_NAME}(?:\ and\ {_NAME})?(?<!\.)$")
# "Marc Champion is a Bloomberg Opinion columnist covering ...": a 2-4 word name, then
# "is a/an", at most three words, and the role. Only checked on the last lines of
# the body, and only for a line that is a single sentence.
_AUTHOR_BIO = re.compile(
    rf"^{_NOT_A_NAME}{_NAME_TOKEN}(?:\ {_NAME_TOKEN}){{1,3}}"
    r"\ is\ an?\ (?:\S+\ ){0,3}(?:columnist|correspondent|reporter|editor|writer|contributor)\b"
)
_BIO_WINDOW = 3  # an author bio is one of the last lines of the body
# List bullets and stray leading punctuation that are layout, not text.
_LEADING_JUNK = re.compile(r"^(?:[-•*–]\s+|[,;]\s*)+")


MAX_SENTENCE_CHARS = 2000
"""A stretch of text with no sentence end for this many characters is cut, at the last space
before the limit, into pieces of at most this length. Real sentences are far shorter (the
longest in the seed articles is under 600 characters) and the encoders read only the first
256 tokens (about 1,000-1,300 characters) anyway; without a cap, one unpunctuated megabyte
would be one "sentence" and cost the splitter minutes."""

_BLOCK_CHARS = 2000
"""pysbd's cost grows with the square of the text it is given, so a long line is handed to it
in blocks of about this size (at most twice it, plus one stretch), cut where a sentence
clearly ends. Paragraphs shorter than this, i.e. nearly all, go to pysbd whole."""

# A candidate sentence end: terminal punctuation, closing quotes or brackets, then space. The
# lookbehind starts a match only at the first mark of a run, so a long run of marks with no
# space after it costs linear, not quadratic, time.
_CANDIDATE_END = re.compile(r"(?<![.!?\u2026])[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+")
# A clear sentence end, safe to cut a block at: a lowercase word of 4+ letters (not an
# abbreviation such as "U.S.", "Gen." or "Mr."), terminal punctuation, quotes, space.
_CLEAR_END = re.compile(r"\b[a-z]{4,}[.!?][\"'\u201d\u2019)\]]*\s+$")


@dataclass(frozen=True)
class Sentence:
    """A kept sentence with its position among the kept sentences of its article.

    ``cut`` is true when the text had no sentence end within :data:`MAX_SENTENCE_CHARS`
    and this piece was cut from it.
    """

    index: int
    text: str
    cut: bool = False


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


# pysbd never splits inside quotation marks, so a quote of several sentences would
# come out as one unit. Each segment is split again with double quotes masked,
# and a closing quote that lands at the start of the next piece is moved back.
_QUOTE_MASK = str.maketrans({"\u201c": "\x01", "\u201d": "\x02", '"': "\x03"})
_CLOSING_QUOTE = re.compile(r'^([\u201d"\u2019]+)(?=\s|$)')


def _pysbd_pieces(text: str) -> list[str]:
    """pysbd's sentences as consecutive slices of ``text``: every character lands in one.

    Cut at the start offsets pysbd reports rather than taking its spans, so nothing
    between two spans can go missing.
    """
    starts = sorted({0, *(span.start for span in _segmenter().segment(text) if 0 < span.start < len(text))})
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)])]


def _split_inside_quotes(segment: str) -> list[str]:
    pieces: list[str] = []
    masked = segment.translate(_QUOTE_MASK)
    for start, piece in _offsets(_pysbd_pieces(masked)):
        piece = segment[start : start + len(piece)]
        closing = _CLOSING_QUOTE.match(piece)
        if closing and pieces:
            pieces[-1] = pieces[-1].rstrip() + closing.group(1)
            piece = piece[closing.end() :]
        if piece.strip():
            pieces.append(piece)
    return pieces


def _offsets(pieces: list[str]) -> list[tuple[int, str]]:
    out, start = [], 0
    for piece in pieces:
        out.append((start, piece))
        start += len(piece)
    return out


def _stretches(line: str) -> list[str]:
    """``line`` as consecutive slices, each ending at a candidate sentence end (or the line's end)."""
    pieces, start = [], 0
    for match in _CANDIDATE_END.finditer(line):
        pieces.append(line[start : match.end()])
        start = match.end()
    if start < len(line):
        pieces.append(line[start:])
    return pieces


def _cut(text: str) -> list[str]:
    """``text`` in pieces of at most :data:`MAX_SENTENCE_CHARS`, cut after the last space that fits."""
    pieces, start = [], 0
    while len(text) - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        space = max(text.rfind(" ", start + 1, limit), text.rfind("\n", start + 1, limit))
        end = space + 1 if space > start else limit
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def segment_line(line: str) -> list[tuple[str, bool]]:
    """``(sentence, cut)`` pairs of one line, unstripped: joined, they give back ``line``
    exactly, less only whitespace between quoted sentences.

    Time is linear in the length of the line: pysbd only ever sees blocks of bounded size
    (:data:`_BLOCK_CHARS`), and a stretch without a sentence end longer than
    :data:`MAX_SENTENCE_CHARS` is cut (``cut=True``) without going through pysbd at all.
    """
    out: list[tuple[str, bool]] = []
    block: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if block:
            for segment in _pysbd_pieces("".join(block)):
                for piece in _split_inside_quotes(segment):
                    cut = _cut(piece)
                    out.extend((part, len(cut) > 1) for part in cut)
            block.clear()
            size = 0

    for stretch in _stretches(line):
        if len(stretch) > MAX_SENTENCE_CHARS:
            flush()
            out.extend((part, True) for part in _cut(stretch))
            continue
        block.append(stretch)
        size += len(stretch)
        if (size >= _BLOCK_CHARS and _CLEAR_END.search(stretch)) or size >= 2 * _BLOCK_CHARS:
            flush()
    flush()
    return out


def _is_author_bio(line: str) -> bool:
    return bool(_AUTHOR_BIO.match(line)) and len(split_line(line)) == 1


def clean_article(article: str) -> tuple[list[str], list[str]]:
    """Split an article's non-empty lines into (kept body lines, dropped lines).

    Dropped are: reference, disclaimer and agency-credit lines; bylines; an author
    bio among the last three lines of the body; and a link-list marker line together
    with every line below it. Lines are stripped; blank lines are in neither list.
    """
    lines = [line for line in (raw.strip() for raw in article.splitlines()) if line]
    end = next((i for i, line in enumerate(lines) if _LINK_LIST.match(line)), len(lines))
    kept: list[str] = []
    dropped: list[str] = []
    for i, line in enumerate(lines[:end]):
        in_bio_window = i >= end - _BIO_WINDOW
        if _DROP_LINE.match(line) or _BYLINE.match(line) or (in_bio_window and _is_author_bio(line)):
            dropped.append(line)
        else:
            kept.append(line)
    dropped.extend(lines[end:])
    return kept, dropped


def clean_lines(article: str) -> list[str]:
    """Body lines of an article, with non-annotated lines and link lists removed."""
    return clean_article(article)[0]


def split_line(line: str) -> list[str]:
    """Sentences of one paragraph line, stripped of bullets and surrounding spaces."""
    return [text for text, _ in _clean_pieces(line)]


def _clean_pieces(line: str) -> list[tuple[str, bool]]:
    pieces = []
    for piece, cut in segment_line(line):
        text = _LEADING_JUNK.sub("", piece.strip()).strip()
        if text:
            pieces.append((text, cut))
    return pieces


def split_sentences(article: str) -> list[Sentence]:
    """Clean an article and split it into annotatable sentences.

    Exact repeats of a sentence already kept in the same article are dropped, so a
    body pasted twice yields each sentence once. ``Sentence.index`` counts from 1 and is
    what corpus ids (``<doc_id>-s<NNN>``) are built from. A stretch with no sentence end
    within :data:`MAX_SENTENCE_CHARS` is cut into pieces (``Sentence.cut``), all kept.

    >>> [s.text for s in split_sentences("Talks stall\\nThe U.S. team left. Prof. Doe stayed.")]
    ['Talks stall', 'The U.S. team left.', 'Prof. Doe stayed.']
    """
    seen: set[str] = set()
    kept: list[Sentence] = []
    for line in clean_lines(article):
        for text, cut in _clean_pieces(line):
            if text in seen and not cut:  # pieces of a cut stretch are never "repeats"
                continue
            seen.add(text)
            kept.append(Sentence(index=len(kept) + 1, text=text, cut=cut))
    return kept
