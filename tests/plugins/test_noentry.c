/* test_noentry: a shared library named like a plugin that exports no
 * aton_plugin_entry (hidden visibility keeps this function internal). */
int test_noentry_helper(void) { return 42; }
