/* test_ctor: a library named like a plugin whose constructor runs as soon
 * as it is loaded, before the host can check anything: it creates the file
 * named by ATON_TEST_CTOR_MARKER. It exports no entry point, so a load that
 * got that far fails. Shows what loading a plugin file means. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void test_ctor_runs(void) {
  const char* marker = getenv("ATON_TEST_CTOR_MARKER");
  if (!marker) return;
  int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd >= 0) close(fd);
}
