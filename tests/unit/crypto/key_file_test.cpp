// Key file and epoch file: creation mode, refusal rules, round trips.

#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "lib/crypto/key_file.hpp"
#include "tests/unit/crypto/crypto_test_util.hpp"

namespace ringcast::crypto {
namespace {

namespace fs = std::filesystem;

class key_file_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "ringcast-key-test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }

    static unsigned mode_of(const fs::path& p) {
        struct stat st {};
        EXPECT_EQ(::stat(p.c_str(), &st), 0);
        return st.st_mode & 07777;
    }
    static std::string read_all(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
    static void write_raw(const fs::path& p, const std::string& s) {
        std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
        fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
    }

    fs::path dir_;
};

TEST_F(key_file_test, round_trip_with_mode_0600_whatever_the_umask) {
    const fs::path p = dir_ / "cluster.key";
    const mode_t old = ::umask(0277);
    const secret_key key = test::test_master();
    const file_status st = write_key_file(p, key);
    ::umask(old);
    ASSERT_TRUE(st.ok()) << st.error;
    EXPECT_EQ(mode_of(p), 0600U);
    EXPECT_EQ(fs::file_size(p), key_file_size);
    secret_key loaded;
    const file_status ld = load_key_file(p, loaded);
    ASSERT_TRUE(ld.ok()) << ld.error;
    EXPECT_EQ(test::to_hex(loaded.bytes()), test::to_hex(key.bytes()));
}

TEST_F(key_file_test, random_keys_differ_and_load) {
    const fs::path a = dir_ / "a.key";
    const fs::path b = dir_ / "b.key";
    ASSERT_TRUE(write_key_file(a).ok());
    ASSERT_TRUE(write_key_file(b).ok());
    EXPECT_EQ(mode_of(a), 0600U);
    secret_key ka;
    secret_key kb;
    ASSERT_TRUE(load_key_file(a, ka).ok());
    ASSERT_TRUE(load_key_file(b, kb).ok());
    EXPECT_NE(test::to_hex(ka.bytes()), test::to_hex(kb.bytes()));
    EXPECT_EQ(read_all(a).substr(0, 8), std::string("RCKEY\0\0\0", 8));
}

TEST_F(key_file_test, refuses_to_overwrite_unless_asked) {
    const fs::path p = dir_ / "cluster.key";
    ASSERT_TRUE(write_key_file(p).ok());
    const std::string first = read_all(p);
    const file_status again = write_key_file(p);
    EXPECT_FALSE(again.ok());
    EXPECT_NE(again.error.find(p.string()), std::string::npos) << again.error;
    EXPECT_NE(again.error.find("already exists"), std::string::npos) << again.error;
    EXPECT_EQ(read_all(p), first);

    fs::permissions(p, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    ASSERT_TRUE(write_key_file(p, overwrite::yes).ok());
    EXPECT_NE(read_all(p), first);
    EXPECT_EQ(mode_of(p), 0600U) << "a replaced key gets mode 0600, not the old file's mode";
    for (const auto& e : fs::directory_iterator(dir_)) {
        EXPECT_EQ(e.path().filename(), "cluster.key") << "temporary file left behind";
    }
}

TEST_F(key_file_test, refuses_group_or_other_access) {
    const fs::path p = dir_ / "cluster.key";
    ASSERT_TRUE(write_key_file(p).ok());
    for (const unsigned mode : {0644U, 0640U, 0604U, 0620U, 0602U}) {
        ::chmod(p.c_str(), mode);
        secret_key k;
        const file_status st = load_key_file(p, k);
        EXPECT_FALSE(st.ok()) << std::oct << mode;
        EXPECT_NE(st.error.find(p.string()), std::string::npos) << st.error;
        EXPECT_NE(st.error.find("chmod 600"), std::string::npos) << st.error;
    }
    ::chmod(p.c_str(), 0400);
    secret_key k;
    EXPECT_TRUE(load_key_file(p, k).ok()) << "owner read-only is fine";
}

TEST_F(key_file_test, refuses_wrong_size_magic_version_length) {
    const fs::path p = dir_ / "cluster.key";
    ASSERT_TRUE(write_key_file(p, test::test_master()).ok());
    const std::string good = read_all(p);
    const auto refused = [&](const std::string& content, const char* why) {
        write_raw(p, content);
        secret_key k;
        const file_status st = load_key_file(p, k);
        EXPECT_FALSE(st.ok()) << why;
        EXPECT_NE(st.error.find(p.string()), std::string::npos) << st.error;
        return st.error;
    };
    EXPECT_NE(refused(good + "x", "long").find("size"), std::string::npos);
    EXPECT_NE(refused(good.substr(0, 47), "short").find("size"), std::string::npos);
    EXPECT_NE(refused("", "empty").find("size"), std::string::npos);
    std::string bad = good;
    bad[0] = 'X';
    EXPECT_NE(refused(bad, "magic").find("magic"), std::string::npos);
    bad = good;
    bad[11] = 2;
    EXPECT_NE(refused(bad, "version").find("version"), std::string::npos);
    bad = good;
    bad[15] = 16;
    EXPECT_NE(refused(bad, "length").find("length"), std::string::npos);
    write_raw(p, good);
    secret_key k;
    EXPECT_TRUE(load_key_file(p, k).ok());
}

TEST_F(key_file_test, missing_file_and_directory_are_refused) {
    secret_key k;
    const file_status st = load_key_file(dir_ / "nope.key", k);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.error.find("nope.key"), std::string::npos);
    ::chmod(dir_.c_str(), 0700);
    EXPECT_FALSE(load_key_file(dir_, k).ok());
    EXPECT_FALSE(write_key_file(dir_ / "no-such-dir" / "k").ok());
}

TEST_F(key_file_test, key_epoch_always_grows_and_is_persisted) {
    const fs::path p = dir_ / "epoch";
    std::uint32_t e1 = 0;
    ASSERT_TRUE(advance_key_epoch(p, 1'700'000'000, e1).ok());
    EXPECT_EQ(e1, 1'700'000'000U) << "first start: the clock";
    EXPECT_EQ(mode_of(p), 0600U);
    std::uint32_t e2 = 0;
    ASSERT_TRUE(advance_key_epoch(p, 1'700'000'000, e2).ok());
    EXPECT_EQ(e2, e1 + 1) << "two starts in one second";
    std::uint32_t e3 = 0;
    ASSERT_TRUE(advance_key_epoch(p, 5, e3).ok());
    EXPECT_EQ(e3, e2 + 1) << "the clock stepped back";
    std::uint32_t e4 = 0;
    ASSERT_TRUE(advance_key_epoch(p, 1'800'000'000, e4).ok());
    EXPECT_EQ(e4, 1'800'000'000U);

    std::uint32_t lost = 0;
    ASSERT_TRUE(advance_key_epoch(dir_ / "fresh", 0, lost).ok());
    EXPECT_EQ(lost, 1U);

    ::chmod(p.c_str(), 0644);
    std::uint32_t e5 = 7;
    EXPECT_FALSE(advance_key_epoch(p, 0, e5).ok());
    EXPECT_EQ(e5, 7U) << "untouched on error";
    write_raw(p, "garbage garbage!");
    EXPECT_FALSE(advance_key_epoch(p, 0, e5).ok());
    write_raw(p, std::string("RCEPOCH\0\0\0\0\1\xff\xff\xff\xff", 16));
    EXPECT_FALSE(advance_key_epoch(p, 0, e5).ok()) << "epoch space exhausted";
}

} // namespace
} // namespace ringcast::crypto
