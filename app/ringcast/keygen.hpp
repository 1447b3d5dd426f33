#pragma once
// `ringcast keygen`: writes a new cluster master key file.

#include <string>

namespace ringcast::app {

struct keygen_options {
    std::string path;
    bool force = false; ///< replace an existing key file
};

/**
 * Creates the key file. Returns an empty string on success, else the reason (one line).
 */
[[nodiscard]] std::string run_keygen(const keygen_options& opts);

} // namespace ringcast::app
