/*
 * Host wall-clock time from the CMOS RTC (arch/x86/cmos_clock.h). The RTC
 * updates its registers once a second; a read during the update (register
 * A bit 7, UIP, set for the 244 us before it) could mix two seconds, so
 * the registers are read when UIP is clear, twice, until two reads agree.
 * Register B says BCD or binary (bit 2) and 12- or 24-hour (bit 1).
 */
#include <stdbool.h>

#include "arch/x86/cmos_clock.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "core/log.h"

#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define NMI_DISABLE  0x80       /* keep NMIs masked while we index */
#define REG_A_UIP    0x80
#define REG_B_BINARY 0x04
#define REG_B_24H    0x02
#define HOUR_PM      0x80
#define CENTURY_REG  0x32       /* the PC/AT BIOS convention */
#define MAX_TRIES    1000000

struct rtc_time {
	unsigned sec, min, hour, day, mon, year, century;
};

static uint64_t unix_at_boot, boot_tsc;

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, NMI_DISABLE | reg);
	return inb(CMOS_DATA);
}

static void read_regs(struct rtc_time *t)
{
	t->sec = cmos_read(0);
	t->min = cmos_read(2);
	t->hour = cmos_read(4);
	t->day = cmos_read(7);
	t->mon = cmos_read(8);
	t->year = cmos_read(9);
	t->century = cmos_read(CENTURY_REG);
}

static unsigned from_bcd(unsigned v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	unsigned era = y / 400, yoe = y - era * 400;
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (uint64_t)era * 146097 + doe - 719468;
}

static int same(const struct rtc_time *a, const struct rtc_time *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour &&
	       a->day == b->day && a->mon == b->mon && a->year == b->year &&
	       a->century == b->century;
}

void cmos_clock_read(void)
{
	struct rtc_time t, again;
	unsigned tries = 0;
	uint8_t b;

	do {
		while ((cmos_read(0x0a) & REG_A_UIP) && tries++ < MAX_TRIES)
			;
		read_regs(&t);
		boot_tsc = rdtsc();
		read_regs(&again);
	} while (!same(&t, &again) && tries++ < MAX_TRIES);
	b = cmos_read(0x0b);
	bool pm = (t.hour & HOUR_PM) && !(b & REG_B_24H);
	t.hour &= ~HOUR_PM;
	if (!(b & REG_B_BINARY)) {
		t.sec = from_bcd(t.sec);
		t.min = from_bcd(t.min);
		t.hour = from_bcd(t.hour);
		t.day = from_bcd(t.day);
		t.mon = from_bcd(t.mon);
		t.year = from_bcd(t.year);
		t.century = from_bcd(t.century);
	}
	if (!(b & REG_B_24H))
		t.hour = t.hour % 12 + (pm ? 12 : 0);
	/* no century register (0 or nonsense): the 2000s */
	unsigned year = (t.century >= 19 && t.century <= 29 ? t.century : 20) * 100 + t.year;
	if (t.mon < 1 || t.mon > 12 || t.day < 1 || t.day > 31 || t.hour > 23 ||
	    t.min > 59 || t.sec > 59 || tries >= MAX_TRIES) {
		printk("rtc: the CMOS clock reads nonsense; VM clocks start at 1970\n");
		unix_at_boot = 0;
		return;
	}
	unix_at_boot = days_from_civil(year, t.mon, t.day) * 86400 +
		       t.hour * 3600 + t.min * 60 + t.sec;
	printk("rtc: %04u-%02u-%02u %02u:%02u:%02u UTC\n", year, t.mon, t.day,
	       t.hour, t.min, t.sec);
}

uint64_t cmos_clock_unix_at_boot(void)
{
	return unix_at_boot;
}

uint64_t cmos_clock_boot_tsc(void)
{
	return boot_tsc;
}
