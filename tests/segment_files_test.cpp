// Tests journal/segment_files.cpp in a fresh temporary directory per test: the directory is
// made and locked (a second holder is refused with the first's pid, the lock goes with its
// holder), segments are found by name in order, appends and the torn-tail cut, a failed write
// leaves no half record, and which segments retention may remove.
#include "journal/segment_files.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace {

using journal::directory;
using journal::file_error;
using journal::segment_writer;

class SegmentFiles : public ::testing::Test {
 protected:
  SegmentFiles() {
    char tmpl[] = "/tmp/vapi-cache-segments-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  ~SegmentFiles() override { std::system(("rm -rf '" + root_ + "'").c_str()); }
  std::string root_;
};

TEST_F(SegmentFiles, the_directory_is_made_and_locked_with_the_holders_pid) {
  directory d(root_ + "/a/b/");
  EXPECT_EQ(d.path(), root_ + "/a/b");
  EXPECT_EQ(journal::read_file(d.path() + "/LOCK"), std::to_string(::getpid()));
  try {
    directory second(root_ + "/a/b");
    FAIL() << "a second holder was let in";
  } catch (const file_error& e) {
    EXPECT_NE(std::string(e.what()).find("used by another vapi-cache (pid " +
                                         std::to_string(::getpid()) + ")"),
              std::string::npos)
      << e.what();
  }
}

TEST_F(SegmentFiles, the_lock_goes_with_its_holder_even_killed) {
  { directory first(root_); }
  directory again(root_);  // released by the destructor
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = fork();
  if (child == 0) {  // a holder that dies with -9 while holding it
    try {
      directory held(root_ + "/other");
      [[maybe_unused]] ssize_t n = ::write(ready[1], "y", 1);
      ::pause();
    } catch (...) {
    }
    _exit(1);
  }
  char got = 0;
  ASSERT_EQ(::read(ready[0], &got, 1), 1);  // it holds the lock now
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_THROW(directory(root_ + "/other"), file_error);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_NO_THROW(directory(root_ + "/other"));
}

TEST_F(SegmentFiles, a_path_that_is_a_file_is_refused) {
  std::ofstream(root_ + "/file") << "x";
  EXPECT_THROW(directory(root_ + "/file"), file_error);
}

TEST_F(SegmentFiles, segments_are_found_by_name_oldest_first) {
  directory d(root_);
  segment_writer(d.segment_path(0x20), "H2");
  segment_writer(d.segment_path(0x3), "H1");
  std::ofstream(root_ + "/notes.txt") << "x";
  std::ofstream(root_ + "/00000000000000zz.vcj") << "x";
  auto found = d.segments();
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].first_sequence, 0x3u);
  EXPECT_EQ(found[0].path, root_ + "/0000000000000003.vcj");
  EXPECT_EQ(found[0].size, 2u);
  EXPECT_EQ(found[1].first_sequence, 0x20u);
}

TEST_F(SegmentFiles, appends_follow_the_header_and_reopen_cuts_a_torn_tail) {
  directory d(root_);
  std::string path = d.segment_path(1);
  {
    segment_writer w(path, "HEAD");
    w.append("one,");
    w.append("two,");
    w.sync();
    EXPECT_EQ(w.size(), 12u);
  }
  EXPECT_EQ(journal::read_file(path), "HEAD" "one," "two,");
  EXPECT_THROW(segment_writer(path, "HEAD"), file_error);  // never overwrites a segment
  auto w = segment_writer::reopen(path, 8, true);          // "two," was torn
  w.append("three");
  EXPECT_EQ(w.size(), 13u);
  EXPECT_EQ(journal::read_file(path), "HEADone,three");
}

TEST_F(SegmentFiles, preallocation_fills_zeros_ahead_and_records_overwrite_them) {
  directory d(root_);
  std::string path = d.segment_path(1);
  segment_writer w(path, "HEAD", {10, 24});
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(w.allocated(), 10u);  // the header needed 4: one chunk of 10
  EXPECT_EQ(journal::read_file(path), std::string("HEAD") + std::string(6, '\0'));
  w.append("abc");
  EXPECT_EQ(w.allocated(), 10u);  // fits in what was there
  EXPECT_EQ(journal::read_file(path), std::string("HEADabc") + std::string(3, '\0'));
  w.append("defgh");  // past 10: another chunk, up to 20
  EXPECT_EQ(w.size(), 12u);
  EXPECT_EQ(w.allocated(), 20u);
  w.append("ijklmnopq");  // past 20: the limit caps the chunk at 24
  EXPECT_EQ(w.allocated(), 24u);
  w.append(std::string(30, 'x'));  // a record past the limit gets exactly its room
  EXPECT_EQ(w.size(), 51u);
  EXPECT_EQ(w.allocated(), 51u);
  EXPECT_EQ(journal::read_file(path).size(), 51u);
}

TEST_F(SegmentFiles, reopen_keeps_the_zeros_after_whole_records_unless_told_to_cut) {
  directory d(root_);
  std::string path = d.segment_path(1);
  {
    segment_writer w(path, "HEAD", {16, 64});
    w.append("one,");
  }
  auto w = segment_writer::reopen(path, 8, false, {16, 64});
  EXPECT_EQ(w.size(), 8u);
  EXPECT_EQ(w.allocated(), 16u);
  w.append("two,");
  EXPECT_EQ(journal::read_file(path), std::string("HEADone,two,") + std::string(4, '\0'));
  auto cut = segment_writer::reopen(path, 8, true);
  EXPECT_EQ(cut.allocated(), 8u);
  EXPECT_EQ(journal::read_file(path), "HEADone,");
}

TEST_F(SegmentFiles, a_failed_preallocation_writes_nothing_and_a_later_append_retries) {
  directory d(root_);
  std::string path = d.segment_path(1);
  segment_writer w(path, "HEAD", {64, 1024});
  w.append("kept");
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = 70;  // the record would fit, the next chunk of zeros does not
  ::setrlimit(RLIMIT_FSIZE, &small);
  EXPECT_THROW(w.append(std::string(60, 'r')), file_error);
  ::setrlimit(RLIMIT_FSIZE, &old);
  EXPECT_EQ(w.size(), 8u);
  EXPECT_EQ(journal::read_file(path), "HEADkept") << "neither half a record nor stray zeros";
  w.append("more");
  EXPECT_EQ(w.allocated(), 64u);  // to the next multiple of the chunk
  EXPECT_EQ(journal::read_file(path).substr(0, 12), "HEADkeptmore");
}

TEST_F(SegmentFiles, a_failed_write_leaves_no_half_record) {
  directory d(root_);
  std::string path = d.segment_path(1);
  segment_writer w(path, "HEAD");
  w.append("kept");
  ::signal(SIGXFSZ, SIG_IGN);  // past RLIMIT_FSIZE, write fails with EFBIG instead of killing
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = 16;
  ::setrlimit(RLIMIT_FSIZE, &small);
  EXPECT_THROW(w.append("a record too long to fit"), file_error);
  ::setrlimit(RLIMIT_FSIZE, &old);
  EXPECT_EQ(w.size(), 8u);
  EXPECT_EQ(journal::read_file(path), "HEADkept");
  w.append("more");  // writing resumes once it can
  EXPECT_EQ(journal::read_file(path), "HEADkeptmore");
}

TEST_F(SegmentFiles, files_are_read_and_removed) {
  EXPECT_THROW(journal::read_file(root_ + "/none"), file_error);
  std::ofstream(root_ + "/f") << "bytes";
  EXPECT_EQ(journal::read_file(root_ + "/f"), "bytes");
  journal::remove_file(root_ + "/f");
  EXPECT_NO_THROW(journal::remove_file(root_ + "/f"));  // gone already: fine
  EXPECT_THROW(journal::read_file(root_ + "/f"), file_error);
}

TEST(segment_retention, only_the_oldest_fully_expired_segments_go_and_never_the_newest) {
  using journal::removable_segments;
  EXPECT_EQ(removable_segments({}, 100), 0u);
  EXPECT_EQ(removable_segments({50}, 100), 0u);  // the one being written stays
  EXPECT_EQ(removable_segments({50, 60, 200}, 100), 2u);
  EXPECT_EQ(removable_segments({50, 60, 70}, 100), 2u);
  EXPECT_EQ(removable_segments({100, 60}, 100), 1u);  // expiring exactly now counts as expired
  // A later segment that has expired waits for every older one: records never outlive those
  // written before them (a delete must not go before the store it cancels).
  EXPECT_EQ(removable_segments({500, 60, 70, 80}, 100), 0u);
}

}  // namespace
