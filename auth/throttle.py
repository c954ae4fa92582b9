"""Throttle repeated failed sign-ins per email address, known or not."""
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import delete, func, select

from extensions import db
from models import SignInFailure


def _window_start():
    return datetime.utcnow() - timedelta(seconds=current_app.config["SIGNIN_WINDOW_SECONDS"])


def is_throttled(email: str) -> bool:
    count = db.session.scalar(select(func.count()).select_from(SignInFailure)
                              .where(SignInFailure.email == email, SignInFailure.at >= _window_start()))
    return count >= current_app.config["SIGNIN_MAX_FAILURES"]


def record_failure(email: str) -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < _window_start()))
    db.session.add(SignInFailure(email=email, remote_addr=request.remote_addr))
    db.session.commit()


def clear_failures(email: str) -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == email))
