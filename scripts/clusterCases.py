"""Expected values for src/core/predict/cluster/cluster.cases.json, computed independently with numpy.

Run from the repository root:  python3 scripts/clusterCases.py
Plain (unaccelerated) Lloyd iterations, direct O(n^2) silhouettes, brute-force assignments:
the TypeScript code (Elkan/Hamerly bounds, per-cluster sums, Hungarian) must agree with these.
"""
import itertools
import json

import numpy as np

rng = np.random.default_rng(20261206)


def blobs(centres, per, spread):
    rows = [np.asarray(c) + spread * rng.standard_normal((per, len(c))) for c in centres]
    return np.round(np.vstack(rows), 3)


def standardize(x):
    means = x.mean(axis=0)
    sds = x.std(axis=0)
    sds[sds <= 1e-12 * np.maximum(1, np.abs(means))] = 0
    z = np.where(sds > 0, (x - means) / np.where(sds > 0, sds, 1), 0.0)
    return means, sds, z


def lloyd(x, init):
    centres = init.copy()
    labels = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    iterations = 0
    while True:
        iterations += 1
        centres = np.array([x[labels == j].mean(axis=0) for j in range(len(centres))])
        new = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        if (new == labels).all():
            break
        labels = new
    inertia = ((x - centres[labels]) ** 2).sum()
    return labels, centres, inertia, iterations


def silhouette(x, labels):
    n = len(x)
    dist = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    values = np.zeros(n)
    for i in range(n):
        own = labels == labels[i]
        if own.sum() < 2:
            continue
        a = dist[i, own].sum() / (own.sum() - 1)
        b = min(dist[i, labels == l].mean() for l in set(labels.tolist()) if l != labels[i])
        values[i] = (b - a) / max(a, b)
    return values


def elbow(ks, inertias):
    ks = np.asarray(ks, float)
    y = np.asarray(inertias, float)
    xs = (ks - ks[0]) / (ks[-1] - ks[0])
    ys = (y - y.min()) / (y.max() - y.min())
    a = np.array([xs[0], ys[0]])
    b = np.array([xs[-1], ys[-1]])
    direction = (b - a) / np.linalg.norm(b - a)
    points = np.stack([xs, ys], axis=1) - a
    distance = np.abs(points[:, 0] * direction[1] - points[:, 1] * direction[0])
    return int(ks[int(distance.argmax())])


def brute_force_min(cost):
    cost = np.asarray(cost, float)
    rows, cols = cost.shape
    best = None
    if rows <= cols:
        for columns in itertools.permutations(range(cols), rows):
            total = sum(cost[r, c] for r, c in enumerate(columns))
            if best is None or total < best[0] - 1e-12:
                best = (total, list(columns))
    else:
        for chosen in itertools.permutations(range(rows), cols):
            total = sum(cost[r, c] for c, r in enumerate(chosen))
            if best is None or total < best[0] - 1e-12:
                assignment = [-1] * rows
                for c, r in enumerate(chosen):
                    assignment[r] = c
                best = (total, assignment)
    return best


cases = {"about": __doc__.strip(), "standardize": [], "lloyd": [], "silhouette": [], "elbow": [], "describe": [], "assign": [], "match": []}

for name, x in [
    ("three columns", np.round(rng.normal(10, 3, (7, 3)), 2)),
    ("a constant column becomes 0", np.array([[1, 5, 0.5], [2, 5, 1.5], [4, 5, 2.5], [7, 5, 9.0]])),
    ("large mean", np.array([[1e6 + 1], [1e6 + 2], [1e6 + 4]])),
]:
    means, sds, z = standardize(x)
    cases["standardize"].append({"name": name, "rows": x.tolist(), "means": means.tolist(), "sds": sds.tolist(), "z": z.tolist()})

for name, x, init_rows in [
    ("three 2-d blobs", blobs([[0, 0], [5, 5], [0, 6]], 8, 1.0), [0, 1, 2]),
    ("three 2-d blobs, poor start", blobs([[0, 0], [5, 5], [0, 6]], 8, 1.2), [0, 1, 8]),
    ("four 5-d blobs", blobs([[0] * 5, [4] * 5, [0, 4, 0, 4, 0], [4, 0, 4, 0, 4]], 10, 1.5), [0, 3, 10, 20]),
    ("two overlapping 3-d blobs", blobs([[0, 0, 0], [1.5, 1, 0.5]], 15, 1.0), [0, 1]),
]:
    init = x[init_rows]
    labels, centres, inertia, iterations = lloyd(x, init)
    cases["lloyd"].append({"name": name, "rows": x.tolist(), "initial": init.tolist(), "labels": labels.tolist(), "centroids": centres.tolist(), "inertia": float(inertia), "iterations": iterations})

for name, x, labels in [
    ("two clusters", np.array([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5.5]]), [0, 0, 0, 1, 1, 1]),
    ("a singleton scores 0", np.array([[0, 0], [0, 1], [3, 3], [9, 9], [9, 8]]), [0, 0, 1, 2, 2]),
    ("labels against the geometry", np.array([[0, 0], [0, 1], [5, 5], [5, 6]]), [0, 1, 0, 1]),
    ("random 4-d, 3 clusters", np.round(rng.normal(0, 1, (30, 4)), 3), rng.integers(0, 3, 30).tolist()),
]:
    labels = np.asarray(labels)
    values = silhouette(np.asarray(x, float), labels)
    cases["silhouette"].append({"name": name, "rows": np.asarray(x, float).tolist(), "labels": labels.tolist(), "values": values.tolist(), "mean": float(values.mean())})

for name, ks, inertias in [
    ("sharp elbow at 3", [1, 2, 3, 4, 5, 6], [1000, 600, 200, 170, 150, 140]),
    ("steep first drop", [2, 3, 4, 5, 6, 7, 8], [500, 180, 150, 130, 118, 110, 105]),
    ("smooth curve", [2, 3, 4, 5, 6, 7, 8, 9, 10], [100 / k for k in range(2, 11)]),
]:
    cases["elbow"].append({"name": name, "ks": ks, "inertias": inertias, "elbow": elbow(ks, inertias)})

for name, x, labels, names in [
    ("RFM-like", np.array([[5, 10, 900], [8, 12, 1100], [300, 1, 20], [280, 2, 35], [250, 1, 15], [100, 4, 200], [120, 5, 260], [90, 3, 180]], float), [0, 0, 1, 1, 1, 2, 2, 2], ["recency", "frequency", "monetary"]),
    ("four features, one constant", np.array([[1, 2, 7, 0], [2, 2, 9, 1], [9, 2, 1, 0], [8, 2, 2, 5], [5, 2, 5, 5]], float), [0, 0, 1, 1, 1], ["a", "b", "c", "d"]),
]:
    labels = np.asarray(labels)
    overall = x.mean(axis=0)
    sd = x.std(axis=0)
    out = []
    for j in range(labels.max() + 1):
        member = x[labels == j]
        diff = np.where(sd > 1e-12, (member.mean(axis=0) - overall) / np.where(sd > 1e-12, sd, 1), 0.0)
        order = sorted(range(len(names)), key=lambda c: (-abs(diff[c]), c))[:3]
        out.append({"size": int(len(member)), "share": len(member) / len(x), "means": member.mean(axis=0).tolist(), "top": [[names[c], float(diff[c])] for c in order]})
    cases["describe"].append({"name": name, "rows": x.tolist(), "labels": labels.tolist(), "features": names, "clusters": out})

for name, cost in [
    ("2 x 2", [[4, 1], [2, 8]]),
    ("4 x 4 classic", [[82, 83, 69, 92], [77, 37, 49, 92], [11, 69, 5, 86], [8, 9, 98, 23]]),
    ("3 x 5, more columns", np.round(rng.uniform(0, 10, (3, 5)), 2).tolist()),
    ("5 x 3, more rows", np.round(rng.uniform(0, 10, (5, 3)), 2).tolist()),
    ("7 x 7 random", np.round(rng.uniform(0, 100, (7, 7)), 1).tolist()),
]:
    total, assignment = brute_force_min(cost)
    cases["assign"].append({"name": name, "cost": cost, "total": float(total), "assignment": assignment})

for name, previous, current in [
    ("renamed clusters keep all rows", [0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]),
    ("some rows move", [0, 0, 0, 1, 1, 1, 2, 2, 2, 2], [1, 1, 0, 2, 2, 2, 0, 0, 0, 1]),
    ("a cluster splits", [0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 0, 0, 1, 1]),
]:
    k_prev = max(previous) + 1
    k_cur = max(current) + 1
    table = np.zeros((k_prev, k_cur))
    for p, c in zip(previous, current):
        table[p, c] += 1
    total, assignment = brute_force_min(-table)
    cases["match"].append({"name": name, "previous": previous, "current": current, "assignment": assignment, "shareKept": -total / len(previous)})

with open("src/core/predict/cluster/cluster.cases.json", "w") as out:
    json.dump(cases, out, indent=1)
    out.write("\n")
