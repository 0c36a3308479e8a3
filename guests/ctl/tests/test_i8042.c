/*
 * Host unit tests for the 8042 keyboard controller with no devices
 * (guests/ctl/dev_i8042.c): the status register, Linux's probe sequence
 * (self test, command byte, aux loopback and toggling, the aux IRQ test,
 * the MUX probe), the no-device timeout answers and their IRQs, the reset
 * line, the output buffer queue, the bus. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "guests/ctl/devices.h"

static int kbd_line, aux_line, edges, resets;

static void record_irq(void *ctx, unsigned irq, int level)
{
	assert_ptr_equal(ctx, &edges);
	assert_true(irq == I8042_KBD_IRQ || irq == I8042_AUX_IRQ);
	if (irq == I8042_KBD_IRQ)
		kbd_line = level;
	else
		aux_line = level;
	edges++;
}

static void record_reset(void *ctx)
{
	assert_ptr_equal(ctx, &resets);
	resets++;
}

static void start(struct i8042 *k)
{
	kbd_line = aux_line = edges = resets = 0;
	i8042_init(k, record_irq, &edges, record_reset, &resets);
}

/* Linux's i8042_command: write the command (and data), read the answer. */
static uint8_t ask(struct i8042 *k, uint8_t cmd)
{
	i8042_write_command(k, cmd);
	assert_true(i8042_read_status(k) & I8042_STR_OBF);
	return i8042_read_data(k);
}

static void test_i8042_power_on(void **state)
{
	struct i8042 k;

	(void)state;
	start(&k);
	/* nothing to read: Linux's i8042_flush finds a controller */
	assert_int_equal(i8042_read_status(&k), I8042_STR_UNLOCKED | I8042_STR_SYS);
	assert_int_equal(ask(&k, 0x20), 0x65);
	assert_int_equal(i8042_read_status(&k),
			 I8042_STR_UNLOCKED | I8042_STR_SYS | I8042_STR_CMD);
	assert_int_equal(ask(&k, 0xd0), 0xcf);
	/* answers come through the keyboard side: with CTR bit 0 set, each
	 * raised IRQ 1 until it was read */
	assert_int_equal(edges, 4);
	assert_int_equal(kbd_line, 0);
	assert_int_equal(resets, 0);
}

static void test_i8042_linux_probe(void **state)
{
	struct i8042 k;

	(void)state;
	start(&k);
	assert_int_equal(ask(&k, 0xaa), 0x55);          /* self test */
	/* the command byte: read twice, then written with kbd off */
	assert_int_equal(ask(&k, 0x20), 0x65);
	i8042_write_command(&k, 0x60);
	assert_int_equal(i8042_read_status(&k) & I8042_STR_OBF, 0);
	i8042_write_data(&k, 0x74);
	assert_int_equal(ask(&k, 0x20), 0x74);
	assert_int_equal(edges, 4);     /* the first two answers, with KBDINT */
	/* i8042_check_aux: loopback through the aux output buffer */
	i8042_write_command(&k, 0xd3);
	i8042_write_data(&k, 0x5a);
	assert_int_equal(i8042_read_status(&k),
			 I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_SYS | I8042_STR_UNLOCKED);
	assert_int_equal(i8042_read_data(&k), 0x5a);
	/* toggling the aux interface shows in CTR bit 5 */
	i8042_write_command(&k, 0xa7);
	assert_int_equal(ask(&k, 0x20), 0x74 | I8042_CTR_AUXDIS);
	i8042_write_command(&k, 0xa8);
	assert_int_equal(ask(&k, 0x20), 0x74 & ~I8042_CTR_AUXDIS);
	/* the aux IRQ test: AUXINT on, loop 0xa5, IRQ 12 rises */
	i8042_write_command(&k, 0x60);
	i8042_write_data(&k, 0x54 | I8042_CTR_AUXINT);
	i8042_write_command(&k, 0xd3);
	i8042_write_data(&k, 0xa5);
	assert_int_equal(aux_line, 1);
	assert_int_equal(kbd_line, 0);
	assert_int_equal(i8042_read_data(&k), 0xa5);
	assert_int_equal(aux_line, 0);
	assert_int_equal(edges, 6);
	/* the MUX probe: f0, 56, a4 all echo, so no active multiplexer */
	static const uint8_t mux[] = { 0xf0, 0x56, 0xa4 };
	for (unsigned i = 0; i < 3; i++) {
		i8042_write_command(&k, 0xd3);
		i8042_write_data(&k, mux[i]);
		assert_int_equal(i8042_read_data(&k), mux[i]);
	}
	/* interface tests */
	assert_int_equal(ask(&k, 0xa9), 0x00);
	assert_int_equal(ask(&k, 0xab), 0x00);
	assert_int_equal(k.unknown_commands, 0);
}

static void test_i8042_no_keyboard(void **state)
{
	struct i8042 k;

	(void)state;
	start(&k);
	i8042_write_command(&k, 0xad);                  /* kbd off */
	assert_int_equal(ask(&k, 0x20), 0x65 | I8042_CTR_KBDDIS);
	/* a command for the keyboard (reset): nobody answers */
	i8042_write_data(&k, 0xff);
	assert_int_equal(i8042_read_status(&k),
			 I8042_STR_OBF | I8042_STR_TIMEOUT | I8042_STR_SYS | I8042_STR_UNLOCKED);
	assert_int_equal(kbd_line, 1);                  /* CTR bit 0 set */
	assert_int_equal(aux_line, 0);
	assert_int_equal(i8042_read_data(&k), I8042_NO_DEVICE);
	assert_int_equal(kbd_line, 0);
	/* writing to the keyboard enabled its interface again */
	assert_int_equal(ask(&k, 0x20), 0x65);
	/* with the keyboard interrupt off: the answer, no IRQ */
	i8042_write_command(&k, 0x60);
	i8042_write_data(&k, 0x64);
	i8042_write_data(&k, 0xf2);
	assert_int_equal(kbd_line, 0);
	assert_int_equal(i8042_read_data(&k), I8042_NO_DEVICE);
	/* no mouse: 0xd4 + byte answers 0xfe from the aux side */
	i8042_write_command(&k, 0x60);
	i8042_write_data(&k, 0x47);                     /* both interrupts on */
	i8042_write_command(&k, 0xd4);
	i8042_write_data(&k, 0xf2);
	assert_int_equal(i8042_read_status(&k),
			 I8042_STR_OBF | I8042_STR_TIMEOUT | I8042_STR_AUXDATA |
			 I8042_STR_SYS | I8042_STR_UNLOCKED);
	assert_int_equal(aux_line, 1);
	assert_int_equal(kbd_line, 0);
	assert_int_equal(i8042_read_data(&k), I8042_NO_DEVICE);
	assert_int_equal(aux_line, 0);
	assert_int_equal(k.device_writes, 3);
	assert_int_equal(edges, 8);
}

static void test_i8042_queue_and_irq_switch(void **state)
{
	struct i8042 k;

	(void)state;
	start(&k);
	i8042_write_command(&k, 0x60);
	i8042_write_data(&k, 0x47);
	/* a kbd byte then an aux byte: IRQ 1 first, then IRQ 12 */
	i8042_write_command(&k, 0xd2);
	i8042_write_data(&k, 0x11);
	i8042_write_command(&k, 0xd3);
	i8042_write_data(&k, 0x22);
	assert_int_equal(kbd_line, 1);
	assert_int_equal(aux_line, 0);
	assert_int_equal(i8042_read_data(&k), 0x11);
	assert_int_equal(kbd_line, 0);
	assert_int_equal(aux_line, 1);
	assert_int_equal(i8042_read_data(&k), 0x22);
	/* the output port shows the two OBF lines (bits 4, 5) */
	assert_int_equal(ask(&k, 0xd0), 0xcf);
	i8042_write_command(&k, 0xd2);
	i8042_write_data(&k, 0x11);
	i8042_write_command(&k, 0xd0);
	assert_int_equal(i8042_read_data(&k), 0x11);
	assert_int_equal(i8042_read_data(&k), 0xcf | 0x10);
	/* the queue holds 16; the rest are dropped, counted */
	for (unsigned i = 0; i < I8042_QUEUE_BYTES + 2; i++) {
		i8042_write_command(&k, 0xd2);
		i8042_write_data(&k, (uint8_t)i);
	}
	assert_int_equal(k.dropped, 2);
	for (unsigned i = 0; i < I8042_QUEUE_BYTES; i++)
		assert_int_equal(i8042_read_data(&k), i);
	/* empty: OBF clear, the data port keeps its last byte */
	assert_int_equal(i8042_read_status(&k) & I8042_STR_OBF, 0);
	assert_int_equal(i8042_read_data(&k), I8042_QUEUE_BYTES - 1);
	assert_int_equal(kbd_line, 0);
	/* enabling an interrupt with a byte waiting raises it */
	i8042_write_command(&k, 0x60);
	i8042_write_data(&k, 0x44);
	i8042_write_command(&k, 0xd2);
	i8042_write_data(&k, 0x33);
	assert_int_equal(kbd_line, 0);
	i8042_write_command(&k, 0x60);
	i8042_write_data(&k, 0x45);
	assert_int_equal(kbd_line, 1);
}

static void test_i8042_reset_line(void **state)
{
	struct i8042 k;

	(void)state;
	start(&k);
	/* Linux's BOOT_KBD: wait for IBF clear, then pulse with 0xfe */
	assert_int_equal(i8042_read_status(&k) & I8042_STR_IBF, 0);
	i8042_write_command(&k, 0xfe);
	assert_int_equal(resets, 1);
	i8042_write_command(&k, 0xff);                  /* pulses nothing */
	i8042_write_command(&k, 0xfd);                  /* bit 1 only */
	assert_int_equal(resets, 1);
	i8042_write_command(&k, 0xf0);
	assert_int_equal(resets, 2);
	/* the output port: bit 0 low holds the CPU in reset */
	i8042_write_command(&k, 0xd1);
	i8042_write_data(&k, 0xdf);
	assert_int_equal(resets, 2);
	assert_int_equal(ask(&k, 0xd0), 0xcf);          /* bits 4-5: OBF lines */
	i8042_write_command(&k, 0xd1);
	i8042_write_data(&k, 0xde);
	assert_int_equal(resets, 3);
	assert_int_equal(k.resets, 3);
	/* an unknown command changes nothing and is counted */
	i8042_write_command(&k, 0xc8);
	assert_int_equal(k.unknown_commands, 1);
	assert_int_equal(i8042_read_status(&k) & I8042_STR_OBF, 0);
}

static void test_i8042_ram_and_pending(void **state)
{
	struct i8042 k;

	(void)state;
	start(&k);
	i8042_write_command(&k, 0x7f);
	i8042_write_data(&k, 0x42);
	assert_int_equal(ask(&k, 0x3f), 0x42);
	/* a command in between cancels the pending data byte: the next data
	 * write goes to the (absent) keyboard */
	i8042_write_command(&k, 0x61);
	i8042_write_command(&k, 0xa8);
	i8042_write_data(&k, 0x99);
	assert_int_equal(i8042_read_status(&k) & I8042_STR_CMD, 0);
	assert_int_equal(i8042_read_data(&k), I8042_NO_DEVICE);
	assert_int_equal(ask(&k, 0x21), 0x00);
}

static void test_i8042_on_bus(void **state)
{
	struct i8042 k;
	struct io_bus bus;

	(void)state;
	start(&k);
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, I8042_DATA_PORT, 1, &i8042_data_ops,
					 &k, "i8042-data"), 0);
	assert_int_equal(io_bus_register(&bus, I8042_CMD_PORT, 1, &i8042_cmd_ops,
					 &k, "i8042-cmd"), 0);
	io_bus_write(&bus, 0x64, 1, 0xaa);
	assert_int_equal(io_bus_read(&bus, 0x64, 1), 0x1d);
	assert_int_equal(io_bus_read(&bus, 0x60, 1), 0x55);
	io_bus_write(&bus, 0x64, 1, 0xfe);
	assert_int_equal(resets, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i8042_power_on),
		cmocka_unit_test(test_i8042_linux_probe),
		cmocka_unit_test(test_i8042_no_keyboard),
		cmocka_unit_test(test_i8042_queue_and_irq_switch),
		cmocka_unit_test(test_i8042_reset_line),
		cmocka_unit_test(test_i8042_ram_and_pending),
		cmocka_unit_test(test_i8042_on_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
