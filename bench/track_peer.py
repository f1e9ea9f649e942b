"""Peer for bench/track.mjs: the MLflow Python client logging the same points to the same server.

usage: track_peer.py batched|per-step EXPERIMENT_ID RUNS STEPS
Runs are created before the clock starts (as in the other modes); prints one JSON line.
"""
import json
import sys
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric

mode, experiment_id, runs, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = MlflowClient()
run_ids = [client.create_run(experiment_id, run_name=f"py-{mode}-{i}").info.run_id for i in range(runs)]
t0_ms = 1_700_000_000_000

start = time.perf_counter()
if mode == "batched":
    # MlflowClient.log_batch in 1000-point chunks, one run after the other (the client is synchronous)
    for r, run_id in enumerate(run_ids):
        points = [Metric("loss", float(1.0 / (s + 1) + r), t0_ms + s, s) for s in range(steps)]
        for i in range(0, len(points), 1000):
            client.log_batch(run_id, metrics=points[i : i + 1000], synchronous=True)
elif mode == "per-step":
    # the fluent API's usual pattern: mlflow.log_metrics once per training step
    for r, run_id in enumerate(run_ids):
        with mlflow.start_run(run_id=run_id):
            for s in range(steps):
                mlflow.log_metrics({"loss": 1.0 / (s + 1) + r}, step=s, synchronous=True)
else:
    sys.exit(f"unknown mode {mode}")
seconds = time.perf_counter() - start
print(json.dumps({"mode": mode, "points": runs * steps, "seconds": seconds, "runIds": run_ids}))
