/* Console output for the hypervisor (see core/log.h). Single CPU for now;
 * SMP will add a lock around one printk so lines do not interleave. */
#include "core/log.h"
#include "core/format.h"
#include "arch/x86/serial.h"
#include "arch/x86/cpu.h"

static void console_putc(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

void vprintk(const char *fmt, va_list ap)
{
	fmt_vformat(console_putc, 0, fmt, ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	printk("\nPANIC: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\nBareKVM halted.\n");
	cpu_halt_forever();
}
