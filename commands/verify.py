"""`flask verify`: prove the ledger, the store's stock and the audit chain agree with themselves."""

import time
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
    rows: int = 0  # rows read, for the rows/s figure


def check_ledger() -> Section:
    """Balances against transfers, totals, overdrafts, checksums, reversals."""
    from points.ledger_verify import ledger_counts, verify_ledger

    counts = ledger_counts()
    return Section(
        "ledger",
        f"{counts.accounts} accounts and {counts.transfers} transfers agree "
        "(balances, totals, no overdrafts, checksums, reversals)",
        [f"ledger: {problem}" for problem in verify_ledger()],
        rows=counts.accounts + counts.transfers,
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
    from redemption.models import Item, Redemption, RedemptionLine, StockMovement

    items, movements, redemptions, lines = (
        db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        for model in (Item, StockMovement, Redemption, RedemptionLine)
    )
    return Section(
        "store",
        f"{items} items and {movements} stock movements agree",
        [f"store: {problem}" for problem in verify_store()],
        rows=items + movements + redemptions + lines,
    )


def check_audit() -> Section:
    """Re-hash the audit chain from the first event to the head."""
    from audit.service import verify_chain

    report = verify_chain()
    problems = [] if report.ok else [
        f"audit trail: event {report.broken_id}: {report.reason} "
        f"({report.checked} events before it are intact)"
    ]
    return Section("audit", f"{report.checked} audit events, hash chain intact", problems, rows=report.checked)


def check_stats() -> Section:
    """The report summaries against a recomputation from hour records and transfers."""
    from points.stats import verify_stats

    return Section("stats", "report summaries agree with the hour records and the ledger",
                   [f"stats: {problem}" for problem in verify_stats()])


def check_month_usage() -> Section:
    """The monthly-limit guard rows against the completed redemptions."""
    from redemption.usage import verify_month_usage, verify_quarter_usage

    return Section("monthly usage", "monthly limit and quarter counters agree with the redemptions",
                   [f"monthly usage: {problem}" for problem in verify_month_usage()]
                   + [f"quarter usage: {problem}" for problem in verify_quarter_usage()])


def check_day_minutes() -> Section:
    """The per-person, per-day minutes guard (the 24-hour cap) against the hour records."""
    from points.day_minutes import verify_day_minutes

    return Section("day minutes", "daily minutes agree with the pending and approved hour records",
                   [f"day minutes: {problem}" for problem in verify_day_minutes()])


@click.command("verify")
@with_appcontext
@click.option("--all", "show_all", is_flag=True, help="List every disagreement, not just the first.")
@click.option("--checkpoint", "checkpoint_path", type=click.Path(dir_okay=False), default=None,
              help="Also prove the audit chain still extends this signed checkpoint (needs AUDIT_SIGNING_KEY).")
def verify_command(show_all: bool, checkpoint_path: str | None):
    """Recompute balances, stock and the audit chain; exit 0 if all agree, 1 otherwise."""
    from extensions import db

    started, cpu_started = time.perf_counter(), time.process_time()
    sections = [check_ledger(), check_store(), check_audit(), check_stats(), check_day_minutes(),
                check_month_usage()]
    if checkpoint_path is not None:
        from commands.checkpoint import check_checkpoint

        summary, problems = check_checkpoint(checkpoint_path)
        sections.append(Section("checkpoint", summary, problems))
    db.session.rollback()
    seconds = max(time.perf_counter() - started, 1e-6)
    cpu_seconds = max(time.process_time() - cpu_started, 1e-6)  # this process alone: steadier on a busy machine
    rows = sum(section.rows for section in sections)
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
    click.echo(f"Checked {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s; "
               f"{cpu_seconds:.1f} s of CPU here, {rows / cpu_seconds:,.0f} rows per CPU second).")
    click.echo("All checks passed.")
