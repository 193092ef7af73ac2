"""Run the statsforecast peers on the M5 window: train on the first 21 days, forecast 7.

Writes one CSV of forecasts per model into OUT_DIR and prints the wall time of each.
Usage: peers.py data/m5_eval.csv OUT_DIR [n_jobs] [model,model,...]
"""
import os
import sys
import time

import numpy as np
import pandas as pd

TRAIN, HORIZON = 21, 7


def long_frame(wide):
    """statsforecast wants (unique_id, ds, y) rows; days are dated from an arbitrary Monday."""
    values = wide.iloc[:, 3:3 + TRAIN].to_numpy(dtype=float)
    ds = pd.date_range("2016-04-25", periods=TRAIN, freq="D")
    return pd.DataFrame({
        "unique_id": np.repeat(wide["id"].to_numpy(), TRAIN),
        "ds": np.tile(ds, len(wide)),
        "y": values.ravel(),
    })


def main(path, out_dir, n_jobs, only=None):
    from statsforecast import StatsForecast
    from statsforecast.models import (AutoETS, CrostonSBA, HistoricAverage, SeasonalNaive, TSB)

    wide = pd.read_csv(path)
    df = long_frame(wide)
    os.makedirs(out_dir, exist_ok=True)
    models = [
        AutoETS(season_length=7),
        CrostonSBA(),
        TSB(alpha_d=0.1, alpha_p=0.1),
        HistoricAverage(),
        SeasonalNaive(season_length=7),
    ]
    for model in models:
        if only and str(model) not in only:
            continue
        sf = StatsForecast(models=[model], freq="D", n_jobs=n_jobs)
        started = time.perf_counter()
        fc = sf.forecast(df=df, h=HORIZON)
        seconds = time.perf_counter() - started
        col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
        wide_fc = fc.pivot(index="unique_id", columns="ds", values=col).reindex(wide["id"])
        name = str(model)
        wide_fc.to_csv(os.path.join(out_dir, f"{name}.peer.csv"), header=False)
        print(f"peer={name} seconds={seconds:.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2,
         sys.argv[4].split(",") if len(sys.argv) > 4 else None)
