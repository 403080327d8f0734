/* test_abi12: a sink built for plugin ABI 1.2, written in plain C with its
 * tables defined by hand. It accepts and discards every chunk. The slot that
 * ABI 1.3 calls check() holds a function that refuses every config: a host
 * that read the slot of a 1.2 plugin (whose slot is reserved, so anything
 * may be there) would refuse the config, which the tests would see. */
#include <aton/plugin.h>

#include <stdlib.h>
#include <string.h>

static aton_status refuse_everything(const aton_host_api* host, const char* config_json, size_t config_length,
                                     char* problems, size_t problems_size) {
  static const char text[] = "[{\"pointer\":\"\",\"message\":\"check() of a 1.2 plugin was called\"}]";
  (void)host;
  (void)config_json;
  (void)config_length;
  if (problems_size >= sizeof text) memcpy(problems, text, sizeof text);
  return ATON_ERROR;
}

static aton_status create(const aton_host_api* host, const char* config_json, size_t config_length,
                          void** instance, char* error, size_t error_size) {
  (void)host;
  (void)config_json;
  (void)config_length;
  (void)error;
  (void)error_size;
  *instance = malloc(1);
  return *instance ? ATON_OK : ATON_ERROR;
}

static aton_status write_chunk(void* self, const aton_chunk* chunk) {
  (void)self;
  (void)chunk;
  return ATON_OK;
}

static aton_status finish(void* self) {
  (void)self;
  return ATON_OK;
}

static void abort_run(void* self) { (void)self; }

static const char* last_error(void* self) {
  (void)self;
  return "";
}

static void destroy(void* self) { free(self); }

static const aton_sink_api sink = {
    .struct_size = sizeof(aton_sink_api),
    .create = create,
    .write = write_chunk,
    .finish = finish,
    .abort = abort_run,
    .last_error = last_error,
    .destroy = destroy,
    .check = refuse_everything,
};

static const aton_plugin_descriptor descriptor = {
    1, 2, sizeof(aton_plugin_descriptor), ATON_PLUGIN_SINK,
    "test_abi12", "1.2.0", "A sink built for ABI 1.2 that discards every chunk.", NULL, 0, NULL, &sink, {0}};

ATON_PLUGIN_EXPORT const aton_plugin_descriptor* aton_plugin_entry(void) { return &descriptor; }
