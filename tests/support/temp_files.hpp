#pragma once
// Temporary files for tests: one fresh folder per test process (the g++ and clang++ suites may run
// at the same time), removed when the process ends.
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace causalrec_test {

/// The folder of this test process.
inline std::filesystem::path temp_dir() {
    struct folder {
        std::filesystem::path path;
        folder() {
            std::random_device rd;
            std::string tag = std::to_string(rd());
            tag.append("_").append(std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
            path = std::filesystem::temp_directory_path() / (std::string("causalrec_test_") + tag);
            std::filesystem::create_directories(path);
        }
        ~folder() {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    };
    static const folder dir;
    return dir.path;
}

/// A path for a file named `name` in the process's folder.
inline std::filesystem::path temp_path(const std::string& name) { return temp_dir() / name; }

}  // namespace causalrec_test
