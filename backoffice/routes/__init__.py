"""Every route of the back-office, in one list (no registration by import side effect)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from backoffice.portal import api as portal_api
from backoffice.routes import admin, auth, clients, inbox, notifications, oidc, questions
from backoffice.web import redirect


async def home(_request: Request) -> Response:
    return redirect("/inbox")


async def health(_request: Request) -> Response:
    return PlainTextResponse("ok")


def routes() -> list[BaseRoute]:
    get, post = ["GET"], ["POST"]
    return [
        Route("/", home, methods=get),
        Route("/healthz", health, methods=get),
        Route("/notificaties/callback", notifications.callback, methods=post),
        # logging in and out
        Route("/login", auth.login_form, methods=get),
        Route("/login", auth.login, methods=post),
        Route("/login/code", auth.code_form, methods=get),
        Route("/login/code", auth.verify_code, methods=post),
        Route("/login/setup", auth.setup_form, methods=get),
        Route("/login/setup", auth.confirm_setup, methods=post),
        Route("/login/oidc", oidc.start, methods=post),
        Route("/login/oidc/callback", oidc.callback, methods=get),
        Route("/logout", auth.logout, methods=post),
        Route("/language", auth.language, methods=post),
        Route("/account/password", auth.password_form, methods=get),
        Route("/account/password", auth.change_password, methods=post),
        # questions
        Route("/inbox", inbox.inbox, methods=get),
        Route("/inbox/rows", inbox.inbox_rows, methods=get),
        Route("/questions/{question_id:int}", questions.show, methods=get),
        Route("/questions/{question_id:int}/preview", questions.preview, methods=get),
        Route("/questions/{question_id:int}/answer", questions.answer, methods=post),
        Route("/questions/{question_id:int}/note", questions.note, methods=post),
        Route("/questions/{question_id:int}/close", questions.close, methods=post),
        Route("/questions/{question_id:int}/reopen", questions.reopen, methods=post),
        Route("/questions/{question_id:int}/assign", questions.assign, methods=post),
        Route("/questions/{question_id:int}/substitute", questions.substitute, methods=post),
        Route("/questions/{question_id:int}/files/{message_id:int}", questions.file, methods=get),
        # clients
        Route("/clients", clients.client_list, methods=get),
        Route("/clients/{client_id:int}", clients.show, methods=get),
        Route("/clients/{client_id:int}/appointments", clients.add_appointment, methods=post),
        Route(
            "/clients/{client_id:int}/appointments/{appointment_id:int}/move",
            clients.move_appointment,
            methods=post,
        ),
        Route(
            "/clients/{client_id:int}/appointments/{appointment_id:int}/cancel",
            clients.cancel_appointment,
            methods=post,
        ),
        Route("/clients/{client_id:int}/tasks", clients.add_task, methods=post),
        Route("/clients/{client_id:int}/tasks/{task_id:int}/done", clients.task_done, methods=post),
        Route("/clients/{client_id:int}/invite", clients.invite, methods=post),
        # team leads and administrators
        Route("/audit", admin.audit_page, methods=get),
        Route("/staff", admin.staff_list, methods=get),
        Route("/staff", admin.create_staff, methods=post),
        Route("/staff/{staff_id:int}", admin.update_staff, methods=post),
        Route("/staff/{staff_id:int}/reset-second-factor", admin.reset_second_factor, methods=post),
        Route("/staff/{staff_id:int}/reset-password", admin.reset_password, methods=post),
        Route("/staff/{staff_id:int}/sessions", admin.sessions_page, methods=get),
        Route("/staff/{staff_id:int}/sessions/end", admin.end_sessions, methods=post),
        # the municipal portal's server-to-server API (signed calls, no session: docs/portal.md)
        Route("/api/v1/openapi.json", portal_api.openapi, methods=get),
        Route("/api/v1/link-invitations", portal_api.create_invitation, methods=post),
        Route("/api/v1/clients/{reference}/link", portal_api.link_status, methods=get),
        Route("/api/v1/clients/{reference}/link", portal_api.unlink_client, methods=["DELETE"]),
    ]
