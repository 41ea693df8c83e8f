// A two-rank job in which rank 1 fails, for tests/support/check_distributed_fault.cmake:
//   distributed_fault agreed     rank 1's shard holds a NaN; the data-parallel fit's checks agree on it,
//                                every rank raises the same distributed_error and exits with code 1
//   distributed_fault unagreed   rank 1 throws outside any collective while rank 0 waits in one;
//                                environment::run ends the whole job at once (MPI_Abort)
#include <causalrec/distributed/distributed.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace cr = causalrec;
namespace dist = causalrec::distributed;

int main(int argc, char** argv) {
    dist::environment env(argc, argv);
    const std::string fault = argc > 1 ? argv[1] : "agreed";
    return env.run([&](const dist::communicator& comm) {
        if (fault == "unagreed") {
            if (comm.rank() == 1) throw std::runtime_error("rank 1 gave up outside any collective");
            comm.barrier();  // rank 1 never arrives
            return;
        }
        cr::matrix<float> x = cr::make_matrix<float>(64, 3);
        cr::vector<float> y = cr::vector<float>::from_shape({64});
        for (std::size_t i = 0; i < 64; ++i) {
            for (std::size_t j = 0; j < 3; ++j) x(i, j) = static_cast<float>((i * 7 + j * 3) % 11) / 11.0f;
            y(i) = static_cast<float>(i % 2);
        }
        if (comm.rank() == 1) x(5, 1) = std::nanf("");
        auto model = cr::nn::sequential(cr::nn::dense<float>(3, 4), cr::nn::relu{}, cr::nn::dense<float>(4, 1), cr::nn::sigmoid{});
        model.initialize(1);
        dist::fit({comm, dist::data_layout::sharded}, model, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>(), x, y,
                  {.epochs = 2, .verbose = 0});
        std::printf("rank %d: trained (unexpected)\n", comm.rank());
    });
}
