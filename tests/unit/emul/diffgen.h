/*
 * diffgen.h - instruction encoder for the differential tests: builds one
 * 64-bit- or 32-bit-mode instruction (prefixes, REX, opcode, ModRM/SIB/displacement,
 * immediate) and sets the case's registers so that a memory operand lands
 * at a chosen address in the sandbox scratch pages.
 */
#ifndef EMUL_DIFFGEN_H
#define EMUL_DIFFGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "sandbox.h"
#include "test_util.h"

struct dcase {
	uint8_t code[16];
	unsigned len;
	struct sb_state in;
	uint32_t undef_flags; /* flags the SDM leaves undefined here */
	uint32_t more_flags;  /* flags compared beyond CF..OF and DF */
	uint16_t undef_regs;  /* registers whose result is undefined */
	bool may_fault;       /* a fault is an acceptable outcome */
	bool no_fault_state;  /* REP: partial progress is not comparable */
	uint8_t scratch[SB_SCRATCH_SIZE];
};

struct gen {
	struct rng *r;
	struct dcase *c;
	uint8_t pfx[4];
	unsigned npfx;
	uint8_t rex;          /* W R X B bits */
	bool force_rex;       /* emit 0x40 even without bits */
	uint8_t op[3];
	unsigned nop;
	bool has_modrm;
	uint8_t modrm;
	bool has_sib;
	uint8_t sib;
	unsigned disp_len;
	int64_t disp;
	bool riprel;
	uint64_t target;      /* riprel target */
	uint8_t imm[8];
	unsigned nimm;
	bool addr32;
	uint16_t used_regs;   /* registers that hold addresses */
	uint64_t ea;          /* memory operand address (0: none) */
	bool m32;             /* encode for 32-bit (compatibility) mode */
	bool vex;             /* a three-byte VEX prefix replaces REX */
	uint8_t vex_map, vex_pp, vex_vvvv;
};

/* Generate for 32-bit mode (no REX, no RIP-relative, 8 registers). */
extern bool gen_mode32;

/* GS base the 64-bit tests run with (arch_prctl); a GS override is used
 * on some memory operands. */
#define GEN_GS_BASE 0x12340ull

void gen_begin(struct gen *g, struct rng *r, struct dcase *c);
/* Operand size 1/2/4/8: 66 for 2, REX.W for 8 (the caller picks the
 * byte opcode for 1). */
void gen_opsize(struct gen *g, unsigned size);
void gen_prefix(struct gen *g, uint8_t p);
void gen_opcode(struct gen *g, const uint8_t *op, unsigned n);
/* Encode with C4 (map 1-3, pp, vvvv; W from gen_opsize(8), R/X/B from the
 * ModRM operands): the opcode is then the one byte after it. */
void gen_vex(struct gen *g, unsigned map, unsigned pp, unsigned vvvv);
/* ModRM with a register r/m operand. */
void gen_modrm_reg(struct gen *g, unsigned reg, unsigned rm);
/* ModRM with a memory operand of size bytes, placed in scratch (or, with
 * a small probability when allow_fault, across/after its end). */
void gen_modrm_mem(struct gen *g, unsigned reg, unsigned size,
		   bool allow_fault);
void gen_imm(struct gen *g, uint64_t v, unsigned n);
void gen_end(struct gen *g);
/* A random register number avoiding those in mask. */
unsigned gen_reg(struct gen *g, uint16_t avoid);
/* Scratch address with room for size bytes (sometimes across the page
 * boundary in the middle). */
uint64_t gen_target(struct gen *g, unsigned size);

#endif
