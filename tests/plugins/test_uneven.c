/* test_uneven: a resumable source in plain C, written against the raw C ABI
 * (no SDK helper), that reads JSON Lines from a file or a FIFO and returns
 * short, uneven batches, as the ABI allows:
 *
 *   {"plugin": "test_uneven", "path": "in.jsonl", "batches": "3,1,7,2",
 *    "pause_every": 70, "pause_ms": 400}
 *
 * - batches: the batch sizes, cycled; each next_batch() returns at most the
 *   next one (and at most max_records). "" : as many as max_records allows.
 * - From a FIFO it never waits for more once it has a record: it returns
 *   what has arrived (a pipe's writer may be slow).
 * - pause_every/pause_ms: after every pause_every records, the next call
 *   first waits pause_ms (polling is_cancelled), as a producer that goes
 *   quiet; the host's flush interval then emits what it holds.
 * - position() gives a regular file's size as total_bytes (a FIFO: -1, a
 *   stream, which gets the host's default flush interval).
 * - save_position() is the byte offset and the count of records after the
 *   last record emitted, and the file's size when it was opened (a regular file only; a FIFO cannot
 *   say, so its text is empty). restore_position() seeks there. */
#include <aton/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PATTERN 64

typedef struct uneven {
  const aton_host_api* host;
  int fd;
  int regular;
  long long size; /* of a regular file, when opened */
  char* buffer;   /* bytes read, not yet emitted: buffer[start, end) */
  size_t start, end, capacity;
  unsigned long long offset; /* input bytes before buffer[start] */
  unsigned long long records;
  int eof;
  size_t pattern[MAX_PATTERN];
  size_t pattern_length, next_in_pattern;
  long long pause_every, pause_ms;
  int pause_due;
  char position[96];
  char error[512];
} uneven;

/* The value of "key" in the host's compact config JSON: a string copied
 * into out (escapes taken literally but for \" and \\), or an integer. */
static const char* find_value(const char* json, const char* key) {
  char quoted[64];
  snprintf(quoted, sizeof quoted, "\"%s\"", key);
  const char* at = strstr(json, quoted);
  if (!at) return NULL;
  at += strlen(quoted);
  while (*at == ' ' || *at == ':') ++at;
  return at;
}

static int string_option(const char* json, const char* key, char* out, size_t size) {
  const char* at = find_value(json, key);
  size_t n = 0;
  if (!at || *at != '"') return 0;
  for (++at; *at && *at != '"' && n + 1 < size; ++at) {
    if (*at == '\\' && at[1]) ++at;
    out[n++] = *at;
  }
  out[n] = '\0';
  return 1;
}

static long long integer_option(const char* json, const char* key, long long fallback) {
  const char* at = find_value(json, key);
  return at && (*at == '-' || (*at >= '0' && *at <= '9')) ? strtoll(at, NULL, 10) : fallback;
}

static void fail(uneven* self, const char* what) {
  snprintf(self->error, sizeof self->error, "test_uneven: %s", what);
}

static aton_status create(const aton_host_api* host, const char* config_json, size_t config_length,
                          void** instance, char* error, size_t error_size) {
  char path[4096], batches[512];
  char* config = malloc(config_length + 1);
  uneven* self = calloc(1, sizeof *self);
  struct stat st;
  if (!config || !self) {
    free(config);
    free(self);
    snprintf(error, error_size, "out of memory");
    return ATON_ERROR;
  }
  memcpy(config, config_json, config_length);
  config[config_length] = '\0';
  self->host = host;
  self->fd = -1;
  if (!string_option(config, "path", path, sizeof path)) {
    snprintf(error, error_size, "test_uneven: no \"path\"");
    goto refuse;
  }
  if (!string_option(config, "batches", batches, sizeof batches)) batches[0] = '\0';
  for (char* p = batches; *p && self->pattern_length < MAX_PATTERN;) {
    size_t n = strtoul(p, &p, 10);
    if (n > 0) self->pattern[self->pattern_length++] = n;
    while (*p == ',' || *p == ' ') ++p;
  }
  self->pause_every = integer_option(config, "pause_every", 0);
  self->pause_ms = integer_option(config, "pause_ms", 0);
  self->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (self->fd < 0 || fstat(self->fd, &st) != 0) {
    snprintf(error, error_size, "test_uneven: cannot open %s: %s", path, strerror(errno));
    goto refuse;
  }
  self->regular = S_ISREG(st.st_mode);
  self->size = (long long)st.st_size;
  free(config);
  *instance = self;
  return ATON_OK;
refuse:
  if (self->fd >= 0) close(self->fd);
  free(config);
  free(self);
  return ATON_ERROR;
}

static const char* table_name(void* self) {
  (void)self;
  return "records";
}

/* Waits for input (a FIFO) while the run goes on: 0 when readable. */
static int wait_readable(uneven* self) {
  struct pollfd p = {self->fd, POLLIN, 0};
  while (!self->host->is_cancelled(self->host->host)) {
    int rc = poll(&p, 1, 50);
    if (rc > 0) return 0;
    if (rc < 0 && errno != EINTR) return -1;
  }
  return -1;
}

/* Reads more input into the buffer; 0 at the end of the input, -1 on error or cancel. */
static long read_more(uneven* self) {
  long n;
  if (self->start > 0) {
    memmove(self->buffer, self->buffer + self->start, self->end - self->start);
    self->end -= self->start;
    self->start = 0;
  }
  if (self->capacity - self->end < 4096) {
    size_t capacity = self->capacity ? self->capacity * 2 : 65536;
    char* grown = realloc(self->buffer, capacity);
    if (!grown) return -1;
    self->buffer = grown;
    self->capacity = capacity;
  }
  if (!self->regular && wait_readable(self) != 0) return -1;
  do n = read(self->fd, self->buffer + self->end, self->capacity - self->end);
  while (n < 0 && errno == EINTR);
  if (n > 0) self->end += (size_t)n;
  return n;
}

static void pause_if_due(uneven* self) {
  struct timespec slice = {0, 5 * 1000 * 1000};
  long long waited = 0;
  if (!self->pause_due) return;
  self->pause_due = 0;
  while (waited < self->pause_ms && !self->host->is_cancelled(self->host->host)) {
    nanosleep(&slice, NULL);
    waited += 5;
  }
}

static aton_status next_batch(void* instance, const aton_record_builder* builder, size_t max_records,
                              size_t* produced) {
  uneven* self = instance;
  size_t want = max_records, n = 0;
  *produced = 0;
  pause_if_due(self);
  if (self->pattern_length) {
    size_t size = self->pattern[self->next_in_pattern++ % self->pattern_length];
    if (size < want) want = size;
  }
  while (n < want) {
    char* line = self->buffer + self->start;
    char* newline = self->end > self->start ? memchr(line, '\n', self->end - self->start) : NULL;
    size_t length;
    aton_json_result result = {sizeof result, 0, 0, NULL};
    if (!newline) {
      long got;
      if (self->eof) break;
      if (n > 0 && !self->regular) break; /* hand on what has arrived */
      got = read_more(self);
      if (got < 0) {
        fail(self, self->host->is_cancelled(self->host->host) ? "cancelled" : strerror(errno));
        return ATON_ERROR;
      }
      if (got == 0) {
        self->eof = 1;
        if (self->end > self->start) { /* a last line without its newline; read_more() left room */
          self->buffer[self->end] = '\n';
          ++self->end;
          --self->offset; /* that newline was never read */
        }
      }
      continue;
    }
    length = (size_t)(newline - line);
    self->start += length + 1;
    self->offset += length + 1;
    if (length == 0) continue;
    if (builder->json_value(builder->host, line, length, 0, &result) != 0) {
      fail(self, result.problem ? result.problem : "a line is not a JSON record");
      return ATON_ERROR;
    }
    ++n;
    ++self->records;
    if (self->pause_every > 0 && self->records % (unsigned long long)self->pause_every == 0) {
      self->pause_due = 1;
      break;
    }
  }
  *produced = n;
  if (n == 0 || (self->eof && self->start == self->end)) return ATON_END;
  return ATON_OK;
}

static void position(void* instance, aton_source_position* out) {
  uneven* self = instance;
  out->records = self->records;
  out->bytes = self->offset;
  /* A regular file says its size, as the json source does: the host then
   * treats the run as a file run (no default flush interval), so its chunks
   * do not depend on where batches end or on timing. */
  if (self->regular) out->total_bytes = self->size;
}

static const char* last_error(void* instance) { return ((uneven*)instance)->error; }

static void destroy(void* instance) {
  uneven* self = instance;
  if (self->fd >= 0) close(self->fd);
  free(self->buffer);
  free(self);
}

static aton_status save_position(void* instance, const char** text, size_t* length) {
  uneven* self = instance;
  self->position[0] = '\0';
  if (self->regular)
    snprintf(self->position, sizeof self->position, "{\"offset\":%llu,\"records\":%llu,\"size\":%lld}",
             self->offset, self->records, self->size);
  *text = self->position;
  *length = strlen(self->position);
  return ATON_OK;
}

static aton_status restore_position(void* instance, const char* text, size_t length) {
  uneven* self = instance;
  char copy[96];
  unsigned long long offset, records;
  long long size;
  if (length >= sizeof copy) length = sizeof copy - 1;
  memcpy(copy, text, length);
  copy[length] = '\0';
  if (!self->regular || sscanf(copy, "{\"offset\":%llu,\"records\":%llu,\"size\":%lld}", &offset, &records, &size) != 3) {
    fail(self, "cannot restore this position");
    return ATON_ERROR;
  }
  if (size != self->size || lseek(self->fd, (off_t)offset, SEEK_SET) < 0) {
    fail(self, "the input changed");
    return ATON_ERROR;
  }
  self->offset = offset;
  self->records = records; /* pauses come after the same records as in an uninterrupted run */
  self->start = self->end = 0;
  return ATON_OK;
}

static const aton_option options[] = {
    {"path", "path", NULL, 1, "JSON Lines to read: a file or a FIFO", NULL},
    {"batches", "string", "\"\"", 0, "batch sizes, cycled, e.g. \"3,1,7\"", NULL},
    {"pause_every", "integer", "0", 0, "pause after every this many records (0: never)", NULL},
    {"pause_ms", "integer", "0", 0, "how long each pause lasts", NULL},
};

static const aton_source_api source = {
    .struct_size = sizeof(aton_source_api),
    .create = create,
    .table_name = table_name,
    .next_batch = next_batch,
    .position = position,
    .last_error = last_error,
    .destroy = destroy,
    .save_position = save_position,
    .restore_position = restore_position,
};

static const aton_plugin_descriptor descriptor = {
    ATON_PLUGIN_ABI_MAJOR, ATON_PLUGIN_ABI_MINOR, sizeof(aton_plugin_descriptor), ATON_PLUGIN_SOURCE,
    "test_uneven", "1.0.0", "JSON Lines in short, uneven batches, resumable (a test source in plain C).",
    options, sizeof options / sizeof options[0], &source, NULL, {0}};

ATON_PLUGIN_EXPORT const aton_plugin_descriptor* aton_plugin_entry(void) { return &descriptor; }
