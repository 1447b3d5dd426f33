#include "app/ringcast/keygen.hpp"

#include "lib/crypto/key_file.hpp"

namespace ringcast::app {

std::string run_keygen(const keygen_options& opts) {
    const crypto::file_status st = crypto::write_key_file(
        opts.path, opts.force ? crypto::overwrite::yes : crypto::overwrite::no);
    return st.error;
}

} // namespace ringcast::app
