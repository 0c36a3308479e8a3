/*
 * The CR4 bits whose point is what CPL 3 may do (Intel SDM Vol. 3A 2.5):
 * UMIP (SGDT at CPL 3 is #GP(0)), TSD (RDTSC at CPL 3 is #GP(0)) and
 * FSGSBASE (RDFSBASE is #UD without it), PCE (RDPMC at CPL 3); and
 * SYSCALL/SYSRET across rings. The walk's own GDT copies the
 * VMM's four descriptors (so CS and SS stay valid) and adds a DPL-3 data
 * and 64-bit code segment and a 64-bit TSS whose RSP0 takes the
 * exceptions raised at CPL 3 (SDM 7.7, 6.14.2). The user code runs
 * through paging.c's user alias of the first 2 MiB: each snippet is one
 * instruction and a HLT, which is #GP at CPL 3 and brings the walk back;
 * where the #GP points says whether the instruction ran.
 */
#include "walk.h"

#define SEL_UDATA  (0x20 | 3)
#define SEL_UCODE  (0x28 | 3)
#define SEL_TSS    0x30
#define GDT_UDATA  0x00cff3000000ffffull        /* G, B, P, DPL 3, data RW */
#define GDT_UCODE  0x00affb000000ffffull        /* G, L, P, DPL 3, code XR */
#define TSS_AVAIL  0x89ull                      /* P, 64-bit TSS (available) */
#define CR4_TSD    (1ul << 2)
#define CR4_UMIP   (1ul << 11)
#define CR4_FSGSBASE (1ul << 16)

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1, ist[7], reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

struct gdt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[8] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
static uint8_t user_buffer[16];
uint64_t ring0_rsp, ring0_ss;
uint16_t ring0_cs;
static uint64_t alias;                  /* user alias of VA 0 (paging.c) */

/* Enters CPL 3 at rdi with RSP = rsi; returns when the handler (main.c)
 * brings the walk back to ring 0 at label 1. */
void cpuwalk_ring3_enter(uint64_t rip, uint64_t rsp, uint64_t rdi);
__asm__(".text\n"
	".globl cpuwalk_ring3_enter\n"
	"cpuwalk_ring3_enter:\n\t"
	"push %rbx\n\t"
	"mov %rsp, ring0_rsp(%rip)\n\t"
	"movl $0xff, probe_vector(%rip)\n\t"
	"lea 1f(%rip), %rax\n\t"
	"mov %rax, probe_resume(%rip)\n\t"
	"mov %rdi, %rax\n\t"
	"mov %rdx, %rdi\n\t"
	"pushq $0x23\n\t"
	"push %rsi\n\t"
	"pushfq\n\t"
	"pushq $0x2b\n\t"
	"push %rax\n\t"
	"iretq\n"
	"1:\tpop %rbx\n\t"
	"ret\n"
	/* the snippets: one instruction, then HLT (#GP at CPL 3) */
	".globl cpuwalk_u_nop, cpuwalk_u_sgdt, cpuwalk_u_rdtsc, cpuwalk_u_rdfsbase\n"
	".globl cpuwalk_u_rdpmc, cpuwalk_u_syscall\n"
	"cpuwalk_u_nop:\tnop\n\thlt\n"
	"cpuwalk_u_sgdt:\tsgdt (%rdi)\n\thlt\n"
	"cpuwalk_u_rdtsc:\trdtsc\n\thlt\n"
	"cpuwalk_u_rdfsbase:\trdfsbase %rax\n\thlt\n"
	"cpuwalk_u_rdpmc:\txor %ecx, %ecx\n\trdpmc\n\thlt\n"
	/* 7 bytes: SYSCALL, then what SYSRET left in CS and SS */
	"cpuwalk_u_syscall:\tsyscall\n\tmovw %cs, (%rdi)\n\tmovw %ss, 2(%rdi)\n\thlt\n");
extern const uint8_t cpuwalk_u_nop[], cpuwalk_u_sgdt[], cpuwalk_u_rdtsc[],
	cpuwalk_u_rdfsbase[], cpuwalk_u_rdpmc[], cpuwalk_u_syscall[];

/* LSTAR for SYSCALL from CPL 3: notes CS, SS, RCX and R11 as SYSCALL set
 * them (SDM Vol. 2B SYSCALL) and goes back with SYSRET. It runs at CPL 0
 * on the user stack, which it does not touch. */
volatile uint16_t sys3_cs, sys3_ss;
volatile uint64_t sys3_rcx, sys3_r11;
void cpuwalk_sysret_target(void);
__asm__(".text\n"
	".globl cpuwalk_sysret_target\n"
	"cpuwalk_sysret_target:\n\t"
	"movw %cs, sys3_cs(%rip)\n\t"
	"movw %ss, sys3_ss(%rip)\n\t"
	"mov %rcx, sys3_rcx(%rip)\n\t"
	"mov %r11, sys3_r11(%rip)\n\t"
	"sysretq\n");

static void load_gdt_and_tss(void)
{
	struct gdt_pointer old, now = { sizeof(gdt) - 1, (uintptr_t)gdt };
	uint64_t base = (uintptr_t)&tss, limit = sizeof(tss) - 1;

	__asm__ volatile("sgdt %0" : "=m"(old));
	memcpy(gdt, (const void *)old.base, 4 * sizeof(uint64_t));
	gdt[4] = GDT_UDATA;
	gdt[5] = GDT_UCODE;
	gdt[6] = (limit & 0xffff) | (base & 0xffffff) << 16 | TSS_AVAIL << 40 |
		 ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[7] = base >> 32;
	tss.rsp[0] = (uintptr_t)kernel_stack + sizeof(kernel_stack);
	tss.iomap_base = sizeof(tss);
	__asm__ volatile("lgdt %0; ltr %w1" : : "m"(now), "r"(SEL_TSS) : "memory");
	ring0_cs = read_cs();
	__asm__ volatile("mov %%ss, %0" : "=r"(ring0_ss));
}

/* Runs a snippet at CPL 3: NO_FAULT if it reached its HLT, else the
 * vector its instruction raised (probe_error has the error code). */
static unsigned int at_cpl3(const uint8_t *snippet, unsigned int insn_len)
{
	uint64_t hlt = alias + (uintptr_t)snippet + insn_len;

	cpuwalk_ring3_enter(alias + (uintptr_t)snippet,
			    alias + (uintptr_t)user_stack + sizeof(user_stack),
			    alias + (uintptr_t)user_buffer);
	if (probe_vector == VEC_GP && probe_rip == hlt && probe_error == 0)
		return NO_FAULT;
	return probe_vector == NO_FAULT ? 0xfe : probe_vector;
}

/* A CR4 bit that makes a CPL-3 instruction fault: without the bit it
 * runs, with it it raises want. */
static void cpl3_bit(const char *feature, bool has, unsigned long bit,
		     const uint8_t *snippet, unsigned int len, const char *insn,
		     unsigned int want)
{
	unsigned long cr4 = read_cr4();
	unsigned int off = at_cpl3(snippet, len), on = NO_FAULT;

	if (!has) {
		check(off == NO_FAULT, "%s: hidden, %s at cpl 3 runs (got %s)", feature, insn,
		      vector_name(off));
		return;
	}
	write_cr4(cr4 | bit);
	on = at_cpl3(snippet, len);
	write_cr4(cr4);
	announced(feature, off == NO_FAULT && on == want && probe_error == 0,
		  "%s at cpl 3 runs, with the cr4 bit raises %s (got %s)", insn,
		  vector_name(want), vector_name(on));
}

#define CR4_PCE    (1ul << 8)
#define MSR_EFER   0xc0000080u
#define MSR_STAR   0xc0000081u
#define MSR_LSTAR  0xc0000082u
#define MSR_SFMASK 0xc0000084u
#define EFER_SCE   1ull
#define RFLAGS_RF  (1ul << 16)

/* RDPMC at CPL 3 needs CR4.PCE (SDM Vol. 2B RDPMC). With no PMU announced
 * (leaf 0xA version 0, no AMD counter extensions) only AMD's four legacy
 * counters exist, and read 0 (docs/virtual-cpu.md); on Intel every counter
 * is #GP whatever CR4.PCE says. */
static void check_rdpmc_pce(void)
{
	unsigned long cr4 = read_cr4();
	unsigned int off = at_cpl3(cpuwalk_u_rdpmc, 4), on;

	write_cr4(cr4 | CR4_PCE);
	on = at_cpl3(cpuwalk_u_rdpmc, 4);
	write_cr4(cr4);
	if (cpu.amd)
		check(off == VEC_GP && on == NO_FAULT,
		      "rdpmc of counter 0 at cpl 3: #GP, with cr4.pce runs (got %s, %s)",
		      vector_name(off), vector_name(on));
	else
		check(off == VEC_GP && on == VEC_GP,
		      "rdpmc at cpl 3: #GP, with cr4.pce too (no counters; got %s, %s)",
		      vector_name(off), vector_name(on));
}

/* SYSCALL from CPL 3 and SYSRET back (SDM Vol. 2B): the guest's own STAR,
 * LSTAR and SFMASK decide where they go. STAR[47:32] is the walk's CS;
 * STAR[63:48] = 0x18 makes SYSRET's SS 0x23 and CS 0x2b, the walk's
 * user segments. */
static void check_syscall_sysret(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	uint64_t user = alias + (uintptr_t)cpuwalk_u_syscall;
	volatile uint16_t *seen = (volatile uint16_t *)user_buffer;

	if (!HAS(e1_edx, 11))
		return;                 /* system.c checks the #UD */
	wrmsr(MSR_STAR, 0x18ull << 48 | (uint64_t)ring0_cs << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)cpuwalk_sysret_target);
	wrmsr(MSR_SFMASK, RFLAGS_RF);
	wrmsr(MSR_EFER, efer | EFER_SCE);
	sys3_cs = sys3_ss = 0;
	seen[0] = seen[1] = 0;
	unsigned int v = at_cpl3(cpuwalk_u_syscall, 7);
	wrmsr(MSR_EFER, efer);
	check(v == NO_FAULT && sys3_cs == ring0_cs && sys3_ss == ring0_cs + 8 &&
	      sys3_rcx == user + 2 && seen[0] == SEL_UCODE && seen[1] == SEL_UDATA,
	      "syscall at cpl 3 reaches LSTAR with cs 0x%x ss 0x%x rcx = the next rip; "
	      "sysret returns with cs 0x%x ss 0x%x (got %s)", sys3_cs, sys3_ss,
	      seen[0], seen[1], vector_name(v));
}

void walk_ring3(uint64_t user_alias)
{
	unsigned long cr4 = read_cr4();

	alias = user_alias;
	load_gdt_and_tss();
	check(at_cpl3(cpuwalk_u_nop, 1) == NO_FAULT,
	      "ring 3: entered by iretq, back to ring 0 by the #GP of hlt");
	cpl3_bit("cr4.umip (7.ecx.2)", HAS(l7_ecx, 2), CR4_UMIP, cpuwalk_u_sgdt, 3, "sgdt",
		 VEC_GP);
	cpl3_bit("cr4.tsd (1.edx.4)", HAS(l1_edx, 4), CR4_TSD, cpuwalk_u_rdtsc, 2, "rdtsc",
		 VEC_GP);
	/* FSGSBASE works the other way: #UD without the bit, runs with it */
	unsigned int off = at_cpl3(cpuwalk_u_rdfsbase, 5), on = VEC_UD;
	if (HAS(l7_ebx, 0)) {
		write_cr4(cr4 | CR4_FSGSBASE);
		on = at_cpl3(cpuwalk_u_rdfsbase, 5);
		write_cr4(cr4);
		announced("cr4.fsgsbase (7.ebx.0)", off == VEC_UD && on == NO_FAULT,
			  "rdfsbase at cpl 3 #UD, with the cr4 bit runs");
	} else {
		hidden("cr4.fsgsbase (7.ebx.0)", "rdfsbase at cpl 3", VEC_UD, off);
	}
	check_rdpmc_pce();
	check_syscall_sysret();
}
