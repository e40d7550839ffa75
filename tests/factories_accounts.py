"""Test helpers for the accounts area."""

from core.templating import NAV

# Pages other areas own; base.html links to them. Until those areas land, a test app
# gets placeholder endpoints so our pages can render their navigation.
_LINKED = {"points.home"} | {endpoint for endpoint, _label, _roles in NAV}


def stub_missing_pages(app) -> None:
    """Register a placeholder for every linked endpoint the app does not have yet."""
    for endpoint in sorted(_LINKED - set(app.view_functions)):
        app.add_url_rule(f"/_placeholder/{endpoint}", endpoint=endpoint, view_func=lambda: "placeholder")


def make_community(app, name: str, grids: tuple[str, ...] = ()) -> dict:
    """A community with grids; returns {"id", "grids": {name: id}}."""
    from accounts import services

    with app.app_context():
        community = services.create_community(name, None)
        grid_ids = {g: services.create_grid(community.id, g, None).id for g in grids}
        return {"id": community.id, "grids": grid_ids}
