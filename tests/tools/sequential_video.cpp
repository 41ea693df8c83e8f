// A next-item model on the SASRec authors' Video sequences (../shared/data/sasrec-video) with its
// published defaults (SASRec: the authors' maxlen 50, hidden 50, 2 blocks, dropout 0.5, lr 1e-3,
// batch 128): trains, evaluates on the validation items every `--eval-every` epochs (sampled
// protocol), keeps the epoch with the best validation NDCG@10, and prints the test metrics under
// both protocols, with a popularity baseline. Not a test (it runs for tens of minutes at 200 epochs).
//
//   sequential_video [--model sasrec|gru4rec|caser] [--data DIR] [--epochs 200] [--eval-every 20]
//                    [--hidden H] [--dropout P] [--learning-rate R] [--seed 42]   (H, P, R: the model's defaults)
#include <causalrec/data/sequences.hpp>
#include <causalrec/rec/sequential.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace d = causalrec::data;
namespace r = causalrec::rec;

namespace {

void print(const char* name, const r::next_item_metrics& sampled, const r::next_item_metrics& full) {
    std::printf("%-22s | %.4f | %.4f | %.4f | %.4f | %zu / %zu\n", name, sampled.hit_rate, sampled.ndcg, full.hit_rate, full.ndcg,
                sampled.users, full.users);
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = std::getenv("CAUSALREC_SHARED_DIR") ? std::string(std::getenv("CAUSALREC_SHARED_DIR")) + "/data/sasrec-video"
                                                          : std::string("../shared/data/sasrec-video");
    std::size_t epochs = 200, every = 20, hidden = 0;
    double dropout = -1.0, learning_rate = 0.0;
    std::string model_name = "sasrec";
    std::uint64_t seed = 42;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const std::string v = argv[i + 1];
        if (a == "--data") dir = v;
        else if (a == "--model") model_name = v;
        else if (a == "--dropout") dropout = std::stod(v);
        else if (a == "--learning-rate") learning_rate = std::stod(v);
        else if (a == "--epochs") epochs = std::stoul(v);
        else if (a == "--eval-every") every = std::stoul(v);
        else if (a == "--hidden") hidden = std::stoul(v);
        else if (a == "--seed") seed = std::stoull(v);
        else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
    }
    const auto all = d::read_sequences(dir + "/Video.txt");
    const auto split = d::leave_one_out(all);
    std::printf("Video: %zu users, %zu items, %zu actions; %zu users evaluated\n", all.n_users(), all.n_items(), all.size(), split.n_evaluated());
    const r::popularity_scorer pop(split.train);

    auto run = [&](auto& model, const char* name) {
        // Train `every` epochs at a time by continuing from the previous weights.
        double best = -1.0;
        std::size_t best_epoch = 0;
        r::next_item_metrics best_sampled, best_full;
        double seconds = 0.0;
        for (std::size_t done = 0; done < epochs; done += every) {
            const auto t0 = std::chrono::steady_clock::now();
            if (done == 0) model.fit(split.train);
            else model.continue_fit(every);
            seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const auto val = r::evaluate_next_item(model, split, {.validation = true});
            std::printf("epoch %zu: validation HR@10 %.4f NDCG@10 %.4f (sampled); %.1f s training so far\n", done + every, val.hit_rate,
                        val.ndcg, seconds);
            std::fflush(stdout);
            if (val.ndcg > best) {
                best = val.ndcg, best_epoch = done + every;
                best_sampled = r::evaluate_next_item(model, split, {});
                best_full = r::evaluate_next_item(model, split, {.protocol = r::next_item_protocol::full});
            }
        }
        std::printf("\nTest (chosen epoch %zu by validation NDCG@10)\nmodel                  | HR@10 sampled | NDCG@10 sampled | HR@10 full | NDCG@10 full | users\n",
                    best_epoch);
        print(name, best_sampled, best_full);
        std::printf("training %.1f s for %zu epochs (%.0f sequences/s over the training users)\n", seconds, epochs,
                    static_cast<double>(split.train.n_users()) * static_cast<double>(epochs) / seconds);
    };
    if (model_name == "sasrec") {
        r::sasrec_options o{.epochs = every, .seed = seed, .verbose = 0};
        if (hidden != 0) o.hidden = hidden;
        if (dropout >= 0.0) o.dropout = dropout;
        if (learning_rate > 0.0) o.learning_rate = learning_rate;
        r::sasrec model(o);
        run(model, "SASRec");
    } else if (model_name == "gru4rec") {
        r::gru4rec_options o{.epochs = every, .seed = seed, .verbose = 0};
        if (hidden != 0) o.hidden = hidden;
        if (dropout >= 0.0) o.dropout_embedding = o.dropout_hidden = dropout;
        if (learning_rate > 0.0) o.learning_rate = learning_rate;
        r::gru4rec model(o);
        run(model, "GRU4Rec");
    } else if (model_name == "caser") {
        r::caser_options o{.epochs = every, .seed = seed, .verbose = 0};
        if (hidden != 0) o.hidden = hidden;
        if (dropout >= 0.0) o.dropout = dropout;
        if (learning_rate > 0.0) o.learning_rate = learning_rate;
        r::caser model(o);
        run(model, "Caser");
    } else {
        std::fprintf(stderr, "unknown model %s (sasrec, gru4rec, caser)\n", model_name.c_str());
        return 2;
    }
    print("popularity", r::evaluate_next_item(pop, split, {}), r::evaluate_next_item(pop, split, {.protocol = r::next_item_protocol::full}));
}
