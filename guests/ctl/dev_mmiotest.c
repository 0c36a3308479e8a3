/*
 * The MMIO test device (devices.h): a register file the test guests aim
 * MMIO instructions at, so that what the hypervisor's emulator turned into
 * KVM_EXIT_MMIO reads and writes can be checked from inside the guest
 * (values, and the READS/WRITES counters: one read and one write for a
 * read-modify-write, one exit per REP element) and from the console (the
 * VMM's `trace`, with MARK labelling each case). Pure logic: control
 * partition and host tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

void mmiotest_init(struct mmiotest *m)
{
	memset(m, 0, sizeof(*m));
}

static uint64_t data_read(const struct mmiotest *m, uint64_t offset, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && offset + i < MMIOTEST_DATA_BYTES; i++)
		v |= (uint64_t)m->data[offset + i] << (8 * i);
	return v;
}

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
	struct mmiotest *m = opaque;

	if (offset < MMIOTEST_DATA_BYTES) {
		m->reads++;
		return data_read(m, offset, size);
	}
	switch (offset) {
	case MMIOTEST_ID:
		return MMIOTEST_ID_VALUE;
	case MMIOTEST_READS:
		return m->reads;
	case MMIOTEST_WRITES:
		return m->writes;
	case MMIOTEST_SEQ:
		m->reads++;
		return m->seq++;
	case MMIOTEST_MARK:
		return m->mark;
	default:
		return 0;
	}
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct mmiotest *m = opaque;

	if (offset < MMIOTEST_DATA_BYTES) {
		m->writes++;
		for (unsigned i = 0; i < size && offset + i < MMIOTEST_DATA_BYTES; i++)
			m->data[offset + i] = (uint8_t)(value >> (8 * i));
		return;
	}
	switch (offset) {
	case MMIOTEST_RESET:
		mmiotest_init(m);
		break;
	case MMIOTEST_MARK:
		m->mark = value;
		break;
	default:
		break;
	}
}

const struct bus_device_ops mmiotest_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};
