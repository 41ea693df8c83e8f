// Reader of the IHDP replications in $CAUSALREC_SHARED_DIR/data/ihdp (see SOURCE.md there): the CSV
// of one replication (treatment, y_factual, y_cfactual, mu0, mu1, x1..x25) and CFRNet's test rows.
// Shared by test_ihdp_neural and the ihdp_neural tool. x14 is coded {1, 2} in the files; the reader
// subtracts 1, as CEVAE's loader does, so that every binary covariate is 0/1.
#pragma once

#include <causalrec/causal/neural/ganite.hpp>
#include <causalrec/core/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ihdp {

/// GANITE with the settings chosen on the held-out factual loss of the training rows of
/// replications 1-10 (docs/causal.md): 100 units, l2 0.1, 1000 passes.
inline causalrec::causal::ganite_options ganite_selected_options(std::uint64_t seed = 0) {
    return {.hidden = 100, .epochs = 1000, .l2 = 0.1, .seed = seed};
}

/// One replication: 747 rows.
struct replication {
    causalrec::matrix<double> x = causalrec::make_matrix<double>(0, 0);  ///< x1..x25 (x14 - 1)
    causalrec::vector<double> t = causalrec::make_vector<double>(0);     ///< treatment 0/1
    causalrec::vector<double> y = causalrec::make_vector<double>(0);     ///< factual outcome
    causalrec::vector<double> mu0 = causalrec::make_vector<double>(0);   ///< noiseless control outcome
    causalrec::vector<double> mu1 = causalrec::make_vector<double>(0);   ///< noiseless treated outcome
};

/// The data folder: $CAUSALREC_SHARED_DIR/data/ihdp (throws when the variable is unset).
inline std::string data_dir() {
    const char* dir = std::getenv("CAUSALREC_SHARED_DIR");
    if (dir == nullptr) throw std::runtime_error("CAUSALREC_SHARED_DIR is not set");
    return std::string(dir).append("/data/ihdp");
}

/// Reads replication r (1-based).
inline replication read(int r) {
    const std::string path = data_dir() + "/csv/ihdp_npci_" + std::to_string(r) + ".csv";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<std::vector<double>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::vector<double> v;
        std::stringstream ss(line);
        std::string field;
        while (std::getline(ss, field, ',')) v.push_back(std::stod(field));
        if (v.size() != 30) throw std::runtime_error(path + ": a row has " + std::to_string(v.size()) + " fields, expected 30");
        rows.push_back(std::move(v));
    }
    replication rep;
    const std::size_t n = rows.size();
    rep.x = causalrec::make_matrix<double>(n, 25);
    rep.t = causalrec::make_vector<double>(n);
    rep.y = causalrec::make_vector<double>(n);
    rep.mu0 = causalrec::make_vector<double>(n);
    rep.mu1 = causalrec::make_vector<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
        rep.t(i) = rows[i][0];
        rep.y(i) = rows[i][1];
        rep.mu0(i) = rows[i][3];
        rep.mu1(i) = rows[i][4];
        for (std::size_t j = 0; j < 25; ++j) rep.x(i, j) = rows[i][5 + j];
        rep.x(i, 13) -= 1.0;  // x14 in {1, 2} -> {0, 1}
    }
    return rep;
}

/// CFRNet's 75 test rows (0-based CSV rows) of each replication 1..40.
inline std::map<int, std::vector<std::size_t>> test_rows() {
    const std::string path = data_dir() + "/cfrnet_1-100_test_rows_reps1-40.csv";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::map<int, std::vector<std::size_t>> out;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::stringstream ss(line);
        std::string a, b, c;
        std::getline(ss, a, ',');
        std::getline(ss, b, ',');
        std::getline(ss, c, ',');
        out[std::stoi(a)].push_back(static_cast<std::size_t>(std::stoul(c)));
    }
    return out;
}

/// The rows `rows` of a replication (a sub-sample with the same fields).
inline replication subset(const replication& rep, const std::vector<std::size_t>& rows) {
    replication out;
    const std::size_t n = rows.size(), p = rep.x.shape()[1];
    out.x = causalrec::make_matrix<double>(n, p);
    out.t = causalrec::make_vector<double>(n);
    out.y = causalrec::make_vector<double>(n);
    out.mu0 = causalrec::make_vector<double>(n);
    out.mu1 = causalrec::make_vector<double>(n);
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = rows[k];
        for (std::size_t j = 0; j < p; ++j) out.x(k, j) = rep.x(i, j);
        out.t(k) = rep.t(i);
        out.y(k) = rep.y(i);
        out.mu0(k) = rep.mu0(i);
        out.mu1(k) = rep.mu1(i);
    }
    return out;
}

/// Train rows (those not in `test`) and test rows of a replication.
inline std::pair<replication, replication> split(const replication& rep, const std::vector<std::size_t>& test) {
    std::vector<bool> is_test(rep.t.size(), false);
    for (std::size_t i : test) is_test.at(i) = true;
    std::vector<std::size_t> train;
    for (std::size_t i = 0; i < is_test.size(); ++i)
        if (!is_test[i]) train.push_back(i);
    return {subset(rep, train), subset(rep, test)};
}

}  // namespace ihdp
