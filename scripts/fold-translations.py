#!/usr/bin/env python3
"""Fold translations/pending/*.json (msgid → Chinese) into the catalogue, then drop them.

Run after `make translations` has extracted and merged the new msgids (they arrive with an
empty msgstr); this fills each one from the pending files and recompiles. Parallel branches
write pending files instead of editing messages.po, so merging them never conflicts.
"""

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po"
PENDING = ROOT / "translations/pending"


def main() -> int:
    pending: dict[str, str] = {}
    files = sorted(PENDING.glob("*.json")) if PENDING.exists() else []
    for path in files:
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    filled, missing = 0, []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        empty = not (message.string if isinstance(message.string, str) else message.string[0])
        if key in pending and (empty or message.string != pending[key]):
            message.string = pending[key] if isinstance(message.id, str) else (pending[key],) * catalog.num_plurals
            message.flags.discard("fuzzy")
            filled += 1
        elif empty:
            missing.append(key)
    with PO.open("wb") as f:
        write_po(f, catalog, width=110)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(ROOT / "translations"),
                    "-l", "zh_Hans_CN"], check=True)
    for path in files:
        path.unlink()
    print(f"filled {filled} translations from {len(files)} pending files; {len(missing)} still empty")
    for key in missing:
        print("  missing:", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
