/*
 * io_bitmap.c - the TSS I/O permission bitmap, read by the emulator itself
 * when the caller gives no emul_ops.io_permitted but does give get_sysseg
 * (the task register) and the read callback.
 *
 * Intel SDM Vol. 1 19.5.2 and Vol. 3A 8.2.1 / 8.7, AMD APM Vol. 2 12.2.4
 * (64-bit TSS) and 13.3.2: consulted for IN, OUT, INS and OUTS when CPL >
 * IOPL in protected mode, and always in virtual-8086 mode. TR must hold an
 * available or busy 32-bit (or, in long mode, 64-bit) TSS: a 16-bit TSS
 * has no bitmap. The 16-bit I/O map base is at offset 0x66 of the TSS; the
 * bits for ports port .. port + size - 1 are read as the two bytes at
 * base + port / 8 (a 4-byte access at port 7 mod 8 spans them), and both
 * must lie within TR's limit. Any of them set, or anything out of the
 * limit: #GP(0). The reads are implicit supervisor accesses (no
 * EMUL_ACC_USER: a #PF there has U/S clear, SDM 4.6); a TSS in MMIO is
 * not modelled (EMUL_R_IO_PERM).
 */
#include "emul_private.h"

#define TSS_IOMAP_BASE 0x66u

/* One byte at TR.base + off (off within the limit). */
static int tss_byte(struct emul_exec *x, const struct emul_seg *tr,
		    uint32_t off, uint8_t *val)
{
	struct emul_event ev = { 0 };
	uint64_t la = tr->base + off, gpa = 0;
	enum emul_mem_status st;

	if (x->cpu->mode != EMUL_MODE_LONG64 &&
	    !(x->cpu->efer & (1ull << 10)))       /* EFER.LMA */
		la &= 0xFFFFFFFFull;
	st = x->ctx->ops->read(x->ctx->opaque, la, val, 1, 0, &gpa, &ev);
	if (st == EMUL_MEM_FAULT) {
		x->res->status = EMUL_EXCEPTION;
		x->res->event = ev;
		return EX_STOP;
	}
	if (st == EMUL_MEM_MMIO)
		return emul_unsupported(x, EMUL_R_IO_PERM);
	return EX_OK;
}

int emul_io_bitmap(struct emul_exec *x, uint16_t port, unsigned size)
{
	struct emul_seg tr;
	uint8_t b[2];
	uint32_t map, at;
	int rc;

	x->ctx->ops->get_sysseg(x->ctx->opaque, EMUL_SYSSEG_TR, &tr);
	/* types 9 and 11: 32-bit (64-bit in long mode) TSS, available/busy */
	if (tr.unusable || !tr.present || tr.s || (tr.type & 0xD) != 0x9 ||
	    tr.limit < TSS_IOMAP_BASE + 1)
		return emul_gp0(x);
	rc = tss_byte(x, &tr, TSS_IOMAP_BASE, &b[0]);
	if (!rc)
		rc = tss_byte(x, &tr, TSS_IOMAP_BASE + 1, &b[1]);
	if (rc)
		return rc;
	map = (uint32_t)b[0] | (uint32_t)b[1] << 8;
	at = map + port / 8u;
	if (at + 1 > tr.limit)
		return emul_gp0(x);
	rc = tss_byte(x, &tr, at, &b[0]);
	if (!rc)
		rc = tss_byte(x, &tr, at + 1, &b[1]);
	if (rc)
		return rc;
	if ((((uint32_t)b[0] | (uint32_t)b[1] << 8) >> (port & 7)) &
	    ((1u << size) - 1))
		return emul_gp0(x);
	return EX_OK;
}
