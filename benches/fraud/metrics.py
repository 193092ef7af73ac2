"""Metrics for the fraud benchmark: ROC-AUC, average precision, precision@k and per-type recall at
the alert threshold, for the pos_analytics scorer and for a scikit-learn IsolationForest fitted on
the same raw features, at transaction, no-sale-event and cashier-day level."""
import csv, sys, json
from collections import defaultdict
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score, average_precision_score

THRESHOLD = 0.5
TYPES = ["line_void", "post_void", "refund", "no_sale", "discount", "keyed_override", "sweetheart", "card_testing", "cash_skim"]

def load(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            r = csv.reader(f, delimiter="\t")
            header = next(r)
            for row in r:
                rows.append(row)
    return header, rows

def prec_at(y, s, k):
    order = np.argsort(-s, kind="stable")[:k]
    return float(y[order].mean()) if len(order) else float("nan")

def evaluate(rows, feat_cols, with_iforest=True):
    y = np.array([1 if r[4] else 0 for r in rows])
    s = np.array([float(r[5]) for r in rows])
    out = {"n": len(rows), "positives": int(y.sum())}
    if y.sum() == 0 or y.sum() == len(y):
        return out
    k = int(y.sum())
    out["ours"] = {"roc_auc": roc_auc_score(y, s), "ap": average_precision_score(y, s),
                   "p@50": prec_at(y, s, 50), "p@100": prec_at(y, s, 100), "p@npos": prec_at(y, s, k),
                   "precision@thr": float(y[s >= THRESHOLD].mean()) if (s >= THRESHOLD).any() else 0.0,
                   "recall@thr": float((s[y == 1] >= THRESHOLD).mean()),
                   "alerts": int((s >= THRESHOLD).sum())}
    per = {}
    for t in TYPES:
        m = np.array([t in r[4].split("+") for r in rows])
        if m.any():
            per[t] = {"n": int(m.sum()), "recall@thr": float((s[m] >= THRESHOLD).mean())}
    out["ours"]["per_type"] = per
    if with_iforest:
        X = np.array([[float(r[c]) for c in feat_cols] for r in rows])
        iso = IsolationForest(n_estimators=200, random_state=0).fit(X)
        a = -iso.score_samples(X)
        out["iforest"] = {"roc_auc": roc_auc_score(y, a), "ap": average_precision_score(y, a),
                          "p@50": prec_at(y, a, 50), "p@100": prec_at(y, a, 100), "p@npos": prec_at(y, a, k)}
        # IsolationForest has no calibrated threshold: recall per type at the same alert count as ours.
        n_alerts = max(out["ours"]["alerts"], 1)
        cut = np.sort(a)[::-1][min(n_alerts, len(a)) - 1]
        out["iforest"]["per_type_recall_at_same_alert_count"] = {
            t: float((a[np.array([t in r[4].split("+") for r in rows])] >= cut).mean()) for t in per}
    return out

def main():
    header, rows = load(sys.argv[1:])
    feat_cols = list(range(7, len(header)))
    groups = defaultdict(list)
    for r in rows:
        groups[(r[1], r[2], r[0])].append(r)
    result = {}
    for (seed, rate, level), rs in sorted(groups.items()):
        result[f"seed={seed} rate={rate} level={level}"] = evaluate(rs, feat_cols, with_iforest=(level != "event"))
    # pooled over all runs, per level
    for level in ["txn", "event", "cd"]:
        rs = [r for r in rows if r[0] == level]
        if rs:
            result[f"ALL level={level}"] = evaluate(rs, feat_cols, with_iforest=False)
    print(json.dumps(result, indent=1))

if __name__ == "__main__":
    main()
