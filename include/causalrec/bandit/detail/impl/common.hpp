#pragma once
/// @file
/// Definitions of the non-template functions declared in bandit/detail/common.hpp (the policies' shared checks and file helpers): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../common.hpp"

namespace causalrec::bandit::detail {

CAUSALREC_INLINE void write_rng(io::tensor_file& f, const std::string& name, const rng& engine) {
    const auto s = engine.state();
    f.add<std::uint64_t>(name + ".words", std::span<const std::uint64_t>(s.words, 4), {4});
    const double spare[2] = {s.spare_normal, s.has_spare_normal ? 1.0 : 0.0};
    f.add<double>(name + ".spare", std::span<const double>(spare, 2), {2});
}

CAUSALREC_INLINE void read_rng(const io::tensor_file& f, const std::string& name, rng& engine) {
    const auto words = f.get_values<std::uint64_t>(name + ".words");
    const auto spare = f.get_values<double>(name + ".spare");
    if (words.size() != 4 || spare.size() != 2)
        throw format_error(causalrec::cat("causalrec::bandit: the policy file's random state '", name, "' is malformed"));
    rng::state_type s;
    for (int k = 0; k < 4; ++k) s.words[k] = words[static_cast<std::size_t>(k)];
    s.spare_normal = spare[0];
    s.has_spare_normal = spare[1] != 0.0;
    engine.set_state(s);
}

CAUSALREC_INLINE io::tensor_file begin_policy_file(std::string_view name) {
    io::tensor_file f;
    f.metadata["format"] = "causalrec.bandit_policy";
    f.metadata["policy"] = std::string(name);
    return f;
}

CAUSALREC_INLINE void check_policy_file(const io::tensor_file& f, std::string_view name) {
    const auto format = f.metadata.find("format");
    const auto policy = f.metadata.find("policy");
    if (format == f.metadata.end() || format->second != "causalrec.bandit_policy")
        throw format_error("causalrec::bandit: not a policy file (metadata 'format' is not causalrec.bandit_policy)");
    if (policy == f.metadata.end() || policy->second != name)
        throw format_error(causalrec::cat("causalrec::bandit: the file holds policy '", policy == f.metadata.end() ? "?" : policy->second,
                                          "', not '", name, "'"));
}

CAUSALREC_INLINE void write_number(io::tensor_file& f, const std::string& key, double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%a", value);
    f.metadata[key] = text;
}

CAUSALREC_INLINE double read_number(const io::tensor_file& f, const std::string& key) {
    const auto it = f.metadata.find(key);
    if (it == f.metadata.end()) throw format_error(causalrec::cat("causalrec::bandit: the policy file has no '", key, "'"));
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0')
        throw format_error(causalrec::cat("causalrec::bandit: the policy file's '", key, "' is not a number: ", it->second));
    return v;
}

}  // namespace causalrec::bandit::detail
