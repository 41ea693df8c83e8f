// Next-item recommendation from ordered histories:
//   sequences (simulated with a known first-order transition structure, or a `user item` file in
//   time order, as the SASRec authors ship theirs) -> leave-one-out split (last item test,
//   second-to-last validation)
//   -> SASRec (and, with --models or --all, GRU4Rec and Caser), trained in rounds of --eval-every
//      epochs; after each round the validation NDCG@10 is measured and the best round is kept
//   -> HR@10 and NDCG@10 on the test items under both protocols people report: 100 sampled
//      negatives (the SASRec paper) and full ranking, next to a popularity baseline (and, on
//      simulated data, the oracle that knows the true transition probabilities)
//   -> next-item recommendations for a few users' recent histories and for a new session
//   -> the training curves (loss per epoch, validation NDCG@10 per round) as SVG.
//
//   sequential                              built-in simulated data, SASRec
//   sequential FILE                         a `user item` file (one pair per line, each user's lines in time order)
//   options: --models sasrec,gru4rec,caser  --all (the three)  --epochs N (each model; default: SASRec 200 on a
//            file as its authors, 40 on simulated data; GRU4Rec 20 / 10; Caser 50 / 10)
//            --eval-every E (5)  --max-users U (10000 evaluated users)  --seed S (42)
//            --out DIR (./sequential_out)  --quick (a small, fast run)  --quiet (no progress bars)
#include <causalrec/data/sequences.hpp>
#include <causalrec/io/svg.hpp>
#include <causalrec/rec/sequential.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace data = causalrec::data;
namespace rec = causalrec::rec;

namespace {

struct arguments {
    std::string file;
    std::vector<std::string> models{"sasrec"};
    std::optional<std::size_t> epochs{};
    std::size_t eval_every = 5;
    std::size_t max_users = 10000;
    std::uint64_t seed = 42;
    std::string out = "sequential_out";
    bool quick = false;
    bool quiet = false;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw cr::argument_error("missing value after " + arg);
            return argv[++i];
        };
        if (arg == "--models") {
            a.models.clear();
            std::stringstream list(value());
            for (std::string name; std::getline(list, name, ',');) {
                if (name != "sasrec" && name != "gru4rec" && name != "caser")
                    throw cr::argument_error("unknown model '" + name + "' (sasrec, gru4rec, caser)");
                a.models.push_back(name);
            }
        } else if (arg == "--all") a.models = {"sasrec", "gru4rec", "caser"};
        else if (arg == "--epochs") a.epochs = std::stoul(value());
        else if (arg == "--eval-every") a.eval_every = std::max<std::size_t>(1, std::stoul(value()));
        else if (arg == "--max-users") a.max_users = std::stoul(value());
        else if (arg == "--seed") a.seed = std::stoull(value());
        else if (arg == "--out") a.out = value();
        else if (arg == "--quick") a.quick = true;
        else if (arg == "--quiet") a.quiet = true;
        else if (arg == "-h" || arg == "--help") {
            std::cout << "usage: sequential [FILE] [--models sasrec,gru4rec,caser | --all] [--epochs N] [--eval-every E]\n"
                         "                  [--max-users U] [--seed S] [--out DIR] [--quick] [--quiet]\n";
            std::exit(0);
        } else if (!arg.empty() && arg[0] != '-' && a.file.empty()) a.file = arg;
        else throw cr::argument_error("unknown option " + arg);
    }
    return a;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// One row of the results table: both protocols on the test items.
struct result_row {
    std::string name;
    rec::next_item_metrics sampled, full;
    std::size_t best_epoch = 0;
    double seconds = 0.0;
};

template <class Scorer>
result_row evaluate(const std::string& name, const Scorer& scorer, const data::sequence_split& split, std::size_t max_users) {
    result_row row;
    row.name = name;
    row.sampled = rec::evaluate_next_item(scorer, split, {.protocol = rec::next_item_protocol::sampled, .max_users = max_users});
    row.full = rec::evaluate_next_item(scorer, split, {.protocol = rec::next_item_protocol::full, .max_users = max_users});
    return row;
}

/// The training curve of one model: loss per epoch, validation NDCG@10 after each round.
struct curve {
    std::string name;
    std::vector<double> loss, round_epochs, validation_ndcg;
};

/// Trains `model` in rounds of eval_every epochs up to `epochs`; after each round measures the
/// validation NDCG@10 (sampled protocol, as the SASRec authors select), and reports the test figures
/// of the best round. The model keeps training to the end (its final state serves the examples).
template <class Model>
result_row train_and_evaluate(const std::string& name, Model& model, std::size_t epochs, const arguments& args,
                              const data::sequence_split& split, std::vector<curve>& curves) {
    const auto start = std::chrono::steady_clock::now();
    curve c{.name = name, .loss = {}, .round_epochs = {}, .validation_ndcg = {}};
    double best = -1.0;
    result_row row;
    row.name = name;
    std::printf("\n%s: up to %zu epochs, validation every %zu\n", name.c_str(), epochs, args.eval_every);
    while (model.epochs_trained() < epochs) {
        const std::size_t round = std::min(args.eval_every, epochs - model.epochs_trained());
        const auto history = model.epochs_trained() == 0 ? model.fit(split.train) : model.continue_fit(round);
        c.loss.insert(c.loss.end(), history.loss.begin(), history.loss.end());
        const auto v = rec::evaluate_next_item(model, split, {.max_users = std::min<std::size_t>(args.max_users, 2000), .validation = true});
        c.round_epochs.push_back(static_cast<double>(model.epochs_trained()));
        c.validation_ndcg.push_back(v.ndcg);
        std::printf("  epoch %3zu  loss %.4f  validation NDCG@10 %.4f (sampled)%s\n", model.epochs_trained(), history.loss.back(), v.ndcg,
                    v.ndcg > best ? "  best so far" : "");
        if (v.ndcg > best) {
            best = v.ndcg;
            row = evaluate(name, model, split, args.max_users);
            row.best_epoch = model.epochs_trained();
        }
    }
    curves.push_back(c);
    row.seconds = seconds_since(start);
    return row;
}

void print_table(const std::vector<result_row>& rows) {
    std::printf("\nTest items (HR@10 / NDCG@10). sampled: the target against 100 items drawn outside the user's\n"
                "sequence (the SASRec paper's protocol); full: against every item the user has not interacted with.\n");
    std::printf("%-12s %12s %12s %12s %12s %10s %9s\n", "model", "sampled HR", "sampled NDCG", "full HR", "full NDCG", "best epoch", "seconds");
    for (const auto& r : rows)
        std::printf("%-12s %12.4f %12.4f %12.4f %12.4f %10s %9.1f\n", r.name.c_str(), r.sampled.hit_rate, r.sampled.ndcg, r.full.hit_rate,
                    r.full.ndcg, r.best_epoch == 0 ? "-" : std::to_string(r.best_epoch).c_str(), r.seconds);
}

std::string item_name(const data::sequences& s, std::size_t item) {
    return s.item_ids().empty() ? std::to_string(item) : s.item_ids().id_of(item);
}

template <class Model>
void print_recommendations(const std::string& name, const Model& model, const data::sequences& train) {
    std::printf("\n%s (final epoch): next items after each user's last five training items\n", name.c_str());
    std::size_t shown = 0;
    for (std::size_t u = 0; u < train.n_users() && shown < 3; ++u) {
        const auto seq = train.of(u);
        if (seq.size() < 5) continue;
        std::string recent;
        for (std::size_t k = seq.size() - 5; k < seq.size(); ++k) recent += item_name(train, seq[k]) + " ";
        std::string next;
        for (const auto& r : model.recommend(u, 5)) next += item_name(train, r.item) + " ";
        std::printf("  user %-8s  ... %s ->  %s\n", train.user_ids().empty() ? std::to_string(u).c_str() : train.user_ids().id_of(u).c_str(),
                    recent.c_str(), next.c_str());
        ++shown;
    }
    const std::uint32_t session[] = {train.of(0).front()};
    std::string next;
    for (const auto& r : model.recommend_from_history(session, 5)) next += item_name(train, r.item) + " ";
    std::printf("  a new session after its first click (%s) ->  %s\n", item_name(train, session[0]).c_str(), next.c_str());
}

}  // namespace

int main(int argc, char** argv) try {
    const arguments args = parse(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress bars go to stderr: keep the two in order
    const auto start = std::chrono::steady_clock::now();
    std::optional<data::markov_sequence_data> simulated;
    data::sequences all;
    if (args.file.empty()) {
        simulated = data::simulate_markov_sequences({.users = args.quick ? 600u : 5000u, .items = args.quick ? 80u : 500u, .min_length = 5,
                                                      .max_length = 40, .successors = 3, .noise = 0.1, .seed = args.seed});
        all = simulated->all;
        std::printf("Simulated sequences: %zu users, %zu items, %zu actions; each item is followed by one of 3 successors\n"
                    "(90 %%) or a uniform item (10 %%).\n",
                    all.n_users(), all.n_items(), all.size());
    } else {
        all = data::read_sequences(args.file);
        std::printf("%s: %zu users, %zu items, %zu actions.\n", args.file.c_str(), all.n_users(), all.n_items(), all.size());
    }
    const auto split = data::leave_one_out(all);
    const int verbose = args.quiet ? 0 : 1;
    std::vector<result_row> rows;
    std::vector<curve> curves;
    std::optional<rec::sasrec> sasrec;
    std::optional<rec::gru4rec> gru4rec;
    std::optional<rec::caser> caser;
    // A file gets each model's published defaults; the small simulated catalogue trains faster with
    // less dropout and a larger step (the settings the tests use on the same kind of data).
    const bool sim = simulated.has_value();
    for (const auto& name : args.models) {
        if (name == "sasrec") {
            const std::size_t epochs = args.epochs.value_or(args.quick ? 10 : sim ? 40 : 200);
            rec::sasrec_options o{.epochs = std::min(args.eval_every, epochs), .seed = args.seed, .verbose = verbose};
            if (sim) o.max_length = 20, o.dropout = 0.2, o.learning_rate = 3e-3;
            sasrec.emplace(o);
            rows.push_back(train_and_evaluate("SASRec", *sasrec, epochs, args, split, curves));
        } else if (name == "gru4rec") {
            const std::size_t epochs = args.epochs.value_or(args.quick ? 5 : sim ? 10 : 20);
            rec::gru4rec_options o{.epochs = std::min(args.eval_every, epochs), .seed = args.seed, .verbose = verbose};
            if (sim) o.sampled_negatives = 64, o.learning_rate = 5e-3;
            gru4rec.emplace(o);
            rows.push_back(train_and_evaluate("GRU4Rec", *gru4rec, epochs, args, split, curves));
        } else {
            const std::size_t epochs = args.epochs.value_or(args.quick ? 5 : sim ? 10 : 50);
            rec::caser_options o{.epochs = std::min(args.eval_every, epochs), .seed = args.seed, .verbose = verbose};
            if (sim) o.learning_rate = 3e-3, o.weight_decay = 1e-5, o.batch_size = 256;
            caser.emplace(o);
            rows.push_back(train_and_evaluate("Caser", *caser, epochs, args, split, curves));
        }
    }
    rows.push_back(evaluate("popularity", rec::popularity_scorer(split.train), split, args.max_users));
    if (simulated) rows.push_back(evaluate("oracle", rec::markov_oracle(*simulated), split, args.max_users));
    print_table(rows);
    if (simulated)
        std::printf("(The oracle ranks by the true next-item probabilities: the best any model can do on this data.)\n");

    if (sasrec) print_recommendations("SASRec", *sasrec, split.train);
    if (gru4rec) print_recommendations("GRU4Rec", *gru4rec, split.train);
    if (caser) print_recommendations("Caser", *caser, split.train);

    // Training curves.
    std::filesystem::create_directories(args.out);
    std::vector<cr::io::line_series> loss, validation;
    for (const auto& c : curves) {
        loss.push_back({.name = c.name, .y = c.loss});
        validation.push_back({.name = c.name, .y = c.validation_ndcg, .x = c.round_epochs});
    }
    const auto loss_svg = std::filesystem::path(args.out) / "training_loss.svg";
    const auto ndcg_svg = std::filesystem::path(args.out) / "validation_ndcg.svg";
    cr::io::write_svg(loss_svg, cr::io::svg_line_chart(loss, {.title = "Training loss", .x_label = "epoch", .y_label = "loss"}));
    cr::io::write_svg(ndcg_svg, cr::io::svg_line_chart(validation, {.title = "Validation NDCG@10 (sampled protocol)", .x_label = "epoch",
                                                                    .y_label = "NDCG@10", .markers = true}));
    std::printf("\nTraining curves: %s, %s\nTotal %.1f s\n", loss_svg.string().c_str(), ndcg_svg.string().c_str(), seconds_since(start));
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "sequential: %s\n", e.what());
    return 1;
}
