/*
 * The hypervisor's own printf-style formatter. Freestanding and host-testable.
 *
 * Supported: %d %i %u %x %X %o %p %s %c %% with flags '-', '0', '+', ' ', '#',
 * a width and precision (numbers or '*'), and the length modifiers hh h l ll z t j.
 * Unknown conversions are printed literally so a typo never eats arguments
 * silently.
 */
#ifndef CORE_FORMAT_H
#define CORE_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Called once per output character. */
typedef void (*fmt_putc_fn)(void *ctx, char c);

/* Returns the number of characters produced. */
size_t fmt_vformat(fmt_putc_fn putc, void *ctx, const char *fmt, va_list ap);

/* snprintf: always NUL-terminates when size > 0; returns the full length. */
size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
