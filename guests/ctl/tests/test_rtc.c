/*
 * Host unit tests for the MC146818 RTC and CMOS (guests/ctl/dev_rtc146818.c):
 * the calendar in BCD and binary, 24- and 12-hour form; UIP before each
 * update; setting the time with SET and with a divider reset; update-ended,
 * periodic and alarm interrupts, register C, rtc_next_event; the index
 * port's NMI bit; the BIOS memory bytes; the bus. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "guests/ctl/devices.h"

#define SEC 1000000000ULL
#define T_2023 1700000000ULL    /* 2023-11-14 22:13:20 UTC, a Tuesday */

static int irq_trace[32];
static int nirq;

static void record_irq(void *ctx, int level)
{
	assert_ptr_equal(ctx, &nirq);
	assert_true(nirq < (int)(sizeof(irq_trace) / sizeof(irq_trace[0])));
	irq_trace[nirq++] = level;
}

static uint8_t cmos_get(struct rtc146818 *r, unsigned index)
{
	rtc_write(r, 0, (uint8_t)index);
	return rtc_read(r, 1);
}

static void cmos_put(struct rtc146818 *r, unsigned index, uint8_t value)
{
	rtc_write(r, 0, (uint8_t)index);
	rtc_write(r, 1, value);
}

static void start(struct rtc146818 *r, uint64_t unix_seconds)
{
	nirq = 0;
	rtc_init(r, record_irq, &nirq, unix_seconds);
}

static void expect_time(struct rtc146818 *r, const uint8_t want[8])
{
	static const unsigned regs[] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS,
					 RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH,
					 RTC_MONTH, RTC_YEAR, RTC_CENTURY };

	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(cmos_get(r, regs[i]), want[i]);
}

static void test_rtc_power_on(void **state)
{
	struct rtc146818 r;
	static const uint8_t bcd[] = { 0x20, 0x13, 0x22, 3, 0x14, 0x11, 0x23, 0x20 };

	(void)state;
	start(&r, T_2023);
	expect_time(&r, bcd);
	assert_int_equal(cmos_get(&r, RTC_REG_A), 0x26);
	assert_int_equal(cmos_get(&r, RTC_REG_B), 0x02);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0x00);
	assert_int_equal(cmos_get(&r, RTC_REG_D), 0x80);
	assert_int_equal(rtc_irq_level(&r), 0);
	assert_int_equal(rtc_next_event(&r), RTC_NEVER);
	assert_int_equal(rtc_unix_seconds(&r), T_2023);
}

static void test_rtc_binary_and_12_hour(void **state)
{
	struct rtc146818 r;
	static const uint8_t bin12[] = { 20, 13, 0x80 | 10, 3, 14, 11, 23, 20 };
	static const uint8_t bin24[] = { 20, 13, 22, 3, 14, 11, 23, 20 };
	static const uint8_t bcd12[] = { 0x20, 0x13, 0x90, 3, 0x14, 0x11, 0x23, 0x20 };

	(void)state;
	start(&r, T_2023);
	cmos_put(&r, RTC_REG_B, RTC_B_DM_BINARY);
	expect_time(&r, bin12);
	cmos_put(&r, RTC_REG_B, RTC_B_DM_BINARY | RTC_B_24H);
	expect_time(&r, bin24);
	cmos_put(&r, RTC_REG_B, 0);
	expect_time(&r, bcd12);
	/* noon is 12 PM, midnight 12 AM */
	start(&r, T_2023 - 22 * 3600 + 12 * 3600);
	cmos_put(&r, RTC_REG_B, 0);
	assert_int_equal(cmos_get(&r, RTC_HOURS), 0x92);
	start(&r, T_2023 - 22 * 3600);
	cmos_put(&r, RTC_REG_B, 0);
	assert_int_equal(cmos_get(&r, RTC_HOURS), 0x12);
}

static void test_rtc_calendar(void **state)
{
	struct rtc146818 r;
	static const uint8_t epoch[] = { 0, 0, 0, 5, 1, 1, 0x70, 0x19 };
	static const uint8_t leap2000[] = { 0, 0, 0, 3, 0x29, 2, 0, 0x20 };
	static const uint8_t leap2024[] = { 0, 0, 0, 5, 0x29, 2, 0x24, 0x20 };
	static const uint8_t last[] = { 0x59, 0x59, 0x23, 5, 0x31, 0x12, 0x99, 0x20 };

	(void)state;
	start(&r, 0);
	expect_time(&r, epoch);
	start(&r, 951782400);
	expect_time(&r, leap2000);
	start(&r, 1709164800);
	expect_time(&r, leap2024);
	start(&r, 4102444799);
	expect_time(&r, last);
}

static void test_rtc_seconds_and_uip(void **state)
{
	struct rtc146818 r;

	(void)state;
	start(&r, T_2023);
	rtc_advance(&r, SEC - 244001);
	assert_int_equal(cmos_get(&r, RTC_REG_A), 0x26);
	rtc_advance(&r, SEC - 244000);
	/* UIP: Linux's mc146818_get_time polls until it clears */
	assert_int_equal(cmos_get(&r, RTC_REG_A), 0xa6);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x20);
	rtc_advance(&r, SEC - 1);
	assert_int_equal(cmos_get(&r, RTC_REG_A), 0xa6);
	rtc_advance(&r, SEC);
	assert_int_equal(cmos_get(&r, RTC_REG_A), 0x26);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x21);
	/* time never goes back */
	rtc_advance(&r, 10);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x21);
	/* 40 s on: the minute and hour carry */
	rtc_advance(&r, 40 * SEC);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x00);
	assert_int_equal(cmos_get(&r, RTC_MINUTES), 0x14);
	assert_int_equal(r.updates, 2);
	/* the UIP bit cannot be written */
	cmos_put(&r, RTC_REG_A, 0xa6);
	assert_int_equal(cmos_get(&r, RTC_REG_A), 0x26);
}

static void set_2030(struct rtc146818 *r)
{
	cmos_put(r, RTC_SECONDS, 0x56);
	cmos_put(r, RTC_MINUTES, 0x34);
	cmos_put(r, RTC_HOURS, 0x12);
	cmos_put(r, RTC_DAY_OF_MONTH, 0x15);
	cmos_put(r, RTC_MONTH, 0x06);
	cmos_put(r, RTC_YEAR, 0x30);
}

static void test_rtc_set_time(void **state)
{
	struct rtc146818 r;

	(void)state;
	start(&r, T_2023);
	rtc_advance(&r, SEC / 3);
	cmos_put(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H);
	set_2030(&r);
	/* stopped: the registers hold what was written, UIP stays clear */
	rtc_advance(&r, 5 * SEC - 100000);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x56);
	assert_int_equal(cmos_get(&r, RTC_REG_A), 0x26);
	assert_int_equal(r.updates, 0);
	cmos_put(&r, RTC_REG_B, RTC_B_24H);
	assert_int_equal(rtc_unix_seconds(&r), 1907757296);
	/* restarted: the first update a second later */
	rtc_advance(&r, 6 * SEC - 100001);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x56);
	rtc_advance(&r, 6 * SEC - 100000);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x57);
	assert_int_equal(cmos_get(&r, RTC_MINUTES), 0x34);
	/* a write while running takes effect and the clock keeps counting */
	cmos_put(&r, RTC_MINUTES, 0x00);
	assert_int_equal(cmos_get(&r, RTC_MINUTES), 0x00);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x57);
	assert_int_equal(rtc_unix_seconds(&r), 1907757296 + 1 - 34 * 60);
}

static void test_rtc_divider_reset(void **state)
{
	struct rtc146818 r;

	(void)state;
	start(&r, T_2023);
	/* Linux's mc146818_set_time: SET, then the divider held in reset */
	cmos_put(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H);
	cmos_put(&r, RTC_REG_A, 0x70);
	set_2030(&r);
	cmos_put(&r, RTC_REG_B, RTC_B_24H);
	rtc_advance(&r, 3 * SEC);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x56);     /* still stopped */
	/* released: the first update half a second later */
	cmos_put(&r, RTC_REG_A, 0x26);
	rtc_advance(&r, 3 * SEC + SEC / 2 - 1);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x56);
	rtc_advance(&r, 3 * SEC + SEC / 2);
	assert_int_equal(cmos_get(&r, RTC_SECONDS), 0x57);
}

static void test_rtc_update_interrupt(void **state)
{
	struct rtc146818 r;

	(void)state;
	start(&r, T_2023);
	cmos_put(&r, RTC_REG_A, 0x20);          /* no periodic flag */
	rtc_advance(&r, SEC / 4);
	cmos_put(&r, RTC_REG_B, RTC_B_UIE | RTC_B_24H);
	assert_int_equal(rtc_next_event(&r), SEC);
	rtc_advance(&r, SEC - 1);
	assert_int_equal(nirq, 0);
	rtc_advance(&r, SEC);
	assert_int_equal(nirq, 1);
	assert_int_equal(irq_trace[0], 1);
	assert_int_equal(rtc_irq_level(&r), 1);
	/* reading C returns IRQF | UF, clears it and lowers the line */
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0x90);
	assert_int_equal(nirq, 2);
	assert_int_equal(irq_trace[1], 0);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0x00);
	assert_int_equal(rtc_next_event(&r), 2 * SEC);
	/* UF is set without UIE, but raises nothing */
	cmos_put(&r, RTC_REG_B, RTC_B_24H);
	assert_int_equal(rtc_next_event(&r), RTC_NEVER);
	rtc_advance(&r, 2 * SEC);
	assert_int_equal(nirq, 2);
	/* enabling UIE with UF set raises IRQ at once */
	cmos_put(&r, RTC_REG_B, RTC_B_UIE | RTC_B_24H);
	assert_int_equal(nirq, 3);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0x90);
	/* SET clears UIE */
	cmos_put(&r, RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
	assert_int_equal(cmos_get(&r, RTC_REG_B), RTC_B_SET | RTC_B_24H);
	assert_int_equal(rtc_next_event(&r), RTC_NEVER);
}

static void test_rtc_periodic_interrupt(void **state)
{
	struct rtc146818 r;

	(void)state;
	start(&r, T_2023);
	/* rate 6: 1024 Hz, 32 ticks of 32.768 kHz = 976562.5 ns */
	cmos_put(&r, RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	assert_int_equal(rtc_next_event(&r), 976563);
	rtc_advance(&r, 976562);
	assert_int_equal(rtc_irq_level(&r), 0);
	rtc_advance(&r, 976563);
	assert_int_equal(rtc_irq_level(&r), 1);
	assert_int_equal(rtc_next_event(&r), 1953125);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0xc0);
	assert_int_equal(rtc_irq_level(&r), 0);
	/* rate 15: 2 Hz; rate 1: 256 Hz (3.90625 ms); rate 0: off */
	cmos_put(&r, RTC_REG_A, 0x2f);
	assert_int_equal(rtc_next_event(&r), SEC / 2);
	cmos_put(&r, RTC_REG_A, 0x21);
	assert_int_equal(rtc_next_event(&r), 3906250);
	cmos_put(&r, RTC_REG_A, 0x20);
	assert_int_equal(rtc_next_event(&r), RTC_NEVER);
	rtc_advance(&r, 5 * SEC);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0x10);        /* UF only */
	/* rate 3 (8192 Hz, 122070.3125 ns) keeps ticking while SET holds the
	 * registers: the divider runs */
	cmos_put(&r, RTC_REG_A, 0x23);
	cmos_put(&r, RTC_REG_B, RTC_B_SET | RTC_B_PIE | RTC_B_24H);
	assert_int_equal(rtc_next_event(&r), 5 * SEC + 122071);
	rtc_advance(&r, 5 * SEC + 122071);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0xc0);
	/* a divider reset stops it */
	cmos_put(&r, RTC_REG_A, 0x63);
	assert_int_equal(rtc_next_event(&r), RTC_NEVER);
	assert_int_equal(r.periodic_ticks, 2);   /* advances that set PF */
}

static void test_rtc_alarm_interrupt(void **state)
{
	struct rtc146818 r;

	(void)state;
	start(&r, T_2023);                      /* 22:13:20 */
	cmos_put(&r, RTC_REG_A, 0x20);          /* no periodic flag */
	cmos_put(&r, RTC_SECONDS_ALARM, 0x23);
	cmos_put(&r, RTC_MINUTES_ALARM, 0x13);
	cmos_put(&r, RTC_HOURS_ALARM, 0x22);
	cmos_put(&r, RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	assert_int_equal(rtc_next_event(&r), 3 * SEC);
	rtc_advance(&r, 2 * SEC);
	assert_int_equal(rtc_irq_level(&r), 0);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0x10);        /* UF only */
	rtc_advance(&r, 3 * SEC);
	assert_int_equal(rtc_irq_level(&r), 1);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0xb0);
	/* next match a day later */
	assert_int_equal(rtc_next_event(&r), (3 + 86400) * SEC);
	/* an alarm passed over in one long step still fires */
	rtc_advance(&r, (10 + 86400) * SEC);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0xb0);
	/* don't-care seconds and minutes: every second of the hour */
	cmos_put(&r, RTC_SECONDS_ALARM, 0xc0);
	cmos_put(&r, RTC_MINUTES_ALARM, 0xff);
	assert_int_equal(rtc_next_event(&r), (11 + 86400) * SEC);
	/* 12-hour form: 10 PM */
	cmos_put(&r, RTC_REG_B, RTC_B_AIE);
	cmos_put(&r, RTC_HOURS_ALARM, 0x90);
	assert_int_equal(rtc_next_event(&r), (11 + 86400) * SEC);
	cmos_put(&r, RTC_HOURS_ALARM, 0x10);    /* 10 AM: 11:46:49 later */
	assert_int_equal(rtc_next_event(&r), (86400 + 12 * 3600 - 13 * 60 - 20) * SEC);
	/* a byte no seconds register holds (75, or 0x1a in BCD) never matches */
	cmos_put(&r, RTC_SECONDS_ALARM, 0x75);
	assert_int_equal(rtc_next_event(&r), RTC_NEVER);
	cmos_put(&r, RTC_SECONDS_ALARM, 0x1a);
	assert_int_equal(rtc_next_event(&r), RTC_NEVER);
	/* binary, 24-hour: the bytes compare in binary; 22:13:00 tomorrow */
	cmos_put(&r, RTC_REG_B, RTC_B_AIE | RTC_B_24H | RTC_B_DM_BINARY);
	cmos_put(&r, RTC_SECONDS_ALARM, 0);
	cmos_put(&r, RTC_MINUTES_ALARM, 13);
	cmos_put(&r, RTC_HOURS_ALARM, 22);
	assert_int_equal(rtc_next_event(&r), (2 * 86400 - 20) * SEC);
	assert_int_equal(r.alarms, 2);
}

static void test_rtc_index_and_ram(void **state)
{
	struct rtc146818 r;

	(void)state;
	start(&r, T_2023);
	rtc_write(&r, 0, 0x80 | 0x40);
	assert_true(rtc_nmi_masked(&r));
	rtc_write(&r, 1, 0xa5);
	assert_int_equal(rtc_read(&r, 1), 0xa5);
	assert_int_equal(rtc_read(&r, 0), 0xff);        /* write-only */
	rtc_write(&r, 0, 0x40);
	assert_false(rtc_nmi_masked(&r));
	assert_int_equal(rtc_read(&r, 1), 0xa5);
	cmos_put(&r, 0x7f, 0x11);
	assert_int_equal(cmos_get(&r, 0xff), 0x11);     /* index is 7 bits */
	/* C and D are read-only */
	cmos_put(&r, RTC_REG_C, 0xff);
	cmos_put(&r, RTC_REG_D, 0x00);
	assert_int_equal(cmos_get(&r, RTC_REG_C), 0x00);
	assert_int_equal(cmos_get(&r, RTC_REG_D), 0x80);
	assert_int_equal(rtc_irq_level(&r), 0);
	/* the alarm bytes are plain storage */
	cmos_put(&r, RTC_HOURS_ALARM, 0x77);
	assert_int_equal(cmos_get(&r, RTC_HOURS_ALARM), 0x77);
}

static void test_rtc_garbage_time(void **state)
{
	struct rtc146818 r;
	static const uint8_t clamped[] = { 0x59, 0x59, 0x23, 5, 0x31, 0x12, 0x99, 0x20 };

	(void)state;
	start(&r, T_2023);
	cmos_put(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H);
	for (unsigned i = 0; i <= RTC_YEAR; i++)
		cmos_put(&r, i, 0xff);
	cmos_put(&r, RTC_YEAR, 0x99);
	cmos_put(&r, RTC_CENTURY, 0x20);
	cmos_put(&r, RTC_REG_B, RTC_B_24H);
	/* out-of-range fields clamp: 2099-12-31 23:59:59 */
	expect_time(&r, clamped);
	/* a century byte that is neither 19 nor 20: years 70-99 are 19xx */
	cmos_put(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H);
	cmos_put(&r, RTC_CENTURY, 0x42);
	cmos_put(&r, RTC_REG_B, RTC_B_24H);
	assert_int_equal(cmos_get(&r, RTC_CENTURY), 0x19);
	assert_int_equal(rtc_unix_seconds(&r), 946684799);       /* 1999-12-31 */
}

static void test_rtc_memory_bytes(void **state)
{
	struct rtc146818 r;
	unsigned sum = 0;

	(void)state;
	start(&r, T_2023);
	rtc_set_memory_size(&r, 8ULL << 20);
	assert_int_equal(cmos_get(&r, 0x15), 0x80);     /* 640 KiB */
	assert_int_equal(cmos_get(&r, 0x16), 0x02);
	assert_int_equal(cmos_get(&r, 0x17), 0x00);     /* 7168 KiB */
	assert_int_equal(cmos_get(&r, 0x18), 0x1c);
	assert_int_equal(cmos_get(&r, 0x30), 0x00);
	assert_int_equal(cmos_get(&r, 0x31), 0x1c);
	assert_int_equal(cmos_get(&r, 0x34), 0x00);
	assert_int_equal(cmos_get(&r, 0x35), 0x00);
	assert_int_equal(cmos_get(&r, 0x14), 0x02);
	assert_int_equal(cmos_get(&r, 0x0e), 0x00);
	assert_int_equal(cmos_get(&r, 0x10), 0x00);
	rtc_set_memory_size(&r, 512ULL << 20);
	assert_int_equal(cmos_get(&r, 0x17), 0xff);     /* capped */
	assert_int_equal(cmos_get(&r, 0x18), 0xff);
	assert_int_equal(cmos_get(&r, 0x34), 0x00);     /* 496 MiB / 64 KiB */
	assert_int_equal(cmos_get(&r, 0x35), 0x1f);
	assert_int_equal(cmos_get(&r, 0x5b), 0x00);
	for (unsigned i = 0x10; i < 0x2e; i++)
		sum += cmos_get(&r, i);
	assert_int_equal(cmos_get(&r, 0x2e), (sum >> 8) & 0xff);
	assert_int_equal(cmos_get(&r, 0x2f), sum & 0xff);
	rtc_set_memory_size(&r, 6ULL << 30);
	assert_int_equal(cmos_get(&r, 0x34), 0x00);     /* 4080 MiB / 64 KiB */
	assert_int_equal(cmos_get(&r, 0x35), 0xff);
	assert_int_equal(cmos_get(&r, 0x5b), 0x00);     /* 2 GiB / 64 KiB */
	assert_int_equal(cmos_get(&r, 0x5c), 0x80);
	assert_int_equal(cmos_get(&r, 0x5d), 0x00);
	rtc_set_memory_layout(&r, 3ULL << 30, 1ULL << 40);
	assert_int_equal(cmos_get(&r, 0x34), 0x00);     /* 3056 MiB */
	assert_int_equal(cmos_get(&r, 0x35), 0xbf);
	assert_int_equal(cmos_get(&r, 0x5b), 0xff);     /* 2^24 units: capped */
	assert_int_equal(cmos_get(&r, 0x5c), 0xff);
	assert_int_equal(cmos_get(&r, 0x5d), 0xff);
	assert_int_equal(cmos_get(&r, RTC_CENTURY), 0x20);
}

static void test_rtc_on_bus(void **state)
{
	struct rtc146818 r;
	struct io_bus bus;

	(void)state;
	start(&r, T_2023);
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, RTC_PORT, RTC_NPORTS, &rtc146818_bus_ops,
					 &r, "rtc"), 0);
	io_bus_write(&bus, 0x70, 1, RTC_MINUTES);
	assert_int_equal(io_bus_read(&bus, 0x71, 1), 0x13);
	/* a word OUT at 0x70: index, then data */
	io_bus_write(&bus, 0x70, 2, 0x5a40);
	assert_int_equal(cmos_get(&r, 0x40), 0x5a);
	io_bus_write(&bus, 0x70, 1, 0x40);
	assert_int_equal(io_bus_read(&bus, 0x70, 2), 0x5aff);
	assert_int_equal(io_bus_read(&bus, 0x71, 2), 0xff5a);
	assert_int_equal(r.writes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtc_power_on),
		cmocka_unit_test(test_rtc_binary_and_12_hour),
		cmocka_unit_test(test_rtc_calendar),
		cmocka_unit_test(test_rtc_seconds_and_uip),
		cmocka_unit_test(test_rtc_set_time),
		cmocka_unit_test(test_rtc_divider_reset),
		cmocka_unit_test(test_rtc_update_interrupt),
		cmocka_unit_test(test_rtc_periodic_interrupt),
		cmocka_unit_test(test_rtc_alarm_interrupt),
		cmocka_unit_test(test_rtc_index_and_ram),
		cmocka_unit_test(test_rtc_garbage_time),
		cmocka_unit_test(test_rtc_memory_bytes),
		cmocka_unit_test(test_rtc_on_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
