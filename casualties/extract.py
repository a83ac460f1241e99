"""Suggest the casualty claims a pasted report paragraph makes.

A suggestion is a quantity phrase read by `casualties.wording` (so a figure means
the same here as when typed by hand), followed by a victim noun ("11 civilians")
and tied to an outcome word in the same sentence ("were killed"). It is a starting
point for the person entering claims, who confirms each one; anything without a
victim noun and an outcome is left out rather than guessed.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

from casualties.attribution import attribute
from casualties.wording import NUMBER, Figure, Quantity, find_quantities


@dataclass(frozen=True)
class Candidate:
    wording: str  # text[start:end]: the number phrase plus its noun, maybe verb
    start: int
    end: int
    group: str  # victim-group slug
    outcome: str  # killed, injured, abducted, missing, detained, freed
    low: int
    high: int | None
    point: int | None
    # Who the sentence says gave the figure ("the military"), and the side
    # that suggests: the analyst's starting point, per row.
    said_by: str = ""
    side: str | None = None


def _compile(pattern: str) -> re.Pattern[str]:
    """A whole-word pattern in which a space stands for any whitespace."""
    return re.compile(rf"(?<!\w)(?:{pattern.replace(' ', r'\s+')})(?!\w)", re.I)


# Tried longest match first, so "police officers" is police, not security-forces.
_GROUP_NOUNS = tuple(
    (group, _compile(nouns))
    for group, nouns in (
        (
            "security-forces",
            "security (?:personnel|forces?|officers?|officials?|men|staff)"
            "|security force personnel|law enforcement (?:personnel|officers?)"
            "|personnel|officers?|guards?",
        ),
        (
            "police",
            "police (?:officers?|personnel|constables?)|police(?:m[ae]n|wom[ae]n)?"
            "|constables?|cops?|(?:assistant )?sub-inspectors?|inspectors?"
            "|(?-i:DSPs?|SHOs?|ASIs?|SSPs?|DIGs?)|gendarmes?|(?:traffic )?wardens?"
            "|(?:personnel|officers?|men) of the (?-i:[A-Z]\\w+ )?Constabulary",
        ),
        (
            "paramilitary",
            "paramilitar(?:y|ies)(?: (?:personnel|troops|soldiers?|forces|men))?"
            "|(?:FC|Frontier Corps|Levies) (?:personnel|troops|soldiers?|men|officials?"
            "|sepoys?|jawans?)"
            "|Levies|Rangers?|Frontier Corps",
        ),
        (
            "military",
            "soldiers?|troops|army (?:personnel|officers?|men)|military personnel"
            "|peacekeepers?|service ?members?|servicewom[ae]n|servicem[ae]n"
            "|brigadiers?(?: generals?)?|colonels?|majors?|captains?|lieutenants?"
            "|generals?|sepoys?|jawans?|(?:lance )?naiks?|havildars?|subedars?"
            "|sergeants?|corporals?|airm[ae]n|marines?|paratroopers?|commandos?"
            "|conscripts?|recruits?|reservists?|cadets?|(?:navy|naval) personnel"
            "|pilots?",
        ),
        (
            "militants",
            "insurgents?|militants?|fighters?|terrorists?|attackers?|gunm[ae]n"
            "|rebels?|separatists?|assailants?|(?:suicide )?bombers?"
            "|khwarij|khawarij|kharijis?|facilitators?|jihadists?|extremists?"
            "|Islamists?|guerrillas?|miscreants?|raiders?|infiltrators?|combatants?"
            "|mujahideen|fidayeen|(?-i:Taliban)|militiam[ae]n|operatives?|snipers?"
            "|high-value targets?|ring ?leaders?|ringleaders?|kingpins?"
            "|henchm[ae]n",
        ),
        ("detainees", "inmates?|prisoners?|detainees?|convicts?"),
        (
            "civilians",
            "civilians?|wom[ae]n|(?:school)?child(?:ren)?|(?:school)?girls?|(?:school)?boys?"
            "|passengers?|villagers?"
            "|residents?|labou?rers?|workers?|students?|pilgrims?|worshippers?"
            "|bystanders?|commuters?|travell?ers?|tourists?|journalists?"
            "|protesters?|demonstrators?|drivers?|miners?|engineers?|farmers?"
            "|shopkeepers?|traders?|(?:school)?teachers?|headmasters?|doctors?|patients?"
            "|mourners?|vendors?|hawkers?"
            "|employees?|staff(?:ers)?|officials?|clerks?|volunteers?|nurses?"
            "|paramedics?|vaccinators?|lawyers?|guests?|customers?|fishermen"
            "|minors?|teenagers?|infants?|babies|toddlers?|daughters?|sons?"
            "|wi(?:fe|ves)|husbands?|brothers?|sisters?|fathers?|mothers?|priests?"
            "|nephews?|nieces?|cousins?|uncles?|aunts?|grand(?:son|daughter|father|mother)s?"
            "|pupils?|seminarians?|devotees?"
            "|clerics?|imams?|parishioners?|migrants?|refugees?|foreigners?"
            "|passers-by|passer-by|passersby|passerby|elders?|crew(?: members?)?"
            "|crewmen|sailors?"
            "|seafarers?|(?:village |tribal )?chiefs?|nationals|citizens"
            "|(?:bride)?grooms?|brides?"
            # Trades, offices and roles a report names its dead by.
            "|barbers?|tailors?|cobblers?|butchers?|bakers?|carpenters?|masons?"
            "|electricians?|mechanics?|plumbers?|painters?|porters?|shepherds?"
            "|herders?|herdsm[ae]n|nomads?|truckers?|cleaners?|sweepers?|janitors?"
            "|cooks?|chefs?|waiters?|merchants?|businessm[ae]n|businesspeople"
            "|bankers?|accountants?|contractors?|surveyors?|technicians?"
            "|lines?m[ae]n|athletes?|footballers?|players?|cricketers?"
            "|singers?|artists?|musicians?|poets?|writers?|bloggers?|activists?"
            "|politicians?|lawmakers?|legislators?|(?-i:MPAs?|MNAs?|MPs)"
            "|council(?:l)?ors?|council members?|mayors?|ministers?|judges?"
            "|magistrates?"
            "|prosecutors?|scholars?|academics?|professors?|lecturers?"
            "|principals?|orphans?|widows?|pensioners?|retirees?|voters?"
            "|rescuers?|firefighters?|firem[ae]n|medics?|surgeons?|pharmacists?"
            "|dentists?|midwives|missionaries|missionary|monks?|nuns?|pastors?"
            "|bishops?|preachers?|muezzins?|worshipers?|believers?|congregants?"
            "|youths?|youngsters?|adolescents?|juveniles?|kids|newborns?"
            "|grandchildren|locals|tribesm[ae]n|landlords?|peasants?|(?-i:IDPs)"
            "|(?-i:Shias?|Sunnis?|Hazaras?|Sikhs?|Hindus?|Muslims?|Ahmadis?"
            "|Yazidis?|Kurds?|Pashtuns?|Baloch|Rohingya)",
        ),
        (
            "all",
            "people|persons?|individuals?|victims?|survivors?|others|suspects?|accused"
            "|comrades?|colleagues?|companions?|associates?|commanders?|aides?"
            "|bodyguards?|offenders?|fugitives?|absconders?|(?:prayer )?leaders?"
            "|(?:target )?killers?|hitm[ae]n"
            "|deputies|followers?"
            # Criminals: "arrested 2 kidnappers", "shot dead 3 dacoits".
            "|kidnappers?|abductors?|dacoits?|robbers?|bandits?|criminals?|smugglers?"
            "|outlaws?|gangsters?|extortionists?"
            # Demonyms: "33 Palestinians", "two Australians", "a Briton".
            "|(?-i:[A-Z][a-z]+(?:ians|ans|is|ons))"
            "|(?<=of\\s)them|(?<=of\\s)whom",
        ),
        ("unknown", "hostages?|captives?|m[ae]n|bodies"),
    )
)

_OUTCOME_WORDS = {
    # "death", not after "to": "sentenced 6 men to death" is no killing; the
    # verbs that kill "to death" are listed below.
    "killed": "killed|killing|killings?|dead|died|deaths|(?<!\\bto\\s)death|toll"
    "|fatalities|martyred|martyring"
    "|perished|slain|lost their lives|shot dead|gunned down|succumbed"
    "|embraced (?:martyrdom|shahadat)|martyrdom|neutrali[sz]ed|sent to hell"
    "|paid the ultimate sacrifice"
    "|deceased|martyrs|found dead|eliminated|massacred|slaughtered"
    "|butchered|murdered|assassinated|executed|beheaded|lynched"
    "|(?:stabbed|hacked|beaten|burn(?:ed|t)|tortured|crushed|starved|frozen|put"
    "|bludgeoned|kicked|trampled|shot|battered|clubbed|lynched) to death"
    "|burn(?:ed|t) alive|shot and killed|mown down|mowed down|drowned"
    "|fatally (?:shot|stabbed|wounded|injured|hit|struck)"
    "|claimed (?:the )?lives(?: of)?"
    "|buried(?!\\s+(?:under|beneath|alive))"
    # "lost four of its own soldiers": an army's or a group's dead.
    "|lost(?=\\s+(?:[\\w-]+\\s+){1,4}?(?:soldiers|troops|men|fighters|personnel)\\b)",
    "injured": "injured|injuring|injury|injuries|wounded|wounding|hurt"
    "|sustained injuries|in hospital|hospitali[sz]ed|under treatment"
    "|being treated|receiving treatment|maimed"
    "|admitted to (?:a |the )?(?:[\\w-]+ )?hospitals?"
    "|(?:suffered|sustained) (?:[\\w-]+ )?(?:injuries|wounds|burns)"
    "|treated(?=\\s+(?:[\\w-]+\\s+){0,4}?for\\s+(?:[\\w-]+\\s+)?"
    "(?:wounds|injuries|burns|inhalation))",
    "abducted": "abducted|abducting|abductions?|kidnapped|kidnapping"
    "|taken hostage|held hostage|seized|(?<=being\\s)held|(?<=still\\s)held"
    "|(?:(?<=are\\s)|(?<=were\\s)|(?<=is\\s)|(?<=was\\s)|(?<=still\\s))holding"
    "|held captive|taken captive|in captivity",
    "missing": "missing|disappeared|unaccounted for|trapped"
    "|buried (?:under|beneath) (?:the )?(?:rubble|debris)",
    "detained": "detained|detaining|arrested|arresting|arrests?|apprehended"
    "|captured|taken into custody|into custody|picked up|rounded up|nabbed"
    "|(?:held|taken in) for questioning|placed under arrest"
    "|taken prisoners?|taken(?=\\s+(?:[\\w-]+\\s+){1,4}?prisoners?\\b)",
    "freed": "freed|freeing|escaped|managed to escape|released|rescued|set free"
    "|broke (?:out|free)|repatriated"
    "|recovered(?=(?:\\s+[\\w-]+){0,4}?\\s+(?:safe|safely|alive|unharmed|unhurt)\\b"
    "|\\s+in\\s+an?\\s+(?:raid|operation))"
    "|(?<=safely\\s)recovered|(?:safe )?recovery of|(?:safe )?release of"
    "|safe return of|return(?= of (?:all )?\\S+ (?:[\\w-]+ )?(?:hostages|captives))"
    "|recovered(?=\\s+(?:[\\w-]+\\s+)?(?:kidnapped|abducted)\\b)"
    "|liberated",
}
_OUTCOME = _compile("|".join(f"(?P<{o}>{w})" for o, w in _OUTCOME_WORDS.items()))

# Between a number and its noun: "dozens of (the) injured", "10 Pakistani soldiers".
_OF = re.compile(
    r"\s+(?:members\s+)?of(?:\s+(?:the|its|their|his|her|my|our|those))?"
    r"(?:\s+members)?(?=\s)",
    re.I,
)
# "9 of the wounded were in critical condition", "eight of them in critical
# condition": the state of some already counted, not a figure of its own.
_CONDITION_AFTER = re.compile(
    r"(?:\s+of\s+(?:the\s+)?(?:them|whom|injured|wounded))?"
    r"(?:\s+(?:were|are|is|was|remain(?:ed|s)?))?"
    r"\s+in\s+(?:a\s+)?(?:critical|serious|stable|precarious)\s+(?:condition|state)"
    # "wounded 30 people, 11 of them critically": how badly, not how many.
    r"|\s+of\s+(?:the\s+)?(?:them|whom|injured|wounded)"
    r"\s+(?:critically|seriously|severely|gravely|badly)"
    r"(?:\s+(?:injured|wounded|hurt))?(?![\w-])",
    re.I,
)
_MODIFIER = re.compile(
    r"\s+(?:(?-i:[A-Z][\w'’.-]*)|armed|unarmed|suspected|innocent|local|foreign"
    r"|female|male|young|elderly|other|more|off-duty|on-duty|civilian|coal|mine"
    r"|pro-[\w-]+|anti-[\w-]+|al-[\w-]+"
    r"|\d+-year-old|[a-z]+-year-old|senior|junior|customs|revenue|bank|municipal|district|provincial|federal"
    r"|tribal|religious|political|party|polling|election|school|hotel|railway"
    r"|relief|rescue|medical|media|NGO|UN|mobile|power|telecom|security|enemy"
    r"|village|young|teenage|his|her|their|traffic|tribal|army|naval"
    r"|polio|aid|health|construction|factory|farm|government|private|illegal"
    r"|truck|lorry|bus|taxi|rickshaw|van"
    r"|proclaimed|kidnap|kidnapping|abduction|wanted|main|prime|alleged"
    r"|undocumented|own|brave|gallant)(?=\s)",
    re.I,
)
# Between a noun and its verb: "108 militants (were) killed", "are feared dead".
_AUXILIARIES = re.compile(
    r"(?:\s+(?:were|was|are|is|have|has|had|been|being|be|got|went|gone|remain(?:s|ed)?"
    r"|reportedly|allegedly|also|later|all|now|feared|believed|said|to|reported"
    r"|confirmed|still|forcibly|critically|seriously|severely|safely"
    r"|lightly|slightly|mildly|badly|gravely|grievously|thought|pronounced"
    r"|declared|briefly|temporarily|illegally|wrongly"
    r"|among(?:\s+(?:the|those))?"
    r"|since|subsequently|reported(?:ly)?|more))*\s+",
    re.I,
)
_AND = re.compile(
    r"\s*,\s*|\s*(?:,\s*)?(?:and|as well as|&|including"
    r"|(?:was|were|are|is)\s+among(?:\s+the)?)\s+(?:(?:his|her|their|its)\s+)?",
    re.I,
)
_NO_BEFORE = re.compile(r"\bno\s+\Z", re.I)
# A figure the sentence has already called a toll: "the death toll rose to
# 17", "put the toll at 40", "the number of people killed had risen to 33",
# "the number of injured reached 70", "the bodies of six miners".
_TOLL_BEFORE = re.compile(
    r"(?:\b(?:toll|number\s+of\s+(?:the\s+)?(?:(?!to\b|at\b)[\w-]+\s+){0,3}?"
    r"(?:dead|deaths|fatalities|killed|martyrs|(?P<injured>injured|wounded)))\b"
    r"[^.;!?]{0,80}?\b(?:to|at|of|reached|hit|crossed|is|was|stands|stood)"
    r"|\bbod(?:y|ies)\s+of(?:\s+the)?|\bdead\s+numbered)\s+\Z",
    re.I,
)
# "far more than the military's figure of 18": a figure the sentence's
# outcome word counts.
_FIGURE_OF_BEFORE = re.compile(r"\b(?:figure|tally|count|estimate)\s+of\s+\Z", re.I)
# "12 members of the cell": militants, named by their organisation.
_CELL = re.compile(
    r"members\s+of\s+(?:a|an|the|its|their)(?:\s+(?!and\b)[a-z]+){0,3}?"
    r"\s+(?:cell|gang|network|outfit|militant\s+group|terrorist\s+group)(?!\w)",
    re.I,
)
# "Nine members of a family", "eight members of a polio vaccination team":
# people, named by the civilian body they belong to.
_FAMILY = re.compile(
    r"(?:members\s+of\s+(?:a|an|one|the|his|her|their)(?:\s+(?!and\b)[a-z]+){0,3}?"
    r"\s+(?:family|families|team|crew|delegation|jirga|committee|tribe|clan|council"
    r"|assembly|board|parliament)"
    r"|family\s+members|(?:his\s+|her\s+|their\s+)?relatives)(?!\w)",
    re.I,
)
# The words that name a part of a figure before: "12 people, including ...".
_PART_WORDS = r"(?:including|among\s+them|most\s+of\s+them)"
# ", including four children," between a noun and its verb.
_APPOSITIVE = re.compile(
    rf"\s*,\s*(?:{_PART_WORDS}|all|both|mostly)"
    r"\s+[^,.;:]{1,60},",
    re.I,
)
_INCLUDING_BEFORE = re.compile(
    rf",\s*{_PART_WORDS}\s+(?:[^,.;:]{{0,40}}\s)?\Z",
    re.I,
)
# "A UN peacekeeper from Chad was killed": where they came from.
_FROM_PLACE = re.compile(
    r"\s+from\s+(?:the\s+)?(?-i:[A-Z][\w'’-]*)(?:\s+(?-i:[A-Z][\w'’-]*)){0,3}(?=\s)"
)
_APPOSITIVE_CLOSE = re.compile(r"[^,.;:]{0,40},", re.I)
# "were offloaded from a bus and shot dead": a verb that leads to the outcome.
_LEADING_VERB = re.compile(
    r"\s+(?:were|was|had\s+been|have\s+been)(?:\s+also)?"
    r"\s+(?:[a-z]+ed|hit|shot|struck|caught|beaten|thrown|run\s+over)(?:\s+[a-z]+){0,4}?"
    r"\s+and(?:\s+then|\s+later)?(?=\s)",
    re.I,
)
# "22 people brought in had died", "those taken to hospital have died": what
# became of them, past what they were.
_REDUCED_RELATIVE = re.compile(
    # "the two journalists who were kidnapped in January have been released"
    r"\s+(?:(?:who|that)\s+(?:were|was|had\s+been|have\s+been|are|is)\s+)?"
    r"(?:brought|taken|rushed|shifted|moved|admitted|held|kidnapped|abducted"
    r"|detained|seized)(?:\s+[a-z]+){0,8}?"
    r"(?=\s+(?:had|have|has|were|was|later)\s)",
    re.I,
)
# "a policeman was martyred", "another injured": one, when the verb says so.
_ARTICLE = re.compile(
    r"(?<![\w-])(?:an?(?:\s+(?:second|third|fourth|fifth|sixth))?|another|the"
    r"|his|her|their|my|our)"
    r"(?=\s+[a-z0-9])",
    re.I,
)
# "a 45-year-old shopkeeper": an age, not a count.
_AGE_AFTER = re.compile(r"-?\s*(?:year|month)s?(?:-|\s+)old\b", re.I)
_ESCAPED = re.compile(r"\b(?:escaped|managed\s+to\s+escape|fled)\b", re.I)
_HOSTAGES = re.compile(r"(?:hostages?|captives?)\Z", re.I)
_BODIES = re.compile(r"bodies\Z", re.I)
# What may follow a figure that stands without a noun ("and injured 18, ...").
_ENDS_PHRASE = re.compile(
    r"\s*(?:[,.;:)]|\Z)|\s+(?:and|in|at|on|during|while|after|when|as|by|from"
    r"|near|across|including|others?|of)\b",
    re.I,
)
# "1,500 travellers were stranded": a figure with a verb of its own that is no
# outcome takes none from elsewhere in its sentence.
_OWN_VERB = re.compile(
    r"\s+(?:(?:were|was|are|is|have|has|had)\b(?!\s+among\b)"
    r"|(?:told|said|says|say|recalled|described|reported)\b)",  # "two residents told"
    re.I,
)
# "11 of the 19 hostages": the 19 is the whole the 11 are part of.
_PART_OF_BEFORE = re.compile(rf"{NUMBER}\s+of(?:\s+the)?\s+\Z", re.I)
# "the 42 schoolchildren it abducted": what the whole of a part had been.
_TAKEN_BY_THEM = re.compile(
    r"\s+(?:(?:that|whom|who)\s+)?(?:it|they|he|she|the\s+[a-z]+)"
    r"\s+(?:had\s+|has\s+|have\s+)?"
    r"(?:(?P<abducted>abducted|kidnapped|seized|took\s+hostage)"
    r"|(?P<detained>arrested|detained|captured))(?!\w)",
    re.I,
)
_SPACE = re.compile(r"\s+")
# Not after an initial or a title: "Two U.N. peacekeepers", "Gen. Asim".
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z])(?<!\bMr)(?<!\bDr)(?<!\bSt)(?<!\bLt)(?<!\bNo)(?<!\bGen)"
    r"(?<!\bCol)(?<!\bMaj)(?<!\bSgt)(?<!\bCapt)(?<!\bMrs)[.!?]+(?=\s|\Z)|\n"
)

_MONTH_BEFORE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\Z"
)
_YEAR_AFTER = re.compile(r",?\s+\d{4}(?!\w)")
# "Rescue 1122", "Route 66", "Flight 370": a number that is part of a name.
_NAME_BEFORE = re.compile(
    r"\b(?:Rescue|Route|Highway|Flight|Sector|Block|Phase|Gate|Camp|Brigade"
    r"|Battalion|Wing|Corps|Division|Unit|Platoon|Squadron|Station|Post)\s+\Z"
)
_YEAR_BEFORE = re.compile(r"(?:\b(?:in|since|until|by|during|from)|\d,)\s+\Z", re.I)


@dataclass
class _Found:
    quantity: Quantity
    group: str
    end: int  # end of the noun, or of the verb when one follows it directly
    outcome: str | None = None
    outcome_follows: bool = False  # the verb comes straight after the noun
    sentence: int = 0


def _is_date(text: str, quantity: Quantity) -> bool:
    """Dates and years ("January 31, 2026", "in 2024") say when, not how many;
    numbers in names ("Rescue 1122") say which."""
    number = text[quantity.start : quantity.end]
    before = text[max(0, quantity.start - 12) : quantity.start]
    if _MONTH_BEFORE.search(before) or _YEAR_AFTER.match(text, quantity.end):
        return True
    if _NAME_BEFORE.search(before):
        return True
    is_year = re.fullmatch(r"(?:19|20)\d\d", number) is not None
    return is_year and _YEAR_BEFORE.search(before) is not None


def _victim_noun(text: str, pos: int) -> tuple[str, int] | None:
    """The group and end of the victim noun after `pos`, past up to three
    modifiers ("a senior Islamic State official")."""
    if space := _SPACE.match(text, pos):
        if family := _FAMILY.match(text, space.end()):
            return "civilians", family.end()
        if cell := _CELL.match(text, space.end()):
            return "militants", cell.end()
    if of := _OF.match(text, pos):
        pos = of.end()
    for _ in range(4):
        if not (space := _SPACE.match(text, pos)):
            return None
        nouns = [
            (g, m.end()) for g, p in _GROUP_NOUNS if (m := p.match(text, space.end()))
        ]
        if nouns:
            return max(nouns, key=lambda noun: noun[1])
        if not (modifier := _MODIFIER.match(text, pos)):
            return None
        pos = modifier.end()
    return None


def _outcome_after(text: str, pos: int) -> re.Match[str] | None:
    if appositive := _APPOSITIVE.match(text, pos):
        pos = appositive.end()
    if origin := _FROM_PLACE.match(text, pos):
        pos = origin.end()
    auxiliaries = _AUXILIARIES.match(text, pos)
    found = auxiliaries and _OUTCOME.match(text, auxiliaries.end())
    for lead in (_LEADING_VERB, _REDUCED_RELATIVE):
        if not found and (leading := lead.match(text, pos)):
            auxiliaries = _AUXILIARIES.match(text, leading.end())
            found = auxiliaries and _OUTCOME.match(text, auxiliaries.end())
    return found


def _find(text: str, quantity: Quantity) -> _Found | None:
    """A quantity with its victim noun, and its verb if that follows directly."""
    if _CONDITION_AFTER.match(text, quantity.end):
        return None
    if _CROWD_BEFORE.search(text, max(0, quantity.start - 30), quantity.start):
        return None  # "a crowd of around 2,000 demonstrators": how many came
    if _ABOARD_BEFORE.search(text, max(0, quantity.start - 30), quantity.start):
        return None  # "The bus, carrying 45 pilgrims,": how many were aboard
    found = _find_figure(text, quantity)
    if found and found.outcome and _EITHER_OUTCOME.match(text, found.end):
        return None  # "2,680 civilians were killed or wounded": which, not said
    return found


def _find_figure(text: str, quantity: Quantity) -> _Found | None:
    if _PART_OF_BEFORE.search(text, max(0, quantity.start - 40), quantity.start):
        noun = _victim_noun(text, _past_state(text, quantity.end))
        if noun and _outcome_after(text, noun[1]):
            return None  # "8 of the 22 people brought in had died": the part died
    if whole := _part_of_a_whole(text, quantity):
        return whole
    if part := _who_of_the_whole(text, quantity):
        return _Found(quantity, *part, _outcome_earlier(text, quantity))
    noun = _victim_noun(text, quantity.end)
    if noun:
        group, end = noun
        verb = _outcome_after(text, end)
        if (
            verb
            and text[end : verb.start()].isspace()
            and _outcome_just_before(text, quantity.start)
        ):
            verb = None  # "rescued all 27 passengers held hostage": rescued
        if (
            verb
            and text[end : verb.start()].isspace()
            and _OBJECT_AFTER.match(text, verb.end())
        ):
            return None  # "A suicide bomber killed 12 people": who killed them
    elif _NO_BEFORE.search(text, 0, quantity.start):  # "no one was killed"
        return None
    else:  # "dozens of injuries", "at least 10 were killed": people, unnamed
        of = _OF.match(text, quantity.end)
        group, end = "all", of.end() if of else quantity.end
        whole = of and _WHOLE_AFTER.match(text, of.end())
        if whole and (noun := _victim_noun(text, _past_state(text, whole.end()))):
            group = noun[0]  # "freed 19 of the 42 schoolchildren": who the 19 are
        verb = _outcome_after(text, end)
        if of and verb and (then := _outcome_after(text, verb.end())):
            verb = then  # "three of the injured died": what became of them
        elif of and verb and (were := _WERE.match(text, verb.end())):
            if noun := _victim_noun(text, were.end()):
                group = noun[0]  # "15 of those killed were children"
            elif text[end : verb.start()].isspace():
                return None  # "eight of the wounded were airlifted": some of them
        if verb and (noun := _victim_noun(text, verb.end())):
            # "12 abducted passengers were released": the word before the
            # noun says what they were, a verb after it what became of them.
            group, end = noun
            after = _outcome_after(text, end)
            if after is None and (before := _outcome_just_before(text, quantity.start)):
                # "released 12 abducted employees": freed, as the verb says.
                return _Found(quantity, group, end, before)
            if after is None and (toll := _called_a_toll(text, quantity.start)):
                # "the bodies of the two abducted labourers": dead, not abducted.
                return _Found(quantity, group, end, toll)
            verb = after or verb
            return _Found(quantity, group, max(end, verb.end()), verb.lastgroup)
        if not verb and (
            counted_as := _NUMBER_OF_BEFORE.search(
                text, max(0, quantity.start - 40), quantity.start
            )
        ):
            # "The injured persons, numbering 18,": the outcome named before;
            # "killed an entire family of seven": the verb before.
            family = counted_as.group("family")
            return _Found(
                quantity,
                "civilians" if family else group,
                end,
                None if family else _outcome_earlier(text, quantity),
            )
        if not verb and (counted := _IN_NUMBER.match(text, end)):
            # "The injured, 12 in number, were shifted": the figure of the
            # words around it.
            return _Found(quantity, group, counted.end())
        if not verb:
            if toll := _called_a_toll(text, quantity.start):
                return _Found(quantity, group, end, toll)
            if _TO_BEFORE.search(text, 0, quantity.start) and (
                toll := _TOLL_AFTER.match(text, quantity.end)
            ):  # "bringing to 35 the number of people confirmed dead"
                outcome = "injured" if toll.group("injured") else "killed"
                return _Found(quantity, group, toll.end(), outcome)
            if _FIGURE_OF_BEFORE.search(
                text, max(0, quantity.start - 30), quantity.start
            ):
                return _Found(quantity, group, end, _outcome_earlier(text, quantity))
            before = _outcome_just_before(text, quantity.start)
            if before and (
                before in ("killed", "injured")
                or _ENDS_PHRASE.match(text, quantity.end)
            ):  # "and injured 18,", "killed 7 barbers"; not "seized 3 vehicles"
                return _Found(quantity, group, end)
            return None
    if verb:
        return _Found(quantity, group, verb.end(), verb.lastgroup, True)
    if toll := _called_a_toll(text, quantity.start):
        return _Found(quantity, group, end, toll)
    if _BODIES.search(text, 0, end):
        return _Found(quantity, group, end, "killed")  # "sixty-three bodies"
    if _OWN_VERB.match(text, end):
        return None
    if _PART_OF_BEFORE.search(text, max(0, quantity.start - 40), quantity.start):
        if taken := _TAKEN_BY_THEM.match(text, end):
            # "freed 19 of the 42 schoolchildren it abducted": what the whole were
            return _Found(quantity, group, taken.end(), taken.lastgroup, True)
        return None  # the whole of a part named before it, with no verb of its own
    if _HOSTAGES.search(text, 0, end) and not _outcome_just_before(
        text, quantity.start
    ):
        return _Found(quantity, group, end, "abducted")  # "took 15 hostages"
    return _Found(quantity, group, end)


def _who_of_the_whole(text: str, quantity: Quantity) -> tuple[str, int] | None:
    """Who some of a whole named before were; they take the whole's outcome:
    "4 people were injured, one of them a child", "Of the seven people
    killed, four were members of one family"."""
    if them := _OF_THEM.match(text, quantity.end):
        return _victim_noun(text, them.end())
    if _OF_THE_WHOLE_BEFORE.search(
        text, max(0, quantity.start - 80), quantity.start
    ) and (were := _WERE.match(text, quantity.end)):
        return _victim_noun(text, were.end())
    return None


def _outcome_earlier(text: str, quantity: Quantity) -> str | None:
    """The last outcome word of the sentence before the quantity, even one
    another figure has taken: "90 soldiers had been killed, far more than the
    military's figure of 18"."""
    start = max(
        (m.end() for m in _SENTENCE_END.finditer(text, 0, quantity.start)), default=0
    )
    words = list(_OUTCOME.finditer(text, start, quantity.start))
    return words[-1].lastgroup if words else None


_TO_BEFORE = re.compile(r"\bto\s+\Z", re.I)
_TOLL_AFTER = re.compile(
    r"\s+the\s+(?:death\s+toll|toll|number\s+of\s+(?:[\w-]+\s+){0,3}?"
    r"(?:(?P<injured>injured|wounded)|dead|deaths|killed|fatalities))\b",
    re.I,
)
# What an active verb acts on: "killed 12 people", "killed a policeman".
_OBJECT_AFTER = re.compile(
    rf"\s+(?:(?:at\s+least|more\s+than|about|around|some|nearly|over|up\s+to)\s+)?"
    rf"(?:{NUMBER}|an?|the|his|her|their|dozens|scores|hundreds|several)\s"
    # Not a distance or a time: "Five people killed 3 km from the border".
    r"(?!\s*(?:km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|hours?|minutes?|days?"
    r"|weeks?|months?|years?|per\s*cent|percent)\b)",
    re.I,
)
_NUMBER_OF_BEFORE = re.compile(
    r"(?:,\s*numbering|\b(?P<family>family)\s+of|\bcrew\s+of)\s+\Z", re.I
)
_IN_NUMBER = re.compile(r"\s+in\s+(?:number|all|total)\s*,", re.I)
_CROWD_BEFORE = re.compile(
    r"\b(?:crowd|gathering|rally|march|procession|convoy|column|contingent|mob"
    r"|caravan|congregation)\s+of\s+\Z",
    re.I,
)
_ABOARD_BEFORE = re.compile(r"\b(?:carrying|transporting|ferrying)\s+\Z", re.I)
_EITHER_OUTCOME = re.compile(
    r"\s+or\s+(?:were\s+)?(?:wounded|injured|hurt|killed|dead|missing)\b", re.I
)
_WHOLE_AFTER = re.compile(rf"\s+{NUMBER}(?=\s)", re.I)
# ", one of them a child", ", three of them soldiers": who some of the whole were.
_OF_THE_WHOLE_BEFORE = re.compile(
    rf"(?:\A|[.;:]\s+|\bthat\s+)of\s+the\s+{NUMBER}\s+[^,.;]{{0,40}},\s*\Z", re.I
)
_OF_THEM = re.compile(r"\s+of\s+them(?:\s+an?)?(?=\s+[a-z])", re.I)


_WERE = re.compile(r"\s+(?:were|are)(?=\s)", re.I)
_STATE = re.compile(
    r"\s+(?:abducted|kidnapped|injured|wounded|detained|arrested|captured|missing)"
    r"(?=\s)",
    re.I,
)


def _past_state(text: str, pos: int) -> int:
    """Past "kidnapped" in "the 14 kidnapped students": what they were."""
    state = _STATE.match(text, pos)
    return state.end() if state else pos


def _part_of_a_whole(text: str, quantity: Quantity) -> _Found | None:
    """ "8 of the 22 people brought in had died": the part, with the whole's
    noun and verb."""
    of = _OF.match(text, quantity.end)
    whole = of and _WHOLE_AFTER.match(text, of.end())
    noun = whole and _victim_noun(text, _past_state(text, whole.end()))
    verb = noun and _outcome_after(text, noun[1])
    if not verb:
        return None
    return _Found(quantity, noun[0], verb.end(), verb.lastgroup, True)


def _called_a_toll(text: str, start: int) -> str | None:
    """The outcome of the toll the words before `start` name, if they do."""
    toll = _TOLL_BEFORE.search(text, max(0, start - 100), start)
    if toll is None:
        return None
    return "injured" if toll.group("injured") else "killed"


def _outcome_just_before(text: str, start: int) -> str | None:
    """The outcome of a word right before `start`, nothing but space (or
    "all": "rescued all 27 passengers") between."""
    # Read past `start`, so that a word's lookahead ("recovered ... safely")
    # sees the rest of its sentence.
    words = [
        m
        for m in _OUTCOME.finditer(text, max(0, start - 40), start + 80)
        if m.end() <= start
    ]
    if words and _JUST_BEFORE.fullmatch(text, words[-1].end(), start):
        return words[-1].lastgroup
    return None


_JUST_BEFORE = re.compile(
    r"\s+(?:(?:all|included|include|includes"
    r"|the\s+(?:last|first|remaining|other|final))\s+)?",  # "freed the last three"
    re.I,
)


def _resolve(
    text: str, f: _Found, following: _Found | None, words: list[re.Match[str]]
) -> None:
    """Give `f` an outcome from the outcome words of its sentence, if one fits."""
    before = [m for m in words if m.end() <= f.quantity.start]
    after = [m for m in words if m.start() >= f.end]
    if before and _JUST_BEFORE.fullmatch(text, before[-1].end(), f.quantity.start):
        f.outcome = before[-1].lastgroup  # "freed more than 30 inmates"
    elif before and _LIST_TAIL.fullmatch(text, before[-1].end(), f.quantity.start):
        f.outcome = before[-1].lastgroup  # "killing two children and the driver"
    elif (
        following
        and following.outcome_follows
        and _AND.fullmatch(text, f.end, following.quantity.start)
    ):  # "11 civilians and 10 security personnel were killed": one verb for both
        f.outcome, f.outcome_follows = following.outcome, True
    elif before or after:
        distances = [(f.quantity.start - m.end(), m) for m in before]
        distances += [(m.start() - f.end, m) for m in after]
        f.outcome = min(distances, key=lambda item: item[0])[1].lastgroup


def _in_appositive(text: str, start: int) -> bool:
    return _INCLUDING_BEFORE.search(text, max(0, start - 60), start) is not None


def _appositive_outcome(text: str, f: _Found) -> str | None:
    """ "26 people, including 14 soldiers, were killed", "11 people, including
    a woman and two children, were injured": the parts in the appositive take
    the verb their whole takes."""
    if not _in_appositive(text, f.quantity.start):
        return None
    closing = _APPOSITIVE_CLOSE.match(text, f.end)
    verb = closing and _outcome_after(text, closing.end())
    return verb.lastgroup if verb else None


def _articles(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """ "a"/"an"/"another" as one, where no quantity phrase covers or follows
    it ("a dozen", "another five"); kept only where a verb says what became
    of the one (extract_claims)."""
    taken = [(q.start, q.end) for q in quantities]
    return [
        Quantity(m.start(), m.end(), Figure(1, 1, 1))
        for m in _ARTICLE.finditer(text)
        if not any(
            start <= m.start() < end or m.end() < start <= m.end() + 1
            for start, end in taken
        )
    ]


_LIST_TAIL = re.compile(r"\s+(?:[\w-]+\s+){1,5}?(?:and|&)\s+\Z", re.I)


def _listed_after_verb(text: str, start: int) -> bool:
    """ "arrested two men and a teenager": the last of a list after its verb."""
    words = list(_OUTCOME.finditer(text, max(0, start - 60), start))
    return (
        bool(words) and _LIST_TAIL.fullmatch(text, words[-1].end(), start) is not None
    )


_PLURAL = re.compile(
    r"(?:s|men|people|police|children|personnel|troops|folk|crew)\Z", re.I
)
_SHARED_WITH_NEXT = re.compile(
    rf"\s+(?:and|&)\s+(?:(?:his|her|their|its)\s|(?:{NUMBER}|an?)\s)", re.I
)
_SINGULAR_VERB = re.compile(r"\s+(?:was|has\s+been)\b", re.I)


def _one_by_article(text: str, q: Quantity, f: _Found) -> bool:
    """ "a policeman was martyred", "killed a local commander", "including a
    woman": one. "The journalist was abducted": one too, but "the" only with a
    noun and a singular verb ("the attackers were killed" says no number)."""
    # "the abducted engineer was recovered": what they were, then the noun
    stated = _STATE.match(text, q.end)
    noun = _victim_noun(text, stated.end() if stated else q.end)
    word = text[q.start : q.end].lower()
    if word in ("the", "his", "her", "their", "my", "our"):
        if not noun or _PLURAL.search(text, q.end, noun[1]):
            return False
        space = _SPACE.match(text, noun[1])  # "his father injured": no verb
        elided = word != "the" and space and _OUTCOME.match(text, space.end())
        joined = word != "the" and _AND_BEFORE.search(text, 0, q.start)
        return bool(
            (
                (f.outcome_follows or stated)
                and (_SINGULAR_VERB.match(text, noun[1]) or elided)
            )
            or (f.outcome_follows and joined)  # "An SHO and his gunman were"
            or _in_appositive(text, q.start)  # "including the main suspect,"
            or _outcome_just_before(text, q.start)
            or _listed_after_verb(text, q.start)  # "a journalist and his driver"
        )
    if not noun and word == "another" and _outcome_just_before(text, q.start):
        return True  # "killed five terrorists and apprehended another"
    if not noun and not f.outcome_follows:
        return False  # "killed an entire family of seven": the seven count
    if not noun and _NOMINAL_OUTCOME.match(text, q.end):
        return False  # "A toll compiled by AFP": no one
    return bool(
        f.outcome_follows
        or _outcome_just_before(text, q.start)
        or _in_appositive(text, q.start)
        or (noun and _called_a_toll(text, q.start))  # "the body of a young man"
        or _listed_after_verb(text, q.start)
        # "A soldier and two police officers died": the verb they share.
        or (noun and _SHARED_WITH_NEXT.match(text, noun[1]))
        # "A woman was among the three people killed"
        or (noun and _AMONG_NEXT.match(text, noun[1]))
    )


_AMONG_NEXT = re.compile(r"\s+(?:was|were|is|are)\s+among\s", re.I)
_AND_BEFORE = re.compile(r"\band\s+\Z", re.I)
_NOMINAL_OUTCOME = re.compile(
    r"\s+(?:[\w-]+\s+)?(?:toll|deaths?|killings?|fatalities|injur(?:y|ies)"
    r"|abductions?|arrests?|martyrdom|kidnapping)\b",
    re.I,
)
_AS_MANY = re.compile(r"\band\s+as\s+many(?:\s+others)?(?=\s)", re.I)


def _with_as_many(text: str, found: list[_Found]) -> list[_Found]:
    """ "Three policemen were martyred and as many were injured": the same
    figure again, with the verb that follows."""
    for match in _AS_MANY.finditer(text):
        before = [f for f in found if f.end <= match.start()]
        verb = before and _outcome_after(text, match.end())
        if verb:
            figure = before[-1]
            quantity = Quantity(match.start(), match.end(), figure.quantity.figure)
            found.append(
                _Found(quantity, figure.group, verb.end(), verb.lastgroup, True)
            )
    return sorted(found, key=lambda f: f.quantity.start)


_FIGURE_NEXT = re.compile(
    rf"\s+(?:(?:at\s+least|more\s+than|about|some)\s+)?{NUMBER}\b", re.I
)
_INJURED_STATE = re.compile(
    r"\s+in\s+(?:an?\s+)?(?:injured|wounded)\s+(?:condition|state)\b", re.I
)
# What they had been before what the sentence says became of them.
_STATE_APPOSITIVE = re.compile(
    r"\s*,\s*(?:(?P<abducted>abducted|kidnapped)|(?P<detained>arrested|detained))"
    r"\s+(?:from|in|on|at|by|last|earlier|near|while)\b[^,.;]{0,60},",
    re.I,
)
_AND_THEN_OUTCOME = re.compile(r"\s+and(?:\s+(?:later|then))?(?=\s)", re.I)


def _with_second_outcomes(text: str, found: list[_Found]) -> list[_Found]:
    """ "2 terrorists were injured and apprehended": one figure, two outcomes."""
    more = []
    for f in found:
        if f.outcome_follows and _INJURED_STATE.match(text, f.end):
            # "4 terrorists were apprehended in injured condition"
            more.append(_Found(f.quantity, f.group, f.end, "injured", True))
        if f.outcome and (state := _STATE_APPOSITIVE.match(text, f.end)):
            if state.lastgroup != f.outcome:
                # "The bodies of six labourers, abducted from a coal mine,"
                more.append(_Found(f.quantity, f.group, f.end, state.lastgroup, True))
        joined = f.outcome_follows and _AND_THEN_OUTCOME.match(text, f.end)
        verb = joined and _outcome_after(text, joined.end())
        # Not "were killed and injured 20": that verb has a figure of its own.
        if (
            verb
            and verb.lastgroup != f.outcome
            and not _FIGURE_NEXT.match(text, verb.end())
        ):
            more.append(_Found(f.quantity, f.group, verb.end(), verb.lastgroup, True))
    return sorted(found + more, key=lambda f: f.quantity.start)


_ELIDED_NOUN = re.compile(r"\s+(?:others?|more)(?!\w)", re.I)
# Between two figures of one list: "killed, two injured", "and three wounded",
# "and apprehended another", ", while one was arrested".
_ELIDED_JOIN = re.compile(
    r"\s*(?:,\s*(?:(?:and|while)\s+)?|\s+(?:and|while)\s+)(?:[a-z]+(?:ed|ing)\s+)?",
    re.I,
)


def _elided_groups(text: str, found: list[_Found]) -> None:
    """ "Two soldiers were killed and three wounded", "killing 18 worshippers
    and wounding 11 others", "killed five terrorists and apprehended
    another": a figure with no noun of its own, or "others", counts the
    people the figure before it in the sentence named."""
    for before, f in zip(found, found[1:], strict=False):
        if f.group != "all" or before.group == "all" or before.sentence != f.sentence:
            continue
        if not _ELIDED_JOIN.fullmatch(text, before.end, f.quantity.start):
            continue
        noun = _victim_noun(text, f.quantity.end)
        if noun is None or _ELIDED_NOUN.match(text, f.quantity.end):
            f.group = before.group


# A release asked for is not one made: those named are still held.
_DEMANDED_BEFORE = re.compile(
    r"\b(?:ransom|demand(?:s|ed|ing)?|negotiat\w+|seek(?:s|ing)?|sought"
    r"|secur(?:e|es|ing)|(?:call|appeal|push|press)(?:s|es|ed|ing)?\s+for"
    r"|efforts?\s+(?:for|to\s+(?:win|secure)))\b[^.;!?]{0,80}?"
    r"\b(?:release|freedom|recovery)\s+of\s+(?:the\s+|all\s+)?\Z",
    re.I,
)
# "Sepoy Imran Khan, aged 24, embraced shahadat": one, named by rank.
_POLICE_RANKS = (
    "Head Constable|Constable|Assistant Sub-Inspector|Sub-Inspector|Inspector"
    "|ASI|SI|DSP|SHO"
)
_RANKED = re.compile(
    rf"(?<![\w-])(?:(?P<police>{_POLICE_RANKS})|(?:Lance Naik|Naib Subedar|Sepoy"
    r"|Naik|Havildar|Subedar|Sipahi|Lance Corporal|Corporal|Cpl\.|Sergeant|Sgt\."
    r"|Private|Pvt\.|Lieutenant Colonel|Lt\.? Col\.|Lieutenant|Lt\.|Captain"
    r"|Capt\.|Major|Maj\.|Colonel|Col\.|Brigadier|Gunner|Rifleman|Sowar"
    r"|Signalman))"
    # The name: capitalised words, no rank or title among them.
    r"(?:\s+(?!General\b|Police\b|Officer\b)[A-Z][a-z'’]+){1,4}(?![\w-])"
)
# What may stand between the name and its verb: "(age 24, resident of Swat),
# having fought gallantly,", ", aged 24,".
_ABOUT_THE_NAMED = re.compile(
    r"(?:\s*\([^()]{0,80}\))?(?:\s*,[^,.;:()]{1,60}(?=,))*(?:\s*,)?"
)
# "2 soldiers including Lance Naik Shahid", ", among them Sepoy Adil": a
# figure before already counts the named.
_COUNTED_BEFORE = re.compile(rf"(?:,\s*|\b){_PART_WORDS}\s+\Z", re.I)


def _named_ranks(text: str) -> list[_Found]:
    """Soldiers and police named by rank and name, one each, where a verb
    after them (or one straight before, "The martyrs included ...") says
    what became of them; a name joined to the next by "and" shares its verb.
    Not where a figure already counts them ("2 soldiers including Lance Naik
    Shahid")."""
    named = []
    for match in _RANKED.finditer(text):
        if _COUNTED_BEFORE.search(text, max(0, match.start() - 60), match.start()):
            continue
        group = "police" if match.group("police") else "military"
        quantity = Quantity(match.start(), match.end(), Figure(1, 1, 1))
        about = _ABOUT_THE_NAMED.match(text, match.end())
        verb = _outcome_after(text, about.end())
        if verb:
            named.append(_Found(quantity, group, verb.end(), verb.lastgroup, True))
        else:
            outcome = _outcome_just_before(text, match.start())
            named.append(_Found(quantity, group, match.end(), outcome))
    for f, after in reversed(list(zip(named, [*named[1:], None], strict=False))):
        if not f.outcome and after and after.outcome:
            if _AND.fullmatch(text, f.end, after.quantity.start):
                f.outcome, f.outcome_follows = after.outcome, after.outcome_follows
    for f, before in zip(named[1:], named, strict=False):
        if not f.outcome and before.outcome:
            if _AND.fullmatch(text, before.quantity.end, f.quantity.start):
                f.outcome = before.outcome  # "included Lance Naik Imran and Sepoy Adil"
    return [f for f in named if f.outcome]


_QUOTES = re.compile(r"[\"“”]")
# 'several', ‘dozens’: single quotes around words, not an apostrophe.
_SINGLE_QUOTED = re.compile(r"(?<!\w)['‘]([\w -]+)['’](?!\w)")


def extract_claims(text: str) -> list[Candidate]:
    """Candidate casualty claims in `text`, in the order they appear."""
    original = text
    # Quotation marks ('killed "dozens" of soldiers') stand between a figure
    # and its noun; spaces in their place keep every offset.
    text = _QUOTES.sub(" ", text)
    text = _SINGLE_QUOTED.sub(lambda m: f" {m.group(1)} ", text)
    quantities = [q for q in find_quantities(text) if not _AGE_AFTER.match(text, q.end)]
    articles = _articles(text, quantities)
    found = [
        f
        for q in sorted(quantities + articles, key=lambda q: q.start)
        if not _is_date(text, q)
        and (f := _find(text, q))
        and (q not in articles or _one_by_article(text, q, f))
    ]
    found = sorted(found + _named_ranks(text), key=lambda f: f.quantity.start)
    found = _with_second_outcomes(text, _with_as_many(text, found))
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    for f in found:
        f.sentence = bisect_right(ends, f.quantity.start)
    taken = {f.end for f in found if f.outcome_follows}
    outcomes = [
        (bisect_right(ends, m.start()), m)
        for m in _OUTCOME.finditer(text)
        if m.end() not in taken
    ]

    def _resolve_in_sentence(i: int) -> None:
        following = found[i + 1] if i + 1 < len(found) else None
        words = [m for s, m in outcomes if s == found[i].sentence]
        _resolve(text, found[i], following, words)

    # Right to left, so a figure can share the verb of the figure after it.
    for i in reversed(range(len(found))):
        if not found[i].outcome:
            found[i].outcome = _appositive_outcome(text, found[i])
        if not found[i].outcome and i and _in_appositive(text, found[i].quantity.start):
            continue  # its whole's, below
        if not found[i].outcome:
            _resolve_in_sentence(i)
    # "15 hostages, including four foreigners, before ...", "killed eight
    # people, including a girl, and injured 29": a part the verb after its
    # appositive does not name counts as its whole does.
    for i, f in enumerate(found):
        if not f.outcome and i and _in_appositive(text, f.quantity.start):
            f.outcome = found[i - 1].outcome
            if not f.outcome:
                _resolve_in_sentence(i)
    # "Three terrorists were killed, while one managed to escape", "shot dead
    # 3 dacoits, while 1 escaped": an attacker who got away is no one freed.
    found = [
        f
        for before, f in zip([None, *found], found, strict=False)
        if not (
            before is not None
            and f.outcome == "freed"
            and f.group == "all"
            and before.group in ("militants", "all")
            and before.outcome in ("killed", "injured", "detained")
            and f.sentence == before.sentence
            and _ESCAPED.search(text, f.quantity.end, f.end + 40)
        )
    ]
    _elided_groups(text, found)
    for f in found:
        if f.outcome == "freed" and _DEMANDED_BEFORE.search(
            text, max(0, f.quantity.start - 120), f.quantity.start
        ):
            f.outcome = "abducted"  # "a ransom for the release of the 8 passengers"
    starts = [0, *ends]
    said = {
        index: attribute(
            text[starts[index] : ends[index] if index < len(ends) else None]
        )
        for index in {f.sentence for f in found if f.outcome}
    }
    return [
        Candidate(
            wording=original[f.quantity.start : f.end],
            start=f.quantity.start,
            end=f.end,
            group=f.group,
            outcome=f.outcome,
            low=f.quantity.figure.low,
            high=f.quantity.figure.high,
            point=f.quantity.figure.point,
            said_by=said[f.sentence].speaker if said[f.sentence] else "",
            side=said[f.sentence].side if said[f.sentence] else None,
        )
        for f in found
        if f.outcome
    ]
