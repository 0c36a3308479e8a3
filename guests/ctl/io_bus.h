/*
 * The control partition's device buses: an IO-port bus and an MMIO bus of
 * the same shape. A device model claims a range [base, base + len) with
 * read/write callbacks and an opaque pointer; the run loop (vmm_run.c)
 * routes KVM_EXIT_IO and KVM_EXIT_MMIO through them. Ranges may not
 * overlap. An access nobody claims is counted; a read of it returns the
 * bus's fill (all ones on the IO bus, as an ISA bus with nothing on it
 * does; zero on the MMIO bus).
 *
 * Pure logic: builds for the control partition and the host unit tests.
 */
#ifndef GUESTS_CTL_IO_BUS_H
#define GUESTS_CTL_IO_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define IO_BUS_MAX_RANGES 32

/* Callbacks get the offset inside the claimed range and the access size in
 * bytes (1, 2, 4 on the IO bus; 1-8 on the MMIO bus). Values are
 * little-endian in the low `size` bytes. */
struct bus_device_ops {
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
};

struct bus_range {
	uint64_t base, len;
	const struct bus_device_ops *ops;
	void *opaque;
	const char *name;
};

struct io_bus {
	const char *name;               /* "io", "mmio" */
	bool unclaimed_reads_ones;
	unsigned nranges;
	struct bus_range ranges[IO_BUS_MAX_RANGES];
	uint64_t unclaimed_reads, unclaimed_writes;
	uint64_t last_unclaimed;        /* address of the last unclaimed access */
};

void io_bus_init(struct io_bus *bus, const char *name, bool unclaimed_reads_ones);

/*
 * Claims [base, base + len) for a device. Returns 0, -EINVAL (len 0, the
 * range wraps, no ops), -EEXIST (overlaps a claimed range) or -ENOSPC.
 */
int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const struct bus_device_ops *ops, void *opaque,
		    const char *name);

/*
 * Moves the range claimed with `ops` to start at `base` and puts it ahead
 * of every other range: where it now overlaps one, it takes the accesses.
 * This is how a CPU's local APIC behaves when IA32_APIC_BASE moves it:
 * its page hides whatever else decodes there. Returns 0, -ENOENT (no
 * range has these ops) or -EINVAL (the range would wrap).
 */
int io_bus_move(struct io_bus *bus, const struct bus_device_ops *ops, uint64_t base);

/* The range holding addr, or NULL. */
const struct bus_range *io_bus_find(const struct io_bus *bus, uint64_t addr);

/* Routes an access by its first byte's address. Unclaimed: counted, and a
 * read returns the fill. A device without a read (write) callback behaves
 * as fill (ignores the write). */
uint64_t io_bus_read(struct io_bus *bus, uint64_t addr, unsigned size);
void io_bus_write(struct io_bus *bus, uint64_t addr, unsigned size, uint64_t value);

/* The low `size` bytes set: 1 -> 0xff, 8 -> all ones. */
static inline uint64_t io_size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

#endif
