"""Ready-made answers: short gettext messages a caseworker sends with one click or with
`/answer KEY` in the staff chat; the client reads them in their own language, the caseworker
sees Dutch (the back-office previews the translation before sending).

Keys are stable (they are stored in the audit trail, posted by forms and typed as commands);
the English text is the message id. No placeholders: the text is complete as it is.
"""

from __future__ import annotations

from texts.i18n import N_

READY_ANSWERS: dict[str, str] = {
    "received": N_("Thank you for your message. I will look at it and answer you soon."),
    "documents": N_(
        "Please bring your residence document (verblijfsdocument) and the letter "
        "to your next appointment (afspraak)."
    ),
    "send_photo": N_("Please send a photo of the letter. Make sure all the text is readable."),
    "appointment_moved": N_(
        "Your appointment (afspraak) has moved. You see the new time under 📅 Appointments."
    ),
    "call_us": N_("Please call us during office hours. We can explain this better on the phone."),
    "call_me": N_("I would like to talk about this. I will call you. Please keep your phone near."),
    "come_to_office": N_(
        "Please come to the office with this letter. You do not need an appointment."
    ),
    "interpreter": N_("We will arrange an interpreter (tolk) for the appointment."),
    "digid": N_(
        "For this you need DigiD. If you do not have DigiD yet, please ask the "
        "municipality (gemeente)."
    ),
    "duo_exam": N_(
        "You sign up for the exam (inburgeringsexamen) at DUO. Your language school "
        "(taalschool) can help you with this."
    ),
    "ontzorgen": N_(
        "For now the municipality pays your rent, energy, water and health insurance from "
        "your benefit (ontzorgen). You do not need to pay these bills yourself."
    ),
    "language_school": N_("Please ask your language school (taalschool) about this."),
    "resolved": N_("Good news: this is arranged now. You do not need to do anything."),
}
