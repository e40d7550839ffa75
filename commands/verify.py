"""`flask verify`: prove the ledger, the store's stock and the audit chain agree with themselves."""

from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext


@dataclass
class Section:
    """One part of the check: its one-line summary when it agrees, or its problems."""

    name: str
    summary: str = ""
    problems: list[str] = field(default_factory=list)
    skipped: str = ""


def check_ledger() -> Section:
    """Balances against transfers, totals, overdrafts, checksums, reversals."""
    from points.ledger_verify import ledger_counts, verify_ledger

    counts = ledger_counts()
    return Section(
        "ledger",
        f"{counts.accounts} accounts and {counts.transfers} transfers agree "
        "(balances, totals, no overdrafts, checksums, reversals)",
        [f"ledger: {problem}" for problem in verify_ledger()],
    )


def check_store() -> Section:
    """Stock against movements and redemptions (redemption/verify.py, from the redemption area)."""
    try:
        from redemption.verify import verify_store
    except ImportError as error:
        if error.name != "redemption.verify":
            raise  # a real import error inside the module: let it show
        return Section("store", skipped="store check skipped: redemption/verify.py (verify_store) is not "
                                        "installed in this version")
    import sqlalchemy as sa

    from extensions import db
    from redemption.models import Item, StockMovement

    items = db.session.execute(sa.select(sa.func.count(Item.id))).scalar_one()
    movements = db.session.execute(sa.select(sa.func.count(StockMovement.id))).scalar_one()
    return Section(
        "store",
        f"{items} items and {movements} stock movements agree",
        [f"store: {problem}" for problem in verify_store()],
    )


def check_audit() -> Section:
    """Re-hash the audit chain from the first event to the head."""
    from audit.service import verify_chain

    report = verify_chain()
    problems = [] if report.ok else [
        f"audit trail: event {report.broken_id}: {report.reason} "
        f"({report.checked} events before it are intact)"
    ]
    return Section("audit", f"{report.checked} audit events, hash chain intact", problems)


@click.command("verify")
@with_appcontext
@click.option("--all", "show_all", is_flag=True, help="List every disagreement, not just the first.")
@click.option("--checkpoint", "checkpoint_path", type=click.Path(dir_okay=False), default=None,
              help="Also prove the audit chain still extends this signed checkpoint (needs AUDIT_SIGNING_KEY).")
def verify_command(show_all: bool, checkpoint_path: str | None):
    """Recompute balances, stock and the audit chain; exit 0 if all agree, 1 otherwise."""
    from extensions import db

    sections = [check_ledger(), check_store(), check_audit()]
    if checkpoint_path is not None:
        from commands.checkpoint import check_checkpoint

        sections.append(check_checkpoint(checkpoint_path))
    db.session.rollback()
    problems = [problem for section in sections for problem in section.problems]
    for section in sections:
        if section.skipped:
            click.echo(f"Warning: {section.skipped}.", err=True)
    if problems:
        click.echo(f"Verification FAILED: {problems[0]}", err=True)
        if show_all:
            for problem in problems[1:]:
                click.echo(f"  also: {problem}", err=True)
        elif len(problems) > 1:
            click.echo(f"({len(problems) - 1} more problem(s); run `flask --app app verify --all` to list them)",
                       err=True)
        raise SystemExit(1)
    for section in sections:
        if not section.skipped:
            click.echo(f"OK {section.name}: {section.summary}.")
    click.echo("All checks passed.")
