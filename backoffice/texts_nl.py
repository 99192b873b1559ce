"""Dutch texts of the back-office interface (English message id → Dutch). See backoffice/i18n.py."""

from __future__ import annotations

DUTCH: dict[str, str] = {
    # -- layout --------------------------------------------------------------------------------
    "Back-office": "Backoffice",
    "back-office": "backoffice",
    "Skip to the content": "Naar de inhoud",
    "Main menu": "Hoofdmenu",
    "Inbox": "Postvak",
    "Clients": "Cliënten",
    "Audit trail": "Auditlog",
    "Staff": "Medewerkers",
    "My password": "Mijn wachtwoord",
    "Log out": "Uitloggen",
    "Error:": "Fout:",
    "Message:": "Melding:",
    "Personal data of clients: only look at what you need for your work. Every view is "
    "recorded.": "Persoonsgegevens van cliënten: bekijk alleen wat u nodig hebt voor uw werk. "
    "Elke weergave wordt vastgelegd.",
    "optional": "niet verplicht",
    "There is a problem": "Er is een probleem",
    "Something went wrong": "Er ging iets mis",
    "Go to the inbox": "Naar het postvak",
    "Go to the login page": "Naar de inlogpagina",
    "Pages": "Pagina's",
    "Newer": "Nieuwer",
    "Older": "Ouder",
    "Save": "Opslaan",
    "Filter": "Filteren",
    "Search": "Zoeken",
    "Actions": "Acties",
    "Status": "Status",
    "you": "uzelf",
    # -- logging in ----------------------------------------------------------------------------
    "Log in": "Inloggen",
    "Login name": "Inlognaam",
    "Password": "Wachtwoord",
    "Next": "Verder",
    "Or": "Of",
    "After your password you give a code from the authenticator app on your phone.": (
        "Na uw wachtwoord geeft u een code uit de authenticator-app op uw telefoon."
    ),
    "Log in with your organisation's account": "Inloggen met het account van uw organisatie",
    "Forgotten your password or lost your phone? Ask an administrator of your team.": (
        "Wachtwoord vergeten of telefoon kwijt? Vraag het aan een beheerder van uw team."
    ),
    "Code from your app": "Code uit uw app",
    "Six-digit code": "Code van zes cijfers",
    "Open the authenticator app on your phone and type the code for inburgerbot.": (
        "Open de authenticator-app op uw telefoon en typ de code voor inburgerbot."
    ),
    "Set up your second factor": "Tweede factor instellen",
    "Install an authenticator app on your work phone, for example FreeOTP, Microsoft "
    "Authenticator or Google Authenticator.": "Installeer een authenticator-app op uw "
    "werktelefoon, bijvoorbeeld FreeOTP, Microsoft Authenticator of Google Authenticator.",
    "Scan this QR code with the app.": "Scan deze QR-code met de app.",
    "QR code to set up the authenticator app": "QR-code om de authenticator-app in te stellen",
    "Cannot scan? Type this key in the app:": "Lukt scannen niet? Typ deze sleutel in de app:",
    "Type the six-digit code the app shows.": "Typ de code van zes cijfers die de app laat zien.",
    "Confirm and log in": "Bevestigen en inloggen",
    "The login name or the password is not right. After 5 failed attempts an account is locked "
    "for 15 minutes.": "De inlognaam of het wachtwoord klopt niet. Na 5 mislukte pogingen wordt "
    "een account 15 minuten geblokkeerd.",
    "This code is not right. Use the newest code from your authenticator app. After 5 failed "
    "attempts the account is locked for 15 minutes.": "Deze code klopt niet. Gebruik de nieuwste "
    "code uit uw authenticator-app. Na 5 mislukte pogingen wordt het account 15 minuten "
    "geblokkeerd.",
    "Too many failed attempts. The account is locked for 15 minutes.": (
        "Te veel mislukte pogingen. Het account is 15 minuten geblokkeerd."
    ),
    "Your session has ended. Please log in again.": "Uw sessie is verlopen. Log opnieuw in.",
    "You are logged out.": "U bent uitgelogd.",
    "Logging in with your organisation's account did not work. Try again or use your "
    "password.": "Inloggen met het account van uw organisatie is niet gelukt. Probeer het "
    "opnieuw of gebruik uw wachtwoord.",
    "This form has expired. Go back, reload the page and try again.": (
        "Dit formulier is verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens."
    ),
    "This page does not exist, or you have no access to it.": (
        "Deze pagina bestaat niet, of u hebt er geen toegang toe."
    ),
    "You have no access to this page.": "U hebt geen toegang tot deze pagina.",
    "This action is not possible here.": "Deze handeling kan hier niet.",
    # -- own password ----------------------------------------------------------------------------
    "Change my password": "Mijn wachtwoord wijzigen",
    "Current password": "Huidig wachtwoord",
    "New password": "Nieuw wachtwoord",
    "New password again": "Nieuw wachtwoord nog een keer",
    "At least 12 characters. A sentence of a few words is easy to remember.": (
        "Minstens 12 tekens. Een zin van een paar woorden is makkelijk te onthouden."
    ),
    "Your current password is not right.": "Uw huidige wachtwoord klopt niet.",
    "The two new passwords are not the same.": "De twee nieuwe wachtwoorden zijn niet gelijk.",
    "A password needs at least 12 characters.": "Een wachtwoord heeft minstens 12 tekens.",
    "This password is too easy to guess.": "Dit wachtwoord is te makkelijk te raden.",
    "Your password is changed.": "Uw wachtwoord is gewijzigd.",
    # -- inbox ---------------------------------------------------------------------------------
    "Filter the questions": "Vragen filteren",
    "Whose questions": "Welke vragen",
    "Language of the client": "Taal van de cliënt",
    "All languages": "Alle talen",
    "Reference or first name": "Kenmerk of voornaam",
    "Only past the answer deadline": "Alleen over de antwoordtermijn",
    "Waiting time counts office hours only. The list refreshes itself every 30 seconds.": (
        "De wachttijd telt alleen kantooruren. De lijst ververst zichzelf elke 30 seconden."
    ),
    "Questions, newest activity first": "Vragen, nieuwste activiteit eerst",
    "Client": "Cliënt",
    "Language": "Taal",
    "Assigned to": "Toegewezen aan",
    "Waiting": "Wacht",
    "Last activity": "Laatste activiteit",
    "Past the deadline": "Over de termijn",
    "About an appointment": "Over een afspraak",
    "About a task": "Over een taak",
    "New": "Nieuw",
    "Nobody yet": "Nog niemand",
    "{hours} h {minutes} min": "{hours} u {minutes} min",
    "No questions match these filters.": "Geen vragen met deze filters.",
    # -- a question ----------------------------------------------------------------------------
    "Question of {ref}": "Vraag van {ref}",
    "Asked on": "Gesteld op",
    "About this appointment": "Over deze afspraak",
    "See the appointments of this client": "Afspraken van deze cliënt bekijken",
    "About this task": "Over deze taak",
    "due {date}": "uiterlijk {date}",
    "See the tasks of this client": "Taken van deze cliënt bekijken",
    "Conversation": "Gesprek",
    "Caseworker": "Klantregisseur",
    "Internal note: the client does not see this": "Interne notitie: de cliënt ziet dit niet",
    "delivered": "afgeleverd",
    "not delivered": "niet afgeleverd",
    "Machine translation ({engine})": "Machinevertaling ({engine})",
    "model: {model}": "model: {model}",
    "Not translated yet: the machine translation follows.": "Nog niet vertaald: de "
    "machinevertaling volgt.",
    "No machine translation for {language}: use an interpreter.": "Geen machinevertaling voor "
    "{language}: gebruik een tolk.",
    "Not machine-translated: this text does not seem to be in {language}.": "Niet machinaal "
    "vertaald: deze tekst lijkt niet in het {language} te zijn.",
    "The machine translation did not work. Read the original, or use an interpreter.": "De "
    "machinevertaling is mislukt. Lees het origineel, of gebruik een tolk.",
    "Removed after the retention period.": "Verwijderd na de bewaartermijn.",
    "Photo sent by the client": "Foto gestuurd door de cliënt",
    "Download the photo": "Foto downloaden",
    "Voice message from the client": "Spraakbericht van de cliënt",
    "Download the voice message": "Spraakbericht downloaden",
    "Download the document": "Document downloaden",
    "Location": "Locatie",
    "No messages yet.": "Nog geen berichten.",
    "Answer": "Antwoord",
    "The client reads the answer in Telegram. Write short, plain sentences.": (
        "De cliënt leest het antwoord in Telegram. Schrijf korte, eenvoudige zinnen."
    ),
    "Ready-made answer": "Standaardantwoord",
    "Choose a ready-made answer": "Kies een standaardantwoord",
    "The client gets it in their own language: {language}.": (
        "De cliënt krijgt het in de eigen taal: {language}."
    ),
    "Choose…": "Kies…",
    "Send the ready-made answer": "Standaardantwoord versturen",
    "Show all ready-made answers in the client's language": (
        "Alle standaardantwoorden in de taal van de cliënt tonen"
    ),
    "Preview: this is what the client reads": "Voorbeeld: dit leest de cliënt",
    "Your own answer": "Uw eigen antwoord",
    "Your answer": "Uw antwoord",
    "This text is sent as you write it. It is not translated.": (
        "Deze tekst gaat weg zoals u hem schrijft. Hij wordt niet vertaald."
    ),
    "Send the answer": "Antwoord versturen",
    "Internal note": "Interne notitie",
    "Note for colleagues": "Notitie voor collega's",
    "Only your team sees notes. The client never does.": (
        "Alleen uw team ziet notities. De cliënt nooit."
    ),
    "Save the note": "Notitie opslaan",
    "Handle the question": "Vraag afhandelen",
    "Reopen": "Heropenen",
    "Close the question": "Vraag sluiten",
    "Assign to": "Toewijzen aan",
    "Me ({name})": "Mijzelf ({name})",
    "Assign": "Toewijzen",
    "Give to the substitute: {name}": "Naar de vervanger: {name}",
    "The answer was sent to the client.": "Het antwoord is naar de cliënt gestuurd.",
    "Saved, but not sent: this client has no linked Telegram chat.": (
        "Opgeslagen, maar niet verstuurd: deze cliënt heeft geen gekoppelde Telegram-chat."
    ),
    "Saved, but not sent: this client has blocked the bot. It is sent when they are back.": (
        "Opgeslagen, maar niet verstuurd: deze cliënt heeft de bot geblokkeerd. Het gaat "
        "alsnog weg als de cliënt terug is."
    ),
    "Saved, but Telegram refused the message. Please reach the client another way.": (
        "Opgeslagen, maar Telegram weigerde het bericht. Neem op een andere manier contact op "
        "met de cliënt."
    ),
    "Saved, but Telegram could not be reached now. The answer is sent again automatically.": (
        "Opgeslagen, maar Telegram was nu niet bereikbaar. Het antwoord wordt later vanzelf "
        "opnieuw verstuurd."
    ),
    "The note is saved. The client does not see it.": (
        "De notitie is opgeslagen. De cliënt ziet hem niet."
    ),
    "The question is closed.": "De vraag is gesloten.",
    "The question is open again.": "De vraag is weer open.",
    "The question is assigned.": "De vraag is toegewezen.",
    "The question went to the substitute.": "De vraag is naar de vervanger gegaan.",
    "This question is closed. Reopen it first.": "Deze vraag is gesloten. Heropen hem eerst.",
    "Choose one of the ready-made answers.": "Kies een van de standaardantwoorden.",
    "Write an answer first.": "Schrijf eerst een antwoord.",
    "Write a note first.": "Schrijf eerst een notitie.",
    "Choose an active colleague who can reach this client.": (
        "Kies een actieve collega die bij deze cliënt kan."
    ),
    "The caseworker of this question has no active substitute.": (
        "De klantregisseur van deze vraag heeft geen actieve vervanger."
    ),
    "Telegram is not configured, so files cannot be fetched.": (
        "Telegram is niet ingesteld, dus bestanden kunnen niet worden opgehaald."
    ),
    "The file could not be fetched from Telegram. Try again later.": (
        "Het bestand kon niet uit Telegram worden opgehaald. Probeer het later opnieuw."
    ),
    # -- clients -------------------------------------------------------------------------------
    "Search clients": "Cliënten zoeken",
    "Only my own clients": "Alleen mijn eigen cliënten",
    "Clients you can reach": "Cliënten die u kunt bekijken",
    "Reference": "Kenmerk",
    "First name": "Voornaam",
    "Municipality": "Gemeente",
    "Telegram": "Telegram",
    "No clients found.": "Geen cliënten gevonden.",
    "Client {ref}": "Cliënt {ref}",
    "On this page": "Op deze pagina",
    "Telegram link": "Koppeling met Telegram",
    "Plan (PIP)": "Plan (PIP)",
    "Appointments": "Afspraken",
    "Tasks": "Taken",
    "Questions": "Vragen",
    "Reminders": "Herinneringen",
    "Caseworker (klantregisseur)": "Klantregisseur",
    "Social guide (maatschappelijk begeleider)": "Maatschappelijk begeleider",
    "Target group": "Doelgroep",
    "Integration period (inburgeringstermijn)": "Inburgeringstermijn",
    "The client has not linked Telegram yet. Give them an invitation code.": (
        "De cliënt heeft Telegram nog niet gekoppeld. Geef een uitnodigingscode."
    ),
    "Linked on {date}. Messages reach the client.": (
        "Gekoppeld op {date}. Berichten komen aan bij de cliënt."
    ),
    "Linked through the portal (after a DigiD login).": (
        "Gekoppeld via het portaal (na inloggen met DigiD)."
    ),
    "On {date} someone who opened a portal link for this client said it was not them, and the "
    "chat was unlinked. Check with the client how the link reached someone else.": (
        "Op {date} zei iemand die een portaallink voor deze cliënt opende dat hij of zij het niet "
        "was, en is de chat ontkoppeld. Ga met de cliënt na hoe de link bij een ander kwam."
    ),
    "On {date} the portal unlinked the client's Telegram chat.": (
        "Op {date} heeft het portaal de Telegram-chat van de cliënt ontkoppeld."
    ),
    "The client has blocked the bot. Messages do not arrive. Call or write to the client.": (
        "De cliënt heeft de bot geblokkeerd. Berichten komen niet aan. Bel of schrijf de cliënt."
    ),
    "Messages to this client are paused.": "Berichten aan deze cliënt staan stil.",
    "The case is closed.": "Het dossier is gesloten.",
    "Make a new invitation code": "Nieuwe uitnodigingscode maken",
    "A new code replaces nothing: every code works once. Linking again moves the account to "
    "the new chat.": "Een nieuwe code vervangt niets: elke code werkt één keer. Opnieuw koppelen "
    "verplaatst het account naar de nieuwe chat.",
    "The plan comes from the case system. Change it there.": (
        "Het plan komt uit het zaaksysteem. Wijzig het daar."
    ),
    "Version": "Versie",
    "Decision date (dagtekening)": "Dagtekening",
    "Learning route (leerroute)": "Leerroute",
    "Target level": "Doelniveau",
    "lowered to A2": "verlaagd naar A2",
    "Period": "Periode",
    "Summary for the client": "Samenvatting voor de cliënt",
    "Parts of the plan": "Onderdelen van het plan",
    "Part": "Onderdeel",
    "Hours": "Uren",
    "Target date": "Streefdatum",
    "Provider": "Aanbieder",
    "Exams": "Examens",
    "Exam": "Examen",
    "Date": "Datum",
    "Result": "Uitslag",
    "There is no plan in force.": "Er is geen geldend plan.",
    "Every change re-plans the reminders and tells the client in their language.": (
        "Bij elke wijziging worden de herinneringen opnieuw gepland en krijgt de cliënt een "
        "bericht in de eigen taal."
    ),
    "What": "Wat",
    "When": "Wanneer",
    "Where": "Waar",
    "Answer of the client": "Antwoord van de cliënt",
    "Move": "Verzetten",
    "New date": "Nieuwe datum",
    "New start time": "Nieuwe begintijd",
    "New end time": "Nieuwe eindtijd",
    "Empty: the same length as before.": "Leeg: even lang als eerst.",
    "Move the appointment": "Afspraak verzetten",
    "Cancel": "Afzeggen",
    "No appointments.": "Geen afspraken.",
    "Plan a new appointment": "Nieuwe afspraak plannen",
    "Kind of appointment": "Soort afspraak",
    "Title": "Titel",
    "The client sees this. No personal details.": "De cliënt ziet dit. Geen persoonlijke details.",
    "Start time": "Begintijd",
    "End time": "Eindtijd",
    "Place": "Plaats",
    "Address": "Adres",
    "Phone number (for a call)": "Telefoonnummer (voor een belafspraak)",
    "Video link": "Videolink",
    "What to bring": "Wat meenemen",
    "Plan the appointment": "Afspraak plannen",
    "Task": "Taak",
    "Due date": "Uiterste datum",
    "Mark as done": "Afvinken als klaar",
    "No tasks.": "Geen taken.",
    "Give a new task": "Nieuwe taak geven",
    "Short and plain. The client sees this.": "Kort en eenvoudig. De cliënt ziet dit.",
    "Description": "Omschrijving",
    "Give the task": "Taak geven",
    "Question {number}": "Vraag {number}",
    "No questions.": "Geen vragen.",
    "Reminder history, latest first": "Eerdere herinneringen, nieuwste eerst",
    "About": "Over",
    "Planned for": "Gepland voor",
    "Sent": "Verstuurd",
    "No reminders yet.": "Nog geen herinneringen.",
    "Saved. The client got a message about it.": (
        "Opgeslagen. De cliënt heeft een bericht gekregen."
    ),
    "Saved. The client has no linked Telegram chat, so they were not told.": (
        "Opgeslagen. De cliënt heeft geen gekoppelde Telegram-chat en kreeg dus geen bericht."
    ),
    "Saved, but the client has blocked the bot and was not told.": (
        "Opgeslagen, maar de cliënt heeft de bot geblokkeerd en kreeg geen bericht."
    ),
    "Saved, but Telegram could not be reached. The client was not told.": (
        "Opgeslagen, maar Telegram was niet bereikbaar. De cliënt kreeg geen bericht."
    ),
    "Choose the kind of appointment.": "Kies de soort afspraak.",
    "The appointment must be in the future.": "De afspraak moet in de toekomst liggen.",
    "The end time must be after the start time.": "De eindtijd moet na de begintijd liggen.",
    "Only a planned appointment can be moved.": "Alleen een geplande afspraak kan worden verzet.",
    "Only a planned appointment can be cancelled.": (
        "Alleen een geplande afspraak kan worden afgezegd."
    ),
    "This appointment is already cancelled.": "Deze afspraak is al afgezegd.",
    "This change is not possible.": "Deze wijziging kan niet.",
    "Give the task a title.": "Geef de taak een titel.",
    "The due date cannot be in the past.": "De uiterste datum kan niet in het verleden liggen.",
    "This task is not open.": "Deze taak staat niet open.",
    "Give a date like 2026-12-01.": "Geef een datum als 2026-12-01.",
    "Give a time like 14:30.": "Geef een tijd als 14:30.",
    "This time does not exist on that day: the clocks go forward.": (
        "Deze tijd bestaat niet op die dag: de klok gaat dan vooruit."
    ),
    # -- invitations ---------------------------------------------------------------------------
    "Invitation code": "Uitnodigingscode",
    "Back to client {ref}": "Terug naar cliënt {ref}",
    "Invitation for inburgerbot": "Uitnodiging voor inburgerbot",
    "For: {name} ({ref})": "Voor: {name} ({ref})",
    "Scan the QR code with your phone, or open Telegram, find @{bot} and send this code:": (
        "Scan de QR-code met uw telefoon, of open Telegram, zoek @{bot} en stuur deze code:"
    ),
    "QR code with the link to the bot": "QR-code met de link naar de bot",
    "The code works once and is valid until {date}.": (
        "De code werkt één keer en is geldig tot {date}."
    ),
    "This code is shown only now. Print this page or write the code down for the client.": (
        "Deze code ziet u alleen nu. Print deze pagina of schrijf de code op voor de cliënt."
    ),
    "Print": "Printen",
    "This client's case is closed. No invitation can be made.": (
        "Het dossier van deze cliënt is gesloten. Er kan geen uitnodiging worden gemaakt."
    ),
    # -- audit ---------------------------------------------------------------------------------
    "What your team did, and everything that happened to the clients you reach. Newest "
    "first.": "Wat uw team deed, en alles wat er gebeurde met de cliënten die u kunt bekijken. "
    "Nieuwste eerst.",
    "Filter the audit trail": "Auditlog filteren",
    "Staff member": "Medewerker",
    "Everyone": "Iedereen",
    "Action": "Handeling",
    "All actions": "Alle handelingen",
    "Client reference": "Kenmerk van de cliënt",
    "From": "Vanaf",
    "Until and including": "Tot en met",
    "Audit events": "Auditgebeurtenissen",
    "Who": "Wie",
    "Staff member {number}": "Medewerker {number}",
    "No events match these filters.": "Geen gebeurtenissen met deze filters.",
    # -- staff ---------------------------------------------------------------------------------
    "Staff of your organisation": "Medewerkers van uw organisatie",
    "Staff accounts": "Accounts van medewerkers",
    "Name": "Naam",
    "Second factor": "Tweede factor",
    "Role and account": "Rol en account",
    "switched off": "uitgeschakeld",
    "set up": "ingesteld",
    "not set up": "niet ingesteld",
    "Role of {name}": "Rol van {name}",
    "Account on": "Account aan",
    "Reset second factor": "Tweede factor opnieuw instellen",
    "New staff member": "Nieuwe medewerker",
    "For example the work e-mail address.": "Bijvoorbeeld het werkmailadres.",
    "Role": "Rol",
    "Add": "Toevoegen",
    "First password": "Eerste wachtwoord",
    "Password for {name}": "Wachtwoord voor {name}",
    "Give this password to {name} in person or by phone. It is shown only now.": (
        "Geef dit wachtwoord persoonlijk of telefonisch aan {name}. U ziet het alleen nu."
    ),
    "At the first login they set up the authenticator app. Ask them to change the password "
    "under 'My password'.": "Bij de eerste keer inloggen stellen zij de authenticator-app in. "
    "Vraag hen het wachtwoord te wijzigen onder 'Mijn wachtwoord'.",
    "Back to the staff list": "Terug naar de medewerkers",
    "Give a name.": "Geef een naam.",
    "A login name has 3 or more letters, digits or . _ @ + -": (
        "Een inlognaam heeft 3 of meer letters, cijfers of . _ @ + -"
    ),
    "Choose a role.": "Kies een rol.",
    "This login name is taken.": "Deze inlognaam is al in gebruik.",
    "The account is changed.": "Het account is gewijzigd.",
    "For your own account, use 'My password'.": "Gebruik voor uw eigen account 'Mijn wachtwoord'.",
    "You cannot change your own role or switch off your own account.": (
        "U kunt uw eigen rol niet wijzigen en uw eigen account niet uitschakelen."
    ),
    "The second factor is reset. It is set up again at the next login.": (
        "De tweede factor is gewist. Bij de volgende keer inloggen wordt hij opnieuw ingesteld."
    ),
    # -- stored values (backoffice/i18n.py VALUE_LABELS) ---------------------------------------
    "Mine, my team's and unassigned": "Van mij, van mijn team en niet toegewezen",
    "Mine": "Van mij",
    "My team's": "Van mijn team",
    "Unassigned": "Niet toegewezen",
    "Open or answered": "Open of beantwoord",
    "open": "open",
    "answered": "beantwoord",
    "closed": "gesloten",
    "invited, not linked yet": "uitgenodigd, nog niet gekoppeld",
    "linked and active": "gekoppeld en actief",
    "paused": "gepauzeerd",
    "blocked the bot": "heeft de bot geblokkeerd",
    "asylum permit holder (asielstatushouder)": "asielstatushouder",
    "family migrant (gezinsmigrant)": "gezinsmigrant",
    "other migrant (overige migrant)": "overige migrant",
    "voluntary (vrijwillige inburgeraar)": "vrijwillige inburgeraar",
    "planned": "gepland",
    "cancelled": "afgezegd",
    "done": "klaar",
    "did not come": "niet gekomen",
    "no answer yet": "nog geen antwoord",
    "will come": "komt",
    "cannot come": "kan niet komen",
    "draft": "concept",
    "established": "vastgesteld",
    "revised": "herzien",
    "withdrawn": "ingetrokken",
    "in progress": "bezig",
    "exempt (vrijgesteld)": "vrijgesteld",
    "B1 route (B1-route)": "B1-route",
    "education route (onderwijsroute)": "onderwijsroute",
    "Z route (zelfredzaamheidsroute)": "Z-route (zelfredzaamheidsroute)",
    "passed": "gehaald",
    "failed": "niet gehaald",
    "unknown": "onbekend",
    "appointment": "afspraak",
    "task": "taak",
    "end of the integration period": "einde van de inburgeringstermijn",
    "question waiting": "vraag wacht",
    "weekly overview": "weekoverzicht",
    "waiting to be sent": "wacht op verzending",
    "being sent": "wordt verstuurd",
    "sent": "verstuurd",
    "skipped": "overgeslagen",
    "caseworker (klantregisseur)": "klantregisseur",
    "social guide (maatschappelijk begeleider)": "maatschappelijk begeleider",
    "team lead": "teamleider",
    "administrator": "beheerder",
    "by staff": "door een medewerker",
    "by the client": "door de cliënt",
    "the system": "het systeem",
    # -- security (issue 19) -------------------------------------------------------------------
    "Choose your own password. The password you were given works only once.": "Kies een eigen "
    "wachtwoord. Het wachtwoord dat u kreeg, werkt maar één keer.",
    "Choose a new password that differs from the current one.": "Kies een nieuw wachtwoord dat "
    "anders is dan het huidige.",
    "Too many failed attempts from this address. Please wait 15 minutes and try again.": "Te "
    "veel mislukte pogingen vanaf dit adres. Wacht 15 minuten en probeer het opnieuw.",
    "The field “{field}” holds a number that looks like a BSN (citizen service number). "
    "A BSN is never stored here: remove it and try again.": "Het veld “{field}” bevat een "
    "nummer dat op een BSN (burgerservicenummer) lijkt. Een BSN wordt hier nooit opgeslagen: "
    "haal het weg en probeer het opnieuw.",
    "Text": "Tekst",
    "Reason": "Reden",
    "Sessions": "Sessies",
    "Sessions of {name}": "Sessies van {name}",
    "Where this account is logged in now. Ending a session logs it out at once.": "Waar dit "
    "account nu is ingelogd. Een sessie beëindigen logt direct uit.",
    "Logged in at": "Ingelogd om",
    "Last active": "Laatst actief",
    "End this session": "Deze sessie beëindigen",
    "End all sessions": "Alle sessies beëindigen",
    "There is no session.": "Er is geen sessie.",
    "The sessions are ended.": "De sessies zijn beëindigd.",
    "There was no session to end.": "Er was geen sessie om te beëindigen.",
    "Sandbox": "Sandbox",
    "Demo data and demo logins on this computer only: no real clients, no real team.": "Demo"
    "gegevens en demo-accounts, alleen op deze computer: geen echte klanten, geen echt team.",
    "Demo accounts": "Demo-accounts",
    "In the sandbox you sign in with one click, without a password or a second factor.": "In "
    "de sandbox logt u met één klik in, zonder wachtwoord en zonder tweede stap.",
    "Sign in as {name}": "Inloggen als {name}",
    "Or with a password": "Of met een wachtwoord",
    "This is not one of the demo accounts of the sandbox.": "Dit is geen van de demo-accounts "
    "van de sandbox.",
}
