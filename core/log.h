/*
 * Console logging and panic. printk() writes to the serial console (with
 * \n -> \r\n); panic() prints, dumps nothing more and halts this CPU.
 * The exception path calls its own dump before panic_halt().
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdarg.h>

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);

__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...);

#endif
