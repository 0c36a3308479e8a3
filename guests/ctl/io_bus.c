/*
 * IO-port and MMIO buses (io_bus.h). A handful of devices per VM, so a
 * linear search over an array; runs on the control partition's exit path
 * once per KVM_EXIT_IO/MMIO. Runs in the control partition and host tests.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "guests/ctl/io_bus.h"

void io_bus_init(struct io_bus *bus, const char *name, bool unclaimed_reads_ones)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	bus->unclaimed_reads_ones = unclaimed_reads_ones;
}

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const struct bus_device_ops *ops, void *opaque,
		    const char *name)
{
	uint64_t last;

	if (len == 0 || !ops || base + (len - 1) < base)
		return -EINVAL;
	last = base + (len - 1);
	for (unsigned i = 0; i < bus->nranges; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (base <= r->base + (r->len - 1) && r->base <= last)
			return -EEXIST;
	}
	if (bus->nranges == IO_BUS_MAX_RANGES)
		return -ENOSPC;
	bus->ranges[bus->nranges++] = (struct bus_range){
		.base = base, .len = len, .ops = ops, .opaque = opaque, .name = name,
	};
	return 0;
}

int io_bus_move(struct io_bus *bus, const struct bus_device_ops *ops, uint64_t base)
{
	for (unsigned i = 0; i < bus->nranges; i++) {
		struct bus_range moved = bus->ranges[i];

		if (moved.ops != ops)
			continue;
		if (base + (moved.len - 1) < base)
			return -EINVAL;
		/* io_bus_find takes the first match: the moved range goes first */
		memmove(&bus->ranges[1], &bus->ranges[0], i * sizeof(bus->ranges[0]));
		moved.base = base;
		bus->ranges[0] = moved;
		return 0;
	}
	return -ENOENT;
}

const struct bus_range *io_bus_find(const struct io_bus *bus, uint64_t addr)
{
	for (unsigned i = 0; i < bus->nranges; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (addr >= r->base && addr - r->base < r->len)
			return r;
	}
	return NULL;
}

static uint64_t fill(const struct io_bus *bus, unsigned size)
{
	return bus->unclaimed_reads_ones ? io_size_mask(size) : 0;
}

uint64_t io_bus_read(struct io_bus *bus, uint64_t addr, unsigned size)
{
	const struct bus_range *r = io_bus_find(bus, addr);

	if (!r) {
		bus->unclaimed_reads++;
		bus->last_unclaimed = addr;
		return fill(bus, size);
	}
	if (!r->ops->read)
		return fill(bus, size);
	return r->ops->read(r->opaque, addr - r->base, size) & io_size_mask(size);
}

void io_bus_write(struct io_bus *bus, uint64_t addr, unsigned size, uint64_t value)
{
	const struct bus_range *r = io_bus_find(bus, addr);

	if (!r) {
		bus->unclaimed_writes++;
		bus->last_unclaimed = addr;
		return;
	}
	if (r->ops->write)
		r->ops->write(r->opaque, addr - r->base, size, value & io_size_mask(size));
}
