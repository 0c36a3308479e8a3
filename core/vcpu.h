/*
 * Vendor-neutral virtual CPU state and the exits a backend reports.
 *
 * Core keeps the general-purpose registers, RIP and RFLAGS here; a backend
 * moves the few it keeps in hardware (SVM: RAX, RSP, RIP, RFLAGS in the VMCB)
 * around each entry. Segment and control registers live in the backend's
 * control structure and are read/written through virt_ops get/set_sregs.
 */
#ifndef CORE_VCPU_H
#define CORE_VCPU_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* Same order as struct kvm_regs, and as the world-switch code saves them. */
struct vcpu_regs {
	uint64_t rax, rbx, rcx, rdx;
	uint64_t rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11;
	uint64_t r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct vcpu_segment {
	uint64_t base;
	uint32_t limit;         /* bytes - 1, already scaled by G */
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable;
};

struct vcpu_dtable {
	uint64_t base;
	uint16_t limit;
};

struct vcpu_sregs {
	struct vcpu_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct vcpu_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
};

/* What decides how the instruction at RIP runs, for the MMIO emulator:
 * the paging registers and the mode bits of CS and SS (virt_ops
 * get_exec_state); the segments themselves come one by one. */
struct vcpu_exec_state {
	uint64_t cr0, cr2, cr3, cr4, efer;
	bool cs_l, cs_db;
	uint8_t ss_dpl;
};

/* What made the guest stop, decoded by the backend. */
enum vexit_reason {
	VEXIT_IO,               /* port IO: io.* valid */
	VEXIT_CPUID,
	VEXIT_HLT,
	VEXIT_HYPERCALL,        /* VMMCALL / VMCALL */
	VEXIT_MSR_READ,         /* msr.index valid */
	VEXIT_MSR_WRITE,        /* msr.index and msr.value valid */
	VEXIT_NPF,              /* nested page fault: npf.* valid */
	VEXIT_SHUTDOWN,         /* triple fault */
	VEXIT_EXCEPTION,        /* intercepted exception: exc.* valid */
	VEXIT_INTR_WINDOW,      /* the guest can take an interrupt now */
	VEXIT_NMI_WINDOW,       /* the guest may take an NMI now */
	VEXIT_HOST_INTR,        /* a host interrupt stopped the guest */
	VEXIT_FAIL_ENTRY,       /* the CPU refused the state: hw_reason says why */
	VEXIT_UNDEFINED,        /* an instruction the virtual CPU lacks: #UD */
	VEXIT_RDPMC,            /* no performance counters: #GP(0) */
	VEXIT_NOP,              /* an instruction that does nothing here (INVD):
				 * step over insn_len bytes */
	VEXIT_EMULATED,         /* the backend finished the instruction (RIP
				 * moved by insn_len), or with insn_len 0
				 * injected its fault or has it executed
				 * again (a first MOV DR): re-enter */
	VEXIT_EMULATE,          /* run the instruction at RIP through the
				 * emulator (SVM: LGDT, LIDT) */
	VEXIT_TASK_SWITCH,      /* a hardware task switch: task.* valid,
				 * insn_len the instruction that switched
				 * (core/task_switch.h) */
	VEXIT_SOFTWARE,         /* the CPU cannot run this state (VMX without
				 * unrestricted guest: real mode, unpaged
				 * protected mode, segments entry refuses):
				 * core runs the next step in software */
	VEXIT_UNKNOWN,          /* anything else: hw_reason is the vendor code */
};

/* What started a hardware task switch (VEXIT_TASK_SWITCH); the numbers
 * are those of the VMX exit qualification's bits 31:30 (SDM Vol. 3 Table
 * 28-2). */
enum task_source {
	TASK_FROM_CALL = 0,
	TASK_FROM_IRET = 1,
	TASK_FROM_JMP = 2,
	TASK_FROM_GATE = 3,     /* an event through a task gate in the IDT */
};

struct vexit {
	enum vexit_reason reason;
	uint32_t insn_len;      /* bytes of the exiting instruction, 0 if none */
	uint64_t hw_reason;     /* the vendor's exit code, for logs and UNKNOWN */
	union {
		struct {
			uint16_t port;
			uint8_t size;   /* 1, 2 or 4 bytes */
			bool in, string, rep;
			uint8_t addr_size; /* string IO: 2, 4 or 8 bytes */
		} io;
		struct {
			uint64_t gpa;
			bool write, fetch, present;
			/* the exit interrupted an event's delivery (its
			 * stack pushes or IDT/GDT reads), not the
			 * instruction at RIP */
			bool in_delivery;
			/* with in_delivery: that event (kind: enum
			 * emul_event_kind; insn_len for the software
			 * kinds, 0 if the backend could not tell it) */
			struct {
				uint8_t vector, kind, insn_len;
				bool has_error_code;
				uint32_t error_code;
			} event;
		} npf;
		struct {
			uint32_t vector, error_code;
			bool has_error_code;
			/* raised while delivering the same vector: on
			 * hardware that delivery would repeat forever */
			bool recursed;
		} exc;
		struct {
			uint32_t index;
			uint64_t value;
		} msr;
		struct {
			uint16_t selector;      /* the new TSS */
			uint8_t source;         /* enum task_source */
			/* source TASK_FROM_GATE: the event delivered */
			uint8_t vector;
			bool soft;              /* INT n, INT3, INTO */
			bool external;          /* interrupt, NMI, or exception
						 * (EXT in error codes) */
			bool exception;         /* a hardware exception */
			bool has_error_code;
			uint32_t error_code;
		} task;
	};
};

#define VCPU_NMI_PENDING      0x1
#define VCPU_NMI_WINDOW_ARMED 0x2

/* KVM_DEBUG_GUEST state: execution breakpoints and single-step. */
struct vcpu_debug {
	bool enabled, singlestep;
	uint8_t bp_enabled;     /* bit i: bp_addr[i] armed */
	uint64_t bp_addr[4];
};

/*
 * One remembered guest translation (core/guest_mem.c): a linear page, what
 * the walk found, and the guest page-table entries it read, with where they
 * live in host memory. Valid while the control registers, the VM's memory
 * (mem_gen) and every one of those entries are unchanged, which is checked
 * on each use; so it is exact, and cheap on the exit path. Each vCPU keeps
 * one for instruction fetches and one for data (the emulator's accesses).
 */
struct vcpu_xlat {
	bool valid;
	bool writable, user, nx;
	uint64_t cr0, cr3, cr4, efer, la_page, mem_gen;
	uint64_t gpa_page;
	const uint8_t *page;            /* host address if RAM, else NULL */
	bool mmio;                      /* gpa_page is in no slot (mem_gen
					 * keeps this exact too) */
	unsigned nentries, entry_bytes;
	const void *entry_ptr[4];
	uint64_t entry_val[4];
	uint64_t entry_gpa[4];          /* for the accessed and dirty bits */
	uint8_t marked;                 /* XLAT_MARKED_*: what the entries hold */
};

/* vcpu_xlat.marked: the accessed bits of every entry are set (by the guest
 * or guest_xlat_mark_used), and the leaf's dirty bit too, so that the
 * emulator's next access through the same translation skips the check. */
#define XLAT_MARKED_ACCESSED 1u
#define XLAT_MARKED_DIRTY    2u

/* FXSAVE image: x87, MMX and SSE state (SDM Vol. 1 10.5.1). */
struct vcpu_fpu {
	uint8_t fxsave[512];
} __attribute__((aligned(64)));

struct vcpu {
	struct vcpu_fpu fpu;    /* first: keeps the 64-byte alignment simple */
	struct vm *vm;
	unsigned id;
	struct vcpu_regs regs;
	void *arch;             /* the backend's per-vCPU state */
	/* Length of the instruction behind the last IO/CPUID exit, for
	 * kvm_run.emulated (the VMM completes it, then we step over it). */
	uint32_t pending_insn_len;
	uint64_t apic_base;     /* reported by GET_SREGS and kvm_run */
	uint64_t misc_enable;   /* IA32_MISC_ENABLE, emulated */
	uint64_t mtrr_def_type; /* IA32_MTRR_DEF_TYPE, emulated (no ranges) */
	uint64_t irq_pending[4];  /* KVM_INTERRUPT vectors not yet injected */
	void *emul;             /* struct vcpu_emul, allocated on first MMIO */
	bool mmio_read_pending; /* the last exit was an MMIO read */
	bool emul_continue;     /* a REP MMIO instruction has iterations left */
	/* the last exit was an MMIO access of a hardware task switch, which
	 * goes on at the next KVM_RUN (core/task_replay.h) */
	bool task_mmio_pending;
	/* The exit that began the emulated instruction (NPF, ...): what an
	 * UNKNOWN exit after its KVM_EXIT_MMIO round trips reports. */
	uint32_t emul_hw_reason;
	bool irq_window_armed;  /* backend asked to exit at the window */
	/* VCPU_NMI_*: KVM_NMI's NMI latched for the guest, as the CPU
	 * latches one (a second one merges), injected at the first entry
	 * the guest does not block NMIs; and the backend's NMI-window exit
	 * armed. One byte: the entry path tests it once. */
	uint8_t nmi;
	/* KVM_SET_VCPU_EVENTS's SIPI vector, kept and read back: one vCPU
	 * per VM, the BSP, which never waits for a SIPI */
	uint32_t sipi_vector;
	bool pending_cpuid;     /* the last exit was KVM_EXIT_CPUID */
	struct vcpu_debug debug;
	struct vcpu_xlat fetch, data;
	bool resume_with_rf;    /* stopped on a breakpoint: skip it once */
	/* An instruction we (or the VMM) completed retired while single-
	 * stepping: its #DB trap is reported before the guest runs again. */
	bool step_trap_due;
	/* the last #DB reflected (core/exc_reflect.c): exit count, RIP, RSP */
	uint64_t db_reflect_exits, db_reflect_rip, db_reflect_rsp;
	/* KVM_BAREKVM_ALARM: KVM_RUN returns -EINTR from this TSC value on
	 * (0: none) */
	uint64_t alarm_tsc;
	/* Without NPT/EPT: the backend handed over a write to a guest page
	 * table (VEXIT_EMULATE) at this gpa; if the emulator cannot run
	 * it, the page stops being shadowed once per RIP (core/vcpu_run.c) */
	bool shadow_pt_write;
	uint64_t shadow_pt_write_gpa, shadow_unprotected_rip, shadow_unprotected_gfn;
	uint64_t exits;         /* statistics */
	uint64_t exits_to_ctl;
};

#endif
