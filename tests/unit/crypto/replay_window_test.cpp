// replay_window on its own: edges of the 1024-counter window, big jumps, slot reuse, epochs.

#include <gtest/gtest.h>

#include "lib/crypto/replay_window.hpp"

namespace ringcast::crypto {
namespace {

errc accept(replay_window& w, std::uint32_t epoch, std::uint64_t c) {
    const errc e = w.check(epoch, c);
    if (e == errc::ok) {
        w.commit(epoch, c);
    }
    return e;
}

TEST(replay_window, first_frame_of_any_counter_is_fresh) {
    replay_window w;
    EXPECT_EQ(accept(w, 1, 5000), errc::ok);
    EXPECT_EQ(accept(w, 1, 5000), errc::replayed);
    EXPECT_EQ(accept(w, 1, 4999), errc::ok);
    EXPECT_EQ(accept(w, 1, 5000 - 1024), errc::too_old);
}

TEST(replay_window, check_alone_changes_nothing) {
    replay_window w;
    EXPECT_EQ(w.check(3, 7), errc::ok);
    EXPECT_EQ(w.check(3, 7), errc::ok);
    EXPECT_EQ(w.epoch(), 0U);
}

TEST(replay_window, slots_are_cleared_when_the_window_slides) {
    replay_window w;
    for (std::uint64_t c = 0; c < 1024; ++c) {
        ASSERT_EQ(accept(w, 1, c), errc::ok);
    }
    // 1024 and 0 share a bitmap slot; 0 is now too old and 1024 must not look replayed.
    EXPECT_EQ(accept(w, 1, 1024), errc::ok);
    EXPECT_EQ(accept(w, 1, 0), errc::too_old);
    EXPECT_EQ(accept(w, 1, 1), errc::replayed);
    // A jump of 1500 clears everything; the counters skipped over are fresh if still inside.
    EXPECT_EQ(accept(w, 1, 2524), errc::ok);
    EXPECT_EQ(accept(w, 1, 1600), errc::ok);
    EXPECT_EQ(accept(w, 1, 1500), errc::too_old);
    EXPECT_EQ(accept(w, 1, 1501), errc::ok);
    // A jump of less than the window clears only the slots it passes over.
    EXPECT_EQ(accept(w, 1, 2600), errc::ok);
    EXPECT_EQ(accept(w, 1, 1600), errc::replayed);
    EXPECT_EQ(accept(w, 1, 2550), errc::ok);
}

TEST(replay_window, epochs) {
    replay_window w;
    EXPECT_EQ(accept(w, 5, 10), errc::ok);
    EXPECT_EQ(accept(w, 4, 11), errc::stale_epoch);
    EXPECT_EQ(accept(w, 6, 0), errc::ok);
    EXPECT_EQ(accept(w, 6, 10), errc::ok) << "new epoch, empty window";
    EXPECT_EQ(accept(w, 5, 12), errc::stale_epoch);
    EXPECT_EQ(w.epoch(), 6U);
}

TEST(replay_window, epoch_floor) {
    replay_window w;
    w.set_epoch_floor(9);
    EXPECT_EQ(accept(w, 8, 0), errc::stale_epoch);
    EXPECT_EQ(accept(w, 9, 0), errc::ok);
    w.set_epoch_floor(3);
    EXPECT_EQ(w.epoch(), 9U) << "a floor never lowers the epoch";
}

TEST(replay_window, counter_extremes) {
    replay_window w;
    const std::uint64_t top = ~std::uint64_t{0} - 1;
    EXPECT_EQ(accept(w, 1, top), errc::ok);
    EXPECT_EQ(accept(w, 1, 0), errc::too_old);
    EXPECT_EQ(accept(w, 1, top - 1023), errc::ok);
    EXPECT_EQ(accept(w, 1, top - 1024), errc::too_old);
}

} // namespace
} // namespace ringcast::crypto
