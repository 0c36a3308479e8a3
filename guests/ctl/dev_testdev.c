/*
 * QEMU's pc-testdev (devices.h): the scratch port and the IO memory that
 * kvm-unit-tests' x86 tests aim string IO and MMIO instructions at
 * (docs/conformance.md). What a guest sees is taken from QEMU's
 * hw/misc/pc-testdev.c: port 0xe0 keeps a 32-bit value whose bytes each
 * access of 1, 2 or 4 bytes reads or writes at its port's byte lane; port
 * 0xe4 takes a "flush this page" write that only concerns QEMU's own TLB
 * (nothing a guest can observe); a write to port 0x2000 + n drives
 * interrupt line n high (non-zero) or low (zero); the IO memory reads back
 * what was written, 0 at reset. Pure logic: control partition and host
 * tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

void testdev_init(struct testdev *t, testdev_irq_fn *irq, void *irq_ctx)
{
	memset(t, 0, sizeof(*t));
	t->irq = irq;
	t->irq_ctx = irq_ctx;
}

/* The bits of the 32-bit register an access of `size` bytes at byte lane
 * `lane` covers; none past bit 31. */
static uint32_t lane_mask(uint64_t lane, unsigned size)
{
	uint64_t bits = size >= 4 ? 0xffffffffu : (1ull << (8 * size)) - 1;

	return (uint32_t)(bits << (8 * lane));
}

static uint64_t port_read(void *opaque, uint64_t offset, unsigned size)
{
	struct testdev *t = opaque;

	if (offset >= TESTDEV_DATA_NPORTS)
		return 0;                       /* the flush port reads nothing */
	return (t->data & lane_mask(offset, size)) >> (8 * offset);
}

static void port_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct testdev *t = opaque;
	uint32_t mask;

	if (offset >= TESTDEV_DATA_NPORTS) {
		t->flushes++;
		return;
	}
	mask = lane_mask(offset, size);
	t->data = (t->data & ~mask) | ((uint32_t)(value << (8 * offset)) & mask);
}

static uint64_t iomem_read(void *opaque, uint64_t offset, unsigned size)
{
	const struct testdev *t = opaque;
	uint64_t v = 0;

	for (unsigned i = 0; i < size && offset + i < TESTDEV_IOMEM_BYTES; i++)
		v |= (uint64_t)t->iomem[offset + i] << (8 * i);
	return v;
}

static void iomem_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct testdev *t = opaque;

	for (unsigned i = 0; i < size && offset + i < TESTDEV_IOMEM_BYTES; i++)
		t->iomem[offset + i] = (uint8_t)(value >> (8 * i));
}

static uint64_t irq_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque;
	(void)offset;
	(void)size;
	return 0;
}

static void irq_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct testdev *t = opaque;

	(void)size;
	if (offset < TESTDEV_IRQ_NPORTS && t->irq)
		t->irq(t->irq_ctx, (unsigned)offset, value != 0);
}

const struct bus_device_ops testdev_port_ops = {
	.read = port_read,
	.write = port_write,
};

const struct bus_device_ops testdev_iomem_ops = {
	.read = iomem_read,
	.write = iomem_write,
};

const struct bus_device_ops testdev_irq_ops = {
	.read = irq_read,
	.write = irq_write,
};
