"""Write operations on scale versions: an admin adds a version from a workbook; it is checked, then committed."""
import json

from extensions import db
from fidelity.errors import FidelityError
from fidelity.models import ScaleVersion
from fidelity.scales import catalog
from fidelity.scales.sheets import definition_dict, read_scale


def upload_scale_version(data, filename, user):
    """Add a scale version from an admin's workbook (checked like a scale file); returns the Scale."""
    _, scale = read_scale(data, filename)  # raises ScaleError or UnsafeWorkbook
    if any(s.key == scale.key and s.version == scale.version for s, _ in catalog.all_scales()):
        raise FidelityError("The scale was not added.",
                            [f"Version {scale.version} of {scale.key} exists already; give the new one its own "
                             "version label."])
    db.session.add(ScaleVersion(scale_key=scale.key, version=scale.version, filename=filename[:255],
                                definition=json.dumps(definition_dict(scale)), uploaded_by_id=user.id))
    db.session.commit()
    return scale
