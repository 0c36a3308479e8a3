/*
 * The 8042 keyboard controller with no keyboard and no mouse (devices.h).
 * Commands and status bits: IBM PS/2 Technical Reference, "Keyboard/
 * Auxiliary Device Controller"; what Linux's probe expects:
 * drivers/input/serio/i8042.c (controller self test, CTR read twice,
 * aux loopback and interface toggling, the aux IRQ test, the MUX probe by
 * three loopback bytes). Pure logic: control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

#define CMD_READ_RAM            0x20    /* 0x20-0x3f: RAM byte cmd & 0x1f */
#define CMD_WRITE_RAM           0x60    /* 0x60-0x7f */
#define CMD_AUX_DISABLE         0xa7
#define CMD_AUX_ENABLE          0xa8
#define CMD_AUX_TEST            0xa9
#define CMD_SELF_TEST           0xaa
#define CMD_KBD_TEST            0xab
#define CMD_KBD_DISABLE         0xad
#define CMD_KBD_ENABLE          0xae
#define CMD_READ_OUTPUT         0xd0
#define CMD_WRITE_OUTPUT        0xd1
#define CMD_KBD_LOOP            0xd2
#define CMD_AUX_LOOP            0xd3
#define CMD_AUX_SEND            0xd4
#define CMD_PULSE               0xf0    /* 0xf0-0xff: low bits 0 pulse */
#define SELF_TEST_OK            0x55
#define INTERFACE_OK            0x00
#define OUT_RESET               0x01    /* output port bit 0, active low */
#define OUT_KBD_OBF             0x10
#define OUT_AUX_OBF             0x20
#define INITIAL_CTR             (I8042_CTR_XLATE | I8042_CTR_AUXDIS | \
				 I8042_CTR_SYS | I8042_CTR_KBDINT)
#define INITIAL_OUTPUT          0xcf

static uint8_t ctr(const struct i8042 *k)
{
	return k->ram[0];
}

static const struct i8042_byte *head(const struct i8042 *k)
{
	return k->count ? &k->queue[k->head] : NULL;
}

static void set_line(struct i8042 *k, int *current, unsigned irq, int level)
{
	if (level == *current)
		return;
	*current = level;
	if (k->irq)
		k->irq(k->irq_ctx, irq, level);
}

/* IRQ 1 / 12 follow the byte at the head of the output buffer. */
static void update_irqs(struct i8042 *k)
{
	const struct i8042_byte *b = head(k);
	bool aux = b && (b->status & I8042_STR_AUXDATA);

	set_line(k, &k->kbd_level, I8042_KBD_IRQ,
		 b && !aux && (ctr(k) & I8042_CTR_KBDINT));
	set_line(k, &k->aux_level, I8042_AUX_IRQ,
		 aux && (ctr(k) & I8042_CTR_AUXINT));
}

static void queue_byte(struct i8042 *k, uint8_t data, uint8_t status)
{
	if (k->count == I8042_QUEUE_BYTES) {
		k->dropped++;
		return;
	}
	k->queue[(k->head + k->count) % I8042_QUEUE_BYTES] =
		(struct i8042_byte){ .data = data, .status = status };
	k->count++;
}

void i8042_init(struct i8042 *k, i8042_irq_fn *irq, void *irq_ctx,
		dev_reset_fn *reset, void *reset_ctx)
{
	memset(k, 0, sizeof(*k));
	k->ram[0] = INITIAL_CTR;
	k->output_port = INITIAL_OUTPUT;
	k->irq = irq;
	k->irq_ctx = irq_ctx;
	k->reset = reset;
	k->reset_ctx = reset_ctx;
}

uint8_t i8042_read_status(const struct i8042 *k)
{
	const struct i8042_byte *b = head(k);
	uint8_t s = I8042_STR_UNLOCKED;

	if (b)
		s |= I8042_STR_OBF | b->status;
	if (ctr(k) & I8042_CTR_SYS)
		s |= I8042_STR_SYS;
	if (k->last_was_command)
		s |= I8042_STR_CMD;
	return s;
}

uint8_t i8042_read_data(struct i8042 *k)
{
	if (k->count) {
		k->last_data = k->queue[k->head].data;
		k->head = (k->head + 1) % I8042_QUEUE_BYTES;
		k->count--;
		update_irqs(k);
	}
	return k->last_data;
}

static void pulse_reset(struct i8042 *k)
{
	k->resets++;
	if (k->reset)
		k->reset(k->reset_ctx);
}

/* Bits 4 and 5 of the output port are the two output-buffer-full lines
 * (IRQ 1 and IRQ 12 to the PIC). */
static uint8_t output_port(const struct i8042 *k)
{
	return (uint8_t)((k->output_port & ~(OUT_KBD_OBF | OUT_AUX_OBF)) |
			 (k->kbd_level ? OUT_KBD_OBF : 0) |
			 (k->aux_level ? OUT_AUX_OBF : 0));
}

static void write_output_port(struct i8042 *k, uint8_t value)
{
	k->output_port = value;
	if (!(value & OUT_RESET))
		pulse_reset(k);
}

/* Commands without a data byte. */
static void run_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_AUX_DISABLE:
		k->ram[0] |= I8042_CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		k->ram[0] &= (uint8_t)~I8042_CTR_AUXDIS;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		queue_byte(k, INTERFACE_OK, 0);
		break;
	case CMD_SELF_TEST:
		queue_byte(k, SELF_TEST_OK, 0);
		break;
	case CMD_KBD_DISABLE:
		k->ram[0] |= I8042_CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		k->ram[0] &= (uint8_t)~I8042_CTR_KBDDIS;
		break;
	case CMD_READ_OUTPUT:
		queue_byte(k, output_port(k), 0);
		break;
	default:
		k->unknown_commands++;
		break;
	}
}

static bool takes_data(uint8_t cmd)
{
	return (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + I8042_RAM_BYTES) ||
	       (cmd >= CMD_WRITE_OUTPUT && cmd <= CMD_AUX_SEND);
}

void i8042_write_command(struct i8042 *k, uint8_t cmd)
{
	k->commands++;
	k->last_was_command = true;
	k->pending = 0;
	if (takes_data(cmd))
		k->pending = cmd;
	else if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + I8042_RAM_BYTES)
		queue_byte(k, k->ram[cmd - CMD_READ_RAM], 0);
	else if (cmd >= CMD_PULSE) {
		if (!(cmd & OUT_RESET))
			pulse_reset(k);
	} else
		run_command(k, cmd);
	update_irqs(k);
}

/* The data byte of a pending command. */
static void complete_command(struct i8042 *k, uint8_t cmd, uint8_t value)
{
	switch (cmd) {
	case CMD_WRITE_OUTPUT:
		write_output_port(k, value);
		break;
	case CMD_KBD_LOOP:
		queue_byte(k, value, 0);
		break;
	case CMD_AUX_LOOP:
		queue_byte(k, value, I8042_STR_AUXDATA);
		break;
	case CMD_AUX_SEND:
		k->device_writes++;
		queue_byte(k, I8042_NO_DEVICE, I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
		break;
	default:                                /* 0x60-0x7f */
		k->ram[cmd - CMD_WRITE_RAM] = value;
		break;
	}
}

void i8042_write_data(struct i8042 *k, uint8_t value)
{
	uint8_t cmd = k->pending;

	k->last_was_command = false;
	k->pending = 0;
	if (cmd) {
		complete_command(k, cmd, value);
	} else {
		/* For the keyboard: sending enables its interface again (as
		 * on the AT), and nobody answers. */
		k->ram[0] &= (uint8_t)~I8042_CTR_KBDDIS;
		k->device_writes++;
		queue_byte(k, I8042_NO_DEVICE, I8042_STR_TIMEOUT);
	}
	update_irqs(k);
}

/* Byte registers: wider accesses use the low byte. */
static uint64_t data_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)offset;
	(void)size;
	return i8042_read_data(opaque);
}

static void data_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	(void)offset;
	(void)size;
	i8042_write_data(opaque, (uint8_t)value);
}

static uint64_t cmd_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)offset;
	(void)size;
	return i8042_read_status(opaque);
}

static void cmd_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	(void)offset;
	(void)size;
	i8042_write_command(opaque, (uint8_t)value);
}

const struct bus_device_ops i8042_data_ops = {
	.read = data_read,
	.write = data_write,
};

const struct bus_device_ops i8042_cmd_ops = {
	.read = cmd_read,
	.write = cmd_write,
};
