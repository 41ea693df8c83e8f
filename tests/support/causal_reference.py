"""Reference values for tests/test_causal_effects.cpp and tests/test_causal_reference.cpp.

scikit-learn 1.2.1 / NumPy 1.24 (Debian 12's python3-sklearn, python3-numpy). Run:
    /usr/bin/python3 tests/support/causal_reference.py [CAUSALREC_SHARED_DIR]
The synthetic data are deterministic formulas (no random generator), written the same way in the
C++ tests. The Qini functions re-implement CausalML's get_qini / qini_score / get_cumgain /
auuc_score (causalml/metrics/visualize.py) in NumPy, with a stable sort; with group_ties=True a
tie group of scores is one step of the curve (its interior points interpolated), causalrec's rule.
"""
import sys
import numpy as np
from sklearn.linear_model import LinearRegression, Ridge, LogisticRegression
from sklearn.preprocessing import StandardScaler


def synthetic(n=40):
    i = np.arange(n, dtype=float)
    x = np.column_stack([np.sin(i), np.cos(3 * i), (i % 5) / 4.0])
    y = 1.0 + 2.0 * x[:, 0] - x[:, 1] + 0.5 * x[:, 2] + 0.3 * np.sin(7 * i)
    t = ((np.sin(2 * i) + 0.5 * x[:, 0]) > 0).astype(float)
    w = 1.0 + (i % 3)
    return x, y, t, w


def interp_nan(v):
    idx = np.arange(len(v))
    ok = ~np.isnan(v)
    out = v.copy()
    out[~ok] = np.interp(idx[~ok], idx[ok], v[ok])
    return out


def tie_interior(sorted_scores):
    """Curve positions 1..n-1 that fall inside a tie group (the next row has the same score)."""
    inside = np.zeros(len(sorted_scores) + 1, dtype=bool)
    inside[1:-1] = sorted_scores[:-1] == sorted_scores[1:]
    return inside


def qini_curve(s, t, y, normalize, group_ties=False):
    order = np.argsort(-s, kind="stable")
    t, y = t[order], y[order]
    n = len(s)
    ntr = np.cumsum(t)
    nct = np.arange(1, n + 1) - ntr
    ytr = np.cumsum(y * t)
    yct = np.cumsum(y * (1 - t))
    with np.errstate(invalid="ignore", divide="ignore"):
        q = ytr - yct * ntr / nct
    q = np.concatenate([[0.0], q])
    if group_ties:
        q[tie_interior(s[order])] = np.nan
    q = interp_nan(q)
    if normalize:
        q = q / abs(q[-1])
    return q


def qini_score(s, t, y, normalize=True, group_ties=False):
    q = qini_curve(s, t, y, normalize, group_ties)
    random_area = np.linspace(q[0], q[-1], len(q)).sum()
    return (q.sum() - random_area) / len(q)


def auuc_score(s, t, y, normalize=True, group_ties=False):
    order = np.argsort(-s, kind="stable")
    t, y = t[order], y[order]
    n = len(s)
    ntr = np.cumsum(t)
    nct = np.arange(1, n + 1) - ntr
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = np.cumsum(y * t) / ntr - np.cumsum(y * (1 - t)) / nct
    lift = np.concatenate([[0.0], lift])
    if group_ties:
        lift[tie_interior(s[order])] = np.nan
    lift = interp_nan(lift)
    gain = lift * np.arange(n + 1)
    if normalize:
        gain = gain / abs(gain[-1])
    return gain.sum() / len(gain)


def main():
    np.set_printoptions(precision=17)
    x, y, t, w = synthetic()
    print("LinearRegression coef", repr(LinearRegression().fit(x, y).coef_), LinearRegression().fit(x, y).intercept_)
    r = Ridge(alpha=2.5).fit(x, y, sample_weight=w)
    print("Ridge(alpha=2.5, weighted) coef", repr(r.coef_), r.intercept_)
    lr = LogisticRegression(C=0.5, tol=1e-12, max_iter=10000, solver="newton-cg").fit(x, t)
    print("LogisticRegression(C=0.5) coef", repr(lr.coef_[0]), lr.intercept_[0])
    lr = LogisticRegression(C=2.0, tol=1e-12, max_iter=10000, solver="newton-cg").fit(x, t, sample_weight=w)
    print("LogisticRegression(C=2, weighted) coef", repr(lr.coef_[0]), lr.intercept_[0])
    # Uplift: scores with ties, binary outcome.
    i = np.arange(40, dtype=float)
    s = np.round(np.sin(5 * i), 1)
    yb = ((np.cos(i) + 0.8 * t * (s + 0.3)) > 0.2).astype(float)
    print("ties grouped: qini_score", repr(qini_score(s, t, yb, group_ties=True)), "unnormalised",
          repr(qini_score(s, t, yb, False, group_ties=True)), "auuc_score", repr(auuc_score(s, t, yb, group_ties=True)))
    # The same outcomes with distinct scores (each tie broken by a small row-dependent offset): CausalML exactly.
    d = s + 1e-3 * np.sin(11 * i)
    print("distinct scores: qini_score", repr(qini_score(d, t, yb)), "unnormalised", repr(qini_score(d, t, yb, False)),
          "auuc_score", repr(auuc_score(d, t, yb)))
    if len(sys.argv) > 1:
        lalonde(sys.argv[1])


def lalonde(shared):
    import pandas as pd
    nsw = pd.read_csv(shared + "/data/lalonde/nsw_dw.csv")
    cps = pd.read_csv(shared + "/data/lalonde/cps_controls.csv")
    psid = pd.read_csv(shared + "/data/lalonde/psid_controls.txt", sep=r"\s+", header=None,
                       names=["treat", "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "re78"])
    print("NSW difference in means", nsw.re78[nsw.treat == 1].mean() - nsw.re78[nsw.treat == 0].mean())
    for name, ctl in [("CPS", cps), ("PSID", psid)]:
        d = pd.concat([nsw[nsw.treat == 1], ctl], ignore_index=True)
        X = np.column_stack([d.age, d.age ** 2, d.educ, d.educ ** 2, d.marr, d.nodegree, d.black, d.hisp,
                             d.re74, d.re75, (d.re74 == 0).astype(float), (d.re75 == 0).astype(float)])
        tt = d.treat.values.astype(float)
        yy = d.re78.values.astype(float)
        Xs = StandardScaler().fit_transform(X)
        e = LogisticRegression(C=1.0, solver="newton-cg", tol=1e-12, max_iter=10000).fit(Xs, tt).predict_proba(Xs)[:, 1]
        mu0 = LinearRegression().fit(X[tt == 0], yy[tt == 0]).predict(X)
        n1 = tt.sum()
        wc = e / (1 - e)
        ipw = yy[tt == 1].mean() - (wc * yy)[tt == 0].sum() / wc[tt == 0].sum()
        aipw = ((tt * (yy - mu0)).sum() - ((1 - tt) * wc * (yy - mu0)).sum()) / n1
        r = yy - mu0
        aipw_norm = r[tt == 1].mean() - (wc * r)[tt == 0].sum() / wc[tt == 0].sum()
        print(name, "normalised AIPW", repr(aipw_norm))
        print(name, "propensity range treated", e[tt == 1].min(), e[tt == 1].max(), "controls max", e[tt == 0].max())
        print(name, "ATT in-sample, logistic C=1 on standardised X + OLS: IPW (Hajek)", ipw, "AIPW", aipw)


if __name__ == "__main__":
    main()
