"""How much two readers of the same provisions agree, and what it means for the wrong-name figure.

    python gold/tools/agreement.py [FIRST] [SECOND]
    (default: gold/provisions.jsonl and gold/provisions_second_reader.jsonl; the sealed pair is
    gold/provisions_holdout.jsonl and gold/provisions_holdout_second_reader.jsonl: only totals
    are printed, so it stays sealed)

For the items both files label (by id), and for every knowledge-base agency and regulation, each
reader's verdict is P (plausible), N (neither: at the margin, not scored) or W (wrong). Printed:
the 3 x 3 table of the two verdicts per kind, and of the ids either reader calls plausible (or
wrong) the share both do; then, for the offline analyzer's names on those
items, the share that the first reader calls wrong, the second, both, and either: the spread
between "both" and "either" is how much of the wrong-name figure is the reader's strictness at
the margin rather than the analyzer.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from clauselens.analyzers.offline import analyze_clause
from clauselens.evaluation.gold import GoldProvision, knowledge_base_ids, load_gold
from clauselens.evaluation.mentions import named_in

GOLD = Path(__file__).resolve().parents[1]
KINDS = ("agencies", "regulations")
VERDICTS = "PNW"


def verdict(item: GoldProvision, kind: str, knowledge_id: str) -> str:
    labels = item.agencies if kind == "agencies" else item.regulations
    if knowledge_id in labels.plausible:
        return "P"
    return "W" if knowledge_id in labels.wrong else "N"


def shared(table: Counter[tuple[str, str]], verdict: str) -> tuple[int, int]:
    """(ids both readers give ``verdict``, ids either gives it) in a table of verdict pairs."""
    either = sum(n for (a, b), n in table.items() if verdict in (a, b))
    return table[verdict, verdict], either


def print_tables(
    first: dict[str, GoldProvision], second: dict[str, GoldProvision], ids: list[str]
) -> None:
    for kind, known in zip(KINDS, knowledge_base_ids(), strict=True):
        table = Counter(
            (verdict(first[i], kind, k), verdict(second[i], kind, k)) for i in ids for k in known
        )
        print(f"{kind}: first reader (rows) against second (columns)")
        print("       " + "".join(f"{v:>7}" for v in VERDICTS))
        for a in VERDICTS:
            print(f"{a:>7}" + "".join(f"{table[a, b]:>7}" for b in VERDICTS))
        opposed = table["P", "W"] + table["W", "P"]
        decided = sum(table[a, b] for a in "PW" for b in "PW")
        print(f"plausible against wrong: {opposed} of {decided} ids both readers decided")
        for mark, word in (("P", "plausible"), ("W", "wrong")):
            both, either = shared(table, mark)
            print(
                f"{word}: both readers for {both} of the {either} ids either calls {word}", end=""
            )
            print(f" ({both / either:.1%})" if either else "")
        print()


def print_analyzer(
    first: dict[str, GoldProvision], second: dict[str, GoldProvision], ids: list[str]
) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for i in ids:
        item = first[i]
        analysis = analyze_clause(  # the document context ``clauselens eval`` gives it
            item.text,
            tuple(item.heading_path),
            document_title=item.terms_type or "Terms",
            terms_type=item.terms_type or "Terms of Service",
        )
        named = named_in(analysis)
        for kind, names in (("agencies", named.agencies), ("regulations", named.regulations)):
            for name in names:
                a, b = verdict(first[i], kind, name), verdict(second[i], kind, name)
                counts[kind, "named"] += 1
                counts[kind, "first"] += a == "W"
                counts[kind, "second"] += b == "W"
                counts[kind, "both"] += a == b == "W"
                counts[kind, "either"] += "W" in (a, b)
    print("offline analyzer: share of its names called wrong")
    print(f"{'':12}{'named':>7}{'first':>8}{'second':>8}{'both':>8}{'either':>8}")
    for kind in KINDS:
        n = counts[kind, "named"] or 1
        shares = "".join(f"{counts[kind, k] / n:>8.1%}" for k in ("first", "second", "both"))
        print(f"{kind:12}{counts[kind, 'named']:>7}{shares}{counts[kind, 'either'] / n:>8.1%}")


def main(argv: list[str]) -> int:
    first_path = Path(argv[0]) if argv else GOLD / "provisions.jsonl"
    second_path = Path(argv[1]) if len(argv) > 1 else GOLD / "provisions_second_reader.jsonl"
    first, second = load_gold(first_path).provisions(), load_gold(second_path).provisions()
    ids = [i for i in second if i in first]
    print(f"{len(ids)} items labelled by both readers ({first_path.name}, {second_path.name})\n")
    print_tables(first, second, ids)
    print_analyzer(first, second, ids)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
