#pragma once
/// @file
/// The machine's physical memory and a readable byte count, for refusing up front a request whose
/// arrays could never be allocated (instead of a std::bad_alloc, or the OOM killer, later).

#include <cstddef>
#include <cstdio>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace causalrec {

/// The machine's physical memory in bytes (0 when the platform does not say).
inline double physical_memory_bytes() noexcept {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) return static_cast<double>(pages) * static_cast<double>(page);
#endif
    return 0.0;
}

/// A byte count with a binary unit: "512 B", "3.0 KiB", "24.0 GiB", "7.3 TiB".
inline std::string format_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    std::size_t u = 0;
    while (bytes >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        bytes /= 1024.0;
        ++u;
    }
    char buffer[48];
    std::snprintf(buffer, sizeof(buffer), u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buffer;
}

}  // namespace causalrec
