// IHDP benchmark of the neural effect estimators (TARNet, CFR, DragonNet) on replications 1-40 of
// $CAUSALREC_SHARED_DIR/data/ihdp. Protocol: TARNet and CFR train on CFRNet's 672 training rows of
// each replication (cfrnet_1-100_test_rows_reps1-40.csv; a stratified part of them is held out for
// early stopping inside fit) and report the out-of-sample sqrt(PEHE) on its 75 test rows; DragonNet
// is fitted on all 747 rows and reports the ATE error |mean(mu1 - mu0) - ate()|, as Shi et al. (2019).
// x14 is recoded from {1, 2} to {0, 1}. Hyper-parameters are the estimators' defaults, except
// ganite-l2 (below).
//
// usage: ihdp_neural [--reps A-B | --reps i,j,k] [--models tarnet,cfr,cfr-wass,dragonnet,ganite,ganite-l2] [--float] [--seed S]
// (default: tarnet,cfr,dragonnet; cfr-wass is CFR with the Sinkhorn-Wasserstein IPM; ganite is scored
// like TARNet and CFR: trained on the 672 training rows, out-of-sample sqrt(PEHE) on the 75 test rows;
// ganite-l2 is GANITE with the settings chosen on the held-out factual loss of the training rows of
// replications 1-10 (docs/causal.md): 100 units, l2 0.1, 1000 passes)
#include <causalrec/causal/neural.hpp>
#include <causalrec/core/threads.hpp>
#include <causalrec/metrics/causal.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "ihdp.hpp"

namespace cc = causalrec::causal;
namespace cm = causalrec::metrics;

namespace {

struct summary {
    double mean = 0, median = 0, mean_without = 0;
};

summary summarize(const std::vector<int>& reps, const std::vector<double>& v) {
    const std::set<int> hard{9, 13, 28, 34};
    summary s;
    if (v.empty()) return s;
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    s.median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    double sum = 0, sum_w = 0;
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += v[i];
        if (!hard.count(reps[i])) {
            sum_w += v[i];
            ++k;
        }
    }
    s.mean = sum / static_cast<double>(n);
    s.mean_without = k ? sum_w / static_cast<double>(k) : 0.0;
    return s;
}

template <class T, class S>
causalrec::matrix<T> as(const causalrec::matrix<S>& m) {
    causalrec::matrix<T> out = causalrec::make_matrix<T>(m.shape()[0], m.shape()[1]);
    std::copy(m.begin(), m.end(), out.begin());
    return out;
}
template <class T, class S>
causalrec::vector<T> as(const causalrec::vector<S>& m) {
    causalrec::vector<T> out = causalrec::make_vector<T>(m.size());
    std::copy(m.begin(), m.end(), out.begin());
    return out;
}

template <class T>
int run(const std::vector<int>& reps, const std::set<std::string>& models, std::uint64_t seed) {
    const auto tests = ihdp::test_rows();
    std::vector<double> tar, cf, cw, dr, gn, gl;
    std::vector<int> done;
    double sec_tar = 0, sec_cfr = 0, sec_cw = 0, sec_dr = 0, sec_gn = 0, sec_gl = 0;
    std::printf("%4s %10s %10s %10s %10s %10s %10s\n", "rep", "tarnet", "cfr", "cfr-wass", "dragon_ate", "ganite", "ganite-l2");
    for (int r : reps) {
        const auto rep = ihdp::read(r);
        const auto parts = ihdp::split(rep, tests.at(r));  // (a lambda below cannot capture structured bindings under clang++ 14)
        const ihdp::replication& train = parts.first;
        const ihdp::replication& test = parts.second;
        causalrec::vector<double> tau_test = test.mu1 - test.mu0;
        double a = -1, b = -1, w = -1, c = -1, g = -1, l = -1;  // -1: model not run
        // Out-of-sample sqrt(PEHE) of a model trained on the 672 training rows; adds its time to `seconds`.
        auto out_of_sample = [&](auto model, double& seconds) {
            const auto start = std::chrono::steady_clock::now();
            model.fit(as<T>(train.x), as<T>(train.t), as<T>(train.y));
            const double v = cm::sqrt_pehe(tau_test, as<double>(model.effect(as<T>(test.x))));
            seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            return v;
        };
        if (models.count("tarnet")) tar.push_back(a = out_of_sample(cc::tarnet<T>({.seed = seed}), sec_tar));
        if (models.count("cfr")) cf.push_back(b = out_of_sample(cc::cfr<T>({.seed = seed}), sec_cfr));
        if (models.count("cfr-wass"))
            cw.push_back(w = out_of_sample(cc::cfr<T>({.seed = seed, .ipm = cc::ipm_metric::wasserstein}), sec_cw));
        if (models.count("ganite")) gn.push_back(g = out_of_sample(cc::ganite<T>({.seed = seed}), sec_gn));
        if (models.count("ganite-l2"))
            gl.push_back(l = out_of_sample(cc::ganite<T>(ihdp::ganite_selected_options(seed)), sec_gl));
        if (models.count("dragonnet")) {
            const auto start = std::chrono::steady_clock::now();
            cc::dragonnet<T> model({.seed = seed});
            model.fit(as<T>(rep.x), as<T>(rep.t), as<T>(rep.y));
            causalrec::vector<double> tau = rep.mu1 - rep.mu0;
            double true_ate = 0;
            for (double v : tau) true_ate += v;
            true_ate /= static_cast<double>(tau.size());
            c = cm::ate_error(true_ate, model.ate());
            sec_dr += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            dr.push_back(c);
        }
        done.push_back(r);
        std::printf("%4d %10.4f %10.4f %10.4f %10.4f %10.4f %10.4f\n", r, a, b, w, c, g, l);
        std::fflush(stdout);
    }
    std::printf("\n%-34s %8s %8s %14s %9s\n", "model (metric)", "mean", "median", "mean w/o 4", "seconds");
    auto line = [&](const char* name, const std::vector<double>& v, double sec) {
        if (v.empty()) return;
        const summary s = summarize(done, v);
        std::printf("%-34s %8.3f %8.3f %14.3f %9.1f\n", name, s.mean, s.median, s.mean_without, sec);
    };
    line("TARNet (out-of-sample sqrt PEHE)", tar, sec_tar);
    line("CFR-MMD (out-of-sample sqrt PEHE)", cf, sec_cfr);
    line("CFR-Wass (out-of-sample sqrt PEHE)", cw, sec_cw);
    line("DragonNet (ATE error, 747 rows)", dr, sec_dr);
    line("GANITE (out-of-sample sqrt PEHE)", gn, sec_gn);
    line("GANITE, l2 (out-of-sample sqrt PEHE)", gl, sec_gl);
    return 0;
}

std::vector<int> parse_reps(const std::string& s) {
    std::vector<int> out;
    const auto dash = s.find('-');
    if (dash != std::string::npos) {
        for (int r = std::stoi(s.substr(0, dash)); r <= std::stoi(s.substr(dash + 1)); ++r) out.push_back(r);
        return out;
    }
    std::size_t pos = 0;
    while (pos < s.size()) {
        const auto comma = s.find(',', pos);
        out.push_back(std::stoi(s.substr(pos, comma - pos)));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> reps = parse_reps("1-40");
    std::set<std::string> models{"tarnet", "cfr", "dragonnet"};
    bool use_float = false;
    std::uint64_t seed = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--reps" && i + 1 < argc) reps = parse_reps(argv[++i]);
        else if (a == "--models" && i + 1 < argc) {
            models.clear();
            std::string list = argv[++i];
            std::size_t pos = 0;
            while (pos <= list.size()) {
                const auto comma = list.find(',', pos);
                models.insert(list.substr(pos, comma - pos));
                if (comma == std::string::npos) break;
                pos = comma + 1;
            }
        } else if (a == "--float") use_float = true;
        else if (a == "--seed" && i + 1 < argc) seed = std::stoull(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--reps A-B|i,j,...] [--models tarnet,cfr,cfr-wass,dragonnet,ganite,ganite-l2] [--float] [--seed S]\n", argv[0]);
            return 2;
        }
    }
    try {
        causalrec::set_num_threads(1);  // small matrices: one OpenBLAS thread is the fastest
        const auto start = std::chrono::steady_clock::now();
        const int rc = use_float ? run<float>(reps, models, seed) : run<double>(reps, models, seed);
        std::printf("wall time %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ihdp_neural: %s\n", e.what());
        return 1;
    }
}
