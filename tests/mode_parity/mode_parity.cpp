// Trains the seed architecture on simulated data and writes everything the compiled part of the
// library produces: the model file, the history CSV and its SVG chart, and the predictions (as exact
// hexadecimal floats). The test mode_parity builds this program twice, header-only and against
// causalrec::compiled, runs both and requires byte-identical output directories.
//
//   mode_parity <output directory>
#include <causalrec/data/data.hpp>
#include <causalrec/io/io.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/train/train.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

int main(int argc, char** argv) try {
    namespace cr = causalrec;
    namespace nn = causalrec::nn;
    if (argc != 2) {
        std::fprintf(stderr, "usage: mode_parity <output directory>\n");
        return 2;
    }
    const std::filesystem::path out(argv[1]);
    std::filesystem::create_directories(out);
    const auto data = cr::data::make_classification<float>({.rows = 600, .missing_fraction = 0.0, .seed = 3});
    const auto& table = data.data;
    const cr::matrix<float> x = table.features();
    const auto make_model = [inputs = x.shape()[1]] {
        return nn::sequential(nn::dense<float>(inputs, 16), nn::relu{}, nn::dense<float>(16, 8), nn::relu{},
                              nn::dense<float>(8, 1), nn::sigmoid{});
    };
    auto model = make_model();
    model.initialize(7);
    auto history = cr::train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam{{.learning_rate = 1e-2}}, x,
                                  table.labels(), {.epochs = 4, .batch_size = 32, .validation_split = 0.25, .seed = 5});
    history.seconds.assign(history.seconds.size(), 0.0);  // wall time differs between runs
    history.to_csv((out / "history.csv").string());
    cr::train::write_history_svg(out / "history.svg", history);
    cr::io::save_model((out / "model.safetensors").string(), model);
    auto reloaded = make_model();
    cr::io::load_model((out / "model.safetensors").string(), reloaded);
    const cr::matrix<float> p = cr::train::predict(reloaded, x);
    std::FILE* f = std::fopen((out / "predictions.txt").string().c_str(), "wb");
    if (f == nullptr) throw cr::error("cannot write predictions.txt");
    for (std::size_t i = 0; i < p.shape()[0]; ++i) std::fprintf(f, "%a\n", static_cast<double>(p(i, 0)));
    std::fclose(f);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "mode_parity: %s\n", e.what());
    return 1;
}
