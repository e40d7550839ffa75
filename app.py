"""create_app(): configuration, extensions, blueprints, error handlers, CLI. No logic."""

import os

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import default_config, settle_secret_key
from extensions import babel, csrf, db, limiter, login_manager, migrate


class BoundedIntConverter(IntegerConverter):
    """<int:id> past the 32-bit id range names nothing: it reads as 0, so the view still
    answers its own 401/403 first and then 404, instead of the database overflowing."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= 2**31 - 1 else 0


def select_locale() -> str:
    """The user's explicit choice, else the browser's preference; Chinese by default."""
    from flask import has_request_context, session

    if not has_request_context():  # CLI and background work speak the default language
        return "zh_Hans_CN"
    chosen = session.get("lang")
    if chosen in ("zh_Hans_CN", "en"):
        return chosen
    best = request.accept_languages.best_match(["zh", "en"], default="zh")
    return "en" if best == "en" else "zh_Hans_CN"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: defaults → instance/config.py → environment → test dict."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedIntConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(default_config(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        if os.environ.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    else:
        app.config.update(test_config)
    settle_secret_key(app)
    if app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]))

    _init_extensions(app)
    _register_blueprints(app)

    from core.errorpages import register_error_handlers
    from core.templating import init_templating

    init_templating(app)

    register_error_handlers(app)

    from cli import register_cli

    register_cli(app)

    from core.request_floor import lighten_requests

    lighten_requests(app)  # last: it rearranges the hooks registered above
    return app


def _init_extensions(app: Flask) -> None:
    from core.db import install_sqlite_pragmas
    from core.security import init_security

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Shanghai")
    csrf.init_app(app)
    limiter.init_app(app)
    init_security(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
    from notifications.services import install as install_notifications

    install_notifications()
    # Import every model so metadata is complete for migrations and queries.
    import accounts.models  # noqa: F401
    import accounts.proxy_models  # noqa: F401
    import audit.models  # noqa: F401
    import audit.service  # noqa: F401  registers the audit appender as run_write's commit hook
    import community.models  # noqa: F401
    import core.models  # noqa: F401
    import households.models  # noqa: F401
    import notices.models  # noqa: F401
    import notifications.models  # noqa: F401
    import points.deduction_models  # noqa: F401
    import points.ledger_models  # noqa: F401
    import points.lots  # noqa: F401  (lots and expiry; registers its ledger posting hook)
    import points.lots_models  # noqa: F401
    import points.models  # noqa: F401
    import points.stats  # noqa: F401  (report summaries; registers the ledger posting hook)
    import policy.models  # noqa: F401
    import redemption.models  # noqa: F401
    import volunteering.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from accounts import api as accounts_api
    from accounts import proxy_api
    from accounts import views as accounts_views
    from audit import api as audit_api
    from audit import views as audit_views
    from community import api as community_api
    from community import views as community_views
    from core import meta
    from households import api as households_api
    from households import views as households_views
    from notices import api as notices_api
    from notices import views as notices_views
    from notifications import api as notifications_api
    from notifications import views as notifications_views
    from points import amend_api, amend_views, deduction_api, deduction_views, setup_api, setup_views
    from points import api as points_api
    from points import views as points_views
    from policy import api as policy_api
    from policy import views as policy_views
    from redemption import api as redemption_api
    from redemption import views as redemption_views
    from reports import exports as reports_exports
    from reports import monthly_api, monthly_views, person_api, person_views
    from reports import views as reports_views
    from volunteering import api as volunteering_api
    from volunteering import views as volunteering_views

    for module in (accounts_api, points_api, setup_api, redemption_api, audit_api, notifications_api,
                   person_api, meta, proxy_api, households_api, volunteering_api,
                   notices_api, monthly_api, community_api, amend_api,
                   policy_api, deduction_api):
        csrf.exempt(module.bp)  # bearer tokens only; session cookies are not accepted there
        app.register_blueprint(module.bp)
    for module in (accounts_views, points_views, setup_views, redemption_views, audit_views, reports_views,
                   notifications_views, person_views, reports_exports, households_views,
                   volunteering_views, notices_views, monthly_views, community_views,
                   amend_views, policy_views, deduction_views):
        app.register_blueprint(module.bp)
