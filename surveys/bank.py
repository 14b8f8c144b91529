"""The seeded question bank, in English and German, grouped by purpose.

Loaded by a data migration, so every installation (and every test database) has it. Codes are
stable: results stay comparable across waves and KPIs find their items by code.
"""

A, S10, SC, MC, YN, TX = "agree5", "scale10", "single", "multiple", "yesno", "text"

# (code, kind, category, English, German, [(value, English, German), ...])
BANK = [
    # Engagement index
    ("eng-proud", A, "engagement", "I am proud to work for this company.", "Ich bin stolz, für dieses Unternehmen zu arbeiten.", []),
    ("eng-motivated", A, "engagement", "My work motivates me to give my best.", "Meine Arbeit motiviert mich, mein Bestes zu geben.", []),
    (
        "eng-stay",
        A,
        "engagement",
        "I see myself still working here in two years.",
        "Ich sehe mich auch in zwei Jahren noch hier arbeiten.",
        [],
    ),
    (
        "eng-recognition",
        A,
        "engagement",
        "I receive recognition for good work.",
        "Ich erhalte Anerkennung für gute Arbeit.",
        [],
    ),
    (
        "eng-growth",
        A,
        "engagement",
        "I have opportunities to learn and grow here.",
        "Ich habe hier Möglichkeiten, zu lernen und mich weiterzuentwickeln.",
        [],
    ),
    (
        "eng-purpose",
        A,
        "engagement",
        "I understand how my work contributes to our customers' satisfaction.",
        "Ich verstehe, wie meine Arbeit zur Zufriedenheit unserer Kunden beiträgt.",
        [],
    ),
    (
        "eng-heard",
        A,
        "engagement",
        "My opinion counts at work.",
        "Meine Meinung zählt bei der Arbeit.",
        [],
    ),
    (
        "eng-resources",
        A,
        "engagement",
        "I have the tools and resources I need to do my job well.",
        "Ich habe die Mittel und Ressourcen, die ich für gute Arbeit brauche.",
        [],
    ),
    (
        "eng-satisfied",
        A,
        "engagement",
        "Overall, I am satisfied with my job.",
        "Alles in allem bin ich mit meiner Arbeit zufrieden.",
        [],
    ),
    # eNPS
    (
        "enps",
        S10,
        "enps",
        "How likely are you to recommend us as a place to work?",
        "Wie wahrscheinlich ist es, dass Sie uns als Arbeitgeber weiterempfehlen?",
        [],
    ),
    # The six success pillars
    (
        "pillar-senior-management",
        A,
        "pillar",
        "Senior management is visibly involved in our internal initiatives.",
        "Die Geschäftsleitung ist sichtbar an unseren internen Initiativen beteiligt.",
        [],
    ),
    (
        "pillar-integrated-structure",
        A,
        "pillar",
        "Departments work together across boundaries instead of in silos.",
        "Abteilungen arbeiten über Grenzen hinweg zusammen statt in Silos.",
        [],
    ),
    (
        "pillar-strategic-marketing",
        A,
        "pillar",
        "Internal initiatives are based on what employees actually need.",
        "Interne Initiativen beruhen auf dem, was Mitarbeitende tatsächlich brauchen.",
        [],
    ),
    (
        "pillar-hr-partnership",
        A,
        "pillar",
        "HR helps me develop the skills I need.",
        "Die Personalabteilung unterstützt mich dabei, die nötigen Fähigkeiten zu entwickeln.",
        [],
    ),
    (
        "pillar-engagement",
        A,
        "pillar",
        "I can give feedback and it is acted upon.",
        "Ich kann Feedback geben, und es wird aufgegriffen.",
        [],
    ),
    (
        "pillar-brand-communication",
        A,
        "pillar",
        "What we promise customers matches how we work inside the company.",
        "Was wir Kunden versprechen, entspricht unserer Arbeitsweise im Unternehmen.",
        [],
    ),
    # Cultural alignment
    (
        "culture-values",
        A,
        "culture",
        "I know our company values and live them in my daily work.",
        "Ich kenne unsere Unternehmenswerte und lebe sie in meiner täglichen Arbeit.",
        [],
    ),
    (
        "culture-strategy",
        A,
        "culture",
        "I know our marketing strategy and what it means for my work.",
        "Ich kenne unsere Marketingstrategie und weiß, was sie für meine Arbeit bedeutet.",
        [],
    ),
    (
        "culture-mission",
        YN,
        "culture",
        "Do you know the company's mission statement?",
        "Kennen Sie das Unternehmensleitbild?",
        [],
    ),
    (
        "culture-channels",
        MC,
        "culture",
        "Where do you get news about the company?",
        "Woher erhalten Sie Neuigkeiten über das Unternehmen?",
        [
            (1, "Intranet", "Intranet"),
            (2, "Team meetings", "Teambesprechungen"),
            (3, "My supervisor", "Meine Führungskraft"),
            (4, "Colleagues", "Kolleginnen und Kollegen"),
            (5, "External media", "Externe Medien"),
        ],
    ),
    # Internal service quality
    (
        "service-reliability",
        A,
        "service",
        "This department keeps its promises and delivers reliably.",
        "Diese Abteilung hält ihre Zusagen ein und liefert zuverlässig.",
        [],
    ),
    (
        "service-responsiveness",
        A,
        "service",
        "This department responds to my requests quickly.",
        "Diese Abteilung reagiert schnell auf meine Anfragen.",
        [],
    ),
    (
        "service-communication",
        A,
        "service",
        "This department keeps me informed about the progress of my request.",
        "Diese Abteilung hält mich über den Stand meines Anliegens auf dem Laufenden.",
        [],
    ),
    (
        "service-helpfulness",
        A,
        "service",
        "The people in this department are helpful and friendly.",
        "Die Menschen in dieser Abteilung sind hilfsbereit und freundlich.",
        [],
    ),
    (
        "service-satisfaction",
        A,
        "service",
        "Overall, I am satisfied with this department's service.",
        "Alles in allem bin ich mit der Dienstleistung dieser Abteilung zufrieden.",
        [],
    ),
    (
        "service-inps",
        S10,
        "service",
        "How likely are you to recommend this department's service to a colleague?",
        "Wie wahrscheinlich ist es, dass Sie die Dienstleistung dieser Abteilung einer Kollegin oder einem Kollegen empfehlen?",
        [],
    ),
    # Leadership as a service to employees (the leader self-check, rated by employees)
    (
        "lead-lives-culture",
        A,
        "leadership",
        "My supervisor lives the service culture they ask of us.",
        "Meine Führungskraft lebt die Servicekultur vor, die sie von uns erwartet.",
        [],
    ),
    (
        "lead-supports",
        A,
        "leadership",
        "My supervisor supports me when I need it.",
        "Meine Führungskraft unterstützt mich, wenn ich es brauche.",
        [],
    ),
    (
        "lead-resources",
        A,
        "leadership",
        "My supervisor makes sure I have the resources I need.",
        "Meine Führungskraft sorgt dafür, dass ich die nötigen Ressourcen habe.",
        [],
    ),
    (
        "lead-backs-up",
        A,
        "leadership",
        "My supervisor backs me up.",
        "Meine Führungskraft steht hinter mir.",
        [],
    ),
    (
        "lead-listens",
        A,
        "leadership",
        "My supervisor listens to me.",
        "Meine Führungskraft hört mir zu.",
        [],
    ),
    (
        "lead-clear-goals",
        A,
        "leadership",
        "My supervisor agrees clear goals with me.",
        "Meine Führungskraft vereinbart klare Ziele mit mir.",
        [],
    ),
    (
        "lead-positive-feedback",
        A,
        "leadership",
        "My supervisor gives me positive feedback.",
        "Meine Führungskraft gibt mir positives Feedback.",
        [],
    ),
    (
        "lead-talk-frequency",
        SC,
        "leadership",
        "How often do you talk with your supervisor about your goals?",
        "Wie oft sprechen Sie mit Ihrer Führungskraft über Ihre Ziele?",
        [
            (1, "Never", "Nie"),
            (2, "Once a year", "Einmal im Jahr"),
            (3, "Every quarter", "Jedes Quartal"),
            (4, "Every month or more often", "Monatlich oder öfter"),
        ],
    ),
    # Know-how readiness per implementation phase
    (
        "knowhow-management-commitment",
        A,
        "knowhow",
        "I can see that management is committed to this program.",
        "Ich erkenne, dass die Geschäftsleitung hinter diesem Programm steht.",
        [],
    ),
    (
        "knowhow-communication",
        A,
        "knowhow",
        "I understand the goals of this program and what they mean for me.",
        "Ich verstehe die Ziele dieses Programms und was sie für mich bedeuten.",
        [],
    ),
    (
        "knowhow-transfer",
        A,
        "knowhow",
        "I have the knowledge and skills this program expects of me.",
        "Ich habe das Wissen und die Fähigkeiten, die dieses Programm von mir erwartet.",
        [],
    ),
    (
        "knowhow-employee-commitment",
        A,
        "knowhow",
        "I personally stand behind the values of this program.",
        "Ich stehe persönlich hinter den Werten dieses Programms.",
        [],
    ),
    # Improvement ideas
    (
        "ideas-open",
        TX,
        "ideas",
        "What one thing should we improve?",
        "Was sollten wir als Erstes verbessern?",
        [],
    ),
]


def load_bank(Question, QuestionOption) -> None:
    """Create missing bank questions (by code); existing ones are left as they are."""
    existing = set(Question.objects.filter(code__isnull=False).values_list("code", flat=True))
    for code, kind, category, text_en, text_de, options in BANK:
        if code in existing:
            continue
        question = Question.objects.create(code=code, kind=kind, category=category, text_en=text_en, text_de=text_de, in_bank=True)
        QuestionOption.objects.bulk_create(
            QuestionOption(question=question, value=value, text_en=en, text_de=de) for value, en, de in options
        )
