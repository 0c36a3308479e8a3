/*
 * Hardware task switches (Intel SDM Vol. 3 7.3, AMD APM Vol. 2 12.3):
 * CALL or JMP to a TSS or task gate, IRET with EFLAGS.NT = 1, and an
 * interrupt or exception delivered through a task gate in the IDT. Neither
 * VMX nor SVM lets a guest switch tasks itself: each attempt exits (VMX
 * reason 9, SVM code 0x7d) and the backend describes it as a
 * VEXIT_TASK_SWITCH; core performs the switch here, on the registers and
 * segments of the vCPU and on guest memory.
 *
 * Pure logic: the guest's linear memory is reached through struct
 * task_mem, so the same code runs on the exit path and in the host unit
 * tests (tests/unit/test_task_switch.c).
 *
 * What the CPU checks before it exits is not checked again: the
 * privilege of the task gate or TSS descriptor named by CALL/JMP (SDM Vol. 3
 * 26.4.2 "Treatment of Task Switches" lists those checks ahead of the exit;
 * the exit names only the TSS, not a gate). Everything after that is done
 * here, in the SDM's order: the new TSS descriptor (GDT, type, busy, present,
 * limit), the old TSS's limit, every page the switch touches (so that
 * nothing is written before a fault can still cancel the switch), the busy
 * bits, the old task's state, the back link and NT, TR, CR3 (32-bit TSS with
 * paging), EFLAGS, EIP, the general registers, CR0.TS, then LDTR and the
 * segment registers with their checks (faults there arise in the new
 * task, SDM Table 7-1), the error code of an exception on the new stack,
 * and EIP against the new CS limit.
 */
#ifndef CORE_TASK_SWITCH_H
#define CORE_TASK_SWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"

struct task_switch {
	uint16_t selector;      /* the new TSS (IRET: the old TSS's back link) */
	uint8_t source;         /* enum task_source (core/vcpu.h) */
	/* TASK_FROM_GATE: the vector delivered, and whether INT n, INT3 or
	 * INTO raised it (then the gate's DPL must be >= CPL, #GP(vector * 8
	 * + 2) otherwise, SDM Vol. 3 6.12.1.1) */
	uint8_t vector;
	bool soft;
	/* TASK_FROM_GATE: the caller read and checked the gate already (the
	 * emulator did, the IDT being in MMIO): the IDT is not read again */
	bool gate_checked;
	/* the event is external to the program (an interrupt or a hardware
	 * exception): the EXT bit of the error code of every fault the
	 * switch raises (SDM Vol. 3 6.13) */
	bool external;
	/* an exception with an error code: pushed on the new task's stack */
	bool has_error_code;
	uint32_t error_code;
	/* bytes of the instruction that switched (CALL, JMP, IRET, INT n):
	 * the old task resumes after it */
	uint32_t insn_len;
};

/* A fault the switch raises instead of, or after, switching. */
struct task_fault {
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
	uint64_t cr2;           /* #PF */
};

/*
 * The guest's linear memory as the CPU's implicit supervisor accesses see
 * it (descriptor tables, TSSes; SDM Vol. 3 4.6: supervisor rights, writes
 * to read-only pages only with CR0.WP = 0), translated with the paging
 * registers in *paging. buf NULL: only check that the access would work.
 * Returns TASK_MEM_OK, TASK_MEM_FAULT (*fault holds the #PF),
 * TASK_MEM_PENDING (an MMIO access must go to the VMM first: the switch
 * stops here and is run again after it, core/task_replay.h), or
 * TASK_MEM_BAD (the switch cannot go on: the VM is stopped).
 */
enum task_mem_status { TASK_MEM_OK, TASK_MEM_FAULT, TASK_MEM_PENDING, TASK_MEM_BAD };
struct task_mem {
	enum task_mem_status (*access)(void *ctx, const struct vcpu_sregs *paging,
				       uint64_t la, void *buf, unsigned len,
				       bool write, struct task_fault *fault);
	void *ctx;
	/* Guest-physical read of len bytes (the PAE PDPTEs a new CR3 names):
	 * 0, or <0 when gpa is not guest RAM (the VM is stopped). */
	int (*read_phys)(void *ctx, uint64_t gpa, void *buf, unsigned len);
	/* The guest's physical-address width (its CPUID 0x80000008): PDPTE
	 * bits from here up are reserved. */
	uint8_t maxphyaddr;
};

enum task_result {
	TASK_DONE,              /* switched; regs and sregs hold the new task */
	/* *fault is to be delivered. 'committed' says where: false, before
	 * the commit point (regs and sregs untouched, guest memory unchanged,
	 * the fault belongs to the instruction or event that switched); true,
	 * in the new task (its state is loaded as far as it got) */
	TASK_FAULT,
	TASK_BAD_MEMORY,        /* memory the switch cannot use: the VM stops */
	/* an access waits for the VMM (TASK_MEM_PENDING): regs and sregs
	 * untouched, committed false; the switch is run again after it */
	TASK_MMIO,
	TASK_UNSUPPORTED,       /* IA-32e mode: the CPU faults before exiting */
};

struct task_outcome {
	enum task_result result;
	/* past the commit point: the switch happened, so DR7's local
	 * breakpoint enables (L0-L3, LE) are to be cleared (SDM Vol. 3
	 * 17.2.4; AMD APM Vol. 2 13.1.1.5), even if a fault follows */
	bool committed;
	/* TASK_DONE into a TSS whose T bit is set: a #DB with DR6.BT is due
	 * before the new task's first instruction (SDM Vol. 3 17.3.1.5) */
	bool debug_trap;
	/* the new task's CR3 was loaded (a 32-bit TSS with paging on): the
	 * TLB flush and, with PAE, the PDPTEs as a MOV to CR3 (SDM Vol. 3
	 * 7.3 step 8) */
	bool cr3_loaded;
	struct task_fault fault;
	uint64_t bad_la;        /* TASK_BAD_MEMORY: the linear address */
};

/* Performs the switch on regs/sregs (regs->rip at the instruction or the
 * interrupted one, as the exit left it). */
void task_switch_run(const struct task_switch *ts, struct vcpu_regs *regs,
		     struct vcpu_sregs *sregs, const struct task_mem *mem,
		     struct task_outcome *out);

/*
 * A fault raised while delivering an exception (here: through its task
 * gate) combines with it as SDM Vol. 3 Table 6-5 says: contributory on
 * contributory, or contributory / #PF on #PF, is a #DF; anything but a
 * benign one on #DF is a triple fault (returns -1); otherwise the second
 * is delivered alone. 'first' is the exception that was being delivered.
 */
int task_fault_combine(unsigned first, unsigned second);

/* Decodes an 8-byte segment descriptor (SDM Vol. 3 3.4.5). */
void task_desc_decode(const uint8_t d[8], struct vcpu_segment *seg);

#endif
