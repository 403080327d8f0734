/* An LD_PRELOAD library for the tests: records every fsync() and fdatasync()
 * the process makes, so a test can tell whether a durability promise was
 * kept (tests/edges/fsync.tests.cpp). Each call appends one line
 *   fsync <path the descriptor names>
 * to the file named by ATON_FSYNC_LOG (opened with O_APPEND for each line,
 * so threads do not interleave), then does the real call. Without
 * ATON_FSYNC_LOG it only passes the call on. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void record(const char* call, int fd) {
  const char* log = getenv("ATON_FSYNC_LOG");
  if (!log || !*log) return;
  char link[64];
  char target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n < 0) n = 0;
  target[n] = '\0';
  char line[4200];
  int length = snprintf(line, sizeof line, "%s %s\n", call, target);
  if (length < 0) return;
  if ((size_t)length >= sizeof line) length = (int)sizeof line - 1;
  int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return;
  ssize_t ignored = write(out, line, (size_t)length);
  (void)ignored;
  close(out);
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  record("fsync", fd);
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  record("fdatasync", fd);
  return real(fd);
}
