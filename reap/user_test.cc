// ResolveUser against this machine's /etc/passwd and /etc/group (root and
// nobody exist on every Debian system), without being root: names, numbers,
// USER:GROUP, and the refusals.
#include "reap/user.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace reap {
namespace {

TEST(UserTest, NamesAndNumbersResolveAsInTheFiles) {
  auto root = ResolveUser("root");
  ASSERT_TRUE(root.ok()) << root.error().ToString();
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->gid, 0u);
  EXPECT_NE(std::find(root->groups.begin(), root->groups.end(), 0u), root->groups.end());
  auto nobody = ResolveUser("nobody");
  ASSERT_TRUE(nobody.ok()) << nobody.error().ToString();
  EXPECT_EQ(nobody->uid, 65534u);
  auto by_number = ResolveUser("65534");
  ASSERT_TRUE(by_number.ok());
  EXPECT_EQ(by_number->uid, 65534u);
  EXPECT_EQ(by_number->gid, nobody->gid);
}

TEST(UserTest, UserColonGroupTakesOnlyThatGroup) {
  auto u = ResolveUser("nobody:root");
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(u->uid, 65534u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_EQ(u->groups, std::vector<gid_t>{0u});
}

TEST(UserTest, UnknownIdsNeedNotExist) {
  auto u = ResolveUser("4242424:4242425");
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(u->uid, 4242424u);
  EXPECT_EQ(u->gid, 4242425u);
}

TEST(UserTest, RefusalsSayWhy) {
  auto unknown = ResolveUser("reap-no-such-user");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().op, "user");
  EXPECT_EQ(unknown.error().err, ENOENT);
  EXPECT_EQ(unknown.error().ToString(), "user: 'reap-no-such-user': no such user");
  auto group = ResolveUser("root:reap-no-such-group");
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.error().reason, "no such group");
  for (const char* bad : {"", ":", "root:", ":root"}) {
    auto r = ResolveUser(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().err, EINVAL) << bad;
  }
  EXPECT_FALSE(ResolveUser("4294967295").ok()) << "(uid_t)-1 means 'no change'";
}

}  // namespace
}  // namespace reap
