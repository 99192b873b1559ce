"""The inbox: open questions of the caseworker, their team and unassigned ones, newest activity
first, with waiting time in office hours and a badge past the answer deadline."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from backoffice import rules
from backoffice.web import audit_read, backoffice, page, render, staff_of
from storage import backoffice as queries
from storage.backoffice import InboxFilter, InboxRow, InboxScope, InboxStatus
from texts.i18n import BY_CODE


@dataclass(frozen=True)
class InboxItem:
    row: InboxRow
    waiting: rules.Waiting | None
    language: str
    rtl: bool


def parse_filter(request: Request) -> tuple[InboxFilter, bool]:
    """The filters from the query string (unknown values fall back to the defaults)."""
    params = request.query_params
    scope = params.get("scope", InboxScope.ALL)
    status = params.get("status", InboxStatus.OPEN)
    wanted = InboxFilter(
        scope=InboxScope(scope) if scope in InboxScope.__members__.values() else InboxScope.ALL,
        status=(
            InboxStatus(status) if status in InboxStatus.__members__.values() else InboxStatus.OPEN
        ),
        locale=params.get("lang") or None,
        search=(params.get("q") or "").strip()[:100] or None,
    )
    return wanted, params.get("overdue") == "1"


async def _items(
    request: Request, *, record: bool
) -> tuple[list[InboxItem], InboxFilter, bool, list[str]]:
    bo, staff = backoffice(request), staff_of(request)
    wanted, overdue_only = parse_filter(request)
    now = bo.clock.now()
    async with bo.db.transaction() as session:
        rows = await queries.inbox(session, staff=staff, wanted=wanted)
        locales = await queries.inbox_locales(session, staff=staff)
        if record:  # the page, not its refreshes every half minute
            audit_read(
                session, request, "inbox.view", subject_kind="", subject_id=None, client_id=None
            )
    items = []
    for row in rows:
        waited = rules.waiting(
            row.question,
            now=now,
            office=bo.settings.office,
            zone=bo.settings.zone,
            deadline=bo.settings.answer_deadline,
        )
        if overdue_only and not (waited and waited.overdue):
            continue
        code = row.client.locale or bo.settings.default_locale
        language = BY_CODE.get(code)
        items.append(
            InboxItem(
                row=row,
                waiting=waited,
                language=language.native_name if language else code,
                rtl=bool(language and language.rtl),
            )
        )
    return items, wanted, overdue_only, locales


def _context(items: list[InboxItem], wanted: InboxFilter, overdue: bool, locales: list[str]):
    return {
        "items": items,
        "wanted": wanted,
        "overdue_only": overdue,
        "locales": [
            (code, BY_CODE[code].native_name if code in BY_CODE else code) for code in locales
        ],
        "scopes": list(InboxScope),
        "statuses": list(InboxStatus),
    }


@page()
async def inbox(request: Request) -> Response:
    items, wanted, overdue, locales = await _items(request, record=True)
    context = _context(items, wanted, overdue, locales)
    context["query"] = request.url.query
    return render(request, "inbox.html", context)


@page()
async def inbox_rows(request: Request) -> Response:
    """The table body alone, for htmx to swap in without a full reload."""
    items, wanted, overdue, locales = await _items(request, record=False)
    return render(request, "_inbox_rows.html", _context(items, wanted, overdue, locales))
