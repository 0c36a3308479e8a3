/*
 * INS/OUTS arithmetic for KVM_EXIT_IO with `string` set (vmm.h): which
 * linear address element i uses, and what RSI/RDI and RCX become after n
 * elements, for DF = 0 and 1 and 16-, 32- and 64-bit address sizes.
 * Semantics: Intel SDM Vol. 2B, INS/INSB/INSW/INSD and OUTS/OUTSB/OUTSW/
 * OUTSD; Vol. 1 3.3.7 (address-size attribute, and the 0x67 prefix).
 * Pure arithmetic: control partition and host tests.
 */
#include "guests/ctl/vmm.h"

unsigned sio_address_bytes(bool cs_l, bool cs_db, bool vm86,
			   const uint8_t *insn, size_t len)
{
	unsigned bytes = vm86 ? 2 : cs_l ? 8 : cs_db ? 4 : 2;
	bool toggled = false;

	for (size_t i = 0; i < len && i < 15; i++) {
		uint8_t b = insn[i];

		switch (b) {
		case 0x67:
			toggled = true;
			continue;
		case 0xf0: case 0xf2: case 0xf3:        /* LOCK, REPNE, REP */
		case 0x2e: case 0x36: case 0x3e:        /* CS, SS, DS */
		case 0x26: case 0x64: case 0x65:        /* ES, FS, GS */
		case 0x66:                              /* operand size */
			continue;
		default:
			if (cs_l && !vm86 && (b & 0xf0) == 0x40)
				continue;                       /* REX */
			break;
		}
		break;
	}
	if (toggled)
		bytes = bytes == 8 ? 4 : bytes == 4 ? 2 : 4;
	return bytes;
}

uint64_t sio_addr_mask(unsigned addr_bytes)
{
	return addr_bytes >= 8 ? ~0ULL : (1ULL << (addr_bytes * 8)) - 1;
}

void sio_init(struct sio_op *op, uint64_t first_linear, uint64_t index,
	      unsigned size, unsigned addr_bytes, bool down, bool long64)
{
	op->index = index;
	op->size = size;
	op->addr_bytes = addr_bytes;
	op->down = down;
	op->long64 = long64;
	/* The exit gives the linear address of the first element; the
	 * segment base is what remains after taking the offset away. */
	op->seg_base = first_linear - (index & sio_addr_mask(addr_bytes));
}

static uint64_t index_plus(const struct sio_op *op, uint64_t n)
{
	uint64_t step = n * op->size;

	return op->down ? op->index - step : op->index + step;
}

uint64_t sio_linear(const struct sio_op *op, uint64_t i)
{
	uint64_t linear = op->seg_base + (index_plus(op, i) & sio_addr_mask(op->addr_bytes));

	/* Outside 64-bit mode linear addresses are 32 bits wide. */
	return op->long64 ? linear : linear & 0xffffffffULL;
}

static uint64_t update(uint64_t old, uint64_t new, unsigned addr_bytes, bool long64)
{
	uint64_t mask = sio_addr_mask(addr_bytes);

	if (long64 && addr_bytes == 4)
		return new & mask;
	return (old & ~mask) | (new & mask);
}

uint64_t sio_index_after(const struct sio_op *op, uint64_t n)
{
	return update(op->index, index_plus(op, n), op->addr_bytes, op->long64);
}

uint64_t sio_count(uint64_t rcx, unsigned addr_bytes)
{
	return rcx & sio_addr_mask(addr_bytes);
}

uint64_t sio_rcx_after(uint64_t rcx, uint64_t n, unsigned addr_bytes, bool long64)
{
	return update(rcx, rcx - n, addr_bytes, long64);
}
