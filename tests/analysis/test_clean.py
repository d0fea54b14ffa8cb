"""Page furniture out, article text kept verbatim: real samples from the demo corpus
(Article-Bias-Prediction) and NeuS."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from plumbline.analysis.clean import clean_text, furniture, strip_lead_in
from tests.plumbline_fixtures import demo_lines

HILL = (
    "House Minority Leader Kevin McCarthy Kevin Owen McCarthyObstacles mount for deal on next "
    "coronavirus bill House committees move toward virtual hearings for COVID-19 era GOP divided "
    "over state aid during coronavirus pandemic MORE (R-Calif.) released a plan Monday to reopen "
    "the House amid the coronavirus pandemic."
)


def test_related_link_residue_is_cut_after_the_first_spelling_of_the_name() -> None:
    result = clean_text(HILL)
    assert result.text == (
        "House Minority Leader Kevin McCarthy (R-Calif.) released a plan Monday to reopen the "
        "House amid the coronavirus pandemic."
    )
    assert [r.kind for r in result.removed] == ["residue"]


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        (
            "acting Secretary of Homeland Security Chad WolfChad WolfHouse Homeland Security "
            "Committee asks for more information about extremist involvement in protests Hundreds "
            "of migrant children, teens deported under pandemic border policy: report MORE.",
            "acting Secretary of Homeland Security Chad Wolf.",
        ),
        (
            "President Trump Donald John TrumpTrump taps Brooke Rollins as acting domestic policy "
            "chief Trump takes pandemic fight to Michigan Trump to celebrate Memorial Day at "
            "Baltimore's Fort McHenry MORE on Monday threatened to permanently halt U.S. funding.",
            "President Trump on Monday threatened to permanently halt U.S. funding.",
        ),
        (
            "Sen. Bob Menendez Robert (Bob) MenendezKoch-backed group urges Senate to oppose "
            "'bailouts' of states in new ads Thomas Kean wins GOP primary MORE (D-N.J.) said.",
            "Sen. Bob Menendez (D-N.J.) said.",
        ),
    ],
)
def test_residue_shapes(raw: str, kept: str) -> None:
    assert clean_text(raw).text == kept


def test_capital_more_in_a_sentence_is_not_residue() -> None:
    text = "Some feel face coverings infringe on their freedom, but if more wear them, we'll have MORE freedom to go out."
    assert clean_text(text).text == text
    assert furniture(text) is None


def test_ap_caption_paragraphs_go_and_the_dateline_after_them_too() -> None:
    text = (
        "FILE - In this April 16, 2020, file photo, President Donald Trump speaks about the "
        "coronavirus in the James Brady Press Briefing Room of the White House in Washington, as "
        "Dr. Deborah Birx, White House coronavirus response coordinator, listens. The Trump "
        "administration has shelved a set of detailed documents. (AP Photo/Alex Brandon, File)\n\n"
        "WASHINGTON (AP) — The Trump administration shelved a document created by the nation’s "
        "top disease investigators.\n\nThe guidance was to be published last Friday."
    )
    result = clean_text(text)
    assert result.text.split("\n\n") == [
        "The Trump administration shelved a document created by the nation’s top disease investigators.",
        "The guidance was to be published last Friday.",
    ]
    assert {r.kind for r in result.removed} == {"caption", "dateline"}


@pytest.mark.parametrize(
    "caption",
    [
        "Treasury Secretary Steven Mnuchin wears a mask as he walks on the grounds of the White "
        "House, Thursday, May 14, 2020, in Washington. (AP Photo/Alex Brandon)",
        "House Intelligence Committee Chairman Adam Schiff addresses a news conference on Capitol "
        "Hill, December 3, 2019. (Jonathan Ernst/Reuters)",
        "FILE PHOTO: Los Angeles Mayor Eric Garcetti delivers remarks at The United States "
        "Conference of Mayors winter meeting in Washington, U.S., January 24, 2019. REUTERS/Yuri Gripas",
        "Enlarge this image toggle caption Saul Loeb/AFP via Getty Images Saul Loeb/AFP via Getty Images",
        "The Republican National Committee is still scheduled to hold its convention in Charlotte, "
        "N.C., in late August. | Chuck Burton, File/AP Photo",
    ],
)
def test_photo_captions_and_credits(caption: str) -> None:
    kept = "The mayor signed the order on Friday, officials said."
    assert clean_text(f"{caption}\n\n{kept}").text == kept


def test_a_short_paragraph_with_a_credit_is_a_caption_and_a_long_one_loses_the_credit() -> None:
    caption = "Voters wait in line to cast their ballots at a middle school in Yonkers on Tuesday (AP Photo/John Minchillo)."
    assert clean_text(caption).text == ""
    story = (
        "Turnout was high across the county on Tuesday, election officials said, with lines "
        "stretching around the block at several schools (AP Photo/John Minchillo) and more than "
        "40,000 ballots cast by noon, nearly twice the count at the same hour in the last primary "
        "four years ago, according to the county board."
    )
    assert clean_text(story).text == story.replace(" (AP Photo/John Minchillo)", "")


def test_transcript_speaker_labels_are_cut_and_counted() -> None:
    text = (
        "This is a rush transcript. Copy may not be in its final form.\n\n"
        "AMY GOODMAN: We spend today’s hour looking at the bloody struggle to obtain voting rights.\n\n"
        "REP. JOHN LEWIS: I was beaten on the bridge in Selma.\n\n"
        "SHIMON PROKUPECZ, CNN CORRESPONDENT: The officers are now in custody."
    )
    result = clean_text(text)
    assert result.text.split("\n\n") == [
        "We spend today’s hour looking at the bloody struggle to obtain voting rights.",
        "I was beaten on the bridge in Selma.",
        "The officers are now in custody.",
    ]
    assert result.count("speaker") == 3


@pytest.mark.parametrize(
    "appeal",
    [
        "Support Progressive Journalism The Nation is reader supported: Chip in $10 or more to "
        "help us continue to write about the issues that matter.",
        "Sign up for Daily Newsletters Manage Newsletters",
        "Support Vox’s explanatory journalism",
        "Thank you for signing up. For more from The Nation, check out our latest issue",
        "Subscribe now for as little as $2 a month!",
        "Become a member of The Colorado Sun today! $5/month $20/month $100/month One-time Contribution",
        "Editor’s note: As a public service, all our coronavirus coverage is free. No paywall.",
        "Follow us on Twitter @CNNOpinion.",
        "Send letters to letters@suntimes.com.",
        "CLICK HERE TO GET THE FOX NEWS APP",
    ],
)
def test_appeals_go(appeal: str) -> None:
    kept = "The council voted 7 to 2 to approve the budget."
    result = clean_text(f"{kept}\n\n{appeal}")
    assert result.text == kept


@pytest.mark.parametrize(
    "link",
    [
        "READ MORE: Trump says he is taking hydroxychloroquine",
        "More:Supreme Court hears first case by telephone, with audio livestreamed",
        "RELATED: Steph Curry Joins Barack Obama At ‘My Brother’s Keeper’ Event",
        "Advertisement",
        "ADVERTISEMENT",
        "Story Continued Below",
        "Read more: What is a recession? Here are the basics",
    ],
)
def test_read_more_and_markers_go(link: str) -> None:
    kept = "The council voted 7 to 2 to approve the budget."
    assert clean_text(f"{link}\n{kept}").text == kept


def test_more_from_lists_are_cut_from_the_end_of_a_paragraph() -> None:
    text = (
        "having the absence of the NBA speak louder than any on-court demonstration in the Orlando "
        "bubble ever could. MORE FROM Dave Zirin Why NASCAR’s New Ban on the Confederate Flag Is "
        "Such a Big Deal June 11, 2020 Author page"
    )
    assert clean_text(text).text.endswith("in the Orlando bubble ever could.")


def test_bylines_and_credits_go() -> None:
    kept = "The Senate passed the bill on Monday."
    for furniture_line in (
        "By Steve Holland and Andrew Osborn",
        "Kyle Smith, National Review",
        "Associated Press writers Alan Fram and Matthew Daly in Washington contributed to this report.",
        "Copyright © 2020 The Washington Times, LLC. Click here for reprint permission.",
        "Reporting by Jeff Mason; Editing by Peter Cooney",
    ):
        assert clean_text(f"{furniture_line}\n{kept}").text == kept, furniture_line


def test_author_bios_go_only_at_the_ends_of_a_piece() -> None:
    body = [
        f"Paragraph {n} of the column says something about the policy debate." for n in range(6)
    ]
    bio = "S.E. Cupp is the host of “S.E. Cupp Unfiltered” on HLN."
    result = clean_text("\n\n".join([*body, bio]))
    assert bio not in result.text and result.count("bio") == 1
    # the same shape in the middle of a news story is a sentence about a source
    middle = "Jane Doe is a professor of law at Yale who studies policing."
    text = "\n\n".join([body[0], body[1], body[2], middle, body[3], body[4], body[5]])
    assert middle in clean_text(text).text


def test_opinion_labels_are_removed_and_reported() -> None:
    result = clean_text("ANALYSIS/OPINION:\n\nThe president is wrong about trade.")
    assert result.text == "The president is wrong about trade."
    assert result.count("opinion_label") == 1


@pytest.mark.parametrize(
    "news",
    [
        '"We\'re here to support our brothers and sisters in the NYPD," he said.',
        "Reuters/Ipsos national polling shows that only about a quarter of Hispanics chose Trump.",
        "Biden was a principal author of the 1994 crime bill, which provided for the hiring of 100,000 new police officers.",
        "Former President Barack Obama sent out an email blast soliciting individuals to donate money to fight voter suppression.",
        "Lewis, who carried the struggle to the halls of Congress, died Friday, July 17, 2020.",
    ],
)
def test_news_that_looks_like_furniture_stays(news: str) -> None:
    assert clean_text(news).text == news
    assert furniture(news) is None


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        ("WASHINGTON (Reuters) - The Senate passed the bill.", "The Senate passed the bill."),
        ("WASHINGTON/MINNEAPOLIS (Reuters) - Police said.", "Police said."),
        ("SELMA, Ala. (AP) — Marchers crossed the bridge.", "Marchers crossed the bridge."),
        (
            "Washington (CNN)Reeling after a weekend rally, Trump changed the subject.",
            "Reeling after a weekend rally, Trump changed the subject.",
        ),
        (
            "Washington (CNN) The Saudi military trainee was a longtime associate of al Qaeda.",
            "The Saudi military trainee was a longtime associate of al Qaeda.",
        ),
        ("KEY POINTS An 8-year-old boy was hurt.", "An 8-year-old boy was hurt."),
        (
            "FACT CHECK: Trump Spreads Unfounded Claims About Voting By Mail",
            "Trump Spreads Unfounded Claims About Voting By Mail",
        ),
    ],
)
def test_datelines_and_kickers(raw: str, sentence: str) -> None:
    assert strip_lead_in(raw) == sentence
    assert clean_text(raw).text == sentence


def test_spaces_before_full_stops_are_closed() -> None:
    assert clean_text("during the still-raging coronavirus outbreak .").text == (
        "during the still-raging coronavirus outbreak."
    )


@pytest.mark.slow
def test_every_demo_article_keeps_most_of_its_text_and_loses_its_residue() -> None:
    lines = demo_lines()
    for line in lines:
        raw = str(line["content_original"])
        cleaned = clean_text(raw).text
        assert len(cleaned) >= 0.5 * len(raw) or len(raw) < 2000, line["ID"]
        assert "MORE (R-" not in cleaned and "MORE (D-" not in cleaned, line["ID"]


def test_neus_style_single_line_text() -> None:
    # NeuS gives each article as one line; nothing of it is furniture
    text = (
        "The Senate on Tuesday approved a $484 billion bill to replenish a small business loan "
        "program. The measure now heads to the House, which is expected to pass it on Thursday."
    )
    assert clean_text(text).text == text


def test_hostile_input_is_cleaned_in_linear_time() -> None:
    started = time.perf_counter()
    clean_text(("Kevin McCarthy Kevin McCarthyX " + "MORE " * 5000) * 4)
    clean_text("A" * 400_000)
    clean_text("\n" * 100_000)
    clean_text("AMY GOODMAN: " * 20_000)
    assert time.perf_counter() - started < 5.0
    assert clean_text("").text == ""
    assert clean_text("\x00\n\n\n").text == "\x00"


NEUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "neus-allsides" / "data"


@pytest.mark.skipif(not NEUS.exists(), reason="the shared NeuS data is not here")
def test_real_neus_articles_keep_their_text() -> None:
    """NeuS gives each article as one line of wire-like text: cleaning keeps nearly all of
    it (a dateline or a kicker at most)."""
    lines = (NEUS / "val.source").read_text(encoding="utf-8").splitlines()[:100]
    kept = total = 0
    for line in lines:
        for part in line.split(" [SEP] "):
            text = part.split("ARTICLE=> ", 1)[-1]
            total += len(text)
            kept += len(clean_text(text).text)
    assert kept >= 0.98 * total
