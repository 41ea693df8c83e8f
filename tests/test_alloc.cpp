// A training step allocates nothing once the first epoch has run: every heap allocation of this
// program is counted, and the count may not change between consecutive steps of later epochs
// (including the last, smaller batch of each epoch).
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/train/train.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "catch.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}

// g++ sees the replacement pair as malloc/free behind new/delete and warns about a mismatch that
// is not one (the whole program uses this pair).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace cr = causalrec;
namespace nn = causalrec::nn;

TEST_CASE("training steps allocate nothing after the first epoch", "[train][alloc]") {
    cr::rng engine(1);
    const std::size_t rows = 1000;  // batch 64: 15 full batches and one of 40 rows per epoch
    auto x = cr::make_matrix<float>(rows, 8);
    auto y = cr::make_vector<float>(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < 8; ++j) x(i, j) = static_cast<float>(engine.normal());
        y(i) = x(i, 0) > 0 ? 1.0f : 0.0f;
    }
    auto w = cr::make_vector<float>(rows);
    for (auto& v : w) v = 1.0f;
    auto model = nn::sequential(nn::dense<float>(8, 32), nn::relu{}, nn::dropout<float>(0.1, 3), nn::dense<float>(32, 16),
                                nn::tanh{}, nn::dense<float>(16, 1), nn::sigmoid{});
    model.initialize(5);
    std::size_t previous = 0, steps_checked = 0, allocating_steps = 0;
    auto probe = cr::train::on_batch_end([&](auto& ctx) {
        const std::size_t now = allocations.load();
        if (ctx.epoch >= 1 && ctx.batch >= 1) {
            ++steps_checked;
            allocating_steps += now != previous;
        }
        previous = now;
    });
    for (const bool weighted : {false, true}) {
        steps_checked = allocating_steps = 0;
        cr::train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>({.learning_rate = 1e-3}), x, y,
                       {.epochs = 3, .batch_size = 64, .validation_split = 0.1, .seed = 1,
                        .sample_weight = weighted ? std::optional(w) : std::nullopt, .verbose = 0},
                       probe);
        CHECK(steps_checked == 2 * 14);  // 900 training rows: 15 batches per epoch, 14 checked in each of epochs 2 and 3
        CHECK(allocating_steps == 0);
    }
}
