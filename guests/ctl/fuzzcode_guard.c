/*
 * The guard of `fuzzcode` (fuzzcode.h): between two single steps it decides
 * whether an exception raised by the next instruction would reach its
 * handler (a HLT) without a second fault. If not, the program ends there.
 *
 * Why: a fault while delivering a fault is a double fault, and one while
 * delivering that a triple fault. Under Bochs 2.7 a triple fault in an SVM
 * guest is not the SHUTDOWN intercept but stops the whole emulator ("3rd
 * exception with no resolution", tests/system/test_abi_faults.py), so
 * random code must never get there; on the other platforms the rule costs
 * nothing but the end of a program that broke its own machine.
 *
 * Delivery needs (SDM Vol. 3A 6.12, 6.14, 20.1.4): the IDT (IDTR, its
 * gates, the GDT's code segments they name and the handlers' bytes, all as
 * written), the mode the tables were written for (CR0.PE/PG, and with
 * paging CR0.WP and CR3, CR4's paging and protection-key bits,
 * EFER.LME/LMA), and a stack: in real mode
 * SS:SP (a word at offset 0xffff is #SS); in protected mode below CPL 0 and
 * in long mode (IST 1) the TSS's, so TR must be the fuzzer's; at CPL 0 in
 * protected mode SS:ESP, which must be flat, writable, and (with paging)
 * mapped writable for the 6 dwords an error code and a privilege change
 * could push. No stack is needed by the handlers themselves: HLT.
 * Besides, a program under SVM must not enter virtual-8086 mode (below).
 */
#include <string.h>

#include "guests/ctl/fuzzcode.h"

#define CR0_PE          0x1ULL
#define CR0_WP          0x10000ULL
#define CR0_PG          0x80000000ULL
/* PSE PAE LA57 SMEP SMAP PKE CET PKS FRED: bits that change what
 * delivery's accesses mean */
#define CR4_DELIVERY    (0x10ULL | 0x20ULL | (1ULL << 12) | (1ULL << 20) | \
			 (1ULL << 21) | (1ULL << 22) | (1ULL << 23) | (1ULL << 24) | \
			 (1ULL << 32))
#define EFER_LME        0x100ULL
#define EFER_LMA        0x400ULL
#define RFLAGS_VM       0x20000ULL
#define PUSH_BYTES      24      /* SS ESP EFLAGS CS EIP error code */

struct range {
	uint32_t start, bytes;
};

static bool unchanged(const struct fc_machine *m, struct range r)
{
	return memcmp(m->low + r.start, m->golden + r.start, r.bytes) == 0;
}

/*
 * The parts of the system area delivery reads, as written. With paging the
 * whole area is read-only and supervisor-only, and CR0.WP stays set (else
 * the program ends, mode_changed), so no write can reach it; the CPU's own
 * writes (accessed, dirty and busy bits) find them set already. Without
 * paging they are compared: a few KiB.
 */
static bool tables_unchanged(const struct fc_machine *m, enum fc_mode mode)
{
	if (fc_mode_paging(mode))
		return true;
	if (mode == FC_REAL || mode == FC_BIGREAL)
		return unchanged(m, (struct range){ 0, FC_HANDLERS + 256 });
	return unchanged(m, (struct range){ FC_HANDLERS, 256 }) &&
	       unchanged(m, (struct range){ FC_GDT, FC_SEL_RANDOM }) &&
	       unchanged(m, (struct range){ FC_IDT, 0x800 }) &&
	       unchanged(m, (struct range){ FC_TSS32, 0x68 });
}

static const char *mode_changed(const struct kvm_sregs *was, const struct kvm_sregs *s)
{
	uint64_t cr0_kept = CR0_PE | CR0_PG | (was->cr0 & CR0_PG ? CR0_WP : 0);

	if ((s->cr0 ^ was->cr0) & cr0_kept)
		return "cr0";
	if ((s->cr4 ^ was->cr4) & CR4_DELIVERY)
		return "cr4";
	if ((s->efer ^ was->efer) & (EFER_LME | EFER_LMA))
		return "efer";
	if ((s->cr0 & CR0_PG) && s->cr3 != was->cr3)
		return "cr3";
	if (s->idt.base != was->idt.base || s->idt.limit != was->idt.limit)
		return "idtr";
	if (!(s->cr0 & CR0_PE))
		return NULL;
	if (s->gdt.base != was->gdt.base || s->gdt.limit != was->gdt.limit)
		return "gdtr";
	if (s->tr.selector != was->tr.selector || s->tr.base != was->tr.base ||
	    s->tr.limit != was->tr.limit || s->tr.type != was->tr.type || !s->tr.present)
		return "tr";
	return NULL;
}

/* Real mode: pushing FLAGS, CS, IP wraps within the 64 KiB segment; only
 * a word at offset 0xffff faults. */
static bool real_stack_ok(const struct kvm_sregs *s, const struct kvm_regs *regs)
{
	uint16_t sp = (uint16_t)regs->rsp;

	return s->ss.limit >= 0xffff && !((sp & 1) && sp < 6);
}

/* CPL 0 in protected mode: the handler's frame goes on SS:ESP. */
static bool ring0_stack_ok(const struct kvm_sregs *s, const struct kvm_regs *regs)
{
	const struct kvm_segment *ss = &s->ss;
	uint32_t esp = (uint32_t)regs->rsp;

	if (!ss->present || ss->unusable || !ss->s || (ss->type & 0xe) != 0x2 ||
	    ss->base != 0 || ss->limit != 0xffffffff || !ss->db || esp < PUSH_BYTES)
		return false;
	return !(s->cr0 & CR0_PG) ||
	       (fc_page_writable(esp - PUSH_BYTES) && fc_page_writable(esp - 1));
}

/* A byte at a linear address below 4 GiB (paging maps [0, 4 MiB) 1:1), or
 * -1 where that is no RAM. */
static int read_linear(const struct fc_machine *m, const struct kvm_sregs *s, uint64_t lin)
{
	lin &= 0xffffffff;
	if ((s->cr0 & CR0_PG) && lin >= FC_MAPPED_END)
		return -1;
	return fc_read_gpa(m, lin);
}

static bool legacy_prefix(int b)
{
	return b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 ||
	       b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65;
}

/*
 * Whether the next instruction is a 32-bit IRET whose EFLAGS image has VM
 * set: at CPL 0 it enters virtual-8086 mode (SDM Vol. 2A IRET). Bochs 2.7
 * panics on the next #VMEXIT from there into a long-mode host ("VM is set
 * in long mode"), so under SVM that step must not run. MOV SS and POP SS
 * count as yes too: they hold the single-step trap back until after the
 * next instruction (SDM Vol. 3A 6.8.3), which the guard would not see.
 * Bytes that cannot be read (MMIO) count as yes.
 */
static bool iret_to_v86(const struct fc_machine *m, const struct kvm_sregs *s,
			const struct kvm_regs *g)
{
	uint64_t ip = s->cs.base + (s->cs.db ? (uint32_t)g->rip : (uint16_t)g->rip);
	bool o16 = false;
	int b = -1, i;

	for (i = 0; i < 15; i++) {
		b = read_linear(m, s, ip + (uint64_t)i);
		if (b == 0x66)
			o16 = true;
		else if (!legacy_prefix(b))
			break;
	}
	int modrm = read_linear(m, s, ip + (uint64_t)i + 1);
	if (b == 0x17 || (b == 0x8e && (modrm < 0 || ((modrm >> 3) & 7) == 2)))
		return true;                    /* POP SS, MOV SS */
	if (b != 0xcf || s->cs.db == o16)
		return b < 0;                   /* not IRETD (or unreadable) */
	uint64_t sp = s->ss.base + (s->ss.db ? (uint32_t)g->rsp : (uint16_t)g->rsp);
	int eflags_2 = read_linear(m, s, sp + 10);      /* EFLAGS bits 23:16 */
	return eflags_2 < 0 || (eflags_2 & 0x2);
}

const char *fc_unsafe(const struct fc_machine *m, const struct fc_program *p,
		      const struct kvm_sregs *s, const struct kvm_regs *regs)
{
	const char *why = mode_changed(&p->sregs, s);

	if (why)
		return why;
	if (!tables_unchanged(m, p->mode))
		return "tables";
	if (!(s->cr0 & CR0_PE))
		return real_stack_ok(s, regs) ? NULL : "stack";
	if ((s->efer & EFER_LMA) || (regs->rflags & RFLAGS_VM))
		return NULL;                    /* IST 1; TSS stack */
	bool ring0 = s->ss.dpl == 0 || (s->cs.selector & 3) == 0;
	if (!ring0)
		return NULL;
	if (!ring0_stack_ok(s, regs))
		return "stack";
	return iret_to_v86(m, s, regs) ? "v86" : NULL;
}
