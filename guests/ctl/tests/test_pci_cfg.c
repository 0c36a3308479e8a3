/*
 * Host unit tests for PCI configuration mechanism 1 with no devices and
 * the reset control register (guests/ctl/dev_pci_cfg.c): Linux's type 1
 * and type 2 detection, configuration reads and writes, the enable bit,
 * 0xcf9 resets, the bus. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "guests/ctl/devices.h"

static int resets;

static void record_reset(void *ctx)
{
	assert_ptr_equal(ctx, &resets);
	resets++;
}

static void start(struct pci_cfg *p, struct io_bus *bus)
{
	resets = 0;
	pci_cfg_init(p, record_reset, &resets);
	io_bus_init(bus, "io", true);
	assert_int_equal(io_bus_register(bus, PCI_CFG_PORT, PCI_CFG_NPORTS,
					 &pci_cfg_bus_ops, p, "pci-cfg"), 0);
}

/* The address Linux's PCI_CONF1_ADDRESS builds. */
static uint32_t conf1(unsigned bus, unsigned devfn, unsigned reg)
{
	return 0x80000000u | (bus << 16) | (devfn << 8) | (reg & 0xfc);
}

static void test_pci_linux_type1_check(void **state)
{
	struct pci_cfg p;
	struct io_bus bus;
	uint32_t saved;

	(void)state;
	start(&p, &bus);
	/* arch/x86/pci/direct.c, pci_check_type1 */
	io_bus_write(&bus, 0xcfb, 1, 0x01);     /* ISA: dropped */
	saved = (uint32_t)io_bus_read(&bus, 0xcf8, 4);
	assert_int_equal(saved, 0);
	io_bus_write(&bus, 0xcf8, 4, 0x80000000);
	assert_int_equal(io_bus_read(&bus, 0xcf8, 4), 0x80000000);
	/* pci_sanity_check's scan: class and vendor of every devfn on bus 0 */
	for (unsigned devfn = 0; devfn < 0x100; devfn++) {
		io_bus_write(&bus, 0xcf8, 4, conf1(0, devfn, 0x0a));
		assert_int_equal(io_bus_read(&bus, 0xcfc + 2, 2), 0xffff);
		io_bus_write(&bus, 0xcf8, 4, conf1(0, devfn, 0x00));
		assert_int_equal(io_bus_read(&bus, 0xcfc, 2), 0xffff);
	}
	io_bus_write(&bus, 0xcf8, 4, saved);
	assert_int_equal(p.config_reads, 512);
	/* pci_check_type2: byte writes and reads at 0xcf8, 0xcfa are not
	 * mechanism 2's registers here: they read ones, so type 2 fails */
	io_bus_write(&bus, 0xcfb, 1, 0x00);
	io_bus_write(&bus, 0xcf8, 1, 0x00);
	io_bus_write(&bus, 0xcfa, 1, 0x00);
	assert_int_equal(io_bus_read(&bus, 0xcf8, 1), 0xff);
	assert_int_equal(io_bus_read(&bus, 0xcfa, 1), 0xff);
	assert_int_equal(io_bus_read(&bus, 0xcf8, 4), 0);       /* untouched */
	assert_int_equal(resets, 0);
}

static void test_pci_config_address(void **state)
{
	struct pci_cfg p;
	struct io_bus bus;

	(void)state;
	start(&p, &bus);
	/* reserved bits 30-24 and 1-0 read 0: XFree86's check reads 0x80fffffc */
	io_bus_write(&bus, 0xcf8, 4, 0xffffffff);
	assert_int_equal(io_bus_read(&bus, 0xcf8, 4), 0x80fffffc);
	/* word accesses do not touch it */
	io_bus_write(&bus, 0xcf8, 2, 0x1234);
	assert_int_equal(io_bus_read(&bus, 0xcf8, 2), 0xffff);
	assert_int_equal(io_bus_read(&bus, 0xcf8, 4), 0x80fffffc);
	/* a doubleword at 0xcfa is not it either */
	io_bus_write(&bus, 0xcfa, 4, 0);
	assert_int_equal(io_bus_read(&bus, 0xcf8, 4), 0x80fffffc);
}

static void test_pci_config_data(void **state)
{
	struct pci_cfg p;
	struct io_bus bus;

	(void)state;
	start(&p, &bus);
	/* enable clear: ones, counted apart */
	assert_int_equal(io_bus_read(&bus, 0xcfc, 4), 0xffffffff);
	io_bus_write(&bus, 0xcfc, 4, 0);
	assert_int_equal(p.disabled_accesses, 2);
	assert_int_equal(p.config_reads + p.config_writes, 0);
	/* enabled: every size and offset reads ones; writes change nothing */
	io_bus_write(&bus, 0xcf8, 4, conf1(0, 0, 0x10));
	io_bus_write(&bus, 0xcfc, 4, 0x12345678);
	assert_int_equal(io_bus_read(&bus, 0xcfc, 4), 0xffffffff);
	assert_int_equal(io_bus_read(&bus, 0xcfd, 1), 0xff);
	assert_int_equal(io_bus_read(&bus, 0xcfe, 2), 0xffff);
	assert_int_equal(io_bus_read(&bus, 0xcff, 1), 0xff);
	io_bus_write(&bus, 0xcfe, 2, 0);
	assert_int_equal(io_bus_read(&bus, 0xcfc, 4), 0xffffffff);
	assert_int_equal(p.config_reads, 5);
	assert_int_equal(p.config_writes, 2);
	assert_int_equal(p.disabled_accesses, 2);
	assert_int_equal(bus.unclaimed_reads + bus.unclaimed_writes, 0);
}

static void test_pci_reset_control(void **state)
{
	struct pci_cfg p;
	struct io_bus bus;
	uint8_t cf9;

	(void)state;
	start(&p, &bus);
	assert_int_equal(io_bus_read(&bus, 0xcf9, 1), 0);
	/* Linux's BOOT_CF9 (cold): SYS_RST, then SYS_RST | RST_CPU | FULL_RST */
	cf9 = (uint8_t)(io_bus_read(&bus, 0xcf9, 1) & ~0x0e);
	io_bus_write(&bus, 0xcf9, 1, cf9 | 0x02);
	assert_int_equal(resets, 0);
	assert_int_equal(io_bus_read(&bus, 0xcf9, 1), 0x02);
	io_bus_write(&bus, 0xcf9, 1, cf9 | 0x0e);
	assert_int_equal(resets, 1);
	assert_int_equal(io_bus_read(&bus, 0xcf9, 1), 0x0a);
	/* warm (0x06) works again after the reset */
	io_bus_write(&bus, 0xcf9, 1, 0x06);
	assert_int_equal(resets, 2);
	/* only the rising edge of bit 2 counts; other bits are dropped */
	io_bus_write(&bus, 0xcf9, 1, 0xf1);
	assert_int_equal(io_bus_read(&bus, 0xcf9, 1), 0x00);
	assert_int_equal(resets, 2);
	/* not a byte: not the reset control register */
	io_bus_write(&bus, 0xcf9, 2, 0x0404);
	assert_int_equal(resets, 2);
	assert_int_equal(p.resets, 2);
	/* CONFIG_ADDRESS shares the doubleword and is not disturbed */
	io_bus_write(&bus, 0xcf8, 4, 0x80000000);
	io_bus_write(&bus, 0xcf9, 1, 0x02);
	assert_int_equal(io_bus_read(&bus, 0xcf8, 4), 0x80000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pci_linux_type1_check),
		cmocka_unit_test(test_pci_config_address),
		cmocka_unit_test(test_pci_config_data),
		cmocka_unit_test(test_pci_reset_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
