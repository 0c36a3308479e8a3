/*
 * emul_private.h - shared internals of the emulator library (not for users).
 *
 * Declares the opcode-table attributes, the per-call execution state that
 * handlers work on, and the helpers each file of emul/ exports to the others.
 * Freestanding: only compiler headers. memcpy/memset/memcmp come from the
 * hypervisor's runtime or, on the host, from libc; they are declared here so
 * that no libc header is needed.
 */
#ifndef EMUL_PRIVATE_H
#define EMUL_PRIVATE_H

#include "emul.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* ------------------------------------------------------------------ */
/* Opcode table attributes (struct emul_insn.attr)                    */
/* ------------------------------------------------------------------ */

#define A_MODRM (1u << 0)   /* has a ModRM byte */
#define A_BYTE (1u << 1)    /* byte operand size */
#define A_IMM_SHIFT 2       /* 4-bit immediate kind, IMM_* below */
#define A_IMM_MASK (0xFu << A_IMM_SHIFT)
#define A_INV64 (1u << 6)   /* #UD in 64-bit mode */
#define A_DEF64 (1u << 7)   /* operand size defaults to 64 in 64-bit mode */
#define A_F64 (1u << 8)     /* near branch: 64-bit in 64-bit mode; 66h
			     * makes it 16-bit on AMD only */
#define A_LOCK (1u << 9)    /* LOCK legal when the destination is memory */
#define A_MEMONLY (1u << 10) /* #UD if ModRM.mod == 3 */
#define A_UD (1u << 11)     /* undefined opcode: #UD */
#define A_GRP (1u << 12)    /* ModRM.reg selects within group A_GRPNUM */
#define A_CRDR (1u << 13)   /* MOV CR/DR: ModRM.mod ignored, always reg */
#define A_STRING (1u << 14) /* string instruction (REP applies) */
#define A_REGONLY (1u << 15) /* #UD unless ModRM.mod == 3 */
#define A_GRPNUM_SHIFT 24
#define A_GRPNUM(a) (((a) >> A_GRPNUM_SHIFT) & 0xFF)

#define A_IMM(k) ((uint32_t)(k) << A_IMM_SHIFT)
enum {
	IMM_NONE = 0,
	IMM_8,     /* ib */
	IMM_16,    /* iw */
	IMM_Z,     /* 1 for byte ops, else 2 or 4 by operand size */
	IMM_V,     /* 2, 4 or 8 by operand size (MOV r, imm64) */
	IMM_MOFFS, /* address-size offset (MOV A0-A3) */
	IMM_FAR,   /* ptr16:16 / ptr16:32 */
	IMM_ENTER, /* iw, ib */
	IMM_REL8,  /* rel8 */
	IMM_RELZ,  /* rel16/rel32 */
	IMM_8X2,   /* ib, ib (AMD EXTRQ/INSERTQ) */
	IMM_32,    /* id (XOP map 0Ah) */
};

/* Group numbers (A_GRPNUM). */
enum {
	GRP_NONE = 0,
	GRP_1,   /* 80-83 */
	GRP_1A,  /* 8F */
	GRP_2,   /* C0 C1 D0-D3 */
	GRP_3,   /* F6 F7 */
	GRP_4,   /* FE */
	GRP_5,   /* FF */
	GRP_11,  /* C6 C7 */
	GRP_6,   /* 0F 00 */
	GRP_7,   /* 0F 01 */
	GRP_8,   /* 0F BA */
	GRP_9,   /* 0F C7 */
	GRP_COUNT,
};

/* ------------------------------------------------------------------ */
/* Execution state of one emul_execute() call                         */
/* ------------------------------------------------------------------ */

struct emul_exec;

/* Handlers return EX_OK (done, or one REP iteration done) or EX_STOP
 * (x->res filled: request, exception or unsupported). */
#define EX_OK 0
#define EX_STOP 1
typedef int (*emul_handler_fn)(struct emul_exec *x);

struct emul_opdesc {
	uint32_t attr;
	emul_handler_fn fn; /* NULL: valid but not emulated */
};

extern const struct emul_opdesc emul_map_1b[256];
extern const struct emul_opdesc emul_map_0f[256];
extern const struct emul_opdesc emul_groups[GRP_COUNT][8];

/* ---- decode.c ---- */
/* emul_decode() is the short decoder of the plain MOV forms (0 for any
 * other instruction), then the full one; exported for test_decode. */
int emul_decode_short(struct emul_insn *insn, const uint8_t *bytes,
		      size_t avail, enum emul_mode mode);
int emul_decode_full(struct emul_insn *insn, const uint8_t *bytes,
		     size_t avail, enum emul_mode mode, enum emul_vendor vendor);

/* Handler lookup for a decoded instruction; NULL if not emulated. */
emul_handler_fn emul_handler_of(const struct emul_insn *insn);

struct emul_exec {
	struct emul_ctx *ctx;
	const struct emul_insn *insn;
	struct emul_cpu *cpu;   /* working copy, committed on success */
	struct emul_result *res;
	uint64_t next_rip;      /* RIP after this instruction */
	uint8_t rd_idx;         /* next read slot of this replay */
	uint8_t wr_idx;         /* next write of this replay */
	uint8_t out_pending;    /* res holds an MMIO write / IO out */
	uint8_t rep_more;       /* REP iteration done, more to run */
	uint8_t ss_shadow;      /* MOV/POP SS: no single-step trap after
				 * this instruction (SDM Vol. 3A 6.8.3) */
	uint8_t keep_rf;        /* IRET loaded RFLAGS.RF: commit() keeps it */
	uint8_t into_handler;   /* INT n and the like entered a handler with
				 * TF clear: no single-step trap follows */
	uint8_t sti_shadow;     /* STI set IF: interrupts wait one more
				 * instruction (res->shadow) */
	uint8_t halt;           /* HLT (res->halted) */
	uint8_t ext;            /* EXT (bit 0) of the error code of an #AC
				 * this run raises: 1 while delivering an
				 * event other than a software interrupt */
	uint8_t ac_align;       /* non-zero: the alignment the datum being
				 * moved demands of each of its pieces (the
				 * x87 images, align.c), else each access's
				 * own size */
};

/* An operand: a register or a memory location (segment:offset). */
struct emul_opnd {
	uint8_t is_mem;
	uint8_t size;   /* bytes */
	uint8_t reg;    /* register number */
	uint8_t seg;    /* memory: segment */
	uint64_t off;   /* memory: effective address (masked) */
};

/* ---- small helpers, inline: they are on every access ---- */
static inline uint64_t emul_size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static inline uint64_t emul_addr_mask(unsigned addrsize)
{
	return emul_size_mask(addrsize);
}

static inline uint64_t emul_sx(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;

	if (size >= 8)
		return v;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* 48-bit canonical form: bits 63:47 all equal. LA57 guests are rare
 * enough that the 57-bit form is not modelled (docs/emulator.md). */
static inline bool emul_canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

static inline unsigned emul_user_acc(const struct emul_cpu *c)
{
	return c->cpl == 3 ? EMUL_ACC_USER : 0;
}

/* ---- execute.c ---- */
int emul_raise(struct emul_exec *x, uint8_t vector, bool has_ec, uint32_t ec);
int emul_gp0(struct emul_exec *x);
int emul_unsupported(struct emul_exec *x, uint8_t reason);
void emul_retire(struct emul_exec *x);
int emul_fetch_window(struct emul_exec *x, uint64_t *la, unsigned *avail);
int emul_fetch_decoded(struct emul_exec *x, int rc);

/* ---- vm86.c ---- */
int emul_vm86_check(struct emul_exec *x);

/* ---- vm86_enter.c: IRET at CPL 0 with VM in the EFLAGS image ---- */
int emul_iret_to_vm86(struct emul_exec *x, uint64_t eip, uint64_t cs,
		      uint64_t eflags);

/* ---- exec_invpcid.c ---- */
int emul_exec_invpcid(struct emul_exec *x);
/* ---- exec_rsm.c: RSM outside SMM (always: no SMM here) ---- */
int emul_exec_rsm(struct emul_exec *x);

/* ---- vm86_vif.c: 16-bit PUSHF, POPF, IRET with CR4.VME below IOPL 3 ---- */
int emul_exec_vme_pushf(struct emul_exec *x);
int emul_exec_vme_popf(struct emul_exec *x);
int emul_exec_vme_iret(struct emul_exec *x);

/* ---- fetch_mmio.c ---- */
int emul_fetch_mmio(struct emul_exec *x, uint64_t la, unsigned avail);
int emul_fetch_mmio_resume(struct emul_exec *x);

/* ---- seg.c ---- */
const struct emul_seg *emul_seg(const struct emul_exec *x, unsigned sreg);
int emul_linear_seg(struct emul_exec *x, unsigned seg, uint64_t off,
		    unsigned size, bool write, uint64_t *la);
int emul_linear_any(struct emul_exec *x, unsigned seg, uint64_t off,
		    unsigned size, uint64_t *la);

/* seg:off to a linear address, with the segment (or canonical) checks;
 * 0 or EX_STOP with the fault in x->res. The common case, 64-bit mode
 * without FS/GS, is inline; the rest in seg.c. */
static inline int emul_linear(struct emul_exec *x, unsigned seg, uint64_t off,
			      unsigned size, bool write, uint64_t *la)
{
	if (x->cpu->mode == EMUL_MODE_LONG64 && seg != EMUL_SEG_FS &&
	    seg != EMUL_SEG_GS && emul_canonical(off) &&
	    emul_canonical(off + size - 1)) {
		*la = off;
		return 0;
	}
	return emul_linear_seg(x, seg, off, size, write, la);
}

/* ---- desc.c ---- */
/* A descriptor read from the GDT or LDT. */
struct emul_desc {
	uint64_t raw;        /* its first 8 bytes */
	uint64_t la;         /* its linear address */
	uint16_t sel;        /* the selector that found it */
	struct emul_seg seg; /* decoded (code/data: the hidden part it gives,
			      * selector = sel) */
};

/* A segment register load checked but not yet done. */
struct emul_seg_load {
	struct emul_seg seg;   /* the new hidden part */
	struct emul_desc desc; /* with has_desc: where it came from */
	uint8_t sreg;
	uint8_t has_desc;      /* a descriptor was read (its accessed bit is
				* set by emul_seg_load_write) */
};

/* IA-32e mode (EFER.LMA): 64-bit or compatibility mode. */
bool emul_ia32e(const struct emul_cpu *c);
/* The descriptor sel selects: *found false (EX_OK) when the index is
 * beyond the GDT/LDT limit or TI = 1 without an LDT. EX_STOP on a fault,
 * an MMIO read or no get_dtable/get_sysseg (unsupported). */
int emul_desc_lookup(struct emul_exec *x, uint16_t sel, struct emul_desc *d,
		     bool *found);
/* emul_desc_lookup() raising vector(sel) when it finds nothing. */
int emul_desc_fetch(struct emul_exec *x, uint16_t sel, uint8_t vector,
		    struct emul_desc *d);
/* Bytes 8..15 of a 16-byte IA-32e system descriptor found by the above. */
int emul_desc_fetch_upper(struct emul_exec *x, const struct emul_desc *d,
			  uint8_t vector, uint64_t *upper);
int emul_desc_set_accessed(struct emul_exec *x, const struct emul_desc *d);
void emul_seg_null(struct emul_seg *s, uint16_t sel, uint8_t dpl);
/* MOV/POP Sreg, LxS: the checks and descriptor read of loading sel into
 * sreg (not CS); then, after the instruction's other reads,
 * emul_seg_load_write() (the accessed bit) and, after its last access,
 * emul_seg_commit(). */
int emul_seg_load_check(struct emul_exec *x, unsigned sreg, uint16_t sel,
			struct emul_seg_load *ld);
int emul_seg_load_write(struct emul_exec *x, const struct emul_seg_load *ld);
/* Store a segment register (seg_loaded, seg_written). Cannot fail. */
void emul_seg_commit(struct emul_exec *x, unsigned sreg,
		     const struct emul_seg *s);

/* ---- exec_segload.c ---- */
int emul_exec_mov_to_sreg(struct emul_exec *x);
int emul_exec_pop_sreg(struct emul_exec *x);
int emul_exec_load_far_ptr(struct emul_exec *x);

/* ---- exec_far.c ---- */
int emul_exec_jmp_far(struct emul_exec *x);
int emul_exec_call_far(struct emul_exec *x);
int emul_exec_retf(struct emul_exec *x);
int emul_exec_iret(struct emul_exec *x);
/* Shared with exec_gate.c: the rIP check of a far transfer (#GP(0)) and
 * the mode a new CS gives. */
int emul_far_check_rip(struct emul_exec *x, const struct emul_seg *cs,
		       uint64_t rip);
enum emul_mode emul_far_mode(const struct emul_exec *x,
			     const struct emul_seg *cs);

/* ---- exec_gate.c ---- */
/* Far JMP (call = false) or CALL through the call gate *gate: the whole
 * instruction from there on (checks, stack switch, commit). */
int emul_far_gate(struct emul_exec *x, const struct emul_desc *gate,
		  bool call);

/* ---- exec_desc.c ---- */
int emul_exec_lar_lsl(struct emul_exec *x);
int emul_exec_verr_verw(struct emul_exec *x);

/* ---- exec_sysseg.c ---- */
int emul_exec_lldt(struct emul_exec *x);
int emul_exec_ltr(struct emul_exec *x);

/* ---- align.c: #AC (SDM Vol. 3A 6.15) ---- */
bool emul_ac_armed(const struct emul_cpu *c);
int emul_ac_check_slow(struct emul_exec *x, uint64_t la, unsigned size,
		       unsigned acc);

/* #AC for a data access of size bytes at la, made with acc (EMUL_ACC_SYS
 * and EMUL_ACC_FETCH are never checked). CR0.AM is tested inline: with it
 * clear (most guests) the check costs one branch. */
static inline int emul_ac_check(struct emul_exec *x, uint64_t la,
				unsigned size, unsigned acc)
{
	if (__builtin_expect(!(x->cpu->cr0 & (1ull << 18)), 1))   /* CR0.AM */
		return EX_OK;
	return emul_ac_check_slow(x, la, size, acc);
}

/* ---- mem.c ---- */
/* acc bit for emul_read_linear/emul_write_linear: an implicit supervisor
 * access (descriptor tables, TSS), made without EMUL_ACC_USER whatever
 * the CPL (SDM Vol. 3A 4.6.1). Never passed to the callbacks. */
#define EMUL_ACC_SYS 0x80
int emul_read(struct emul_exec *x, unsigned seg, uint64_t off, unsigned size,
	      unsigned acc, uint64_t *val);
int emul_read_linear(struct emul_exec *x, uint64_t la, unsigned size,
		     unsigned acc, uint64_t *val);
int emul_write_linear(struct emul_exec *x, uint64_t la, unsigned size,
		      unsigned acc, uint64_t val);
int emul_write(struct emul_exec *x, unsigned seg, uint64_t off,
	       unsigned size, uint64_t val);
int emul_probe_write(struct emul_exec *x, unsigned seg, uint64_t off,
		     unsigned size);
/* emul_probe_write() at a linear address (event delivery's frames). */
int emul_probe_linear(struct emul_exec *x, uint64_t la, unsigned size);
/* Translate one piece (never crossing a page) as a read, nothing read. */
int emul_probe_read_linear(struct emul_exec *x, uint64_t la, unsigned size);
int emul_io_in(struct emul_exec *x, uint16_t port, unsigned size,
	       uint32_t *val);
int emul_io_out(struct emul_exec *x, uint16_t port, unsigned size,
		uint32_t val);

/* ---- operand.c ---- */
uint64_t emul_reg_get(const struct emul_exec *x, unsigned reg, unsigned size);
void emul_reg_set(struct emul_exec *x, unsigned reg, unsigned size,
		  uint64_t val);
uint64_t emul_ea(const struct emul_exec *x);
void emul_opnd_rm(const struct emul_exec *x, struct emul_opnd *op,
		  unsigned size);
void emul_opnd_reg(struct emul_opnd *op, unsigned reg, unsigned size);
int emul_opnd_read(struct emul_exec *x, const struct emul_opnd *op,
		   unsigned acc, uint64_t *val);
int emul_opnd_write(struct emul_exec *x, const struct emul_opnd *op,
		    uint64_t val);
uint64_t emul_imm_sx(const struct emul_insn *insn);
unsigned emul_stack_size(const struct emul_exec *x);

/* ---- flags.c ---- */
uint32_t emul_flags_szp(uint64_t res, unsigned size);
uint32_t emul_flags_add(uint64_t a, uint64_t b, uint64_t carry, unsigned size);
uint32_t emul_flags_sub(uint64_t a, uint64_t b, uint64_t borrow,
			unsigned size);
uint32_t emul_flags_logic(uint64_t res, unsigned size);
void emul_flags_set(struct emul_cpu *c, uint32_t mask, uint32_t val);
bool emul_cond(const struct emul_cpu *c, unsigned cc);
unsigned emul_msb(uint64_t v, unsigned size);

/* ---- exec_alu.c ---- */
int emul_exec_alu(struct emul_exec *x);
int emul_exec_alu_grp1(struct emul_exec *x);
int emul_exec_test(struct emul_exec *x);
int emul_exec_incdec(struct emul_exec *x);
int emul_exec_incdec_reg(struct emul_exec *x);
int emul_exec_not(struct emul_exec *x);
int emul_exec_neg(struct emul_exec *x);
uint64_t emul_alu_compute(struct emul_cpu *c, unsigned op, unsigned size,
			  uint64_t a, uint64_t b);

/* ---- exec_mov.c ---- */
int emul_exec_x87(struct emul_exec *x);
/* x87_image.c: real-mode environment and state images (SDM Vol. 1
 * Figures 8-10, 8-12) to and from the 32-bit protected-mode layout. */
void emul_x87_image_to_real(uint8_t *buf, bool size16, bool with_regs,
			    bool held_linear);
void emul_x87_image_from_real(uint8_t *buf, bool size16, bool with_regs);
int emul_exec_fwait(struct emul_exec *x);
int emul_exec_grp15(struct emul_exec *x);
/* ---- exec_fence.c ---- */
bool emul_is_fence_or_flush(const struct emul_insn *in);
int emul_exec_fence_or_flush(struct emul_exec *x);
/* x87_buf <-> guest memory in 8-byte pieces (exec_x87.c); a write is
 * checked whole before its first piece goes out. */
int emul_x87_read_buf(struct emul_exec *x, unsigned seg, uint64_t off,
		      unsigned size);
int emul_x87_write_buf(struct emul_exec *x, unsigned seg, uint64_t off,
		       unsigned size);

/* ---- simd_forms.c, exec_simd.c: MMX/SSE/3DNow! with memory operands ---- */
enum { SIMD_NP, SIMD_66, SIMD_F3, SIMD_F2 };    /* mandatory prefix */
#define SF_XMM 0x001        /* touches XMM state: needs CR4.OSFXSR */
#define SF_MMX 0x002        /* ModRM.reg is an MMX register: x87 state */
#define SF_WRITE 0x004      /* the memory operand is the destination */
#define SF_A16 0x008        /* 16-byte aligned, else #GP(0) */
#define SF_IMM 0x010        /* has an imm8 */
#define SF_GPR 0x020        /* ModRM.reg is a general register (written) */
#define SF_FLAGS 0x040      /* writes ZF PF CF, clears OF SF AF */
#define SF_W64 0x080        /* REX.W widens the operand to 64 bits (PCMPESTRx:
			     * the lengths in RAX and RDX) */
#define SF_X87_UNSURE 0x100 /* a pending x87 exception: not emulated */
#define SF_MEMONLY 0x200    /* the register form is #UD */
#define SF_MMX_RM 0x400     /* (exec_simd.c) ModRM.rm is an MMX register */
#define SF_RM_GPR 0x800     /* a register form's ModRM.rm is a general register
			     * (the operand the memory form has in memory) */
#define SF_REGONLY 0x1000   /* register form only: the memory form is #UD */
#define SF_SHIFT_IMM 0x2000 /* groups 12-14: run as emul_simd_shift_by_count() */
#define SF_WIDE 0x4000      /* (exec_simd.c) an SF_W64 form with REX.W */
#define SF_NO_OPERAND 0x8000 /* EMMS, FEMMS: no ModRM, no operand (size 0) */
#define SF_STRCMP 0x10000   /* PCMPESTRx/PCMPISTRx: RAX and RDX in, ECX (the
			     * ...I forms) and CF ZF SF OF out, AF PF cleared;
			     * the ...M forms' XMM0 is the callback's */
enum { FT_NONE, FT_MMX, FT_SSE, FT_SSE2, FT_SSE3, FT_SSSE3, FT_SSE41,
       FT_SSE42, FT_MMXEXT, FT_3DNOW, FT_3DNOWEXT, FT_PCLMUL, FT_AES,
       FT_SHA, FT_SSE4A };
struct emul_simd_form {
	uint8_t size;           /* bytes of the memory operand */
	uint32_t flags;         /* SF_* */
	uint8_t feat;           /* FT_*; FT_NONE: #UD (3DNow! suffix) */
};
unsigned emul_simd_prefix(const struct emul_insn *insn);
const struct emul_simd_form *emul_simd_form(const struct emul_insn *insn,
					    struct emul_simd_form *tmp);
uint8_t emul_simd_shift_by_count(const struct emul_insn *insn);
bool emul_simd_byte_shift(const struct emul_insn *insn);
int emul_exec_simd(struct emul_exec *x);
/* exec_simd.c's checks before any access, for the forms with a handler
 * of their own: #UD, #NM; #MF for an MMX form (f->flags SF_MMX). */
int emul_simd_check_state(struct emul_exec *x, const struct emul_simd_form *f);
int emul_simd_check_pending(struct emul_exec *x, const struct emul_simd_form *f);
int emul_exec_maskmov(struct emul_exec *x);
/* exec_sse4a.c: EXTRQ and INSERTQ (66/F2 0F 78, 79), and their bit-field
 * arithmetic on a quadword (a length of 0 is 64; both mod 64). */
bool emul_sse4a_form(const struct emul_insn *insn);
int emul_exec_sse4a(struct emul_exec *x);
uint64_t emul_extrq(uint64_t v, unsigned len, unsigned index);
uint64_t emul_insertq(uint64_t dst, uint64_t src, unsigned len, unsigned index);
int emul_exec_grp7_7(struct emul_exec *x);
int emul_exec_invlpg(struct emul_exec *x);
int emul_exec_rtm(struct emul_exec *x);
int emul_exec_vex(struct emul_exec *x);
int emul_exec_bmi(struct emul_exec *x);
int emul_exec_fxsr(struct emul_exec *x);
int emul_exec_grp15_ext(struct emul_exec *x);
int emul_exec_grp9(struct emul_exec *x);
int emul_exec_xsave(struct emul_exec *x);
int emul_exec_prefetchw(struct emul_exec *x);
int emul_grp15_run(struct emul_exec *x, struct emul_x87 *op);
/* A near transfer to 'target' (exec_branch.c): truncated to the operand
 * size, #GP(0) beyond the CS limit or non-canonical; RIP set, nothing
 * retired (the caller's instruction may have more to write). */
int emul_branch_to(struct emul_exec *x, uint64_t target);
int emul_exec_int(struct emul_exec *x);
int emul_exec_cli_sti(struct emul_exec *x);
int emul_exec_hlt(struct emul_exec *x);
/* deliver.c: *ev delivered as part of the running instruction. */
struct emul_deliver;
int emul_deliver_insn(struct emul_exec *x, const struct emul_deliver *ev);
int emul_exec_mov(struct emul_exec *x);
int emul_exec_mov_imm(struct emul_exec *x);
int emul_exec_mov_reg_imm(struct emul_exec *x);
int emul_exec_mov_moffs(struct emul_exec *x);
int emul_exec_mov_sreg(struct emul_exec *x);
int emul_exec_movx(struct emul_exec *x);
int emul_exec_movsxd(struct emul_exec *x);
int emul_exec_lea(struct emul_exec *x);
int emul_exec_cmov(struct emul_exec *x);
int emul_exec_setcc(struct emul_exec *x);
int emul_exec_movnti(struct emul_exec *x);
int emul_exec_movbe(struct emul_exec *x);
int emul_exec_bswap(struct emul_exec *x);
int emul_exec_xlat(struct emul_exec *x);

/* ---- exec_bcd.c ---- */
int emul_exec_bcd(struct emul_exec *x);

/* ---- exec_xchg.c ---- */
int emul_exec_xchg(struct emul_exec *x);
int emul_exec_xchg_ax(struct emul_exec *x);
int emul_exec_cmpxchg(struct emul_exec *x);
int emul_exec_cmpxchg8b(struct emul_exec *x);
int emul_exec_xadd(struct emul_exec *x);

/* ---- exec_string.c ---- */
int emul_exec_string(struct emul_exec *x);

/* ---- exec_stack.c ---- */
int emul_exec_push_reg(struct emul_exec *x);
int emul_exec_pop_reg(struct emul_exec *x);
int emul_exec_push_imm(struct emul_exec *x);
int emul_exec_push_rm(struct emul_exec *x);
int emul_exec_pop_rm(struct emul_exec *x);
int emul_exec_push_sreg(struct emul_exec *x);
int emul_exec_pushf(struct emul_exec *x);
int emul_exec_leave(struct emul_exec *x);
int emul_push(struct emul_exec *x, unsigned size, uint64_t val,
	      uint64_t *new_sp);
int emul_pop(struct emul_exec *x, unsigned size, uint64_t *val,
	     uint64_t *new_sp);
void emul_set_sp(struct emul_exec *x, uint64_t sp);

/* ---- exec_io.c ---- */
int emul_exec_inout(struct emul_exec *x);
int emul_io_allowed(struct emul_exec *x, uint16_t port, unsigned size);

/* ---- io_bitmap.c ---- */
int emul_io_bitmap(struct emul_exec *x, uint16_t port, unsigned size);

/* ---- exec_shift.c ---- */
int emul_exec_shift(struct emul_exec *x);
int emul_exec_shld(struct emul_exec *x);

/* ---- exec_bit.c ---- */
int emul_exec_bt(struct emul_exec *x);
int emul_exec_bt_imm(struct emul_exec *x);
int emul_exec_bsf_bsr(struct emul_exec *x);

/* ---- exec_bitcount.c ---- */
int emul_exec_popcnt(struct emul_exec *x);
int emul_exec_tzcnt_lzcnt(struct emul_exec *x);

/* ---- exec_crc32.c ---- */
int emul_exec_crc32(struct emul_exec *x);

/* ---- exec_adx.c ---- */
int emul_exec_adcx_adox(struct emul_exec *x);

/* ---- exec_muldiv.c ---- */
int emul_exec_muldiv(struct emul_exec *x);
int emul_exec_imul(struct emul_exec *x);

/* ---- exec_misc.c ---- */
int emul_exec_nop(struct emul_exec *x);
int emul_exec_flagop(struct emul_exec *x);
int emul_exec_sahf_lahf(struct emul_exec *x);
int emul_exec_cbw_cwd(struct emul_exec *x);

/* ---- exec_sysreg.c ---- */
int emul_exec_smsw(struct emul_exec *x);
int emul_exec_lgdt_lidt(struct emul_exec *x);

/* ---- exec_branch.c ---- */
int emul_exec_jmp(struct emul_exec *x);
int emul_exec_jcc(struct emul_exec *x);
int emul_exec_call(struct emul_exec *x);
int emul_exec_ret(struct emul_exec *x);
int emul_exec_loop(struct emul_exec *x);
int emul_exec_jmp_rm(struct emul_exec *x);
int emul_exec_call_rm(struct emul_exec *x);

/* ---- exec_frame.c ---- */
int emul_exec_enter(struct emul_exec *x);
int emul_exec_pusha(struct emul_exec *x);
int emul_exec_popa(struct emul_exec *x);

/* ---- exec_bound_arpl.c ---- */
int emul_exec_bound(struct emul_exec *x);
int emul_exec_arpl(struct emul_exec *x);

/* ---- exec_popf.c ---- */
int emul_exec_popf(struct emul_exec *x);

/* ---- exec_sysstore.c ---- */
int emul_exec_sgdt_sidt(struct emul_exec *x);
int emul_exec_sldt_str(struct emul_exec *x);

/* ---- exec_movcr.c ---- */
int emul_exec_mov_from_cr(struct emul_exec *x);
int emul_exec_mov_to_cr(struct emul_exec *x);
int emul_exec_clts(struct emul_exec *x);

/* ---- exec_lmsw.c ---- */
int emul_exec_lmsw(struct emul_exec *x);

/* ---- exec_xop.c ---- */
int emul_exec_xop(struct emul_exec *x);

#endif /* EMUL_PRIVATE_H */
