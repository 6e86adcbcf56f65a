"""Writes riskRatio.cases.json and disparityReport.cases.json: expected values computed
independently of the TypeScript, with scipy (relative_risk's Katz interval) and numpy.

Run from this folder: python3 makeCases.py (scipy 1.17.1, numpy 2.4.6 when they were made).
The tests compare with a relative tolerance of 1e-9 (both sides are double precision; the
normal quantile differs in the last bits at most).
"""
import json
import numpy as np
from scipy.stats import norm
from scipy.stats.contingency import relative_risk


def katz(x1, n1, x2, n2, alpha):
    """Expected riskRatio: scipy where it applies (no zero count), numpy on the 0.5-corrected cells otherwise."""
    if n1 <= 0 or n2 <= 0:
        return {"ratio": None, "lower": None, "upper": None, "corrected": False}
    corrected = x1 == 0 or x2 == 0
    ratio = None if x2 == 0 else (x1 / n1) / (x2 / n2)
    if ratio is None:
        return {"ratio": None, "lower": None, "upper": None, "corrected": corrected}
    if not corrected:
        rr = relative_risk(x1, n1, x2, n2)
        ci = rr.confidence_interval(confidence_level=1 - alpha)
        return {"ratio": float(rr.relative_risk), "lower": float(ci.low), "upper": float(ci.high), "corrected": False}
    a, b, c, d = x1 + 0.5, n1 + 1, x2 + 0.5, n2 + 1
    se = np.sqrt(1 / a - 1 / b + 1 / c - 1 / d)
    z = norm.ppf(1 - alpha / 2)
    center = np.log((a / b) / (c / d))
    return {"ratio": ratio, "lower": float(np.exp(center - z * se)), "upper": float(np.exp(center + z * se)), "corrected": True}


risk_cases = []
for name, x1, n1, x2, n2, alpha in [
    ("scipy docs example", 10, 50, 20, 60, 0.05),
    ("equal rates", 30, 100, 30, 100, 0.05),
    ("group above reference", 45, 90, 20, 80, 0.05),
    ("large groups", 4012, 10000, 5120, 10000, 0.05),
    ("alpha 0.10", 12, 40, 25, 41, 0.10),
    ("alpha 0.01", 12, 40, 25, 41, 0.01),
    ("every unit a success", 40, 40, 38, 40, 0.05),
    ("no success in the group: corrected", 0, 25, 9, 30, 0.05),
    ("one unit each", 1, 1, 1, 1, 0.05),
    ("no success in the reference: no ratio", 5, 20, 0, 20, 0.05),
    ("a group without units", 0, 0, 5, 20, 0.05),
]:
    risk_cases.append([name, {"successes": x1, "units": n1}, {"successes": x2, "units": n2}, alpha, katz(x1, n1, x2, n2, alpha)])

with open("riskRatio.cases.json", "w") as f:
    json.dump(risk_cases, f, indent=1)
    f.write("\n")


def report(measures, groups, threshold, alpha, reference, min_units):
    """The expected disparityReport, written from its definition in docs/fairness.md."""
    warnings = []
    out = []
    for m in measures:
        def counts(g):
            return g["measures"].get(m, {"successes": 0, "units": 0})
        eligible = [g for g in groups if counts(g)["units"] >= min_units and counts(g)["units"] > 0]
        ref = None
        if reference == "best":
            best = -1.0
            for g in eligible:
                c = counts(g)
                r = c["successes"] / c["units"]
                if r > 0 and r > best:
                    best, ref = r, g["group"]
        else:
            for g in eligible:
                if g["group"] == reference["group"] and counts(g)["successes"] > 0:
                    ref = g["group"]
        ref_counts = None if ref is None else counts(next(g for g in groups if g["group"] == ref))
        rows = []
        for g in groups:
            c = counts(g)
            rate = c["successes"] / c["units"] if c["units"] > 0 else None
            row = {"group": g["group"], "successes": c["successes"], "units": c["units"], "rate": rate}
            compared = ref_counts is not None and g["group"] != ref and c["units"] >= min_units and c["units"] > 0
            if not compared:
                row.update({"ratio": None, "lower": None, "upper": None, "corrected": False, "belowThreshold": False, "conclusive": False})
            else:
                k = katz(c["successes"], c["units"], ref_counts["successes"], ref_counts["units"], alpha)
                below = k["ratio"] is not None and k["ratio"] < threshold
                conclusive = below and k["upper"] is not None and k["upper"] < threshold
                row.update(k)
                row.update({"belowThreshold": below, "conclusive": conclusive})
                if below:
                    warnings.append({"code": "FAIRNESS_BELOW_THRESHOLD", "measure": m, "group": g["group"], "reference": ref,
                                     "ratio": k["ratio"], "threshold": threshold, "conclusive": conclusive})
            rows.append(row)
        out.append({"measure": m, "reference": ref, "groups": rows})
    return {"threshold": threshold, "alpha": alpha, "measures": out, "warnings": warnings}


def g(name, **measures):
    return {"group": name, "measures": {k: {"successes": v[0], "units": v[1]} for k, v in measures.items()}}


report_cases = []
for name, measures, groups, threshold, alpha, reference, min_units in [
    ("four-fifths rule against the best group", ["exposure", "click"],
     [g("north", exposure=(120, 200), click=(30, 120)), g("south", exposure=(70, 200), click=(21, 70)), g("west", exposure=(110, 180), click=(20, 110))],
     0.8, 0.05, "best", 1),
    ("a chosen reference group and a stricter threshold", ["exposure"],
     [g("18-24", exposure=(40, 100)), g("25-44", exposure=(300, 600)), g("65+", exposure=(9, 60))],
     0.9, 0.05, {"group": "25-44"}, 1),
    ("small groups are shown but not compared", ["conversion"],
     [g("a", conversion=(5, 8)), g("b", conversion=(40, 400)), g("c", conversion=(2, 50))],
     0.8, 0.05, "best", 20),
    ("a group with no successes, and a measure a group lacks", ["exposure", "click"],
     [g("in", exposure=(50, 100), click=(10, 50)), g("out", exposure=(0, 90))],
     0.8, 0.10, "best", 1),
    ("the chosen reference has no success: nothing compared", ["exposure"],
     [g("x", exposure=(0, 30)), g("y", exposure=(12, 30))],
     0.8, 0.05, {"group": "x"}, 1),
]:
    report_cases.append([name, measures, groups, {"threshold": threshold, "alpha": alpha, "reference": reference, "minUnits": min_units},
                         report(measures, groups, threshold, alpha, reference, min_units)])

with open("disparityReport.cases.json", "w") as f:
    json.dump(report_cases, f, indent=1)
    f.write("\n")
