"""Sentence splitting and cleaning on real tricky passages from the seeds."""

from pathlib import Path

from framing.segment import clean_lines, split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def texts(article: str) -> list[str]:
    return [s.text for s in split_sentences(article)]


def test_abbreviations_initials_and_numbers_do_not_split():
    line = (
        "Trump and Vice President J.D. Vance verbally attacked the Ukrainian leader, saying he "
        "\u201cwas not ready for peace.\u201d Prof. Ruth Deyermond observed the U.S. readout was 2.5 "
        "pages long."
    )
    assert texts(line) == [
        "Trump and Vice President J.D. Vance verbally attacked the Ukrainian leader, saying he "
        "\u201cwas not ready for peace.\u201d",
        "Prof. Ruth Deyermond observed the U.S. readout was 2.5 pages long.",
    ]


def test_sentence_ending_inside_straight_quotes_keeps_the_quote():
    line = (
        'Carl Bildt posted on X that the call with Trump was "undoubtedly a win for Putin." '
        'He noted that the Russian president "deflected the call."'
    )
    assert texts(line) == [
        'Carl Bildt posted on X that the call with Trump was "undoubtedly a win for Putin."',
        'He noted that the Russian president "deflected the call."',
    ]


def test_multi_sentence_quote_is_split_and_closing_quote_stays_attached():
    line = (
        "\u201cThey are surrounded by Russian forces. If it weren\u2019t for me, they\u2019d be gone "
        "already. I managed to convince them to hold off for now.\u201d"
    )
    assert texts(line) == [
        "\u201cThey are surrounded by Russian forces.",
        "If it weren\u2019t for me, they\u2019d be gone already.",
        "I managed to convince them to hold off for now.\u201d",
    ]


def test_dashes_do_not_split_and_headlines_without_punctuation_stand_alone():
    article = (
        "Why it matters\n"
        "Trump\u2019s post-call statement highlighted an \u201cimmediate\u201d start - but Russia has "
        "offered no timetable \u2014 and no truce.\n"
    )
    assert texts(article) == [
        "Why it matters",
        "Trump\u2019s post-call statement highlighted an \u201cimmediate\u201d start - but Russia has "
        "offered no timetable \u2014 and no truce.",
    ]


def test_bullets_and_stray_leading_comma_are_not_text():
    article = "- Trump campaigned in 2024 on ending the war.\n,So as the leader declared, they wait.\n"
    assert texts(article) == [
        "Trump campaigned in 2024 on ending the war.",
        "So as the leader declared, they wait.",
    ]


def test_link_list_reference_disclaimer_agency_and_byline_are_dropped():
    article = "\n".join(
        [
            "Headline of the piece",
            "Body sentence one.",
            "(With inputs from agencies)",
            "Reference",
            "Disclaimer: This article first appeared on Bloomberg.",
            "Marc Champion is a Bloomberg Opinion columnist covering Europe, Russia and the Middle East.",
            "By Jane Doe",
            "By agreeing to a temporary pause in strikes, he bought time.",
            "You may also like",
            "Liverpool forced into late change before Premier League trophy lift",
        ]
    )
    assert clean_lines(article) == [
        "Headline of the piece",
        "Body sentence one.",
        "By agreeing to a temporary pause in strikes, he bought time.",
    ]


def test_repeated_body_is_kept_once():
    seed = (SEEDS / "002_bc405b99e0211842.txt").read_text(encoding="utf-8")
    sentences = texts(seed)
    assert len(sentences) == len(set(sentences))
    assert sentences.count("Why it matters") == 1
    # Lines that appear only in the second copy of the body are still kept.
    assert "Trump blinked." in sentences
    assert not any("Liverpool" in s for s in sentences)
    assert "(With inputs from agencies)" not in sentences


def test_ids_are_stable_across_runs():
    seed = (SEEDS / "001_93092bfd57cbb513.txt").read_text(encoding="utf-8")
    first, second = split_sentences(seed), split_sentences(seed)
    assert first == second
    assert [s.index for s in first] == list(range(1, len(first) + 1))
    # "Reference" and the repeated title under it are gone.
    assert first[-1].text.startswith("The question now is whether this engagement")
