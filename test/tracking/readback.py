# Reads an MLflow experiment back with the official Python client and prints it as JSON.
# usage: readback.py TRACKING_URI EXPERIMENT_NAME
import json, math, sys
import mlflow
from mlflow import MlflowClient

uri, name = sys.argv[1], sys.argv[2]
mlflow.set_tracking_uri(uri)
client = MlflowClient()

def walk(run_id, path=None):
    out = []
    for a in client.list_artifacts(run_id, path):
        if a.is_dir:
            out.extend(walk(run_id, a.path))
        else:
            out.append({"path": a.path, "size": a.file_size})
    return out

def num(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return str(v)
    return v

runs = []
if client.get_experiment_by_name(name) is not None:
    df = mlflow.search_runs(experiment_names=[name])
    for run_id in df["run_id"]:
        r = client.get_run(run_id)
        history = {}
        for key in r.data.metrics:
            history[key] = [[m.step, num(m.value), m.timestamp] for m in client.get_metric_history(run_id, key)]
        runs.append({
            "run_id": run_id, "experiment_id": r.info.experiment_id, "status": r.info.status, "run_name": r.info.run_name,
            "start_time": r.info.start_time, "end_time": r.info.end_time,
            "params": r.data.params, "tags": r.data.tags, "history": history,
            "artifacts": walk(run_id),
        })
print(json.dumps({"count": len(runs), "runs": runs}))
