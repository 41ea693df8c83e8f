// Contextual bandits in real time, and their value estimated before they are switched on:
//
//   online_bandit                        simulated stream with known click probabilities
//   online_bandit --obd DIR              off-policy evaluation on the Open Bandit Dataset in DIR
//   options: --rounds N (20000)  --out DIR (./online_bandit_out)  --quick  --folds K (3, OBD mode)
//
// 1. A contextual simulator (10 actions, 5 features, linear click probabilities in [0.1, 0.9]) streams
//    contexts; LinUCB, linear and logistic Thompson sampling, a neural policy (a small network with
//    Thompson sampling on its last layer), epsilon-greedy and UCB1
//    choose, see the click and update online. The cumulative regret against the oracle (which knows
//    the probabilities) is printed and drawn as SVG.
// 2. Off-policy evaluation before deployment: a uniformly random logging policy records a stream;
//    each learned policy's value on that stream is estimated by IPS, SNIPS and DR (with a reward model
//    fitted on the log) and set beside its true value (known here from the simulator).
// With --obd DIR (the Open Bandit Dataset's layout: DIR/{bts,random}/{men,women}/{men,women}.csv and
// item_context.csv, e.g. the samples the Open Bandit Pipeline ships), the OPE report runs on real logs:
// the value of the uniform-random policy estimated from the Bernoulli Thompson sampling log by every
// estimator, against the random log's click rate (its on-policy value), with 30-resample bootstrap
// intervals and the relative errors the Open Bandit Pipeline published for its full "all" campaign.
#include <causalrec/bandit/bandit.hpp>
#include <causalrec/causal/linear.hpp>
#include <causalrec/causal/offpolicy.hpp>
#include <causalrec/data/obd.hpp>
#include <causalrec/io/svg.hpp>
#include <causalrec/nn/activations.hpp>
#include <causalrec/nn/sequential.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace bandit = causalrec::bandit;

namespace {

struct arguments {
    std::size_t rounds = 20000;
    std::string out = "online_bandit_out";
    std::string obd;         // OBD mode: the dataset's directory
    std::size_t folds = 3;   // OBD mode: cross-fitting folds of the reward model
    bool quick = false;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string s = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(s + " needs a value");
            return argv[++i];
        };
        if (s == "--rounds") a.rounds = std::stoul(value());
        else if (s == "--out") a.out = value();
        else if (s == "--quick") a.quick = true;
        else if (s == "--obd") a.obd = value();
        else if (s == "--folds") a.folds = std::stoul(value());
        else throw std::invalid_argument("unknown option " + s + " (see the comment at the top of online_bandit.cpp)");
    }
    if (a.quick) a.rounds = 3000;
    return a;
}

const bandit::contextual_simulator_options problem{.actions = 10, .features = 5, .spread = 0.4, .seed = 11};

/// One learned policy's value on a logged stream: the true mean click probability of its choices
/// (known from the simulator) and the OPE estimates from the log.
template <class P>
void evaluate_offline(const char* name, P& policy, const std::vector<std::vector<double>>& contexts, const cr::causal::bandit_log& log,
                      const cr::matrix<double>& reward_model, const bandit::contextual_simulator& truth) {
    const std::size_t n = contexts.size(), k = truth.n_actions();
    cr::matrix<double> target = cr::make_matrix<double>(n, k);
    double true_value = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
        const auto p = policy.action_probabilities(contexts[j]);
        for (std::size_t a = 0; a < k; ++a) {
            target(j, a) = p[a];
            true_value += p[a] * truth.click_probability(contexts[j], a);
        }
    }
    true_value /= static_cast<double>(n);
    std::printf("   %-22s true %.4f", name, true_value);
    for (auto estimator : {cr::causal::ope_estimator::ips, cr::causal::ope_estimator::snips, cr::causal::ope_estimator::dr}) {
        const auto e = cr::causal::estimate_policy_value(log, target, {.estimator = estimator, .reward_model = &reward_model});
        std::printf("  %s %.4f [%.4f, %.4f]", std::string(cr::causal::to_string(estimator)).c_str(), e.value, e.ci_low, e.ci_high);
    }
    std::printf("\n");
}

/// The OPE report on the Open Bandit Dataset: for each campaign, the uniform-random policy's value
/// from the bts log by every estimator, against the random log's click rate.
int obd_report(const arguments& args) {
    namespace c = cr::causal;
    namespace d = cr::data;
    // Relative errors the Open Bandit Pipeline published for its "all" campaign (full data, bts -> random).
    struct published {
        c::ope_estimator estimator;
        const char* name;
        double relative_error;
    };
    const published rows[] = {{c::ope_estimator::dm, "DM", 0.157},     {c::ope_estimator::ips, "IPW", 0.311},
                              {c::ope_estimator::snips, "SNIPW", 0.312}, {c::ope_estimator::dr, "DR", 0.293},
                              {c::ope_estimator::sndr, "SNDR", 0.302},   {c::ope_estimator::switch_dr, "Switch-DR (tau 100)", 0.258},
                              {c::ope_estimator::dros, "DRos (lambda 100)", 0.160}};
    std::vector<c::ope_estimator> estimators;
    for (const auto& r : rows) estimators.push_back(r.estimator);
    std::printf("Off-policy evaluation on the Open Bandit Dataset (%s): the uniform-random policy's value from the\n"
                "Bernoulli Thompson sampling log, against the random log's click rate; reward model: logistic\n"
                "regression on the user features and the item's features, one model per slot, %zu-fold cross-fitted.\n",
                args.obd.c_str(), args.folds);
    for (const char* campaign : {"men", "women"}) {
        const std::filesystem::path dir(args.obd);
        const auto file = [&](const char* policy) { return (dir / policy / campaign / (std::string(campaign) + ".csv")).string(); };
        const auto bts = d::read_obd(file("bts"), {.affinity = false});
        const auto random = d::read_obd(file("random"), {.affinity = false});
        const auto items = d::read_obd_item_context((dir / "random" / campaign / "item_context.csv").string());
        double truth = 0.0;
        for (double r : random.rewards) truth += r;
        truth /= static_cast<double>(random.size());
        const std::size_t n = bts.size(), k = items.n_items();
        const c::bandit_log log{.actions = bts.actions, .rewards = bts.rewards, .propensities = bts.propensities, .positions = bts.positions};
        const auto reward_model = c::fit_predict_reward_model(c::logistic_regression({.C = 100.0}), log, bts.user_features, k, &items.features,
                                                              {.folds = args.folds, .seed = 12345});
        cr::matrix<double> uniform = cr::matrix<double>::from_shape({n, k});
        uniform.fill(1.0 / static_cast<double>(k));
        const auto values = c::estimate_policy_values(log, uniform, estimators,
                                                      {.reward_model = &reward_model, .ope = {.bootstrap = 30, .seed = 1}, .tau = 100.0, .lambda = 100.0});
        std::printf("\n%s: %zu bts rounds, %zu items, random-log click rate %.6f (%zu rounds)\n", campaign, n, k, truth, random.size());
        std::printf("  %-20s %9s   %-24s %10s   %s\n", "estimator", "value", "95% bootstrap (30)", "rel. error", "OBP, all campaign");
        for (std::size_t i = 0; i < values.size(); ++i) {
            const auto& v = values[i];
            std::printf("  %-20s %9.6f   [%9.6f, %9.6f]   %8.1f %%   %5.1f %%\n", rows[i].name, v.value, v.ci_low, v.ci_high,
                        100.0 * std::abs(v.value - truth) / truth, 100.0 * rows[i].relative_error);
        }
        std::printf("  largest weight %.1f, effective sample size %.1f of %zu\n", values[1].weights.max_weight,
                    values[1].weights.effective_sample_size, n);
    }
    std::printf("\nThe samples hold 10,000 rounds per log (a few dozen clicks): the errors scatter widely; OBP's\n"
                "figures come from millions of rounds and are set beside them for their order, not their size.\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) try {
    const arguments args = parse(argc, argv);
    if (!args.obd.empty()) return obd_report(args);
    std::filesystem::create_directories(args.out);

    // 1. Online learning on the simulated stream.
    std::printf("1. %zu rounds of a simulated stream: 10 actions, contexts [1, z] with z on the unit sphere in 5-d,\n"
                "   click probabilities linear in the context (0.1 to 0.9)\n",
                args.rounds);
    bandit::lin_ucb linucb(10, 6, {.alpha = 0.5});
    bandit::linear_thompson lints(10, 6, {.scale = 0.25, .probability_draws = 0});
    bandit::logistic_thompson logts(10, 6, {.probability_draws = 0});
    auto body = cr::nn::sequential(cr::nn::dense<double>(6, 16, {.seed = 1}), cr::nn::tanh<double>{});
    bandit::neural_linear<decltype(body)> neural(body, 10, 6, {.scale = 0.25, .retrain_every = 500, .epochs = 3, .probability_draws = 0});
    bandit::epsilon_greedy greedy(10, {.epsilon = 0.1, .seed = 3});
    bandit::ucb1 ucb(10);
    std::vector<cr::io::line_series> curves;
    auto learn = [&](const char* name, auto& policy) {
        bandit::contextual_simulator sim(problem);  // the same stream for every policy
        const auto run = bandit::run_online(policy, sim, args.rounds);
        std::printf("   %-22s regret %8.1f after %zu rounds (%6.1f after a quarter), clicks %.0f\n", name, run.cumulative_regret.back(),
                    args.rounds, run.cumulative_regret[args.rounds / 4 - 1], run.cumulative_reward.back());
        curves.push_back({.name = name, .y = run.cumulative_regret});
    };
    learn("LinUCB", linucb);
    learn("linear Thompson", lints);
    learn("logistic Thompson", logts);
    learn("neural (16 tanh) + TS", neural);
    learn("epsilon-greedy (0.1)", greedy);
    learn("UCB1 (no context)", ucb);
    const auto chart = (std::filesystem::path(args.out) / "regret.svg").string();
    cr::io::write_svg(chart, cr::io::svg_line_chart(curves, {.title = "cumulative regret against the oracle", .x_label = "round",
                                                              .y_label = "regret (click probability)"}));
    std::printf("   regret curves: %s\n", chart.c_str());

    // 2. Off-policy evaluation from a uniformly random log, before deployment.
    const std::size_t logged = args.quick ? 5000 : 20000;
    bandit::contextual_simulator logger({.actions = 10, .features = 5, .spread = 0.4, .seed = 11});
    cr::rng coin(99);
    cr::causal::bandit_log log;
    std::vector<std::vector<double>> contexts;
    for (std::size_t j = 0; j < logged; ++j) {
        contexts.push_back(logger.next_context());
        const auto a = static_cast<std::size_t>(coin.uniform_index(10));
        log.actions.push_back(a);
        log.propensities.push_back(0.1);
        log.rewards.push_back(logger.draw_reward(contexts.back(), a));
    }
    // A reward model for DR: per-action ridge regression of the click on the context, fitted on the log
    // (LinUCB's own estimate with alpha = 0 is exactly that).
    bandit::lin_ucb ridge(10, 6, {.alpha = 0.0});
    for (std::size_t j = 0; j < logged; ++j) ridge.update(contexts[j], log.actions[j], log.rewards[j]);
    cr::matrix<double> reward_model = cr::make_matrix<double>(logged, 10);
    for (std::size_t j = 0; j < logged; ++j) {
        const auto s = ridge.upper_bounds(contexts[j]);
        for (std::size_t a = 0; a < 10; ++a) reward_model(j, a) = s[a];
    }
    std::printf("\n2. off-policy value of each learned policy from %zu uniformly random logged rounds (95 %% intervals)\n", logged);
    evaluate_offline("LinUCB", linucb, contexts, log, reward_model, logger);
    evaluate_offline("epsilon-greedy (0.1)", greedy, contexts, log, reward_model, logger);
    evaluate_offline("UCB1 (no context)", ucb, contexts, log, reward_model, logger);
    std::printf("   (the logging policy itself: %.4f clicks per round)\n",
                [&] { double s = 0; for (double r : log.rewards) s += r; return s / static_cast<double>(logged); }());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "online_bandit: %s\n", e.what());
    return 1;
}
