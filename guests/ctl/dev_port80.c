/*
 * Port 0x80, where firmware and test guests write POST codes (devices.h).
 * The last code is shown by `stats`. Control partition and host tests.
 */
#include "guests/ctl/devices.h"

void port80_init(struct port80 *p)
{
	p->last = 0;
	p->last_size = 0;
	p->writes = 0;
}

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
	const struct port80 *p = opaque;

	(void)offset;
	(void)size;
	return p->last;
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct port80 *p = opaque;

	(void)offset;
	p->last = (uint32_t)value;
	p->last_size = size;
	p->writes++;
}

const struct bus_device_ops port80_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};
