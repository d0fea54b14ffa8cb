"""Article text without page furniture: what every consumer (scores, clustering, synthesis,
search) reads.

Extraction and import keep what a page or a dataset line says; much of it is not the
article: photo captions and credits, transcript speaker labels, donation, newsletter and
subscription appeals, "Read more" and related-link residue (The Hill's "Kevin McCarthy Kevin
Owen McCarthyObstacles mount for … MORE"), advertisement markers, datelines, bylines, author
bios, copyright lines. `clean_text` removes them and says what it removed (the article-kind
rules read author bios and transcript labels as signals); `furniture` tells whether one
sentence is such furniture, for text stored before cleaning existed.

Everything else stays verbatim: paragraphs are the lines of the text, and a paragraph is
either kept, dropped whole, or has a furniture span cut out of it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

# --- whole paragraphs ----------------------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = _MONTH + r"\s\d{1,2},\s(?:19|20)\d\d"

# A paragraph that is nothing but a marker, a kicker or a social/app prompt.
_MARKER = re.compile(
    r"^\W*(?:advertisement|ad|story continued below|continue reading(?: below| the main story)?"
    r"|read more|more|related(?: coverage| stories| content)?|watch|video|photos?|images?"
    r"|slideshow(?: \(\d+ images?\))?|loading\.*|close|share|email|twitter|facebook|youtube"
    r"|print|listen|play|more on this\.*|click here[^.]{0,80}|top stories|trending"
    r"|(?:prev|next) image \d+ of \d+|\d+ (?:years?|months?|weeks?|days?|hours?|minutes?) ago"
    r"|updated(?: at)? [\d:. apmET]+|\d{1,2}:\d\d [ap]\.?m\.?(?: ET)?|share this article.*"
    r"|listen to article.*|enlarge this image.*|toggle caption.*|\[(?:pullquote|music)\]"
    r"|this article is more than \d+ \w+ old|[*•_—\-\s]+)\W*$",
    re.IGNORECASE,
)
# "READ MORE: Trump says ...", "RELATED: ...", "WATCH: ...", "MORE: ..." (a kicker that
# introduces a link, always in capitals or title case and followed by a colon)
_LINK_KICKER = re.compile(
    r"^\W*(?:READ MORE|Read More|Read more|READ|RELATED|Related|MORE|More|WATCH|Watch|LISTEN|"
    r"ALSO READ|Also read|SEE ALSO|See also|SPECIAL COVERAGE|RECOMMENDED|Recommended|"
    r"MORE FROM [A-Z][^:]{0,40}|CLICK HERE[^:]{0,40}|SIGN UP[^:]{0,40})\s*:"
)
# Donation, membership, subscription and newsletter appeals; app and social prompts.
_APPEAL = re.compile(
    r"\breader[- ]supported\b|\bchip in \$|\bsupport (?:progressive|independent|"
    r"nonprofit|\w+(?:’s|'s)? (?:explanatory |local |independent )?)?(?:journalism|reporting|"
    r"newsroom)\b|\bsupport (?:our|us|vox)\b(?! (?:brothers|troops|police|community))"
    r"|\bbecome a (?:member|patron|subscriber)\b"
    r"|\bdonate (?:now|today|here)\b|\bmake a (?:one-time )?(?:contribution|donation)\b"
    r"|\bsign(?:ing)? up\b[^.]{0,60}\b(?:newsletters?|inbox|here|today|for (?:our|the|daily))"
    r"|\bnewsletter sign-?up\b|\bmanage newsletters\b|\bsubscribe (?:to|now|today|here|for)\b"
    r"|\bclick here to (?:subscribe|sign up|get|download|read|watch|see)\b"
    r"|\bget (?:the|our) (?:\w+ )?(?:app|newsletter)\b|\b(?:thank you|thanks) for signing up\b"
    r"|\bremoved the paywall\b|\bno paywall\b|\bin your inbox\b|\bright to your inbox\b"
    r"|\bfollow (?:us|him|her|me|them|@\w+)\b[^.]{0,40}\b(?:on )?(?:twitter|facebook|"
    r"instagram|@\w+)|\bjoin us on facebook\b|\bgot a tip\b|\bsend (?:us )?(?:a )?tips?\b"
    r"|^\W*send (?:your )?letters to\b|\bletters? to the editor\b",
    re.IGNORECASE,
)
# Credits, copyright and reprint lines, editor's notes about the page itself.
_CREDIT = re.compile(
    r"^\W*(?:©|copyright\b|\(c\) ?\d{4})|\ball rights reserved\b|\bclick here for reprint\b"
    r"|\bmay not be (?:published|reproduced|redistributed)\b"
    r"|\b(?:contributed|contributing) to this (?:report|story|article)\b|^\W*contributing:"
    r"|^\W*(?:additional |with )?reporting by\b|\bediting by\b|^\W*(?:writing|compiled) by\b"
    r"|^\W*(?:this|the|an earlier version of this) (?:\w+ ){0,2}(?:article|story|column|piece|"
    r"post|essay|op-ed|interview)\b[^.]{0,40}\b(?:originally|first) (?:appeared|published|ran)"
    r"|^\W*(?:originally|first) published\b|^\W*\[?editor(?:’|')?s(?:’|')? note\b"
    r"|\bthis (?:story|article) (?:has been|was) "
    r"(?:updated|corrected)\b|^\W*(?:image|photo|picture) (?:copyright|caption|credit)\b"
    r"|^\W*(?:photo|photograph|image|credit|source)s?(?: by)?:\s|^\W*file photo\b"
    r"|\bthis is a rush transcript\b|^\W*contact us at\b",
    re.IGNORECASE,
)
# About the author: "Ruben Navarrette is a CNN contributor …", "The opinions expressed in
# this commentary are his own." (signals of an opinion piece; see kinds.py)
_BIO = re.compile(
    r"\b(?:views|opinions) expressed (?:in|here|are)\b|\bthe (?:views|opinions) (?:in this "
    r"(?:article|commentary|column|piece) )?are (?:his|her|their|the author(?:’|')s) own\b"
    r"|^\W*(?:[A-Z][\w.'’-]+ ){1,4}is (?:a|an|the) (?:[\w-]+ ){0,4}(?:columnist|"
    r"contributor|contributing (?:writer|editor|columnist)|commentator|fellow|professor|"
    r"senior (?:writer|editor|fellow|correspondent)|opinion (?:writer|editor)|author of|"
    r"editor(?:-at-large)?|president of|director of|host of|freelance)\b",
    re.IGNORECASE,
)
# The page's own label for an opinion piece: "ANALYSIS/OPINION:" (The Washington Times),
# "Opinion contributor", "Editorial Board, Wall Street Journal"
_OPINION_LABEL = re.compile(
    r"^\W*(?:opinion contributor|(?:the )?editorial board\b[\w ,.'’-]{0,50}|analysis/opinion:?"
    r"|opinion|commentary|editorial|op-ed|column|guest column)\W*$",
    re.IGNORECASE,
)
# A byline on its own: "By Jane Doe and John Roe", "By JANE DOE, Associated Press", "Jane
# Doe | Reuters", "Kyle Smith, National Review"
_BYLINE = re.compile(
    r"^\W*(?i:by)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]*"
    r"(?:\s+[A-Z][\w.'’-]*){0,3})*(?:\s*[,|]\s*[A-Z][\w .'’-]{0,40})?\W*$"
    r"|^\W*[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}\s*(?:\||,\s*(?:The\s+)?(?:National Review|"
    r"New York Times|Washington Post|Wall Street Journal|Bloomberg(?: Opinion)?|Reuters|"
    r"Associated Press|AP|AFP|CNN|Fox News|The Hill|Politico|Townhall|American Conservative|"
    r"Creators Syndicate|Washington Examiner|USA Today|Los Angeles Times|Boston Globe|"
    r"Chicago Tribune|Daily Signal|Federalist|Atlantic|New Yorker|Slate|Vox|Reason))"
    r"[\w .'’-]{0,40}$"
)
# A photo caption: "In this March 7, 1965, file photo, a state trooper swings …", someone
# doing something in the present tense and then a full date, a credit in parentheses.
_CAPTION_OPENER = re.compile(
    r"^\W*(?:(?:FILE|PHOTO|FILE PHOTO)\s*[-—–:]\s|(?:in|this) (?:this |a |an )?(?:[\w,]+ ){0,5}?"
    r"(?:file )?(?:photo|image|picture)\b|(?:this|a|an) (?:\w+ ){0,2}"
    r"(?:photo|image|picture) (?:shows|taken|provided))",
    re.IGNORECASE,
)
_CREDIT_AT_END = re.compile(
    r"(?:\((?:AP|Reuters|AFP|UPI|EPA)(?: Photo)?/[^)]{0,80}\)|\([^()]{0,60}/(?:Getty Images|AFP|"
    r"AP|Reuters|Bloomberg|The Washington Post|The New York Times)[^()]{0,20}\)"
    r"|(?-i:REUTERS)/[A-Z][\w .'’-]{0,40}|\| [A-Z][\w .,'’-]{0,60}/(?:AP|Getty Images|AFP)"
    r"(?: Photo)?)\W*$",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"\b(?:speaks|smiles|gestures|listens|arrives|departs|waves|looks on|walks|stands|sits|"
    r"talks|poses|attends|delivers|addresses|reacts|greets|leaves|pauses|prays|kneels?|"
    r"participates?|wears?|gathers?|takes? part|holds? (?:up )?(?:a )?signs?|march(?:es)?|"
    r"protests?|rall(?:y|ies)|waits?|watch(?:es)?|carr(?:y|ies)|chants?|demonstrates?|"
    r"is seen|are seen|is pictured|are pictured)\b.{0,200}?(?:\b(?:on|in)\s+|,\s+)"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    + _DATE
    + r"|(?<!day),\s"
    + _DATE
    + r"\.?\W*$|\((?:AP|Reuters|AFP|UPI|EPA)(?: Photo)?/[^)]{0,60}\)|(?-i:\bREUTERS/[A-Z])"
    r"|\bPhoto(?:graph)?: [A-Z][^.]{0,60}/|/(?:Getty Images|AFP)\b"
    r"|\bImage (?:copyright|caption)\b|\btoggle caption\b|\bhide caption\b"
    r"|\b(?:is|are) (?:seen|pictured|shown) (?:during|at|in front of|outside|inside|near|"
    r"as (?:a|an|the) "
    r"(?:crowd|rally|protest|march))\b"
    r"|\((?:Photo|Image|Credit)s?(?: by)?[: ][^)]{0,80}\)",
    re.IGNORECASE,
)
# The speaker label of a transcript line: "AMY GOODMAN: Well, …", "BARR: The …",
# "SHIMON PROKUPECZ, CNN CORRESPONDENT: …", "REP. JOHN LEWIS: …"
_SPEAKER = re.compile(
    r"^(?P<label>[A-Z][A-Z.'’\-]*(?: [A-Z][A-Z.'’\-]*){0,4}(?: \([A-Z\-]+\))?"
    r"(?:, [A-Z][A-Z ,.'’\-]{2,60})?):\s+(?=\S)"
)
SPEAKER_CHARS = 100  # a speaker label ends within this many characters of the line's start
# kickers in capitals that are not speakers
_NOT_SPEAKERS = frozenset(
    (
        "UPDATE", "UPDATED", "BREAKING", "EXCLUSIVE", "WATCH", "READ MORE", "RELATED", "NOTE",
        "WARNING", "CLAIM", "VERDICT", "THE FACTS", "FACT CHECK", "SOURCE", "GRAPHIC", "FILE",
        "PHOTO", "FILE PHOTO", "KEY POINTS", "KEY DATA", "WHAT IT MEANS", "IN A NUTSHELL",
        "WHAT'S NEXT", "WHAT’S NEXT", "CORRECTION", "EDITOR'S NOTE", "EDITOR’S NOTE",
        "TRENDING", "ALSO READ", "URGENT", "MORE", "LISTEN", "INDICATOR", "POLL CHECK", "BUZZ CUT",
    )
)  # fmt: skip
# "WASHINGTON (Reuters) - ", "SELMA, Ala. (AP) — ", "(CNN) — ", "WASHINGTON/MINNEAPOLIS
# (Reuters) - ", "NEW YORK — " at the start of the text: the place line of the original
DATELINE = re.compile(
    r"^(?:(?:[A-Z][A-Z.'’\-]{2,}(?:[ /][A-Z.'’\-]+)*(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)?)*"
    r"(?: \([A-Za-z ]+\))?|\((?:AP|Reuters|AFP|UPI|CNN|Bloomberg|CNBC|NPR)\))"
    r"\s*[—–-]{1,2}\s+"
    # "Washington (CNN)Reeling after …", "Hong Kong (CNN) The …": CNN's own, with no dash
    r"|(?:[A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+){0,3}(?:, [A-Z][A-Za-z.]+)? )?\((?:CNN|CNN Business)\)"
    r"\s*(?:[—–-]{1,2}\s*)?)(?=[A-Z\"“‘'0-9])"
)
# A kicker before the first sentence: "KEY POINTS An 8-year-old …", "BREAKING: …"
# ... and Axios's labels ("Why it matters: As demand …", "The big picture: …")
KICKER = re.compile(
    r"^(?:(?:KEY (?:POINTS|DATA|TAKEAWAYS)|BREAKING(?: NEWS)?|UPDATE|EXCLUSIVE|URGENT|"
    r"FACT CHECK|ANALYSIS|WATCH|LIVE(?: UPDATES)?)\b:?|(?:Why it matters|The big picture|"
    r"Reality check|The bottom line|Bottom line|Between the lines|Driving the news|Details|"
    r"What they're saying|What they’re saying|Yes, but|The other side|Flashback|"
    r"By the numbers|Our thought bubble|The backstory|Worth noting|Be smart|The intrigue|"
    r"Zoom in|Zoom out|State of play|Catch up quick|Where it stands|The latest|Of note|"
    r"Go deeper|What's next|What’s next|The state of play|Context|The details):)"
    r"\s+(?=[A-Z\"“‘'0-9])"
)

# --- spans inside a paragraph ----------------------------------------------------------------

# The Hill links every person's first mention to a profile and glues the profile's full
# name and three headlines into the text: "House Minority Leader Kevin McCarthy Kevin Owen
# McCarthyObstacles mount for … GOP divided over state aid … MORE (R-Calif.)". The residue
# starts after the first spelling of the surname and ends with "MORE".
_RESIDUE_END = re.compile(r"(?<=\S) MORE\b")
_GLUE = re.compile(r"(?<=[a-z)’'])(?=[A-Z‘“'\"0-9$])")
_LAST_WORD = re.compile(r"(?:^|(?<=[\s(]))([A-Z][\w.'’\-]{2,})$")
RESIDUE_WINDOW = 700  # characters before "MORE" where its start is looked for
# The Nation's "MORE FROM Eric Alterman Trump’s New Press Secretary …" at a paragraph's end
_MORE_FROM = re.compile(r"\s*\bMORE FROM [A-Z][\w.'’\-]+(?: [A-Z][\w.'’\-]+){0,3}\b.*$")
# inline credits: "(AP Photo/John Minchillo)", "(Photo by Jane Doe/Getty Images)", Politico's
# "| Joe Burbank/Orlando Sentinel via AP"
_INLINE_CREDIT = re.compile(
    r"\s*\((?:AP|Reuters|AFP|UPI|EPA)(?: Photo)?/[^)]{0,60}\)"
    r"|\s*\((?:Photo|Image|Credit)s?(?: by)?[: ][^)]{0,80}\)"
    r"|^\s*\|\s*[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){0,3}/(?:[\w .&'’\-]{0,40}? via "
    r"(?:AP|Getty Images|AFP|Reuters)|AP(?: Photo)?|Getty Images|AFP|Reuters|Bloomberg)\b",
    re.IGNORECASE,
)
# a drop capital set apart from its word ("P rinceton University has announced …") and
# National Review's "NRPLUS MEMBER ARTICLE" before it
_DROP_CAP = re.compile(r"^(?:NRPLUS MEMBER ARTICLE\s+)?(?:([B-HJ-Z]) (?=[a-z]{2,})|(I) (?=n ))")

# "… the still-raging outbreak ." (a space before a full stop or comma, as some wires print)
_SPACE_BEFORE_STOP = re.compile(r"(?<=\w) +([.,;:!?])(?=\s|$)")

# ", as previously reported on IJR." at a sentence's end: the outlet's link to itself
_AS_REPORTED = re.compile(
    r",? as (?:first |previously |earlier )?reported (?:by|on|in|at) [A-Z][\w.’'&]*"
    r"(?: [A-Z][\w.’'&]*){0,3}\.(?=\s|$)"
)

MAX_FURNITURE_CHARS = 300  # a paragraph longer than this is never dropped whole as furniture
MAX_CAPTION_CHARS = 900  # ... except a caption paragraph, up to this
BIO_EDGE = 3  # an author bio is looked for in this many paragraphs at each end


@dataclass(frozen=True, slots=True)
class Removal:
    """Something `clean_text` took out, and what kind of furniture it was."""

    # residue | marker | link | appeal | credit | opinion_label | bio | byline | caption |
    # speaker | dateline
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class CleanText:
    text: str
    removed: tuple[Removal, ...] = field(default_factory=tuple)

    def count(self, kind: str) -> int:
        return sum(1 for r in self.removed if r.kind == kind)


def clean_text(text: str) -> CleanText:
    """`text` without page furniture (see the module docstring); paragraphs stay lines,
    everything kept stays verbatim, blank runs become one blank line."""
    removed: list[Removal] = []
    kept: list[str] = []
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    # an author's bio sits at the top or the bottom of a piece, never in its middle
    edges = set(filled[:BIO_EDGE] + filled[-BIO_EDGE:])
    first = True
    for i, line in enumerate(lines):
        paragraph = line.strip()
        if not paragraph:
            if kept and kept[-1]:
                kept.append("")
            continue
        paragraph = _without_residue(paragraph, removed)
        kind = (
            "caption"
            if _caption_paragraph(paragraph)
            else _paragraph_furniture(paragraph, bio=i in edges)
        )
        if kind:
            removed.append(Removal(kind, paragraph))
            continue
        paragraph = _inline(paragraph, removed, first=first)
        if not paragraph:
            continue
        paragraph = _SPACE_BEFORE_STOP.sub(r"\1", paragraph)
        kept.append(paragraph)
        first = False
    while kept and not kept[-1]:
        kept.pop()
    return CleanText("\n".join(kept), tuple(removed))


# The reporting's own trace, which is news to no reader: "X did not immediately respond to a
# request for comment", "declined to comment", "could not be reached", "this story has been
# updated". Left in the text (it tells how the story was reported), never quoted from it.
_TRACE = re.compile(
    r"\b(?:did not|didn't|has not|hasn't|have not|haven't) (?:immediately )?(?:respond|reply)"
    r" to [^.]{0,80}?\b(?:requests?|inquir|messages?|e-?mails?|calls?|questions?)\b"
    r"|\b(?:declined|refused) (?:to comment|comment|further comment)\b"
    r"|\bcould not (?:immediately )?be reached\b|\bwas not immediately available\b"
    r"|\bthis (?:story|article|report) (?:has been|was|will be|is being) updated\b"
    r"|\bcheck back (?:for|later)\b|\bthis is a developing story\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=8_192)
def furniture(sentence: str) -> str | None:
    """The kind of page furniture a single sentence is ("trace" for the reporting's own
    trace), or None for article text (for text stored before it was cleaned; `clean_text`
    leaves none of the other kinds). Memoized: a write-up asks it of the same sentences
    several times (candidates, quotations, perspectives)."""
    text = sentence.strip()
    if _TRACE.search(text):
        return "trace"
    for end in _RESIDUE_END.finditer(text):
        if _residue_start(text, end) is not None:
            return "residue"
    speaker = _SPEAKER.match(text[:SPEAKER_CHARS])
    if speaker and _is_speaker(speaker):
        return "speaker"
    if _caption_paragraph(text):
        return "caption"
    kind = _paragraph_furniture(text)
    if kind is None and _CAPTION.search(text):
        return "caption"
    return kind


def strip_lead_in(text: str) -> str:
    """A sentence without a leading kicker or dateline ("WASHINGTON (Reuters) - ")."""
    return DATELINE.sub("", KICKER.sub("", text.strip()))


def _paragraph_furniture(paragraph: str, *, bio: bool = True) -> str | None:
    if len(paragraph) > MAX_FURNITURE_CHARS:
        return None
    if _MARKER.match(paragraph):
        return "marker"
    if _LINK_KICKER.match(paragraph) or _MORE_FROM.match(paragraph):
        return "link"
    if _APPEAL.search(paragraph):
        return "appeal"
    if _CREDIT.search(paragraph):
        return "credit"
    if _OPINION_LABEL.match(paragraph):
        return "opinion_label"
    if bio and _BIO.search(paragraph):
        return "bio"
    if len(paragraph) < 120 and _BYLINE.match(paragraph) and not paragraph.endswith("."):
        return "byline"
    if len(paragraph) < 250 and _CAPTION.search(paragraph):
        return "caption"
    return None


def _caption_paragraph(paragraph: str) -> bool:
    """A photo caption paragraph ("FILE - In this April 16, 2020, file photo, …", or one that
    ends with its credit), which may carry a summary sentence of the story."""
    return len(paragraph) < MAX_CAPTION_CHARS and bool(
        _CAPTION_OPENER.match(paragraph) or _CREDIT_AT_END.search(paragraph)
    )


def _inline(paragraph: str, removed: list[Removal], *, first: bool) -> str:
    """Cut speaker labels, datelines, trailing "MORE FROM" lists, inline credits and
    caption sentences out of a kept paragraph."""
    speaker = _SPEAKER.match(paragraph[:SPEAKER_CHARS])
    if speaker and _is_speaker(speaker):
        removed.append(Removal("speaker", speaker.group("label")))
        paragraph = paragraph[speaker.end() :]
    if first:
        for pattern in (KICKER, DATELINE):
            lead = pattern.match(paragraph)
            if lead:
                removed.append(Removal("dateline", lead.group().strip()))
                paragraph = paragraph[lead.end() :]
    paragraph = _DROP_CAP.sub(lambda m: m.group(1) or m.group(2) or "", paragraph)
    if paragraph.startswith("NRPLUS MEMBER ARTICLE"):
        paragraph = paragraph[len("NRPLUS MEMBER ARTICLE") :].lstrip()
    more = _MORE_FROM.search(paragraph)
    if more and more.start() > 0:
        removed.append(Removal("link", more.group().strip()))
        paragraph = paragraph[: more.start()]
    paragraph = _AS_REPORTED.sub(".", paragraph)
    for credit in _INLINE_CREDIT.findall(paragraph):
        removed.append(Removal("credit", credit.strip()))
    paragraph = _INLINE_CREDIT.sub("", paragraph)
    return paragraph.strip()


def _is_speaker(match: re.Match[str]) -> bool:
    label = match.group("label").strip()
    words = label.replace(",", " ").split()
    return (
        label.upper() == label
        and any(len(w.strip(".")) >= 2 for w in words)
        and label not in _NOT_SPEAKERS
        and not label.isdigit()
    )


def _without_residue(paragraph: str, removed: list[Removal]) -> str:
    """The paragraph with every related-link residue cut out (see _RESIDUE_END)."""
    while True:
        end = _RESIDUE_END.search(paragraph)
        while end is not None:
            start = _residue_start(paragraph, end)
            if start is not None:
                break
            end = _RESIDUE_END.search(paragraph, end.end())
        if end is None:
            return paragraph
        assert start is not None
        removed.append(Removal("residue", paragraph[start : end.end()].strip()))
        paragraph = (paragraph[:start] + paragraph[end.end() :]).replace("  ", " ")


def _residue_start(text: str, end: re.Match[str]) -> int | None:
    """Where the residue ending at `end` starts: right after the first spelling of a name
    whose second spelling is glued to a headline ("… McCarthy Kevin Owen McCarthyObstacles"),
    or None when there is no such name in the RESIDUE_WINDOW characters before."""
    low = max(0, end.start() - RESIDUE_WINDOW)
    for glue in _GLUE.finditer(text, low, end.start()):
        last = _LAST_WORD.search(text, max(0, glue.start() - 60), glue.start())
        if last is None:
            continue
        surname = last.group(1)
        if surname.upper() == surname:  # "OVERNIGHT ENERGY:" and other capitals
            continue
        earlier = text.rfind(surname, max(0, last.start() - 80), last.start())
        if earlier < 0:
            continue
        after = earlier + len(surname)
        if after < len(text) and (text[after].isspace() or text[after].isupper()):
            between = text[after : last.start()].split()
            if 1 <= len(between) <= 5 and all(w[:1].isupper() or w[:1] == "(" for w in between):
                return after
            if not between and text[after].isupper():  # "Chad WolfChad Wolf…"
                return after
    return None


# --- outlet style, as the lean head's input leaves it out --------------------------------------
#
# `plumbline.analysis.lean.lean_text` applies these to every paragraph of an article (the
# text the packaged lean head's "clean" member was trained on). They overlap with the
# furniture patterns above (bylines, datelines, photo credits, newsletter lines) but are not
# the same, and they are frozen: the head was trained on exactly their output. Putting the
# furniture patterns in their place changed lean_text on 1 to 657 of the 1,659 demo articles
# (byline 1, dateline 48, photo credits 141, whole boilerplate paragraphs 657), so each
# stays as it is until the head is retrained.

#: Publication names removed from the text (case-sensitive, as they are written; an optional
#: leading "The", trailing ".com" or possessive goes with them). People's names are kept.
OUTLET_NAMES = (
    "ABC News", "AFP", "AP", "Agence France-Presse", "Al Jazeera", "AllSides",
    "American Enterprise Institute", "American Spectator", "Associated Press", "Axios",
    "BBC", "BBC News", "Bloomberg News", "Boston Globe", "Breitbart", "Breitbart News",
    "Business Insider", "BuzzFeed", "BuzzFeed News", "CBN", "CBN News", "CBS", "CBS News",
    "CNBC", "CNN", "Chicago Sun-Times", "Christian Science Monitor", "Daily Beast",
    "Daily Caller", "Daily Kos", "Daily Mail", "Daily Signal", "Daily Wire", "Democracy Now",
    "Epoch Times", "FOX News", "FiveThirtyEight", "Fox Business", "Fox News",
    "Fox News Channel", "FoxNews", "Free Beacon", "Gannett", "HotAir", "Hot Air", "HuffPost",
    "Huffington Post", "International Business Times", "Jacobin", "LA Times",
    "Los Angeles Times", "MSNBC", "MarketWatch", "Marshall Project", "Media Matters",
    "Media Research Center", "Mediaite", "Mother Jones", "NBC", "NBC News", "NPR", "NYT",
    "National Public Radio", "National Review", "New York Magazine", "New York Post",
    "New York Times", "NewsBusters", "NewsMax", "Newsmax", "Newsweek", "PJ Media", "POLITICO",
    "Pew Research Center", "Politico", "ProPublica", "REUTERS", "Real Clear Politics",
    "RealClearPolitics", "Reason magazine", "Reason.com", "Reuters", "Salon",
    "Scientific American", "Sky News", "Slate", "The American Spectator", "The Atlantic",
    "The Blaze", "The Economist", "The Federalist", "The Flip Side", "The Guardian",
    "The Hill", "The Intercept", "The New Yorker", "TheBlaze", "ThinkProgress", "TIME",
    "Time Magazine", "Townhall", "Twitchy", "UPI", "USA TODAY", "USA Today", "VICE",
    "Vanity Fair", "Vice News", "Vox", "WSJ", "Wall Street Journal", "Washington Examiner",
    "Washington Free Beacon", "Washington Post", "Washington Times", "Yahoo", "Yahoo News",
)  # fmt: skip
#: An outlet name (OUTLET_NAMES) where it stands in the text.
LEAN_OUTLET = re.compile(
    r"(?<!\w)(?:[Tt]he\s+)?(?:"
    + "|".join(
        re.escape(name).replace(r"\ ", r"\s+")
        for name in sorted(set(OUTLET_NAMES), key=len, reverse=True)
    )
    + r")(?:\.com|'s|’s)?(?!\w)"
)
#: URLs, bare domain names, e-mail addresses and @handles.
LEAN_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|co\.uk|co)\b(?:/\S*)?"
    r"|\S+@\S+\.\w+|@\w+",
    re.IGNORECASE,
)
#: Photo credits ("(AP Photo/Jane Doe)", "Reuters/John Roe", "Photo by …", "toggle caption …").
LEAN_PHOTO_CREDIT = re.compile(
    r"\(?\b(?:AP|Reuters|REUTERS|AFP|Getty Images|EPA|Bloomberg|UPI)(?:\s*Photo)?\s*/"
    r"\s*[\w .'’-]{0,40}\)?"
    r"|\((?:AP|Reuters|AFP)\s*Photo[^)]{0,60}\)"
    r"|\bPhoto(?:graph)?\s*(?:by|:)[^.\n]{0,60}"
    r"|toggle caption.*",
    re.IGNORECASE,
)
#: A dateline at a paragraph's start ("WASHINGTON (Reuters) - ", "NEW YORK, N.Y. -- "; also
#: what is left of one once LEAN_OUTLET took the outlet out: "WASHINGTON ( ) - ").
LEAN_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'’-]+(?:[ ,]+[A-Z][A-Za-z.'’-]*){0,4})?\s*"
    r"(?:\(\s*[A-Za-z. ]{0,20}\s*\))?\s*[-—–]{1,2}\s+"
)
#: A paragraph shorter than LEAN_BOILERPLATE_CHARS that matches this is boilerplate (bylines,
#: report credits, newsletter, subscription and advertisement lines, timestamps, author
#: bios) and is dropped whole.
LEAN_BOILERPLATE_CHARS = 300
LEAN_BOILERPLATE = re.compile(
    r"contributed to this report|reporting by|editing by|writing by|additional reporting"
    r"|sign up|signing up|subscribe|newsletter|click here|copyright|©|all rights reserved"
    r"|follow (?:us|him|her|me)|toggle caption|advertisement|story continued"
    r"|continue reading|read more|related:|^watch:|^video:|^photo|image \d+ of"
    r"|getty images|share this|e-?mail (?:us|me|him|her)\b|the views expressed|opinions expressed"
    r"|is a (?:columnist|contributor|correspondent|reporter|writer|senior|fellow|professor)"
    r"|^\d+ (?:years?|months?|weeks?|days?|hours?|minutes?) ago$|^updated\b|^follow\b"
    r"|more on this|loading\.\.\.|^close$|^\W*$|^\s*(?:by|from)\s+[A-Z]",
    re.IGNORECASE,
)
#: A paragraph shorter than LEAN_BYLINE_CHARS that starts like this ("By Jane Doe,") is a
#: byline and is dropped whole.
LEAN_BYLINE_CHARS = 100
LEAN_BYLINE = re.compile(
    r"^\s*(?:by|By|BY)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*(?:,|and|$)"
)
#: House style, not lean ("Mr." is common in some outlets' copy and absent from others').
LEAN_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Messrs|Mmes)\b\.?")
#: Parentheses emptied by the removals above.
LEAN_EMPTY_PARENS = re.compile(r"\(\s*\)")
