/*
 * The AMD Virtual Machine Control Block (AMD APM Vol. 2, Appendix B):
 * control area at 0x000, state-save area at 0x400. Offsets are pinned by
 * static assertions; only arch/x86/svm/ includes this file.
 */
#ifndef ARCH_X86_SVM_VMCB_H
#define ARCH_X86_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

/* intercept_cr (offset 0x000): reads in bits 0-15, writes in 16-31 */
#define SVM_INTERCEPT_CR0_READ  (1u << 0)
#define SVM_INTERCEPT_CR3_READ  (1u << 3)
#define SVM_INTERCEPT_CR4_READ  (1u << 4)
#define SVM_INTERCEPT_CR0_WRITE (1u << (16 + 0))
#define SVM_INTERCEPT_CR3_WRITE (1u << (16 + 3))
#define SVM_INTERCEPT_CR4_WRITE (1u << (16 + 4))
/* intercept_misc1 (offset 0x00c) */
#define SVM_INTERCEPT_INTR      (1u << 0)
#define SVM_INTERCEPT_NMI       (1u << 1)
#define SVM_INTERCEPT_SMI       (1u << 2)
#define SVM_INTERCEPT_INIT      (1u << 3)
#define SVM_INTERCEPT_VINTR     (1u << 4)
/* LIDT, LGDT: a base the CPU under us may not check (core: emulated) */
#define SVM_INTERCEPT_IDTR_WRITE (1u << 10)
#define SVM_INTERCEPT_GDTR_WRITE (1u << 11)
#define SVM_INTERCEPT_RDPMC     (1u << 15)
#define SVM_INTERCEPT_CPUID     (1u << 18)
#define SVM_INTERCEPT_IRET      (1u << 20)
#define SVM_INTERCEPT_INVD      (1u << 22)
#define SVM_INTERCEPT_HLT       (1u << 24)
#define SVM_INTERCEPT_INVLPG    (1u << 25)
#define SVM_INTERCEPT_INVLPGA   (1u << 26)
#define SVM_INTERCEPT_IOIO      (1u << 27)
#define SVM_INTERCEPT_MSR       (1u << 28)
#define SVM_INTERCEPT_TASK_SWITCH (1u << 29)
#define SVM_INTERCEPT_FERR_FREEZE (1u << 30)
#define SVM_INTERCEPT_SHUTDOWN  (1u << 31)
/* intercept_misc2 (offset 0x010) */
#define SVM_INTERCEPT_VMRUN     (1u << 0)
#define SVM_INTERCEPT_VMMCALL   (1u << 1)
#define SVM_INTERCEPT_VMLOAD    (1u << 2)
#define SVM_INTERCEPT_VMSAVE    (1u << 3)
#define SVM_INTERCEPT_STGI      (1u << 4)
#define SVM_INTERCEPT_CLGI      (1u << 5)
#define SVM_INTERCEPT_SKINIT    (1u << 6)
#define SVM_INTERCEPT_RDTSCP    (1u << 7)
#define SVM_INTERCEPT_ICEBP     (1u << 8)
#define SVM_INTERCEPT_MONITOR   (1u << 10)
#define SVM_INTERCEPT_MWAIT     (1u << 11)
#define SVM_INTERCEPT_XSETBV    (1u << 13)
#define SVM_INTERCEPT_RDPRU     (1u << 14)

#define SVM_TLB_CONTROL_NOTHING     0
#define SVM_TLB_CONTROL_FLUSH_ALL   1
#define SVM_TLB_CONTROL_FLUSH_ASID  3

#define SVM_NP_ENABLE           (1ULL << 0)

/* vintr (offset 0x060) */
#define SVM_VINTR_V_IRQ         (1ULL << 8)
#define SVM_VINTR_PRIO_MAX      (0xfULL << 16)
#define SVM_VINTR_IGN_TPR       (1ULL << 20)
#define SVM_VINTR_MASKING       (1ULL << 24)

/* EVENTINJ and EXITINTINFO (APM 15.20) */
#define SVM_EVTINJ_VALID        (1u << 31)
#define SVM_EVTINJ_VALID_ERR    (1u << 11)
#define SVM_EVTINJ_TYPE_INTR    (0u << 8)
#define SVM_EVTINJ_TYPE_NMI     (2u << 8)
#define SVM_EVTINJ_TYPE_EXEPT   (3u << 8)
#define SVM_EVTINJ_TYPE_SOFT    (4u << 8)
#define SVM_EVTINJ_TYPE_MASK    (7u << 8)

/* Exit codes (APM Appendix C) */
#define SVM_EXIT_READ_CR0       0x000
#define SVM_EXIT_READ_CR3       0x003
#define SVM_EXIT_READ_CR4       0x004
#define SVM_EXIT_WRITE_CR0      0x010
#define SVM_EXIT_WRITE_CR3      0x013
#define SVM_EXIT_WRITE_CR4      0x014
#define SVM_EXIT_READ_DR0       0x020
#define SVM_EXIT_WRITE_DR7      0x037   /* 0x20-0x2f reads, 0x30-0x3f writes */
#define SVM_EXIT_EXCP_BASE      0x040
#define SVM_EXIT_INTR           0x060
#define SVM_EXIT_NMI            0x061
#define SVM_EXIT_SMI            0x062
#define SVM_EXIT_INIT           0x063
#define SVM_EXIT_VINTR          0x064
#define SVM_EXIT_IDTR_WRITE     0x06a
#define SVM_EXIT_GDTR_WRITE     0x06b
#define SVM_EXIT_RDPMC          0x06f
#define SVM_EXIT_CPUID          0x072
#define SVM_EXIT_IRET           0x074
#define SVM_EXIT_INVD           0x076
#define SVM_EXIT_PAUSE          0x077
#define SVM_EXIT_HLT            0x078
#define SVM_EXIT_INVLPG         0x079
#define SVM_EXIT_INVLPGA        0x07a
#define SVM_EXIT_IOIO           0x07b
#define SVM_EXIT_MSR            0x07c
#define SVM_EXIT_TASK_SWITCH    0x07d
#define SVM_EXIT_SHUTDOWN       0x07f
#define SVM_EXIT_VMRUN          0x080
#define SVM_EXIT_VMMCALL        0x081
#define SVM_EXIT_VMLOAD         0x082
#define SVM_EXIT_VMSAVE         0x083
#define SVM_EXIT_STGI           0x084
#define SVM_EXIT_CLGI           0x085
#define SVM_EXIT_SKINIT         0x086
#define SVM_EXIT_RDTSCP         0x087
#define SVM_EXIT_ICEBP          0x088
#define SVM_EXIT_MONITOR        0x08a
#define SVM_EXIT_MWAIT          0x08b
#define SVM_EXIT_XSETBV         0x08d
#define SVM_EXIT_RDPRU          0x08e
#define SVM_EXIT_NPF            0x400
#define SVM_EXIT_INVALID        0xffffffffffffffffULL

/* IOIO EXITINFO1 (APM 15.10.2) */
#define SVM_IOIO_TYPE_IN        (1u << 0)
#define SVM_IOIO_STR            (1u << 2)
#define SVM_IOIO_REP            (1u << 3)
#define SVM_IOIO_SZ8            (1u << 4)
#define SVM_IOIO_SZ16           (1u << 5)
#define SVM_IOIO_SZ32           (1u << 6)

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;        /* descriptor bits 40-47 and 52-55, packed */
	uint32_t limit;
	uint64_t base;
};

struct vmcb_control {
	uint32_t intercept_cr;          /* 0x000: reads bits 0-15, writes 16-31 */
	uint32_t intercept_dr;          /* 0x004 */
	uint32_t intercept_exceptions;  /* 0x008 */
	uint32_t intercept_misc1;       /* 0x00c */
	uint32_t intercept_misc2;       /* 0x010 */
	uint32_t intercept_misc3;       /* 0x014 */
	uint8_t reserved_018[0x03c - 0x018];
	uint16_t pause_filter_threshold;/* 0x03c */
	uint16_t pause_filter_count;    /* 0x03e */
	uint64_t iopm_base_pa;          /* 0x040 */
	uint64_t msrpm_base_pa;         /* 0x048 */
	uint64_t tsc_offset;            /* 0x050 */
	uint32_t asid;                  /* 0x058 */
	uint8_t tlb_control;            /* 0x05c */
	uint8_t reserved_05d[3];
	uint64_t vintr;                 /* 0x060: V_TPR, V_IRQ, V_INTR_* */
	uint64_t interrupt_shadow;      /* 0x068 */
	uint64_t exitcode;              /* 0x070 */
	uint64_t exitinfo1;             /* 0x078 */
	uint64_t exitinfo2;             /* 0x080 */
	uint64_t exitintinfo;           /* 0x088 */
	uint64_t np_enable;             /* 0x090 */
	uint64_t avic_apic_bar;         /* 0x098 */
	uint64_t ghcb_pa;               /* 0x0a0 */
	uint64_t eventinj;              /* 0x0a8 */
	uint64_t n_cr3;                 /* 0x0b0 */
	uint64_t lbr_virt_enable;       /* 0x0b8 */
	uint32_t clean_bits;            /* 0x0c0 */
	uint32_t reserved_0c4;
	uint64_t next_rip;              /* 0x0c8 */
	uint8_t insn_len;               /* 0x0d0 */
	uint8_t insn_bytes[15];         /* 0x0d1 */
	uint8_t reserved_0e0[0x400 - 0x0e0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr;   /* 0x460 */
	uint8_t reserved_4a0[0x4cb - 0x4a0];
	uint8_t cpl;                    /* 0x4cb */
	uint32_t reserved_4cc;
	uint64_t efer;                  /* 0x4d0 */
	uint8_t reserved_4d8[0x548 - 0x4d8];
	uint64_t cr4;                   /* 0x548 */
	uint64_t cr3;                   /* 0x550 */
	uint64_t cr0;                   /* 0x558 */
	uint64_t dr7;                   /* 0x560 */
	uint64_t dr6;                   /* 0x568 */
	uint64_t rflags;                /* 0x570 */
	uint64_t rip;                   /* 0x578 */
	uint8_t reserved_580[0x5d8 - 0x580];
	uint64_t rsp;                   /* 0x5d8 */
	uint8_t reserved_5e0[0x5f8 - 0x5e0];
	uint64_t rax;                   /* 0x5f8 */
	uint64_t star;                  /* 0x600 */
	uint64_t lstar;                 /* 0x608 */
	uint64_t cstar;                 /* 0x610 */
	uint64_t sfmask;                /* 0x618 */
	uint64_t kernel_gs_base;        /* 0x620 */
	uint64_t sysenter_cs;           /* 0x628 */
	uint64_t sysenter_esp;          /* 0x630 */
	uint64_t sysenter_eip;          /* 0x638 */
	uint64_t cr2;                   /* 0x640 */
	uint8_t reserved_648[0x668 - 0x648];
	uint64_t g_pat;                 /* 0x668 */
	uint64_t dbgctl;                /* 0x670 */
	uint64_t br_from;               /* 0x678 */
	uint64_t br_to;                 /* 0x680 */
	uint64_t last_excp_from;        /* 0x688 */
	uint64_t last_excp_to;          /* 0x690 */
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

#define VMCB_SAVE(field) (0x400 + offsetof(struct vmcb_save, field))
_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
_Static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040, "iopm");
_Static_assert(offsetof(struct vmcb_control, asid) == 0x058, "asid");
_Static_assert(offsetof(struct vmcb_control, exitcode) == 0x070, "exitcode");
_Static_assert(offsetof(struct vmcb_control, eventinj) == 0x0a8, "eventinj");
_Static_assert(offsetof(struct vmcb_control, n_cr3) == 0x0b0, "n_cr3");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0x0c8, "nrip");
_Static_assert(VMCB_SAVE(cpl) == 0x4cb, "cpl");
_Static_assert(VMCB_SAVE(efer) == 0x4d0, "efer");
_Static_assert(VMCB_SAVE(cr4) == 0x548, "cr4");
_Static_assert(VMCB_SAVE(rip) == 0x578, "rip");
_Static_assert(VMCB_SAVE(rsp) == 0x5d8, "rsp");
_Static_assert(VMCB_SAVE(rax) == 0x5f8, "rax");
_Static_assert(VMCB_SAVE(cr2) == 0x640, "cr2");
_Static_assert(VMCB_SAVE(g_pat) == 0x668, "g_pat");
_Static_assert(sizeof(struct vmcb) <= 4096, "VMCB fits a page");

#endif
