"""Masking for public pages and non-admin readers: 张*伟, 138****1234."""

import json


def mask_name(name: str | None) -> str:
    """Keep the first and last character: 张伟 → 张*, 张小伟 → 张*伟."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """Keep the first three and last four digits: 13812341234 → 138****1234."""
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(value: str | None) -> str:
    """Keep the first six and last four characters of an ID number."""
    if not value:
        return ""
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "*" * len(value)


PRIVATE_FIELDS = {"phone": mask_phone, "id_number": mask_id_number}


def mask_private(value):
    """A copy of a JSON-like value with every phone and ID number masked, however deeply nested."""
    if isinstance(value, dict):
        return {key: (PRIVATE_FIELDS[key](item) if key in PRIVATE_FIELDS and isinstance(item, str)
                      else mask_private(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_private(item) for item in value]
    return value


def mask_private_json(text: str | None) -> str | None:
    """JSON text with phones and ID numbers masked (text that is not JSON is returned as it is)."""
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return json.dumps(mask_private(parsed), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
