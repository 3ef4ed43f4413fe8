"""Checks that a story's parts agree, read from the words themselves rather than from the demo's corpus: what each tag
is about must be in the text, a reply must answer one of the things the story is tagged with and in its tone, the
criticality must fit the tags' kinds and the title's tone, and a Welsh story must be written in Welsh.

Each check returns a list of what is wrong (empty when the story holds together), so a test can show every
problem at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Words (lower case, English and Welsh) that show a tag's subject is in the text. A word ending in "*" is a stem.
TAG_WORDS: dict[str, tuple[str, ...]] = {
    "kindness": ("kind", "caring", "cared", "lovely", "gentle", "patient with", "friendly", "nice", "caredig",
                 "garedig", "ofalus", "gofalu", "amyneddgar"),
    "communication": ("explain*", "told", "tell", "update*", "plan", "what was happening", "esbon*", "dweud", "ddweud",
                      "ateb", "glir", "siarad", "cymraeg"),
    "listened": ("listen*", "unheard", "heard", "seriously", "did not rush", "asked what", "gwrando", "wrando"),
    "dignity": ("dignity", "respect", "curtains", "private", "urddas", "parch", "llenni"),
    "explained": ("explain*", "plain words", "leaflet", "pictures", "showed me", "told me what", "said what",
                  "esbon*"),
    "quick": ("quick*", "within", "straight away", "same evening", "same morning", "minutes", "in and out",
              "o fewn", "yn gyflym", "munud"),
    "clean": ("clean",),
    "pain": ("pain",),
    "food": ("food", "meal", "tray", "lunch", "bwyd", "pryd"),
    "involved-family": ("family", "partner", "husband", "wife", "us ", "teulu"),
    "discharge": ("discharge", "go home", "home", "adref"),
    "staff": ("skilled", "physio*", "knew exactly", "surgeon", "medrus"),
    "waiting": ("wait*", "hours", "next day", "next afternoon", "all night", "aros", "awr"),
    "staffing": ("staff", "not enough", "stretched", "too many patients", "so few", "only two", "short"),
    "cleanliness": ("clean", "dirty", "bin", "broken", "brwnt"),
    "appointments": ("appointment*", "book*", "phone", "line", "referral", "apwyntiad*", "ffonio"),
    "information": ("letter", "information", "results", "nobody told", "nobody tells", "told", "gwybodaeth"),
    "parking": ("park*",),
}
TAG_WORDS["listening"] = TAG_WORDS["listened"]
# A reply that reads as thanks for praise, and one that reads as an apology.
THANKS = ("kind words", "kind letter", "geiriau caredig", "were delighted", "wrth eu bodd")
APOLOGY = ("sorry", "apolog", "ddrwg gen")
# The title's tone. Phrases that praise with a negative word in them are read first.
PRAISE_PHRASES = ("could not fault", "nothing was too much", "did not hurt")
PRAISE = ("thank", "wonderful", "excellent", "brilliant", "grateful", "great", "kind", "good care", "smoothly",
          "settled", "dignity", "quick", "helped", "seriously", "listened", "human touch", "as a person", "diolch",
          "gwych", "arbennig", "caredig", "garedig", "gyflym", "urddas", "gwrando")
COMPLAINT = ("nobody", "never", "not ", "cannot", "no ", "wait", "cold", "lost", "rushed", "chaotic", "hard",
             "dirty", "late", "ignored", "left alone", "stranded", "muddled", "methu", "aros", "oer", "dim ", "neb ")
# Words only one of the two languages uses often.
WELSH = ("yn", "roedd", "mae", "wedi", "gyda", "ddim", "fy", "ein", "y", "yr", "ac", "ond", "iawn", "i'r", "o'r",
         "bod", "eich", "rydw", "diolch")
ENGLISH = ("the", "and", "was", "were", "with", "but", "we", "they", "very", "not", "to", "of", "my", "is")


@dataclass
class Told:
    """What a check needs of one story, whatever it was read from."""

    title: str
    body: str
    tags: list[tuple[str, str]]            # (slug, kind)
    criticality: int | None
    language: str = "en"
    replies: list[str] = field(default_factory=list)  # the staff replies' text


def _has(text: str, words: tuple[str, ...]) -> bool:
    for word in words:
        if word.endswith("*"):
            if re.search(r"\b" + re.escape(word[:-1]), text):
                return True
        elif re.search(r"(?<![a-z])" + re.escape(word), text):
            return True
    return False


def _subject(slug: str) -> str:
    return slug.split("-", 1)[1]


def tone(told: Told) -> str:
    kinds = {kind for _, kind in told.tags}
    return {frozenset({"good"}): "good", frozenset({"improve"}): "poor"}.get(frozenset(kinds), "mixed")


def title_tone(title: str) -> str | None:
    """ "praise", "complaint" or None (both, or neither)."""
    text = title.lower()
    praise = any(p in text for p in PRAISE_PHRASES)
    for phrase in PRAISE_PHRASES:
        text = text.replace(phrase, " ")
    praise = praise or _has(text, PRAISE)
    complaint = _has(text + " ", COMPLAINT)
    if praise and not complaint:
        return "praise"
    if complaint and not praise:
        return "complaint"
    return None


def language_of(text: str) -> str:
    words = re.findall(r"[a-zâêîôûŵŷ']+", text.lower())
    welsh = sum(w in WELSH for w in words)
    english = sum(w in ENGLISH for w in words)
    return "cy" if welsh > english else "en"


def problems(told: Told) -> list[str]:
    """Everything that does not agree in this story."""
    found = []
    text = f"{told.title}\n{told.body}".lower()
    if not told.tags:
        found.append("no tags")
    for slug, _kind in told.tags:
        if not _has(text, TAG_WORDS[_subject(slug)]):
            found.append(f"tag {slug} is not what the text is about")
    kind = tone(told)
    if told.criticality is not None and told.tags:
        allowed = {"good": range(0, 2), "poor": range(2, 6), "mixed": range(1, 4)}[kind]
        if told.criticality not in allowed:
            found.append(f"criticality {told.criticality} does not fit {kind} tags")
    heading = title_tone(told.title)
    if heading == "praise" and (kind == "poor" or (told.criticality or 0) > 2):
        found.append(f"praising title {told.title!r} on a {kind} story of criticality {told.criticality}")
    if heading == "complaint" and kind == "good":
        found.append(f"complaining title {told.title!r} on a story tagged only good")
    if language_of(told.body) != told.language:
        found.append(f"told in {told.language} but the text reads as {language_of(told.body)}")
    for reply in told.replies:
        words = reply.lower()
        if told.tags and not any(_has(words, TAG_WORDS[_subject(slug)]) for slug, _ in told.tags):
            found.append(f"reply answers none of the story's tags: {reply[:60]!r}")
        if kind == "poor" and any(t in words for t in THANKS):
            found.append(f"reply thanks for praise on a critical story: {reply[:60]!r}")
        if kind == "good" and any(a in words for a in APOLOGY):
            found.append(f"reply apologises on a story of praise: {reply[:60]!r}")
        if language_of(reply) != told.language:
            found.append(f"reply not in the story's language ({told.language}): {reply[:60]!r}")
    return found
