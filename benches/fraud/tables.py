"""Markdown tables for RESULTS.md from a results file written by run.sh (metrics.py's JSON):
one row per seed, rate and level, then per-type recall and the pooled lines. Usage:
benches/fraud/.venv/bin/python benches/fraud/tables.py benches/fraud/results.json"""
import json, sys

TYPES = ["line_void", "post_void", "refund", "no_sale", "discount", "keyed_override", "sweetheart",
         "card_testing", "cash_skim"]


def f(x, d):
    return "–" if x is None else f"{x:.{d}f}"


def runs(m):
    print("| seed | rate | level | n | positives | AP ours | AP IForest | ROC-AUC ours | ROC-AUC IForest "
          "| P@100 ours | P@100 IForest | precision@0.5 | recall@0.5 | min per-type recall@0.5 |")
    print("|" + "---|" * 14)
    for k, v in m.items():
        if k.startswith("ALL") or "ours" not in v:
            continue
        seed, rate, level = (p.split("=")[1] for p in k.split())
        o, i = v["ours"], v.get("iforest", {})
        worst = min(o["per_type"].items(), key=lambda t: t[1]["recall@thr"])
        print(f"| {seed} | {rate} | {level} | {v['n']} | {v['positives']} | {f(o['ap'], 3)} | {f(i.get('ap'), 3)} "
              f"| {f(o['roc_auc'], 3)} | {f(i.get('roc_auc'), 3)} | {f(o['p@100'], 2)} | {f(i.get('p@100'), 2)} "
              f"| {f(o['precision@thr'], 2)} | {f(o['recall@thr'], 2)} | {worst[1]['recall@thr']:.2f} ({worst[0]}) |")


def pooled(m):
    print("| level | " + " | ".join(TYPES) + " |")
    print("|" + "---|" * (len(TYPES) + 1))
    for level in ["txn", "event", "cd"]:
        per = m[f"ALL level={level}"]["ours"]["per_type"]
        cells = [f"{per[t]['recall@thr']:.2f} (n={per[t]['n']})" if t in per else "–" for t in TYPES]
        print(f"| {level} | " + " | ".join(cells) + " |")
    print()
    for level in ["txn", "event", "cd"]:
        v = m[f"ALL level={level}"]
        o = v["ours"]
        print(f"- pooled {level}: n={v['n']}, positives={v['positives']}, AP={o['ap']:.3f}, "
              f"ROC-AUC={o['roc_auc']:.3f}, precision@0.5={o['precision@thr']:.2f}, recall@0.5={o['recall@thr']:.2f}")


if __name__ == "__main__":
    m = json.load(open(sys.argv[1]))
    runs(m)
    print("\nPer-type recall at the alert threshold (0.5), pooled over the runs:\n")
    pooled(m)
