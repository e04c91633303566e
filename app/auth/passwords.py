"""The password rules, one function for every place a password is chosen: `users create`,
an admin creating or resetting a user, and a person changing their own.

At least PASSWORD_MIN_LENGTH characters, not the username (nor containing it), not one of
the common passwords and not easy to guess: zxcvbn (Dropbox's estimator, with its lists of
common passwords, names and words) must score it 2 or more, and its advice becomes the message.
"""

import secrets

from flask import current_app
from zxcvbn import zxcvbn

MAX_LENGTH = 200
MIN_SCORE = 2  # zxcvbn: 0 too guessable … 4 very unguessable


def password_problem(password: str, username: str, *, full_name: str = "") -> str | None:
    """Why `password` may not be used by `username`, as a sentence for the form; None if fine."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return f"Use at least {minimum} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    name = username.strip().lower()
    if name and name in password.lower():
        return "The password must not contain the username."
    # zxcvbn is slow on long inputs; the first 100 characters decide the guessability
    verdict = zxcvbn(password[:100], user_inputs=[v for v in (name, full_name.strip()) if v])
    if _whole_common_password(verdict, password[:100]):
        return "This is one of the most common passwords. Choose something others would not guess."
    if verdict["score"] < MIN_SCORE:
        feedback = verdict["feedback"]
        advice = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
        return f"Too easy to guess. {advice or 'Add another word or two.'}"
    return None


def _whole_common_password(verdict: dict, password: str) -> bool:
    """Is the whole password one entry of zxcvbn's common-password list (perhaps l33t or reversed)?"""
    return any(m["pattern"] == "dictionary" and m.get("dictionary_name") == "passwords"
               and m["token"].lower() == password.lower() for m in verdict["sequence"])


def temporary_password() -> str:
    """A password an admin reads out once: four groups easy to type, about 80 bits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
