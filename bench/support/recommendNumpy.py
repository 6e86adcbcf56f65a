# The same EASE solve as bench/recommend.ts, timed with numpy: reads "user item" pairs (0-based)
# of the training split on stdin, prints the median seconds of `runs` solves and a checksum.
import sys, time, json
import numpy as np
n_users, n_items, lam, runs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
pairs = np.loadtxt(sys.stdin, dtype=np.int64).reshape(-1, 2)
times = []
for _ in range(runs):
    started = time.perf_counter()
    X = np.zeros((n_users, n_items))
    X[pairs[:, 0], pairs[:, 1]] = 1
    G = X.T @ X
    G[np.diag_indices(n_items)] += lam
    P = np.linalg.inv(G)
    B = P / (-np.diag(P))
    B[np.diag_indices(n_items)] = 0
    times.append(time.perf_counter() - started)
print(json.dumps({"seconds": sorted(times)[len(times) // 2], "all": times, "checksum": float(np.abs(B).sum())}))
