#!/usr/bin/env python3
"""Toy linear regression by full-batch gradient descent, standard library only.

Params come from argv (--lr, --epochs, --features, --seed, --noise) and, when set, from the
JSON file $DAP_PARAMS_FILE (argv wins). Each epoch appends {"step", "train_loss", "val_loss"}
as one JSON line to $DAP_METRICS_FILE (default ./metrics.jsonl). At the end it writes
metrics.json (final metrics) and outputs/model.json (the learned weights), plus
checkpoints/model.json to continue from. When $DAP_RESUME_DIR holds a checkpoint of the same
configuration (a halving sweep's earlier rung), training continues from its epoch.
"""
import argparse
import json
import os
import random
import sys

DEFAULTS = {"lr": 0.05, "epochs": 40, "features": 4, "seed": 7, "noise": 0.1}


def load_params(argv):
    params = dict(DEFAULTS)
    params_file = os.environ.get("DAP_PARAMS_FILE")
    if params_file:
        with open(params_file, encoding="utf-8") as f:
            params.update({k: v for k, v in json.load(f).items() if k in DEFAULTS})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--features", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--noise", type=float)
    args = parser.parse_args(argv)
    params.update({k: v for k, v in vars(args).items() if v is not None})
    params["lr"] = float(params["lr"])
    for k in ("epochs", "features", "seed"):
        params[k] = int(params[k])
    if params["lr"] <= 0 or params["epochs"] < 1 or params["features"] < 1:
        parser.error("need lr > 0, epochs >= 1, features >= 1")
    return params


def make_data(n, features, seed, noise):
    rng = random.Random(seed)
    true_w = [rng.uniform(-2, 2) for _ in range(features)]
    true_b = rng.uniform(-1, 1)
    xs = [[rng.gauss(0, 1) for _ in range(features)] for _ in range(n)]
    ys = [sum(w * x for w, x in zip(true_w, row)) + true_b + rng.gauss(0, noise) for row in xs]
    return xs, ys


def mse(w, b, xs, ys):
    return sum((sum(wi * xi for wi, xi in zip(w, row)) + b - y) ** 2 for row, y in zip(xs, ys)) / len(ys)


def same_config(a, b):
    return all(a.get(k) == b.get(k) for k in ("lr", "features", "seed", "noise"))


def load_checkpoint(params):
    """(w, b, epochs done) from $DAP_RESUME_DIR/model.json when it is this configuration's, else a fresh start."""
    resume_dir = os.environ.get("DAP_RESUME_DIR")
    path = os.path.join(resume_dir, "model.json") if resume_dir else None
    if not path or not os.path.isfile(path):
        return [0.0] * params["features"], 0.0, 0
    with open(path, encoding="utf-8") as f:
        ck = json.load(f)
    done = int(ck.get("epochs", 0))
    if not same_config(ck.get("params", {}), params) or len(ck.get("weights", [])) != params["features"] or done > params["epochs"]:
        print(f"checkpoint {path} is not this configuration's; starting fresh", file=sys.stderr)
        return [0.0] * params["features"], 0.0, 0
    print(f"resumed from {path} at epoch {done}")
    return [float(x) for x in ck["weights"]], float(ck["bias"]), done


def train(params, metrics_path):
    xs, ys = make_data(240, params["features"], params["seed"], params["noise"])
    train_x, train_y, val_x, val_y = xs[:200], ys[:200], xs[200:], ys[200:]
    w, b, done = load_checkpoint(params)
    n = len(train_y)
    train_loss, val_loss = mse(w, b, train_x, train_y), mse(w, b, val_x, val_y)
    with open(metrics_path, "a", encoding="utf-8") as out:
        for step in range(done + 1, params["epochs"] + 1):
            grad_w = [0.0] * len(w)
            grad_b = 0.0
            for row, y in zip(train_x, train_y):
                err = sum(wi * xi for wi, xi in zip(w, row)) + b - y
                for i, xi in enumerate(row):
                    grad_w[i] += 2 * err * xi / n
                grad_b += 2 * err / n
            w = [wi - params["lr"] * g for wi, g in zip(w, grad_w)]
            b -= params["lr"] * grad_b
            train_loss = mse(w, b, train_x, train_y)
            val_loss = mse(w, b, val_x, val_y)
            out.write(json.dumps({"step": step, "train_loss": round(train_loss, 6), "val_loss": round(val_loss, 6)}) + "\n")
    return w, b, train_loss, val_loss


def main(argv):
    params = load_params(argv)
    metrics_path = os.environ.get("DAP_METRICS_FILE") or "metrics.jsonl"
    w, b, train_loss, val_loss = train(params, metrics_path)
    final = {"train_loss": round(train_loss, 6), "val_loss": round(val_loss, 6), "epochs": params["epochs"]}
    with open("metrics.json", "w", encoding="utf-8") as f:
        json.dump(final, f, indent=2)
    os.makedirs("outputs", exist_ok=True)
    with open(os.path.join("outputs", "model.json"), "w", encoding="utf-8") as f:
        json.dump({"weights": w, "bias": b, "params": params}, f, indent=2)
    os.makedirs("checkpoints", exist_ok=True)
    with open(os.path.join("checkpoints", "model.json"), "w", encoding="utf-8") as f:
        json.dump({"weights": w, "bias": b, "epochs": params["epochs"], "params": params}, f, indent=2)
    print(f"lr={params['lr']} features={params['features']} epochs={params['epochs']}: "
          f"train_loss={final['train_loss']} val_loss={final['val_loss']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
