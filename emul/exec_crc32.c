/*
 * exec_crc32.c - CRC32 r32/r64, r/m8/16/32/64 (F2 0F 38 F0 /r with a
 * byte source, F2 0F 38 F1 /r with a 16-bit (66), 32-bit or 64-bit
 * (REX.W) source), SSE4.2's CRC-32C step, where the guest's CPUID
 * announces SSE4.2 (CPUID.01H:ECX[20], EMUL_FEAT_SSE42); #UD without.
 *
 * SDM Vol. 2 CRC32: the polynomial is 11EDC6F41H (Castagnoli), and the
 * instruction works on bit-reflected data, so it is the usual LSB-first
 * CRC with the reflected polynomial 82F63B78H, the source's bytes taken
 * from the lowest, with neither an initial nor a final inversion (software
 * does those). The destination is 32 bits (64 with REX.W: its low 32 bits
 * are the CRC in, the result is zero-extended). Flags are unaffected.
 */
#include "emul_private.h"

#define CRC32C_REFLECTED 0x82F63B78u

/* One byte into the CRC, bit by bit (the source's lowest bit first). */
static uint32_t crc32c_byte(uint32_t crc, uint8_t b)
{
	crc ^= b;
	for (unsigned i = 0; i < 8; i++)
		crc = (crc >> 1) ^ (CRC32C_REFLECTED & -(crc & 1u));
	return crc;
}

/* The CRC of size bytes of v, lowest byte first, continuing crc. */
static uint32_t crc32c(uint32_t crc, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		crc = crc32c_byte(crc, (uint8_t)(v >> (8 * i)));
	return crc;
}

int emul_exec_crc32(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned src_size = in->opcode == 0xF0 ? 1 : in->opsize;
	unsigned dst_size = (in->rex & 8) ? 8 : 4;
	struct emul_opnd src;
	uint32_t crc;
	uint64_t v;
	int rc;

	if (!(x->cpu->features & EMUL_FEAT_SSE42))
		return emul_raise(x, 6, false, 0);
	emul_opnd_rm(x, &src, src_size);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	crc = crc32c((uint32_t)emul_reg_get(x, in->reg, 4), v, src_size);
	emul_reg_set(x, in->reg, dst_size, crc);
	emul_retire(x);
	return EX_OK;
}
