/*
 * Boot command line options: space-separated "key" or "key=value" words.
 * Pure functions over a string; host-tested.
 */
#ifndef CORE_CMDLINE_H
#define CORE_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies the value of the last "key=value" word into buf (NUL-terminated,
 * truncated to size-1) and returns true; a bare "key" yields "". Returns false
 * when the key is absent.
 */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

#endif
