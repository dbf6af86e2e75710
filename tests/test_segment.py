"""Sentence splitting and cleaning on real tricky passages from the seeds."""

from pathlib import Path

from framing.segment import clean_article, clean_lines, split_sentences

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


def test_sentences_starting_like_a_link_list_marker_are_body_text():
    article = "\n".join(
        [
            "Headline of the piece",
            "Related talks in Istanbul went nowhere, and both delegations left early.",
            "More from the Kremlin came on Wednesday, when Peskov called the call constructive.",
            "Read more about the ceasefire terms in the annex, officials said.",
            "The last body sentence.",
        ]
    )
    kept, dropped = clean_article(article)
    assert kept == article.splitlines()
    assert dropped == []


def test_short_link_list_lines_drop_everything_below():
    for marker in [
        "You may also like",
        "Also read:",
        "Read more",
        "Related articles",
        "Related stories:",
        "More from Bloomberg Opinion",
    ]:
        article = f"Body sentence one.\n\n{marker}\nDrivers over 70 warned\nCheers icon dies\n"
        kept, dropped = clean_article(article)
        assert kept == ["Body sentence one."], marker
        assert dropped == [marker, "Drivers over 70 warned", "Cheers icon dies"], marker


def test_sentences_starting_with_by_are_not_bylines():
    article = "\n".join(
        [
            "By Tuesday nothing had changed.",
            "By agreeing to a temporary pause in strikes, he bought time.",
            "By Jane Doe.",
        ]
    )
    assert clean_lines(article) == article.splitlines()
    assert [s.text for s in split_sentences(article)][0] == "By Tuesday nothing had changed."


def test_bylines_are_dropped():
    for byline in ["By Jane Doe", "By J.D. Smith-Jones and Ruth O'Neill", "BY MARC CHAMPION"]:
        kept, dropped = clean_article(f"{byline}\nBody sentence one.\nBody sentence two.\n")
        assert kept == ["Body sentence one.", "Body sentence two."], byline
        assert dropped == [byline], byline


def test_body_sentence_about_a_reporter_is_not_an_author_bio():
    article = "\n".join(
        [
            "The summit is a test for every reporter in Moscow. Then the delegations met again.",
            "Body sentence.",
            "Vladimir Putin is a leader who distrusts every foreign reporter.",
        ]
    )
    assert clean_lines(article) == article.splitlines()
    assert "The summit is a test for every reporter in Moscow." in [s.text for s in split_sentences(article)]


def test_author_bio_is_dropped_only_at_the_end_of_the_body():
    bio = "Marc Champion is a Bloomberg Opinion columnist covering Europe, Russia and the Middle East."
    body = [f"Body sentence {n}." for n in range(1, 6)]
    # At the end, before a disclaimer and a link list: dropped.
    end = "\n".join(
        [*body, bio, "Disclaimer: This article first appeared on Bloomberg.", "You may also like", "x"]
    )
    kept, dropped = clean_article(end)
    assert kept == body
    assert dropped[:2] == [bio, "Disclaimer: This article first appeared on Bloomberg."]
    # In the middle of the body it is a body sentence.
    middle = "\n".join([*body[:2], bio, *body[2:]])
    assert clean_lines(middle) == [*body[:2], bio, *body[2:]]


def test_reference_disclaimer_and_agency_lines_are_dropped_case_insensitively():
    article = (
        "Body.\nREFERENCES\nreference\ndisclaimer: views are the author's own.\n(with inputs from PTI)\n"
    )
    kept, dropped = clean_article(article)
    assert kept == ["Body."]
    assert len(dropped) == 4


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
