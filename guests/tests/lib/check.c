/*
 * One line per check and a final tally, in the format the system tests
 * match (docs/test-guests.md, "Output format"):
 *   <guest>: PASS <what>        <guest>: FAIL <what>
 *   <guest>: PASS <n>/<n>       <guest>: FAIL <passed>/<n>
 * The run ends with OUT <failures> to the exit port (0 = success), and HLT
 * in case the exit port is not there.
 */
#include "guest.h"

static unsigned int passed, failed;

static void line(const char *verdict, const char *fmt, va_list ap)
{
	con_printf("%s: %s", guest_name, verdict);
	con_vprintf(fmt, ap);
	con_putc('\n');
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("", fmt, ap);
	va_end(ap);
}

bool check_count(bool ok)
{
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	check_count(ok);
	va_start(ap, fmt);
	line(ok ? "PASS " : "FAIL ", fmt, ap);
	va_end(ap);
	return ok;
}

unsigned int finish(void)
{
	unsigned int total = passed + failed;

	if (failed)
		con_printf("%s: FAIL %u/%u\n", guest_name, passed, total);
	else
		con_printf("%s: PASS %u/%u\n", guest_name, total, total);
	return failed;
}

void guest_exit(unsigned int status)
{
	outb(DEBUG_EXIT_PORT, status > 255 ? 255 : (uint8_t)status);
	for (;;)
		__asm__ volatile("cli; hlt");
}
