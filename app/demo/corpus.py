"""The demo's stories as units: each one's title, text, tags, criticality, route, language and reply agree.

A demo story is always one unit taken whole; the loader varies only what cannot make it contradict itself (which of
the unit's own titles, which of its own tags, which of its own criticality ratings, the service among those of the
unit's kind, the name shown, the dates). Tone and criticality go together: a "good" story carries only "good" tags
and criticality 0 or 1, a "poor" one only "could improve" tags and 2 or more, a "mixed" one both kinds and 1 to 3.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.stories.models import ASSISTED, EASY_READ, PAPER, PHONE, WEB

GOOD, MIXED, POOR = "good", "mixed", "poor"
PLANNED, MADE = "planned", "made"


@dataclass(frozen=True)
class Unit:
    """One demo story and the response it may get."""

    service: str                     # a key of SERVICES: which demo services it can be about
    tone: str                        # GOOD, MIXED or POOR
    titles: tuple[str, ...]          # "{place}" is the service's name
    body: str
    tags: tuple[str, ...]
    criticality: tuple[int, ...]
    reply: str                       # the service's reply, answering what the story says
    change: str = ""                 # a change the service planned or made because of it
    change_kind: str = PLANNED
    answer: str = ""                 # the author's answer to the reply
    language: str = "en"
    route: str = WEB
    role: str = "patient"


# The demo services each kind of story may be about (codes from app/demo/cli.py).
SERVICES: dict[str, tuple[str, ...]] = {
    "ed": ("RDM01-W01",),
    "minor_injuries": ("RDM02-W02",),
    "medical_ward": ("RDM01-W02",),
    "surgical_ward": ("HLT01-W02",),
    "rehab": ("RDM02-W01", "RDM02-W03"),
    "maternity": ("RDM01-W03",),
    "children": ("RDM01-W04",),
    "outpatients": ("RDM01-W05", "HLT01-W01"),
    "icu": ("HLT01-W03",),
    "oncology": ("HLT01-W04",),
    "radiology": ("HLT01-W05",),
    "eyes": ("HLT02-W02",),  # the cataract clinic (Eye Casualty is emergency care)
    "mental_health_ward": ("CMH01-W01",),
    "crisis": ("CMH01-W02",),
    "gp": ("Y10001", "Y10002", "Y10003"),
    "care_home": ("CH0001", "CH0002"),
    "transport": ("SV0001",),
    "dental": ("SV0002",),
    # In Wales (the Cwm Gwyrdd health board and the services near it)
    "ed_wales": ("CGW01-W01",),
    "ward_wales": ("CGW01-W02",),
    "maternity_wales": ("CGW01-W03",),
    "mental_health_wales": ("CGW01-W04",),
    "gp_wales": ("W10001",),
    "care_home_wales": ("CW0001",),
}

# Who replies for each kind of service (name, job title), and in Welsh services, in Welsh.
RESPONDERS: dict[str, tuple[tuple[str, str], ...]] = {
    "hospital": (("Priya Shah", "Head of Patient Experience"), ("Lee Chen", "Matron"),
                 ("Dr Ama Owusu", "Clinical Director")),
    "medical_ward": (("Tom Evans", "Ward 7 Manager"), ("Lee Chen", "Matron")),
    "maternity": (("Grace Adeyemi", "Head of Midwifery"),),
    "mental_health": (("Dr Rob Ellis", "Consultant Psychiatrist"), ("Sara Malik", "Service Manager")),
    "gp": (("Jo Brown", "Practice Manager"), ("Dr Helen Ward", "GP Partner")),
    "care_home": (("Maggie Reid", "Home Manager"),),
    "service": (("Dan Price", "Service Manager"),),
    "wales": (("Carys Jones", "Pennaeth Profiad Cleifion"), ("Dafydd Morgan", "Rheolwr y Gwasanaeth")),
}
RESPONDER_OF = {
    "medical_ward": "medical_ward", "maternity": "maternity", "mental_health_ward": "mental_health",
    "crisis": "mental_health", "gp": "gp", "care_home": "care_home", "transport": "service", "dental": "service",
}


def responders(unit: Unit) -> tuple[tuple[str, str], ...]:
    if unit.language == "cy" or unit.service.endswith("_wales"):
        return RESPONDERS["wales"]
    return RESPONDERS[RESPONDER_OF.get(unit.service, "hospital")]


UNITS: tuple[Unit, ...] = (
    # ------------------------------------------------------------ emergency care
    Unit("ed", POOR, ("Six hours in A&E with chest pain", "Chest pain and a six-hour wait"),
         "I was admitted through A&E late on a Friday night with chest pain. We waited nearly six hours before "
         "anyone saw us, with no updates at all. My wife asked at the desk twice and was told they did not know "
         "how long it would be.\n\n"
         "When the doctor came she was thorough, and the heart tests were clear in the end. But six hours not "
         "knowing whether I was having a heart attack was frightening for both of us.",
         ("improve-waiting", "improve-communication"), (3, 4),
         "I am sorry you waited nearly six hours with chest pain, and that nobody kept you and your wife updated. "
         "Chest pain should be checked within minutes of arriving, and I have asked our triage lead to look at "
         "what happened that night.",
         change="A nurse now sits in the waiting room every evening to give people an update on their wait at "
                "least once an hour.", change_kind=MADE,
         answer="Thank you. Knowing someone will come and tell people where they stand would have made all the "
                "difference."),
    Unit("ed", GOOD, ("Seen quickly after a fall", "Quick and thorough in A&E"),
         "I went to A&E on a Tuesday afternoon after falling off a ladder. I was seen by the triage nurse within "
         "twenty minutes and had an X-ray within the hour. The doctor listened properly and did not rush me, "
         "which I really appreciated.\n\nI was home by teatime with my wrist in a cast.",
         ("good-quick", "good-listened"), (0,),
         "Thank you for your kind words. I am glad you were seen quickly and that the doctor listened. I have "
         "passed your story on to the team, and we hope your wrist is healing well."),
    Unit("ed", MIXED, ("Kind nurses, long wait", "Long wait, but the nurses were kind"),
         "My daughter broke her arm at football and we spent five hours in accident and emergency. The waiting "
         "room was packed and the screens said the wait was four hours before we even saw a doctor.\n\n"
         "The nurses were kind throughout: one brought her a blanket and a drink, and another explained what the "
         "X-ray showed in words she could understand.",
         ("good-kindness", "improve-waiting"), (1, 2),
         "Thank you for telling us about your daughter's visit. I am sorry you waited five hours, and glad the "
         "nurses' kindness made it easier. Waits are long when the department is this busy, and we are opening "
         "a separate area for children's injuries to shorten them.",
         change="A separate waiting and treatment area for children's injuries will open in the department.",
         role="parent"),
    Unit("minor_injuries", GOOD, ("In and out in an hour with a broken toe", "Minor injuries unit was excellent"),
         "I went to the minor injuries unit with a toe I was sure was broken. I was seen within fifteen minutes, "
         "had an X-ray straight away and the nurse practitioner explained exactly how to strap it and how long "
         "it would take to heal. Everything was explained in plain words and I was given a leaflet to take home.",
         ("good-quick", "good-explained"), (0,),
         "Thank you for your kind words about the unit. I am glad you were seen so quickly, and I have shared "
         "your story with the nurse practitioners, who will be pleased the leaflet helped."),
    # ------------------------------------------------------------ wards
    Unit("medical_ward", POOR, ("Nobody answered the call bell at night", "Call bell ignored at night"),
         "My mother spent three weeks on the ward after a fall at home. Pain relief came late more than once, "
         "and the call bell was not answered for long stretches at night. The staff clearly cared, but they were "
         "stretched and there were not enough of them.\n\n"
         "One night she waited forty minutes for help to the toilet. She is frail and should not have had to.",
         ("improve-staffing", "improve-pain"), (3, 4),
         "I am sorry your mother waited for help at night and that her pain relief came late. That is not the "
         "care we want to give. We are reviewing night staffing on the ward and have started two-hourly pain "
         "relief rounds overnight.",
         change="Pain relief rounds now happen every two hours overnight, and a second nurse covers the ward "
                "from ten at night.", change_kind=MADE, role="relative"),
    Unit("medical_ward", MIXED, ("Clean ward, noisy nights", "Spotless ward but little sleep"),
         "I spent five nights on the ward with pneumonia. The ward was clean, but it was very noisy at night and "
         "I hardly slept: doors banging, phones ringing and lights left on in the bay. When I asked whether "
         "anything could be done I was told it is always like that. Nobody seemed to listen.",
         ("good-clean", "improve-listening"), (1, 2),
         "Thank you for your story. I am glad the ward was clean, and sorry that you were not listened to when "
         "you asked about the noise at night. We have put soft-close fittings on the bay doors and now dim the "
         "lights at eleven.",
         change="Soft-close fittings are on every bay door and the lights are dimmed at eleven each night.",
         change_kind=MADE),
    Unit("medical_ward", GOOD, ("Treated with dignity", "Mum was treated with dignity"),
         "My mum has dementia and was on the ward for ten days. They treated her with dignity and always drew "
         "the curtains before helping her wash. They asked us what she likes to be called and what calms her, "
         "and wrote it above her bed.",
         ("good-dignity", "good-involved-family"), (0,),
         "Thank you for your kind words. Treating people with dignity matters to us, and knowing what calms "
         "someone, as your family told us, makes a real difference.", role="relative"),
    Unit("surgical_ward", GOOD, ("Knee operation went smoothly", "A good stay for my knee operation"),
         "I had a planned operation on my knee and stayed two nights. Everything was explained in plain words "
         "and I was given a leaflet to take home. My pain was well controlled and the nurses checked on it "
         "every few hours without me having to ask.",
         ("good-explained", "good-pain"), (0, 1),
         "Thank you for taking the time to write. I am glad your pain was well managed and that the leaflet "
         "helped, and I have shared your kind words with the ward."),
    Unit("surgical_ward", POOR, ("Discharge was chaotic", "Sent home in a hurry"),
         "After my gallbladder operation the discharge was arranged in a hurry and the medicines were not ready "
         "for hours. I was told at ten in the morning that I could go, then sat in the day room until six "
         "waiting for my tablets. Nobody told me what to look out for once I was home.",
         ("improve-discharge", "improve-waiting"), (2, 3),
         "I am sorry your discharge felt rushed and that you waited eight hours for your medicines. We are "
         "changing how discharge medicines are ordered so they are ready when people are told they can go.",
         change="Discharge medicines are now ordered the day before a planned discharge, and every patient gets "
                "a written checklist of what to look out for at home.", change_kind=MADE,
         answer="I appreciate the reply, and I hope the checklist helps the next person."),
    Unit("surgical_ward", MIXED, ("Cold food, warm people", "Lovely staff, cold meals"),
         "The food was cold most days and there was little choice for my diet after surgery. By the time the "
         "trolley reached my bed it had been standing for a long time.\n\nThe staff were lovely, though: caring, "
         "cheerful and always ready to help.",
         ("good-kindness", "improve-food"), (1, 2),
         "Thank you for your story. I am glad the staff looked after you so well, and sorry the food was cold. "
         "We have asked our catering team to add a second heated trolley so meals reach every bed hot.",
         change="A second heated trolley will serve the far end of the ward so no meal stands waiting."),
    Unit("rehab", GOOD, ("Excellent physiotherapy after my stroke", "The physio team got me walking again"),
         "After my stroke I spent six weeks on the rehabilitation ward. The physiotherapist made a real "
         "difference and kept my spirits up, even on days I wanted to give up. She listened to what I wanted to "
         "get back to doing, knew exactly when to push and when to let me rest, and I walked out with a stick.",
         ("good-staff", "good-listened"), (0,),
         "Thank you for your kind words. It is wonderful to hear you walked out, and I have passed your thanks to "
         "the physiotherapists, who listen hard to what each person wants to get back to."),
    Unit("icu", GOOD, ("They kept us with him in intensive care", "Thank you to the intensive care team"),
         "My husband was in intensive care for nine days after major surgery. The team let us sit with him "
         "whenever we wanted and the consultant explained the plan to our family every afternoon, even when the "
         "news was not good. We never felt in the way.",
         ("good-involved-family", "good-communication"), (0,),
         "Thank you for writing, and for your kind words about the team. Your family is part of a patient's care, "
         "and I am glad the consultant's daily updates helped.", role="relative"),
    Unit("oncology", GOOD, ("Cancer treatment with a human touch", "Kindness at the day unit"),
         "My husband had his cancer treatment at the day unit over six months. The nurses were kind, knew him by "
         "name, remembered our grandchildren and treated him with dignity on the hardest days. They always found a "
         "private room when he was unwell.",
         ("good-kindness", "good-dignity"), (0,),
         "Thank you for your kind words about the day unit nurses, and I am glad your husband was treated with "
         "dignity on the hardest days. I have shared your story with the whole team.", role="relative"),
    Unit("radiology", POOR, ("Scan results lost for weeks", "Nobody could find my scan results"),
         "We were sent for a scan after months of tummy pain. The scan itself was quick, but nobody could tell "
         "us the results. After five weeks of waiting I rang and was told the report had been sent to the "
         "wrong clinic. Nobody told us anything until we asked.",
         ("improve-information", "improve-waiting"), (2, 3),
         "I am sorry you waited five weeks for your scan results and had to chase them yourself. The report was "
         "sent to the wrong clinic, and we now send every report to the referring doctor and to the patient.",
         change="Scan reports are now sent by letter to the patient as well as to the doctor who asked for the "
                "scan.", change_kind=MADE),
    # ------------------------------------------------------------ maternity and children
    Unit("maternity", GOOD, ("Thank you to the maternity team", "Wonderful midwives"),
         "I gave birth to our second baby in the maternity unit. The midwives were kind and took time to explain "
         "what was happening at every step, and they made sure my partner could stay with me. After a hard first "
         "birth, this one felt safe and calm.",
         ("good-kindness", "good-communication"), (0,),
         "Congratulations on your baby, and thank you for your kind words about the midwives. I am glad they "
         "explained each step, and I have shared your story with the team."),
    Unit("maternity", POOR, ("Left alone after a long labour", "Nobody came when I rang for help"),
         "After a long labour I was moved to the postnatal ward at night. I rang for help three times because I "
         "could not lift my baby and nobody came for over an hour. When a midwife came she said there were only "
         "two of them for the whole ward. I felt nobody listened when I said I was struggling.",
         ("improve-staffing", "improve-listening"), (3, 4),
         "I am so sorry you were left without help after a long labour. You should have been listened to, and "
         "two midwives for the whole postnatal ward is not enough and not safe. We have added a third midwife "
         "to the night shift.",
         change="A third midwife now works every night shift on the postnatal ward.", change_kind=MADE,
         answer="Thank you for replying. I hope no one else feels as alone as I did."),
    Unit("children", GOOD, ("Asthma review that really helped", "The children's nurses were brilliant"),
         "I took my son to the children's clinic for his asthma review. The nurse explained his inhalers with "
         "pictures, let him practise, and listened to what worries him at school. He came out proud of himself.",
         ("good-explained", "good-listened"), (0,),
         "Thank you for your kind words. I am glad the nurse explained his inhalers and listened to his worries, "
         "and that your son came out proud. I have passed your story to the children's nurses.", role="parent"),
    # ------------------------------------------------------------ outpatients and clinics
    Unit("outpatients", POOR, ("Four phone calls to book a follow-up", "Hard to get an appointment"),
         "It took four phone calls to book a follow-up, and the letter came after the date. Each time I rang I "
         "was told someone would call me back, and nobody did. I missed the appointment because I never knew "
         "about it.",
         ("improve-appointments", "improve-information"), (2, 3),
         "I am sorry it took four phone calls to book your follow-up and that the letter came too late. We now "
         "send a text message with each appointment as well as a letter.",
         change="Every appointment is now confirmed by text message as soon as it is booked.", change_kind=MADE),
    Unit("outpatients", MIXED, ("Good care, hard to park", "Parking was a nightmare"),
         "The clinic itself was good: the doctor explained my test results clearly and answered every question. "
         "But parking was a nightmare and we nearly missed the appointment. We drove round the car park for "
         "twenty-five minutes.",
         ("good-explained", "improve-parking"), (1, 2),
         "Thank you for your story. I am glad the clinic explained things well, and sorry about the car park. "
         "We have opened fifty more spaces by the outpatients entrance and a drop-off bay.",
         change="Fifty more parking spaces and a drop-off bay will open by the outpatients entrance."),
    Unit("eyes", MIXED, ("Cataract done well, but a long day", "Good surgery, long wait on the day"),
         "My cataract operation went well and my sight is much better. The surgeon was skilled and calm. But we "
         "were asked to arrive at half past seven and I waited until after two before I went in, without being "
         "able to eat.",
         ("good-staff", "improve-waiting"), (1, 2),
         "Thank you for your story, and I am glad your sight is better. I am sorry you waited so long on the "
         "day. We now give people staggered arrival times rather than asking everyone to come at half past "
         "seven.",
         change="People are now given staggered arrival times for cataract surgery.", change_kind=MADE,
         route=PAPER),
    # ------------------------------------------------------------ mental health
    Unit("mental_health_ward", POOR, ("Nobody explained my rights", "Felt rushed and unheard on the ward"),
         "I was admitted to the ward under a section and nobody explained my rights for three days. In ward "
         "rounds I felt rushed and unheard: decisions were made about me before I had finished speaking. My "
         "advocate helped me write this.",
         ("improve-communication", "improve-listening"), (3, 4),
         "Thank you for telling us this, and I am sorry nobody explained your rights and that you felt unheard "
         "in ward rounds. Everyone admitted under a section should be told their rights on the first day, and "
         "we are checking that this happens.",
         change="A nurse will go through each person's rights with them on the day they are admitted, and record "
                "that they did.", route=ASSISTED),
    Unit("mental_health_ward", GOOD, ("Staff who saw me as a person", "They listened to me"),
         "I have been on mental health wards before, but this time felt different. The staff listened to me "
         "and asked what helps when I am distressed. They spoke to me with respect even on my worst days.",
         ("good-listened", "good-dignity"), (0,),
         "Thank you for sharing this. I am glad you felt listened to and respected, and I have passed your "
         "kind words to the ward team."),
    Unit("crisis", POOR, ("Crisis line never called back", "Waited all night for the crisis team"),
         "I rang the crisis line at nine in the evening because I was frightened I would hurt myself. I was told "
         "someone would call back within the hour. Nobody called until the next afternoon. I was alone all "
         "night and it was not safe. When I rang again, I felt nobody was listening.",
         ("improve-waiting", "improve-listening"), (4, 5),
         "I am deeply sorry you waited all night for a call back and did not feel listened to. Someone who rings us "
         "frightened for their safety "
         "must hear back within the hour, and we are looking into what went wrong. We have added a second person "
         "to answer calls overnight.",
         change="Two people now answer the crisis line overnight, and every promised call back is logged and "
                "checked.", change_kind=MADE, route=PHONE),
    Unit("crisis", GOOD, ("The crisis team came the same evening", "Quick help when I needed it most"),
         "My son was in a very bad way and I called the crisis team. Two of them came to our house the same "
         "evening, listened to him for over an hour and made a plan with him that he agreed to. I do not know "
         "what would have happened without them.",
         ("good-quick", "good-listened"), (0,),
         "Thank you for your kind words. I am glad the team could come quickly and listen to your son, and I have "
         "shared your message with them.", role="parent"),
    # ------------------------------------------------------------ general practice
    Unit("gp", POOR, ("Cannot get through at eight", "The eight o'clock phone scramble"),
         "Every morning at eight the line is engaged, and by the time I get through all the appointments are "
         "gone. I work shifts and cannot keep ringing. After three weeks I gave up and went to the pharmacy.",
         ("improve-appointments",), (2,),
         "I am sorry you could not get an appointment for three weeks. Appointments can now also be booked "
         "online at any time, and we keep half of each day's appointments for people who ring after ten.",
         answer="Thank you, I did not know I could book online. I will try that."),
    Unit("gp", GOOD, ("Friendly reception and an earlier appointment", "Reception went out of their way"),
         "I rang the practice worried about my daughter's cough. Reception staff were friendly and found us an "
         "earlier appointment the same morning. The nurse saw us quickly and explained what to watch for.",
         ("good-kindness", "good-quick"), (0,),
         "Thank you for your kind words. I am glad our reception team found you an appointment so quickly, and "
         "I have passed your message on to them.", role="parent"),
    Unit("gp", GOOD, ("The doctor took my rash seriously", "Listened to at last"),
         "I went to the practice because of a rash that would not go away. I had been told twice before it was "
         "nothing. This doctor listened, asked about my work and worked out it was a reaction to gloves, and explained "
         "how to avoid it. It cleared up in a fortnight.",
         ("good-listened", "good-explained"), (0, 1),
         "Thank you for your kind words. I am glad the doctor listened, found the cause and explained it, and I "
         "have shared your story with the practice team.", route=PAPER),
    Unit("gp", MIXED, ("Helpful nurse, muddled repeat prescription", "Kind staff, muddled prescriptions"),
         "The practice nurse is lovely and always makes time to talk. But my repeat prescription has gone wrong "
         "three months running: nobody tells me when it has been sent, and the pharmacy never has the "
         "information.",
         ("good-kindness", "improve-information"), (1, 2),
         "Thank you for your story, and for your kind words about our nurse. I am sorry your repeat prescription "
         "keeps going wrong. We now send a text message when a prescription is sent to the pharmacy, so you "
         "have the information too.",
         change="A text message now tells each patient when their prescription is sent to the pharmacy.",
         change_kind=MADE),
    # ------------------------------------------------------------ care homes
    Unit("care_home", GOOD, ("Dad settled in well", "A real home for Dad"),
         "My dad has dementia and moved into the home last spring. The staff took time to learn about his life, "
         "and they always ring the family when something changes. He is calmer and eats better than he did at "
         "home. The care is kind and patient.",
         ("good-kindness", "good-involved-family"), (0,),
         "Thank you for your kind words about your dad's care. Knowing his life story helps us care for him, and "
         "I have shared your message with the team.", role="relative"),
    Unit("care_home", POOR, ("Mum's room was not kept clean", "Dirty room and no dignity"),
         "When I visited my mum her room had not been cleaned for days: the bin was full and her sheets were "
         "dirty. Twice I found her in a wet pad with the door wide open to the corridor. She deserves dignity.",
         ("improve-cleanliness", "improve-dignity"), (3, 4),
         "I am very sorry about the state of your mum's room and that her dignity was not respected. This is not "
         "acceptable. Every room is now cleaned daily with a signed checklist, and staff close the door before "
         "any personal care.",
         change="Every room is now cleaned daily against a signed checklist, and the checklists are audited "
                "weekly.", change_kind=MADE, route=ASSISTED, role="relative"),
    # ------------------------------------------------------------ other services
    Unit("transport", POOR, ("Waited three hours for the transport home", "Stranded after dialysis"),
         "After my dialysis I waited three hours for patient transport to take me home. I had been on the "
         "machine all morning and was exhausted. Nobody from the transport service could tell the nurses when "
         "the car would come.",
         ("improve-waiting", "improve-communication"), (2, 3),
         "I am sorry you waited three hours after dialysis, and that nobody could tell you when the car would "
         "come. Dialysis patients now have a fixed pick-up slot, and the nurses can see where their car is.",
         change="Dialysis patients now have a fixed pick-up time, and the unit can see where each car is.",
         change_kind=MADE, route=PHONE),
    Unit("dental", GOOD, ("Good care at {place}", "The dentist was kind to me"),
         "I was scared of the dentist. The dentist was kind to me. She showed me the tools first. She said what "
         "she would do before she did it. It did not hurt. I want to go back.",
         ("good-kindness", "good-explained"), (0,),
         "Thank you for telling us. We are happy the dentist was kind and said what she would do first. We will "
         "tell her what you said.",
         route=EASY_READ),
    Unit("gp", MIXED, ("Some good and some bad at {place}", "The nurse was nice but I waited"),
         "I went to see the nurse. I waited a long time. There was nowhere quiet to sit. The nurse was nice. "
         "She was kind to me. She gave me a paper with pictures.",
         ("good-kindness", "improve-waiting"), (1,),
         "Thank you for telling us. We are sorry you waited a long time. We now have a quiet room you can wait "
         "in. Ask at the desk.", change="A quiet room is now kept free for people who find the waiting room "
                                       "hard.", change_kind=MADE, route=EASY_READ),
    # ------------------------------------------------------------ in Welsh, in Wales
    Unit("ed_wales", POOR, ("Aros saith awr heb wybod dim", "Saith awr yn yr Adran Achosion Brys"),
         "Es i i'r Adran Achosion Brys gyda fy nhad, sy'n wyth deg oed, ar ôl iddo syrthio yn y tŷ. Buon ni'n "
         "aros am saith awr ar gadeiriau caled cyn i feddyg ei weld. Doedd neb yn dweud wrthon ni pa mor hir "
         "fyddai'r aros, a phan ofynnais i, ches i ddim ateb.\n\n"
         "Pan welodd y meddyg e o'r diwedd, roedd hi'n ofalus iawn. Ond roedd fy nhad wedi blino'n lân erbyn "
         "hynny.",
         ("improve-waiting", "improve-communication"), (3,),
         "Diolch i chi am rannu profiad eich tad. Mae'n ddrwg iawn gen i eich bod wedi aros saith awr heb i neb "
         "ddweud wrthych beth oedd yn digwydd. Bydd nyrs yn yr ystafell aros bob nos i ddweud wrth bobl pa mor "
         "hir fydd yr aros.",
         change="Bydd nyrs yn yr ystafell aros bob nos i roi'r wybodaeth ddiweddaraf i bobl am yr amser aros.",
         language="cy", role="relative"),
    Unit("maternity_wales", GOOD, ("Diolch o galon i'r bydwragedd", "Bydwragedd caredig iawn"),
         "Cafodd ein merch ei geni yn yr Uned Mamolaeth. Roedd y bydwragedd yn garedig ac yn amyneddgar o'r "
         "dechrau i'r diwedd, ac roedden nhw'n siarad Cymraeg â ni drwy'r amser, a oedd yn golygu llawer i ni. "
         "Fe esbonion nhw bob cam yn glir, hyd yn oed am dri o'r gloch y bore.\n\n"
         "Diolch yn fawr i'r tîm i gyd.",
         ("good-kindness", "good-communication"), (0,),
         "Llongyfarchiadau ar enedigaeth eich merch, a diolch am eich geiriau caredig. Rydw i wedi rhannu eich "
         "neges gyda'r bydwragedd: mae esbonio pob cam yn glir yn bwysig iddyn nhw.",
         language="cy"),
    Unit("ward_wales", MIXED, ("Staff caredig, ond bwyd oer", "Nyrsys caredig a bwyd oer"),
         "Roeddwn i ar Ward Dewi am wythnos ar ôl llawdriniaeth. Roedd y nyrsys yn garedig iawn ac yn dod i weld "
         "sut oeddwn i bob awr. Ond roedd y bwyd yn oer bron bob tro, achos roedd y troli'n sefyll yn y coridor "
         "am hanner awr cyn cyrraedd fy ngwely i.",
         ("good-kindness", "improve-food"), (1, 2),
         "Diolch am ddweud wrthon ni. Mae'n dda clywed bod y nyrsys wedi gofalu amdanoch chi, ond mae'n ddrwg "
         "gen i fod y bwyd yn oer. Mae ail droli poeth bellach yn gweini pen pellaf y ward.",
         change="Mae ail droli bwyd poeth bellach yn gweini pen pellaf y ward, felly does dim pryd yn aros yn y "
                "coridor.", change_kind=MADE, language="cy"),
    Unit("gp_wales", POOR, ("Methu cael apwyntiad yn y feddygfa", "Ffonio bob bore am ddim byd"),
         "Bob bore am wyth o'r gloch rydw i'n ffonio'r feddygfa, ac mae'r llinell yn brysur am hanner awr. Erbyn "
         "i mi gael ateb, mae'r apwyntiadau i gyd wedi mynd. Rydw i'n gweithio shifftiau ac alla i ddim ffonio "
         "drosodd a throsodd.",
         ("improve-appointments",), (2,),
         "Mae'n ddrwg gen i eich bod wedi methu cael apwyntiad. Gallwch bellach drefnu apwyntiad ar-lein ar "
         "unrhyw adeg, ac rydyn ni'n cadw hanner yr apwyntiadau ar gyfer pobl sy'n ffonio ar ôl deg o'r gloch.",
         language="cy", route=PAPER),
    Unit("care_home_wales", GOOD, ("Gofal arbennig i Nain", "Mae Nain yn cael ei thrin ag urddas"),
         "Symudodd Nain i'r cartref gofal y llynedd, ar ôl i'w dementia waethygu. Mae'r staff yn ei thrin hi ag "
         "urddas bob amser: maen nhw'n curo ar y drws, yn siarad Cymraeg â hi, ac yn cau'r llenni cyn ei helpu "
         "i ymolchi.\n\nMaen nhw hefyd yn ffonio'r teulu os oes unrhyw beth yn newid.",
         ("good-dignity", "good-involved-family"), (0,),
         "Diolch yn fawr am eich geiriau caredig am ofal eich Nain. Mae'n bwysig i ni drin pawb ag urddas, a bod "
         "pawb yn cael siarad yn eu hiaith eu hunain. Rydw i wedi rhannu eich neges gyda'r staff, ac fe fyddwn "
         "ni'n parhau i ffonio'r teulu os bydd unrhyw beth yn newid.",
         language="cy", route=ASSISTED, role="relative"),
    Unit("mental_health_wales", GOOD, ("Cael siarad Cymraeg pan oedd angen", "Gweithiwr a oedd yn gwrando"),
         "Ces i fy nghyfeirio at y tîm iechyd meddwl pan oeddwn i'n isel iawn. Roedd y gweithiwr a ddaeth i fy "
         "ngweld yn gwrando'n astud ac yn siarad Cymraeg â fi. Mae'n haws o lawer esbonio sut rydw i'n teimlo yn "
         "fy iaith gyntaf. Ches i ddim fy rhuthro.",
         ("good-listened", "good-communication"), (0,),
         "Diolch am rannu hyn. Rydyn ni'n gwybod bod cael siarad a chael rhywun i wrando yn eich iaith gyntaf yn "
         "bwysig iawn, ac rydw i wedi diolch i'r tîm ar eich rhan.",
         language="cy", route=PHONE),
)
