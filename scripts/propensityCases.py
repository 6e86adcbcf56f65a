#!/usr/bin/env python3
"""Reference values for the propensity spec cases, computed independently of the TypeScript.

Writes src/core/predict/propensity/propensity.cases.json and
src/core/numeric/choleskySolve.cases.json. numpy and scipy only (scikit-learn is not on the
machine): logistic regression by a plain numpy Newton iteration run to machine precision,
AUC by the direct pairwise count (checked against scipy's Mann-Whitney U), percentile ranks by
scipy.stats.percentileofscore(kind='mean'), quintiles by numpy.percentile.

Run from the repository root:  python3 scripts/propensityCases.py
"""
import datetime
import json
import math

import numpy as np
from scipy import stats

rng = np.random.default_rng(20261206)


def nan_to_none(values):
    return [None if (isinstance(v, float) and math.isnan(v)) else v for v in values]


# ---- Cholesky -------------------------------------------------------------------------
def cholesky_cases():
    cases = []
    for n in (1, 2, 4, 7):
        m = rng.normal(size=(n, n))
        a = m @ m.T + n * np.eye(n)
        b = rng.normal(size=n)
        cases.append([f"random SPD {n}x{n}", a.tolist(), b.tolist(), {"ok": True, "x": np.linalg.solve(a, b).tolist()}])
    hilbert = np.array([[1.0 / (i + j + 1) for j in range(5)] for i in range(5)])
    b = np.ones(5)
    cases.append(["Hilbert 5x5 (ill-conditioned, still SPD)", hilbert.tolist(), b.tolist(), {"ok": True, "x": np.linalg.solve(hilbert, b).tolist()}])
    # Indefinite: numpy refuses too; the first non-positive pivot is column 1 (4 - 3^2/1 < 0).
    indefinite = np.array([[1.0, 3.0], [3.0, 4.0]])
    try:
        np.linalg.cholesky(indefinite)
        raise SystemExit("expected numpy to refuse")
    except np.linalg.LinAlgError:
        pass
    cases.append(["indefinite", indefinite.tolist(), [1.0, 1.0], {"ok": False, "pivot": 1}])
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    cases.append(["singular (rank 1)", singular.tolist(), [1.0, 1.0], {"ok": False, "pivot": 1}])
    return cases


# ---- Logistic regression --------------------------------------------------------------
def newton_logistic(x, y, l2):
    """Minimise sum(log(1+e^z) - y z) + l2/2 * |beta[1:]|^2, z = b0 + x beta."""
    design = np.column_stack([np.ones(len(y)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(200):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta = beta - step
        if np.max(np.abs(step)) < 1e-14:
            break
    gradient = design.T @ (1.0 / (1.0 + np.exp(-(design @ beta))) - y) + penalty @ beta
    assert np.max(np.abs(gradient)) < 1e-8, gradient
    z = design @ beta
    objective = float(np.sum(np.logaddexp(0, z) - y * z) + l2 / 2 * np.sum(beta[1:] ** 2))
    return beta, objective


def logistic_cases():
    cases = []
    for n, d, l2 in ((60, 1, 1.0), (200, 3, 0.5), (300, 5, 1.0), (150, 4, 10.0), (120, 2, 0.0)):
        x = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d)
        true = rng.normal(size=d)
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.3 + x @ true)))).astype(float)
        beta, objective = newton_logistic(x, y, l2)
        cases.append([f"n={n}, {d} features, l2={l2}", x.tolist(), y.tolist(), l2,
                      {"intercept": beta[0], "coefficients": beta[1:].tolist(), "objective": objective}])
    # Separable: the unpenalised optimum is at infinity; the L2 penalty keeps it finite.
    x = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    y = np.array([0, 0, 0, 1, 1, 1], dtype=float)
    beta, objective = newton_logistic(x, y, 1.0)
    cases.append(["separable, l2=1", x.tolist(), y.tolist(), 1.0,
                  {"intercept": beta[0], "coefficients": beta[1:].tolist(), "objective": objective}])
    return cases


# ---- Classification metrics -----------------------------------------------------------
def pairwise_auc(scores, labels):
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    if not pos or not neg:
        return None
    wins = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p in pos for q in neg)
    auc = wins / (len(pos) * len(neg))
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
    assert abs(u / (len(pos) * len(neg)) - auc) < 1e-12
    return auc


def calibration(predicted, labels, bins=10):
    """Equal-frequency bins that keep ties together: bin = floor(bins * #strictly-below / n)."""
    p = np.asarray(predicted)
    y = np.asarray(labels)
    n = len(p)
    below = np.array([np.sum(p < v) for v in p])
    bin_of = (bins * below) // n
    table = []
    for b in range(bins):
        mask = bin_of == b
        if mask.any():
            table.append({"from": float(p[mask].min()), "to": float(p[mask].max()), "count": int(mask.sum()),
                          "meanPredicted": float(p[mask].mean()), "observedRate": float(y[mask].mean())})
    ece = sum(row["count"] / n * abs(row["meanPredicted"] - row["observedRate"]) for row in table)
    return table, ece


def metrics_case(name, predicted, labels):
    p = np.clip(np.asarray(predicted), 1e-15, 1 - 1e-15)
    y = np.asarray(labels, dtype=float)
    table, ece = calibration(predicted, labels)
    return [name, list(map(float, predicted)), list(map(int, labels)), {
        "auc": pairwise_auc(predicted, labels),
        "brier": float(np.mean((np.asarray(predicted) - y) ** 2)),
        "logLoss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "calibration": table,
        "ece": ece,
    }]


def metrics_cases():
    cases = [metrics_case("four points", [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])]
    n = 97
    p = rng.uniform(size=n)
    cases.append(metrics_case("97 continuous, labels drawn from the predictions", p.tolist(), (rng.uniform(size=n) < p).astype(int).tolist()))
    tied = np.round(rng.uniform(size=60), 1)
    cases.append(metrics_case("60 predictions rounded to one decimal (ties)", tied.tolist(), (rng.uniform(size=60) < tied).astype(int).tolist()))
    cases.append(metrics_case("all tied", [0.3] * 8, [0, 1, 0, 0, 1, 0, 0, 0]))
    cases.append(metrics_case("certain and wrong (log loss clipped)", [0.0, 1.0, 1.0, 0.0], [0, 1, 0, 1]))
    cases.append(metrics_case("one class only (no AUC)", [0.2, 0.6, 0.9], [1, 1, 1]))
    return cases


def percentile_cases():
    cases = []
    for name, scores in (("four with a tie", [0.2, 0.5, 0.5, 0.9]),
                         ("30 rounded", np.round(rng.normal(size=30), 1).tolist()),
                         ("one", [3.0])):
        cases.append([name, scores, [float(stats.percentileofscore(scores, s, kind="mean")) for s in scores]])
    return cases


def quintile_cases():
    cases = []
    for name, values in (("1..10", [float(v) for v in range(1, 11)]),
                         ("mostly ones", [1.0] * 12 + [2.0, 2.0, 3.0, 5.0]),
                         ("25 lognormal", rng.lognormal(3, 1, size=25).tolist())):
        cases.append([name, values, np.percentile(values, [20, 40, 60, 80]).tolist()])
    return cases


# ---- Preparation ----------------------------------------------------------------------
def standardise_case():
    x = np.column_stack([rng.normal(1e6, 3, size=9), np.full(9, 7.0), rng.integers(0, 5, size=9).astype(float)])
    test = np.array([[1e6, 7.0, 2.0], [1e6 + 5, 8.0, 0.0]])
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[1] = 1.0  # the constant column
    return {"columns": ["big", "constant", "count"], "train": x.tolist(), "test": test.tolist(),
            "mean": mean.tolist(), "sd": sd.tolist(), "testStandardised": ((test - mean) / sd).tolist()}


def impute_case():
    nan = float("nan")
    train = [[1.0, 10.0, nan], [3.0, nan, nan], [5.0, 20.0, nan], [7.0, 30.0, nan]]
    test = [[nan, nan, 4.0], [2.0, 5.0, nan]]
    arr = np.array(train)
    mean = [float(np.nanmean(arr[:, j])) if not np.all(np.isnan(arr[:, j])) else 0.0 for j in range(3)]
    indicator = [bool(np.isnan(arr[:, j]).any()) for j in range(3)]
    flagged = [j for j in range(3) if indicator[j]]

    def fill(rows):
        out = []
        for row in rows:
            out.append([mean[j] if math.isnan(v) else v for j, v in enumerate(row)] + [1.0 if math.isnan(row[j]) else 0.0 for j in flagged])
        return out
    return {"columns": ["a", "b", "c"], "train": [nan_to_none(r) for r in train], "test": [nan_to_none(r) for r in test],
            "mean": mean, "outColumns": ["a", "b", "c"] + [f"{c}:missing" for c in ("b", "c")],
            "trainFilled": fill(train), "testFilled": fill(test)}


# ---- Time split -----------------------------------------------------------------------
EPOCH = datetime.date(1970, 1, 1)


def day(text):
    return (datetime.date.fromisoformat(text) - EPOCH).days


def time_split_case():
    orders = [("b", "1997-01-05", 10.0), ("b", "1997-01-05", 5.0), ("b", "1997-03-01", 20.0), ("b", "1997-09-20", 30.0),
              ("a", "1997-02-10", 12.5), ("a", "1997-10-15", 8.0),
              ("c", "1997-09-30", 40.0), ("c", "1998-07-01", 1.0),
              ("d", "1997-10-02", 9.0)]
    cutoff, horizon = day("1997-09-30"), 273
    rows, labels, months, customers = [], [], [], []
    for customer in sorted({o[0] for o in orders if day(o[1]) <= cutoff}):
        spend = {}
        for who, date, amount in orders:
            if who == customer and day(date) <= cutoff:
                spend[day(date)] = spend.get(day(date), 0.0) + amount
        days = sorted(spend)
        total = sum(spend.values())
        k = len(days)
        last30 = [d for d in days if d > cutoff - 30]
        last90 = [d for d in days if d > cutoff - 90]
        rows.append([cutoff - days[-1], k, math.log(k), total, math.log1p(total), total / k, math.log1p(total / k),
                     cutoff - days[0], (days[-1] - days[0]) / (k - 1) if k > 1 else None,
                     len(last30), len(last90), sum(spend[d] for d in last90)])
        labels.append(int(any(who == customer and cutoff < day(date) <= cutoff + horizon for who, date, _ in orders)))
        months.append((EPOCH + datetime.timedelta(days=days[0])).isoformat()[:7])
        customers.append(customer)
    return {"orders": [{"customerId": c, "day": day(d), "amount": a} for c, d, a in orders], "cutoffDay": cutoff,
            "horizonDays": horizon, "customers": customers, "rows": rows, "labels": labels, "firstPurchaseMonth": months}


def rfm_case():
    n = 40
    recency = rng.integers(0, 200, size=n).astype(float)
    frequency = rng.choice([1, 1, 1, 2, 3, 5], size=n).astype(float)
    monetary = np.round(rng.lognormal(3, 1, size=n), 2)
    labels = (rng.uniform(size=n) < 0.4).astype(int)
    br, bf, bm = (np.percentile(v, [20, 40, 60, 80]) for v in (recency, frequency, monetary))
    r = 1 + np.array([np.sum(br > v) for v in recency])
    f = 1 + np.array([np.sum(bf < v) for v in frequency])
    m = 1 + np.array([np.sum(bm < v) for v in monetary])
    sums = r + f + m
    base = labels.mean()
    rate = {int(s): (labels[sums == s].sum() + base) / ((sums == s).sum() + 1) for s in np.unique(sums)}
    return {"columns": ["recencyDays", "purchases", "monetaryTotal"],
            "rows": np.column_stack([recency, frequency, monetary]).tolist(), "labels": labels.tolist(),
            "scores": [[int(a), int(b), int(c), int(s), float(rate[int(s)])] for a, b, c, s in zip(r, f, m, sums)]}


def write(path, document):
    """One line per case (or per field of a single-case object): diffs stay readable."""
    lines = []
    for key, value in document.items():
        if isinstance(value, list):
            items = ",\n  ".join(json.dumps(item) for item in value)
            lines.append(f" {json.dumps(key)}: [\n  {items}\n ]")
        elif isinstance(value, dict):
            items = ",\n  ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in value.items())
            lines.append(f" {json.dumps(key)}: {{\n  {items}\n }}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    with open(path, "w") as out:
        out.write("{\n" + ",\n".join(lines) + "\n}\n")


def main():
    propensity = {
        "$comment": "Written by scripts/propensityCases.py (numpy/scipy). null stands for NaN (a missing value). Tuples are [name, ...inputs, expected].",
        "logistic": logistic_cases(),
        "metrics": metrics_cases(),
        "percentileRanks": percentile_cases(),
        "quintiles": quintile_cases(),
        "standardise": standardise_case(),
        "impute": impute_case(),
        "timeSplit": time_split_case(),
        "rfm": rfm_case(),
    }
    write("src/core/predict/propensity/propensity.cases.json", propensity)
    write("src/core/numeric/choleskySolve.cases.json",
          {"$comment": "Written by scripts/propensityCases.py: [name, A, b, expected], x by numpy.linalg.solve.",
           "cases": cholesky_cases()})


if __name__ == "__main__":
    main()
