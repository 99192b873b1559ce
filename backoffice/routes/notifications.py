"""The Notificaties API's callback: `POST /notificaties/callback` (docs/common-ground.md).

Not a page: no session or CSRF; the `Authorization` header must be the value the bot gave in its
abonnement ("Token <INBURGERBOT_NOTIFICATIONS_CALLBACK_SECRET>"), compared in constant time.
Each notification is only a hint: casework/notifications.py reads the object anew.
"""

from __future__ import annotations

import hmac
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backoffice.web import backoffice
from casework import notifications

MAX_BODY = 64 * 1024


async def callback(request: Request) -> Response:
    bo = backoffice(request)
    secret = bo.settings.notifications_callback_secret
    system = bo.case_system
    if secret is None or system is None:
        return JSONResponse({"detail": "notifications are not switched on"}, status_code=404)
    expected = f"Token {secret.get_secret_value()}".encode()
    sent = request.headers.get("authorization", "").encode()
    if not hmac.compare_digest(sent, expected):
        return JSONResponse({"detail": "wrong or missing Authorization"}, status_code=403)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return JSONResponse({"detail": "too large"}, status_code=413)
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    note = notifications.parse(body)
    if note is None:
        return JSONResponse({"detail": "not a notification"}, status_code=400)
    outcome = await notifications.handle(bo.db, system, note, rules=bo.rules, now=bo.clock.now())
    return JSONResponse({"outcome": outcome}, status_code=200)
