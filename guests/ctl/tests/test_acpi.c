/*
 * Host unit tests for the ACPI tables (guests/ctl/acpi_tables.c) and the
 * ACPI fixed-feature registers (guests/ctl/dev_acpi_pm.c). The tables are
 * parsed back from the RAM buffer the way an OS does (RSDP -> RSDT ->
 * tables), each field checked at its offset in the specification, written
 * here as numbers so they check the header's macros too. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/devices.h"
#include "guests/ctl/loader.h"

#define RAM_BYTES       (2u << 20)
#define SEC             1000000000ULL

/* ---- tables ---------------------------------------------------------------- */

static uint8_t *ram_buf;
static struct guest_ram ram;

static int setup_ram(void **state)
{
	(void)state;
	ram_buf = calloc(1, RAM_BYTES);
	ram = (struct guest_ram){ .base = ram_buf, .bytes = RAM_BYTES };
	return ram_buf ? 0 : -1;
}

static int teardown_ram(void **state)
{
	(void)state;
	free(ram_buf);
	return 0;
}

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static void write_tables(uint64_t gpa)
{
	struct load_error err = { "" };
	uint32_t rsdp = 0;

	assert_int_equal(acpi_tables_write(&ram, gpa, &rsdp, &err), 0);
	assert_int_equal(rsdp, gpa);
}

/* A table the OS would accept: signature, length, checksum, revision 1,
 * our OEM id. Returns its bytes. */
static const uint8_t *table_at(uint32_t gpa, const char *sig, uint32_t length)
{
	const uint8_t *t;

	assert_true(gpa + length <= RAM_BYTES);
	t = ram_buf + gpa;
	assert_memory_equal(t, sig, 4);
	assert_int_equal(rd32(t + 4), length);
	assert_int_equal(t[8], 1);
	assert_int_equal(sum(t, length), 0);
	assert_memory_equal(t + 10, "BAREKV", 6);
	return t;
}

/* The RSDT's entry whose table has signature sig. */
static uint32_t find_table(uint32_t rsdp, const char *sig)
{
	const uint8_t *r = ram_buf + rsdp;
	uint32_t rsdt = rd32(r + 16);
	uint32_t len = rd32(ram_buf + rsdt + 4);

	for (uint32_t off = 36; off + 4 <= len; off += 4) {
		uint32_t t = rd32(ram_buf + rsdt + off);

		if (memcmp(ram_buf + t, sig, 4) == 0)
			return t;
	}
	fail_msg("no %s in the RSDT", sig);
	return 0;
}

static void test_rsdp(void **state)
{
	const uint8_t *r = ram_buf + 0xe0000;

	(void)state;
	write_tables(ACPI_RSDP_GPA);
	assert_int_equal(ACPI_RSDP_GPA, 0xe0000);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_memory_equal(r + 9, "BAREKV", 6);
	assert_int_equal(r[15], 0);                     /* revision 0: ACPI 1.0 */
	assert_int_equal(rd32(r + 16), 0xe0080);
	/* Nothing past the 20 bytes of a revision-0 RSDP. */
	for (unsigned i = 20; i < 0x40; i++)
		assert_int_equal(r[i], 0);
}

static void test_rsdt(void **state)
{
	const uint8_t *t;

	(void)state;
	write_tables(ACPI_RSDP_GPA);
	t = table_at(0xe0080, "RSDT", 44);
	assert_memory_equal(t + 16, "BAREKVM ", 8);
	assert_memory_equal(t + 28, "BKVM", 4);
	assert_int_equal(rd32(t + 36), 0xe00c0);
	assert_int_equal(rd32(t + 40), 0xe0140);
	table_at(rd32(t + 36), "FACP", 116);
	table_at(rd32(t + 40), "APIC", 90);
}

static void test_fadt(void **state)
{
	const uint8_t *f;

	(void)state;
	write_tables(ACPI_RSDP_GPA);
	f = table_at(find_table(0xe0000, "FACP"), "FACP", 116);
	assert_int_equal(rd32(f + 36), 0xe0040);        /* FIRMWARE_CTRL */
	assert_int_equal(rd32(f + 40), 0xe01a0);        /* DSDT */
	assert_int_equal(f[44], 0);                     /* INT_MODEL */
	assert_int_equal(rd16(f + 46), 9);              /* SCI_INT */
	assert_int_equal(rd32(f + 48), 0);              /* SMI_CMD */
	assert_int_equal(f[52], 0);                     /* ACPI_ENABLE */
	assert_int_equal(f[53], 0);                     /* ACPI_DISABLE */
	assert_int_equal(rd32(f + 56), 0x600);          /* PM1a_EVT_BLK */
	assert_int_equal(rd32(f + 60), 0);              /* PM1b_EVT_BLK */
	assert_int_equal(rd32(f + 64), 0x604);          /* PM1a_CNT_BLK */
	assert_int_equal(rd32(f + 68), 0);              /* PM1b_CNT_BLK */
	assert_int_equal(rd32(f + 72), 0);              /* PM2_CNT_BLK */
	assert_int_equal(rd32(f + 76), 0x608);          /* PM_TMR_BLK */
	assert_int_equal(rd32(f + 80), 0);              /* GPE0_BLK */
	assert_int_equal(rd32(f + 84), 0);              /* GPE1_BLK */
	assert_int_equal(f[88], 4);                     /* PM1_EVT_LEN */
	assert_int_equal(f[89], 2);                     /* PM1_CNT_LEN */
	assert_int_equal(f[90], 0);                     /* PM2_CNT_LEN */
	assert_int_equal(f[91], 4);                     /* PM_TMR_LEN */
	assert_int_equal(f[92], 0);                     /* GPE0_BLK_LEN */
	assert_int_equal(f[93], 0);                     /* GPE1_BLK_LEN */
	assert_true(rd16(f + 96) > 100);                /* P_LVL2_LAT: no C2 */
	assert_true(rd16(f + 98) > 1000);               /* P_LVL3_LAT: no C3 */
	assert_int_equal(f[108], 0x32);                 /* CENTURY */
	/* WBINVD 0, PROC_C1 2, PWR_BUTTON 4, SLP_BUTTON 5, FIX_RTC 6,
	 * TMR_VAL_EXT 8. */
	assert_int_equal(rd32(f + 112), 0x175);
}

static void test_facs(void **state)
{
	const uint8_t *f;
	uint32_t gpa;

	(void)state;
	write_tables(ACPI_RSDP_GPA);
	gpa = rd32(ram_buf + find_table(0xe0000, "FACP") + 36);
	assert_int_equal(gpa % 64, 0);                  /* spec: 64-byte aligned */
	f = ram_buf + gpa;
	assert_memory_equal(f, "FACS", 4);
	assert_int_equal(rd32(f + 4), 64);
	assert_int_equal(rd32(f + 8), 0);               /* hardware signature */
	assert_int_equal(rd32(f + 12), 0);              /* waking vector */
	assert_int_equal(rd32(f + 16), 0);              /* global lock */
	assert_int_equal(rd32(f + 20), 0);              /* flags: no S4BIOS */
}

static void test_dsdt(void **state)
{
	static const uint8_t s5[] = {
		0x08, 0x5f, 0x53, 0x35, 0x5f,   /* Name (_S5_ */
		0x12, 0x08, 0x04,               /* Package, 8 bytes, 4 elements */
		0x0a, 0x05, 0x0a, 0x05,         /* 5, 5 */
		0x00, 0x00,                     /* 0, 0 */
	};
	const uint8_t *d;

	(void)state;
	write_tables(ACPI_RSDP_GPA);
	d = table_at(rd32(ram_buf + find_table(0xe0000, "FACP") + 40), "DSDT", 50);
	assert_memory_equal(d + 36, s5, sizeof(s5));
	/* PkgLength: from itself to the end of the package. */
	assert_int_equal(d[36 + 6], 50 - (36 + 6));
	/* SLP_TYP as the PM device wants it for S5. */
	assert_int_equal(d[36 + 9], ACPI_SLP_TYP_S5);
}

static void test_madt(void **state)
{
	const uint8_t *m, *e;

	(void)state;
	write_tables(ACPI_RSDP_GPA);
	m = table_at(find_table(0xe0000, "APIC"), "APIC", 90);
	assert_int_equal(rd32(m + 36), 0xfee00000);
	assert_int_equal(rd32(m + 40), 1);             /* PCAT_COMPAT */
	e = m + 44;
	/* processor local APIC: processor 0, APIC id 0, enabled */
	assert_int_equal(e[0], 0);
	assert_int_equal(e[1], 8);
	assert_int_equal(e[2], 0);
	assert_int_equal(e[3], 0);
	assert_int_equal(rd32(e + 4), 1);
	e += e[1];
	/* IO-APIC id 1 at 0xfec00000, GSI base 0 */
	assert_int_equal(e[0], 1);
	assert_int_equal(e[1], 12);
	assert_int_equal(e[2], 1);
	assert_int_equal(e[3], 0);
	assert_int_equal(rd32(e + 4), 0xfec00000);
	assert_int_equal(rd32(e + 8), 0);
	e += e[1];
	/* ISA IRQ 0 -> GSI 2, conforming */
	assert_int_equal(e[0], 2);
	assert_int_equal(e[1], 10);
	assert_int_equal(e[2], 0);
	assert_int_equal(e[3], 0);
	assert_int_equal(rd32(e + 4), 2);
	assert_int_equal(rd16(e + 8), 0);
	e += e[1];
	/* ISA IRQ 9 -> GSI 9, active high, level */
	assert_int_equal(e[0], 2);
	assert_int_equal(e[1], 10);
	assert_int_equal(e[2], 0);
	assert_int_equal(e[3], 9);
	assert_int_equal(rd32(e + 4), 9);
	assert_int_equal(rd16(e + 8), 0x000d);
	e += e[1];
	/* local APIC NMI: every processor, LINT1 */
	assert_int_equal(e[0], 4);
	assert_int_equal(e[1], 6);
	assert_int_equal(e[2], 0xff);
	assert_int_equal(rd16(e + 3), 0);
	assert_int_equal(e[5], 1);
	e += e[1];
	assert_ptr_equal(e, m + 90);                    /* nothing else */
}

/* The structures follow the RSDP wherever it goes. */
static void test_tables_elsewhere(void **state)
{
	const uint8_t *f;

	(void)state;
	write_tables(0xe8040);
	assert_int_equal(sum(ram_buf + 0xe8040, 20), 0);
	assert_int_equal(rd32(ram_buf + 0xe8040 + 16), 0xe80c0);
	f = table_at(find_table(0xe8040, "FACP"), "FACP", 116);
	assert_int_equal(rd32(f + 36), 0xe8080);
	table_at(rd32(f + 40), "DSDT", 50);
	table_at(find_table(0xe8040, "APIC"), "APIC", 90);
}

static void expect_refused(struct guest_ram *r, uint64_t gpa, const char *why)
{
	struct load_error err = { "" };
	uint32_t rsdp = 0x1234;

	assert_int_equal(acpi_tables_write(r, gpa, &rsdp, &err), -1);
	assert_non_null(strstr(err.msg, why));
	assert_int_equal(rsdp, 0x1234);
}

static void test_placement_refused(void **state)
{
	struct guest_ram small = { .base = ram_buf, .bytes = 0xe0100 };
	uint8_t zero[ACPI_TABLES_BYTES] = { 0 };

	(void)state;
	expect_refused(&ram, 0xe0010, "64-byte aligned");
	expect_refused(&ram, 0xd0000, "64-byte aligned");
	expect_refused(&ram, 0xfff00, "64-byte aligned");  /* runs past 1 MiB */
	expect_refused(&ram, 0xeff00, "MP table");
	expect_refused(&ram, 0xf0000, "MP table");
	expect_refused(&small, 0xe0000, "does not reach");
	/* Refusals write nothing. */
	assert_memory_equal(ram_buf + 0xe0000, zero, sizeof(zero));
	assert_memory_equal(ram_buf + 0xeff00, zero, sizeof(zero));
	/* Right below the MP table is fine. */
	write_tables(0xf0000 - ACPI_TABLES_BYTES);
}

/* ---- the PM registers ------------------------------------------------------- */

static int sci_trace[16];
static int nsci;
static int power_offs;

static void record_sci(void *ctx, int level)
{
	assert_ptr_equal(ctx, &nsci);
	assert_true(nsci < 16);
	sci_trace[nsci++] = level;
}

static void record_power_off(void *ctx)
{
	assert_ptr_equal(ctx, &power_offs);
	power_offs++;
}

static void pm_setup(struct acpi_pm *pm)
{
	nsci = 0;
	power_offs = 0;
	acpi_pm_init(pm, record_sci, &nsci, record_power_off, &power_offs);
}

/* The timer by the definition: floor(ns * 3579545 / 10^9), 32 bits. */
static uint64_t ticks_oracle(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * 3579545u / 1000000000u);
}

static uint32_t pm_in(struct acpi_pm *pm, unsigned port, unsigned size)
{
	return (uint32_t)acpi_pm_bus_ops.read(pm, port - ACPI_PM_BASE, size);
}

static void pm_out(struct acpi_pm *pm, unsigned port, unsigned size, uint32_t v)
{
	acpi_pm_bus_ops.write(pm, port - ACPI_PM_BASE, size, v);
}

static void test_timer_rate(void **state)
{
	struct acpi_pm pm;
	static const uint64_t times[] = {
		0, 279, 280, 1000, 999999, 1000000, SEC / 2, SEC,
	};

	(void)state;
	pm_setup(&pm);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		acpi_pm_advance(&pm, times[i]);
		assert_int_equal(pm_in(&pm, 0x608, 4), (uint32_t)ticks_oracle(times[i]));
	}
	assert_int_equal(ticks_oracle(SEC), 3579545);
	acpi_pm_advance(&pm, 2 * SEC);
	assert_int_equal(pm_in(&pm, 0x608, 4), 7159090);
	/* 1 ms is 3579 ticks (3579.545 rounded down). */
	acpi_pm_advance(&pm, 2 * SEC + 1000000);
	assert_int_equal(pm_in(&pm, 0x608, 4), 7159090 + 3579);
	acpi_pm_advance(&pm, 10 * SEC + 123456789);
	assert_int_equal(pm_in(&pm, 0x608, 4), (uint32_t)ticks_oracle(10 * SEC + 123456789));
	/* Time never goes back. */
	acpi_pm_advance(&pm, SEC);
	assert_int_equal(acpi_pm_timer(&pm), (uint32_t)ticks_oracle(10 * SEC + 123456789));
	assert_int_equal(pm.timer_reads, 11);
	assert_int_equal(nsci, 0);
}

static void test_timer_wraps_at_32_bits(void **state)
{
	struct acpi_pm pm;
	/* 2^32 ticks = 1199.86 s; a little after that, and days later. */
	uint64_t wrap = 1199864031882ULL;

	(void)state;
	assert_true(ticks_oracle(wrap) >= (1ULL << 32));
	assert_true(ticks_oracle(wrap - 1) < (1ULL << 32));
	pm_setup(&pm);
	acpi_pm_advance(&pm, wrap - 1);
	assert_int_equal(acpi_pm_timer(&pm), 0xffffffffu);
	acpi_pm_advance(&pm, wrap);
	assert_int_equal(acpi_pm_timer(&pm), 0);
	acpi_pm_advance(&pm, wrap + SEC);
	assert_int_equal(acpi_pm_timer(&pm), 3579545);
	acpi_pm_advance(&pm, 3 * 86400 * SEC + 17);
	assert_int_equal(acpi_pm_timer(&pm), (uint32_t)ticks_oracle(3 * 86400 * SEC + 17));
	/* 32-bit years away: the split arithmetic keeps up with the oracle. */
	acpi_pm_advance(&pm, 4000000000ULL * SEC + 999999999);
	assert_int_equal(acpi_pm_timer(&pm),
			 (uint32_t)ticks_oracle(4000000000ULL * SEC + 999999999));
}

static void test_timer_bytes(void **state)
{
	struct acpi_pm pm;
	uint32_t t;

	(void)state;
	pm_setup(&pm);
	acpi_pm_advance(&pm, 1234567891234ULL);
	t = (uint32_t)ticks_oracle(1234567891234ULL);
	assert_int_equal(pm_in(&pm, 0x608, 1), t & 0xff);
	assert_int_equal(pm_in(&pm, 0x609, 1), (t >> 8) & 0xff);
	assert_int_equal(pm_in(&pm, 0x60a, 2), t >> 16);
	assert_int_equal(pm_in(&pm, 0x60b, 1), t >> 24);
	/* 0x606-0x607 hold nothing; a dword at 0x606 sees the timer's low half. */
	assert_int_equal(pm_in(&pm, 0x606, 4), 0xffffu | (t & 0xffff) << 16);
	/* Past the block: ones. */
	assert_int_equal(pm_in(&pm, 0x60a, 4), 0xffff0000u | t >> 16);
	assert_int_equal(acpi_pm_bus_ops.read(&pm, 12, 2), 0xffff);
	/* Writes do not move it. */
	pm_out(&pm, 0x608, 4, 0);
	assert_int_equal(acpi_pm_timer(&pm), t);
}

static void test_timer_carry_sets_tmr_sts(void **state)
{
	struct acpi_pm pm;
	uint64_t carry;

	(void)state;
	pm_setup(&pm);
	assert_int_equal(acpi_pm_next_event(&pm), ACPI_PM_NEVER);
	pm_out(&pm, 0x602, 2, ACPI_PM1_TMR_EN);
	carry = acpi_pm_next_event(&pm);
	/* The first ns at which bit 31 is set. */
	assert_true(ticks_oracle(carry) >= (1ULL << 31));
	assert_true(ticks_oracle(carry - 1) < (1ULL << 31));
	acpi_pm_advance(&pm, carry - 1);
	assert_int_equal(pm_in(&pm, 0x600, 2), 0);
	assert_int_equal(nsci, 0);
	acpi_pm_advance(&pm, carry);
	assert_int_equal(pm_in(&pm, 0x600, 2), ACPI_PM1_TMR_STS);
	assert_int_equal(nsci, 1);
	assert_int_equal(sci_trace[0], 1);
	assert_int_equal(acpi_pm_irq_level(&pm), 1);
	/* The next carry: bit 31 clears at 2^32. */
	assert_int_equal(acpi_pm_next_event(&pm), 1199864031882ULL);
	/* Write 1 to clear lowers the SCI. */
	pm_out(&pm, 0x600, 2, ACPI_PM1_TMR_STS);
	assert_int_equal(pm_in(&pm, 0x600, 2), 0);
	assert_int_equal(nsci, 2);
	assert_int_equal(sci_trace[1], 0);
	/* Bit 31 going back to 0 is a carry too. */
	acpi_pm_advance(&pm, 1199864031882ULL);
	assert_int_equal(pm_in(&pm, 0x600, 2), ACPI_PM1_TMR_STS);
	assert_int_equal(pm.timer_carries, 2);
	assert_int_equal(pm.irq_raises, 2);
}

static void test_tmr_sts_without_enable_no_sci(void **state)
{
	struct acpi_pm pm;

	(void)state;
	pm_setup(&pm);
	acpi_pm_advance(&pm, 700 * SEC);                /* past 2^31 ticks */
	assert_int_equal(pm_in(&pm, 0x600, 2), ACPI_PM1_TMR_STS);
	assert_int_equal(acpi_pm_irq_level(&pm), 0);
	assert_int_equal(nsci, 0);
	/* Enabling with the status pending raises the SCI at once. */
	pm_out(&pm, 0x602, 2, ACPI_PM1_TMR_EN);
	assert_int_equal(nsci, 1);
	assert_int_equal(sci_trace[0], 1);
	/* Disabling lowers it, the status stays. */
	pm_out(&pm, 0x602, 2, 0);
	assert_int_equal(nsci, 2);
	assert_int_equal(sci_trace[1], 0);
	assert_int_equal(pm_in(&pm, 0x600, 2), ACPI_PM1_TMR_STS);
}

static void test_enable_register(void **state)
{
	struct acpi_pm pm;

	(void)state;
	pm_setup(&pm);
	/* TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN stick. */
	pm_out(&pm, 0x602, 2, 0xffff);
	assert_int_equal(pm_in(&pm, 0x602, 2), 0x0721);
	/* Enables without a status that can be set raise no SCI. */
	assert_int_equal(nsci, 0);
	pm_out(&pm, 0x603, 1, 0x00);                    /* the high byte alone */
	assert_int_equal(pm_in(&pm, 0x602, 2), 0x0021);
	assert_int_equal(pm_in(&pm, 0x602, 1), 0x21);
	pm_out(&pm, 0x602, 2, 0);
	/* A dword at 0x600 writes STS (1s clear) and EN. */
	pm_out(&pm, 0x600, 4, 0x01000000);
	assert_int_equal(pm_in(&pm, 0x600, 4), 0x01000000);
}

static void test_write_one_to_clear(void **state)
{
	struct acpi_pm pm;

	(void)state;
	pm_setup(&pm);
	acpi_pm_advance(&pm, 700 * SEC);                /* TMR_STS */
	acpi_pm_press_power_button(&pm);                /* PWRBTN_STS */
	pm_out(&pm, 0x604, 2, ACPI_PM1_SLP_EN | 1 << 10);       /* WAK_STS */
	assert_int_equal(pm_in(&pm, 0x600, 2), 0x8101);
	pm_out(&pm, 0x600, 2, 0);                       /* 0s change nothing */
	assert_int_equal(pm_in(&pm, 0x600, 2), 0x8101);
	pm_out(&pm, 0x600, 2, 0x7efe);                  /* undefined bits */
	assert_int_equal(pm_in(&pm, 0x600, 2), 0x8101);
	pm_out(&pm, 0x601, 1, 0x80);                    /* WAK_STS, byte */
	assert_int_equal(pm_in(&pm, 0x600, 2), 0x0101);
	pm_out(&pm, 0x600, 1, 0x01);                    /* TMR_STS, byte */
	assert_int_equal(pm_in(&pm, 0x600, 2), 0x0100);
	pm_out(&pm, 0x600, 2, 0xffff);
	assert_int_equal(pm_in(&pm, 0x600, 2), 0);
}

static void test_power_button_sci(void **state)
{
	struct acpi_pm pm;

	(void)state;
	pm_setup(&pm);
	pm_out(&pm, 0x602, 2, ACPI_PM1_PWRBTN_EN);
	assert_int_equal(nsci, 0);
	acpi_pm_press_power_button(&pm);
	assert_int_equal(nsci, 1);
	assert_int_equal(sci_trace[0], 1);
	pm_out(&pm, 0x600, 2, ACPI_PM1_PWRBTN_STS);
	assert_int_equal(nsci, 2);
	assert_int_equal(sci_trace[1], 0);
}

static void test_sci_en_reads_one(void **state)
{
	struct acpi_pm pm;

	(void)state;
	pm_setup(&pm);
	assert_int_equal(pm_in(&pm, 0x604, 2), ACPI_PM1_SCI_EN);
	pm_out(&pm, 0x604, 2, 0);
	assert_int_equal(pm_in(&pm, 0x604, 2), ACPI_PM1_SCI_EN);
	/* BM_RLD and SLP_TYP are kept; GBL_RLS and SLP_EN are write-only. */
	pm_out(&pm, 0x604, 2, 0x1c06);
	assert_int_equal(pm_in(&pm, 0x604, 2), 0x1c03);
	assert_int_equal(pm_in(&pm, 0x605, 1), 0x1c);
	pm_out(&pm, 0x604, 1, 0x00);                    /* low byte alone */
	assert_int_equal(pm_in(&pm, 0x604, 2), 0x1c01);
	assert_int_equal(power_offs, 0);
	assert_int_equal(pm.ignored_sleeps, 0);
}

static void test_s5_powers_off_once(void **state)
{
	struct acpi_pm pm;

	(void)state;
	pm_setup(&pm);
	/* Linux (acpi_hw_legacy_sleep): SLP_TYP first, then with SLP_EN. */
	pm_out(&pm, 0x604, 2, 5 << 10);
	assert_int_equal(power_offs, 0);
	pm_out(&pm, 0x604, 2, 5 << 10 | ACPI_PM1_SLP_EN);
	assert_int_equal(power_offs, 1);
	assert_int_equal(pm.power_offs, 1);
	assert_int_equal(pm.ignored_sleeps, 0);
	assert_int_equal(pm_in(&pm, 0x604, 2), 5 << 10 | ACPI_PM1_SCI_EN);
	assert_int_equal(pm_in(&pm, 0x600, 2), 0);      /* no wake */
	/* A byte write of the high byte does it too. */
	pm_setup(&pm);
	pm_out(&pm, 0x605, 1, (5 << 2) | 0x20);
	assert_int_equal(power_offs, 1);
	/* SLP_EN in a write that misses the high byte is not a request. */
	pm_setup(&pm);
	pm_out(&pm, 0x604, 1, 0xff);
	assert_int_equal(power_offs, 0);
}

static void test_other_sleep_types_ignored(void **state)
{
	struct acpi_pm pm;

	(void)state;
	pm_setup(&pm);
	for (unsigned type = 0; type < 8; type++) {
		if (type == ACPI_SLP_TYP_S5)
			continue;
		pm_out(&pm, 0x604, 2, type << 10 | ACPI_PM1_SLP_EN);
		/* The machine wakes at once. */
		assert_int_equal(pm_in(&pm, 0x600, 2), ACPI_PM1_WAK_STS);
		pm_out(&pm, 0x600, 2, ACPI_PM1_WAK_STS);
	}
	assert_int_equal(power_offs, 0);
	assert_int_equal(pm.ignored_sleeps, 7);
	/* WAK_STS raises no SCI. */
	assert_int_equal(nsci, 0);
}

static void test_no_callbacks(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_init(&pm, NULL, NULL, NULL, NULL);
	pm_out(&pm, 0x602, 2, 0xffff);
	acpi_pm_advance(&pm, 700 * SEC);
	pm_out(&pm, 0x604, 2, 5 << 10 | ACPI_PM1_SLP_EN);
	assert_int_equal(pm.power_offs, 1);
	assert_int_equal(acpi_pm_irq_level(&pm), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rsdp, setup_ram, teardown_ram),
		cmocka_unit_test_setup_teardown(test_rsdt, setup_ram, teardown_ram),
		cmocka_unit_test_setup_teardown(test_fadt, setup_ram, teardown_ram),
		cmocka_unit_test_setup_teardown(test_facs, setup_ram, teardown_ram),
		cmocka_unit_test_setup_teardown(test_dsdt, setup_ram, teardown_ram),
		cmocka_unit_test_setup_teardown(test_madt, setup_ram, teardown_ram),
		cmocka_unit_test_setup_teardown(test_tables_elsewhere, setup_ram, teardown_ram),
		cmocka_unit_test_setup_teardown(test_placement_refused, setup_ram, teardown_ram),
		cmocka_unit_test(test_timer_rate),
		cmocka_unit_test(test_timer_wraps_at_32_bits),
		cmocka_unit_test(test_timer_bytes),
		cmocka_unit_test(test_timer_carry_sets_tmr_sts),
		cmocka_unit_test(test_tmr_sts_without_enable_no_sci),
		cmocka_unit_test(test_enable_register),
		cmocka_unit_test(test_write_one_to_clear),
		cmocka_unit_test(test_power_button_sci),
		cmocka_unit_test(test_sci_en_reads_one),
		cmocka_unit_test(test_s5_powers_off_once),
		cmocka_unit_test(test_other_sleep_types_ignored),
		cmocka_unit_test(test_no_callbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
