/*
 * Host unit tests for the initial vCPU state (guests/ctl/cpu_mode.c):
 * real, prot32 and long64 setups (segments, control registers, GDT, page
 * tables) and the multiboot machine state. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/loader.h"

#define MiB (1024u * 1024u)

static struct guest_ram ram;
static struct kvm_regs regs;
static struct kvm_sregs sregs;
static struct load_error err;

/* The hypervisor's reset state, roughly (docs/hypercall-abi.md,
 * "KVM_CREATE_VCPU: reset state"). */
static int setup(void **state)
{
	(void)state;
	ram.bytes = 4 * MiB;
	ram.base = calloc(1, ram.bytes);
	memset(&regs, 0, sizeof(regs));
	memset(&sregs, 0, sizeof(sregs));
	regs.rdx = 0x600;
	regs.rip = 0xfff0;
	sregs.cs.selector = 0xf000;
	sregs.cs.base = 0xf0000;
	sregs.tr.limit = 0xffff;
	sregs.tr.type = 3;
	sregs.tr.present = 1;
	sregs.ldt.type = 2;
	sregs.ldt.present = 1;
	sregs.cr0 = 0x60000010;
	sregs.apic_base = 0xfee00900;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram.base);
	return 0;
}

static void test_parse(void **state)
{
	enum cpu_mode m;

	(void)state;
	assert_int_equal(cpu_mode_parse("real", &m), 0);
	assert_int_equal(m, CPU_MODE_REAL);
	assert_int_equal(cpu_mode_parse("prot32", &m), 0);
	assert_int_equal(m, CPU_MODE_PROT32);
	assert_int_equal(cpu_mode_parse("long64", &m), 0);
	assert_int_equal(m, CPU_MODE_LONG64);
	assert_int_equal(cpu_mode_parse("long", &m), -1);
	assert_int_equal(cpu_mode_parse("", &m), -1);
	assert_string_equal(cpu_mode_name(CPU_MODE_LONG64), "long64");
}

static void test_real(void **state)
{
	(void)state;
	assert_int_equal(cpu_mode_setup(CPU_MODE_REAL, &ram, 0x7c00, &regs, &sregs, &err), 0);
	assert_int_equal(sregs.cs.selector, 0);
	assert_int_equal(sregs.cs.base, 0);
	assert_int_equal(sregs.cs.limit, 0xffff);
	assert_int_equal(regs.rip, 0x7c00);
	assert_int_equal(regs.rsp, CPU_MODE_REAL_SP);
	assert_int_equal(regs.rdx, 0);
	assert_int_equal(regs.rflags, 2);
	assert_int_equal(sregs.ds.base, 0);
	assert_int_equal(sregs.ss.selector, 0x1000);
	assert_int_equal(sregs.ss.base, 0x10000);
	assert_int_equal(sregs.ss.limit, 0xffff);
	assert_int_equal(sregs.ss.type, 3);
	assert_int_equal(sregs.ss.db, 0);
	assert_int_equal(sregs.cr0, 0x60000010);        /* PE stays clear */
	assert_int_equal(sregs.tr.type, 3);             /* untouched */
	/* above 64 KiB: CS takes the 64 KiB-aligned part */
	assert_int_equal(cpu_mode_setup(CPU_MODE_REAL, &ram, 0x12345, &regs, &sregs, &err), 0);
	assert_int_equal(sregs.cs.selector, 0x1000);
	assert_int_equal(sregs.cs.base, 0x10000);
	assert_int_equal(regs.rip, 0x2345);
	/* docs/test-guests.md's real.bin: CS = DS = ES = 0x1000, SS:SP =
	 * 2000:fffe */
	assert_int_equal(cpu_mode_setup(CPU_MODE_REAL, &ram, 0x10000, &regs, &sregs, &err), 0);
	assert_int_equal(regs.rip, 0);
	assert_int_equal(regs.rsp, 0xfffe);
	assert_int_equal(sregs.cs.selector, 0x1000);
	assert_int_equal(sregs.cs.db, 0);
	assert_int_equal(sregs.ds.selector, 0x1000);
	assert_int_equal(sregs.es.base, 0x10000);
	assert_int_equal(sregs.ss.selector, 0x2000);
	assert_int_equal(sregs.ss.base, 0x20000);
	assert_int_equal(sregs.fs.selector, 0);
	assert_int_equal(sregs.gs.base, 0);
	assert_int_equal(cpu_mode_setup(CPU_MODE_REAL, &ram, 0x100000, &regs, &sregs, &err), -1);
	assert_non_null(strstr(err.msg, "1 MiB"));
}

static void test_prot32(void **state)
{
	uint64_t gdt[4];

	(void)state;
	assert_int_equal(cpu_mode_setup(CPU_MODE_PROT32, &ram, 0x100000, &regs, &sregs, &err), 0);
	assert_int_equal(sregs.cs.selector, 0x08);
	assert_int_equal(sregs.cs.base, 0);
	assert_int_equal(sregs.cs.limit, 0xffffffff);
	assert_int_equal(sregs.cs.type, 0xb);
	assert_int_equal(sregs.cs.db, 1);
	assert_int_equal(sregs.cs.g, 1);
	assert_int_equal(sregs.cs.l, 0);
	assert_int_equal(sregs.cs.s, 1);
	assert_int_equal(sregs.cs.present, 1);
	assert_int_equal(sregs.ds.selector, 0x10);
	assert_int_equal(sregs.ss.type, 3);
	assert_int_equal(sregs.ss.db, 1);
	assert_int_equal(sregs.cr0, CPU_CR0_PE | CPU_CR0_ET);
	assert_int_equal(sregs.efer, 0);
	assert_int_equal(sregs.tr.type, 0xb);
	assert_int_equal(regs.rip, 0x100000);
	assert_int_equal(regs.rsp, CPU_MODE_STACK);
	assert_int_equal(sregs.gdt.base, 0x1000);
	assert_int_equal(sregs.gdt.limit, 31);
	memcpy(gdt, ram.base + 0x1000, sizeof(gdt));
	assert_true(gdt[0] == 0);
	assert_true(gdt[1] == 0x00cf9b000000ffffULL);
	assert_true(gdt[2] == 0x00cf93000000ffffULL);
	assert_true(gdt[3] == 0x00af9b000000ffffULL);
	/* no page tables for prot32 */
	for (unsigned i = 0x2000; i < 0x5000; i++)
		assert_int_equal(ram.base[i], 0);
	assert_int_equal(cpu_mode_setup(CPU_MODE_PROT32, &ram, 0x100000000ULL, &regs, &sregs, &err), -1);
}

static void test_long64(void **state)
{
	uint64_t pml4[2], pdpt[2], pd[512];

	(void)state;
	assert_int_equal(cpu_mode_setup(CPU_MODE_LONG64, &ram, 0x200000, &regs, &sregs, &err), 0);
	assert_int_equal(sregs.cs.selector, 0x18);
	assert_int_equal(sregs.cs.l, 1);
	assert_int_equal(sregs.cs.db, 0);
	assert_int_equal(sregs.ds.selector, 0x10);
	assert_true(sregs.cr0 & CPU_CR0_PG);
	assert_true(sregs.cr0 & CPU_CR0_PE);
	assert_true(sregs.cr4 & CPU_CR4_PAE);
	assert_int_equal(sregs.cr3, 0x2000);
	assert_int_equal(sregs.efer, CPU_EFER_LME | CPU_EFER_LMA);
	assert_int_equal(sregs.tr.type, 0xb);
	assert_int_equal(sregs.apic_base, 0xfee00900);  /* untouched */
	assert_int_equal(regs.rip, 0x200000);
	memcpy(pml4, ram.base + 0x2000, sizeof(pml4));
	memcpy(pdpt, ram.base + 0x3000, sizeof(pdpt));
	memcpy(pd, ram.base + 0x4000, sizeof(pd));
	assert_true(pml4[0] == 0x3003);
	assert_true(pml4[1] == 0);
	assert_true(pdpt[0] == 0x4003);
	assert_true(pdpt[1] == 0);
	for (uint64_t i = 0; i < 512; i++)
		assert_true(pd[i] == ((i << 21) | 0x83));
	assert_int_equal(cpu_mode_setup(CPU_MODE_LONG64, &ram, 1ULL << 30, &regs, &sregs, &err), -1);
	assert_non_null(strstr(err.msg, "first GiB"));
	ram.bytes = 0x4000;
	assert_int_equal(cpu_mode_setup(CPU_MODE_LONG64, &ram, 0x100, &regs, &sregs, &err), -1);
	assert_int_equal(cpu_mode_setup(CPU_MODE_PROT32, &ram, 0x100, &regs, &sregs, &err), -1);
}

static void test_multiboot_state(void **state)
{
	(void)state;
	regs.rcx = 99;
	sregs.efer = 0x500;
	sregs.cr4 = 0x20;
	cpu_setup_multiboot(0x10000c, 0x109000, &regs, &sregs);
	assert_int_equal(regs.rax, 0x2BADB002);
	assert_int_equal(regs.rbx, 0x109000);
	assert_int_equal(regs.rip, 0x10000c);
	assert_int_equal(regs.rflags, 0x2);
	assert_int_equal(regs.rcx, 0);
	assert_int_equal(sregs.cs.base, 0);
	assert_int_equal(sregs.cs.limit, 0xffffffff);
	assert_int_equal(sregs.cs.type, 0xb);
	assert_int_equal(sregs.cs.db, 1);
	assert_int_equal(sregs.cs.g, 1);
	assert_int_equal(sregs.es.type, 3);
	assert_int_equal(sregs.fs.limit, 0xffffffff);
	assert_int_equal(sregs.cr0 & (CPU_CR0_PE | CPU_CR0_PG), CPU_CR0_PE);
	assert_int_equal(sregs.cr4, 0);
	assert_int_equal(sregs.efer, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_real, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prot32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_state, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
