"""`python -m bench.compare RUN.json RUN.json …`: one table of several runs side by side (for
instance SQLite and PostgreSQL + Redis at scale 1): each page's requests per second and share
of the bare Django view under load, and its in-process p95 and queries, per run."""

import json
import os
import sys
from pathlib import Path


def _title(result: dict) -> str:
    db = result["database"]
    cache = "Redis" if "Redis" in result.get("cache", "") else "local memory"
    return f"{db['name']} {db['version']} + {cache}, scale {result['scale']:g}"


def side_by_side(results: list[dict]) -> str:
    from bench.report import P95_TARGET_MS, _share_verdict

    rows: dict[str, dict] = {}
    order: list[str] = []
    for index, result in enumerate(results):
        for row in (result.get("load") or {}).get("rows", []):
            if row["key"] not in rows:
                rows[row["key"]] = {"label": row["label"], "target": row}
                order.append(row["key"])
            rows[row["key"]][index] = {"load": row}
        for page in result["pages"]:
            if page["key"] in rows:
                rows[page["key"]].setdefault(index, {})["page"] = page
    head = ["Page"]
    for result in results:
        name = _title(result)
        head += [f"{name}: req/s", "share of bare", "p95 ms", "queries"]
    head.append("Target")
    lines = [
        "Runs: " + "; ".join(f"{_title(r)} ({r['date']})" for r in results) + ".",
        "",
        "| " + " | ".join(head) + " |",
        "|---" + "|---:" * (len(head) - 2) + "|---|",
    ]
    for key in order:
        cells = [rows[key]["label"]]
        verdicts = []
        for index in range(len(results)):
            load = rows[key].get(index, {}).get("load")
            page = rows[key].get(index, {}).get("page")
            share = load and load["share"]
            cells += [
                f"{load['rps']:,.0f}" if load else "—",
                f"{share:.1%}" if share is not None else "—",
                f"{page['p95_ms']:.1f}" if page else "—",
                str(page["queries"]) if page else "—",
            ]
            if load and load["target_share"] is not None:
                verdicts.append("met" if load["met"] else "MISSED")
        target = _share_verdict(rows[key]["target"]).split(":")[0]
        cells.append(target + (": " + " / ".join(verdicts) if verdicts else ""))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"p95 is in-process server time; its target is under {P95_TARGET_MS:g} ms."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    # The report's helpers live beside the measurements, which import the models.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(side_by_side([json.loads(Path(name).read_text()) for name in argv]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
