# sha256 of every artifact of every run of an experiment, downloaded through the MLflow server.
# usage: artifact-sums.py TRACKING_URI EXPERIMENT WORKDIR
import hashlib, json, os, sys
import mlflow
from mlflow import MlflowClient

uri, name, work = sys.argv[1], sys.argv[2], sys.argv[3]
mlflow.set_tracking_uri(uri)
client = MlflowClient()
out = {}
for run_id in mlflow.search_runs(experiment_names=[name])["run_id"]:
    dest = os.path.join(work, run_id)
    os.makedirs(dest, exist_ok=True)
    local = client.download_artifacts(run_id, "", dest)
    for root, _, files in os.walk(local):
        for f in files:
            p = os.path.join(root, f)
            out[f"{run_id}/{os.path.relpath(p, local)}"] = hashlib.sha256(open(p, "rb").read()).hexdigest()
print(json.dumps(out, sort_keys=True))
