"""Score forecasts of the M5 benchmark: RMSSE per series with the official scales, averaged
(the issue's goal metric), plus the level-12 weighted RMSSE (each series' official weight,
renormalised to sum to 1).

Usage: score.py data/m5_eval.csv NAME=FORECASTS.csv ...
Each forecasts CSV has the series id first and the 7 forecasts as the last 7 columns.
"""
import sys

import numpy as np
import pandas as pd

TRAIN, HORIZON = 21, 7


def main(path, runs):
    truth = pd.read_csv(path)
    actual = truth.iloc[:, 3 + TRAIN:3 + TRAIN + HORIZON].to_numpy(dtype=float)
    scale = truth["scale"].to_numpy()
    weight = truth["weight"].to_numpy() / truth["weight"].sum()
    print(f"{'model':<22} {'mean RMSSE':>10} {'weighted RMSSE':>15}")
    for run in runs:
        name, file = run.split("=", 1)
        fc = pd.read_csv(file, header=None if file.endswith(".peer.csv") else 0)
        fc = fc.set_index(fc.columns[0]).reindex(truth["id"])
        values = fc.iloc[:, -HORIZON:].to_numpy(dtype=float)
        if np.isnan(values).any():
            raise SystemExit(f"{name}: missing forecasts for {np.isnan(values).any(axis=1).sum()} series")
        rmsse = np.sqrt(((actual - values) ** 2).mean(axis=1) / scale)
        print(f"{name:<22} {rmsse.mean():>10.4f} {(weight * rmsse).sum():>15.4f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
