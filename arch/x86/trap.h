/*
 * Exceptions and interrupts taken by the hypervisor itself. Every vector has
 * a stub (arch/x86/trap_entry.S) that builds a struct trap_frame and calls
 * trap_dispatch(). An exception in the hypervisor is our bug: it dumps the
 * machine state and halts. Interrupt vectors get handlers as drivers arrive.
 */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include <stdbool.h>
#include <stdint.h>

#define TRAP_DE   0
#define TRAP_DB   1
#define TRAP_NMI  2
#define TRAP_BP   3
#define TRAP_UD   6
#define TRAP_DF   8
#define TRAP_GP   13
#define TRAP_PF   14
#define TRAP_AC   17
#define TRAP_MC   18
#define TRAP_NUM_EXCEPTIONS 32
#define RFLAGS_RF (1ULL << 16)

/*
 * Is 'vector' a fault: raised before its instruction, which the handler
 * returns to (SDM Vol. 3A Table 6-1)? Its frame then carries RFLAGS.RF = 1
 * so that the return does not hit an instruction breakpoint again
 * (SDM 17.3.1.1). #DB (an instruction breakpoint does not set RF), #BP and
 * #OF (traps), #DF and #MC (aborts) and NMI are not.
 */
static inline bool trap_is_fault(unsigned vector)
{
	const uint32_t not_faults = 1u << TRAP_DB | 1u << TRAP_NMI | 1u << TRAP_BP |
				    1u << 4 /* #OF */ | 1u << TRAP_DF | 1u << TRAP_MC;

	return vector < TRAP_NUM_EXCEPTIONS && !(not_faults >> vector & 1);
}

/*
 * A fault 'second' raised while delivering exception 'first' (SDM Vol. 3
 * Table 6-5; AMD APM Vol. 2 8.2.9 agrees): a contributory one (#DE, #TS,
 * #NP, #SS, #GP) on a contributory one, or a contributory one or #PF on a
 * #PF, is #DF; a contributory one or #PF on #DF is a shutdown (-1);
 * everything else, a #PF on a contributory exception included, is
 * handled serially: 'second' is delivered.
 */
static inline int trap_combine(unsigned first, unsigned second)
{
	const uint32_t contributory = 1u << TRAP_DE | 1u << 10 | 1u << 11 |
				      1u << 12 | 1u << TRAP_GP;
	bool first_c = first < 32 && (contributory >> first & 1);
	bool second_c = second < 32 && (contributory >> second & 1);

	if (first == TRAP_DF && (second_c || second == TRAP_PF))
		return -1;
	if ((first_c && second_c) || (first == TRAP_PF && (second_c || second == TRAP_PF)))
		return TRAP_DF;
	return (int)second;
}

/* Layout fixed by trap_entry.S: lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;      /* pushed by the CPU */
};

typedef void (*trap_handler_fn)(struct trap_frame *tf);

extern const uint64_t trap_stubs[256];

void trap_dispatch(struct trap_frame *tf);
/* Installs a handler for an interrupt vector (>= 32). */
void trap_set_handler(unsigned vector, trap_handler_fn fn);
/* Prints the dump of a frame (used by exceptions and by tests). */
void trap_dump(const struct trap_frame *tf);
const char *trap_name(unsigned vector);

#endif
