"""Reference for bench/detectors: scikit-learn's IsolationForest, NearestNeighbors-based kNN
(score = mean distance to the 5 nearest training rows) and, with --lof, LocalOutlierFactor
(novelty) on the matrices bench/detectors wrote. usage: DIR N_TRAIN N_TEST D REPEATS [--lof].
Prints one line per model: name, best fit seconds, best score seconds, test ROC-AUC; and
"iforest_seeds 0 0 AUC" with the mean AUC over random_state 0..4."""
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors

folder, n_train, n_test, d, repeats = sys.argv[1], *map(int, sys.argv[2:6])
with_lof = "--lof" in sys.argv[6:]
x_train = np.fromfile(f"{folder}/train.f32", dtype="<f4").reshape(n_train, d)
x_test = np.fromfile(f"{folder}/test.f32", dtype="<f4").reshape(n_test, d)
y_test = np.fromfile(f"{folder}/test_y.u8", dtype=np.uint8)


def iforest_fit():
    return IsolationForest(n_estimators=100, max_samples=256, random_state=0).fit(x_train)


def iforest_score(model):
    return -model.score_samples(x_test)


def knn_fit():
    return NearestNeighbors(n_neighbors=5).fit(x_train)


def knn_score(model):
    dist, _ = model.kneighbors(x_test)
    return dist.mean(axis=1)


def lof_fit():
    return LocalOutlierFactor(n_neighbors=20, novelty=True).fit(x_train)


def lof_score(model):
    return -model.score_samples(x_test)


def bench(name, fit, score, reps):
    best_fit = best_score = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        model = fit()
        t1 = time.perf_counter()
        s = score(model)
        t2 = time.perf_counter()
        best_fit, best_score = min(best_fit, t1 - t0), min(best_score, t2 - t1)
    print(name, best_fit, best_score, roc_auc_score(y_test, s), flush=True)


bench("iforest", iforest_fit, iforest_score, repeats)
# The forest's AUC varies with its seed: the mean over random_state 0..4 as well.
aucs = [roc_auc_score(y_test, -IsolationForest(n_estimators=100, max_samples=256,
                                               random_state=s).fit(x_train)
                      .score_samples(x_test)) for s in range(5)]
print("iforest_seeds", 0, 0, np.mean(aucs), flush=True)
bench("knn", knn_fit, knn_score, repeats)
if with_lof:
    bench("lof", lof_fit, lof_score, 1)
