// Causal discovery with PC, GES, DirectLiNGAM or NOTEARS:
//   a linear model with a known causal graph (12 variables, 5,000 samples) -> CSV -> read back
//   -> PC with Fisher's z test or GES with the Gaussian BIC (the estimated graph is a CPDAG: arrows
//   where the data decide the direction, undirected edges where they cannot), DirectLiNGAM
//   (non-Gaussian noise: the whole DAG, with coefficients) or NOTEARS (a weighted DAG by continuous
//   optimisation) -> compared with the true graph -> both graphs as Graphviz files (render with:
//   dot -Tsvg graph.dot > graph.svg).
//
//   causal_discovery                      built-in simulated data (Gaussian noise; uniform for LiNGAM)
//   causal_discovery --data file.csv      your CSV: its numeric columns (rows with a missing value are left out)
//   causal_discovery --sachs DIR          the Sachs et al. (2005) protein-signalling data (DIR holds
//                                         cyto_full_data.csv and the consensus graphs, e.g. ../shared/data/sachs),
//                                         compared with the 18-edge consensus and the 17-arc bnlearn network
//   causal_discovery --sachs DIR --conditions   the same rows as the study's nine experimental conditions
//                                         (Joint Causal Inference: one context variable per condition after
//                                         the first, which nothing in the system causes)
//   causal_discovery --data file.csv --condition-column NAME   likewise for your CSV: NAME holds each row's
//                                         condition, numbers or text; the baseline (e.g. observational) is
//                                         --baseline VALUE, else the smallest number or the first name in sorted order
//   options: --method pc|ges|lingam|notears (pc)  --alpha A (0.01)  --max-condition K (no limit)
//            --colliders separating-set|majority|conservative|max-p|definite-max-p (conservative)
//            --causal-learn RULE,PRIORITY   PC as causal-learn's pc(..., uc_rule, uc_priority)
//            --lambda L (NOTEARS L1 weight, 0.1)  --out DIR (./causal_discovery_out)  --quick
#include <causalrec/causal/discovery.hpp>
#include <causalrec/data/data.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace causal = causalrec::causal;
namespace data = causalrec::data;

namespace {

struct arguments {
    std::string csv;
    std::string sachs;
    bool conditions = false;
    std::string condition_column;
    std::string baseline;
    std::string method = "pc";
    double alpha = 0.01;
    std::size_t max_condition = std::numeric_limits<std::size_t>::max();
    causal::collider_rule colliders = causal::collider_rule::conservative;
    std::optional<std::pair<int, int>> causal_learn;
    double lambda = 0.1;
    std::string out = "causal_discovery_out";
    bool quick = false;
};

causal::collider_rule parse_rule(const std::string& name) {
    if (name == "separating-set") return causal::collider_rule::separating_set;
    if (name == "majority") return causal::collider_rule::majority;
    if (name == "conservative") return causal::collider_rule::conservative;
    if (name == "max-p") return causal::collider_rule::max_p;
    if (name == "definite-max-p") return causal::collider_rule::definite_max_p;
    throw cr::argument_error("--colliders must be separating-set, majority, conservative, max-p or definite-max-p, got " + name);
}

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw cr::argument_error("missing value after " + arg);
            return argv[++i];
        };
        if (arg == "--data") a.csv = value();
        else if (arg == "--sachs") a.sachs = value();
        else if (arg == "--conditions") a.conditions = true;
        else if (arg == "--condition-column") a.condition_column = value();
        else if (arg == "--baseline") a.baseline = value();
        else if (arg == "--method") a.method = value();
        else if (arg == "--alpha") a.alpha = std::stod(value());
        else if (arg == "--max-condition") a.max_condition = std::stoul(value());
        else if (arg == "--colliders") a.colliders = parse_rule(value());
        else if (arg == "--causal-learn") {
            const std::string v = value();
            const auto comma = v.find(',');
            if (comma == std::string::npos) throw cr::argument_error("--causal-learn takes RULE,PRIORITY (e.g. 0,-1), got " + v);
            a.causal_learn = std::pair{std::stoi(v.substr(0, comma)), std::stoi(v.substr(comma + 1))};
        } else if (arg == "--lambda") a.lambda = std::stod(value());
        else if (arg == "--out") a.out = value();
        else if (arg == "--quick") a.quick = true;
        else if (arg == "-h" || arg == "--help") {
            std::cout << "usage: causal_discovery [--data file.csv [--condition-column NAME [--baseline VALUE]] | --sachs DIR [--conditions]]\n"
                         "                        [--method pc|ges|lingam|notears] [--alpha A] [--max-condition K]\n"
                         "                        [--colliders RULE] [--causal-learn RULE,PRIORITY] [--lambda L] [--out DIR] [--quick]\n";
            std::exit(0);
        } else throw cr::argument_error("unknown option " + arg);
    }
    if (a.method != "pc" && a.method != "ges" && a.method != "lingam" && a.method != "notears")
        throw cr::argument_error("--method must be pc, ges, lingam or notears, got " + a.method);
    if (!a.csv.empty() && !a.sachs.empty()) throw cr::argument_error("give --data or --sachs, not both");
    if (a.conditions && a.sachs.empty()) throw cr::argument_error("--conditions is for --sachs (for your CSV: --condition-column NAME)");
    if (!a.condition_column.empty() && a.csv.empty()) throw cr::argument_error("--condition-column is for --data");
    if (!a.baseline.empty() && a.condition_column.empty()) throw cr::argument_error("--baseline names a value of --condition-column");
    return a;
}

/// The numeric columns of a dataset without the rows that have a missing value, and their names; the
/// condition column (when named; numeric or text) apart, as each kept row's value or category code.
struct numeric_table {
    cr::matrix<double> values;
    std::vector<std::string> names;
    std::vector<double> condition;
    std::vector<std::string> condition_categories;  // the names of the codes of a text condition column
    std::size_t dropped_rows = 0;
};

numeric_table numeric_columns(const data::dataset<double>& d, const std::string& condition_column) {
    numeric_table t;
    std::vector<std::size_t> cols;
    std::optional<std::size_t> condition;
    if (!condition_column.empty()) {
        condition = d.column_index(condition_column);
        t.condition_categories = d.columns()[*condition].categories;
    }
    const auto names = d.feature_names();
    for (std::size_t c : d.numeric_columns())
        if (c != condition) cols.push_back(c), t.names.push_back(names[c]);
    if (cols.size() < 2) throw cr::argument_error("the CSV needs at least two numeric columns");
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < d.rows(); ++r) {
        bool complete = !condition || !std::isnan(d.features()(r, *condition));
        for (std::size_t c : cols) complete = complete && !std::isnan(d.features()(r, c));
        if (complete) rows.push_back(r);
    }
    t.dropped_rows = d.rows() - rows.size();
    t.values = cr::matrix<double>::from_shape({rows.size(), cols.size()});
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t c = 0; c < cols.size(); ++c) t.values(r, c) = d.features()(rows[r], cols[c]);
        if (condition) t.condition.push_back(d.features()(rows[r], *condition));
    }
    return t;
}

/// Condition labels 0..k-1 for the distinct values of a condition column, in increasing order (the
/// smallest value or category code, label 0, is the baseline); `levels` receives the values.
std::vector<std::size_t> condition_labels(const std::vector<double>& values, std::vector<double>& levels) {
    levels = values;
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    std::vector<std::size_t> labels;
    for (double v : values) labels.push_back(static_cast<std::size_t>(std::lower_bound(levels.begin(), levels.end(), v) - levels.begin()));
    return labels;
}

/// The Sachs et al. (2005) conditions, in the order of cyto_full_data.csv's rows, and their row counts.
const std::vector<std::string> sachs_conditions = {"anti-CD3/CD28", "+ ICAM-2", "+ Akt inhibitor", "+ G06976", "+ psitectorigenin",
                                                   "+ U0126", "+ LY294002", "PMA", "beta2cAMP"};
const std::vector<std::size_t> sachs_condition_rows = {853, 902, 911, 723, 810, 799, 848, 913, 707};

void print_edges(const causal::causal_graph& g, const std::vector<std::string>& names) {
    for (const auto& e : g.edges())
        std::cout << "    " << names[e.from] << (e.directed ? " -> " : e.bidirected ? " <-> " : " -- ") << names[e.to] << "\n";
}

/// A consensus graph of the Sachs data: a CSV of (from, to) names under a header line.
causal::causal_graph read_edge_list(const std::filesystem::path& path, const std::vector<std::string>& names) {
    std::ifstream in(path);
    if (!in) throw cr::error("cannot read " + path.string());
    causal::causal_graph g(names.size());
    std::string line;
    std::getline(in, line);
    auto index = [&](std::string name) {
        if (name.size() >= 2 && name.front() == '"') name = name.substr(1, name.size() - 2);
        for (std::size_t c = 0; c < names.size(); ++c)
            if (names[c] == name) return c;
        throw cr::error(path.string() + " names " + name + ", not a column of the data");
    };
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto comma = line.find(',');
        if (comma == std::string::npos) continue;
        g.add_directed(index(line.substr(0, comma)), index(line.substr(comma + 1)));
    }
    return g;
}

/// Edges of g that `truth` has in the same direction.
std::size_t right_direction(const causal::causal_graph& g, const causal::causal_graph& truth) {
    std::size_t k = 0;
    for (const auto& e : g.edges()) k += e.directed && truth.directed(e.from, e.to);
    return k;
}

void write_dot(const std::filesystem::path& path, const causal::causal_graph& g, const std::vector<std::string>& names) {
    std::ofstream out(path);
    out << g.to_dot(names);
    if (!out) throw cr::error("cannot write " + path.string());
}

}  // namespace

int main(int argc, char** argv) try {
    const auto start = std::chrono::steady_clock::now();
    const arguments args = parse(argc, argv);
    const std::filesystem::path out(args.out);
    std::filesystem::create_directories(out);

    // 1. Data: a simulated linear model with a known graph, written as CSV; or your CSV.
    std::optional<causal::linear_sem> truth;
    std::string csv = !args.sachs.empty() ? (std::filesystem::path(args.sachs) / "cyto_full_data.csv").string() : args.csv;
    const bool lingam = args.method == "lingam";
    if (csv.empty()) {
        truth = causal::simulate_linear_sem({.variables = 12, .expected_degree = 2.5, .samples = args.quick ? std::size_t{1000} : std::size_t{5000},
                                             .seed = 2024, .noise = lingam ? causal::sem_noise::uniform : causal::sem_noise::gaussian});
        csv = (out / "data.csv").string();
        std::ofstream file(csv);
        file << std::setprecision(17);
        for (std::size_t c = 0; c < 12; ++c) file << (c ? "," : "") << "x" << c;
        file << "\n";
        for (std::size_t r = 0; r < truth->data.shape()[0]; ++r)
            for (std::size_t c = 0; c < 12; ++c) file << truth->data(r, c) << (c + 1 < 12 ? "," : "\n");
        if (!file) throw cr::error("cannot write " + csv);
        std::cout << "1. simulated a linear model with " << (lingam ? "uniform" : "Gaussian") << " noise: 12 variables, " << truth->dag.edge_count() << " causal edges, "
                  << truth->data.shape()[0] << " samples -> " << csv << "\n";
    }
    const auto table = numeric_columns(data::read_csv<double>(csv), args.condition_column);
    std::cout << (args.csv.empty() ? "   " : "1. ") << "read " << table.values.shape()[0] << " rows x " << table.names.size()
              << " numeric columns from " << csv;
    if (table.dropped_rows) std::cout << " (" << table.dropped_rows << " rows with a missing value left out)";
    std::cout << "\n";

    // Rows from several experimental conditions: one context variable per condition after the first,
    // in a tier before the measured variables, learned together with them.
    std::optional<causal::condition_contexts> contexts;
    std::vector<std::string> condition_names;
    if (args.conditions || !args.condition_column.empty()) {
        std::vector<std::size_t> labels;
        if (args.conditions) {
            labels = causal::conditions_from_block_sizes(sachs_condition_rows);
            if (labels.size() != table.values.shape()[0])
                throw cr::error("the Sachs file has " + std::to_string(table.values.shape()[0]) + " rows, the study's nine conditions 7466");
            condition_names = sachs_conditions;
        } else {
            std::vector<double> levels;
            labels = condition_labels(table.condition, levels);
            std::vector<std::string> values;
            for (double v : levels) {
                std::ostringstream name;
                if (table.condition_categories.empty()) name << v;
                else name << table.condition_categories.at(static_cast<std::size_t>(v));
                values.push_back(name.str());
            }
            if (!args.baseline.empty()) {  // that condition becomes label 0, the others keep their order
                const auto b = static_cast<std::size_t>(std::find(values.begin(), values.end(), args.baseline) - values.begin());
                if (b == values.size()) throw cr::argument_error("--baseline " + args.baseline + " is not a value of " + args.condition_column);
                for (auto& l : labels) l = l == b ? 0 : l < b ? l + 1 : l;
                std::rotate(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(b), values.begin() + static_cast<std::ptrdiff_t>(b) + 1);
            }
            for (const auto& v : values) condition_names.push_back(args.condition_column + " = " + v);
        }
        contexts = causal::with_condition_contexts(table.values, labels);
        std::cout << "   " << condition_names.size() << " conditions (baseline: " << condition_names[0] << "): " << contexts->contexts
                  << (contexts->contexts == 1 ? " context variable" : " context variables") << " before the " << table.names.size() << " measured ones\n";
    }
    const cr::matrix<double>& x = contexts ? contexts->values : table.values;
    const causal::background_knowledge* known = contexts ? &contexts->knowledge : nullptr;
    const std::size_t offset = contexts ? contexts->contexts : 0;  // column of the first measured variable in x
    causal::causal_graph learned;

    // 2. The learner.
    causal::causal_graph graph;
    if (args.method == "ges") {
        const auto result = causal::ges(x, 1.0, known);
        learned = result.cpdag;
        graph = contexts ? contexts->system_graph(learned) : learned;
        std::cout << "2. GES (Gaussian BIC, forward then backward phase): " << graph.edge_count() << " edges\n";
        print_edges(graph, table.names);
    } else if (args.method == "notears") {
        causal::notears_options o;
        o.lambda1 = args.lambda;
        o.knowledge = known;
        const auto result = causal::notears_linear(x, o);
        learned = result.graph();
        graph = contexts ? contexts->system_graph(learned) : learned;
        std::cout << "2. NOTEARS linear (L1 " << args.lambda << ", threshold " << o.w_threshold << "): " << graph.edge_count() << " edges\n";
        for (const auto& e : graph.edges())
            std::cout << "    " << table.names[e.from] << " -> " << table.names[e.to] << "  weight " << std::setprecision(3) << result.weights(e.from + offset, e.to + offset) << "\n";
    } else if (lingam) {
        const auto result = causal::direct_lingam(x, {.knowledge = known});
        learned = result.graph();
        graph = contexts ? contexts->system_graph(learned) : learned;
        std::cout << "2. DirectLiNGAM (adaptive lasso, BIC): causal order";
        for (std::size_t v : result.causal_order)
            if (v >= offset) std::cout << " " << table.names[v - offset];
        std::cout << "; " << graph.edge_count() << " edges\n";
        for (const auto& e : graph.edges()) {
            std::cout << "    " << table.names[e.from] << " -> " << table.names[e.to] << "  weight " << std::setprecision(3) << result.weights(e.from + offset, e.to + offset);
            if (truth) std::cout << " (true " << truth->weights(e.from, e.to) << ")";
            std::cout << "\n";
        }
    } else {
        causal::pc_options o = args.causal_learn ? causal::pc_options::causal_learn(args.causal_learn->first, args.causal_learn->second, args.alpha)
                                                 : causal::pc_options{.alpha = args.alpha, .colliders = args.colliders};
        o.max_condition_size = args.max_condition;
        o.knowledge = known;
        const auto result = causal::pc(x, o);
        learned = result.graph;
        graph = contexts ? contexts->system_graph(learned) : learned;
        std::cout << "2. PC (stable, " << (args.causal_learn ? "causal-learn's rule " + std::to_string(args.causal_learn->first) + ", priority " + std::to_string(args.causal_learn->second)
                                                             : std::string("collider rule ") + std::to_string(static_cast<int>(o.colliders)))
                  << ", Fisher z, alpha " << args.alpha << "): " << result.tests << " independence tests, conditioning sets up to "
                  << result.max_condition_size_used << " variables, " << graph.edge_count() << " edges (" << result.ambiguous_triples
                  << " triples left undecided, " << result.conflicts << " edges with conflicting orientations)\n";
        print_edges(graph, table.names);
    }

    if (contexts) {
        std::cout << "   what each condition acts on (the context's edges):\n";
        for (std::size_t c = 0; c < contexts->contexts; ++c) {
            std::cout << "    " << condition_names[c + 1] << ":";
            for (std::size_t v : contexts->targets(learned, c)) std::cout << " " << table.names[v];
            std::cout << "\n";
        }
    }

    // 3. Against the truth (simulated data only): for PC the CPDAG is the most observational data can
    // reveal; LiNGAM's non-Gaussian noise identifies the DAG itself.
    if (truth) {
        const bool whole_dag = lingam || args.method == "notears";
        const causal::causal_graph& target = whole_dag ? truth->dag : truth->cpdag;
        const auto c = causal::compare_graphs(graph, target);
        std::cout << (whole_dag ? "3. the true DAG:\n" : "3. the true graph's equivalence class (CPDAG):\n");
        print_edges(target, table.names);
        std::cout << std::setprecision(3) << "   structural Hamming distance " << c.shd << "; skeleton precision " << c.skeleton_precision
                  << ", recall " << c.skeleton_recall << "; arrowhead precision " << c.arrowhead_precision << ", recall "
                  << c.arrowhead_recall << "\n";
        write_dot(out / "truth.dot", target, table.names);
    }

    // 3. Sachs: against the two consensus graphs (an empty graph already has SHD 18 against the first,
    // so the edges found in the right direction say more than the SHD alone).
    if (!args.sachs.empty()) {
        for (const char* file : {"consensus_18_edges.csv", "bnlearn_17_edges.csv"}) {
            const auto consensus = read_edge_list(std::filesystem::path(args.sachs) / file, table.names);
            const auto c = causal::compare_graphs(graph, consensus);
            std::cout << "3. against " << file << " (" << consensus.edge_count() << " edges): SHD " << c.shd << ", " << right_direction(graph, consensus)
                      << " edges in the consensus direction, skeleton precision " << std::setprecision(3) << c.skeleton_precision << ", recall " << c.skeleton_recall << "\n";
        }
    }

    // 4. The graph for Graphviz.
    write_dot(out / "graph.dot", graph, table.names);
    std::cout << (truth || !args.sachs.empty() ? "4. " : "3. ") << "wrote " << (out / "graph.dot").string() << (truth ? " and truth.dot" : "")
              << " (render: dot -Tsvg graph.dot > graph.svg)\n";
    std::cout << "\ndone in " << std::setprecision(2) << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
              << " s\n";
    return 0;
} catch (const causalrec::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
}
