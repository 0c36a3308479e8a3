/*
 * Per-CPU descriptor tables: the GDT (64-bit code/data and the TSS), the TSS
 * with its interrupt stacks, and the shared IDT. Selectors match boot/.
 */
#ifndef ARCH_X86_DESC_H
#define ARCH_X86_DESC_H

#include <stdint.h>

#define SEL_CODE64  0x08
#define SEL_DATA    0x10
#define SEL_TSS     0x18

#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3
#define IST_STACK_SIZE   (8 * 1024)

#define MAX_CPUS 8

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

/* Loads GDT/IDT/TR for the calling CPU (index 0 = boot CPU). */
void desc_init_cpu(unsigned cpu);

/* Is [addr, addr+len) inside one of this CPU's known stacks? Used by the
 * stack-trace walker so it never follows a corrupted frame pointer. */
int desc_stack_contains(unsigned cpu, uint64_t addr, uint64_t len);

/* In arch/x86/desc_load.S */
void gdt_load(const struct desc_ptr *gdtr, uint16_t cs, uint16_t ds);
void idt_load(const struct desc_ptr *idtr);
void tr_load(uint16_t sel);

#endif
