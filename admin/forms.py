"""Admin forms, one per kind of object."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from auth.passwords import MAX_LENGTH
from models import ROLES


class AgencyForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32),
                                           Regexp(r"^[A-Za-z0-9_-]+$", message="Letters, digits, - and _ only.")])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = StringField("Kind", validators=[Length(max=80)], default="Community mental health center")
    date_order = SelectField("Date order in its sheets", choices=[("", "Not set (refuse ambiguous dates)"),
                                                                  ("DMY", "Day/Month/Year"), ("MDY", "Month/Day/Year")])
    keep_goal_wording = BooleanField("Keep goal wording from goal tracking sheets (personal: shown only to this "
                                     "agency's staff and state staff)", default=False)


class ProgramForm(FlaskForm):
    agency_id = SelectField("Agency", coerce=int)
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    setting = StringField("Setting", validators=[DataRequired(), Length(max=80)], default="Outpatient")
    engagement_target = DecimalField("Engagement target (share engaged, 0-1)", places=2, default=0.5,
                                     validators=[DataRequired(), NumberRange(min=0.01, max=1)])
    active = BooleanField("Active", default=True)


class TeamForm(FlaskForm):
    program_id = SelectField("Program", coerce=int)
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    format = SelectField("Format", choices=[("group", "Group"), ("individual", "Individual caseload")])
    active = BooleanField("Active", default=True)


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254),
                                            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Not an email address.")])
    role = SelectField("Role", choices=[(r, r) for r in ROLES])
    agency_id = SelectField("Agency (managers and clerks)", coerce=int)
    # The policy (length, common passwords) is checked in admin.operations.save_user, in words.
    password = PasswordField("Password (leave empty to keep; at least 12 characters)",
                             validators=[Optional(), Length(max=MAX_LENGTH)])
    active = BooleanField("Active", default=True)
