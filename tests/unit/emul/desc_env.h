/*
 * desc_env.h - a protected-mode guest for the segment-load and far-transfer
 * tests: 256 KiB of RAM at linear 0 with a GDT, an LDT and a TSS in it,
 * emul_ops with get_dtable/get_sysseg over them, a descriptor builder, and
 * one MMIO page for operands read through the KVM_EXIT_MMIO round trip.
 */
#ifndef EMUL_DESC_ENV_H
#define EMUL_DESC_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "emul.h"
#include "fakemem.h"

#define ENV_MEM_SIZE 0x40000u
#define ENV_CODE 0x1000u   /* instruction bytes */
#define ENV_DATA 0x2000u   /* RAM operands */
#define ENV_MMIO 0x5000u   /* an MMIO page (backed by env.mem for the VMM) */
#define ENV_STACK 0x7000u  /* initial rSP (stack grows down from here) */
#define ENV_GDT 0x8000u
#define ENV_LDT 0x9000u
#define ENV_TSS 0xA000u

struct desc_env {
	uint8_t mem[ENV_MEM_SIZE];
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	struct emul_seg ldtr, tr;
	unsigned sys_reads;  /* reads of the GDT/LDT */
	unsigned user_sys;   /* ... of which with EMUL_ACC_USER (must be 0) */
	unsigned sysseg_sets; /* set_sysseg calls (LLDT, LTR) */
};

extern struct desc_env env;
extern const struct emul_ops env_ops;

/* An 8-byte code/data/system descriptor (SDM Vol. 3A 3.4.5). flags: bit 0
 * AVL, 1 L, 2 D/B, 3 G (the descriptor's bits 52..55). */
uint64_t env_desc(uint32_t base, uint32_t limit, unsigned type, unsigned s,
		  unsigned dpl, unsigned present, unsigned flags);
/* A gate: selector, offset, type, dpl, parameter count. */
uint64_t env_gate(uint16_t sel, uint32_t offset, unsigned type, unsigned dpl,
		  unsigned params);
void env_set_gdt(unsigned index, uint64_t d);
void env_set_ldt(unsigned index, uint64_t d);
uint64_t env_get_gdt(unsigned index);

/* Fresh guest: mode EMUL_MODE_PROT32 (CPL cpl, flat segments of that
 * DPL, CS = 0x08|cpl... see desc_env.c), or EMUL_MODE_PROT16,
 * EMUL_MODE_LONG64, EMUL_MODE_REAL; code bytes in hex at ENV_CODE. */
void env_setup(enum emul_mode mode, unsigned cpl, const char *hex);
enum emul_status env_run(void);
void env_expect_fault(uint8_t vector, uint32_t error_code);
uint64_t env_rd(uint64_t la, unsigned n);
void env_wr(uint64_t la, uint64_t v, unsigned n);

#endif
