/*
 * GDT and TSS per CPU, IDT shared (see arch/x86/desc.h). The TSS exists for
 * its IST stacks: #DF, NMI and #MC run on their own stacks so a corrupt or
 * overflowing hypervisor stack still yields a register dump (SDM Vol. 3 6.14.5).
 */
#include "arch/x86/desc.h"
#include "arch/x86/trap.h"
#include "core/lib.h"

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

struct cpu_desc {
	uint64_t gdt[5];                /* null, code64, data, tss (2 slots) */
	struct tss64 tss;
	uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

static struct cpu_desc cpu_descs[MAX_CPUS];
static struct idt_gate idt[256] __attribute__((aligned(16)));

extern uint8_t boot_stack_bottom[], boot_stack_top[];

static void idt_set_gate(unsigned vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = handler & 0xffff,
		.selector = SEL_CODE64,
		.ist = ist,
		.type_attr = 0x8e,      /* present, DPL 0, 64-bit interrupt gate */
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = handler >> 32,
	};
}

static void idt_build(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v, (uint64_t)trap_stubs[v], 0);
	idt[TRAP_DF].ist = IST_DOUBLE_FAULT;
	idt[TRAP_NMI].ist = IST_NMI;
	idt[TRAP_MC].ist = IST_MACHINE_CHECK;
}

static void gdt_build(struct cpu_desc *c)
{
	uint64_t tss = (uint64_t)&c->tss;
	uint64_t limit = sizeof(c->tss) - 1;

	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffffULL;      /* 64-bit code, DPL 0 */
	c->gdt[2] = 0x00cf92000000ffffULL;      /* data, DPL 0 */
	/* 64-bit available TSS (type 9), SDM Vol. 3 8.2.3 */
	c->gdt[3] = (limit & 0xffff) | ((tss & 0xffffff) << 16) |
		    (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
		    (((tss >> 24) & 0xff) << 56);
	c->gdt[4] = tss >> 32;

	for (int i = 0; i < 3; i++)
		c->tss.ist[i] = (uint64_t)(c->ist_stacks[i] + IST_STACK_SIZE);
	c->tss.iomap_base = sizeof(c->tss);     /* no IO bitmap */
}

void desc_init_cpu(unsigned cpu)
{
	struct cpu_desc *c = &cpu_descs[cpu];

	if (cpu == 0)
		idt_build();
	gdt_build(c);

	struct desc_ptr gdtr = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
	gdt_load(&gdtr, SEL_CODE64, SEL_DATA);
	idt_load(&idtr);
	tr_load(SEL_TSS);
}

int desc_stack_contains(unsigned cpu, uint64_t addr, uint64_t len)
{
	const struct cpu_desc *c = &cpu_descs[cpu];

	if (addr + len < addr)
		return 0;
	if (cpu == 0 && addr >= (uint64_t)boot_stack_bottom &&
	    addr + len <= (uint64_t)boot_stack_top)
		return 1;
	for (int i = 0; i < 3; i++) {
		uint64_t lo = (uint64_t)c->ist_stacks[i];
		if (addr >= lo && addr + len <= lo + IST_STACK_SIZE)
			return 1;
	}
	return 0;
}
