"""The policy form. Values are checked by due_dates.policy_problems, so the page and the API say the same."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from scheduling.due_dates import POLICY_FIELDS

_NUMBER = {"inputmode": "numeric", "type": "number", "step": "1"}


class PolicyForm(FlaskForm):
    baseline_months = StringField(POLICY_FIELDS[0][1], render_kw=_NUMBER)
    interval_months = StringField(POLICY_FIELDS[1][1], render_kw=_NUMBER)
    high_interval_months = StringField(POLICY_FIELDS[2][1], render_kw=_NUMBER)
    # Choices are the active trainers; anything else posted is refused by operations.save_policy in words.
    trainer_id = SelectField("Assigned trainer", validate_choice=False)
