/*
 * sandbox.h - run one instruction natively on the host CPU with chosen
 * registers and flags, at fixed low addresses so that 32-bit and absolute
 * addressing reach the scratch pages. Faults are caught and reported with
 * the hardware trap number, error code and CR2 from the signal context.
 */
#ifndef EMUL_SANDBOX_H
#define EMUL_SANDBOX_H

#include <stdint.h>

#define SB_SCRATCH 0x10000000ull /* 2 RW pages; unmapped around them */
#define SB_SCRATCH_SIZE 8192u
#define SB_STATE 0x20000000ull
#define SB_CODE 0x30000000ull

struct sb_state {
	uint64_t gpr[16];
	uint64_t rflags;
	uint64_t host_rsp;
};

struct sb_fault {
	int sig;      /* 0: no fault */
	int trapno;
	uint64_t err;
	uint64_t cr2;
};

int sb_init(void);
/* Install the fault handlers (call at the start of each test). */
void sb_arm(void);
uint64_t sb_insn_addr(void);
uint8_t *sb_scratch(void);
/* Load *st, execute insn, store *st back. Returns 0 or the signal. */
int sb_run(const uint8_t *insn, unsigned len, struct sb_state *st,
	   struct sb_fault *f);
void sb_host_sels(uint16_t sel[6]);
/* The same in compatibility mode (32-bit code segment 0x23, DS = ES =
 * 0x2b); only the low 32 bits of EAX..EDI are meaningful afterwards. */
uint64_t sb_insn_addr32(void);
int sb_run32(const uint8_t *insn, unsigned len, struct sb_state *st,
	     struct sb_fault *f);

#endif
