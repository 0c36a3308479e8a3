/*
 * x87_image.c - the real-mode layouts of the x87 environment and state
 * images (FLDENV, FNSTENV, FRSTOR, FNSAVE in real and virtual-8086 mode).
 *
 * The FPU behind emul_ops.x87 runs in 64-bit mode and so reads and writes
 * the 32-bit protected-mode image (SDM Vol. 1 8.1.10, Figure 8-9): FIP,
 * FCS and FOP, FDP, FDS. In real and virtual-8086 mode the CPU uses
 * Figures 8-10 (32-bit operand size, 28 bytes) and 8-12 (16-bit, 14
 * bytes), where the instruction and operand pointers are linear
 * addresses, split:
 *
 *   32-bit:  +12  pointer 15:0 (31:16 reserved)
 *            +16  0000 | FIP 31:16 (bits 27:12) | 0 | FOP 10:0
 *            +20  operand pointer 15:0 (31:16 reserved)
 *            +24  0000 | FDP 31:16 (bits 27:12) | 0000 0000 0000
 *   16-bit:  +6   FIP 15:0      +8   FIP 19:16 (bits 15:12) | 0 | FOP 10:0
 *            +10  FDP 15:0      +12  FDP 19:16 (bits 15:12) | 0
 *
 * The state images are these followed by the eight 10-byte registers.
 * What the FPU holds as the pointers of an instruction run in real mode
 * differs: on Intel the selector and the offset (SDM Vol. 1 8.1.8), so a
 * store forms selector * 16 + offset (as Bochs does); on AMD the linear
 * address itself, segment base + offset (APM Vol. 1 6.2.5, "Last x87
 * Instruction Pointer", "Last x87 Data Pointer"), so a store takes the
 * offset as it is. A load puts the linear pointer in the offset and 0 in
 * the selector, which both rules store back unchanged. The reserved halves
 * are written as the CPU wrote the one beside FCW (all ones on the CPUs
 * measured).
 */
#include "emul_private.h"

#define P_FIP      12           /* the 32-bit protected-mode image */
#define P_FCS_FOP  16
#define P_FDP      20
#define P_FDS      24
#define P_SIZE     28
#define R16_SIZE   14
#define REGS_SIZE  80           /* ST(0)..ST(7), 10 bytes each */
#define FOP_MASK   0x7ffu

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The registers between the 28- and the 14-byte header (overlapping:
 * copied in the direction that reads each byte before it is written). */
static void move_regs(uint8_t *buf, unsigned to, unsigned from)
{
	if (to < from) {
		for (unsigned i = 0; i < REGS_SIZE; i++)
			buf[to + i] = buf[from + i];
	} else {
		for (unsigned i = REGS_SIZE; i-- > 0;)
			buf[to + i] = buf[from + i];
	}
}

/* The protected-mode image in buf (28 bytes, then the registers if
 * with_regs) becomes the real-mode one of 28 or (size16) 14 bytes, the
 * registers moved up behind it. held_linear: FIP and FDP are linear
 * addresses already (AMD), else selector:offset pairs (Intel). */
void emul_x87_image_to_real(uint8_t *buf, bool size16, bool with_regs,
			    bool held_linear)
{
	uint32_t fcs_fop = get32(buf + P_FCS_FOP);
	uint32_t cs = held_linear ? 0 : fcs_fop & 0xffffu;
	uint32_t ds = held_linear ? 0 : get32(buf + P_FDS) & 0xffffu;
	uint32_t ip = (cs << 4) + get32(buf + P_FIP);
	uint32_t dp = (ds << 4) + get32(buf + P_FDP);
	uint32_t fop = (fcs_fop >> 16) & FOP_MASK;
	uint32_t reserved = get32(buf) & 0xffff0000u;

	if (!size16) {
		put32(buf + P_FIP, reserved | (ip & 0xffffu));
		put32(buf + P_FCS_FOP, ((ip >> 4) & 0x0ffff000u) | fop);
		put32(buf + P_FDP, reserved | (dp & 0xffffu));
		put32(buf + P_FDS, (dp >> 4) & 0x0ffff000u);
		return;
	}
	/* FCW, FSW, FTW: the low halves of the first three doublewords */
	put16(buf + 2, get16(buf + 4));
	put16(buf + 4, get16(buf + 8));
	put16(buf + 6, (uint16_t)ip);
	put16(buf + 8, (uint16_t)(((ip >> 4) & 0xf000u) | fop));
	put16(buf + 10, (uint16_t)dp);
	put16(buf + 12, (uint16_t)((dp >> 4) & 0xf000u));
	if (with_regs)
		move_regs(buf, R16_SIZE, P_SIZE);
}

/* The real-mode image of 28 or (size16) 14 bytes in buf (then the
 * registers if with_regs) becomes the protected-mode one of 28, the
 * registers moved down behind it: linear pointers in FIP and FDP, FCS and
 * FDS 0. */
void emul_x87_image_from_real(uint8_t *buf, bool size16, bool with_regs)
{
	uint32_t ip, dp, fop;

	if (size16) {
		uint16_t fcw = get16(buf), fsw = get16(buf + 2), ftw = get16(buf + 4);
		uint16_t w8 = get16(buf + 8);

		ip = get16(buf + 6) | ((uint32_t)(w8 & 0xf000u) << 4);
		fop = w8 & FOP_MASK;
		dp = get16(buf + 10) | ((uint32_t)(get16(buf + 12) & 0xf000u) << 4);
		if (with_regs)
			move_regs(buf, P_SIZE, R16_SIZE);
		put32(buf, fcw);
		put32(buf + 4, fsw);
		put32(buf + 8, ftw);
	} else {
		uint32_t d16 = get32(buf + P_FCS_FOP);

		ip = (get32(buf + P_FIP) & 0xffffu) | ((d16 & 0x0ffff000u) << 4);
		fop = d16 & FOP_MASK;
		dp = (get32(buf + P_FDP) & 0xffffu) |
		     ((get32(buf + P_FDS) & 0x0ffff000u) << 4);
	}
	put32(buf + P_FIP, ip);
	put32(buf + P_FCS_FOP, fop << 16);
	put32(buf + P_FDP, dp);
	put32(buf + P_FDS, 0);
}
