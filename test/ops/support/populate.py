# Fills an MLflow server with runs the backup test must get back: params, metric histories with
# several keys and steps, and artifacts (text, random binary, nested), then prints the artifacts'
# sha256 as seen through the server.   usage: populate.py TRACKING_URI EXPERIMENT WORKDIR
import hashlib, json, os, random, sys
import mlflow
from mlflow import MlflowClient

uri, name, work = sys.argv[1], sys.argv[2], sys.argv[3]
mlflow.set_tracking_uri(uri)
client = MlflowClient()
exp = client.create_experiment(name)
rng = random.Random(7)
for i in range(3):
    run = client.create_run(exp, run_name=f"run-{i}")
    rid = run.info.run_id
    client.log_param(rid, "lr", str(0.1 / (i + 1)))
    client.log_param(rid, "layers", str(i + 2))
    for step in range(60):
        client.log_metric(rid, "loss", 1.0 / (step + 1 + i), step=step, timestamp=1764590000000 + step)
        client.log_metric(rid, "acc", step / 60.0, step=step, timestamp=1764590000000 + step)
    d = os.path.join(work, rid)
    os.makedirs(os.path.join(d, "nested", "deep"), exist_ok=True)
    open(os.path.join(d, "notes.txt"), "w").write(f"run {i}\n")
    open(os.path.join(d, "nested", "deep", "weights.bin"), "wb").write(bytes(rng.getrandbits(8) for _ in range(200_000)))
    client.log_artifacts(rid, d)
    client.set_terminated(rid, "FINISHED")
print(json.dumps({"experiment_id": exp}))
