/*
 * The random-guest-code fuzzer (`fuzzcode`, issue 14): the machine a
 * program runs on (fuzzcode_machine.c) and the command that fills it with
 * random code and single-steps it (cmd_fuzzcode.c). Control partition only.
 *
 * Guest memory: RAM at [0, 0xa0000) and [1 MiB, 2 MiB); everything else is
 * MMIO (the VMM answers). Below 64 KiB the system area: the real-mode IVT,
 * one HLT per vector (the handlers: every vector v goes to FC_HANDLERS + v,
 * so a HLT exit names the vector), the GDT, IDT, TSSs, an LDT, the page
 * tables and the handlers' stack. In the paging modes the system area is
 * supervisor-only and read-only (the stack page writable), [0x40000,
 * 0x50000) is not present, and [0, 4 MiB) is identity mapped, so
 * [2 MiB, 4 MiB) is MMIO.
 */
#ifndef GUESTS_CTL_FUZZCODE_H
#define GUESTS_CTL_FUZZCODE_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/kvm.h"

#define FC_LOW_BYTES    0xa0000ULL      /* slot 0 at gpa 0 */
#define FC_HIGH_GPA     0x100000ULL     /* slot 1 */
#define FC_HIGH_BYTES   0x100000ULL
#define FC_SYS_BYTES    0xa000          /* what the guard compares, at most */
#define FC_HANDLERS     0x600           /* HLT for vector v at 0x600 + v */
#define FC_GDT          0x1000
#define FC_GDT_LIMIT    0xff
#define FC_IDT          0x2000
#define FC_TSS32        0x3000
#define FC_TSS64        0x3200
#define FC_TSS_LIMIT    0xe8            /* 0x68 bytes, 128 bytes of IO bitmap, 0xff */
#define FC_LDT          0x3400
#define FC_LDT_LIMIT    0xff
#define FC_TABLES       0x5000          /* page tables, up to 0x9fff */
#define FC_STACK0_PAGE  0xe000          /* the handlers' stack page */
#define FC_STACK0_TOP   0xf000
#define FC_SYS_END      0x10000
#define FC_HOLE         0x40000         /* [HOLE, HOLE_END) not present */
#define FC_HOLE_END     0x50000
#define FC_CODE         0x20000         /* random code, a page */
#define FC_CODE_BYTES   0x1000
#define FC_DATA         0x21000         /* random data, a page */
#define FC_STACK        0x38000         /* a program's own stack, around */
#define FC_MAPPED_END   0x400000        /* paging maps [0, 4 MiB) */

/* GDT selectors */
#define FC_SEL_CODE32   0x08
#define FC_SEL_DATA     0x10
#define FC_SEL_CODE64   0x18
#define FC_SEL_CODE16   0x20            /* base FC_CODE, limit 0xffff */
#define FC_SEL_CODE32_3 0x28
#define FC_SEL_DATA_3   0x30
#define FC_SEL_CODE64_3 0x38
#define FC_SEL_TSS32    0x40
#define FC_SEL_DATA16   0x48
#define FC_SEL_TSS64    0x50            /* 16 bytes */
#define FC_SEL_LDT      0x60
#define FC_SEL_RANDOM   0x68            /* random descriptors from here */

enum fc_mode {
	FC_REAL, FC_BIGREAL, FC_PROT16, FC_PROT32, FC_PAGING32, FC_PAE,
	FC_LONG64, FC_COMPAT, FC_MODES
};

/* The random source a program is made from: xorshift64*. */
struct fc_rng {
	uint64_t s;
};

uint64_t fc_rnd(struct fc_rng *r);
uint64_t fc_below(struct fc_rng *r, uint64_t n);
bool fc_chance(struct fc_rng *r, unsigned percent);
void fc_fill(struct fc_rng *r, uint8_t *p, uint64_t n);

struct fc_machine {
	int vm, vcpu;
	uint8_t *low, *high;            /* the two RAM slots, mapped */
	struct kvm_sregs reset;         /* a new vCPU's */
	uint8_t tr_type;                /* TR's cached type (cmd_fuzzcode.c) */
	uint8_t golden[FC_SYS_BYTES];   /* the system area as written */
};

/* What one program starts from. */
struct fc_program {
	enum fc_mode mode;
	int cpl;                        /* 0 or 3 */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

const char *fc_mode_name(enum fc_mode mode);
bool fc_mode_paging(enum fc_mode mode);

/* Creates the VM (two slots), its vCPU, maps the RAM and fills it with
 * random bytes. 0, or -errno (what was made is closed). */
int fc_machine_open(struct fc_machine *m, struct fc_rng *r);
void fc_machine_close(struct fc_machine *m);

/* Takes out of n bytes of code what would stop an emulator (QEMU) rather
 * than test BareKVM: MOV to DR7, LOCK BTx (fuzzcode_machine.c). */
void fc_scrub(uint8_t *p, uint64_t n);

/* The byte at a guest-physical address, or -1 outside RAM. */
int fc_read_gpa(const struct fc_machine *m, uint64_t gpa);
/* Whether a linear address < 4 GiB is present and writable for the
 * supervisor in the fuzzer's page tables (false above the mapped 4 MiB). */
bool fc_page_writable(uint64_t linear);

/*
 * Writes the system area for the program's mode (and a copy into golden),
 * fresh random code and data, and picks the program's registers (RIP at the
 * code, a valid stack) into p. The mode and CPL must be set in p.
 */
void fc_program_setup(struct fc_machine *m, struct fc_program *p, struct fc_rng *r);

/* Fills n bytes of code for the program's mode (fuzzcode_code.c). */
void fc_code_fill(uint8_t *code, uint64_t n, const struct fc_program *p, struct fc_rng *r);

/* The guard (cmd_fuzzcode.c): NULL if an exception raised now would reach
 * its handler without a second fault, else why not. */
const char *fc_unsafe(const struct fc_machine *m, const struct fc_program *p,
		      const struct kvm_sregs *s, const struct kvm_regs *regs);

#endif
