"""Periodic jobs on PTB's JobQueue (APScheduler)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


def schedule_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the periodic jobs (dispatch, retention, waiting questions, digest)."""
    del application
