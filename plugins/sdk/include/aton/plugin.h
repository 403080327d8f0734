/* The aton plugin ABI, version 1.4.
 *
 * A plugin is a shared library that exports exactly one symbol,
 * aton_plugin_entry(), returning a static descriptor. Everything that crosses
 * the boundary is plain C: fixed-width integers, pointers, (pointer, length)
 * strings and function pointers. No C++ type, exception or allocator crosses
 * it, so a plugin built with another compiler or other flags works.
 *
 * Rules (docs/PLUGINS.md explains them at length):
 * - Versioning. Every struct starts with, or carries, its size. The host
 *   refuses a plugin whose abi_major differs from its own, or whose abi_minor
 *   is newer than its own. A minor version only ever adds fields: in a
 *   reserved slot (which an older plugin may leave holding anything, so the
 *   host reads it only from a plugin whose abi_minor has it) or at the end
 *   of a struct (which an older plugin's smaller struct_size leaves out).
 * - Ownership. Whoever allocates frees. The host owns every string it passes
 *   in, valid only for the duration of the call. The plugin owns its
 *   instances (freed by destroy) and every string it returns (valid until the
 *   next call on the same instance).
 * - Errors. Functions return an aton_status. On ATON_ERROR the text is
 *   available from last_error(self), or, for create and check, in the
 *   caller's buffer. Nothing throws across the boundary.
 * - Threads. One instance is used by one host thread at a time, but not
 *   always the same thread; different instances may run concurrently.
 *   is_cancelled() may be called from any thread.
 * - History. 1.0: sources, sinks, options. 1.1: resumable runs, five
 *   optional functions in former reserved slots (save_position,
 *   restore_position, save_state, restore_state, suspend). A 1.0 plugin
 *   leaves them NULL and simply cannot resume; the host reads them only from
 *   a plugin whose abi_minor is at least 1. 1.2: the record builder's
 *   json_value(), which takes a value as JSON text. A source built for 1.0
 *   or 1.1 never calls it and works as before. 1.3: check(), in the first
 *   former reserved slot of aton_source_api and aton_sink_api (after
 *   restore_position and after suspend): a plugin checks a config without
 *   starting anything, for `aton validate` and before `aton run` starts
 *   any plugin. The host reads the slot only from a plugin whose abi_minor
 *   is at least 3 (a 1.2 plugin's slot is reserved: anything may be there);
 *   a plugin without it is simply not asked, and create() still refuses.
 *   1.4: aton_chunk.tokens, appended: the chunk text's exact token count
 *   (-1 when the host has no tokenizer). A sink built for 1.3 or older
 *   never reads past its own struct's end, so it works as before.
 */
#ifndef ATON_PLUGIN_H
#define ATON_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATON_PLUGIN_ABI_MAJOR 1
#define ATON_PLUGIN_ABI_MINOR 4

#if defined(_WIN32)
#define ATON_PLUGIN_EXPORT __declspec(dllexport)
#else
#define ATON_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

typedef enum aton_status {
  ATON_OK = 0,
  ATON_END = 1,    /* a source has no more records */
  ATON_ERROR = -1  /* see last_error() */
} aton_status;

typedef enum aton_plugin_kind {
  ATON_PLUGIN_SOURCE = 1,
  ATON_PLUGIN_SINK = 2
} aton_plugin_kind;

/* ---- What the host offers every instance ------------------------------ */

typedef enum aton_log_level {
  ATON_LOG_DEBUG = 0,
  ATON_LOG_INFO = 1,
  ATON_LOG_WARNING = 2
} aton_log_level;

typedef struct aton_host_api {
  uint32_t struct_size;
  void* host; /* opaque; pass back unchanged */
  /* A message for the run's log. Never put secrets in it. Any thread. */
  void (*log)(void* host, aton_log_level level, const char* message);
  /* Non-zero once the run is stopping (another stage failed, SIGINT,
   * SIGTERM). Long waits (retries, slow I/O) poll it and give up early.
   * Any thread. */
  int (*is_cancelled)(void* host);
} aton_host_api;

/* ---- Options: declared once, validated and documented by the host ------ */

typedef struct aton_option {
  const char* name;
  /* JSON Schema type: "string", "integer", "number", "boolean", "object",
   * "array"; or "path": a string the host makes absolute, relative to the
   * config file's folder. */
  const char* type;
  const char* default_json; /* JSON text of the default, or NULL */
  int required;             /* non-zero: the config must give it */
  const char* description;  /* one line, shown by `aton plugins --describe` */
  /* Extra JSON Schema keywords as an object's JSON text, for example
   * "{\"enum\":[\"overwrite\",\"append\"]}" or "{\"minimum\":1}"; or NULL. */
  const char* schema_json;
} aton_option;

/* ---- Checking a config without starting (ABI 1.3) ---------------------- */

/* check(host, config_json, config_length, problems, problems_size)
 *
 * Says whether create() would accept this config, without creating
 * anything: no file written or truncated, no connection opened, no input
 * read past what a cheap look needs (stat() of an input, never an open() of
 * a FIFO). config_json is what create() would receive (validated against
 * the declared options, defaults filled in, paths absolute, ${NAME}
 * substituted). Called on the main thread, before any create() of the run
 * (`aton run`) or instead of it (`aton validate`), possibly more than once;
 * it must not depend on earlier calls. host: as for create (its log may go
 * nowhere during `aton validate`).
 *
 * Returns ATON_OK when the config is fine; problems is then left alone.
 * Returns ATON_ERROR when it is not, and writes into problems (host-owned,
 * problems_size bytes) a NUL-terminated JSON array listing every problem
 * found, not only the first:
 *
 *   [{"pointer": "/query", "message": "give either \"query\" or \"table\", not both"},
 *    {"pointer": "", "message": "..."}]
 *
 * - pointer: an RFC 6901 JSON pointer into the plugin's own config object
 *   ("" for the object as a whole, "/headers/X-Token" for a nested key); the
 *   host puts the entry's place in front ("/sinks/1/query").
 * - message: what is wrong and what to do, one line, no secrets.
 * The host offers at least 16 KiB. When the list does not fit, the plugin
 * keeps the items that fit whole (the text stays a JSON array). Text that is
 * not such an array is taken as one message about the whole entry.
 */
typedef aton_status (*aton_check_fn)(const aton_host_api* host, const char* config_json, size_t config_length,
                                     char* problems, size_t problems_size);

/* ---- Sources ----------------------------------------------------------- */

/* Records cross the boundary as events into a host-owned builder, in the
 * manner of a SAX parser. A record is one top-level object:
 * begin_object, then (key, value)*, then end_object. Values are scalars or
 * nested begin_array/end_array and begin_object/key/end_object.
 * Every function returns 0 to go on; non-zero means the host refused the
 * event (for example nesting too deep): the source must stop and return
 * ATON_ERROR, and the host already knows the reason.
 * Strings are UTF-8, (pointer, length), copied by the host before it returns.
 * number_text takes a JSON number literal (e.g. "12", "-0.5e3",
 * "123456789012345678901234567890") and keeps it exactly; int_value and
 * float_value are for sources that hold binary numbers.
 *
 * ABI 1.2: json_value() takes a whole value as its JSON text instead of
 * one event at a time (see below, and aton_json_result for how it ends). */
#define ATON_TEXT_STABLE 1u /* json_value's text stays valid and unchanged
                             * until this source instance is destroyed (say,
                             * a read-only mapping of its input): the host
                             * keeps views into it, not copies. */

typedef struct aton_json_result {
  uint32_t struct_size; /* set by the source */
  size_t end;           /* offset in the text just past the value; or, when
                         * json_value returned 1, of the byte at fault */
  int ran_out;          /* returned 1 because the text ended before the
                         * value did: more text may complete it */
  const char* problem;  /* returned 1: what is wrong, NUL-terminated,
                         * host-owned, valid until the next call */
} aton_json_result;

typedef struct aton_record_builder {
  uint32_t struct_size;
  void* host;
  int (*null_value)(void* host);
  int (*bool_value)(void* host, int value);
  int (*int_value)(void* host, int64_t value);
  int (*float_value)(void* host, double value);
  int (*number_text)(void* host, const char* text, size_t length);
  int (*string_value)(void* host, const char* text, size_t length);
  int (*begin_array)(void* host);
  int (*end_array)(void* host);
  int (*begin_object)(void* host);
  int (*key)(void* host, const char* text, size_t length);
  int (*end_object)(void* host);
  /* ---- ABI 1.2 (present when struct_size covers it) ---- */
  /* The value whose JSON text starts at `text` (whitespace first is fine),
   * taken as if its events had come one by one: a whole record, or the
   * value after a key, or an array item. The host reads it with the JSON
   * reader `aton encode` uses (UTF-8 checked, numbers kept exactly,
   * duplicate keys kept, nesting limited), so a source whose data is JSON
   * text needs no parser of its own, and none of its events cross the
   * boundary one by one. The text may go on past the value: the host stops
   * at its end (result->end); a number that ends where the text ends is
   * taken as it is. flags: ATON_TEXT_STABLE or 0.
   * Returns 0 when the value was taken. Returns 1 when the text does not
   * hold one whole JSON value (malformed, nested too deep, or cut short:
   * see result): nothing of it was taken, and the source reports the
   * problem in its own terms (its file, line, record), or calls again with
   * more text when result->ran_out. Any other non-zero: the host refuses
   * the event, as for the calls above (a record that is not an object). */
  int (*json_value)(void* host, const char* text, size_t length, uint32_t flags, aton_json_result* result);
} aton_record_builder;

typedef struct aton_source_position {
  uint32_t struct_size;
  uint64_t records;      /* records produced so far */
  uint64_t bytes;        /* input bytes consumed so far, 0 if meaningless */
  int64_t total_records; /* -1 while unknown */
  int64_t total_bytes;   /* -1 while unknown */
} aton_source_position;

typedef struct aton_source_api {
  uint32_t struct_size;
  /* Makes an instance. config_json is a JSON object: the plugin's keys from
   * the pipeline config, validated against the declared options, defaults
   * filled in, paths absolute, ${NAME} substituted. On failure returns
   * ATON_ERROR and writes a NUL-terminated message into error (host-owned,
   * error_size bytes). */
  aton_status (*create)(const aton_host_api* host, const char* config_json, size_t config_length,
                        void** instance, char* error, size_t error_size);
  /* The table the records belong to (names the ATON table). Owned by the
   * instance, valid until destroy. */
  const char* (*table_name)(void* self);
  /* Emits up to max_records records into builder and sets *produced.
   * ATON_OK: *produced >= 1. ATON_END: no more records (*produced may be >= 1
   * for the final ones). ATON_ERROR: see last_error. */
  aton_status (*next_batch)(void* self, const aton_record_builder* builder, size_t max_records,
                            size_t* produced);
  /* Where the source stands; cheap, called after every batch. */
  void (*position)(void* self, aton_source_position* out);
  /* Text of the last ATON_ERROR, owned by the instance. */
  const char* (*last_error)(void* self);
  void (*destroy)(void* self);

  /* ---- ABI 1.1: resumable runs. Both NULL: this source cannot resume. ---- */

  /* Describes, as text the plugin alone reads back (JSON advised), where the
   * source stands right after the last record it emitted: enough for
   * restore_position() in a new process to go on with the next record (a
   * byte offset at a record boundary, a row count, a key), plus whatever
   * identifies the input (size and modification time, a hash of its start)
   * so that a changed input is refused. An empty text means the source
   * cannot say (it reads stdin): no checkpoint is taken there. Called on
   * the source thread after every next_batch(); keep it cheap. *text is owned by the instance and
   * valid until the next call on it. ATON_ERROR: see last_error. */
  aton_status (*save_position)(void* self, const char** text, size_t* length);
  /* Goes back to a position save_position() described, in an instance just
   * made by create() with the same config, before any next_batch(). The next
   * record emitted is the one that followed. ATON_ERROR with a message that
   * says why (the input changed, cannot seek in stdin, ...). */
  aton_status (*restore_position)(void* self, const char* text, size_t length);

  /* ---- ABI 1.3 (read only when abi_minor >= 3). NULL: not asked. ---- */

  /* Checks a config without starting; see aton_check_fn above. */
  aton_check_fn check;
  void* reserved[5];
} aton_source_api;

/* ---- Sinks ------------------------------------------------------------- */

/* One encoded chunk and its metadata, as the streaming encoder guide's
 * "Chunk Structure". Host-owned, valid during write() only. */
typedef struct aton_chunk {
  uint32_t struct_size;
  uint64_t chunk_id;     /* 0-based */
  int64_t total_chunks;  /* -1 while unknown */
  const char* data;      /* ATON text, not NUL-terminated */
  size_t size;
  int is_first;
  int is_last;
  const char* table;     /* NUL-terminated */
  uint64_t records_in_chunk;
  uint64_t start_idx;    /* index of the chunk's first record */
  uint64_t end_idx;      /* one past its last record */
  int64_t total_records; /* -1 while unknown */
  double progress;       /* 0.0 to 1.0 */
  /* ---- ABI 1.4 ---- */
  /* Tokens in data by the run's tokenizer (o200k_base unless configured);
   * -1 when unknown (no tokenizer ranks installed). Present when
   * struct_size covers it. */
  int64_t tokens;
} aton_chunk;

typedef struct aton_sink_api {
  uint32_t struct_size;
  /* As aton_source_api.create. */
  aton_status (*create)(const aton_host_api* host, const char* config_json, size_t config_length,
                        void** instance, char* error, size_t error_size);
  /* Delivers one chunk. Chunks arrive once each, in chunk_id order. */
  aton_status (*write)(void* self, const aton_chunk* chunk);
  /* The run succeeded and every chunk was written: make it final (flush,
   * rename into place). */
  aton_status (*finish)(void* self);
  /* The run failed: discard what is not final. Never fails. */
  void (*abort)(void* self);
  const char* (*last_error)(void* self);
  void (*destroy)(void* self);

  /* ---- ABI 1.1: resumable runs. All NULL: this sink cannot resume. ---- */

  /* Describes, as text the plugin alone reads back, the sink's state right
   * after the last write() (the committed length of a file, the next chunk
   * id to send). The host stores it in the checkpoint once every sink has
   * accepted that chunk. Called on the sink's thread after every write();
   * keep it cheap. *text is owned by the instance, valid until the next call
   * on it. ATON_ERROR: see last_error. */
  aton_status (*save_state)(void* self, const char** text, size_t* length);
  /* Continues from a state save_state() described (possibly one or more
   * chunks older than what was written then: drop what came after it), in
   * an instance just made by create() with the same config, before any
   * write(). The next write() is the chunk after that state. After the
   * state of the last chunk (a run stopped while its sinks were finishing)
   * finish() comes next with no write(): complete the finish, or recognise
   * that the interrupted run completed it, without doing it twice. */
  aton_status (*restore_state)(void* self, const char* text, size_t length);
  /* Called instead of abort() when the run stops (failure, SIGINT, SIGTERM)
   * while a checkpoint holds: keep what restore_state() needs (a temporary
   * file), so `aton run --resume` can go on. Never fails. */
  void (*suspend)(void* self);

  /* ---- ABI 1.3 (read only when abi_minor >= 3). NULL: not asked. ---- */

  /* Checks a config without starting; see aton_check_fn above. */
  aton_check_fn check;
  void* reserved[4];
} aton_sink_api;

/* ---- The descriptor and the entry point -------------------------------- */

typedef struct aton_plugin_descriptor {
  uint32_t abi_major; /* ATON_PLUGIN_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;
  uint32_t struct_size;
  aton_plugin_kind kind;
  const char* name;        /* the word used as "plugin" in configs */
  const char* version;     /* the plugin's own version, e.g. "1.2.0" */
  const char* description; /* one line */
  const aton_option* options;
  size_t option_count;
  const aton_source_api* source; /* kind == ATON_PLUGIN_SOURCE, else NULL */
  const aton_sink_api* sink;     /* kind == ATON_PLUGIN_SINK, else NULL */
  void* reserved[8];
} aton_plugin_descriptor;

#define ATON_PLUGIN_ENTRY_NAME "aton_plugin_entry"

/* The one exported symbol. Returns a pointer to static storage. */
typedef const aton_plugin_descriptor* (*aton_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* ATON_PLUGIN_H */
