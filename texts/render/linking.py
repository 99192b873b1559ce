"""Texts about a link made through the municipal portal, and about unlinking."""

from __future__ import annotations

from texts.fmt import Formatter
from texts.html import escape
from texts.i18n import Translator
from texts.readers import TextFn


def portal_linked_text(t: Translator, _f: Formatter) -> str:
    return t(
        "You linked this chat through the website of your municipality (the portal, after "
        "logging in with DigiD). Not you? Tap the button below."
    )


def unlinked_client_text(*, not_me: bool) -> TextFn:
    """What the chat that was linked is told, in the client's language (`not_me`: the person
    who opened a portal link tapped "Not you?"; otherwise the portal asked for it)."""

    def text(t: Translator, _f: Formatter) -> str:
        if not_me:
            return t(
                "Thank you for telling us. This chat is no longer linked, and we have told the "
                "team of the municipality. If you want to use this assistant yourself, please "
                "ask your caseworker for a code."
            )
        return t(
            "This chat is no longer linked: this was asked for on the website of your "
            "municipality. You get no more messages here. You can link again there, or with a "
            "code from your caseworker."
        )

    return text


def unlinked_staff_text(ref: str, *, not_me: bool) -> TextFn:
    """The note in the client's topic of the staff chat (in Dutch; the general thread when the
    client has no topic yet, so it names the client's reference)."""

    def text(t: Translator, _f: Formatter) -> str:
        if not_me:
            return t(
                "⚠️ {ref}: the person who opened the portal link tapped “Not you?”. The "
                "Telegram chat is unlinked again. Please check with the client how the link "
                "reached someone else.",
                ref=escape(ref),
            )
        return t("🔓 {ref}: the portal unlinked the client's Telegram chat.", ref=escape(ref))

    return text
