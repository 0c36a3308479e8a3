/*
 * QEMU's isa-debug-exit (devices.h): a guest ends its run by writing a
 * status to port 0xf4, the way test guests end a QEMU run
 * (-device isa-debug-exit,iobase=0xf4). Control partition and host tests.
 */
#include "guests/ctl/devices.h"

void debugexit_init(struct debugexit *d, struct vmm_stop *stop)
{
	d->stop = stop;
	d->writes = 0;
}

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque;
	(void)offset;
	(void)size;
	return 0;
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct debugexit *d = opaque;

	(void)offset;
	(void)size;
	d->writes++;
	d->stop->requested = true;
	d->stop->status = (uint32_t)value;
}

const struct bus_device_ops debugexit_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};
