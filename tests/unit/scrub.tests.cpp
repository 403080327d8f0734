// aton::sdk::scrub, the SDK's secret blanking the network sinks share.
#include <aton/scrub.hpp>

#include <catch2/catch.hpp>

TEST_CASE("scrub blanks every occurrence of every secret and nothing else", "[scrub]") {
  CHECK(aton::sdk::scrub("token sk-1 then sk-1 and pw9", {"sk-1", "pw9"}) == "token *** then *** and ***");
  CHECK(aton::sdk::scrub("nothing secret here", {"sk-1"}) == "nothing secret here");
  // An empty secret would match everywhere; one that "***" contains must not loop for ever.
  CHECK(aton::sdk::scrub("a*b", {"", "*"}) == "a***b");
}
