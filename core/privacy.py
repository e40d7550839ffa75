"""Masking for public pages: 张*伟, 138****1234."""


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
