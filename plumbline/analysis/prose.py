"""Which source sentences can stand in a story article, and in whose voice.

The story article is written from its sources' own sentences. A sentence lifted out of its
article must still read correctly, so it is checked here, and the first reason it fails is
returned (None when it passes):

- furniture: a caption, credit, appeal, transcript label or link residue (analysis/clean.py);
- fragment: it starts in lower case, ends without a full stop, breaks off ("…"), has
  unbalanced quotation marks or parentheses, or is too short or too long to be a sentence;
- question: it asks or exclaims;
- dangling: it leans on a sentence the reader has not seen: it starts with a pronoun, a
  conjunction or a pointing word ("He", "But", "This"), with a definite noun phrase for
  someone or something not yet named ("The trooper hit Lewis again", "The former vice
  president"), or it ends by pointing back ("… surely know this.") or with an attribution to
  an unnamed speaker ("…, the statement added.", "…, he said." with nobody named);
- first_person: the writer says "I" or "we", or addresses the reader as "you", outside a
  quotation;
- loaded: wording the bias model (p ≥ SITE_VOICE_BIAS), the BABE lexicon (a word marked
  in at least LOADED_RATE of its uses) or a list of words of judgment ("preposterous",
  "struck a blow to", "in a win for") flags as loaded, or a prescription ("must", "should")
  nobody is reported to have made, outside quotations: such a sentence never stands in the
  site's voice (it may be quoted as a perspective).

`voice_problem` applies every check (the site's own voice); `quote_problem` the lighter set
for a sentence shown as a quotation with its outlet (perspectives).

A definite noun phrase is allowed once its noun has been introduced: `needs` returns the
nouns a sentence takes for granted ("The trooper", "those people", "in both cases") and the
people it names by surname alone ("Stern notes", "the older McMichael", "Mr. Baca"), and
the article checks them against what it has said (a bill may have been called a package)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from plumbline.analysis.bias import loaded_words, word_keys
from plumbline.analysis.clean import furniture

MIN_WORDS, MAX_WORDS = 8, 55
MIN_QUOTE_WORDS, MAX_QUOTE_WORDS = 10, 60
SITE_VOICE_BIAS = 0.5
LOADED_RATE = 0.6

_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’(?!\w)")
_STARTS_LEANING = re.compile(
    r"^[\"“‘']?(?:in contrast|by contrast|in turn|as a result|as it is|for (?:his|her|their|its) "
    r"part|on the other hand|at the same time|even so|in addition|later still|yeah|yes|well|"
    r"okay|oh|look|listen|sure|anyway|a similar|similar|the same|"
    r"but|and|or|so|also|however|still|yet|he|she|they|it|its|this|that|these|those|"
    r"his|her|their|there|here|then|meanwhile|instead|such|him|them|both|either|neither|"
    r"another|other|others|likewise|similarly|moreover|furthermore|nevertheless|nonetheless|"
    r"thus|therefore|hence|indeed|rather|otherwise|further|additionally|besides|again|"
    r"now|later|earlier|afterward|afterwards|the latter|the former|the same|most notably|"
    r"notably|in the end|in fact|after all|above all|to be sure|that said|worse|even worse|"
    r"better still|on top of that|what's more|what’s more)\b",
    re.IGNORECASE,
)
# "Trump, in contrast, said …": a sentence answering one the reader has not seen
_LEANS_MIDWAY = re.compile(
    r"^[^.]{0,60}?, (?:in contrast|by contrast|however|though|too|in turn),"
    # "Former officials also said …": one of several, the others told before
    r"|^(?:\S+ ){0,5}also (?:said|says|noted|told|warned|argued|added|urged|reported)\b"
    # "Doubling that would mean …", "During that time …": a verb or preposition in -ing
    # pointing at what an unseen sentence said
    r"|^[\"“]?(?!\w*thing\b)[A-Z][a-z]+ing (?:that|this|these|those|it)\b"
)
# a quotation with nobody named as its speaker: ""People want it open. The schools …""
_ALL_QUOTED = re.compile(r"^[\"“][^\"“”]*[\"”]$")
# "… surely know this.": the sentence points back at one it came after
_ENDS_POINTING = re.compile(r"\b(?:this|that|these|those|it)[.!]?[\"”']?$", re.IGNORECASE)
# "…, the statement added." / "…, the official said." / "…, he said."
_TRAILING_SPEAKER = re.compile(
    r",[\"”’]?\s+(?P<who>(?:he|she|they|it|the [a-z][a-z\- ]{1,40}?))\s+"
    r"(?:said|says|say|added|adds|wrote|writes|continued|noted|explained|argue|argues|argued|"
    r"contend|contends|believe|believes|insist|insists|told [a-z ]+)[.!]?[\"”']?$",
)
# "The trooper …", "The former vice president …", "These officers …": a definite noun
# phrase that needs its noun introduced; capitalized names ("The Senate") are fine
_DEFINITE = re.compile(
    r"^[\"“]?(?:The|This|That|These|Those|Such)\s+"
    r"(?P<phrase>(?:[a-z0-9][a-z0-9\-]*(?:['’]s)?[\s,]+){1,4})"
)
# words before the head noun of a definite noun phrase ("the former vice president")
_MODIFIERS_TEXT = """
    former same new old top senior junior chief deputy acting interim local federal national
    state city county regional global white black young elderly other two three four five
    first second third last latest recent previous next many several few both whole entire
    unidentified unnamed anonymous alleged accused suspected fatal deadly violent peaceful
    vice assistant associate executive general special independent main key major minor
    """
_MODIFIERS = frozenset(_MODIFIERS_TEXT.split())
# nouns that need no introduction in a news sentence: times, places, the general public
_KNOWN_NOUNS_TEXT = """
    week weekend month year day days morning afternoon evening night decade century time
    country nation world city state states economy pandemic virus coronavirus outbreak crisis
    public government administration people government's country's nation's news media
    police military election elections campaign vote
    """
_KNOWN_NOUNS = frozenset(_KNOWN_NOUNS_TEXT.split())
# lower case, a bullet, "titled …", or a short label before a colon ("Trump's response: …")
_FRAGMENT_START = re.compile(
    r"^(?![\"“‘'\[$]|\d|[A-Z])|^\W*(?:titled|called|dubbed)\b"
    r"|^[A-Z][\w’'.\-]*(?: [\w’'.\-]+){0,3}:\s"
)
_ENDS_SENTENCE = re.compile(r"[.!?][\"”’)\]]*$")
_FIRST_PERSON = re.compile(
    r"\b(?:I|me|my|mine|myself|I'm|I’m|I've|I’ve|I'd|I’d|I'll|I’ll|[Ww]e|[Oo]ur|[Oo]urs|"
    r"[Oo]urselves|[Ww]e're|[Ww]e’re|[Ww]e've|[Ww]e’ve|us)\b"
    # the reader addressed ("If you don't vote …"): a columnist's or explainer's voice
    r"|\b(?:[Yy]ou|[Yy]our|[Yy]ours|[Yy]ourself|[Yy]ou're|[Yy]ou’re|[Yy]ou've|[Yy]ou’ve|"
    r"[Yy]ou'd|[Yy]ou’d|[Yy]ou'll|[Yy]ou’ll)\b"
)
_ELLIPSIS = re.compile(r"…|\.\.\.")


def words(text: str) -> int:
    return len(text.split())


def outside_quotes(text: str) -> str:
    """`text` with its quotations blanked out: what the writer says in their own voice."""
    return _QUOTED.sub(" ", text)


def fragment(text: str) -> bool:
    """Whether `text` is not a whole sentence (see the module docstring)."""
    body = text.strip()
    return bool(
        not body
        or _FRAGMENT_START.match(body)
        or not _ENDS_SENTENCE.search(body)
        or _ELLIPSIS.search(body)
        or body.count('"') % 2
        or body.count("“") != body.count("”")
        or body.count("(") != body.count(")")
        or _verbless(body)
    )


# a list item set as a sentence: "Nearly $1 trillion in aid to state and local governments."
_LIST_ITEM_START = re.compile(
    r"^(?:\$|\d|(?:nearly|about|almost|roughly|more than|less than|up to|at least|over|another|"
    r"a (?:new|second|third)|an? (?:extra|additional)|new|additional|extra|funding|money)\b)",
    re.IGNORECASE,
)
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|do|does|did|will|would|can|could|"
    r"should|may|might|must|says?|said|tells?|told|makes?|made|gets?|got|goes|went|comes?|came|"
    r"takes?|took|gives?|gave|shows?|puts?|sets?|cuts?|costs?|hits?|keeps?|kept|needs?|wants?|"
    r"includes?|provides?|adds?|allows?|requires?|calls?|plans?|seeks?|works?|lives?|dies|vote|"
    r"votes|pays?|runs?|wins?|loses?|rises?|falls?|grows?|remains?|stays?|leads?|earns?|"
    r"receives?|faces?|holds?|owns?|uses?|they|them|who|which|that|it|he|she|we|"
    r"[a-z]{2,}ed|[a-z]{3,}es)\b",
    re.IGNORECASE,
)


def _verbless(body: str) -> bool:
    """A short line that opens like a list item and has no verb."""
    return len(body.split()) <= 16 and bool(_LIST_ITEM_START.match(body)) and not _VERB.search(body)


# "There were nearly 4.7 million background checks …": an existential "there" needs nothing
_EXISTENTIAL = re.compile(
    r"^[\"“]?There (?:is|are|was|were|has been|have been|had been|will be|remain|remains)\b"
)


def dangling(text: str) -> bool:
    """Whether `text` leans on a sentence before it that the reader has not seen (a pronoun
    or conjunction start, a personal pronoun before anyone is named, a pointing end, an
    unnamed trailing speaker). Definite noun phrases are judged separately (`needs`)."""
    body = text.strip()
    if _STARTS_LEANING.match(body) and not _EXISTENTIAL.match(body):
        return True
    if _ENDS_POINTING.search(body) or _LEANS_MIDWAY.search(body) or _ALL_QUOTED.match(body):
        return True
    if _unnamed_pronoun(outside_quotes(body)):
        return True
    speaker = _TRAILING_SPEAKER.search(body)
    return bool(speaker and speaker.group("who").split()[0].lower() in ("he", "she", "they", "it"))


_PRONOUN = re.compile(r"\b(?:he|she|they|him|his|her|hers|them|their|theirs)\b")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z][\w'’\-]*")
_NOT_NAMES_TEXT = """
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December The A An In On At As After Before
    When While Since If But And For From With By During Despite According Asked Earlier Later
    Congress Parliament Washington America Europe China Russia Iran Israel Mexico Canada
    Britain France Germany Japan India Ukraine Beijing Moscow Twitter Facebook Google Amazon
    Apple Microsoft YouTube Instagram Tesla Boeing Pentagon Kremlin Brexit Medicare Medicaid
    One Two Three Four Five Six Seven Eight Nine Ten Last Next Some Many Most Several Years
    Months Weeks Days Hours Minutes Then Now Once Today Yesterday Tomorrow
    """
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


def _unnamed_pronoun(text: str) -> bool:
    """Whether a personal pronoun ("he said") comes before any name in the sentence."""
    pronoun = _PRONOUN.search(text)
    if pronoun is None or _DEFINITE.match(text.strip()):  # "The governor said he …"
        return False
    names = [m.group() for m in _NAME.finditer(text, 0, pronoun.start())]
    first = re.match(r"\W*([A-Z][\w'’\-]*)", text)
    if first and first.group(1) not in _NOT_NAMES and first.group(1) not in ("It", "There"):
        names.append(first.group(1))
    return not any(name not in _NOT_NAMES for name in names)


_BOTH = re.compile(r"\b(?:both|the two|the three) ([a-z]{3,}s)\b")
# "each of these cases", "many of those people": pointing at things named before
_POINTING = re.compile(r"(?<!^)\b(?:these|those) ([a-z]{3,}s|people|men|women|children)\b")
_SURNAME = re.compile(
    r"(?:^\s*|, |[”\"] |\s)(?P<name>(?:Mc|Mac|O['’])?[A-Z][a-z]{2,}(?:-[A-Z][a-z]+)?)"
    r"(?:['’]s\b|(?<=s)['’](?= )|"
    r" (?:did|does|can|could|should|may|might|said|says|"
    r"notes|noted|writes|wrote|recalls|recalled|added|adds|argues|argued|told|tells|explains|explained|tweeted|"
    r"testified|had|has|is|was|will|would|also|goes|points|continues|believes|insists|"
    r"suggests|warns|concludes|thinks|asks|admits|contends|observes|[a-z]{3,}ed)\b|"
    r", (?:who|a|an|the) )"
    r"|\b(?:Mr|Mrs|Ms|Dr)\.? (?P<titled>[A-Z][a-z]{2,})\b"
    r"|\bthe (?:older|younger|elder) (?P<kin>(?:Mc|Mac|O['’])?[A-Z][a-z]{2,})\b"
)


_TITLES = re.compile(r"\b(?:Mr|Mrs|Ms|Dr)\.? ")
# "Republicans said", "Officials noted": groups, not people named by surname
_GROUP_ENDINGS = ("ans", "ers", "ists", "ors", "ies", "ats", "als", "ics", "ents", "ees", "ives")


def needs(text: str) -> set[str]:
    """The nouns `text` takes for granted: the head of a definite noun phrase it starts with
    ("The trooper" -> {"trooper"}) or of an unnamed trailing speaker ("the statement added"),
    unless it is a noun news needs no introduction for."""
    found: set[str] = set()
    start = _DEFINITE.match(text.strip())
    if start:
        for word in start.group("phrase").replace(",", " ").split():
            word = re.sub(r"['’]s$", "", word)
            if word not in _MODIFIERS and not word[:1].isdigit():
                if len(word) > 2:
                    found.add(word)
                break
    speaker = _TRAILING_SPEAKER.search(text.strip())
    if speaker and speaker.group("who").startswith("the "):
        found.add(speaker.group("who").split()[-1].lower())
    # "in both cases": the two were named before
    found |= {"both " + m.group(1) for m in _BOTH.finditer(outside_quotes(text))}
    found = {noun for noun in found if noun not in _KNOWN_NOUNS}
    # pointed at ("those people"): even a noun news needs no introduction for
    found |= {m.group(1) for m in _POINTING.finditer(outside_quotes(text).strip())}
    # a person named by surname alone, as a speaker or an owner ("Stern notes", "Roberts’s
    # vote"): a reader meets them first by their full name
    for match in _SURNAME.finditer(outside_quotes(text)):
        name = match.group("name") or match.group("titled") or match.group("kin")
        if (
            name not in _NOT_NAMES
            and not name.lower().endswith(_GROUP_ENDINGS)
            and not re.search(rf"[A-Z][\w.'’\-]* {name}\b", _TITLES.sub("", text))
        ):
            found.add(name)
    return found


# words a news writer uses for one thing in turn ("the relief package" … "the bill")
_SAME_THING = (
    frozenset({"bill", "measure", "package", "legislation"}),
    frozenset({"ruling", "decision"}),
    frozenset({"company", "firm"}),
    frozenset({"lawmakers", "legislators"}),
)


def introduced(noun: str, seen: str) -> bool:
    """Whether `noun` (or its plural or singular) occurs in `seen`, the text so far; "both
    cases" wants "cases" or two mentions of a case."""
    for group in _SAME_THING:
        if noun in group or noun[:-1] in group:
            return any(_mentioned(word, seen) for word in group | {noun})
    if noun.startswith("both "):
        plural = noun[5:]
        if re.search(rf"\b{re.escape(plural)}\b", seen, re.IGNORECASE):
            return True
        return len(re.findall(rf"\b{re.escape(plural[:-1])}\b", seen, re.IGNORECASE)) >= 2
    return _mentioned(noun, seen)


def _mentioned(noun: str, seen: str) -> bool:
    stem = noun[:-1] if noun.endswith("s") and len(noun) > 4 else noun
    return re.search(rf"\b{re.escape(stem)}", seen, re.IGNORECASE) is not None


# a sentence whose news comes from another outlet ("…, NBC News reports.", "CNN reported
# that …"): second-hand, weaker than the story's own sources
_MEDIA = re.compile(
    r"\b(?:the )?(?:New York Times|Times|Washington Post|Post|Wall Street Journal|NBC(?: News)?|"
    r"CNN|CBS(?: News)?|ABC(?: News)?|Fox News|MSNBC|NPR|Politico|Axios|Reuters|Associated "
    r"Press|AP|Bloomberg|Daily Beast|BuzzFeed(?: News)?|HuffPost|Guardian|BBC|Daily Caller|"
    r"Breitbart|Newsweek|Vox|Slate|The Hill|IJR)(?:['’]s)?(?: [A-Z][a-z]+ [A-Z][a-z]+)?"
    r"(?: first)? (?:reports|reported|said|says|has reported|was first to report)\b"
    r"|\baccording to (?:the )?(?:New York Times|Times|Washington Post|Wall Street Journal|"
    r"NBC(?: News)?|CNN|CBS(?: News)?|ABC(?: News)?|Fox News|Politico|Axios|Reuters|"
    r"Associated Press|Bloomberg|a report)\b",
)


def second_hand(text: str) -> bool:
    """Whether the sentence passes on another outlet's report."""
    return bool(_MEDIA.search(outside_quotes(text)))


def first_person(text: str) -> bool:
    """Whether the writer speaks as "I" or "we", or to the reader as "you", outside
    quotations ("US" is the country)."""
    return bool(_FIRST_PERSON.search(outside_quotes(text)))


# "denied her claim" is a noun, not the loaded verb "claimed"
_NOUN_USES = frozenset({"claim", "claims"})
_DETERMINERS = frozenset(
    [
        "a",
        "an",
        "the",
        "his",
        "her",
        "their",
        "its",
        "our",
        "my",
        "your",
        "this",
        "that",
        "these",
        "those",
        "any",
        "no",
        "such",
        "whose",
    ]
)


# Words of judgment a news writer leaves to the people quoted (the BABE lexicon lacks many:
# it counts only the words its 3,700 sentences happen to hold). Outside quotations, any of
# them keeps a sentence out of the site's voice.
_EVALUATIVE = re.compile(
    r"\b(?:greed(?:y)?|opportunis(?:m|tic)|preposterous|absurd(?:ity)?|ridiculous|ludicrous|"
    r"outrageous|disgrace(?:ful)?|disgusting|shame(?:ful|less)|despicable|vile|evil|wicked|"
    r"pathetic|idiotic|stupid(?:ity)?|morons?|lunatics?|insane|deranged|hysteri(?:a|cal)|"
    r"hypocri(?:sy|tical|tes?)|bloodthirsty|thugs?|thuggish|so-called|propaganda|liars?|"
    r"fake news|hoax|witch hunt|scathing|bombshell|debacle|fiasco|meltdown|tirade|rant(?:s|ed)?|"
    r"screed|smears?|cronies|stooges?|zealots?|woke|snowflakes?|leftists?|far-left|far-right|"
    r"radical left|unhinged|disastrous|heroic|courageous|beloved|shocking|stunning|staggering|"
    r"slams?|slammed|blasts?|blasted|rips?|ripped|destroys?|destroyed|eviscerat\w*|lambast\w*|"
    r"blistering|brazen(?:ly)?|disingenuous|incompeten(?:ce|t)|corrupt(?:ion)?|sham|farce|"
    r"embarrass\w*|humiliat\w*|massive tax breaks? for the rich|no doubt|undoubtedly|"
    r"obviously|of course|clearly|surely|needless to say|a lot of pushback|"
    r"in an? (?:\w+ )?(?:win|victory|blow|setback|defeat) (?:for|to)|a (?:\w+ )?victory for|"
    r"(?:struck|strikes?|dealt|deals?|dealing) an? (?:\w+ )?(?:blow|setback|defeat) (?:for|to)|"
    r"veneer|power grab|go(?:es|ne)? rogue|downplay\w*|disturbing|alarming|"
    r"shrugged off|shrugs off)\b",
    re.IGNORECASE,
)


# "… must not become just another name.": a prescription in the writer's own voice (one
# reported from someone, "officials said residents should stay home", is news)
_PRESCRIPTIVE = re.compile(r"\b(?:must|should|ought to|needs? to)\b", re.IGNORECASE)
_REPORTED = re.compile(
    r"\b(?:said|says|say|told|tells|according to|urged|urges|called|calls|warned|warns|wrote|"
    r"writes|argued|argues|asked|asks|added|adds|believes?|believed|insisted|insists|"
    r"recommended|recommends|ordered|orders|announced|announces|suggested|suggests|demanded|"
    r"demands|stated|states|reported|reports|guidelines?|rules?|law|order)\b",
    re.IGNORECASE,
)


def judging(text: str) -> bool:
    """Whether `text` uses a word of judgment (_EVALUATIVE) outside its quotations."""
    return bool(_EVALUATIVE.search(outside_quotes(text)))


def loaded(text: str, bias: float, lexicon: Mapping[str, float] | None = None) -> bool:
    """Whether the bias model, the BABE lexicon or the words of judgment (_EVALUATIVE)
    flag the wording outside quotations."""
    if bias >= SITE_VOICE_BIAS:
        return True
    own = outside_quotes(text)
    if _EVALUATIVE.search(own):
        return True
    if _PRESCRIPTIVE.search(own) and not _REPORTED.search(own):
        return True
    rates = loaded_words() if lexicon is None else lexicon
    keys = word_keys(outside_quotes(text))
    return any(
        rates.get(w, 0.0) >= LOADED_RATE
        and not (w in _NOUN_USES and k and keys[k - 1] in _DETERMINERS)
        for k, w in enumerate(keys)
    )


def voice_problem(text: str, bias: float, *, follows: bool = False) -> str | None:
    """Why `text` cannot stand in the site's own voice, or None (see the module docstring).
    `follows`: it will be printed right after the sentence its writer put before it, which
    gives its pronouns and pointing words their antecedent (no "dangling")."""
    kind = furniture(text)
    if kind:
        return f"furniture:{kind}"
    n = words(text)
    if n < MIN_WORDS or n > MAX_WORDS or fragment(text):
        return "fragment"
    if text.rstrip("\"”’') ").endswith(("?", "!")):
        return "question"
    if not follows and dangling(text):
        return "dangling"
    if first_person(text):
        return "first_person"
    if loaded(text, bias):
        return "loaded"
    return None


def quote_problem(text: str, context: str = "") -> str | None:
    """Why `text` cannot be shown as a quotation from its outlet, or None: furniture,
    fragments, questions and dangling sentences read badly even in quotation marks.
    `context` is what the reader sees with it (its article's title): a noun introduced
    there may be taken for granted."""
    kind = furniture(text)
    if kind:
        return f"furniture:{kind}"
    n = words(text)
    if n < MIN_QUOTE_WORDS or n > MAX_QUOTE_WORDS or fragment(text):
        return "fragment"
    if text.rstrip("\"”’') ").endswith("?"):
        return "question"
    if dangling(text) or any(not introduced(noun, context) for noun in needs(text)):
        return "dangling"
    return None


_COMMON_FIRST_WORDS_TEXT = """
    a an the in on at after before as some many most more one two three four five this that
    these those there it its he she they we his her their our when while since if but and so
    also about under over during despite according until by for from with without among
    officials police protesters researchers lawmakers people former
    federal local state senior top several critics supporters experts health public new
    more most nearly about roughly only just even among across amid although though because
    while whether what how why where which who both each every all no neither either one
    some any many much few other another such
    """
_COMMON_FIRST_WORDS = frozenset(_COMMON_FIRST_WORDS_TEXT.split())
_FUNCTION_WORDS_TEXT = """
    a an the in on at after before as this that these those there it its he she they we
    his her their our when while since if but and so also about under over during despite
    according until by for from with without among though although because whether unless
    """
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
# a capitalized word before a name or another capitalized word: a title, not a common noun
_TITLE_BEFORE_NAME = re.compile(r"[\"“‘']?[A-Z][a-z'’\-]+ (?:(?:of|for|on) (?:the )?)?[A-Z]")


def attributed(text: str, names: Sequence[str], *, lower: bool | None = None) -> str:
    """A sentence as the article prints it: "Fox News reported that …" when it carries an
    attribution (the sentence itself stays verbatim after "that"; one that opens on a
    quotation follows a colon); `lower`: whether the first word is a common word (lower-cased
    after "that"), when the caller knows; else it is guessed from a list of common words."""
    if not names:
        return text
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if text[:1] in "\"“‘'":
        return f"{who} reported: {text}"
    first = text.split(" ", 1)[0].strip(",.;:")
    common = (
        lower
        if lower is not None
        else first.lower() in _COMMON_FIRST_WORDS
        or (first[1:].islower() and first.lower().endswith(("ing", "ly", "ed")))
    )
    if first.lower() in _FUNCTION_WORDS:
        common = True  # "Though …", "The …": never a name
    elif common and _TITLE_BEFORE_NAME.match(text):
        common = False  # "Secretary of Education Betsy DeVos", "Police Chief Erika Shields"
    start = text[:1].lower() if common else text[:1]
    return f"{who} reported that {start}{text[1:]}"
