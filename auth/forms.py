"""Forms for signing in, the second factor and a user's own password (Flask-WTF adds the CSRF token)."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from auth.passwords import MAX_LENGTH


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class CodeForm(FlaskForm):
    code = StringField("Code from your authenticator app, or a recovery code",
                       validators=[DataRequired(), Length(max=40)])


class EnrolForm(FlaskForm):
    code = StringField("The 6-digit code the app shows now", validators=[DataRequired(), Length(max=20)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    new = PasswordField("New password (at least 12 characters)", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField("New password again",
                            validators=[DataRequired(), EqualTo("new", "The two new passwords differ.")])
