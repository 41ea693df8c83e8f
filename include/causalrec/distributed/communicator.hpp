#pragma once
/// @file
/// MPI underneath causalrec's distributed part: the environment (MPI_Init_thread .. MPI_Finalize for
/// the life of an object), the communicator value type (rank, size, collectives over spans of float
/// and double), the agreement step that turns a failure on one rank into the same error on every
/// rank, and distributed_error. Optional: needs MPI (link causalrec::mpi, see docs/distributed.md).

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"

namespace causalrec::distributed {

/// An MPI call failed, or a rank failed and every rank stops with its message.
class distributed_error : public error {
public:
    /// The error with its message and the rank where the failure happened (-1 when unknown).
    explicit distributed_error(const std::string& message, int origin_rank = -1) : error(message), origin_rank_(origin_rank) {}
    /// The rank where the failure happened (-1 when unknown).
    int origin_rank() const noexcept { return origin_rank_; }

private:
    int origin_rank_;
};

namespace detail {

/// The MPI datatype of T (float, double, int, long, unsigned long, unsigned long long, char).
template <class T>
MPI_Datatype mpi_type() {
    if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
    else if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
    else if constexpr (std::is_same_v<T, int>) return MPI_INT;
    else if constexpr (std::is_same_v<T, long>) return MPI_LONG;
    else if constexpr (std::is_same_v<T, unsigned long>) return MPI_UNSIGNED_LONG;
    else if constexpr (std::is_same_v<T, unsigned long long>) return MPI_UNSIGNED_LONG_LONG;
    else if constexpr (std::is_same_v<T, char>) return MPI_CHAR;
    else static_assert(sizeof(T) == 0, "causalrec::distributed: no MPI datatype for this type");
}

/// Raises distributed_error with MPI's own text when `code` is not MPI_SUCCESS.
inline void check_mpi(int code, std::string_view what) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw distributed_error(causalrec::cat("causalrec::distributed::", what, ": MPI failed: ", std::string_view(text, static_cast<std::size_t>(length))));
}

/// The element count as MPI's int; raises distributed_error above INT_MAX.
inline int mpi_count(std::size_t n, std::string_view what) {
    if (n > static_cast<std::size_t>(INT_MAX))
        throw distributed_error(causalrec::cat("causalrec::distributed::", what, ": ", n, " values in one call (MPI counts are int)"));
    return static_cast<int>(n);
}

}  // namespace detail

/// A group of processes that exchange data (MPI_COMM_WORLD by default). A value type: copying it
/// copies the handle, not the MPI communicator. Every collective must be called by every rank of the
/// group in the same order, as in MPI.
class communicator {
public:
    /// MPI_COMM_WORLD (MPI must be initialised: see environment).
    communicator() : communicator(MPI_COMM_WORLD) {}

    /// Wraps an existing MPI communicator (not owned); its errors are returned to causalrec, which
    /// raises them as distributed_error.
    explicit communicator(MPI_Comm comm) : comm_(comm) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (!initialised)
            throw distributed_error("causalrec::distributed::communicator: MPI is not initialised (create a distributed::environment first)");
        detail::check_mpi(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "communicator");
        detail::check_mpi(MPI_Comm_rank(comm_, &rank_), "communicator");
        detail::check_mpi(MPI_Comm_size(comm_, &size_), "communicator");
    }

    /// This process's rank, 0 .. size() - 1.
    int rank() const noexcept { return rank_; }
    /// The number of processes.
    int size() const noexcept { return size_; }
    /// True on rank 0, which writes files and decides for everyone.
    bool is_root() const noexcept { return rank_ == 0; }
    /// The MPI communicator.
    MPI_Comm native() const noexcept { return comm_; }

    /// Replaces `values` on every rank by their element-wise sum over the ranks (in place).
    template <class T>
    void allreduce_sum(std::span<T> values) const {
        if (values.empty()) return;
        detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), detail::mpi_count(values.size(), "allreduce"),
                                        detail::mpi_type<T>(), MPI_SUM, comm_),
                          "allreduce");
    }

    /// The sum of `value` over the ranks.
    template <class T>
    T sum(T value) const {
        allreduce_sum(std::span<T>(&value, 1));
        return value;
    }
    /// The largest `value` over the ranks.
    template <class T>
    T max(T value) const {
        return reduce_one(value, MPI_MAX);
    }
    /// The smallest `value` over the ranks.
    template <class T>
    T min(T value) const {
        return reduce_one(value, MPI_MIN);
    }

    /// Every rank's `mine`, concatenated in rank order, on every rank; `counts` (if given) receives the
    /// length of each rank's part.
    template <class T>
    std::vector<T> allgatherv(std::span<const T> mine, std::vector<std::size_t>* counts = nullptr) const {
        const int n = detail::mpi_count(mine.size(), "allgatherv");
        std::vector<int> sizes(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
        detail::check_mpi(MPI_Allgather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, comm_), "allgatherv");
        std::size_t total = 0;
        for (int r = 0; r < size_; ++r) {
            offsets[static_cast<std::size_t>(r)] = detail::mpi_count(total, "allgatherv");
            total += static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)]);
        }
        detail::mpi_count(total, "allgatherv");
        std::vector<T> all(total);
        // MPI wants a non-null send buffer pointer even for zero elements on some implementations.
        T dummy{};
        const T* send = mine.empty() ? &dummy : mine.data();
        detail::check_mpi(MPI_Allgatherv(send, n, detail::mpi_type<T>(), all.empty() ? &dummy : all.data(), sizes.data(),
                                         offsets.data(), detail::mpi_type<T>(), comm_),
                          "allgatherv");
        if (counts != nullptr) counts->assign(sizes.begin(), sizes.end());
        return all;
    }

    /// Personalised exchange: `data` holds this rank's parts for ranks 0, 1, ... in order, part r
    /// being `send_counts[r]` values long; returns the parts every rank sent to this one, in rank order.
    template <class T>
    std::vector<T> alltoallv(std::span<const T> data, std::span<const std::size_t> send_counts) const {
        const auto p = static_cast<std::size_t>(size_);
        if (send_counts.size() != p)
            throw argument_error(causalrec::cat("causalrec::distributed::alltoallv: ", send_counts.size(), " counts for ", p, " ranks"));
        std::vector<int> sends(p), send_offsets(p), receives(p), receive_offsets(p);
        std::size_t total = 0;
        for (std::size_t r = 0; r < p; ++r) {
            sends[r] = detail::mpi_count(send_counts[r], "alltoallv");
            send_offsets[r] = detail::mpi_count(total, "alltoallv");
            total += send_counts[r];
        }
        if (total != data.size())
            throw argument_error(causalrec::cat("causalrec::distributed::alltoallv: the counts add up to ", total, ", the data has ", data.size(), " values"));
        detail::check_mpi(MPI_Alltoall(sends.data(), 1, MPI_INT, receives.data(), 1, MPI_INT, comm_), "alltoallv");
        std::size_t received = 0;
        for (std::size_t r = 0; r < p; ++r) {
            receive_offsets[r] = detail::mpi_count(received, "alltoallv");
            received += static_cast<std::size_t>(receives[r]);
        }
        detail::mpi_count(received, "alltoallv");
        std::vector<T> out(received);
        T dummy{};
        detail::check_mpi(MPI_Alltoallv(data.empty() ? &dummy : data.data(), sends.data(), send_offsets.data(), detail::mpi_type<T>(),
                                        out.empty() ? &dummy : out.data(), receives.data(), receive_offsets.data(),
                                        detail::mpi_type<T>(), comm_),
                          "alltoallv");
        return out;
    }

    /// Copies `values` of rank `root` into `values` of every rank (the spans must have the same length).
    template <class T>
    void broadcast(std::span<T> values, int root = 0) const {
        if (values.empty()) return;
        detail::check_mpi(MPI_Bcast(values.data(), detail::mpi_count(values.size(), "broadcast"), detail::mpi_type<T>(), root, comm_),
                          "broadcast");
    }

    /// Copies the text of rank `root` to every rank.
    void broadcast(std::string& text, int root = 0) const {
        unsigned long long length = text.size();
        broadcast(std::span<unsigned long long>(&length, 1), root);
        text.resize(static_cast<std::size_t>(length));
        broadcast(std::span<char>(text.data(), text.size()), root);
    }

    /// Waits until every rank has called it.
    void barrier() const { detail::check_mpi(MPI_Barrier(comm_), "barrier"); }

    /// Runs `work` on every rank, then agrees: if it threw on any rank, every rank raises the same
    /// distributed_error, "<where>: rank R failed: <R's message>" (R the lowest failing rank), so that
    /// no rank goes on into a collective the failed one will never join. One small collective when
    /// nothing failed. `work` must not itself call collectives that the failing rank would skip.
    template <class F>
    void agree(F&& work, std::string_view where) const {
        std::string message;
        bool failed = false;
        try {
            std::forward<F>(work)();
        } catch (const std::exception& e) {
            failed = true;
            message = e.what();
        } catch (...) {
            failed = true;
            message = "an exception that is not a std::exception";
        }
        raise_if_any_failed(failed, message, where);
    }

    /// The agreement step of agree() for a failure already caught: every rank raises the same
    /// distributed_error when `failed` is true on any rank.
    void raise_if_any_failed(bool failed, std::string message, std::string_view where) const {
        const int first = min(failed ? rank_ : size_);
        if (first == size_) return;
        broadcast(message, first);
        throw distributed_error(causalrec::cat(where, ": rank ", first, " failed: ", message), first);
    }

    /// Ends every process of the job at once (MPI_Abort) with exit code `code`: for a failure the other
    /// ranks cannot learn about by agreement (they may be waiting in a collective).
    [[noreturn]] void abort(int code) const {
        MPI_Abort(comm_, code);
        std::terminate();  // MPI_Abort does not return
    }

private:
    template <class T>
    T reduce_one(T value, MPI_Op op) const {
        detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &value, 1, detail::mpi_type<T>(), op, comm_), "allreduce");
        return value;
    }

    MPI_Comm comm_;
    int rank_ = 0;
    int size_ = 1;
};

/// MPI for the life of this object: initialises it (threads allowed, MPI calls from the main thread
/// only) unless it is already initialised, and finalises what it initialised. Create one at the top
/// of main().
class environment {
public:
    /// Initialises MPI with the program's arguments.
    environment(int& argc, char**& argv) { init(&argc, &argv); }
    /// Initialises MPI without arguments.
    environment() { init(nullptr, nullptr); }
    environment(const environment&) = delete;
    environment& operator=(const environment&) = delete;
    /// Finalises MPI if this object initialised it.
    ~environment() {
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (owner_ && !finalised) MPI_Finalize();
    }

    /// The communicator of all processes of the job.
    communicator world() const { return communicator(MPI_COMM_WORLD); }

    /// Runs `program(world())` and returns the process's exit code: 0 when it returns normally. A
    /// distributed_error (every rank raises it together, see communicator::agree) is printed by rank 0
    /// and gives 1 on every rank. Any other exception is printed as "causalrec: rank R: <message>" and
    /// ends the whole job at once (MPI_Abort, exit code 1), because the other ranks may be waiting for
    /// this one in a collective: a job never hangs on one rank's failure.
    template <class F>
    int run(F&& program) {
        const communicator comm = world();
        try {
            std::forward<F>(program)(comm);
            return 0;
        } catch (const distributed_error& e) {
            if (comm.is_root()) std::fprintf(stderr, "causalrec: %s\n", e.what());
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "causalrec: rank %d: %s\n", comm.rank(), e.what());
        } catch (...) {
            std::fprintf(stderr, "causalrec: rank %d: an exception that is not a std::exception\n", comm.rank());
        }
        std::fflush(stderr);
        comm.abort(1);
    }

private:
    void init(int* argc, char*** argv) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (initialised) return;
        int provided = 0;
        detail::check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "environment");
        owner_ = true;
    }

    bool owner_ = false;
};

}  // namespace causalrec::distributed
