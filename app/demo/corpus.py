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
    # ------------------------------------------------------------ more emergency care
    Unit("ed", POOR, ("Eight hours on a trolley in a corridor", "A night on a trolley in the corridor"),
         "My grandmother is ninety-one. She waited eight hours on a trolley in the corridor after a fall, under "
         "bright lights, with people walking past all night. There were not enough staff to move her anywhere "
         "quieter, and the two nurses in that part of the department were clearly stretched.",
         ("improve-waiting", "improve-staffing"), (3, 4),
         "I am sorry your grandmother waited eight hours on a trolley in a corridor. That is not where a frail "
         "ninety-one-year-old should spend the night. We have opened an area with reclining chairs and two more "
         "staff overnight for older people waiting for a bed.",
         change="An area for older people waiting for a bed, with two more staff overnight, opened beside the "
                "department.", change_kind=MADE, role="relative"),
    Unit("ed", GOOD, ("The nurse who stayed with me", "Kindness at three in the morning"),
         "I came in by ambulance at three in the morning with a bad asthma attack. The nurse who looked after me "
         "was so gentle and calm. She held my hand while the nebuliser worked and told me what each step was for.",
         ("good-kindness", "good-explained"), (0,),
         "Thank you for your kind words about our nurse. I am glad she stayed calm beside you and explained each "
         "step, and I have passed your message to her and the night team."),
    Unit("ed", MIXED, ("Good doctor, nobody told us anything", "Fine care, but we were kept in the dark"),
         "The doctor who saw my son after his seizure was skilled and calm, and he is fine now. But for the four "
         "hours before that, nobody told us anything about what would happen next or why we were waiting.",
         ("good-staff", "improve-information"), (1, 2),
         "Thank you for your story, and I am glad your son is well. I am sorry nobody told you what was "
         "happening while you waited. Our waiting room screens now show the information people need about each "
         "stage.",
         change="Screens in the waiting room will show each stage of a visit and roughly how long it takes.",
         role="parent"),
    Unit("ed", POOR, ("Sent home too soon from A&E", "Discharged at 2am with nowhere to go"),
         "My father, who has dementia, was discharged from A&E at two in the morning in his slippers. Nobody "
         "rang us or told us. A taxi dropped him at home and a neighbour found him sitting on the step, confused and "
         "cold.",
         ("improve-discharge", "improve-communication"), (4, 5),
         "I am deeply sorry your father was sent home at two in the morning without anyone ringing his family. "
         "That discharge should never have happened. We have reviewed it with the team, and no one with dementia "
         "is now discharged at night without a family member or carer told first.",
         change="Nobody with dementia or confusion is discharged overnight unless their family or carer has been "
                "told and agrees.", change_kind=MADE, answer="Thank you for taking it seriously. Dad is fine now.",
         role="relative"),
    Unit("minor_injuries", MIXED, ("Quick to be seen, nowhere to park", "Fast treatment, a car park that was full"),
         "I cut my hand badly in the kitchen and drove to the minor injuries unit. I was stitched within forty "
         "minutes, which was brilliant. Finding somewhere to park took longer than the stitches: the small car "
         "park was full and I had to leave the car on a verge.",
         ("good-quick", "improve-parking"), (1,),
         "Thank you for your story. I am glad you were seen quickly, and sorry about the car park. Four spaces "
         "by the entrance are now kept for people coming to the unit.",
         change="Four parking spaces by the entrance are now kept for the minor injuries unit.", change_kind=MADE),
    Unit("minor_injuries", POOR, ("X-ray closed, sent elsewhere", "Told to go to another hospital for an X-ray"),
         "I drove my son to the minor injuries unit with a swollen ankle. After an hour's wait we were told the "
         "X-ray machine was not staffed that evening and we would have to go to the main hospital twenty miles "
         "away. There was no information about this on the website or at the door.",
         ("improve-information", "improve-waiting"), (2,),
         "I am sorry you waited an hour before being told the X-ray was closed. That information should have "
         "been on our website and at the door. The website now shows when X-ray is open each day.",
         change="The unit's web page and the sign at the door now show the hours X-ray is open each day.",
         change_kind=MADE, role="parent"),
    # ------------------------------------------------------------ more wards
    Unit("medical_ward", GOOD, ("Nurses who made Dad feel safe", "Ward 7 looked after Dad so well"),
         "Dad was on Ward 7 for a fortnight with a chest infection. The nurses were kind and patient with him, "
         "even when he was confused at night, and they rang me every evening to tell the family how his day had gone.",
         ("good-kindness", "good-involved-family"), (0,),
         "Thank you for your kind words about the nurses on Ward 7. Ringing each family every evening is something "
         "the team cares about, and I am glad it helped you and your dad.", role="relative"),
    Unit("medical_ward", POOR, ("Pain relief always late", "Waited hours for pain relief"),
         "I have sickle cell disease and was admitted in a crisis. Every dose of pain relief was late, sometimes "
         "by two hours, and when I said how bad the pain was I felt nobody believed me or listened.",
         ("improve-pain", "improve-listening"), (3, 4),
         "I am sorry your pain relief came late and that you did not feel listened to or believed. People in a "
         "sickle cell crisis need pain relief on time, and we have agreed a care plan with the haematology team "
         "so the ward knows what to give and when.",
         change="A sickle cell pain plan, agreed with the haematology team, is now started on arrival on the "
                "ward.", change_kind=MADE),
    Unit("medical_ward", MIXED, ("Clean and kind, but nobody explained the plan", "Kind nurses, no plan"),
         "The ward was very clean and the nurses were kind. But over six days nobody explained the plan for my "
         "treatment. Doctors came and went on rounds and I only found out I was having a scan when the porter "
         "arrived.",
         ("good-clean", "improve-communication"), (1, 2),
         "Thank you for your story, and I am glad the ward was clean. I am sorry nobody explained your plan. Each "
         "patient now has a board by the bed where the doctors write the plan for the day after the ward round.",
         change="A board by each bed shows the day's plan, written after the ward round.", change_kind=MADE),
    Unit("surgical_ward", POOR, ("The bay was dirty and the bins overflowed", "Dirty toilets on the ward"),
         "After my hip operation I shared a bay with five others. The toilet was dirty for most of the day and "
         "the bins overflowed by the evening. I was frightened of getting an infection in my wound.",
         ("improve-cleanliness",), (3,),
         "I am sorry the bay and the toilet were dirty and the bins overflowed. That is not acceptable after an "
         "operation. Cleaning of the toilets has been increased to four times a day and bins are emptied each "
         "afternoon and evening.",
         change="Toilets on the ward are now cleaned four times a day and bins are emptied each afternoon "
                "and evening.", change_kind=MADE),
    Unit("surgical_ward", GOOD, ("Well planned from start to finish", "Home the day after my operation"),
         "I had my hernia repaired and the discharge was planned from the moment I arrived: they told me what "
         "day I would go home, arranged my tablets the night before and gave me a number to ring. I was home by "
         "lunchtime the next day.",
         ("good-discharge", "good-explained"), (0,),
         "Thank you for your kind words. A well planned discharge makes such a difference, and I am glad it was all "
         "explained "
         "and you knew when you would go home. I have shared your message with the ward."),
    Unit("surgical_ward", MIXED, ("Skilled surgeon, poor pain control afterwards",
                                  "Operation good, the night after was not"),
         "The surgeon was skilled and explained everything beforehand. But on the first night after the "
         "operation my pain was not controlled and it took three hours for a doctor to come and change the "
         "prescription.",
         ("good-staff", "improve-pain"), (2, 3),
         "Thank you for your story. I am glad the surgeon looked after you well, and sorry your pain was not "
         "controlled on your first night. Ward nurses can now change pain relief from an agreed plan without "
         "waiting for a doctor.",
         change="Nurses on the ward can now increase pain relief from an agreed plan without waiting for a "
                "doctor.", change_kind=MADE),
    Unit("rehab", MIXED, ("Great physio, hardly any of it", "Good physiotherapy, but not enough"),
         "The physiotherapists on the ward were skilled and encouraging. But after my hip replacement I only had "
         "physio three times in a week because there were not enough staff, and I went home less steady than I "
         "had hoped.",
         ("good-staff", "improve-staffing"), (2,),
         "Thank you for your story, and for what you say about our physiotherapists. I am sorry there were not "
         "enough staff for you to have physio every day. We have recruited two more physiotherapists and a "
         "rehabilitation assistant.",
         change="Two more physiotherapists and a rehabilitation assistant will join the ward."),
    Unit("rehab", GOOD, ("Mum came home walking", "They planned Mum's return home with us"),
         "Mum spent a month on the rehabilitation ward after a fall. The team involved our family in every "
         "meeting and planned her discharge with us: the occupational therapist visited her home and a rail was "
         "fitted before she went back.",
         ("good-involved-family", "good-discharge"), (0,),
         "Thank you for your kind words. Planning someone's discharge with their family is at the heart of "
         "rehabilitation, and I am glad your mum came home safely.", role="relative"),
    Unit("rehab", POOR, ("Food left out of reach", "Nobody helped Dad eat"),
         "Dad had a stroke and cannot use his right hand. His meal tray was put on the table out of reach and "
         "taken away again untouched. The staff were stretched at mealtimes, nobody helped him eat, and he lost "
         "weight over the three weeks.",
         ("improve-food", "improve-staffing"), (3, 4),
         "I am very sorry your dad's meal tray was left out of reach and that nobody helped him eat. Everyone "
         "who needs help now has a red tray, and staff are free at mealtimes to help them.",
         change="People who need help to eat now have a red tray, and no other tasks are given to staff at "
                "mealtimes.", change_kind=MADE, role="relative"),
    Unit("icu", POOR, ("Nobody told us he had been moved", "We arrived to find an empty bed"),
         "My husband was moved out of intensive care to a ward in the middle of the night. Nobody told us. When "
         "my son and I arrived the next morning there was an empty bed and it took an hour to find out where "
         "he was.",
         ("improve-communication", "improve-information"), (2, 3),
         "I am sorry nobody told you your husband had moved, and that you arrived to an empty bed. The nurse "
         "in charge now rings the family whenever someone leaves intensive care, whatever the time.",
         change="The nurse in charge now rings a patient's family whenever the patient moves out of intensive "
                "care.", change_kind=MADE, role="relative"),
    Unit("icu", MIXED, ("Excellent care, hard waiting room", "Skilled team, an uncomfortable wait"),
         "The intensive care team were skilled and the consultant updated us every day. But the relatives' room "
         "had four chairs for a dozen families, no drinks and no way to tell how long we would wait to go in.",
         ("good-communication", "improve-waiting"), (1, 2),
         "Thank you for your story, and for your words about the team's updates. I am sorry the relatives' "
         "room made the waiting harder. We are refurbishing it with more seating, a drinks machine and a "
         "bell to the unit.",
         change="The relatives' room will be refurbished with more seating, drinks and a bell to the unit.",
         role="relative"),
    Unit("oncology", POOR, ("Chemotherapy cancelled on the day", "Turned away from chemotherapy twice"),
         "Twice my chemotherapy was cancelled after I had arrived, because the blood results were not back in "
         "time. I live an hour away. Nobody rang me beforehand and I waited four hours the second time before "
         "being sent home.",
         ("improve-waiting", "improve-information"), (3,),
         "I am sorry your chemotherapy was cancelled twice after you had travelled and waited. Blood tests are "
         "now taken the day before at your nearest hospital, so the results are ready when you arrive.",
         change="Blood tests before chemotherapy are now taken the day before at the hospital nearest home.",
         change_kind=MADE),
    Unit("oncology", MIXED, ("Kind nurses, a long wait for results", "Waiting weeks for results"),
         "The nurses on the day unit were kind and always had time for a chat. But I waited five weeks for "
         "the results of my scan, and the not knowing was the worst part of the whole treatment.",
         ("good-kindness", "improve-waiting"), (2, 3),
         "Thank you for your story and for your words about our nurses. I am sorry you waited five weeks for "
         "your scan results. We have a new target of two weeks and a nurse who rings people with the results.",
         change="A specialist nurse will ring each person with their scan results within two weeks."),
    Unit("radiology", GOOD, ("Scan done within a week of referral", "Quick and friendly MRI"),
         "I was referred for an MRI scan and had a date within a week. The radiographer was friendly, told me "
         "what each noise would be and checked on me through the headphones.",
         ("good-quick", "good-explained"), (0,),
         "Thank you for your kind words. I am glad your scan came quickly and that the radiographer explained "
         "each noise. I have passed your message to the team."),
    Unit("radiology", MIXED, ("Friendly staff, hard to find", "Good scan, lost in the corridors"),
         "The staff in radiology were friendly and the scan itself was quick. But the department is at the far "
         "end of the hospital, the signs stop halfway, and I was ten minutes late after asking three people "
         "the way. The appointment letter gave no information about where to go.",
         ("good-kindness", "improve-information"), (1,),
         "Thank you for your story, and I am glad the staff were friendly. I am sorry the signs did not get "
         "you there. Appointment letters now include a map, and new signs run all the way to the department.",
         change="Appointment letters include a map, and new signs lead all the way to radiology.",
         change_kind=MADE),
    # ------------------------------------------------------------ more maternity and children
    Unit("maternity", MIXED, ("Lovely midwives, sent home too early", "Kind care, a rushed discharge"),
         "The midwives who delivered our baby were lovely and I felt safe. But we were discharged six hours "
         "later before feeding was established, and we were back on the ward two days later because she had "
         "lost too much weight.",
         ("good-kindness", "improve-discharge"), (2, 3),
         "Thank you for your story and congratulations on your baby. I am sorry you were discharged before "
         "feeding was going well. No one now goes home until a feeding specialist has seen them, whatever the "
         "time of day.",
         change="No mother and baby are discharged until a feeding specialist has seen them.", change_kind=MADE,
         answer="Thank you. We are both doing well now."),
    Unit("maternity", POOR, ("My partner was sent home at night", "Partners sent away after the birth"),
         "Our son was born by caesarean at nine in the evening. At ten my partner was told to leave, and I was "
         "alone all night, unable to lift the baby out of the cot after surgery. There were not enough staff "
         "to help, and when I asked for him to stay, nobody listened.",
         ("improve-staffing", "improve-listening"), (3,),
         "I am sorry your partner was sent home and you were left alone after your caesarean, without enough "
         "staff to help, and that nobody listened when you asked for him to stay. Partners may now stay overnight on "
         "the postnatal ward, and we have recruited more "
         "maternity support workers.",
         change="Partners can now stay overnight on the postnatal ward.", change_kind=MADE),
    Unit("maternity", GOOD, ("They listened to my birth plan", "A calm birth, as I had hoped"),
         "I was anxious after a traumatic first birth. The midwives read my plan, asked what worried me most "
         "and listened. They kept the room dark and quiet as I wanted, and told me what was happening at each "
         "step. I cannot thank the maternity team enough.",
         ("good-listened", "good-communication"), (0,),
         "Thank you for your kind words. After a hard first birth, being listened to and told what is happening "
         "matters so much, and I "
         "have shared your message with the midwives who looked after you."),
    Unit("children", POOR, ("Eleven hours in a bay with no food", "No food for my son all day"),
         "My son, who is seven, was admitted with appendicitis. He was nil by mouth for an operation that was "
         "put off three times. By the evening he had waited eleven hours and nobody explained why, or offered "
         "him food once it was called off.",
         ("improve-waiting", "improve-food"), (3,),
         "I am sorry your son waited eleven hours without food for an operation that kept being put off. "
         "Children waiting for surgery now have a set time after which they are given a drink and a meal if "
         "the operation has not started.",
         change="Children waiting for surgery are given a drink and a meal at a set time if their operation has "
                "not started.", change_kind=MADE, role="parent"),
    Unit("children", GOOD, ("The play specialist made it bearable", "Our daughter felt safe with them"),
         "Our daughter needed blood tests every day for a week. The play specialist showed her the equipment "
         "on a teddy first, explained it with pictures and let her choose which arm. The nurses were patient "
         "with her every time.",
         ("good-explained", "good-kindness"), (0,),
         "Thank you for your kind words. I am glad the play specialist explained the tests with pictures and "
         "that the nurses were patient with your daughter. I have shared your message with the ward.",
         role="parent"),
    Unit("children", MIXED, ("Brilliant nurses, no bed for a parent", "Great care, a night on a chair"),
         "The nurses on the children's ward were kind and quick to come when my baby's breathing changed. But "
         "there was no bed for parents, and I spent three nights sitting upright on a hard plastic chair, with no "
         "private space to rest.",
         ("good-kindness", "improve-dignity"), (1, 2),
         "Thank you for your story and for your words about the nurses. I am sorry you spent three nights on "
         "a chair: parents deserve the dignity of somewhere to rest. Fold-out beds are now beside every cot.",
         change="A fold-out bed for a parent is now beside every cot on the ward.", change_kind=MADE,
         role="parent"),
    # ------------------------------------------------------------ more outpatients and clinics
    Unit("outpatients", GOOD, ("Clinic ran on time", "In and out of the clinic in half an hour"),
         "I had a follow-up at the heart clinic. I was called in within five minutes of my appointment time, "
         "the consultant explained my results in plain words and I had a letter summarising it all a few days "
         "later.",
         ("good-quick", "good-explained"), (0,),
         "Thank you for your kind words. I am glad you were seen quickly and that the consultant explained your "
         "results clearly. I have passed your message on to the clinic."),
    Unit("outpatients", POOR, ("Appointment cancelled four times", "Four cancellations in a year"),
         "My appointment at the rheumatology clinic has been cancelled four times in a year, each time by "
         "letter a day or two before. When I phone to rebook, the line rings out. My joints are getting worse "
         "while I wait.",
         ("improve-appointments", "improve-waiting"), (3, 4),
         "I am sorry your appointment has been cancelled four times, that you are still waiting, and that the "
         "booking line rings out. We "
         "have added evening clinics and more staff on the phone line, and we are reviewing everyone whose "
         "appointment has been moved more than once.",
         change="Everyone whose clinic appointment was moved more than once is being offered a date within six "
                "weeks."),
    Unit("outpatients", MIXED, ("Helpful doctor, a long wait in clinic", "Good advice after two hours"),
         "The doctor in the clinic listened carefully and changed my medicine, which has really helped. But I "
         "waited two hours past my appointment time with no explanation.",
         ("good-listened", "improve-waiting"), (1, 2),
         "Thank you for your story. I am glad the doctor listened and the new medicine helps, and sorry you "
         "waited two hours without being told why. The clinic now shows how late each doctor is running.",
         change="A screen in the clinic shows how late each doctor is running.", change_kind=MADE),
    Unit("eyes", GOOD, ("My cataract operation was painless", "Clear sight again, and clearly explained"),
         "I was nervous about my cataract operation. The nurse explained every step, the surgeon was skilled "
         "and talked to me throughout, and it did not hurt at all. I was in and out in two hours.",
         ("good-explained", "good-staff"), (0,),
         "Thank you for your kind words. I am glad the nurse explained each step and that the surgeon put you "
         "at ease. I have shared your message with the clinic."),
    Unit("eyes", POOR, ("Letter came after the appointment", "Missed my eye appointment because of the post"),
         "My appointment letter for the cataract clinic arrived two days after the appointment date. When I "
         "rang to rebook I was told I would go back to the start of the waiting list.",
         ("improve-appointments", "improve-information"), (2, 3),
         "I am sorry your letter arrived after your appointment and that you were told you would start again. "
         "That was wrong: nobody goes back on the list because of a late letter, and you have been offered a "
         "new appointment.",
         change="Appointments are now confirmed by text or phone as well as by letter.", change_kind=MADE,
         answer="Thank you. I have my new date and it is sooner than I expected.", route=PAPER),
    # ------------------------------------------------------------ more mental health
    Unit("mental_health_ward", MIXED, ("Kind staff, nothing to do all day", "Kind nurses, very long days"),
         "The nurses on the ward were kind and made time to talk. But there was nothing to do all day, and "
         "with so few staff the walks and groups kept being cancelled. The days felt very long.",
         ("good-kindness", "improve-staffing"), (2,),
         "Thank you for your story and your words about the nurses. I am sorry groups and walks were cancelled "
         "because there were not enough staff. We have an activity worker on the ward seven days a week now.",
         change="An activity worker now runs groups and walks on the ward seven days a week.", change_kind=MADE),
    Unit("mental_health_ward", POOR, ("No privacy on the ward", "Searched in front of other patients"),
         "I was searched in the corridor in front of other patients when I came back from leave. Nobody "
         "explained why. There was no privacy or dignity in it, and it made me feel like a criminal.",
         ("improve-dignity", "improve-communication"), (3,),
         "I am very sorry you were searched in front of others without being told why. That did not respect "
         "your dignity. Searches now take place in a private room, and staff explain the reason first.",
         change="Searches on return from leave now happen in a private room, with the reason explained first.",
         change_kind=MADE, route=ASSISTED),
    Unit("crisis", MIXED, ("Help came, but the next day", "A good plan, too late in the day"),
         "I called the crisis team about my partner at lunchtime. Someone came the next day, not that evening "
         "as we were told. When they came they were calm and made a safety plan with us that has helped.",
         ("good-communication", "improve-waiting"), (2, 3),
         "Thank you for your story. I am glad the safety plan has helped, and sorry you waited until the next "
         "day when you were told someone would come that evening. We now ring back within the hour if a visit "
         "will be later than promised.",
         change="When a visit will be later than promised, the team rings back within the hour to say when.",
         role="carer"),
    Unit("crisis", POOR, ("Told to go to A&E and wait", "The crisis line sent me to A&E"),
         "When I rang the crisis line, the person on the phone told me to go to A&E. I waited there for nine "
         "hours among drunk people and crying children before anyone from mental health saw me. I felt "
         "nobody listened to what I actually needed.",
         ("improve-waiting", "improve-listening"), (4,),
         "I am so sorry you waited nine hours in A&E and felt nobody listened to you. A&E is not the right place "
         "for most people in crisis. We have opened a crisis café in the evenings as somewhere safe to go "
         "instead.",
         change="A crisis café is open every evening, with mental health staff, as somewhere safe to go instead "
                "of A&E.", change_kind=MADE, route=PHONE),
    # ------------------------------------------------------------ more general practice
    Unit("gp", GOOD, ("A same-day appointment for my son", "Quick help with my son's ear"),
         "My son woke with an earache. I booked online at seven and we were seen the same morning. The doctor "
         "was friendly with him and showed me how to give the drops.",
         ("good-quick", "good-kindness"), (0,),
         "Thank you for your kind words. I am glad the online booking got your son seen quickly and that the "
         "doctor was friendly with him.", role="parent"),
    Unit("gp", POOR, ("Test results never came", "Nobody told me my blood results"),
         "I had blood tests in March. Nobody told me the results. When I rang in May I was told one result was "
         "abnormal and I should have been called back weeks ago.",
         ("improve-information",), (3, 4),
         "I am sorry nobody told you your results and that an abnormal result was missed. We have changed how "
         "results are checked: every abnormal result is now given to a named doctor, who contacts the patient.",
         change="Every abnormal test result now goes to a named doctor, who contacts the patient within a week.",
         change_kind=MADE, answer="Thank you for explaining. I hope it does not happen to anyone else."),
    Unit("gp", MIXED, ("Good nurse, hard to get a review", "The asthma nurse is great, when you can see her"),
         "The practice asthma nurse is excellent and explained my new inhaler properly. But it took me six "
         "weeks to get a review appointment with her, and the phone line was engaged every time I rang.",
         ("good-explained", "improve-appointments"), (1, 2),
         "Thank you for your story and your words about our nurse. I am sorry it took six weeks to book a "
         "review. Asthma reviews can now be booked online, and we have added a second clinic each week.",
         change="A second asthma clinic runs each week, and reviews can be booked online.", change_kind=MADE),
    Unit("gp", POOR, ("Rude on the phone", "Spoken to without respect at reception"),
         "When I rang to ask about my mother's medication, the receptionist was short with me and said she "
         "could not discuss it, even though I am registered as her carer, and nobody explained why. I felt spoken to "
         "without respect.",
         ("improve-dignity", "improve-communication"), (2,),
         "I am sorry you were spoken to without respect when you rang about your mother's medication. Your "
         "details as her carer were on her record and the receptionist should have checked them. We have "
         "told the team how to find them.",
         change="Reception staff have had training on carers' records and how to find them.", change_kind=MADE,
         role="carer"),
    Unit("gp", GOOD, ("The doctor rang back the same evening", "A GP who really listened"),
         "I rang about my dad's breathing. The doctor called back the same evening, listened to everything I "
         "said, and came out to see him the next morning. She explained what was happening in a way Dad "
         "understood.",
         ("good-listened", "good-communication"), (0,),
         "Thank you for your kind words. I am glad the doctor listened and explained things so that your dad "
         "understood, and I have shared your message with her.", role="carer"),
    # ------------------------------------------------------------ more care homes
    Unit("care_home", GOOD, ("Lovely food and a real welcome", "Mum loves the meals"),
         "Mum has lost her appetite in recent years, but at the home she eats well. The cook asks what she "
         "likes and makes her favourite rice pudding. Staff are friendly and always offer us a cup of tea when "
         "we visit.",
         ("good-food", "good-kindness"), (0,),
         "Thank you for your kind words. Our cook will be delighted to hear about the rice pudding, and I am "
         "glad your mum is enjoying her food.", role="relative"),
    Unit("care_home", POOR, ("Not enough staff at weekends", "Dad left in bed until lunchtime"),
         "At weekends the home is short of staff. Twice I have visited at noon and found Dad still in bed, "
         "unwashed and without breakfast. That is no way to treat him with dignity. The carers who are there are "
         "stretched and apologetic.",
         ("improve-staffing", "improve-dignity"), (3, 4),
         "I am very sorry your dad was left in bed until noon, unwashed. That does not respect his dignity. "
         "We have increased weekend staffing by two carers each morning and I check the rota myself each "
         "week.",
         change="Two more carers now work every weekend morning.", change_kind=MADE, role="relative"),
    Unit("care_home", MIXED, ("Caring staff, no word from the home", "Kind carers, but nobody told us"),
         "The carers are kind to my aunt and she likes them. But nobody from the home told us she had had a "
         "fall until we visited three days later and saw the bruise.",
         ("good-kindness", "improve-communication"), (2, 3),
         "Thank you for your story and your words about our carers. I am sorry nobody told you about your "
         "aunt's fall. Families are now rung the same day after any fall, and it is recorded when they were "
         "told.",
         change="Families are now rung the same day after any fall, and the call is recorded.", change_kind=MADE,
         role="relative"),
    # ------------------------------------------------------------ more other services
    Unit("transport", GOOD, ("The drivers are so kind", "Transport to my appointments is wonderful"),
         "I have transport to the hospital twice a week. The drivers are always on time, friendly and patient "
         "with me when I am slow with my frame. They wait until I am inside before they leave.",
         ("good-kindness",), (0,),
         "Thank you for your kind words about our drivers. I have passed your message to them, and they will "
         "be delighted to hear it.", route=PHONE),
    Unit("transport", POOR, ("Missed my appointment waiting for transport", "The car never came"),
         "My transport to the eye clinic was booked two weeks ahead. On the day the car never came, I missed "
         "the appointment, and when I phoned the booking line I was told there was no record of my booking.",
         ("improve-appointments", "improve-information"), (3,),
         "I am sorry your car did not come and you missed your appointment, and that you were told we had no "
         "record of your booking. Every booking is now confirmed with a text or phone call the day before.",
         change="Every transport booking is now confirmed by text or phone the day before.", change_kind=MADE),
    Unit("dental", POOR, ("A year on the waiting list", "Still waiting for my dentures"),
         "I was referred to the community dental service for dentures after an operation. It has been a year "
         "and I am still waiting for an appointment. I cannot eat properly and nobody has told me how much "
         "longer it will be.",
         ("improve-waiting", "improve-information"), (3,),
         "I am sorry you have waited a year and that nobody has told you how long it will be. We are writing to "
         "everyone on the list with their place and an estimated date, and you have been given an appointment.",
         change="Everyone waiting will receive a letter each quarter with their place on the list.",
         answer="I now have a date. Thank you for sorting it out."),
    Unit("dental", MIXED, ("Gentle dentist, a long way to go", "Good care, but the clinic is far"),
         "The dentist at the community clinic was very gentle with my autistic son and took her time. But the "
         "nearest clinic is an hour away by two buses, and the only parking is a pay car park down the road.",
         ("good-kindness", "improve-parking"), (1, 2),
         "Thank you for your story and your words about the dentist. I am sorry the journey was so long. We now "
         "hold a monthly clinic in the town centre, and two parking bays by the door are kept for patients.",
         change="Two parking bays by the clinic door are now kept for patients, and a monthly clinic runs in "
                "the town centre.", change_kind=MADE, role="parent"),
    Unit("oncology", GOOD, ("The nurse specialist rang back within the hour", "Clear answers after a cancer diagnosis"),
         "When my wife was told she had breast cancer, the nurse specialist sat with us afterwards and explained "
         "the plan in plain language. She gave us her direct number, and when we rang with a question she called "
         "back within the hour.",
         ("good-communication", "good-quick"), (0,),
         "Thank you for your kind words. I am glad the nurse specialist explained the plan clearly and called you "
         "back quickly, and I have passed your message on to her.", role="relative"),
    Unit("medical_ward", POOR, ("Gluten-free meals never came", "Nobody listened about my coeliac disease"),
         "I have coeliac disease and told the staff when I was admitted. For three days the meals that came were "
         "not gluten free, and I lived on crisps my son brought in. Each time I asked, I was told it would be "
         "sorted, but nobody listened.",
         ("improve-food", "improve-listening"), (2, 3),
         "I am sorry your gluten-free meals did not come and that nobody listened when you asked. Special diets "
         "are now recorded on admission and checked against each meal tray before it leaves the kitchen.",
         change="Special diets are now recorded on admission and checked against each tray before it leaves the "
                "kitchen.", change_kind=MADE),
    Unit("children", MIXED, ("Seen quickly, but no letter to the GP", "Fast care, missing information"),
         "My baby was seen quickly on the children's ward with a high temperature and was much better by the next "
         "day. But the discharge letter never reached our GP, and when we went for the follow-up they had no "
         "information about what had happened.",
         ("good-quick", "improve-information"), (1, 2),
         "Thank you for your story, and I am glad your baby was seen quickly and is better. I am sorry the letter "
         "did not reach your GP. Discharge letters now go to the practice electronically on the day a child goes "
         "home.",
         change="Discharge letters now reach the child's GP practice electronically on the day they go home.",
         change_kind=MADE, role="parent"),
    Unit("care_home", GOOD, ("Spotless rooms and real respect", "A clean home where he is respected"),
         "We looked at six homes before choosing this one for my husband. It is spotlessly clean, and the staff "
         "speak to him with respect, knock before going in and always close the curtains before helping him "
         "dress.",
         ("good-clean", "good-dignity"), (0,),
         "Thank you for your kind words. Keeping the home clean and treating everyone with dignity and respect "
         "matter to all of us, and I have shared your message with the staff.", role="relative"),
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
    Unit("ed_wales", GOOD, ("Gweld meddyg o fewn awr", "Gofal cyflym a charedig i fy mab"),
         "Syrthiodd fy mab oddi ar ei feic a thorri ei arddwrn. Cawson ni ein gweld gan nyrs o fewn ugain munud, "
         "ac roedd e wedi cael pelydr-X o fewn awr. Roedd y meddyg yn garedig iawn gydag e, ac fe esboniodd hi "
         "bopeth yn Gymraeg.",
         ("good-quick", "good-kindness"), (0,),
         "Diolch yn fawr am eich geiriau caredig. Mae'n dda gen i glywed bod eich mab wedi cael ei weld yn "
         "gyflym, ac rydw i wedi rhannu eich neges gyda'r tîm yn yr adran.",
         language="cy", role="parent"),
    Unit("ed_wales", MIXED, ("Nyrsys caredig, aros hir", "Pum awr o aros, ond staff caredig"),
         "Es i â fy mam i'r Adran Achosion Brys ar nos Sadwrn. Buon ni'n aros am bum awr cyn gweld meddyg. "
         "Roedd yr ystafell aros yn llawn a doedd dim digon o gadeiriau.\n\n"
         "Er hynny, roedd y nyrsys yn garedig ac yn amyneddgar, ac fe ddaeth un â phaned o de i Mam.",
         ("good-kindness", "improve-waiting"), (1, 2),
         "Diolch am rannu eich profiad. Mae'n ddrwg gen i eich bod wedi aros pum awr, ac rydw i'n falch bod y "
         "nyrsys wedi bod yn garedig wrth eich mam. Rydyn ni'n agor ystafell aros fwy y gwanwyn nesaf.",
         change="Bydd ystafell aros fwy, gyda digon o gadeiriau, yn agor yn yr adran.", language="cy",
         role="relative"),
    Unit("ward_wales", POOR, ("Dim digon o staff ar y ward", "Neb i helpu Dad yn y nos"),
         "Roedd fy nhad ar Ward Dewi am bythefnos. Doedd dim digon o staff yn y nos, ac un noson bu'n rhaid "
         "iddo aros dros hanner awr am help i fynd i'r tŷ bach. Erbyn i rywun ddod, roedd hi'n rhy hwyr. Does "
         "dim urddas yn hynny i ddyn balch wyth deg pump oed.",
         ("improve-staffing", "improve-dignity"), (3, 4),
         "Mae'n ddrwg iawn gen i fod eich tad wedi gorfod aros am help yn y nos, a bod hyn wedi amharu ar ei "
         "urddas. Rydyn ni wedi ychwanegu nyrs arall at y staff nos ar Ward Dewi.",
         change="Mae nyrs ychwanegol bellach yn gweithio bob nos ar Ward Dewi.", change_kind=MADE, language="cy",
         role="relative"),
    Unit("ward_wales", GOOD, ("Mynd adref wedi'i drefnu'n dda", "Trefnu i Mam fynd adref gyda ni"),
         "Ar ôl i Mam dorri ei chlun, roedd y tîm ar Ward Dewi yn cynnwys y teulu ym mhob penderfyniad. Fe "
         "wnaethon nhw drefnu iddi fynd adref gyda ni: daeth therapydd galwedigaethol i'r tŷ, roedd y tabledi'n "
         "barod y noson cynt, ac roedd gofalwyr yn dod o'r diwrnod cyntaf.",
         ("good-discharge", "good-involved-family"), (0,),
         "Diolch yn fawr am eich geiriau caredig. Mae cynnwys y teulu wrth gynllunio i rywun fynd adref yn "
         "bwysig iawn i ni, ac rydw i wedi rhannu eich neges gyda'r ward.",
         language="cy", role="relative"),
    Unit("ward_wales", MIXED, ("Llawfeddyg medrus, ond dim gwybodaeth wedyn",
                               "Llawdriniaeth dda, ond neb yn dweud dim wedyn"),
         "Ces i lawdriniaeth ar fy mhen-glin, ac roedd y llawfeddyg yn ddyn medrus a oedd yn esbonio'n glir. Ond "
         "ar ôl y llawdriniaeth, ches i ddim gwybodaeth am ba ymarferion i'w gwneud nac am bwy i'w ffonio pe bai "
         "problem. Roedd rhaid i fi ffonio'r ward dair gwaith.",
         ("good-staff", "improve-information"), (1, 2),
         "Diolch am eich stori. Rydw i'n falch bod y llawfeddyg yn ddyn medrus a'i fod wedi esbonio'n glir, ond "
         "mae'n ddrwg gen i na chawsoch chi wybod beth i'w wneud wedyn. Mae pob claf bellach yn cael taflen gyda'r "
         "ymarferion a rhif ffôn y ward cyn mynd adref.",
         change="Mae pob claf yn cael taflen gyda'r ymarferion a rhif ffôn y ward cyn mynd adref.",
         change_kind=MADE, language="cy"),
    Unit("maternity_wales", POOR, ("Neb yn gwrando arna i yn y nos", "Dim ond dwy fydwraig ar y ward"),
         "Ar ôl geni fy mab, ces i fy symud i'r ward ôl-enedigol. Roeddwn i'n gwaedu'n drwm, a dywedais i hynny "
         "wrth y fydwraig ddwywaith, ond doedd neb yn gwrando. Dim ond dwy fydwraig oedd ar y ward i gyd, ac "
         "roedd y staff dan bwysau mawr. Yn y diwedd, fy mhartner aeth i chwilio am feddyg.",
         ("improve-listening", "improve-staffing"), (4, 5),
         "Mae'n ddrwg iawn gen i nad oedd neb yn gwrando arnoch chi pan oeddech chi'n gwaedu. Dylai pob mam gael "
         "ei chredu. Rydyn ni wedi ychwanegu trydedd fydwraig at staff y nos ac rydyn ni'n adolygu'r hyn a "
         "ddigwyddodd.",
         change="Mae trydedd fydwraig bellach yn gweithio bob nos ar y ward ôl-enedigol.", change_kind=MADE,
         answer="Diolch am ateb. Rydw i'n gobeithio na fydd hyn yn digwydd i neb arall.", language="cy"),
    Unit("maternity_wales", MIXED, ("Esbonio clir, ond aros hir",
                                    "Bydwragedd yn dweud y cyfan, ond dau ddiwrnod o aros"),
         "Roeddwn i i fod i gael fy ysgogi ar y dydd Llun, ond bu'n rhaid i mi aros tan ddydd Mercher achos "
         "roedd y ward mor brysur. Roedd yr aros yn anodd. Ond roedd y bydwragedd yn dweud wrthon ni beth oedd yn "
         "digwydd bob bore, ac fe esbonion nhw'n glir pam.",
         ("good-communication", "improve-waiting"), (1, 2),
         "Diolch am eich stori. Mae'n ddrwg gen i eich bod wedi gorfod aros dau ddiwrnod, ac rydw i'n falch bod "
         "y bydwragedd wedi esbonio pam. Rydyn ni'n cynllunio mwy o welyau ar gyfer ysgogi er mwyn lleihau'r "
         "aros.",
         change="Bydd dau wely ychwanegol ar gyfer ysgogi yn agor yn yr Uned Mamolaeth.", language="cy"),
    Unit("mental_health_wales", POOR, ("Aros pedwar mis am apwyntiad", "Methu cael apwyntiad gyda'r tîm"),
         "Ces i fy nghyfeirio at y tîm iechyd meddwl gan fy meddyg teulu ym mis Ionawr. Roedd rhaid aros pedwar "
         "mis am apwyntiad cyntaf, a phan oeddwn i'n ffonio i ofyn pryd, doedd neb yn gallu dweud. Roeddwn i'n "
         "teimlo'n waeth bob wythnos.",
         ("improve-appointments", "improve-waiting"), (3, 4),
         "Mae'n ddrwg iawn gen i eich bod wedi aros pedwar mis am apwyntiad cyntaf. Mae hynny'n llawer rhy hir. "
         "Bellach, mae pawb sy'n cael eu cyfeirio yn cael galwad gan aelod o'r tîm o fewn pythefnos.",
         change="Mae pawb sy'n cael eu cyfeirio at y tîm bellach yn cael galwad ffôn o fewn pythefnos.",
         change_kind=MADE, language="cy", route=PHONE),
    Unit("mental_health_wales", MIXED, ("Gweithiwr da, ond llythyrau Saesneg yn unig",
                                        "Gwrando da, ond dim gwybodaeth yn Gymraeg"),
         "Mae fy ngweithiwr gofal yn gwrando arna i ac yn fy helpu i gynllunio. Ond mae pob llythyr gan y tîm yn "
         "dod yn Saesneg yn unig, a does dim gwybodaeth yn Gymraeg am y feddyginiaeth newydd. Mae'n anodd i fy "
         "mam, sy'n fy helpu, ddeall y cyfan.",
         ("good-listened", "improve-information"), (1, 2),
         "Diolch am eich stori, ac rydw i'n falch bod eich gweithiwr yn gwrando. Mae'n ddrwg gen i nad oedd y "
         "llythyrau ar gael yn Gymraeg. O hyn ymlaen, fe fyddwn ni'n anfon llythyrau yn Gymraeg at bawb sy'n "
         "gofyn, ac mae gwybodaeth am feddyginiaeth ar gael yn ddwyieithog.",
         change="Mae llythyrau'r tîm bellach ar gael yn Gymraeg, ac mae gwybodaeth am feddyginiaeth yn "
                "ddwyieithog.", change_kind=MADE, language="cy"),
    Unit("gp_wales", GOOD, ("Apwyntiad yr un diwrnod", "Meddyg a siaradodd Gymraeg â fy nhaid"),
         "Ffoniais i'r feddygfa am wyth o'r gloch achos roedd gan fy nhaid boen yn ei frest. Cawson ni "
         "apwyntiad o fewn awr, ac fe esboniodd y meddyg yn glir beth oedd yn digwydd, yn Gymraeg, a oedd yn "
         "golygu llawer iddo fe.",
         ("good-quick", "good-communication"), (0,),
         "Diolch yn fawr am eich geiriau caredig. Rydw i'n falch bod eich taid wedi cael ei weld yn gyflym, a "
         "bod y meddyg wedi gallu esbonio popeth yn ei iaith ei hun.",
         language="cy", role="relative"),
    Unit("gp_wales", MIXED, ("Meddyg da, ond aros am awr", "Aros hir, ond meddyg a oedd yn gwrando"),
         "Roedd fy apwyntiad am ddeg o'r gloch, ond ches i ddim fy ngweld tan ar ôl un ar ddeg. Bues i'n aros "
         "am dros awr, a doedd neb wedi dweud bod y meddyg yn hwyr. Ond pan ges i fy ngweld, roedd y meddyg yn "
         "gwrando'n astud ac yn fy nghymryd o ddifrif.",
         ("good-listened", "improve-waiting"), (1, 2),
         "Diolch am eich stori. Mae'n dda gen i fod y meddyg wedi gwrando arnoch chi, ac mae'n ddrwg gen i eich "
         "bod wedi aros dros awr heb i neb ddweud pam. O hyn ymlaen, bydd y dderbynfa'n dweud wrth bawb pan fydd "
         "meddyg yn hwyr.",
         change="Mae'r dderbynfa bellach yn dweud wrth bawb sy'n aros pan fydd meddyg yn rhedeg yn hwyr.",
         change_kind=MADE, language="cy"),
    Unit("care_home_wales", POOR, ("Bwyd oer a neb yn dweud dim", "Dad yn colli pwysau heb i neb ddweud"),
         "Mae fy nhad yn y cartref ers chwe mis. Mae wedi colli pwysau, achos mae'r bwyd yn aml yn oer a does "
         "neb yn ei helpu i fwyta. Pan ofynnais i'r staff am hyn, ches i ddim ateb clir, a doedd neb wedi dweud "
         "wrth y teulu ei fod yn colli pwysau.",
         ("improve-food", "improve-communication"), (3, 4),
         "Mae'n ddrwg iawn gen i fod eich tad wedi colli pwysau ac nad oedd neb wedi dweud wrthych chi. Mae staff "
         "bellach yn helpu pawb sydd angen help gyda'u bwyd, ac rydyn ni'n pwyso pawb bob wythnos ac yn ffonio'r "
         "teulu os oes newid.",
         change="Mae pawb yn cael eu pwyso bob wythnos, ac mae'r teulu'n cael galwad os oes newid.",
         change_kind=MADE, language="cy", role="relative"),
    Unit("care_home_wales", MIXED, ("Gofalwyr caredig, ond dim digon ohonyn nhw", "Staff caredig, prynhawniau unig"),
         "Mae'r gofalwyr yn y cartref yn garedig iawn wrth Mam, ac maen nhw'n canu hen emynau gyda hi. Ond does "
         "dim digon o staff yn y prynhawn, ac weithiau mae Mam yn eistedd ar ei phen ei hun am oriau.",
         ("good-kindness", "improve-staffing"), (2,),
         "Diolch am eich stori, ac am eich geiriau caredig am y gofalwyr. Mae'n ddrwg gen i nad oes digon o staff "
         "yn y prynhawn. Rydyn ni'n recriwtio dau ofalwr arall ar gyfer y prynhawniau.",
         change="Bydd dau ofalwr arall yn gweithio bob prynhawn.", language="cy", role="relative"),
)
